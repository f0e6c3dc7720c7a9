/** Helpers of the real-cluster suite: kubectl against the running cluster, port-forwards, polling. */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as yaml from 'js-yaml';
import { HOST_ADDRESS } from '../scripts/cluster/layout';
import { down, readSummary } from '../scripts/cluster/lifecycle';
import { sh, sleep } from '../scripts/cluster/system';
import { tool } from '../scripts/cluster/tools';
import { SmtpSink } from '../testkit/smtp-sink';
import { ClusterPathProxy } from '../testkit/vm-proxy';
import { VictoriaMetrics } from '../testkit/victoria-metrics';

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

/**
 * The same, without blocking: the stand-ins (storage proxies, SMTP sink, CPU feeder) run in this process and must go on
 * serving while kubectl waits (e.g. `rollout status` for a minute).
 */
export function kubectlAsync(args: readonly string[]): Promise<Result> {
  const summary = readSummary();
  if (!summary) throw new Error('the cluster is not up (npm run cluster -- up)');
  return new Promise((resolve) => {
    const child = spawn(tool('kubectl'), [`--kubeconfig=${summary.kubeconfig}`, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => { stdout += String(d); });
    child.stderr?.on('data', (d) => { stderr += String(d); });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
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
  return JSON.parse(await getTextThroughPortForward(namespace, pod, port, urlPath)) as T;
}

/** The same, for a text answer (e.g. /metrics). */
export async function getTextThroughPortForward(namespace: string, pod: string, port: number, urlPath: string): Promise<string> {
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
    return await res.text();
  } finally {
    child.kill('SIGKILL');
  }
}

/** A Service of `namespace` without selector whose one endpoint is a stand-in on the host side of the bridge. */
export function hostService(namespace: string, name: string, port: number, targetPort: number): unknown[] {
  return [
    { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { ports: [{ name: 'main', port, targetPort }] } },
    {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
      metadata: { name: `${name}-host`, namespace, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [HOST_ADDRESS], conditions: { ready: true } }],
      ports: [{ name: 'main', port: targetPort, protocol: 'TCP' }],
    },
  ];
}

/** Where the pods find the stand-ins: vmselect and vminsert (the path-rewriting proxies) and the SMTP sink on port 25. */
export function standInServices(namespace: string, smtpSinkPort = SMTP_SINK_PORT): unknown[] {
  return [
    ...hostService(namespace, 'vmselect', 8481, 8481),
    ...hostService(namespace, 'vminsert', 8480, 8480),
    ...hostService(namespace, 'smtp-sink', 25, smtpSinkPort),
  ];
}

/**
 * Waits until every Alertmanager pod of `namespace` reports all its peers in the mesh (status ready) and every vmalert
 * pod lists every Alertmanager pod as a notifier without error. Resolves to the pods' names.
 */
export async function meshAndNotifiersReady(namespace: string): Promise<{ alertmanagers: string[]; vmalerts: string[]; notifierAddresses: Record<string, string[]> }> {
  const pods = kubectlJson(['-n', namespace, 'get', 'pods']).items as Array<Record<string, any>>;
  const named = (app: string) => pods.filter((p) => p.metadata.labels['app.kubernetes.io/name'] === app && !p.metadata.deletionTimestamp)
    .map((p) => p.metadata.name as string).sort();
  const alertmanagers = named('alertmanager');
  const vmalerts = named('vmalert');
  for (const am of alertmanagers) {
    await eventually(`${am} sees ${alertmanagers.length} peers`, async () => {
      const s = await getThroughPortForward(namespace, am, 9093, '/api/v2/status');
      return s.cluster.peers.length === alertmanagers.length && s.cluster.status === 'ready' ? true : undefined;
    });
  }
  const notifierAddresses: Record<string, string[]> = {};
  for (const vmalert of vmalerts) {
    const targets = await eventually(`${vmalert} notifies every Alertmanager`, async () => {
      const n = await getThroughPortForward(namespace, vmalert, 8880, '/api/v1/notifiers');
      const all = (n.data.notifiers as Array<{ targets: Array<{ address: string; lastError: string }> }>).flatMap((x) => x.targets);
      return all.length === alertmanagers.length && all.every((t) => t.lastError === '') ? all : undefined;
    });
    notifierAddresses[vmalert] = targets.map((t) => t.address);
  }
  return { alertmanagers, vmalerts, notifierAddresses };
}

/** The port the SMTP sink listens on, on the host side of the bridge (the smtp-sink Service's target port). */
export const SMTP_SINK_PORT = 2525;

/**
 * Starts the stand-ins on the host side of the bridge: victoria-metrics (with `dedupInterval`, `latencyOffset`)
 * behind the vmselect/vminsert path-rewriting proxies, and the SMTP sink. Each one's stop goes onto `closers`.
 */
export async function startStandIns(workDir: string, closers: Array<() => Promise<unknown>>,
  storage: { dedupInterval: string; latencyOffset?: string }): Promise<{ vm: VictoriaMetrics; sink: SmtpSink }> {
  const vm = await VictoriaMetrics.start({ address: HOST_ADDRESS, workDir, ...storage });
  closers.push(() => vm.process.stop());
  for (const [name, port] of [['vmselect', 8481], ['vminsert', 8480]] as const) {
    const proxy = await ClusterPathProxy.start(name, HOST_ADDRESS, port, vm.url);
    closers.push(() => proxy.close());
  }
  const sink = await SmtpSink.start(HOST_ADDRESS, SMTP_SINK_PORT);
  closers.push(() => sink.close());
  return { vm, sink };
}

/** A file's teardown: stops what `closers` holds (last started first), takes the cluster down, removes `workDir`. */
export async function stopStandInsAndCluster(closers: Array<() => Promise<unknown>>, workDir: string | undefined): Promise<void> {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await down();
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
}
