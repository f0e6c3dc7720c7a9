/**
 * The upstream releases this library deploys and tests against: the only place a version is written.
 * The default images, the pipeline's validate images and the test binaries (scripts/test-tools.sh builds them
 * from these tags' Go modules) all come from here. To bump: edit a tag, then run the test command.
 *
 * Keep each entry on one line in this form: scripts/test-tools.sh reads the tags from this file.
 */
export const VERSIONS = {
  /** VictoriaMetrics community release: vmalert, vmagent, vmauth, victoria-metrics, vmalert-tool. */
  victoriaMetrics: 'v1.151.0',
  /** Prometheus Alertmanager release: alertmanager, amtool. */
  alertmanager: 'v0.35.0',
  /**
   * Kubernetes release of the test cluster: kube-apiserver, kube-controller-manager, kube-scheduler, kubelet,
   * kube-proxy, kubectl, and the pause image's binary (from the same tag's build/pause).
   */
  kubernetes: 'v1.37.2',
  /** etcd release behind the test cluster's API server (the line kubeadm v1.37 defaults to). */
  etcd: 'v3.7.3',
  /** containerd 2.x of the test cluster's nodes (containerd, containerd-shim-runc-v2, ctr); kubelet 1.36+ needs 2.x. */
  containerd: 'v2.4.2',
  /** runc, the OCI runtime under containerd on the test cluster's nodes (built with seccomp). */
  runc: 'v1.5.3',
  /** CNI reference plugins of the test cluster's pod network: bridge, host-local, loopback, portmap. */
  cniPlugins: 'v1.10.0',
  /** CoreDNS, the test cluster's DNS (run as a pod from a locally built image). */
  coredns: 'v1.15.0',
  /** kube-router, which enforces NetworkPolicy on the test cluster's nodes (its policy controller alone). */
  kubeRouter: 'v2.1.0',
  /** cri-tools release of crictl, the CRI client for inspecting the test cluster's nodes. */
  criTools: 'v1.37.0',
} as const;

/** The vmalert image the Deployment runs by default. */
export const VMALERT_IMAGE = `victoriametrics/vmalert:${VERSIONS.victoriaMetrics}`;
/** The Alertmanager image the StatefulSet runs by default. */
export const ALERTMANAGER_IMAGE = `prom/alertmanager:${VERSIONS.alertmanager}`;
