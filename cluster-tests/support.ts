/** Helpers of the real-cluster suite: kubectl against the running cluster, port-forwards, polling. */
import { ChildProcess, spawn } from 'child_process';
import * as yaml from 'js-yaml';
import { readSummary } from '../scripts/cluster/lifecycle';
import { sh, sleep } from '../scripts/cluster/system';
import { tool } from '../scripts/cluster/tools';

export interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The pinned kubectl with the running cluster's admin kubeconfig. */
export function kubectl(args: readonly string[], input?: string): Result {
  const summary = readSummary();
  if (!summary) throw new Error('the cluster is not up (npm run cluster -- up)');
  return sh([tool('kubectl'), `--kubeconfig=${summary.kubeconfig}`, ...args], { input, allowFailure: true, timeoutMs: 600_000 });
}

export function kubectlJson<T = any>(args: readonly string[]): T {
  const r = kubectl([...args, '-o', 'json']);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

export function apply(objects: readonly unknown[]): void {
  const r = kubectl(['apply', '--server-side', '-f', '-'], objects.map((o) => yaml.dump(o)).join('---\n'));
  if (r.code !== 0) throw new Error(`kubectl apply failed: ${r.stderr}`);
}

/** Polls until `check` returns a value (not undefined), or fails with the last value seen. */
export async function eventually<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(1000);
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000} s${lastError ? ` (last error: ${String(lastError)})` : ''}`);
}

/** `kubectl port-forward` to a pod's port (through the kubelet: NetworkPolicy does not apply); GETs JSON from it. */
export async function getThroughPortForward<T = any>(namespace: string, pod: string, port: number, urlPath: string): Promise<T> {
  const summary = readSummary()!;
  const child: ChildProcess = spawn(tool('kubectl'), [`--kubeconfig=${summary.kubeconfig}`, '-n', namespace, 'port-forward', `pod/${pod}`, `:${port}`],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const local = await new Promise<number>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`port-forward to ${pod}:${port}: no port within 20 s: ${out}`)), 20_000);
      const onData = (chunk: Buffer) => {
        out += String(chunk);
        const match = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.on('exit', (code) => reject(new Error(`port-forward to ${pod}:${port} exited (${code}): ${out}`)));
    });
    const res = await fetch(`http://127.0.0.1:${local}${urlPath}`);
    if (!res.ok) throw new Error(`GET ${urlPath} on ${pod}: HTTP ${res.status}`);
    return (await res.json()) as T;
  } finally {
    child.kill('SIGKILL');
  }
}
