import { createHash } from 'crypto';
import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { fittingName, validateApiObjects } from '../k8s/api-objects';
import { alertmanagerDocumentProblems, effectiveRoutes, retentionProblem } from './checks';
import {
  alertmanagerArgs, alertmanagerExtraArgsProblems, alertmanagerFlagDefault, alertmanagerFlagDurationMs, alertmanagerRoutePrefix, prefixedPath,
} from './args';
import {
  AlertmanagerConfig, AlertmanagerConfigFile, alertmanagerConfigDocument, dumpAlertmanagerConfig, referencedSecrets,
} from './config/alertmanager-config';
import { AlertmanagerMount, NotificationTemplate, resolveMounts, templateFiles, withTemplates } from './config/templates';
import {
  ALERTMANAGER_CONFIG_DIR, ALERTMANAGER_CONFIG_FILE, ALERTMANAGER_HEALTH_PATH, ALERTMANAGER_IMAGE, ALERTMANAGER_MIN_READY_SECONDS,
  ALERTMANAGER_MESH_PORT, ALERTMANAGER_READY_PATH, ALERTMANAGER_SECRETS_DIR, ALERTMANAGER_STORAGE_PATH,
  ALERTMANAGER_TEMPLATES_DIR, ALERTMANAGER_WEB_PORT, COMPONENT_LABEL, CONFIG_CHECKSUM_ANNOTATION, NAME_LABEL,
} from '../core/constants';
import { DURATION_HINT, formatDuration, isDuration, parseDuration } from '../core/duration';
import { ConfigError } from '../core/errors';
import { labelFrom, STATEFULSET_NAME_MAX } from '../k8s/names';
import { resolveNamespace } from '../k8s/namespace';
import { urlProblem } from '../core/url';
import { IngressPolicy, networkPeers, NetworkPolicySettings, podsPeer } from '../k8s/network-policy';
import {
  applyPodSettings, containerResources, CONTAINER_SECURITY_CONTEXT, httpProbe, PodSettings, POD_SECURITY_CONTEXT,
  ResourceSettings, spreadAndProtect,
} from '../k8s/workload';
import { checkReplicas } from '../k8s/replicas';

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
   * @default { cpuMillis: 25, memoryMiB: 64, memoryLimitMiB: 256 }
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

const DEFAULT_RESOURCES = { cpuMillis: 25, memoryMiB: 64, memoryLimitMiB: 256 };
const DEFAULT_EMPTYDIR_MIB = 256;
const POD_IP_ENV = 'POD_IP';
const STORAGE_VOLUME = 'storage';

/**
 * A meshed Alertmanager cluster: a StatefulSet whose pods gossip with each other (9094 TCP and UDP) through a
 * headless Service, a ClusterIP Service for the UI and API, a PodDisruptionBudget, and the config in a Secret.
 * Give every pod to every vmalert ({@link notifierUrls}): the mesh deduplicates, a load balancer would not.
 */
export class AlertmanagerCluster extends Construct {
  /**
   * One URL per pod, stable across restarts: `http://<pod>.<headless-service>.<namespace>.svc:9093<routePrefix>`.
   */
  public readonly notifierUrls: string[];
  /** The path every endpoint is served under ("/" for none). */
  public readonly routePrefix: string;
  /** The `--cluster.label` the peers gossip with ("" for none). */
  public readonly clusterLabel: string;
  /** The effective `--cluster.peer-timeout`. */
  public readonly peerTimeout: string;
  /** The ingress NetworkPolicy, unless disabled. */
  public readonly networkPolicy?: IngressPolicy;
  /** Stable DNS name of each pod. */
  public readonly peerHosts: string[];
  /** Number of peers. */
  public readonly replicas: number;
  /** Namespace of every object. */
  public readonly namespace: string;
  /** The StatefulSet. */
  public readonly statefulSet: kplus.StatefulSet;
  /** The headless governing Service (per-pod DNS, mesh ports). */
  public readonly headlessService: kplus.Service;
  /** ClusterIP Service for the UI and API (not for vmalert: use {@link notifierUrls}). */
  public readonly service: kplus.Service;
  /** The Secret holding alertmanager.yml. */
  public readonly configSecret: kplus.Secret;
  private readonly apiPeers?: Array<Record<string, unknown>>;

  constructor(scope: Construct, id: string, props: AlertmanagerClusterProps) {
    super(scope, id);
    const owner = `AlertmanagerCluster "${id}"`;
    this.replicas = props.replicas ?? 3;
    checkReplicas(owner, this.replicas);
    const retention = props.retention ?? '120h';
    const reconnectTimeout = props.reconnectTimeout ?? '5m';
    this.peerTimeout = props.peerTimeout ?? alertmanagerFlagDefault('cluster.peer-timeout');
    const settleTimeout = props.settleTimeout ?? alertmanagerFlagDefault('cluster.settle-timeout');
    for (const [name, flag, value] of [
      ['retention', 'data.retention', retention], ['reconnectTimeout', 'cluster.reconnect-timeout', reconnectTimeout],
      ['settleTimeout', 'cluster.settle-timeout', settleTimeout],
    ]) {
      alertmanagerFlagDurationMs(owner, name, flag, value);
    }
    const peerTimeoutMs = alertmanagerFlagDurationMs(owner, 'peerTimeout', 'cluster.peer-timeout', this.peerTimeout);
    if (peerTimeoutMs === 0) throw new ConfigError(`${owner}: peerTimeout must be above 0s: peers would all notify at once`);
    if (props.storage && (!Number.isInteger(props.storage.sizeGiB) || props.storage.sizeGiB < 1)) {
      throw new ConfigError(`${owner}: storage.sizeGiB must be a whole number >= 1, got ${props.storage.sizeGiB}`);
    }
    const emptyDirMiB = props.emptyDirSizeLimitMiB ?? DEFAULT_EMPTYDIR_MIB;
    if (!Number.isInteger(emptyDirMiB) || emptyDirMiB < 1) {
      throw new ConfigError(`${owner}: emptyDirSizeLimitMiB must be a whole number >= 1, got ${emptyDirMiB}`);
    }
    if (props.storage && props.emptyDirSizeLimitMiB !== undefined) {
      throw new ConfigError(`${owner}: emptyDirSizeLimitMiB applies to the emptyDir, which storage replaces: set one of them`);
    }
    const externalUrlProblem = props.externalUrl === undefined ? undefined : urlProblem(props.externalUrl);
    if (externalUrlProblem) {
      throw new ConfigError(`${owner}: externalUrl ${JSON.stringify(props.externalUrl)} ${externalUrlProblem} `
        + '(Alertmanager refuses to start; e.g. https://alerts.example.com/alertmanager)');
    }
    this.routePrefix = alertmanagerRoutePrefix(owner, props.externalUrl, props.routePrefix);
    const extraArgs = props.extraArgs ?? [];
    const argProblems = alertmanagerExtraArgsProblems(extraArgs);
    if (argProblems.length > 0) throw new ConfigError(argProblems.map(p => `${owner}: extraArgs: ${p}`).join('\n'));
    const templates = templateFiles(owner, props.templates ?? []);
    const extraMounts = resolveMounts(owner, props.extraMounts ?? []);
    this.namespace = resolveNamespace(this, props.namespace);
    const metadata = { namespace: this.namespace, labels: { [NAME_LABEL]: 'alertmanager', [COMPONENT_LABEL]: 'alertmanager' } };

    // Secret files may also live in Secrets mounted by extraMounts (never in a ConfigMap one).
    const secretMountDirs = extraMounts.filter(m => m.kind === 'secret').map(m => m.mountPath);
    const ownDocument = alertmanagerConfigDocument(props.config, owner, secretMountDirs);
    const where = props.config instanceof AlertmanagerConfigFile ? props.config.source : `${owner}: config (alertmanager.yml)`;
    const configProblems = alertmanagerDocumentProblems(ownDocument);
    if (configProblems.length > 0) throw new ConfigError(configProblems.map(p => `${where} ${p}`).join('\n'));
    const document = Object.keys(templates).length > 0 ? withTemplates(ownDocument) : ownDocument;
    checkGroupIntervals(owner, document, this.replicas, this.peerTimeout, peerTimeoutMs);
    const shortRetention = retentionProblem(retention, document);
    if (shortRetention) throw new ConfigError(`${owner}: ${shortRetention}`);
    const configText = dumpAlertmanagerConfig(document);
    // A Secret, not a ConfigMap: alertmanager.yml may hold receiver URLs with tokens.
    this.configSecret = new kplus.Secret(this, 'config', {
      metadata,
      stringData: { [ALERTMANAGER_CONFIG_FILE]: configText },
    });

    this.headlessService = new kplus.Service(this, 'mesh', {
      metadata,
      clusterIP: 'None',
      // Peers must find each other before they are ready: readiness waits for the mesh to settle.
      publishNotReadyAddresses: true,
      ports: [
        { name: 'web', port: ALERTMANAGER_WEB_PORT, targetPort: ALERTMANAGER_WEB_PORT },
        { name: 'tcp-mesh', port: ALERTMANAGER_MESH_PORT, targetPort: ALERTMANAGER_MESH_PORT, protocol: kplus.Protocol.TCP },
        { name: 'udp-mesh', port: ALERTMANAGER_MESH_PORT, targetPort: ALERTMANAGER_MESH_PORT, protocol: kplus.Protocol.UDP },
      ],
    });

    // A generated name over 52 characters would leave the StatefulSet without pods: shorten it, with a hash.
    const fittedName = fittingName(this, ['Resource', 'Resource'], 'StatefulSet', STATEFULSET_NAME_MAX);
    this.statefulSet = new kplus.StatefulSet(this, 'Resource', {
      metadata: { ...metadata, ...(fittedName ? { name: fittedName } : {}) },
      replicas: this.replicas,
      service: this.headlessService,
      podManagementPolicy: kplus.PodManagementPolicy.PARALLEL,
      minReady: Duration.seconds(ALERTMANAGER_MIN_READY_SECONDS),
      securityContext: POD_SECURITY_CONTEXT,
      automountServiceAccountToken: false,
      podMetadata: { labels: metadata.labels },
    });
    const headlessName = this.headlessService.name;
    const stsName = this.statefulSet.name;
    this.peerHosts = Array.from({ length: this.replicas }, (_, i) => `${stsName}-${i}.${headlessName}.${this.namespace}.svc`);
    this.notifierUrls = this.peerHosts.map(host => `http://${host}:${ALERTMANAGER_WEB_PORT}${prefixedPath(this.routePrefix, '')}`);
    this.clusterLabel = props.clusterLabel ?? `${this.namespace}/${stsName}`;
    if (/\s/.test(this.clusterLabel) || this.clusterLabel.length > 255) {
      throw new ConfigError(`${owner}: clusterLabel ${JSON.stringify(this.clusterLabel)} must be at most 255 characters without spaces`);
    }

    const container = this.statefulSet.addContainer({
      name: 'alertmanager',
      image: props.image ?? ALERTMANAGER_IMAGE,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      args: alertmanagerArgs({
        configFile: `${ALERTMANAGER_CONFIG_DIR}/${ALERTMANAGER_CONFIG_FILE}`,
        storagePath: ALERTMANAGER_STORAGE_PATH,
        retention,
        webPort: ALERTMANAGER_WEB_PORT,
        meshPort: ALERTMANAGER_MESH_PORT,
        peerHosts: this.peerHosts,
        reconnectTimeout,
        podIpEnv: POD_IP_ENV,
        externalUrl: props.externalUrl,
        routePrefix: this.routePrefix,
        clusterLabel: this.clusterLabel,
        peerTimeout: this.peerTimeout,
        settleTimeout,
        extraArgs,
      }),
      envVariables: { [POD_IP_ENV]: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_IP) },
      ports: [
        { name: 'web', number: ALERTMANAGER_WEB_PORT },
        { name: 'mesh-tcp', number: ALERTMANAGER_MESH_PORT, protocol: kplus.Protocol.TCP },
        { name: 'mesh-udp', number: ALERTMANAGER_MESH_PORT, protocol: kplus.Protocol.UDP },
      ],
      liveness: httpProbe(owner, 'livenessProbe', prefixedPath(this.routePrefix, ALERTMANAGER_HEALTH_PATH), ALERTMANAGER_WEB_PORT,
        { periodSeconds: 10, failureThreshold: 6 }, props.pod?.livenessProbe),
      readiness: httpProbe(owner, 'readinessProbe', prefixedPath(this.routePrefix, ALERTMANAGER_READY_PATH), ALERTMANAGER_WEB_PORT,
        { periodSeconds: 5 }, props.pod?.readinessProbe),
      resources: containerResources(owner, props.resources, DEFAULT_RESOURCES),
      securityContext: CONTAINER_SECURITY_CONTEXT,
    });
    container.mount(ALERTMANAGER_CONFIG_DIR, kplus.Volume.fromSecret(this, 'config-volume', this.configSecret, { name: 'config' }), { readOnly: true });
    const secretNames = new Set(referencedSecrets(props.config, secretMountDirs).map(ref => ref.secretName));
    for (const secretName of secretNames) {
      const secret = kplus.Secret.fromSecretName(this, `secret-${secretName}`, secretName);
      const volume = kplus.Volume.fromSecret(this, `secret-volume-${secretName}`, secret, { name: labelFrom(`secret-${secretName}`) });
      container.mount(`${ALERTMANAGER_SECRETS_DIR}/${secretName}`, volume, { readOnly: true });
    }
    let templatesText = '';
    if (Object.keys(templates).length > 0) {
      const configMap = new kplus.ConfigMap(this, 'templates', { metadata, data: templates });
      container.mount(ALERTMANAGER_TEMPLATES_DIR, kplus.Volume.fromConfigMap(this, 'templates-volume', configMap, { name: 'templates' }), { readOnly: true });
      templatesText = JSON.stringify(templates);
    }
    extraMounts.forEach((mount, i) => {
      const volumeName = `extra-${i}`;
      const volume = mount.kind === 'secret'
        ? kplus.Volume.fromSecret(this, `extra-volume-${i}`, kplus.Secret.fromSecretName(this, `extra-secret-${i}`, mount.name), { name: volumeName })
        : kplus.Volume.fromConfigMap(this, `extra-volume-${i}`, kplus.ConfigMap.fromConfigMapName(this, `extra-configmap-${i}`, mount.name), { name: volumeName });
      container.mount(mount.mountPath, volume, { readOnly: true });
    });
    if (props.storage) {
      this.addClaimTemplate(props.storage);
    } else {
      container.mount(ALERTMANAGER_STORAGE_PATH, kplus.Volume.fromEmptyDir(this, 'storage-volume', STORAGE_VOLUME, {
        sizeLimit: Size.mebibytes(emptyDirMiB),
      }));
    }
    // Config and template changes roll the pods one at a time; silences and the notification log survive through the mesh.
    this.statefulSet.podMetadata.addAnnotation(CONFIG_CHECKSUM_ANNOTATION,
      createHash('sha256').update(configText).update(templatesText).digest('hex'));
    spreadAndProtect(this, this.statefulSet, this.replicas, this.namespace);
    applyPodSettings(owner, this.statefulSet, props.pod);
    validateApiObjects(this);

    this.service = new kplus.Service(this, 'api', {
      metadata,
      selector: this.statefulSet,
      ports: [{ name: 'web', port: ALERTMANAGER_WEB_PORT, targetPort: ALERTMANAGER_WEB_PORT }],
    });

    if (props.networkPolicy?.enabled ?? true) {
      this.networkPolicy = new IngressPolicy(this, 'network-policy', {
        namespace: this.namespace, podSelector: this.statefulSet.matchLabels, labels: metadata.labels,
      });
      this.apiPeers = this.networkPolicy.allow([{ port: ALERTMANAGER_WEB_PORT, protocol: 'TCP' }],
        networkPeers(owner, props.networkPolicy?.allowFrom));
      if (this.replicas > 1) {
        this.networkPolicy.allow(
          [{ port: ALERTMANAGER_MESH_PORT, protocol: 'TCP' }, { port: ALERTMANAGER_MESH_PORT, protocol: 'UDP' }],
          [podsPeer(this.statefulSet.matchLabels, this.namespace, this.namespace)],
        );
      }
    }
  }

  /**
   * Lets pods with `podLabels` in `namespace` reach the API on 9093 through the NetworkPolicy; {@link VmalertHa}
   * calls it for its pods. Does nothing when the NetworkPolicy is disabled.
   */
  public allowApiFrom(podLabels: Record<string, string>, namespace: string): void {
    this.apiPeers?.push(podsPeer(podLabels, namespace, this.namespace));
  }

  private addClaimTemplate(storage: AlertmanagerStorage): void {
    const sts = ApiObject.of(this.statefulSet);
    sts.addJsonPatch(
      JsonPatch.add('/spec/volumeClaimTemplates', [{
        metadata: { name: STORAGE_VOLUME },
        spec: {
          accessModes: ['ReadWriteOnce'],
          ...(storage.storageClassName ? { storageClassName: storage.storageClassName } : {}),
          // The StatefulSet's typed serializer runs after patches and expects a Quantity here, not a string.
          resources: { requests: { storage: kplus.k8s.Quantity.fromString(`${storage.sizeGiB}Gi`) } },
        },
      }]),
      JsonPatch.add('/spec/template/spec/containers/0/volumeMounts/-', { name: STORAGE_VOLUME, mountPath: ALERTMANAGER_STORAGE_PATH }),
    );
  }
}

/**
 * A group_interval at or below the longest peer wait lets a peer that is still waiting its turn send a stale
 * [FIRING] after another peer already sent [RESOLVED].
 */
function checkGroupIntervals(owner: string, document: Record<string, unknown>, replicas: number, peerTimeout: string, peerTimeoutMs: number): void {
  const longestWait = (replicas - 1) * peerTimeoutMs;
  for (const { at, groupInterval: value, groupIntervalSet } of effectiveRoutes(document)) {
    if (!isDuration(value)) throw new ConfigError(`${owner}: config ${at}.group_interval ${JSON.stringify(value)} is not a duration (${DURATION_HINT})`);
    if (replicas > 1 && parseDuration(value) <= longestWait) {
      const source = groupIntervalSet ? '' : ' (inherited or Alertmanager\'s default: set group_interval explicitly)';
      throw new ConfigError(`${owner}: config ${at}.group_interval ${value}${source} must be above ${formatDuration(longestWait)} `
        + `(${replicas - 1} peers x the ${peerTimeout} peer timeout): a peer still waiting its turn could send a stale [FIRING] `
        + 'after another sent [RESOLVED]; raise it (or lower peerTimeout)');
    }
  }
}

