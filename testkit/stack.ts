/**
 * Runs the pods that synthesized manifests describe, one process per pod, with the pinned binaries:
 * every vmalert replica of the vmalert Deployment and every Alertmanager of the StatefulSet, plus the
 * stand-ins the manifests point at (a single-node victoria-metrics behind vmselect/vminsert path proxies,
 * an SMTP sink where the smarthost resolves) and a CPU feed.
 *
 * Container args are used as written, except what a cluster would change for the pod:
 *  - `$(VAR)` references are expanded from the container env (Downward API filled as the kubelet would);
 *  - file paths inside mounted volumes point at the materialized ConfigMap/Secret/emptyDir copies;
 *  - `<dns-name>:<port>` becomes `<loopback address>:<port>` (cluster DNS);
 *  - a wildcard listen address (`:9093`, `0.0.0.0:9094`) binds the pod's own address (its network namespace).
 * The same host and path rewriting applies to the mounted config files (alertmanager.yml, notifier config).
 */
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import * as yaml from 'js-yaml';
import {
  Container,
  K8sObject,
  MirroredPod,
  containerArgs,
  findObjects,
  flagValues,
  mirrorPodFiles,
  podSpecOf,
  rewriteArgPaths,
} from '../constructs/testing/manifests';
import { binary } from './binaries';
import { ALERTMANAGER_IMAGE, VMALERT_IMAGE } from '../constructs/core/versions';
import { CpuFeeder, FeederOptions } from './feeder';
import { HttpClient, request, waitFor } from './http';
import { testWorkDir } from './lifecycle';
import { LoopbackBlock, Resolver, bindToPodAddress } from './loopback';
import { PodIdentity, containerEnv, deploymentPodName, expandK8sVars, statefulSetPodName } from './pod-env';
import { alertmanagerClusterStatus, emailNotificationsSent } from './probes';
import { ManagedProcess, startProcess } from './processes';
import { SmtpSink } from './smtp-sink';
import { VictoriaMetrics } from './victoria-metrics';
import { ClusterPathProxy } from './vm-proxy';
import { Vmauth, VmauthOptions } from './vmauth';

/** The pinned binary that each default image runs (constructs/core/versions.ts): tested = deployed. */
const BINARY_FOR_IMAGE: Readonly<Record<string, string>> = {
  [VMALERT_IMAGE]: 'vmalert',
  [ALERTMANAGER_IMAGE]: 'alertmanager',
};
/** Cluster DNS suffix of Services and pods. */
const CLUSTER_DOMAIN = 'cluster.local';
/** Time a pod gets to pass its readiness probe. */
const READY_TIMEOUT_MS = 30_000;
/** Time the Alertmanager mesh gets to form and settle (FIELD-NOTES: about 10 s). */
const MESH_SETTLE_TIMEOUT_MS = 60_000;
/** Flags of vmalert whose URL host is a vmselect/vminsert stand-in. */
const STORAGE_URL_FLAGS = ['datasource.url', 'remoteRead.url', 'remoteWrite.url'];

/** Options of {@link E2eStack.start}. */
export interface StackOptions {
  /** The objects read back from the synthesized YAML. */
  readonly objects: readonly K8sObject[];
  /** `-dedup.minScrapeInterval` of the storage (VmalertHa.recommendedDedupInterval). */
  readonly dedupInterval: string;
  /** Secrets created out of band (not in the manifests): name -> key -> value. */
  readonly outOfBandSecrets?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** `host:port` of the SMTP relay the Alertmanager config names; the sink listens where it resolves. */
  readonly smtpSmarthost: string;
  /** CPU feed settings (victoria-metrics URL filled in). */
  readonly feed: Omit<FeederOptions, 'vmUrl'>;
  /** `-search.latencyOffset` of the stand-in storage; victoria-metrics' default (30s) when omitted. */
  readonly storageLatencyOffset?: string;
  /** A real vmauth (users, TLS) where vmalert's storage hosts resolve, instead of the path-rewriting proxies. */
  readonly vmauth?: VmauthOptions;
  /** How the test reaches pods that serve HTTPS or ask for basic auth (the test's CA, credentials), per workload. */
  readonly clients?: { readonly vmalert?: HttpClient; readonly alertmanager?: HttpClient };
}

/** A pod running as a process. */
export interface RunningPod {
  readonly name: string;
  readonly address: string;
  readonly workload: K8sObject;
  readonly process: ManagedProcess;
  /** `http(s)://<address>:<web port>`: the pod's HTTP API. */
  readonly url: string;
  /** The CA and credentials that reach {@link url}, when it needs them. */
  readonly client?: HttpClient;
  /** The exact argument list the process got. */
  readonly args: readonly string[];
}

/** The whole stack of one test. */
export class E2eStack {
  public readonly vmalerts: RunningPod[] = [];
  public readonly alertmanagers: RunningPod[] = [];

  private constructor(
    private readonly objects: readonly K8sObject[],
    public readonly loopback: LoopbackBlock,
    public readonly resolver: Resolver,
    public readonly vm: VictoriaMetrics,
    public readonly proxies: Array<ClusterPathProxy | Vmauth>,
    public readonly smtp: SmtpSink,
    public readonly feeder: CpuFeeder,
    public readonly vmalertDeployment: K8sObject,
    public readonly alertmanagerStatefulSet: K8sObject,
    private readonly clients: NonNullable<StackOptions['clients']> = {},
  ) {}

  /** Start everything and wait until every pod is ready and the Alertmanager mesh has settled. */
  public static async start(options: StackOptions): Promise<E2eStack> {
    const objects = [...options.objects, ...outOfBandSecretObjects(options)];
    const vmalertDeployment = workloadRunning(objects, 'Deployment', /vmalert/);
    const alertmanagerStatefulSet = workloadRunning(objects, 'StatefulSet', /alertmanager/);
    const loopback = new LoopbackBlock();
    const resolver = new Resolver();
    const workDir = testWorkDir();

    const vm = await VictoriaMetrics.start({
      address: loopback.allocate(),
      workDir,
      dedupInterval: options.dedupInterval,
      latencyOffset: options.storageLatencyOffset,
    });
    const proxies: Array<ClusterPathProxy | Vmauth> = [];
    for (const { host, port } of storageEndpoints(vmalertDeployment)) {
      const address = loopback.allocate();
      resolver.add(address, ...serviceNames(host, namespaceOf(vmalertDeployment)));
      proxies.push(options.vmauth
        ? await Vmauth.start(`vmauth ${host}:${port}`, address, port, vm.url, options.vmauth, workDir)
        : await ClusterPathProxy.start(`proxy ${host}:${port}`, address, port, vm.url));
    }
    const [smtpHost, smtpPort] = splitHostPort(options.smtpSmarthost);
    const smtpAddress = loopback.allocate();
    resolver.add(smtpAddress, smtpHost);
    const smtp = await SmtpSink.start(smtpAddress, smtpPort);
    const feeder = await CpuFeeder.start({ ...options.feed, vmUrl: vm.url });

    const stack = new E2eStack(objects, loopback, resolver, vm, proxies, smtp, feeder, vmalertDeployment, alertmanagerStatefulSet, options.clients ?? {});
    // Every Alertmanager pod has a stable DNS name: reserve all addresses before any pod starts.
    const amReplicas = alertmanagerStatefulSet.spec?.replicas ?? 1;
    const amPods = Array.from({ length: amReplicas }, (_, i) => {
      const name = statefulSetPodName(alertmanagerStatefulSet, i);
      const address = loopback.allocate();
      resolver.add(address, ...statefulSetPodDnsNames(alertmanagerStatefulSet, name));
      return { name, address };
    });
    // As in a cluster, both workloads start at once; Alertmanager holds notifications until its mesh settles.
    stack.alertmanagers.push(...amPods.map(({ name, address }) => stack.startPod(alertmanagerStatefulSet, name, address)));
    const vmalertReplicas = vmalertDeployment.spec?.replicas ?? 1;
    await Promise.all([
      ...stack.alertmanagers.map((pod) => stack.waitReady(pod)),
      ...Array.from({ length: vmalertReplicas }, () => stack.startVmalertReplica()),
    ]);
    await stack.waitMeshSettled();
    return stack;
  }

  /** Start one more vmalert pod under a fresh Deployment pod name (as a ReplicaSet does) and wait until ready. */
  public async startVmalertReplica(): Promise<RunningPod> {
    const pod = this.startPod(this.vmalertDeployment, deploymentPodName(this.vmalertDeployment), this.loopback.allocate());
    this.vmalerts.push(pod);
    await this.waitReady(pod);
    return pod;
  }

  /**
   * A Deployment rollout of one replica with `maxUnavailable: 0`: the new pod (new name, new IP) starts and
   * becomes ready, then the old one gets SIGTERM.
   */
  public async rolloutReplica(old: RunningPod): Promise<RunningPod> {
    const fresh = await this.startVmalertReplica();
    // The Deployment controller counts a new pod as available only minReadySeconds after it is ready.
    const minReadySeconds = Number(this.vmalertDeployment.spec?.minReadySeconds ?? 0);
    await new Promise((resolve) => setTimeout(resolve, minReadySeconds * 1000));
    await this.stopPod(old);
    return fresh;
  }

  /**
   * The StatefulSet controller replacing a lost Alertmanager pod: same name, same DNS name (here the same
   * address), a fresh emptyDir. Waits until it is ready and the mesh has all peers again.
   */
  public async recreateAlertmanager(lost: RunningPod): Promise<RunningPod> {
    if (lost.process.running) throw new Error(`pod ${lost.name} is still running: kill or stop it first`);
    fs.rmSync(path.join(testWorkDir(), 'pods', lost.name), { recursive: true, force: true });
    const pod = this.startPod(this.alertmanagerStatefulSet, lost.name, lost.address);
    this.alertmanagers.push(pod);
    await this.waitReady(pod);
    await this.waitMeshSettled();
    return pod;
  }

  /** Stop a pod gracefully (SIGTERM, as a pod deletion does) and forget it. */
  public async stopPod(pod: RunningPod): Promise<void> {
    await pod.process.stop();
    this.forget(pod);
  }

  /** Kill a pod without warning (node failure, OOM kill) and forget it. */
  public async killPod(pod: RunningPod): Promise<void> {
    await pod.process.kill();
    this.forget(pod);
  }

  /** Emails sent so far by each Alertmanager pod still running (`alertmanager_notifications_total{integration="email"}`). */
  public async emailsSentByPeer(): Promise<Map<RunningPod, number>> {
    const counts = await Promise.all(this.alertmanagers.map(async (pod) => [pod, await emailNotificationsSent(pod.url, pod.client)] as const));
    return new Map(counts);
  }

  /** Wait until every running Alertmanager reports a ready cluster with all running peers as members. */
  public async waitMeshSettled(): Promise<void> {
    const expected = this.alertmanagers.length;
    if (expected <= 1) return;
    await Promise.all(
      this.alertmanagers.map((pod) =>
        waitFor(
          `Alertmanager ${pod.name} to see ${expected} peers and a ready cluster`,
          async () => {
            const status = await alertmanagerClusterStatus(pod.url, pod.client);
            return status.status === 'ready' && status.peers.length === expected ? status : undefined;
          },
          { timeoutMs: MESH_SETTLE_TIMEOUT_MS, pollMs: 500 },
        ),
      ),
    );
  }

  private forget(pod: RunningPod): void {
    for (const list of [this.vmalerts, this.alertmanagers]) {
      const index = list.indexOf(pod);
      if (index >= 0) list.splice(index, 1);
    }
  }

  private startPod(workload: K8sObject, podName: string, address: string): RunningPod {
    const podSpec = podSpecOf(workload);
    if (!podSpec || podSpec.containers.length !== 1) {
      throw new Error(`${workload.kind} ${workload.metadata.name}: the e2e runner expects exactly one container per pod`);
    }
    const container = podSpec.containers[0];
    const binary = binaryFor(container, workload);
    const identity: PodIdentity = { name: podName, namespace: namespaceOf(workload), ip: address };
    const env = containerEnv(container, identity, this.objects);
    const podRoot = path.join(testWorkDir(), 'pods', podName);
    fs.mkdirSync(podRoot, { recursive: true });
    const mirror = mirrorPodFiles(this.objects, podSpec, podRoot);
    this.rewriteMountedFiles(mirror);
    const args = rewriteArgPaths(containerArgs(container).map((arg) => expandK8sVars(arg, env)), mirror)
      .map((arg) => this.resolver.rewriteHosts(arg))
      .map((arg) => bindToPodAddress(arg, address));
    const process = startProcess({
      name: podName,
      command: binary,
      args,
      env,
      // The working directory stands for the container's; relative paths land in the pod's own directory.
      cwd: podRoot,
      logDir: path.join(testWorkDir(), 'logs'),
    });
    const client = workload === this.alertmanagerStatefulSet ? this.clients.alertmanager : this.clients.vmalert;
    // An HTTPS probe says the port serves TLS; a TCP probe (basic auth on every path) says nothing: the test's CA does.
    const probe = container.readinessProbe;
    const https = probe?.httpGet?.scheme === 'HTTPS' || (probe?.tcpSocket !== undefined && client?.ca !== undefined);
    return { name: podName, address, workload, process, url: `${https ? 'https' : 'http'}://${address}:${webPort(container)}`, args, client };
  }

  /** Point host names and mounted paths inside the pod's YAML config files at the e2e addresses and copies. */
  private rewriteMountedFiles(mirror: MirroredPod): void {
    for (const file of mirror.files) {
      const text = fs.readFileSync(file, 'utf8');
      let doc: unknown;
      try {
        doc = yaml.load(text);
      } catch {
        continue; // not YAML: a password or a template, used as is
      }
      if (!doc || typeof doc !== 'object') continue;
      const rewritten = mapStrings(doc, (value) => {
        const hosts = this.resolver.rewriteHosts(value);
        return hosts.startsWith('/') ? mirror.rewritePath(hosts) : hosts;
      });
      if (JSON.stringify(rewritten) !== JSON.stringify(doc)) {
        fs.writeFileSync(file, yaml.dump(rewritten, { lineWidth: -1 }));
      }
    }
  }

  private async waitReady(pod: RunningPod): Promise<void> {
    const podSpec = podSpecOf(pod.workload)!;
    const readiness = podSpec.containers[0].readinessProbe;
    const probePath: string = readiness?.httpGet?.path ?? '/';
    await waitFor(
      `pod ${pod.name} to pass its readiness probe ${readiness?.tcpSocket ? `(TCP ${pod.url})` : probePath}`,
      async () => {
        if (!pod.process.running) {
          throw new Error(`the process exited (${JSON.stringify(pod.process.status)}); last output:\n${pod.process.logText().split('\n').slice(-15).join('\n')}`);
        }
        // As the kubelet probes: a TCP connect, or a GET without credentials (here checking the certificate too).
        if (readiness?.tcpSocket) return (await tcpConnects(new URL(pod.url))) ? true : undefined;
        const res = await request(`${pod.url}${probePath}`, { ca: pod.client?.ca, serverName: pod.client?.serverName });
        return res.status >= 200 && res.status < 400 ? true : undefined;
      },
      { timeoutMs: READY_TIMEOUT_MS },
    );
  }
}

/** The single workload of `kind` whose container image matches `image`. */
function workloadRunning(objects: readonly K8sObject[], kind: string, image: RegExp): K8sObject {
  const matches = findObjects(objects, kind).filter((w) => podSpecOf(w)?.containers.some((c) => image.test(c.image ?? '')));
  if (matches.length !== 1) {
    throw new Error(`expected exactly one ${kind} running an image matching ${image} in the manifests, found ${matches.length}`);
  }
  return matches[0];
}

function binaryFor(container: Container, workload: K8sObject): string {
  const name = BINARY_FOR_IMAGE[container.image ?? ''];
  if (!name) {
    throw new Error(
      `${workload.kind} ${workload.metadata.name}: image ${container.image} is not a pinned image ` +
        `(${Object.keys(BINARY_FOR_IMAGE).join(', ')}); the e2e runs only the versions of constructs/core/versions.ts`,
    );
  }
  return binary(name);
}

function namespaceOf(obj: K8sObject): string {
  return obj.metadata.namespace ?? 'default';
}

/** The distinct `host:port` of vmalert's datasource, remote read and remote write URLs. */
function storageEndpoints(vmalertDeployment: K8sObject): Array<{ host: string; port: number }> {
  const args = containerArgs(podSpecOf(vmalertDeployment)!.containers[0]);
  const endpoints = new Map<string, { host: string; port: number }>();
  for (const flag of STORAGE_URL_FLAGS) {
    for (const value of flagValues(args, flag)) {
      const url = new URL(value);
      const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
      endpoints.set(`${url.hostname}:${port}`, { host: url.hostname, port });
    }
  }
  return [...endpoints.values()];
}

/** The names a Service `host` is reachable by from a pod in `namespace` (search domains included). */
function serviceNames(host: string, namespace: string): string[] {
  const [service, serviceNamespace = namespace] = host.split('.');
  if (host.split('.').length > 2) return [host];
  const fqdn = `${service}.${serviceNamespace}.svc`;
  return [...new Set([host, `${service}.${serviceNamespace}`, fqdn, `${fqdn}.${CLUSTER_DOMAIN}`])];
}

/** DNS names of a StatefulSet pod through its governing (headless) Service. */
function statefulSetPodDnsNames(statefulSet: K8sObject, podName: string): string[] {
  const service = statefulSet.spec?.serviceName;
  if (!service) throw new Error(`StatefulSet ${statefulSet.metadata.name} has no spec.serviceName: its pods have no DNS names`);
  const ns = namespaceOf(statefulSet);
  const base = `${podName}.${service}`;
  return [base, `${base}.${ns}`, `${base}.${ns}.svc`, `${base}.${ns}.svc.${CLUSTER_DOMAIN}`];
}

/** Whether a TCP connection to the URL's host and port is accepted. */
function tcpConnects(url: URL): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: url.hostname, port: Number(url.port) }, () => { socket.destroy(); resolve(true); });
    socket.on('error', () => resolve(false));
  });
}

/** The port of the container's readiness probe (by number or name), else its first container port. */
function webPort(container: Container): number {
  const probePort = container.readinessProbe?.httpGet?.port ?? container.readinessProbe?.tcpSocket?.port;
  const ports: Array<{ name?: string; containerPort: number }> = container.ports ?? [];
  if (typeof probePort === 'number') return probePort;
  if (typeof probePort === 'string') {
    const named = ports.find((p) => p.name === probePort);
    if (named) return named.containerPort;
  }
  if (ports.length > 0) return ports[0].containerPort;
  throw new Error(`container ${container.name}: no readiness probe port and no container port; the e2e runner cannot tell where its API is`);
}

function splitHostPort(hostPort: string): [string, number] {
  const match = /^(.*):(\d+)$/.exec(hostPort);
  if (!match) throw new Error(`smarthost "${hostPort}" is not host:port`);
  return [match[1], Number(match[2])];
}

/** Secret objects for the Secrets an operator creates out of band (not part of the synthesized output). */
function outOfBandSecretObjects(options: StackOptions): K8sObject[] {
  return Object.entries(options.outOfBandSecrets ?? {}).map(([name, data]) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name },
    stringData: { ...data },
  }));
}

/** Deep copy of a YAML value with every string passed through `fn`. */
function mapStrings(value: unknown, fn: (s: string) => string): unknown {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, fn)]));
  }
  return value;
}
