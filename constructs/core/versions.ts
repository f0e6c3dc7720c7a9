/**
 * The upstream releases this library deploys and tests against: the only place a version is written.
 * The default images, the pipeline's validate images and the test binaries (scripts/tools/test-tools.sh builds them
 * from these tags' Go modules) all come from here. To bump: edit a tag, then run the test command.
 *
 * Keep each entry on one line in this form: scripts/tools/test-tools.sh reads the tags from this file.
 */
export const VERSIONS = {
  /** VictoriaMetrics community release: vmalert, vmagent, vmauth, victoria-metrics, vmalert-tool. */
  victoriaMetrics: 'v1.151.0',
  /** Prometheus Alertmanager release: alertmanager, amtool. */
  alertmanager: 'v0.35.0',
  /** Kubernetes release of the test cluster's kube-apiserver and kube-controller-manager, and of kubectl. */
  kubernetes: 'v1.37.2',
  /** etcd release behind the test cluster's API server (the line kubeadm v1.37 defaults to). */
  etcd: 'v3.7.3',
} as const;

/** The vmalert image the Deployment runs by default. */
export const VMALERT_IMAGE = `victoriametrics/vmalert:${VERSIONS.victoriaMetrics}`;
/** The Alertmanager image the StatefulSet runs by default. */
export const ALERTMANAGER_IMAGE = `prom/alertmanager:${VERSIONS.alertmanager}`;
