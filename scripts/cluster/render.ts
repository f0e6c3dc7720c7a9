/**
 * Pure builders of the local cluster's configuration files and argument lists: kubeconfigs, the token file,
 * containerd's config, the kubelet's and kube-proxy's configurations, the CNI network, CoreDNS's objects and the
 * control plane's flags. No side effects: scripts/cluster/up.ts writes and runs what these return.
 */
import * as yaml from 'js-yaml';
import {
  API_SERVICE_IP, CGROUP_PARENT, CLUSTER_DNS_IP, CLUSTER_DOMAIN, HOST_ADDRESS, NODE_FS, NodePaths, NodeSpec, POD_BRIDGE,
  POD_NETWORK, POD_SUBNET_MASK, PORTS, SERVICE_NETWORK, StatePaths,
} from './layout';

/** One identity of the token file: who a component is to the API server. */
export interface Identity {
  readonly token: string;
  readonly user: string;
  readonly groups: readonly string[];
}

/**
 * The identities of the cluster's components. Kubelets authenticate as system:node:<name> (Node authorizer and
 * NodeRestriction apply to them); kube-proxy and the scheduler as the users the bootstrap RBAC roles bind.
 */
export function identities(token: (name: string) => string, nodes: readonly NodeSpec[]): Record<string, Identity> {
  const ids: Record<string, Identity> = {
    'admin': { token: token('admin'), user: 'cluster-admin', groups: ['system:masters'] },
    'kube-controller-manager': { token: token('kube-controller-manager'), user: 'system:kube-controller-manager', groups: [] },
    'kube-scheduler': { token: token('kube-scheduler'), user: 'system:kube-scheduler', groups: [] },
    'kube-proxy': { token: token('kube-proxy'), user: 'system:kube-proxy', groups: [] },
    'kube-router': { token: token('kube-router'), user: KUBE_ROUTER_USER, groups: [] },
  };
  for (const node of nodes) {
    ids[`kubelet-${node.name}`] = { token: token(`kubelet-${node.name}`), user: `system:node:${node.name}`, groups: ['system:nodes'] };
  }
  return ids;
}

export const KUBE_ROUTER_USER = 'system:kube-router';

/** kube-apiserver's --token-auth-file: token,user,uid,"group1,group2". */
export function renderTokenFile(ids: Record<string, Identity>): string {
  return Object.values(ids)
    .map((id) => `${id.token},${id.user},${id.user}${id.groups.length ? `,"${id.groups.join(',')}"` : ''}`)
    .join('\n') + '\n';
}

/** A kubeconfig that authenticates with a token (read from the file itself, mode 0600) and pins the CA. */
export function renderKubeconfig(opts: { server: string; caFile: string; user: string; token: string; context?: string }): string {
  const context = opts.context ?? 'vmalert-ha-cluster';
  return yaml.dump({
    'apiVersion': 'v1',
    'kind': 'Config',
    'clusters': [{ name: 'vmalert-ha-cluster', cluster: { 'server': opts.server, 'certificate-authority': opts.caFile } }],
    'users': [{ name: opts.user, user: { token: opts.token } }],
    'contexts': [{ name: context, context: { cluster: 'vmalert-ha-cluster', user: opts.user } }],
    'current-context': context,
  });
}

export const API_SERVER_URL = `https://${HOST_ADDRESS}:${PORTS.apiServer}`;

export function etcdArgs(paths: StatePaths): string[] {
  const client = `http://127.0.0.1:${PORTS.etcdClient}`;
  const peer = `http://127.0.0.1:${PORTS.etcdPeer}`;
  return [
    `--data-dir=${paths.etcdData}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=default=${peer}`,
    // The cluster is thrown away by `down`: fsync would only cost time on a shared disk.
    '--unsafe-no-fsync',
    '--log-level=warn',
  ];
}

export function apiServerArgs(paths: StatePaths): string[] {
  return [
    `--etcd-servers=http://127.0.0.1:${PORTS.etcdClient}`,
    // Only on the bridge `up` created: reachable from the host and, through their veths, from the node namespaces.
    `--bind-address=${HOST_ADDRESS}`,
    `--advertise-address=${HOST_ADDRESS}`,
    `--secure-port=${PORTS.apiServer}`,
    `--cert-dir=${paths.pki}`,
    `--token-auth-file=${paths.tokens}`,
    '--authorization-mode=Node,RBAC',
    '--enable-admission-plugins=NodeRestriction',
    `--service-cluster-ip-range=${SERVICE_NETWORK}`,
    '--service-account-issuer=https://kubernetes.default.svc',
    `--service-account-key-file=${paths.pki}/sa.pub`,
    `--service-account-signing-key-file=${paths.pki}/sa.key`,
    // The kubelets serve self-signed certificates and allow the API server's (anonymous) logs/exec calls.
    '--kubelet-preferred-address-types=InternalIP',
    '--allow-privileged=true',
  ];
}

export function controllerManagerArgs(paths: StatePaths, kubeconfig: string): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${PORTS.controllerManager}`,
    '--leader-elect=false',
    '--controllers=*',
    '--use-service-account-credentials=true',
    `--service-account-private-key-file=${paths.pki}/sa.key`,
    `--root-ca-file=${paths.pki}/apiserver.crt`,
    `--cluster-cidr=${POD_NETWORK}`,
    '--allocate-node-cidrs=true',
    `--node-cidr-mask-size=${POD_SUBNET_MASK}`,
    `--service-cluster-ip-range=${SERVICE_NETWORK}`,
    // A node whose kubelet stops is NotReady after 20 s (the default 40 s), its pods evicted on taint timeouts.
    '--node-monitor-grace-period=20s',
  ];
}

export function schedulerArgs(kubeconfig: string): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${PORTS.scheduler}`,
    '--leader-elect=false',
  ];
}

/** Binaries a node runs, by absolute path. */
export interface NodeBinaries {
  readonly runc: string;
  /** Folder with containerd-shim-runc-v2 (put on containerd's PATH). */
  readonly shimDir: string;
  /** Folder of the CNI plugins (bridge, host-local, loopback, portmap). */
  readonly cniBinDir: string;
}

/** containerd 2.x configuration (version 3) with every path under the node's own folder. */
export function renderContainerdConfig(bins: NodeBinaries, sandboxImage: string): string {
  const q = (s: string) => JSON.stringify(s);
  return [
    'version = 3',
    `root = ${q(NODE_FS.containerdRoot)}`,
    `state = ${q(NODE_FS.containerdState)}`,
    '',
    '[grpc]',
    `  address = ${q(NODE_FS.containerdSocket)}`,
    '',
    '[debug]',
    `  address = ""`,
    '',
    '[metrics]',
    `  address = ""`,
    '',
    "[plugins.'io.containerd.cri.v1.images']",
    "  snapshotter = 'overlayfs'",
    '',
    "[plugins.'io.containerd.cri.v1.images'.pinned_images]",
    `  sandbox = ${q(sandboxImage)}`,
    '',
    "[plugins.'io.containerd.cri.v1.runtime']",
    '  enable_selinux = false',
    // This machine grants root no CAP_SYS_RESOURCE (CapBnd lacks bit 24): writing an oom_score_adj below the
    // current one fails with EPERM, and runc init would fail every sandbox ("failed to update
    // /proc/self/oom_score_adj: Permission denied"). containerd then clamps the kubelet's values to its own (0).
    '  restrict_oom_score_adj = true',
    '',
    "[plugins.'io.containerd.cri.v1.runtime'.containerd]",
    "  default_runtime_name = 'runc'",
    '',
    "[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]",
    "  runtime_type = 'io.containerd.runc.v2'",
    '',
    "[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]",
    `  BinaryName = ${q(bins.runc)}`,
    '  SystemdCgroup = false',
    '',
    "[plugins.'io.containerd.cri.v1.runtime'.cni]",
    `  bin_dirs = [${q(bins.cniBinDir)}]`,
    `  conf_dir = ${q(NODE_FS.cniConfDir)}`,
    '',
    "[plugins.'io.containerd.grpc.v1.cri']",
    '  disable_tcp_service = true',
    "  stream_server_address = '127.0.0.1'",
    "  stream_server_port = '0'",
    '',
  ].join('\n');
}

/** The cgroup (under every hierarchy) a node's pods live in: kubelet's cgroupRoot. */
export function nodeCgroupRoot(node: NodeSpec): string {
  return `/${CGROUP_PARENT}/${node.name}`;
}

/**
 * KubeletConfiguration. `failCgroupV1: false`: kubelet 1.35+ refuses cgroup v1 hosts otherwise (KEP-5573), and
 * this machine has cgroup v1. Each kubelet gets its own cgroupRoot so three kubelets on one kernel do not collide.
 */
export function renderKubeletConfig(node: NodeSpec): string {
  return yaml.dump({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    failCgroupV1: false,
    cgroupDriver: 'cgroupfs',
    cgroupRoot: nodeCgroupRoot(node),
    cgroupsPerQOS: true,
    containerRuntimeEndpoint: `unix://${NODE_FS.containerdSocket}`,
    address: node.address,
    port: 10250,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: 10248,
    // The API server dials the kubelet (logs, exec) over the bridge without a client certificate; the kubelet
    // serves a self-signed certificate from its cert dir. Nothing outside the bridge can reach port 10250.
    authentication: { anonymous: { enabled: true }, webhook: { enabled: false } },
    authorization: { mode: 'AlwaysAllow' },
    clusterDNS: [CLUSTER_DNS_IP],
    clusterDomain: CLUSTER_DOMAIN,
    // No host resolver reaches pods: names outside cluster.local do not resolve.
    resolvConf: '',
    failSwapOn: false,
    protectKernelDefaults: false,
    serializeImagePulls: false,
    // The images were imported, not pulled: a garbage collection would lose them for good.
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1%', 'imagefs.available': '1%', 'nodefs.inodesFree': '1%' },
    maxPods: 40,
    registerNode: true,
    rotateCertificates: false,
    serverTLSBootstrap: false,
    // Faster node status updates so a stopped kubelet shows quickly (defaults 10 s / 5 min).
    nodeStatusUpdateFrequency: '5s',
    nodeStatusReportFrequency: '30s',
    // Ready quickly after `up`: the kubelet's sync loop waits this long between pod status pushes at most.
    syncFrequency: '10s',
  });
}

export function kubeletArgs(node: NodeSpec, paths: NodePaths): string[] {
  return [
    `--config=${paths.kubeletConfig}`,
    `--kubeconfig=${paths.kubeletKubeconfig}`,
    `--root-dir=${NODE_FS.kubeletRoot}`,
    `--hostname-override=${node.name}`,
    `--node-ip=${node.address}`,
    `--node-labels=topology.kubernetes.io/zone=${node.zone}`,
    '--v=1',
  ];
}

/**
 * KubeProxyConfiguration, iptables mode, in the node's namespace. The conntrack settings are left to the kernel
 * (0 = do not touch): nf_conntrack_max is machine-wide, and the cluster changes nothing outside its namespaces.
 */
export function renderKubeProxyConfig(node: NodeSpec, paths: NodePaths): string {
  return yaml.dump({
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    mode: 'iptables',
    clientConnection: { kubeconfig: paths.kubeProxyKubeconfig },
    hostnameOverride: node.name,
    bindAddress: node.address,
    clusterCIDR: POD_NETWORK,
    healthzBindAddress: '127.0.0.1:10256',
    metricsBindAddress: '127.0.0.1:10249',
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
  });
}

/** kube-router as a NetworkPolicy enforcer only: no routing, no service proxy (kube-proxy does that). */
export function kubeRouterArgs(node: NodeSpec, paths: NodePaths): string[] {
  return [
    `--kubeconfig=${paths.kubeRouterKubeconfig}`,
    `--hostname-override=${node.name}`,
    '--run-firewall=true',
    '--run-router=false',
    '--run-service-proxy=false',
    '--run-loadbalancer=false',
    '--enable-ipv4=true',
    '--enable-ipv6=false',
    `--service-cluster-ip-range=${SERVICE_NETWORK}`,
    '--metrics-port=0',
    '--health-port=20244',
    '--iptables-sync-period=30s',
    '--v=1',
  ];
}

/** The CNI network of one node: a bridge with this node's podCIDR from host-local (its state in the node's /var/lib/cni). */
export function renderCniConfig(podCidr: string): string {
  return JSON.stringify({
    cniVersion: '1.0.0',
    name: 'vmalert-ha-cluster',
    plugins: [
      {
        type: 'bridge',
        bridge: POD_BRIDGE,
        isGateway: true,
        // No masquerade: pod addresses are routed between the node namespaces as they are.
        ipMasq: false,
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: podCidr }]],
          routes: [{ dst: '0.0.0.0/0' }],
        },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  }, null, 2) + '\n';
}

/** The RBAC kube-router's policy controller needs (its upstream manifests' ClusterRole, firewall part). */
export function kubeRouterRbac(): unknown[] {
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'vmalert-ha-cluster:kube-router' },
      rules: [
        { apiGroups: [''], resources: ['namespaces', 'pods', 'services', 'nodes', 'endpoints'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch', 'update'] },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'vmalert-ha-cluster:kube-router' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'vmalert-ha-cluster:kube-router' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: KUBE_ROUTER_USER }],
    },
  ];
}

/** CoreDNS listens on an unprivileged port in its pod, so it runs as non-root without capabilities. */
export const COREDNS_PORT = 1053;

/**
 * The Corefile: cluster.local from the API, nothing forwarded (no upstream resolver is reachable from the pod
 * network, by design).
 */
export function renderCorefile(): string {
  return [
    `.:${COREDNS_PORT} {`,
    '    errors',
    '    health :8080',
    '    ready :8181',
    `    kubernetes ${CLUSTER_DOMAIN} in-addr.arpa ip6.arpa {`,
    '        pods insecure',
    '        fallthrough in-addr.arpa ip6.arpa',
    '    }',
    '    cache 30',
    '}',
    '',
  ].join('\n');
}

/** CoreDNS as cluster DNS: ServiceAccount, RBAC, ConfigMap, Deployment and the kube-dns Service at CLUSTER_DNS_IP. */
export function coreDnsObjects(image: string): unknown[] {
  const ns = 'kube-system';
  const labels = { 'k8s-app': 'kube-dns' };
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'coredns', namespace: ns } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'system:coredns' },
      rules: [
        { apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'system:coredns' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:coredns' },
      subjects: [{ kind: 'ServiceAccount', name: 'coredns', namespace: ns }],
    },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coredns', namespace: ns }, data: { Corefile: renderCorefile() } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'coredns', namespace: ns, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: 'coredns',
            dnsPolicy: 'Default',
            priorityClassName: 'system-cluster-critical',
            securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [{
              name: 'coredns',
              image,
              imagePullPolicy: 'IfNotPresent',
              args: ['-conf', '/etc/coredns/Corefile'],
              ports: [
                { name: 'dns', containerPort: COREDNS_PORT, protocol: 'UDP' },
                { name: 'dns-tcp', containerPort: COREDNS_PORT, protocol: 'TCP' },
              ],
              volumeMounts: [{ name: 'config', mountPath: '/etc/coredns', readOnly: true }],
              readinessProbe: { httpGet: { path: '/ready', port: 8181 }, periodSeconds: 2 },
              livenessProbe: { httpGet: { path: '/health', port: 8080 }, periodSeconds: 10 },
              // As kubeadm runs it: the image's binary carries the file capability cap_net_bind_service, and exec
              // of such a binary fails (EPERM) when the capability is outside the bounding set.
              securityContext: {
                allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] },
              },
              resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '128Mi' } },
            }],
            volumes: [{ name: 'config', configMap: { name: 'coredns' } }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kube-dns', namespace: ns, labels },
      spec: {
        clusterIP: CLUSTER_DNS_IP,
        selector: labels,
        ports: [
          { name: 'dns', port: 53, targetPort: COREDNS_PORT, protocol: 'UDP' },
          { name: 'dns-tcp', port: 53, targetPort: COREDNS_PORT, protocol: 'TCP' },
        ],
      },
    },
  ];
}

/** `API_SERVICE_IP` is where pods reach the API server; exported for the docs and tests. */
export const IN_CLUSTER_API = `https://${API_SERVICE_IP}:443`;
