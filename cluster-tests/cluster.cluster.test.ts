/**
 * The local cluster of three real nodes (scripts/cluster/): `up`, pods on every node, Service DNS through CoreDNS,
 * a ClusterIP connection to another node's pod, a deny-all NetworkPolicy enforced by kube-router, then `down` and
 * nothing left. Needs root and the pinned node binaries and images (scripts/tools/test-tools.sh, scripts/cluster/images.ts).
 */
import * as yaml from 'js-yaml';
import { ALERTMANAGER_IMAGE } from '../constructs/core/versions';
import { NODES } from '../scripts/cluster/layout';
import * as fs from 'fs';
import { ClusterSummary, KUBELET_SYSCTLS, down, leftovers, up } from '../scripts/cluster/lifecycle';
import { sh, sleep } from '../scripts/cluster/system';
import { tool } from '../scripts/cluster/tools';
import { IMAGES, imageRef } from '../scripts/cluster/images';
import { markdownTable, TableSource, TableTarget } from '../scripts/docs/network-policy-eval';
import { BEGIN, END, NETWORK_TABLE_PAGES, networkTableCases } from '../scripts/docs/network-table';

const NS = 'cluster-test';
/** The Alertmanager image (it has /bin/amtool, an HTTP client that resolves names through the pod's resolver). */
const IMAGE = `docker.io/${ALERTMANAGER_IMAGE}`;
let summary: ClusterSummary | undefined;
const sysctls = () => KUBELET_SYSCTLS.map((key) => `${key}=${fs.readFileSync(`/proc/sys/${key}`, 'utf8').trim()}`);
const sysctlsBefore = sysctls();
const hostIptables = () => sh(['iptables-save']).stdout.split('\n').filter((l) => l.startsWith('-A') || l.startsWith(':')).sort();
const iptablesBefore = hostIptables();

function kubectl(args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  return sh([tool('kubectl'), `--kubeconfig=${summary!.kubeconfig}`, ...args], { input, allowFailure: true, timeoutMs: 120_000 });
}

function apply(objects: unknown[]): void {
  const r = kubectl(['apply', '--server-side', '-f', '-'], objects.map((o) => yaml.dump(o)).join('---\n'));
  if (r.code !== 0) throw new Error(`kubectl apply failed: ${r.stderr}`);
}

/** One Alertmanager pod pinned to `node`, and a Service `am-<zone>` in front of it. */
function podOn(node: typeof NODES[number]): unknown[] {
  const labels = { app: `am-${node.zone}` };
  return [
    {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: `am-${node.zone}`, namespace: NS, labels },
      spec: {
        nodeSelector: { 'kubernetes.io/hostname': node.name },
        securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [{
          name: 'alertmanager', image: IMAGE, imagePullPolicy: 'Never',
          args: ['--config.file=/etc/alertmanager/alertmanager.yml', '--storage.path=/tmp/am', '--cluster.listen-address='],
          volumeMounts: [{ name: 'config', mountPath: '/etc/alertmanager' }],
          readinessProbe: { httpGet: { path: '/-/ready', port: 9093 }, periodSeconds: 2 },
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        }],
        volumes: [{ name: 'config', configMap: { name: 'am' } }],
      },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: `am-${node.zone}`, namespace: NS }, spec: { selector: labels, ports: [{ port: 9093 }] } },
  ];
}

/** From the pod on node-a: amtool asks the Service of node-b's pod by name (CoreDNS), through its ClusterIP. */
function askNodeB(): { code: number | null; stdout: string; stderr: string } {
  return kubectl(['-n', NS, 'exec', 'am-a', '--', '/bin/amtool', `--alertmanager.url=http://am-b.${NS}.svc.cluster.local:9093`,
    '--timeout=5s', 'config', 'show']);
}

afterAll(async () => {
  await down();
});

test('up: three Ready nodes in zones a, b and c, each with its hostname', async () => {
  summary = await up({ log: (l) => console.log(l) });
  console.log(`cluster start to Ready: ${(summary.readyMs / 1000).toFixed(1)} s`);
  const nodes = JSON.parse(kubectl(['get', 'nodes', '-o', 'json']).stdout).items as Array<Record<string, any>>;
  expect(nodes.map((n) => [n.metadata.name, n.metadata.labels['topology.kubernetes.io/zone'], n.metadata.labels['kubernetes.io/hostname']]).sort())
    .toEqual(NODES.map((n) => [n.name, n.zone, n.name]));
  for (const n of nodes) {
    expect(n.status.conditions.find((c: { type: string }) => c.type === 'Ready').status).toBe('True');
  }
});

test('a pod on each node runs; one resolves another node\'s Service through CoreDNS and connects through its ClusterIP', async () => {
  apply([
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'am', namespace: NS },
      data: { 'alertmanager.yml': yaml.dump({ route: { receiver: 'none' }, receivers: [{ name: 'none' }] }) } },
    ...NODES.flatMap(podOn),
  ]);
  const wait = kubectl(['-n', NS, 'wait', '--for=condition=Ready', 'pod', '--all', '--timeout=300s']);
  expect(wait.stderr).toBe('');
  const pods = JSON.parse(kubectl(['-n', NS, 'get', 'pods', '-o', 'json']).stdout).items as Array<Record<string, any>>;
  expect(pods.map((p) => [p.metadata.name, p.spec.nodeName]).sort()).toEqual(NODES.map((n) => [`am-${n.zone}`, n.name]));

  const answer = askNodeB();
  expect(answer.stderr).toBe('');
  expect(answer.stdout).toContain('receivers:');
});

test('a deny-all NetworkPolicy (kube-router) blocks that connection; removing it lets it through again', async () => {
  apply([{
    apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny-all', namespace: NS },
    spec: { podSelector: {}, policyTypes: ['Ingress'] },
  }]);
  let blocked: ReturnType<typeof askNodeB> | undefined;
  for (let i = 0; i < 30; i++) {
    const r = askNodeB();
    if (r.code !== 0) {
      blocked = r;
      break;
    }
    await sleep(1000);
  }
  // kube-router REJECTs (the client sees a refused connection) rather than dropping; the same pod answered before
  // the policy and answers again after it (below), so the refusal is the policy's.
  expect(blocked?.stderr).toMatch(/connect: connection refused|deadline exceeded|i\/o timeout/i);
  expect(kubectl(['-n', NS, 'delete', 'networkpolicy', 'deny-all']).code).toBe(0);
  let open = false;
  for (let i = 0; i < 30 && !open; i++) {
    open = askNodeB().code === 0;
    if (!open) await sleep(1000);
  }
  expect(open).toBe(true);
});

/** A restricted-compliant agnhost pod: `args` picks the subcommand (pause by default). */
function agnhostPod(name: string, namespace: string, labels: Readonly<Record<string, string>>, containers: string[][]): unknown {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels },
    spec: {
      securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } },
      terminationGracePeriodSeconds: 0,
      containers: containers.map((args, i) => ({
        name: `agnhost-${i}`, image: imageRef(IMAGES.find((img) => img.binaries['/agnhost'])!), imagePullPolicy: 'Never', args,
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
      })),
    },
  };
}

test('the generated NetworkPolicy truth table holds on real connections (kube-router): allowed pairs connect, denied pairs fail', async () => {
  // GIVEN the app's NetworkPolicies (its defaults, as `npm run docs:network` evaluates them) in their namespace, a pod
  // per row of the table with that row's labels and namespace, and a pod per target with the target's labels that
  // listens on the target's ports (agnhost netexec: HTTP on TCP, an echo on UDP)
  const { objects, sources, targets } = networkTableCases();
  const namespaces = [...new Set([...sources, ...targets].map((x) => x.pod.namespace))];
  const targetPods = [...new Map(targets.map((t) => [JSON.stringify(t.pod), t.pod])).values()];
  const podOfTarget = (t: TableTarget) => `np-target-${targetPods.findIndex((p) => JSON.stringify(p) === JSON.stringify(t.pod))}`;
  apply([
    ...namespaces.filter((n) => n !== 'default').map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })),
    ...objects.filter((o) => o.kind === 'NetworkPolicy'),
    ...sources.map((source, i) => agnhostPod(`np-source-${i}`, source.pod.namespace, source.pod.labels, [['pause']])),
    ...targetPods.map((pod, j) => {
      const ports = [...new Set(targets.filter((t) => JSON.stringify(t.pod) === JSON.stringify(pod)).map((t) => t.port.port))];
      return agnhostPod(`np-target-${j}`, pod.namespace, pod.labels, ports.map((port) => ['netexec', `--http-port=${port}`,
        `--udp-port=${targets.some((t) => JSON.stringify(t.pod) === JSON.stringify(pod) && t.port.port === port && t.port.protocol === 'UDP') ? port : -1}`]));
    }),
  ]);
  for (const ns of namespaces) {
    const wait = kubectl(['-n', ns, 'wait', '--for=condition=Ready', 'pod', '--all', '--timeout=300s']);
    expect(wait.stderr).toBe('');
  }
  const ipOf = new Map(targetPods.map((pod, j) => [`np-target-${j}`,
    JSON.parse(kubectl(['-n', pod.namespace, 'get', 'pod', `np-target-${j}`, '-o', 'json']).stdout).status.podIP as string]));
  const documented = fs.readFileSync(NETWORK_TABLE_PAGES[0], 'utf8').split(BEGIN)[1].split(END)[0].trim();

  // WHEN every source opens every target port (agnhost connect: exit 0, or REFUSED/TIMEOUT)
  const failures: string[] = [];
  const connect = (source: TableSource, target: TableTarget): boolean => {
    const i = sources.indexOf(source);
    const r = kubectl(['-n', source.pod.namespace, 'exec', `np-source-${i}`, '--', '/agnhost', 'connect', '--timeout=3s',
      `--protocol=${target.port.protocol.toLowerCase()}`, `${ipOf.get(podOfTarget(target))}:${target.port.port}`]);
    if (r.code !== 0 && !/^(REFUSED|TIMEOUT)/.test(r.stderr.trim())) failures.push(`${source.name} -> ${target.name}: ${r.stderr.trim()}`);
    return r.code === 0;
  };
  const t0 = Date.now();
  let observed = '';
  // kube-router applies new policies within seconds: measure until the table is stable, then it must be the documented one
  for (let round = 0; round < 20 && observed !== documented; round++) {
    if (round > 0) await sleep(2000);
    failures.length = 0;
    observed = markdownTable(sources, targets, connect);
  }
  console.log(`NetworkPolicy truth table over real connections (${sources.length * targets.length} pairs) after ${((Date.now() - t0) / 1000).toFixed(1)} s:\n${observed}`);

  // THEN the real connections give exactly the table docs/alertmanager-cluster.md shows, and every denied pair
  // failed as a refusal or a time-out (not an error of the probe)
  expect(failures).toEqual([]);
  expect(observed).toBe(documented);
  expect(observed).toMatch(/\byes\b/);
  expect(observed).toMatch(/\bno\b/);
});

test('down removes every process, namespace, link, iptables rule, ipset, route, mount, cgroup and file', async () => {
  const t0 = Date.now();
  await down();
  console.log(`down: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  expect(leftovers()).toEqual([]);
  // AND the host's own rules and the kernel tunables the kubelets set are as before
  expect(hostIptables()).toEqual(iptablesBefore);
  expect(sysctls()).toEqual(sysctlsBefore);
});
