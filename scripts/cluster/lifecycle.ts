/**
 * `up`, `down`, `status` and the leftover check of the local cluster. `up` starts from a clean slate (it runs
 * `down` first, so a killed run leaves nothing that stops the next one); `down` works from any process, reading the
 * fixed state folder, the cgroups and the fixed names of scripts/cluster/layout.ts.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as https from 'https';
import * as path from 'path';
import * as yaml from 'js-yaml';
import {
  BRIDGE, CGROUP_PARENT, DEFAULT_STATE_DIR, HOST_GUARD_CHAIN, NODE_NETWORK, NODES, NodeSpec, POD_NETWORK, SERVICE_NETWORK,
  cidrsOverlap, statePaths,
} from './layout';
import { hostBridgeUp, hostGuardDown, hostGuardUp, nodeHolderScript, nodeNetworkDown, nodeNetworkUp, podRoutes } from './network';
import {
  API_SERVER_URL, apiServerArgs, controllerManagerArgs, coreDnsObjects, etcdArgs, identities, kubeletArgs, kubeRouterArgs,
  kubeRouterRbac, renderContainerdConfig, renderCniConfig, renderKubeProxyConfig, renderKubeconfig, renderKubeletConfig,
  renderTokenFile, schedulerArgs, nodeCgroupRoot,
} from './render';
import { CGROUP_FS, cgroupHierarchies, cgroupPids, clusterPids, ensureCgroup, isAlive, killAllAndRemoveCgroups, sh, sleep, startDaemon, tail } from './system';
import { tool } from './tools';
import { IMAGES, buildImages, importImages, pauseImageRef } from './images';

/** PATH of the daemons inside a node: containerd finds its shim and runc there. */
function nodeDaemonPath(): string {
  return [path.dirname(tool('containerd-shim-runc-v2')), path.dirname(tool('runc')), process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'].join(':');
}

/** What `up` wrote for `status`, `down` and the tests. */
export interface ClusterSummary {
  readonly stateDir: string;
  readonly kubeconfig: string;
  readonly server: string;
  readonly startedAt: string;
  /** Milliseconds from `up`'s start (after the stale-state cleanup) until 3 nodes and CoreDNS were Ready. */
  readonly readyMs: number;
  readonly processes: ReadonlyArray<{ name: string; pid: number; node?: string; log: string }>;
  /** Pid of each node's namespace holder: `nsenter --target PID --net --mount --uts` enters the node. */
  readonly holders: Record<string, number>;
  readonly podCidrs: Record<string, string>;
  /** Standard paths `up` created on the host as bind-mount targets (removed again by `down` when empty). */
  readonly createdDirs: readonly string[];
}

export interface UpOptions {
  readonly stateDir?: string;
  readonly log?: (line: string) => void;
  /** @default 300000 */
  readonly timeoutMs?: number;
}

const CREATED_DIRS_FILE = 'created-dirs.json';
const NETNS_DIR = '/run/netns';
/** Beside the state folder: this cluster's `ip netns add` made /run/netns a mount point. */
const NETNS_MOUNT_MARK = '.vmalert-ha-cluster-made-run-netns-mount';
const SAVED_SYSCTLS_FILE = 'host-sysctls.json';
/**
 * Machine-wide sysctls the kubelet sets at start (its container manager's kernel tunables: vm.overcommit_memory=1,
 * kernel.panic=10, kernel.panic_on_oops=1). `up` saves their values first; `down` puts them back.
 */
export const KUBELET_SYSCTLS = ['vm/overcommit_memory', 'kernel/panic', 'kernel/panic_on_oops'] as const;

export function stateDir(): string {
  return process.env.VMALERT_HA_CLUSTER_DIR ?? DEFAULT_STATE_DIR;
}

export function readSummary(dir = stateDir()): ClusterSummary | undefined {
  const file = statePaths(dir).summary;
  if (!fs.existsSync(file)) return undefined;
  return JSON.parse(fs.readFileSync(file, 'utf8')) as ClusterSummary;
}

/** Starts the cluster; resolves when 3 nodes and CoreDNS are Ready. */
export async function up(options: UpOptions = {}): Promise<ClusterSummary> {
  const log = options.log ?? ((line: string) => console.log(line));
  const dir = options.stateDir ?? stateDir();
  const timeoutMs = options.timeoutMs ?? 300_000;
  preflight();
  const stale = await down({ stateDir: dir, log: () => undefined });
  if (stale.removed.length > 0) log(`cluster: removed the state of an earlier run: ${stale.removed.join(', ')}`);

  const started = Date.now();
  const paths = statePaths(dir);
  for (const d of [paths.root, paths.pki, paths.logs, paths.pids]) fs.mkdirSync(d, { recursive: true, mode: 0o700 });
  const processes: Array<{ name: string; pid: number; node?: string; log: string }> = [];
  const createdDirs: string[] = [];
  const recordDirs = () => fs.writeFileSync(path.join(dir, CREATED_DIRS_FILE), JSON.stringify(createdDirs));
  const daemon = (name: string, argv: string[], cgroup: string, extra: { node?: NodeSpec; enterPid?: number; env?: NodeJS.ProcessEnv } = {}) => {
    const logFile = path.join(paths.logs, `${extra.node ? `${extra.node.name}-` : ''}${name}.log`);
    const pid = startDaemon({ name, argv, cgroup: `${CGROUP_PARENT}/${cgroup}`, logFile, enterPid: extra.enterPid, env: extra.env });
    processes.push({ name, pid, node: extra.node?.name, log: logFile });
    fs.writeFileSync(path.join(paths.pids, `${extra.node ? `${extra.node.name}-` : ''}${name}`), String(pid));
    return { pid, logFile };
  };
  const waitFor = async (what: string, ready: () => boolean | Promise<boolean>, logFile?: string, pid?: number) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (pid !== undefined && !isAlive(pid)) throw new Error(`cluster: ${what}: the process exited\n${logFile ? tail(logFile) : ''}`);
      if (await ready()) return;
      await sleep(250);
    }
    throw new Error(`cluster: ${what} not ready within ${timeoutMs / 1000} s\n${logFile ? tail(logFile) : ''}`);
  };

  // Credentials: a service-account signing key and one token per identity, in files only (mode 0600).
  const sa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeSecret(path.join(paths.pki, 'sa.key'), sa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  writeSecret(path.join(paths.pki, 'sa.pub'), sa.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  const ids = identities(() => crypto.randomBytes(24).toString('hex'), NODES);
  writeSecret(paths.tokens, renderTokenFile(ids));
  const caFile = path.join(paths.pki, 'apiserver.crt');
  const kubeconfigFor = (id: string, file: string) => writeSecret(file, renderKubeconfig({
    server: API_SERVER_URL, caFile, user: ids[id].user, token: ids[id].token,
  }));
  kubeconfigFor('admin', paths.adminKubeconfig);
  const kcmKubeconfig = path.join(paths.pki, 'kube-controller-manager.kubeconfig');
  const schedulerKubeconfig = path.join(paths.pki, 'kube-scheduler.kubeconfig');
  kubeconfigFor('kube-controller-manager', kcmKubeconfig);
  kubeconfigFor('kube-scheduler', schedulerKubeconfig);

  // `ip netns add` makes /run/netns a (shared) mount point the first time it runs on a machine: remember whether
  // this `up` is that first time, so `down` can undo it. The mark lives beside the state folder (down removes that).
  noteNetnsMount(dir);

  // Network: the bridge, the host guard, a namespace per node.
  log(`cluster: network ${NODE_NETWORK} on ${BRIDGE}, pods ${POD_NETWORK}, services ${SERVICE_NETWORK}`);
  for (const cmd of hostBridgeUp()) sh(cmd);
  for (const cmd of hostGuardUp()) sh(cmd);
  for (const node of NODES) for (const cmd of nodeNetworkUp(node)) sh(cmd);

  // Control plane on the host.
  const kubectl = (args: string[], input?: string) => sh([tool('kubectl'), `--kubeconfig=${paths.adminKubeconfig}`, ...args], { input, allowFailure: true });
  const etcd = daemon('etcd', [tool('etcd'), ...etcdArgs(paths)], 'control-plane');
  await waitFor('etcd', () => httpOk(`http://127.0.0.1:23790/health`), etcd.logFile, etcd.pid);
  const apiserver = daemon('kube-apiserver', [tool('kube-apiserver'), ...apiServerArgs(paths)], 'control-plane');
  await waitFor('kube-apiserver', () => httpsOk(`${API_SERVER_URL}/readyz`, ids.admin.token), apiserver.logFile, apiserver.pid);
  daemon('kube-controller-manager', [tool('kube-controller-manager'), ...controllerManagerArgs(paths, kcmKubeconfig)], 'control-plane');
  daemon('kube-scheduler', [tool('kube-scheduler'), ...schedulerArgs(schedulerKubeconfig)], 'control-plane');
  const rbac = kubectl(['apply', '--server-side', '-f', '-'], kubeRouterRbac().map((o) => yaml.dump(o)).join('---\n'));
  if (rbac.code !== 0) throw new Error(`cluster: applying kube-router's RBAC failed: ${rbac.stderr}`);

  // The kubelet changes machine-wide kernel tunables: keep their values for `down`.
  const saved: Record<string, string> = {};
  for (const key of KUBELET_SYSCTLS) saved[key] = fs.readFileSync(`/proc/sys/${key}`, 'utf8').trim();
  fs.writeFileSync(path.join(dir, SAVED_SYSCTLS_FILE), JSON.stringify(saved));

  // Nodes: a namespace holder, then containerd, the kubelet, kube-proxy and kube-router inside it.
  // The images, built here from the pinned binaries (no registry), imported into every node's containerd.
  const built = buildImages();
  const images = { sandbox: pauseImageRef(), coredns: IMAGES.find((i) => i.binaries['/coredns'])!.ref };
  log(`cluster: images ${built.map((b) => b.name).join(', ')}`);
  const holders: Record<string, number> = {};
  const nodePath = nodeDaemonPath();
  for (const node of NODES) {
    const np = paths.node(node.name);
    makeMountPoints(np.mounts, createdDirs);
    recordDirs();
    const keep = path.join(np.root, 'cgroup-keep');
    fs.mkdirSync(keep, { recursive: true });
    fs.writeFileSync(np.containerdConfig, renderContainerdConfig(
      { runc: tool('runc'), shimDir: path.dirname(tool('containerd-shim-runc-v2')), cniBinDir: path.dirname(tool('bridge')) },
      images.sandbox,
    ));
    fs.writeFileSync(np.kubeletConfig, renderKubeletConfig(node));
    fs.writeFileSync(np.kubeProxyConfig, renderKubeProxyConfig(node, np));
    kubeconfigFor(`kubelet-${node.name}`, np.kubeletKubeconfig);
    kubeconfigFor('kube-proxy', np.kubeProxyKubeconfig);
    kubeconfigFor('kube-router', np.kubeRouterKubeconfig);
    ensureCgroup(nodeCgroupRoot(node).slice(1));

    const holder = daemon('netns-holder', [
      'unshare', '--mount', '--uts', '--propagation', 'slave', '--',
      'nsenter', `--net=/run/netns/${node.netns}`, '--', 'sh', '-c', nodeHolderScript(node, np.mounts, keep),
    ], `${node.name}-daemons`, { node });
    holders[node.name] = holder.pid;
    await waitFor(`${node.name} namespaces`, () => tail(holder.logFile).includes('ready'), holder.logFile, holder.pid);
    const enter = { node, enterPid: holder.pid, env: { ...process.env, PATH: nodePath } };
    const containerd = daemon('containerd', [tool('containerd'), `--config=${np.containerdConfig}`], `${node.name}-daemons`, enter);
    const socket = np.mounts.find((m) => m.target === '/run/containerd')!.source + '/containerd.sock';
    await waitFor(`${node.name} containerd`, () => fs.existsSync(socket), containerd.logFile, containerd.pid);
    importImages(socket);
    daemon('kubelet', [tool('kubelet'), ...kubeletArgs(node, np)], `${node.name}-daemons`, enter);
    daemon('kube-proxy', [tool('kube-proxy'), `--config=${np.kubeProxyConfig}`], `${node.name}-daemons`, enter);
  }

  // Pod network: the podCIDRs kube-controller-manager allocated, as CNI networks and routes between the nodes.
  const podCidrs: Record<string, string> = {};
  await waitFor('node registration and podCIDRs', () => {
    const got = kubectl(['get', 'nodes', '-o', 'json']);
    if (got.code !== 0) return false;
    for (const item of (JSON.parse(got.stdout).items ?? []) as Array<{ metadata: { name: string }; spec: { podCIDR?: string } }>) {
      if (item.spec.podCIDR) podCidrs[item.metadata.name] = item.spec.podCIDR;
    }
    return NODES.every((n) => podCidrs[n.name] !== undefined);
  });
  for (const node of NODES) {
    fs.writeFileSync(path.join(paths.node(node.name).cniConfDir, '10-vmalert-ha-cluster.conflist'), renderCniConfig(podCidrs[node.name]));
  }
  for (const cmd of podRoutes(NODES.map((node) => ({ node, cidr: podCidrs[node.name] })), NODES)) sh(cmd);
  // kube-router identifies its node through the Node object: it exits when started before the kubelet registered.
  for (const node of NODES) {
    daemon('kube-router', [tool('kube-router'), ...kubeRouterArgs(node, paths.node(node.name))], `${node.name}-daemons`,
      { node, enterPid: holders[node.name], env: { ...process.env, PATH: nodePath } });
  }

  const dns = kubectl(['apply', '--server-side', '-f', '-'], coreDnsObjects(images.coredns).map((o) => yaml.dump(o)).join('---\n'));
  if (dns.code !== 0) throw new Error(`cluster: applying CoreDNS failed: ${dns.stderr}`);
  await waitFor('3 Ready nodes', () => {
    const got = kubectl(['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}']);
    return got.code === 0 && got.stdout.split('\n').filter((s) => s === 'True').length === NODES.length;
  });
  await waitFor('CoreDNS', () => {
    const got = kubectl(['-n', 'kube-system', 'get', 'deployment', 'coredns', '-o', 'jsonpath={.status.readyReplicas}']);
    return got.code === 0 && Number(got.stdout) >= 1;
  });

  const exited = processes.filter((p) => !isAlive(p.pid));
  if (exited.length) {
    throw new Error(`cluster: ${exited.map((p) => `${p.node ?? 'host'} ${p.name}`).join(', ')} exited:\n${exited.map((p) => tail(p.log, 1500)).join('\n')}`);
  }
  const summary: ClusterSummary = {
    stateDir: dir,
    kubeconfig: paths.adminKubeconfig,
    server: API_SERVER_URL,
    startedAt: new Date(started).toISOString(),
    readyMs: Date.now() - started,
    processes,
    holders,
    podCidrs,
    createdDirs,
  };
  fs.writeFileSync(paths.summary, JSON.stringify(summary, null, 2));
  return summary;
}

/** The daemons a node failure stops; the node's namespaces, kube-proxy and kube-router stay. */
const FAILING_NODE_DAEMONS = ['containerd', 'kubelet'] as const;

/** A node whose kubelet and containerd were stopped by {@link failNode}: what {@link recoverNode} starts again. */
export interface FailedNode {
  readonly node: string;
  readonly daemons: ReadonlyArray<{ readonly name: string; readonly argv: readonly string[]; readonly log: string }>;
}

/**
 * A node failure: SIGKILLs the node's kubelet and containerd, then every containerd shim and container of the node
 * (its cgroups), until none is left. The node's network namespace stays, so its pods' addresses stop answering.
 */
export async function failNode(nodeName: string, dir = stateDir()): Promise<FailedNode> {
  const summary = readSummary(dir);
  if (!summary) throw new Error('cluster: not running (npm run cluster -- up)');
  const node = NODES.find((n) => n.name === nodeName);
  if (!node) throw new Error(`cluster: no node ${nodeName} (nodes: ${NODES.map((n) => n.name).join(', ')})`);
  const mine = summary.processes.filter((p) => p.node === nodeName);
  const daemons = FAILING_NODE_DAEMONS.map((name) => {
    const p = mine.find((q) => q.name === name);
    if (!p || !isAlive(p.pid)) throw new Error(`cluster: ${nodeName} ${name} is not running`);
    const argv = fs.readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').split('\0').filter((a, i, all) => i < all.length - 1 || a !== '');
    return { name, argv, log: p.log, pid: p.pid };
  });
  for (const d of daemons) process.kill(d.pid, 'SIGKILL');
  const keep = new Set(mine.filter((p) => !daemons.some((d) => d.pid === p.pid)).map((p) => p.pid));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const left = [...cgroupPids(`${CGROUP_PARENT}/${nodeName}-daemons`), ...cgroupPids(nodeCgroupRoot(node).slice(1))].filter((pid) => !keep.has(pid));
    if (left.length === 0) break;
    if (Date.now() > deadline) throw new Error(`cluster: ${nodeName}: processes ${left.join(' ')} survived SIGKILL for 30 s`);
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    await sleep(200);
  }
  return { node: nodeName, daemons: daemons.map(({ name, argv, log }) => ({ name, argv, log })) };
}

/** Starts the daemons {@link failNode} stopped again, with the same arguments, inside the node; updates the summary. */
export async function recoverNode(failed: FailedNode, dir = stateDir()): Promise<void> {
  const summary = readSummary(dir);
  if (!summary) throw new Error('cluster: not running (npm run cluster -- up)');
  const paths = statePaths(dir);
  const node = NODES.find((n) => n.name === failed.node)!;
  const restarted = new Map<string, number>();
  for (const d of failed.daemons) {
    const pid = startDaemon({
      name: d.name, argv: d.argv, cgroup: `${CGROUP_PARENT}/${node.name}-daemons`, logFile: d.log,
      enterPid: summary.holders[node.name], env: { ...process.env, PATH: nodeDaemonPath() },
    });
    restarted.set(d.name, pid);
    fs.writeFileSync(path.join(paths.pids, `${node.name}-${d.name}`), String(pid));
    if (d.name === 'containerd') {
      const socket = paths.node(node.name).mounts.find((m) => m.target === '/run/containerd')!.source + '/containerd.sock';
      const deadline = Date.now() + 60_000;
      // The socket file outlives the killed containerd: wait until the new one answers.
      while (sh([tool('ctr'), '--address', socket, 'version'], { allowFailure: true }).code !== 0) {
        if (!isAlive(pid) || Date.now() > deadline) throw new Error(`cluster: ${node.name} containerd did not come back\n${tail(d.log)}`);
        await sleep(250);
      }
    }
  }
  const processes = summary.processes.map((p) => (p.node === node.name && restarted.has(p.name) ? { ...p, pid: restarted.get(p.name)! } : p));
  fs.writeFileSync(paths.summary, JSON.stringify({ ...summary, processes }, null, 2));
}

/** Before the first `ip netns add`: marks (beside the state folder `dir`) that /run/netns is not a mount point yet. */
/**
 * Each node mount's source, and its target on the host when missing. Every level created (e.g. /etc/cni and
 * /etc/cni/net.d) is added to `created`, so `down` removes them deepest first.
 */
export function makeMountPoints(mounts: readonly { readonly source: string; readonly target: string }[], created: string[]): void {
  for (const m of mounts) {
    fs.mkdirSync(m.source, { recursive: true });
    const missing: string[] = [];
    for (let d = m.target; !fs.existsSync(d); d = path.dirname(d)) missing.unshift(d);
    for (const d of missing) {
      fs.mkdirSync(d);
      created.push(d);
    }
  }
}

export function noteNetnsMount(dir: string): void {
  if (!hostMountsUnder(NETNS_DIR).includes(NETNS_DIR)) fs.writeFileSync(path.join(dir, '..', NETNS_MOUNT_MARK), '');
}

/** Everything that was found and removed. */
export interface DownReport {
  readonly removed: string[];
}

/**
 * Ends every process of the cluster (through its cgroups and recorded pids), removes the node namespaces (and with
 * them every iptables rule, ipset, veth and mount inside), the bridge and its routes, the host guard chain, the
 * cgroups, the bind-mount targets `up` created and the state folder. Each step tolerates its object being gone.
 */
export async function down(options: { stateDir?: string; log?: (line: string) => void } = {}): Promise<DownReport> {
  const dir = options.stateDir ?? stateDir();
  const paths = statePaths(dir);
  const removed: string[] = [];
  const recorded: number[] = [];
  if (fs.existsSync(paths.pids)) {
    for (const f of fs.readdirSync(paths.pids)) recorded.push(Number(fs.readFileSync(path.join(paths.pids, f), 'utf8')));
  }
  const ended = await killAllAndRemoveCgroups(recorded.filter((pid) => Number.isInteger(pid) && pid > 1));
  if (ended > 0) removed.push(`${ended} processes`);
  for (const node of NODES) {
    for (const cmd of nodeNetworkDown(node)) {
      if (sh(cmd, { allowFailure: true }).code === 0) removed.push(cmd.slice(0, 4).join(' '));
    }
  }
  if (sh(['ip', 'link', 'delete', BRIDGE], { allowFailure: true }).code === 0) removed.push(`bridge ${BRIDGE}`);
  for (const cmd of hostGuardDown()) {
    if (sh(cmd, { allowFailure: true }).code === 0) removed.push(cmd.join(' '));
  }
  const savedFile = path.join(dir, SAVED_SYSCTLS_FILE);
  if (fs.existsSync(savedFile)) {
    for (const [key, value] of Object.entries(JSON.parse(fs.readFileSync(savedFile, 'utf8')) as Record<string, string>)) {
      if (fs.readFileSync(`/proc/sys/${key}`, 'utf8').trim() !== value) {
        fs.writeFileSync(`/proc/sys/${key}`, value);
        removed.push(`sysctl ${key.replace('/', '.')} back to ${value}`);
      }
    }
  }
  for (const mount of hostMountsUnder(dir)) {
    sh(['umount', '-l', mount], { allowFailure: true });
    removed.push(`mount ${mount}`);
  }
  const mark = path.join(dir, '..', NETNS_MOUNT_MARK);
  if (fs.existsSync(mark)) {
    const namespaces = sh(['ip', 'netns', 'list'], { allowFailure: true }).stdout.trim();
    if (namespaces === '' && sh(['umount', NETNS_DIR], { allowFailure: true }).code === 0) removed.push(`mount ${NETNS_DIR}`);
    fs.rmSync(mark, { force: true });
  }
  const createdFile = path.join(dir, CREATED_DIRS_FILE);
  if (fs.existsSync(createdFile)) {
    for (const d of (JSON.parse(fs.readFileSync(createdFile, 'utf8')) as string[]).reverse()) {
      try {
        fs.rmdirSync(d);
        removed.push(`folder ${d}`);
      } catch {
        // not empty (someone else's now) or gone
      }
    }
  }
  if (fs.existsSync(dir)) {
    fs.rmSync(dir, { recursive: true, force: true });
    removed.push(`state ${dir}`);
  }
  options.log?.(removed.length ? `cluster: removed ${removed.join('; ')}` : 'cluster: nothing to remove');
  return { removed };
}

/** What of the cluster is still on the machine: [] after a complete `down`. */
export function leftovers(dir = stateDir()): string[] {
  const found: string[] = [];
  const pids = clusterPids();
  if (pids.length) found.push(`processes in cgroup ${CGROUP_PARENT}: ${pids.join(' ')}`);
  for (const h of cgroupHierarchies({ withUnified: true })) {
    if (fs.existsSync(path.join(CGROUP_FS, h, CGROUP_PARENT))) found.push(`cgroup ${h}/${CGROUP_PARENT}`);
  }
  if (fs.existsSync(path.join(dir, '..', NETNS_MOUNT_MARK))) found.push(`mark ${NETNS_MOUNT_MARK}`);
  const netns = sh(['ip', 'netns', 'list'], { allowFailure: true }).stdout;
  for (const node of NODES) if (netns.split('\n').some((l) => l.split(' ')[0] === node.netns)) found.push(`netns ${node.netns}`);
  const links = sh(['ip', '-o', 'link', 'show'], { allowFailure: true }).stdout;
  for (const name of [BRIDGE, ...NODES.map((n) => n.hostVeth)]) {
    if (links.split('\n').some((l) => new RegExp(`^\\d+: ${name}[:@]`).test(l))) found.push(`link ${name}`);
  }
  const rules = sh(['iptables-save'], { allowFailure: true }).stdout;
  if (rules.includes(HOST_GUARD_CHAIN)) found.push(`iptables chain ${HOST_GUARD_CHAIN}`);
  for (const line of rules.split('\n')) {
    if (/KUBE-|kube-router|vmalert-ha/i.test(line)) found.push(`iptables: ${line}`);
  }
  const sets = sh(['ipset', 'list', '-n'], { allowFailure: true }).stdout.trim();
  for (const set of sets.split('\n').filter(Boolean)) if (/^(KUBE-|kube-router)/i.test(set)) found.push(`ipset ${set}`);
  const routes = sh(['ip', 'route', 'show'], { allowFailure: true }).stdout;
  for (const line of routes.split('\n')) if (line.includes(BRIDGE) || line.startsWith('10.244.')) found.push(`route ${line}`);
  for (const m of hostMountsUnder(dir)) found.push(`mount ${m}`);
  for (const m of hostMountsUnder('/run/netns/cni-')) found.push(`mount ${m}`);
  if (fs.existsSync(dir)) found.push(`state folder ${dir}`);
  return found;
}

/** Prints what runs. */
export function status(log: (line: string) => void = console.log): number {
  const summary = readSummary();
  if (!summary) {
    log(`cluster: not running (no ${statePaths(stateDir()).summary})`);
    const left = leftovers();
    if (left.length) log(`cluster: but found: ${left.join('; ')} (npm run cluster -- down removes them)`);
    return 1;
  }
  log(describe(summary));
  const kubectl = (args: string[]) => sh([tool('kubectl'), `--kubeconfig=${summary.kubeconfig}`, ...args], { allowFailure: true });
  log(kubectl(['get', 'nodes', '-o', 'wide', '-L', 'topology.kubernetes.io/zone']).stdout);
  log(kubectl(['get', 'pods', '-A', '-o', 'wide']).stdout);
  return 0;
}

export function describe(summary: ClusterSummary): string {
  const lines = [
    `kubeconfig: ${summary.kubeconfig}`,
    `API server: ${summary.server}`,
    `started ${summary.startedAt}, Ready after ${(summary.readyMs / 1000).toFixed(1)} s`,
    'processes:',
    ...summary.processes.map((p) => `  ${(p.node ?? 'host').padEnd(7)} ${p.name.padEnd(24)} pid ${String(p.pid).padEnd(8)} ${isAlive(p.pid) ? 'running' : 'EXITED'}  ${p.log}`),
    'pod subnets:',
    ...Object.entries(summary.podCidrs).map(([node, cidr]) => `  ${node} ${cidr}`),
    `enter a node: nsenter --target <holder pid> --net --mount --uts (holders: ${Object.entries(summary.holders).map(([n, p]) => `${n}=${p}`).join(', ')})`,
  ];
  return lines.join('\n');
}

function preflight(): void {
  if (process.getuid?.() !== 0) throw new Error('cluster: `up` needs root (network namespaces, bridges, cgroups, mounts)');
  for (const bin of ['iptables', 'ipset', 'unshare', 'nsenter', 'ip']) {
    if (sh(['sh', '-c', `command -v ${bin}`], { allowFailure: true }).code !== 0) {
      throw new Error(`cluster: ${bin} is missing; install it: apt-get install -y iptables ipset conntrack iproute2 util-linux`);
    }
  }
  if (cgroupHierarchies().length === 0) {
    throw new Error(`cluster: no cgroup v1 hierarchy under ${CGROUP_FS}: this cluster's kubelets are configured for cgroup v1 (failCgroupV1: false)`);
  }
  const routes = sh(['ip', '-4', 'route', 'show']).stdout.split('\n').filter(Boolean);
  for (const line of routes) {
    const dst = line.split(' ')[0];
    if (dst === 'default' || line.includes(BRIDGE)) continue;
    for (const ours of [NODE_NETWORK, POD_NETWORK, SERVICE_NETWORK]) {
      if (cidrsOverlap(dst, ours)) throw new Error(`cluster: the machine already routes ${dst} ("${line}"), which overlaps the cluster's ${ours}; refusing to start`);
    }
  }
}

function writeSecret(file: string, content: string): string {
  fs.writeFileSync(file, content, { mode: 0o600 });
  return file;
}

function hostMountsUnder(prefix: string): string[] {
  const lines = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  return lines.map((l) => l.split(' ')[4]).filter((m): m is string => m !== undefined && m.startsWith(prefix));
}

function httpOk(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = require('http').get(url, { timeout: 2000 }, (res: { statusCode?: number; resume(): void }) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

function httpsOk(url: string, token: string): Promise<boolean> {
  return new Promise((resolve) => {
    // The certificate is made by the server being polled; kubeconfigs pin it afterwards.
    const req = https.get(url, { headers: { Authorization: `Bearer ${token}` }, rejectUnauthorized: false, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}
