import { createHash } from 'crypto';
import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { alertmanagerArgs } from './alertmanager-args';
import { fittingName, validateApiObjects } from './api-objects';
import { alertmanagerDocumentProblems, effectiveRoutes, retentionProblem } from './alertmanager-checks';
import {
  AlertmanagerConfig, AlertmanagerConfigFile, alertmanagerConfigDocument, dumpAlertmanagerConfig, referencedSecrets,
} from './alertmanager-config';
import {
  ALERTMANAGER_CONFIG_DIR, ALERTMANAGER_CONFIG_FILE, ALERTMANAGER_HEALTH_PATH, ALERTMANAGER_IMAGE, ALERTMANAGER_MIN_READY_SECONDS,
  ALERTMANAGER_MESH_PORT, ALERTMANAGER_READY_PATH, ALERTMANAGER_SECRETS_DIR, ALERTMANAGER_STORAGE_PATH,
  ALERTMANAGER_WEB_PORT, COMPONENT_LABEL, CONFIG_CHECKSUM_ANNOTATION, NAME_LABEL,
} from './constants';
import { DURATION_HINT, flagDurationHint, formatDuration, isDuration, isFlagDuration, parseDuration } from './duration';
import { ConfigError } from './errors';
import { labelFrom, STATEFULSET_NAME_MAX } from './k8s-names';
import { resolveNamespace } from './namespace';
import { urlProblem } from './url';
import {
  checkReplicas, containerResources, CONTAINER_SECURITY_CONTEXT, POD_SECURITY_CONTEXT, ResourceSettings, spreadAndProtect,
} from './workload';

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
   * @default "prom/alertmanager:v0.27.0"
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
   * Persistent storage per pod. Peers replicate silences to each other, so an emptyDir loses nothing while one
   * peer survives; a claim also survives losing all of them at once.
   * @default - an emptyDir
   */
  readonly storage?: AlertmanagerStorage;
  /**
   * Resources of the Alertmanager container.
   * @default { cpuMillis: 25, memoryMiB: 64, memoryLimitMiB: 256 }
   */
  readonly resources?: ResourceSettings;
  /**
   * URL users reach Alertmanager at, for links in notifications; http(s) with a scheme, or Alertmanager exits.
   * @default - none
   */
  readonly externalUrl?: string;
  /**
   * How long a peer keeps trying to reconnect to a peer that went away (`6h`, `1d`; never `y`).
   * @default "5m"
   */
  readonly reconnectTimeout?: string;
}

const DEFAULT_RESOURCES = { cpuMillis: 25, memoryMiB: 64, memoryLimitMiB: 256 };
/** Alertmanager's --cluster.peer-timeout: the n-th peer waits n times this before it notifies. */
const PEER_TIMEOUT_MS = 15_000;
const POD_IP_ENV = 'POD_IP';
const STORAGE_VOLUME = 'storage';

/**
 * A meshed Alertmanager cluster: a StatefulSet whose pods gossip with each other (9094 TCP and UDP) through a
 * headless Service, a ClusterIP Service for the UI and API, a PodDisruptionBudget, and the config in a Secret.
 * Give every pod to every vmalert ({@link notifierUrls}): the mesh deduplicates, a load balancer would not.
 */
export class AlertmanagerCluster extends Construct {
  /** One URL per pod, stable across restarts: `http://<pod>.<headless-service>.<namespace>.svc:9093`. */
  public readonly notifierUrls: string[];
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

  constructor(scope: Construct, id: string, props: AlertmanagerClusterProps) {
    super(scope, id);
    const owner = `AlertmanagerCluster "${id}"`;
    this.replicas = props.replicas ?? 3;
    checkReplicas(owner, this.replicas);
    const retention = props.retention ?? '120h';
    const reconnectTimeout = props.reconnectTimeout ?? '5m';
    for (const [name, flag, value] of [['retention', '--data.retention', retention], ['reconnectTimeout', '--cluster.reconnect-timeout', reconnectTimeout]]) {
      if (!isFlagDuration(value, 'kingpin')) {
        throw new ConfigError(`${owner}: ${name} ${JSON.stringify(value)} is not a duration that Alertmanager's ${flag} accepts (${flagDurationHint(value, 'kingpin')})`);
      }
    }
    if (props.storage && (!Number.isInteger(props.storage.sizeGiB) || props.storage.sizeGiB < 1)) {
      throw new ConfigError(`${owner}: storage.sizeGiB must be a whole number >= 1, got ${props.storage.sizeGiB}`);
    }
    this.namespace = resolveNamespace(this, props.namespace);
    const metadata = { namespace: this.namespace, labels: { [NAME_LABEL]: 'alertmanager', [COMPONENT_LABEL]: 'alertmanager' } };

    const document = alertmanagerConfigDocument(props.config, owner);
    const where = props.config instanceof AlertmanagerConfigFile ? props.config.source : `${owner}: config (alertmanager.yml)`;
    const configProblems = alertmanagerDocumentProblems(document);
    if (configProblems.length > 0) throw new ConfigError(configProblems.map(p => `${where} ${p}`).join('\n'));
    checkGroupIntervals(owner, document, this.replicas);
    const shortRetention = retentionProblem(retention, document);
    if (shortRetention) throw new ConfigError(`${owner}: ${shortRetention}`);
    const externalUrlProblem = props.externalUrl === undefined ? undefined : urlProblem(props.externalUrl);
    if (externalUrlProblem) {
      throw new ConfigError(`${owner}: externalUrl ${JSON.stringify(props.externalUrl)} ${externalUrlProblem} (Alertmanager refuses to start; e.g. https://alertmanager.example.org)`);
    }
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
    const stsName = fittingName(this, ['Resource', 'Resource'], 'StatefulSet', STATEFULSET_NAME_MAX);
    this.statefulSet = new kplus.StatefulSet(this, 'Resource', {
      metadata: { ...metadata, ...(stsName ? { name: stsName } : {}) },
      replicas: this.replicas,
      service: this.headlessService,
      podManagementPolicy: kplus.PodManagementPolicy.PARALLEL,
      minReady: Duration.seconds(ALERTMANAGER_MIN_READY_SECONDS),
      securityContext: POD_SECURITY_CONTEXT,
      automountServiceAccountToken: false,
      podMetadata: { labels: metadata.labels },
    });
    const headlessName = this.headlessService.name;
    this.peerHosts = Array.from({ length: this.replicas }, (_, i) => `${this.statefulSet.name}-${i}.${headlessName}.${this.namespace}.svc`);
    this.notifierUrls = this.peerHosts.map(host => `http://${host}:${ALERTMANAGER_WEB_PORT}`);

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
      }),
      envVariables: { [POD_IP_ENV]: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_IP) },
      ports: [
        { name: 'web', number: ALERTMANAGER_WEB_PORT },
        { name: 'mesh-tcp', number: ALERTMANAGER_MESH_PORT, protocol: kplus.Protocol.TCP },
        { name: 'mesh-udp', number: ALERTMANAGER_MESH_PORT, protocol: kplus.Protocol.UDP },
      ],
      liveness: kplus.Probe.fromHttpGet(ALERTMANAGER_HEALTH_PATH, { port: ALERTMANAGER_WEB_PORT, periodSeconds: Duration.seconds(10), failureThreshold: 6 }),
      readiness: kplus.Probe.fromHttpGet(ALERTMANAGER_READY_PATH, { port: ALERTMANAGER_WEB_PORT, periodSeconds: Duration.seconds(5) }),
      resources: containerResources(owner, props.resources, DEFAULT_RESOURCES),
      securityContext: CONTAINER_SECURITY_CONTEXT,
    });
    container.mount(ALERTMANAGER_CONFIG_DIR, kplus.Volume.fromSecret(this, 'config-volume', this.configSecret, { name: 'config' }), { readOnly: true });
    const secretNames = new Set(referencedSecrets(props.config).map(ref => ref.secretName));
    for (const secretName of secretNames) {
      const secret = kplus.Secret.fromSecretName(this, `secret-${secretName}`, secretName);
      const volume = kplus.Volume.fromSecret(this, `secret-volume-${secretName}`, secret, { name: labelFrom(`secret-${secretName}`) });
      container.mount(`${ALERTMANAGER_SECRETS_DIR}/${secretName}`, volume, { readOnly: true });
    }
    if (props.storage) {
      this.addClaimTemplate(props.storage);
    } else {
      container.mount(ALERTMANAGER_STORAGE_PATH, kplus.Volume.fromEmptyDir(this, 'storage-volume', STORAGE_VOLUME));
    }
    // Config changes roll the pods one at a time; silences and the notification log survive through the mesh.
    this.statefulSet.podMetadata.addAnnotation(CONFIG_CHECKSUM_ANNOTATION, createHash('sha256').update(configText).digest('hex'));
    spreadAndProtect(this, this.statefulSet, this.replicas, this.namespace);
    validateApiObjects(this);

    this.service = new kplus.Service(this, 'api', {
      metadata,
      selector: this.statefulSet,
      ports: [{ name: 'web', port: ALERTMANAGER_WEB_PORT, targetPort: ALERTMANAGER_WEB_PORT }],
    });
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
function checkGroupIntervals(owner: string, document: Record<string, unknown>, replicas: number): void {
  const longestWait = (replicas - 1) * PEER_TIMEOUT_MS;
  for (const { at, groupInterval: value, groupIntervalSet } of effectiveRoutes(document)) {
    if (!isDuration(value)) throw new ConfigError(`${owner}: config ${at}.group_interval ${JSON.stringify(value)} is not a duration (${DURATION_HINT})`);
    if (replicas > 1 && parseDuration(value) <= longestWait) {
      const source = groupIntervalSet ? '' : ' (inherited or Alertmanager\'s default: set group_interval explicitly)';
      throw new ConfigError(`${owner}: config ${at}.group_interval ${value}${source} must be above ${formatDuration(longestWait)} `
        + `(${replicas - 1} peers x the 15s peer timeout): a peer still waiting its turn could send a stale [FIRING] `
        + 'after another sent [RESOLVED]; raise it');
    }
  }
}
