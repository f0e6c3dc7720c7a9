/**
 * The cluster's network, as lists of commands (argv arrays): the host bridge, one namespace and veth per node, the
 * routes between the nodes' pod subnets, and a host iptables guard. Pure builders; scripts/cluster/system.ts runs
 * them. Teardown commands are written to be idempotent: each may find its object already gone.
 */
import {
  BRIDGE, HOST_ADDRESS, HOST_GUARD_CHAIN, NODE_INTERFACE, NODE_NETWORK, NODE_PREFIX_LENGTH, NodeSpec, POD_NETWORK,
  SERVICE_NETWORK,
} from './layout';

export type Command = readonly string[];

/** The bridge on the host that joins the node namespaces, with the host's address on it. */
export function hostBridgeUp(): Command[] {
  return [
    ['ip', 'link', 'add', BRIDGE, 'type', 'bridge'],
    ['ip', 'addr', 'add', `${HOST_ADDRESS}/${NODE_PREFIX_LENGTH}`, 'dev', BRIDGE],
    ['ip', 'link', 'set', BRIDGE, 'up'],
  ];
}

/**
 * Host filter rules that drop anything the cluster's ranges would send through the host to another interface,
 * should forwarding ever be on (this machine has ip_forward off and `up` leaves it so). Bridged traffic between
 * node namespaces enters and leaves through BRIDGE and is not affected.
 */
export function hostGuardUp(): Command[] {
  return [
    ['iptables', '-w', '-N', HOST_GUARD_CHAIN],
    ['iptables', '-w', '-A', HOST_GUARD_CHAIN, '-i', BRIDGE, '!', '-o', BRIDGE, '-j', 'DROP'],
    ['iptables', '-w', '-A', HOST_GUARD_CHAIN, '-s', POD_NETWORK, '!', '-o', BRIDGE, '-j', 'DROP'],
    ['iptables', '-w', '-A', HOST_GUARD_CHAIN, '-s', NODE_NETWORK, '!', '-o', BRIDGE, '-j', 'DROP'],
    ['iptables', '-w', '-I', 'FORWARD', '1', '-j', HOST_GUARD_CHAIN],
  ];
}

export function hostGuardDown(): Command[] {
  return [
    ['iptables', '-w', '-D', 'FORWARD', '-j', HOST_GUARD_CHAIN],
    ['iptables', '-w', '-F', HOST_GUARD_CHAIN],
    ['iptables', '-w', '-X', HOST_GUARD_CHAIN],
  ];
}

/**
 * A node's namespace: its veth (host end on the bridge, node end NODE_INTERFACE with the node's address), forwarding
 * and bridge netfilter on inside it (kube-proxy and kube-router filter bridged pod traffic), and a route for the
 * Service range so processes of the node itself reach ClusterIPs (kube-proxy DNATs them in OUTPUT). No default
 * route: nothing in the namespace can reach an address the cluster does not own.
 */
export function nodeNetworkUp(node: NodeSpec): Command[] {
  const inNs = (...cmd: string[]): Command => ['ip', 'netns', 'exec', node.netns, ...cmd];
  return [
    ['ip', 'netns', 'add', node.netns],
    ['ip', 'link', 'add', node.hostVeth, 'type', 'veth', 'peer', 'name', NODE_INTERFACE, 'netns', node.netns],
    ['ip', 'link', 'set', node.hostVeth, 'master', BRIDGE],
    ['ip', 'link', 'set', node.hostVeth, 'up'],
    ['ip', '-n', node.netns, 'link', 'set', 'lo', 'up'],
    ['ip', '-n', node.netns, 'addr', 'add', `${node.address}/${NODE_PREFIX_LENGTH}`, 'dev', NODE_INTERFACE],
    ['ip', '-n', node.netns, 'link', 'set', NODE_INTERFACE, 'up'],
    ['ip', '-n', node.netns, 'route', 'add', SERVICE_NETWORK, 'dev', NODE_INTERFACE, 'src', node.address],
    inNs('sysctl', '-q', '-w', 'net.ipv4.ip_forward=1'),
    inNs('sysctl', '-q', '-w', 'net.bridge.bridge-nf-call-iptables=1'),
  ];
}

/** Removing the namespace removes the node's end of the veth, and with it the host end and every rule inside. */
export function nodeNetworkDown(node: NodeSpec): Command[] {
  return [
    ['ip', 'netns', 'delete', node.netns],
    ['ip', 'link', 'delete', node.hostVeth],
  ];
}

/** A node's pod subnet, as kube-controller-manager allocated it (node.spec.podCIDR). */
export interface PodSubnet {
  readonly node: NodeSpec;
  readonly cidr: string;
}

/**
 * Routes to every node's pod subnet via that node's address: on the host (so host-side stand-ins and the API
 * server answer pods) and in every other node's namespace. All of them stay on the bridge.
 */
export function podRoutes(subnets: readonly PodSubnet[], nodes: readonly NodeSpec[]): Command[] {
  const commands: Command[] = [];
  for (const { node, cidr } of subnets) {
    commands.push(['ip', 'route', 'replace', cidr, 'via', node.address, 'dev', BRIDGE]);
    for (const other of nodes) {
      if (other.name === node.name) continue;
      commands.push(['ip', '-n', other.netns, 'route', 'replace', cidr, 'via', node.address, 'dev', NODE_INTERFACE]);
    }
  }
  return commands;
}

/**
 * The shell script a node's namespace holder runs: it sets the hostname (own UTS namespace), remounts /sys so it
 * shows the node's network devices (keeping the cgroup mounts), and bind-mounts the node's folders over the standard
 * paths, all in the node's own mount namespace (a slave of the host's: nothing mounted here shows on the host, and
 * everything mounted here goes when the namespace's last process ends). Then it waits; containerd, the kubelet,
 * kube-proxy and kube-router enter its namespaces with nsenter.
 */
export function nodeHolderScript(node: NodeSpec, mounts: ReadonlyArray<{ source: string; target: string }>, keepDir: string): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const lines = [
    'set -eu',
    `hostname ${q(node.name)}`,
    `mount --rbind /sys/fs/cgroup ${q(keepDir)}`,
    'mount -t sysfs sysfs /sys',
    `mount --rbind ${q(keepDir)} /sys/fs/cgroup`,
    `umount -l ${q(keepDir)}`,
  ];
  for (const { source, target } of mounts) lines.push(`mount --bind ${q(source)} ${q(target)}`);
  lines.push('echo ready', 'exec sleep infinity');
  return lines.join('\n');
}
