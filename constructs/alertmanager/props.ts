/** The props of {@link AlertmanagerCluster}, apart from the construct so the pure plan can read them. No cdk8s here. */
import type { AlertmanagerConfig, AlertmanagerConfigFile } from './config/alertmanager-config';
import type { AlertmanagerMount, NotificationTemplate } from './config/templates';
import type { NetworkPolicySettings } from '../k8s/network-policy';
import type { PodSettings, ResourceSettings } from '../k8s/workload';
import type { AlertmanagerMeshTlsSettings, AlertmanagerWebSettings } from './web-config';

/** A PersistentVolumeClaim per Alertmanager pod, for silences and the notification log. */
export interface AlertmanagerStorage {
  /** Size in GiB. */
  readonly sizeGiB: number;
  /**
   * Storage class.
   * @default - the cluster's default storage class
   */
  readonly storageClassName?: string;
}

/** Options for {@link AlertmanagerCluster}. */
export interface AlertmanagerClusterProps {
  /**
   * Number of Alertmanager peers. Use an odd number, at least 3 for high availability.
   * @default 3
   */
  readonly replicas?: number;
  /** Routing, receivers and SMTP settings, typed or from an existing file (`AlertmanagerConfig.fromFile`). */
  readonly config: AlertmanagerConfig | AlertmanagerConfigFile;
  /**
   * Namespace of every object.
   * @default - the chart's namespace, else "default"
   */
  readonly namespace?: string;
  /**
   * Container image.
   * @default - prom/alertmanager at the pinned Alertmanager release (constructs/core/versions.ts)
   */
  readonly image?: string;
  /**
   * How long silences and the notification log are kept, as `--data.retention` takes it: Go units plus `d` and
   * `w` (`168h`, `7d`), never `y`. At least the longest `repeat_interval` plus its `group_interval`: a shorter log
   * forgets sent notifications and the peers send duplicates.
   * @default "120h"
   */
  readonly retention?: string;
  /**
   * Persistent storage per pod. Peers replicate silences and the notification log to each other, so an emptyDir
   * loses nothing while one peer survives; a claim also survives losing all of them at once (a node pool drained
   * at once, the StatefulSet deleted and re-created).
   * @default - an emptyDir of `emptyDirSizeLimitMiB`
   */
  readonly storage?: AlertmanagerStorage;
  /**
   * Size limit of the emptyDir used without `storage`: the kubelet evicts a pod whose silences and notification
   * log outgrow it, instead of letting it fill the node's disk.
   * @default 256
   */
  readonly emptyDirSizeLimitMiB?: number;
  /**
   * Resources of the Alertmanager container.
   * The default is measured for 2,000 rules every 30 s and a storm of 2,000 firing alerts (docs/sizing.md);
   * `ResourceSizing` computes them for other numbers.
   * @default { cpuMillis: 20, memoryMiB: 112, memoryLimitMiB: 272 }
   */
  readonly resources?: ResourceSettings;
  /**
   * URL users reach Alertmanager at, for links in notifications; http(s) with a scheme, or Alertmanager exits. Its
   * path becomes the route prefix unless `routePrefix` is set: "https://alerts.example.com/alertmanager" serves
   * everything under /alertmanager.
   * @default - none
   */
  readonly externalUrl?: string;
  /**
   * Path Alertmanager serves every endpoint under (`--web.route-prefix`). The probes and the notifier URLs
   * vmalert gets include it.
   * @default - the path of `externalUrl`, else "/"
   */
  readonly routePrefix?: string;
  /**
   * How long a peer keeps trying to reconnect to a peer that went away (`6h`, `1d`; never `y`).
   * @default "5m"
   */
  readonly reconnectTimeout?: string;
  /**
   * `--cluster.peer-timeout`: the n-th peer in the mesh's order waits n times this for the others to send a
   * notification before it sends one itself. Route group_intervals must be above (replicas - 1) x this.
   * @default - Alertmanager's default, 15s
   */
  readonly peerTimeout?: string;
  /**
   * `--cluster.settle-timeout`: how long a starting peer waits for the gossip (silences, notification log) to
   * settle before it sends notifications.
   * @default - Alertmanager's default, 1m0s
   */
  readonly settleTimeout?: string;
  /**
   * `--cluster.label`: peers drop gossip that carries another label, so two clusters whose pods reuse each
   * other's IPs cannot merge. "" sends no label. Changing it splits the mesh until every pod has rolled.
   * @default "<namespace>/<StatefulSet name>"
   */
  readonly clusterLabel?: string;
  /**
   * TLS and basic auth on the web port 9093 (UI, API, notifications from vmalert), through a generated
   * `--web.config.file`; certificates and keys come from Secrets mounted as files.
   * @default - plain HTTP, no authentication (the NetworkPolicy limits who reaches 9093)
   */
  readonly web?: AlertmanagerWebSettings;
  /**
   * Mutual TLS on the mesh (9094), through a generated `--cluster.tls-config`: a peer without a certificate signed
   * by the CA cannot join. The mesh then runs on TCP only.
   * @default - plain gossip on TCP and UDP (the NetworkPolicy admits only the peers)
   */
  readonly meshTls?: AlertmanagerMeshTlsSettings;
  /**
   * Further Alertmanager flags, e.g. ["--web.timeout=30s"]. Checked against the pinned Alertmanager's
   * `--help`; flags the construct sets are refused with the prop to use.
   * @default - none
   */
  readonly extraArgs?: string[];
  /**
   * Notification templates, mounted from a ConfigMap and listed in alertmanager.yml's `templates`. Receivers
   * call them by name, e.g. an email `subject: '{{ template "team.subject" . }}'`.
   * @default - none (Alertmanager's built-in templates)
   */
  readonly templates?: NotificationTemplate[];
  /**
   * Secrets or ConfigMaps mounted read-only for receivers that read files (CA bundles, client certificates).
   * @default - none
   */
  readonly extraMounts?: AlertmanagerMount[];
  /**
   * Ingress NetworkPolicy: 9093 from the vmalert pods of every {@link VmalertHa} notifying this cluster and from
   * `allowFrom`; 9094 TCP and UDP from the peers only.
   * @default - enabled, no further peers
   */
  readonly networkPolicy?: NetworkPolicySettings;
  /**
   * Scheduling, pod metadata and probe timing.
   * @default - none beyond the construct's own
   */
  readonly pod?: PodSettings;
}
