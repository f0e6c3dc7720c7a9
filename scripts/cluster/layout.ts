/**
 * The local cluster's fixed layout: address ranges, interface and namespace names, ports, directories. Every name
 * here is one `up` creates and `down` removes; nothing else on the machine is touched. Pure data, no side effects.
 *
 * Address ranges (private, and present ONLY on the bridge, veths and network namespaces `up` creates; no route or
 * NAT leads from them to anything else, and the host's ip_forward is left as it is, off):
 *   NODE_NETWORK     172.30.0.0/24  the bridge vmha-br0 on the host (172.30.0.1, where kube-apiserver listens) and
 *                                   one veth per node namespace (node-a 172.30.0.11, node-b .12, node-c .13)
 *   POD_NETWORK      10.244.0.0/16  one /24 per node, allocated by kube-controller-manager (node.spec.podCIDR)
 *   SERVICE_NETWORK  10.96.0.0/16   ClusterIPs, DNATed by kube-proxy inside each node namespace; DNS at 10.96.0.10
 */

/** Default folder of all state: pids, certificates, kubeconfigs, logs, containerd's and kubelet's roots. */
export const DEFAULT_STATE_DIR = '/var/lib/vmalert-ha-cluster';

export const NODE_NETWORK = '172.30.0.0/24';
export const NODE_PREFIX_LENGTH = 24;
/** The host's address on the bridge; kube-apiserver and the host-side stand-ins listen here. */
export const HOST_ADDRESS = '172.30.0.1';
export const POD_NETWORK = '10.244.0.0/16';
export const POD_SUBNET_MASK = 24;
export const SERVICE_NETWORK = '10.96.0.0/16';
/** The `kubernetes` Service's ClusterIP: the first address of SERVICE_NETWORK. */
export const API_SERVICE_IP = '10.96.0.1';
export const CLUSTER_DNS_IP = '10.96.0.10';
export const CLUSTER_DOMAIN = 'cluster.local';

/** The host bridge that joins the node namespaces. */
export const BRIDGE = 'vmha-br0';
/** The pods' bridge inside each node namespace (created by the CNI bridge plugin). */
export const POD_BRIDGE = 'cni0';
/** A node's end of its veth, inside its namespace. */
export const NODE_INTERFACE = 'eth0';
/** Host iptables chain (filter table) that keeps the cluster's ranges from being forwarded anywhere else. */
export const HOST_GUARD_CHAIN = 'VMHA-GUARD';
/** Root of every cgroup the cluster creates, in every cgroup v1 hierarchy. */
export const CGROUP_PARENT = 'vmalert-ha-cluster';

export const PORTS = {
  apiServer: 6443,
  etcdClient: 23790,
  etcdPeer: 23800,
  controllerManager: 10257,
  scheduler: 10259,
} as const;

/** One node of the cluster. */
export interface NodeSpec {
  /** Node name, hostname (its own UTS namespace) and the value of kubernetes.io/hostname. */
  readonly name: string;
  /** topology.kubernetes.io/zone */
  readonly zone: string;
  /** Its network namespace (ip netns). */
  readonly netns: string;
  /** The host end of its veth, attached to BRIDGE. */
  readonly hostVeth: string;
  /** Its address on NODE_NETWORK. */
  readonly address: string;
}

/** Three nodes in three zones. */
export const NODES: readonly NodeSpec[] = ['a', 'b', 'c'].map((zone, i) => ({
  name: `node-${zone}`,
  zone,
  netns: `vmha-node-${zone}`,
  hostVeth: `vmha-${zone}`,
  address: `172.30.0.${11 + i}`,
}));

/** Where each piece of state lives under the state folder. */
export interface StatePaths {
  readonly root: string;
  readonly pki: string;
  readonly logs: string;
  readonly pids: string;
  readonly etcdData: string;
  readonly adminKubeconfig: string;
  readonly tokens: string;
  /** Written when `up` finished: what runs, for `status`. */
  readonly summary: string;
  node(name: string): NodePaths;
}

/**
 * A node's files. Its processes run in its own mount namespace, where the node's folders are bind-mounted over the
 * standard paths (so containerd, the kubelet and the CNI plugins keep their defaults and three nodes share no
 * file); configuration files are read where they are, under the node's folder.
 */
export interface NodePaths {
  readonly root: string;
  readonly containerdConfig: string;
  readonly kubeletConfig: string;
  readonly kubeletKubeconfig: string;
  readonly kubeProxyConfig: string;
  readonly kubeProxyKubeconfig: string;
  readonly kubeRouterKubeconfig: string;
  /** Host-side folder behind the node's /etc/cni/net.d, where `up` writes the node's CNI network. */
  readonly cniConfDir: string;
  /** Bind mounts of the node's mount namespace: source under root, target the standard path. */
  readonly mounts: ReadonlyArray<{ readonly source: string; readonly target: string }>;
}

/** Standard paths inside a node (what its mount namespace shows at these paths is the node's own folder). */
export const NODE_FS = {
  containerdRoot: '/var/lib/containerd',
  containerdState: '/run/containerd',
  containerdSocket: '/run/containerd/containerd.sock',
  kubeletRoot: '/var/lib/kubelet',
  podLogs: '/var/log/pods',
  cniConfDir: '/etc/cni/net.d',
  cniState: '/var/lib/cni',
  netns: '/run/netns',
} as const;

export function statePaths(root: string = DEFAULT_STATE_DIR): StatePaths {
  const join = (...parts: string[]) => [root, ...parts].join('/');
  return {
    root,
    pki: join('pki'),
    logs: join('logs'),
    pids: join('pids'),
    etcdData: join('etcd'),
    adminKubeconfig: join('admin.kubeconfig'),
    tokens: join('pki', 'tokens.csv'),
    summary: join('summary.json'),
    node(name: string): NodePaths {
      const n = (...parts: string[]) => join('nodes', name, ...parts);
      return {
        root: n(),
        containerdConfig: n('containerd.toml'),
        kubeletConfig: n('kubelet-config.yaml'),
        kubeletKubeconfig: n('kubelet.kubeconfig'),
        kubeProxyConfig: n('kube-proxy.yaml'),
        kubeProxyKubeconfig: n('kube-proxy.kubeconfig'),
        kubeRouterKubeconfig: n('kube-router.kubeconfig'),
        cniConfDir: n('fs', 'etc-cni-net.d'),
        mounts: Object.values(NODE_FS)
          .filter((target) => target !== NODE_FS.containerdSocket)
          .map((target) => ({ source: n('fs', target.slice(1).replace(/\//g, '-')), target })),
      };
    },
  };
}

/** Does `cidr` (a.b.c.d/len) overlap `other`? Used to refuse ranges already routed on the machine. */
export function cidrsOverlap(cidr: string, other: string): boolean {
  const [a, aLen] = parseCidr(cidr);
  const [b, bLen] = parseCidr(other);
  const len = Math.min(aLen, bLen);
  const mask = len === 0 ? 0 : (~0 << (32 - len)) >>> 0;
  return ((a & mask) >>> 0) === ((b & mask) >>> 0);
}

export function parseCidr(cidr: string): [number, number] {
  const match = /^(\d+)\.(\d+)\.(\d+)\.(\d+)(?:\/(\d+))?$/.exec(cidr);
  if (!match) throw new Error(`cluster layout: "${cidr}" is not an IPv4 address or CIDR (use e.g. 10.244.0.0/16)`);
  const octets = match.slice(1, 5).map(Number);
  if (octets.some((o) => o > 255)) throw new Error(`cluster layout: "${cidr}" has an octet above 255`);
  const len = match[5] === undefined ? 32 : Number(match[5]);
  if (len > 32) throw new Error(`cluster layout: "${cidr}" has a prefix length above 32`);
  return [((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0, len];
}
