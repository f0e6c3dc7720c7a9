/** The local cluster's pure configuration builders (scripts/cluster/): addresses, kubelet, containerd, CNI, DNS. */
import * as yaml from 'js-yaml';
import { VERSIONS } from '../constructs/core/versions';
import { CLUSTER_DNS_IP, NODES, NODE_NETWORK, POD_NETWORK, SERVICE_NETWORK, cidrsOverlap, statePaths } from '../scripts/cluster/layout';
import { nodeNetworkUp, podRoutes } from '../scripts/cluster/network';
import {
  COREDNS_PORT, coreDnsObjects, identities, renderCniConfig, renderContainerdConfig, renderKubeletConfig, renderTokenFile,
} from '../scripts/cluster/render';

test('the three nodes sit in zones a, b and c with distinct addresses inside the node network', () => {
  expect(NODES.map((n) => [n.name, n.zone])).toEqual([['node-a', 'a'], ['node-b', 'b'], ['node-c', 'c']]);
  expect(new Set(NODES.map((n) => n.address)).size).toBe(3);
  for (const n of NODES) expect(cidrsOverlap(`${n.address}/32`, NODE_NETWORK)).toBe(true);
});

test('the node, pod and Service ranges do not overlap each other or the host network of this machine', () => {
  const ranges = [NODE_NETWORK, POD_NETWORK, SERVICE_NETWORK];
  for (const a of ranges) for (const b of ranges) if (a !== b) expect(cidrsOverlap(a, b)).toBe(false);
  expect(cidrsOverlap('192.0.2.0/24', NODE_NETWORK)).toBe(false);
  expect(cidrsOverlap('10.0.0.0/8', POD_NETWORK)).toBe(true);
  expect(() => cidrsOverlap('10.0.0/8', POD_NETWORK)).toThrow('is not an IPv4 address or CIDR');
});

test('every kubelet tolerates cgroup v1 and has its own cgroupRoot', () => {
  const configs = NODES.map((n) => yaml.load(renderKubeletConfig(n)) as Record<string, unknown>);
  for (const c of configs) {
    expect(c.failCgroupV1).toBe(false);
    expect(c.clusterDNS).toEqual([CLUSTER_DNS_IP]);
  }
  expect(new Set(configs.map((c) => c.cgroupRoot)).size).toBe(3);
});

test('a node has no default route: only the Service range, the other nodes\' pod subnets and its own link', () => {
  const commands = [...nodeNetworkUp(NODES[0]), ...podRoutes(NODES.map((node, i) => ({ node, cidr: `10.244.${i}.0/24` })), NODES)];
  const routesInA = commands.filter((c) => c[0] === 'ip' && c[2] === NODES[0].netns && c[3] === 'route').map((c) => c[5]);
  expect(routesInA.sort()).toEqual(['10.244.1.0/24', '10.244.2.0/24', SERVICE_NETWORK]);
  expect(commands.flat()).not.toContain('default');
  expect(commands.flat().join(' ')).not.toMatch(/MASQUERADE|SNAT/);
  // forwarding is switched on inside the node's namespace only, never on the host
  for (const c of commands.filter((c) => c.includes('sysctl'))) expect(c.slice(0, 4)).toEqual(['ip', 'netns', 'exec', NODES[0].netns]);
});

test('containerd and CNI keep the node\'s state at standard paths, which the node\'s mount namespace makes its own', () => {
  const toml = renderContainerdConfig({ runc: '/x/runc', shimDir: '/x', cniBinDir: '/cni' }, 'registry.k8s.io/pause:3.10.2');
  expect(toml).toContain('version = 3');
  expect(toml).toContain('SystemdCgroup = false');
  expect(toml).toContain('sandbox = "registry.k8s.io/pause:3.10.2"');
  const cni = JSON.parse(renderCniConfig('10.244.1.0/24'));
  expect(cni.plugins[0].ipMasq).toBe(false);
  expect(cni.plugins[0].ipam.ranges).toEqual([[{ subnet: '10.244.1.0/24' }]]);
  const mounts = statePaths('/s').node('node-a').mounts;
  expect(mounts.map((m) => m.target)).toEqual(expect.arrayContaining(['/var/lib/kubelet', '/run/containerd', '/run/netns', '/var/lib/cni']));
  for (const m of mounts) expect(m.source.startsWith('/s/nodes/node-a/')).toBe(true);
});

test('each component has its own token; kubelets are system:node:<name> in system:nodes', () => {
  let n = 0;
  const ids = identities(() => `token${n++}`, NODES);
  expect(new Set(Object.values(ids).map((i) => i.token)).size).toBe(Object.keys(ids).length);
  expect(renderTokenFile(ids)).toContain('token5,system:node:node-a,system:node:node-a,"system:nodes"');
});

test('CoreDNS serves cluster.local on an unprivileged port as non-root behind the kube-dns Service', () => {
  const objects = coreDnsObjects(`registry.k8s.io/coredns/coredns:${VERSIONS.coredns}`) as Array<Record<string, any>>;
  const service = objects.find((o) => o.kind === 'Service')!;
  expect(service.spec.clusterIP).toBe(CLUSTER_DNS_IP);
  expect(service.spec.ports.map((p: { targetPort: number }) => p.targetPort)).toEqual([COREDNS_PORT, COREDNS_PORT]);
  const pod = objects.find((o) => o.kind === 'Deployment')!.spec.template.spec;
  expect(pod.securityContext.runAsNonRoot).toBe(true);
  const corefile = objects.find((o) => o.kind === 'ConfigMap')!.data.Corefile as string;
  expect(corefile).toContain(`.:${COREDNS_PORT} {`);
  expect(corefile).not.toContain('forward');
});
