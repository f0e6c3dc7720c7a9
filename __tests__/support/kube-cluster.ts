/**
 * A throw-away Kubernetes control plane for tests: the pinned etcd, kube-apiserver and kube-controller-manager
 * (scripts/tools/test-tools.sh builds them at the tags of constructs/core/versions.ts) on loopback, on free ports, with a
 * kubeconfig for the pinned kubectl. No kubelet and no scheduler run: the controllers create Pods, nothing runs
 * them. Each process leads its own process group, and stopping the cluster kills the groups and removes the
 * temporary directory.
 */
import { ChildProcess, spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as https from 'https';
import * as os from 'os';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { RunResult, binary, freePort, httpStatus, run } from '../../testkit/binaries';

/** Options for {@link startKubeCluster}. */
export interface KubeClusterOptions {
  /**
   * Name of the kubeconfig's context; the deploy job selects it with `kubectl config use-context`.
   * @default 'test-cluster'
   */
  readonly contextName?: string;
  /**
   * Namespaces created before the tests, labelled so Pod Security Admission enforces (and warns about)
   * `restricted` in them, the way many clusters guard a monitoring namespace.
   * @default []
   */
  readonly restrictedNamespaces?: readonly string[];
}

/** A running test cluster. */
export interface KubeCluster {
  /** Path of a kubeconfig whose current context is {@link contextName}, authenticated as a cluster admin. */
  readonly kubeconfig: string;
  readonly contextName: string;
  /** https://127.0.0.1:<port> */
  readonly server: string;
  /** Milliseconds from the first process start until the API server is ready and the controllers work. */
  readonly startupMs: number;
  /** The pinned kubectl with this cluster's kubeconfig. */
  kubectl(args: readonly string[], opts?: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): RunResult;
  /** Process ids of etcd, kube-apiserver and kube-controller-manager; each leads its own process group. */
  readonly pids: readonly number[];
  /** Output of each control-plane process so far (for failure messages). */
  logs(): string;
  /** Kills every process group of the cluster and removes its files; resolves to the milliseconds it took. */
  stop(): Promise<number>;
}

/** Where the control plane keeps its Pod and Service addresses; nothing routes them, no kubelet runs. */
const SERVICE_CLUSTER_IP_RANGE = '10.96.0.0/24';
const STARTUP_TIMEOUT_MS = 90_000;
const POLL_MS = 100;
/** Process groups still running, killed on exit should a test process end without calling stop(). */
const running = new Set<number>();
process.on('exit', () => {
  for (const pgid of running) killGroup(pgid, 'SIGKILL');
});

/** Controllers the tests need: workloads, their ReplicaSets and revisions, service accounts, garbage collection. */
const CONTROLLERS = [
  'deployment-controller',
  'replicaset-controller',
  'statefulset-controller',
  'serviceaccount-controller',
  'garbage-collector-controller',
  'namespace-controller',
  'root-ca-certificate-publisher-controller',
];

/**
 * Starts etcd, kube-apiserver and kube-controller-manager, creates the restricted namespaces, and waits until
 * the controllers have created their default ServiceAccounts (Pods cannot be created before that).
 */
export async function startKubeCluster(options: KubeClusterOptions = {}): Promise<KubeCluster> {
  const started = Date.now();
  const contextName = options.contextName ?? 'test-cluster';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kube-cluster-'));
  const processes: Array<{ name: string; child: ChildProcess; output: () => string }> = [];
  const logs = () => processes.map((p) => `--- ${p.name} ---\n${p.output().slice(-4000)}`).join('\n');

  let stopped = false;
  const stop = async (): Promise<number> => {
    const t0 = Date.now();
    if (!stopped) {
      stopped = true;
      // Controllers first, then the API server, then its store: each may still talk to the next one.
      for (const p of [...processes].reverse()) await stopGroup(p.child);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    return Date.now() - t0;
  };

  try {
    const host = '127.0.0.1';
    const [etcdClient, etcdPeer, apiPort, kcmPort] = await distinctFreePorts(host, 4);

    const etcdUrl = `http://${host}:${etcdClient}`;
    processes.push(launch('etcd', binary('etcd'), [
      `--data-dir=${path.join(dir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://${host}:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://${host}:${etcdPeer}`,
      `--initial-cluster=default=http://${host}:${etcdPeer}`,
      // A test store is thrown away: fsync would only cost time on a shared disk.
      '--unsafe-no-fsync',
      '--log-level=warn',
    ]));

    const saKey = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const saPrivate = writeFile(dir, 'sa.key', saKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const saPublic = writeFile(dir, 'sa.pub', saKey.publicKey.export({ type: 'spki', format: 'pem' }).toString());
    const token = crypto.randomBytes(24).toString('hex');
    const tokens = writeFile(dir, 'tokens.csv', `${token},test-admin,test-admin,"system:masters"\n`);
    const certDir = path.join(dir, 'certs');
    const server = `https://${host}:${apiPort}`;

    await waitFor('etcd', () => httpStatus(`${etcdUrl}/health`).then((s) => s === 200), processes);

    processes.push(launch('kube-apiserver', binary('kube-apiserver'), [
      `--etcd-servers=${etcdUrl}`,
      `--bind-address=${host}`,
      `--advertise-address=${host}`,
      `--secure-port=${apiPort}`,
      `--cert-dir=${certDir}`,
      `--token-auth-file=${tokens}`,
      '--authorization-mode=RBAC',
      `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
      '--service-account-issuer=https://kubernetes.default.svc',
      `--service-account-key-file=${saPublic}`,
      `--service-account-signing-key-file=${saPrivate}`,
      // The `kubernetes` Service's endpoints would need a routable address; nothing here dials it.
      '--endpoint-reconciler-type=none',
      // PodSecurity and ServiceAccount admission are on by default; namespaces opt into `restricted` by label.
    ]));
    await waitFor('kube-apiserver', () => apiReady(server, token), processes);

    const kubeconfig = writeFile(dir, 'kubeconfig', yaml.dump({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{
        name: 'test',
        // The API server's own self-signed serving certificate (and its CA) from --cert-dir.
        cluster: { 'server': server, 'certificate-authority': path.join(certDir, 'apiserver.crt') },
      }],
      users: [{ name: 'test-admin', user: { token } }],
      contexts: [{ name: contextName, context: { cluster: 'test', user: 'test-admin' } }],
      ['current-context']: contextName,
    }));

    processes.push(launch('kube-controller-manager', binary('kube-controller-manager'), [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      `--bind-address=${host}`,
      `--secure-port=${kcmPort}`,
      '--leader-elect=false',
      `--controllers=${CONTROLLERS.join(',')}`,
      `--service-account-private-key-file=${saPrivate}`,
      `--root-ca-file=${path.join(certDir, 'apiserver.crt')}`,
      // Pods are never scheduled here; without this the controllers would wait for nodes' CIDRs.
      '--allocate-node-cidrs=false',
    ]));

    const kubectl: KubeCluster['kubectl'] = (args, opts = {}) => run(binary('kubectl'), args, {
      input: opts.input,
      timeoutMs: opts.timeoutMs,
      env: { ...process.env, KUBECONFIG: kubeconfig, HOME: dir, ...opts.env },
    });

    for (const ns of options.restrictedNamespaces ?? []) createRestrictedNamespace(kubectl, ns);
    // The ServiceAccount controller creates "default" in every namespace: the sign the controllers are working.
    const namespaces = [...(options.restrictedNamespaces ?? []), 'default'];
    await waitFor('kube-controller-manager', async () => namespaces.every((ns) =>
      kubectl(['get', 'serviceaccount', 'default', `--namespace=${ns}`, '-o', 'name']).code === 0), processes);

    const pids = processes.map((p) => p.child.pid).filter((pid): pid is number => pid !== undefined);
    return { kubeconfig, contextName, server, startupMs: Date.now() - started, pids, kubectl, logs, stop };
  } catch (error) {
    const output = logs();
    await stop();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${output}`);
  }
}

/** The namespace labels of Pod Security Admission's `restricted` level, enforced and reported. */
export function restrictedNamespaceLabels(): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const mode of ['enforce', 'warn', 'audit']) {
    labels[`pod-security.kubernetes.io/${mode}`] = 'restricted';
    labels[`pod-security.kubernetes.io/${mode}-version`] = 'latest';
  }
  return labels;
}

function createRestrictedNamespace(kubectl: KubeCluster['kubectl'], name: string): void {
  const manifest = yaml.dump({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: restrictedNamespaceLabels() } });
  const result = kubectl(['apply', '--server-side', '-f', '-'], { input: manifest });
  if (result.code !== 0) throw new Error(`creating namespace ${name} failed: ${result.stderr}`);
}

function launch(name: string, bin: string, args: string[]): { name: string; child: ChildProcess; output: () => string } {
  // detached: its own process group, so stop() can kill whatever it forked too.
  const child = spawn(bin, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid !== undefined) running.add(child.pid);
  let output = '';
  const keep = (chunk: Buffer) => {
    output += String(chunk);
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { name, child, output: () => output };
}

async function stopGroup(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    child.once('exit', () => resolve());
  });
  killGroup(pid, 'SIGTERM');
  const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
  killGroup(pid, 'SIGKILL'); // anything the leader left behind in its group
  running.delete(pid);
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

async function waitFor(
  what: string,
  ready: () => Promise<boolean>,
  processes: ReadonlyArray<{ name: string; child: ChildProcess }>,
): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const dead = processes.find((p) => p.child.exitCode !== null || p.child.signalCode !== null);
    if (dead) throw new Error(`${dead.name} exited (${dead.child.exitCode ?? dead.child.signalCode}) while waiting for ${what}`);
    if (await ready()) return;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  throw new Error(`${what} was not ready within ${STARTUP_TIMEOUT_MS / 1000} s`);
}

/** GET /readyz with the admin token: 200 once every post-start hook (RBAC bootstrap, ...) has run. */
function apiReady(server: string, token: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = https.get(`${server}/readyz`, {
      headers: { Authorization: `Bearer ${token}` },
      // The certificate is created by the server being polled; the kubeconfig pins it for kubectl.
      rejectUnauthorized: false,
      timeout: 2_000,
    }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

async function distinctFreePorts(host: string, count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort(host));
  return [...ports];
}

function writeFile(dir: string, name: string, content: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content, { mode: 0o600 });
  return file;
}

/** An object's apiVersion and kind: enough to serve its kind. */
interface TypeMeta {
  readonly apiVersion: string;
  readonly kind: string;
}

/**
 * Serves the custom resource kinds among `objects` (VMPodScrape, PodMonitor: any group outside Kubernetes' own) through
 * CustomResourceDefinitions of our own with a permissive schema, the way a cluster running their operator serves them.
 * Their fields are checked by scripts/ci/check-dist.ts, not here: the API server only stores them. Returns the CRD names.
 */
export function serveCustomResources(cluster: KubeCluster, objects: readonly TypeMeta[]): string[] {
  const kinds = new Map<string, { group: string; version: string; kind: string; plural: string }>();
  for (const { apiVersion, kind } of objects) {
    const [group, version] = apiVersion.split('/');
    if (version === undefined || !group.includes('.') || group.endsWith('.k8s.io')) continue;
    const plural = `${kind.toLowerCase()}s`;
    kinds.set(`${plural}.${group}`, { group, version, kind, plural });
  }
  for (const [name, { group, version, kind, plural }] of kinds) {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name },
      spec: {
        group,
        scope: 'Namespaced',
        names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
        versions: [{
          name: version, served: true, storage: true,
          schema: { openAPIV3Schema: { 'type': 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        }],
      },
    };
    const applied = cluster.kubectl(['apply', '--server-side', '-f', '-'], { input: JSON.stringify(crd) });
    if (applied.code !== 0) throw new Error(`serving ${kind} (${name}) failed: ${applied.stderr}`);
    const established = cluster.kubectl(['wait', '--for=condition=Established', `crd/${name}`, '--timeout=30s']);
    if (established.code !== 0) throw new Error(`${name} was not established: ${established.stderr}`);
  }
  return [...kinds.keys()];
}
