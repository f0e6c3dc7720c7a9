/** Ports, paths, images and label keys shared by the constructs and their pure builders. */

export { VMALERT_IMAGE, ALERTMANAGER_IMAGE } from './versions';

export const VMALERT_HTTP_PORT = 8880;
export const ALERTMANAGER_WEB_PORT = 9093;
export const ALERTMANAGER_MESH_PORT = 9094;

export const VMALERT_RULES_DIR = '/etc/vmalert/rules';
/** Root of the Secret mounts (one directory per Secret) in the vmalert container. */
export const VMALERT_SECRETS_DIR = '/etc/vmalert/secrets';
/** Root of the ConfigMap mounts (CA bundles) in the vmalert container. */
export const VMALERT_CONFIGMAPS_DIR = '/etc/vmalert/configmaps';
export const VMALERT_NOTIFIER_DIR = '/etc/vmalert/notifier';
export const VMALERT_NOTIFIER_FILE = 'notifier.yml';
export const VMALERT_HEALTH_PATH = '/health';
export const VMALERT_READY_PATH = '/-/ready';
/** Where vmalert and Alertmanager serve their own metrics. */
export const METRICS_PATH = '/metrics';

export const ALERTMANAGER_CONFIG_DIR = '/etc/alertmanager/config';
export const ALERTMANAGER_CONFIG_FILE = 'alertmanager.yml';
/** `--web.config.file`, next to alertmanager.yml in the config Secret. */
export const ALERTMANAGER_WEB_CONFIG_FILE = 'web-config.yml';
/** `--cluster.tls-config`, next to alertmanager.yml in the config Secret. */
export const ALERTMANAGER_MESH_TLS_FILE = 'cluster-tls-config.yml';
export const ALERTMANAGER_SECRETS_DIR = '/etc/alertmanager/secrets';
export const ALERTMANAGER_TEMPLATES_DIR = '/etc/alertmanager/templates';
export const ALERTMANAGER_EXTRA_DIR = '/etc/alertmanager/extra';
export const ALERTMANAGER_STORAGE_PATH = '/alertmanager';
export const ALERTMANAGER_HEALTH_PATH = '/-/healthy';
export const ALERTMANAGER_READY_PATH = '/-/ready';
/**
 * Alertmanager's /-/ready answers 200 at once, before the peer has settled into the mesh (gossip settles after
 * four polls of ten gossip intervals: 10 s measured with the pinned release). A StatefulSet rollout waits this long
 * after a peer is ready before replacing the next one, so two peers are never both unsettled.
 */
export const ALERTMANAGER_MIN_READY_SECONDS = 15;

/** "nobody": both images run as root by default, and runAsNonRoot needs a numeric uid to be admitted. */
export const NON_ROOT_UID = 65534;

/** The API server rejects a ConfigMap whose data is larger than this. */
export const CONFIGMAP_MAX_BYTES = 1024 * 1024;
/** Data budget per rules ConfigMap: leaves room for metadata, annotations and the last-applied annotation. */
export const RULES_CONFIGMAP_DATA_BUDGET = 900 * 1024;

export const LABEL_PREFIX = 'cdk8s-vmalert-ha';
export const RULES_CHECKSUM_ANNOTATION = `${LABEL_PREFIX}/rules-checksum`;
export const CONFIG_CHECKSUM_ANNOTATION = `${LABEL_PREFIX}/config-checksum`;
export const COMPONENT_LABEL = 'app.kubernetes.io/component';
export const NAME_LABEL = 'app.kubernetes.io/name';

export const ZONE_TOPOLOGY_KEY = 'topology.kubernetes.io/zone';
