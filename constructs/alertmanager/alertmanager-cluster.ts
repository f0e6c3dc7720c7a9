import { createHash } from 'crypto';
import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  ALERTMANAGER_CONFIG_DIR, ALERTMANAGER_CONFIG_FILE, ALERTMANAGER_HEALTH_PATH, ALERTMANAGER_IMAGE, ALERTMANAGER_MESH_TLS_FILE,
  ALERTMANAGER_MIN_READY_SECONDS, ALERTMANAGER_MESH_PORT, ALERTMANAGER_READY_PATH, ALERTMANAGER_WEB_CONFIG_FILE, ALERTMANAGER_SECRETS_DIR, ALERTMANAGER_STORAGE_PATH,
  ALERTMANAGER_TEMPLATES_DIR, ALERTMANAGER_WEB_PORT, COMPONENT_LABEL, CONFIG_CHECKSUM_ANNOTATION, NAME_LABEL,
} from '../core/constants';
import { ConfigError } from '../core/errors';
import { fittingName, validateApiObjects } from '../k8s/api-objects';
import { labelFrom, STATEFULSET_NAME_MAX } from '../k8s/names';
import { resolveNamespace } from '../k8s/namespace';
import { IngressPolicy, networkPeers, podsPeer } from '../k8s/network-policy';
import {
  addExtraMounts, applyPodSettings, containerResources, CONTAINER_SECURITY_CONTEXT, httpProbe, POD_SECURITY_CONTEXT, spreadAndProtect,
} from '../k8s/workload';
import { DEFAULT_SIZING_WORKLOAD, sizedResources } from '../k8s/sizing';
import { alertmanagerArgs, prefixedPath } from './args';
import { planAlertmanager } from './plan';
import type { TeamRouteProps } from './config/team-routes';
import type { AlertmanagerClusterProps, AlertmanagerStorage } from './props';
import type { SecretKeyRef } from '../k8s/secret-refs';
import { addUiIngress, UiIngressProps } from '../k8s/ui-ingress';
import { AlertmanagerWebSettings, renderMeshTlsConfig } from './web-config';

/** Sized by measurement for the default workload (k8s/sizing.ts, docs/sizing.md). */
const DEFAULT_RESOURCES = sizedResources('alertmanager', DEFAULT_SIZING_WORKLOAD);
const POD_IP_ENV = 'POD_IP';
const STORAGE_VOLUME = 'storage';

/**
 * A meshed Alertmanager cluster: a StatefulSet whose pods gossip with each other (9094 TCP and UDP) through a
 * headless Service, a ClusterIP Service for the UI and API, a PodDisruptionBudget, and the config in a Secret.
 * Give every pod to every vmalert ({@link notifierUrls}): the mesh deduplicates, a load balancer would not.
 */
export class AlertmanagerCluster extends Construct {
  /**
   * One URL per pod, stable across restarts: `http://<pod>.<headless-service>.<namespace>.svc:9093<routePrefix>`,
   * `https://` with `web.tls`.
   */
  public readonly notifierUrls: string[];
  /** TLS and basic auth of the web port, as given: {@link VmalertHa} checks its `notifierAuth` against them. */
  public readonly web?: AlertmanagerWebSettings;
  /**
   * The name each peer's mesh certificate must carry (`<headless Service>.<namespace>.svc`): peers dial each other by
   * pod IP and check this name instead.
   */
  public readonly meshTlsServerName: string;
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
  private readonly props: AlertmanagerClusterProps;
  private readonly container: kplus.Container;
  private readonly teamRoutes: TeamRouteProps[] = [];
  private readonly mountedSecrets = new Set<string>();
  private templatesText = '';
  /** The web and mesh TLS files: they change what the pods serve and roll them like alertmanager.yml does. */
  private securityText = '';
  private readonly labels: Record<string, string>;

  constructor(scope: Construct, id: string, props: AlertmanagerClusterProps) {
    super(scope, id);
    this.props = props;
    const plan = planAlertmanager(id, props);
    const { owner, extraMounts, templates, configText } = plan;
    CONFIG_TEXTS.set(this, configText);
    this.replicas = plan.replicas;
    this.peerTimeout = plan.peerTimeout;
    this.routePrefix = plan.routePrefix;
    this.namespace = resolveNamespace(this, props.namespace);
    this.labels = { [NAME_LABEL]: 'alertmanager', [COMPONENT_LABEL]: 'alertmanager' };
    const metadata = { namespace: this.namespace, labels: this.labels };

    this.web = props.web;
    // A Secret, not a ConfigMap: alertmanager.yml may hold receiver URLs with tokens, the web config bcrypt hashes.
    // Filled below, once the mesh server name (from the headless Service's name) is known.
    const configFiles: Record<string, string> = { [ALERTMANAGER_CONFIG_FILE]: configText };
    this.configSecret = new kplus.Secret(this, 'config', { metadata });

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
    const scheme = plan.webTls ? 'https' : 'http';
    this.notifierUrls = this.peerHosts.map(host => `${scheme}://${host}:${ALERTMANAGER_WEB_PORT}${prefixedPath(this.routePrefix, '')}`);
    this.meshTlsServerName = `${headlessName}.${this.namespace}.svc`;
    if (plan.webConfigText !== undefined) configFiles[ALERTMANAGER_WEB_CONFIG_FILE] = plan.webConfigText;
    if (props.meshTls) configFiles[ALERTMANAGER_MESH_TLS_FILE] = renderMeshTlsConfig(props.meshTls, this.meshTlsServerName);
    for (const [file, text] of Object.entries(configFiles)) this.configSecret.addStringData(file, text);
    // The web and mesh files change what the pods serve: they roll the pods like alertmanager.yml does.
    const securityText = [ALERTMANAGER_WEB_CONFIG_FILE, ALERTMANAGER_MESH_TLS_FILE].map(file => configFiles[file] ?? '').join('');
    const probeTransport = plan.webNeedsCredentials ? 'tcp' : scheme;
    this.clusterLabel = props.clusterLabel ?? `${this.namespace}/${stsName}`;
    if (/\s/.test(this.clusterLabel) || this.clusterLabel.length > 255) {
      throw new ConfigError(`${owner}: clusterLabel ${JSON.stringify(this.clusterLabel)} must be at most 255 characters without spaces`);
    }

    const container = this.container = this.statefulSet.addContainer({
      name: 'alertmanager',
      image: props.image ?? ALERTMANAGER_IMAGE,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      args: alertmanagerArgs({
        configFile: `${ALERTMANAGER_CONFIG_DIR}/${ALERTMANAGER_CONFIG_FILE}`,
        storagePath: ALERTMANAGER_STORAGE_PATH,
        retention: plan.retention,
        webPort: ALERTMANAGER_WEB_PORT,
        meshPort: ALERTMANAGER_MESH_PORT,
        peerHosts: this.peerHosts,
        reconnectTimeout: plan.reconnectTimeout,
        podIpEnv: POD_IP_ENV,
        externalUrl: props.externalUrl,
        routePrefix: this.routePrefix,
        clusterLabel: this.clusterLabel,
        peerTimeout: this.peerTimeout,
        settleTimeout: plan.settleTimeout,
        webConfigFile: configFiles[ALERTMANAGER_WEB_CONFIG_FILE] ? `${ALERTMANAGER_CONFIG_DIR}/${ALERTMANAGER_WEB_CONFIG_FILE}` : undefined,
        meshTlsConfigFile: configFiles[ALERTMANAGER_MESH_TLS_FILE] ? `${ALERTMANAGER_CONFIG_DIR}/${ALERTMANAGER_MESH_TLS_FILE}` : undefined,
        extraArgs: plan.extraArgs,
      }),
      envVariables: { [POD_IP_ENV]: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_IP) },
      ports: [
        { name: 'web', number: ALERTMANAGER_WEB_PORT },
        { name: 'mesh-tcp', number: ALERTMANAGER_MESH_PORT, protocol: kplus.Protocol.TCP },
        { name: 'mesh-udp', number: ALERTMANAGER_MESH_PORT, protocol: kplus.Protocol.UDP },
      ],
      liveness: httpProbe(owner, 'livenessProbe', prefixedPath(this.routePrefix, ALERTMANAGER_HEALTH_PATH), ALERTMANAGER_WEB_PORT,
        { periodSeconds: 10, failureThreshold: 6 }, props.pod?.livenessProbe, probeTransport),
      readiness: httpProbe(owner, 'readinessProbe', prefixedPath(this.routePrefix, ALERTMANAGER_READY_PATH), ALERTMANAGER_WEB_PORT,
        { periodSeconds: 5 }, props.pod?.readinessProbe, probeTransport),
      resources: containerResources(owner, props.resources, DEFAULT_RESOURCES),
      securityContext: CONTAINER_SECURITY_CONTEXT,
    });
    container.mount(ALERTMANAGER_CONFIG_DIR, kplus.Volume.fromSecret(this, 'config-volume', this.configSecret, { name: 'config' }), { readOnly: true });
    this.mountSecrets(plan.secretRefs);
    if (Object.keys(templates).length > 0) {
      const configMap = new kplus.ConfigMap(this, 'templates', { metadata, data: templates });
      container.mount(ALERTMANAGER_TEMPLATES_DIR, kplus.Volume.fromConfigMap(this, 'templates-volume', configMap, { name: 'templates' }), { readOnly: true });
      this.templatesText = JSON.stringify(templates);
    }
    addExtraMounts(this, container, extraMounts);
    if (props.storage) {
      this.addClaimTemplate(props.storage);
    } else {
      container.mount(ALERTMANAGER_STORAGE_PATH, kplus.Volume.fromEmptyDir(this, 'storage-volume', STORAGE_VOLUME, {
        sizeLimit: Size.mebibytes(plan.emptyDirMiB),
      }));
    }
    this.securityText = securityText;
    this.setConfigText(configText);
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
        // The mesh over TLS is TCP only: its UDP port stays closed.
        this.networkPolicy.allow(
          [{ port: ALERTMANAGER_MESH_PORT, protocol: 'TCP' }, ...(props.meshTls ? [] : [{ port: ALERTMANAGER_MESH_PORT, protocol: 'UDP' as const }])],
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

  /**
   * Adds a team's receivers and route, confined to the alerts whose `matchLabel` (default "team") is the team's:
   * the route goes first under the top-level route, with the enforced matcher, and the team's alerts end there.
   * Another team's chart can call it with the cluster it was given. Refuses a receiver name already taken, a
   * route that names another team's or the cluster's receivers, a matcher on the enforced label, `continue` on
   * the team's route, and anything else Alertmanager would refuse, naming the team, route and prop.
   */
  public addTeamRoute(props: TeamRouteProps): void {
    const plan = planAlertmanager(this.node.id, this.props, [...this.teamRoutes, props]);
    this.teamRoutes.push(props);
    this.setConfigText(plan.configText);
    this.mountSecrets(plan.secretRefs);
  }

  private setConfigText(configText: string): void {
    this.configSecret.addStringData(ALERTMANAGER_CONFIG_FILE, configText);
    // Config and template changes roll the pods one at a time; silences and the notification log survive through the mesh.
    this.statefulSet.podMetadata.addAnnotation(CONFIG_CHECKSUM_ANNOTATION,
      createHash('sha256').update(configText).update(this.templatesText).update(this.securityText).digest('hex'));
  }

  /** Mounts each Secret the config reads files from, once, under the secrets directory. */
  private mountSecrets(refs: readonly SecretKeyRef[]): void {
    for (const secretName of new Set(refs.map(ref => ref.secretName))) {
      if (this.mountedSecrets.has(secretName)) continue;
      this.mountedSecrets.add(secretName);
      const secret = kplus.Secret.fromSecretName(this, `secret-${secretName}`, secretName);
      const volume = kplus.Volume.fromSecret(this, `secret-volume-${secretName}`, secret, { name: labelFrom(`secret-${secretName}`) });
      this.container.mount(`${ALERTMANAGER_SECRETS_DIR}/${secretName}`, volume, { readOnly: true });
    }
  }

  /**
   * An Ingress for the UI and API at `props.host`, behind the authentication `props.auth` requires and TLS
   * (unless `allowPlainHttp`); it lets `ingressControllerPods` through the NetworkPolicy to 9093. Serves the
   * route prefix's path.
   */
  public addIngress(props: UiIngressProps): kplus.Ingress {
    const owner = `AlertmanagerCluster "${this.node.id}": addIngress`;
    if (this.node.tryFindChild('ingress')) throw new ConfigError(`${owner}: the cluster already has an Ingress; give it one host`);
    return addUiIngress(this, {
      owner, namespace: this.namespace, labels: this.labels, service: this.service, port: ALERTMANAGER_WEB_PORT,
      path: this.routePrefix, networkPolicy: this.networkPolicy, https: this.web?.tls !== undefined,
      unreachableBecause: this.web?.tls?.clientCa === undefined ? undefined
        : 'web.tls.clientCa makes the pods ask every connection for a client certificate, which the Ingress controller does not '
          + 'present: every request would fail; serve the UI through something that holds a client certificate instead',
    }, props);
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

/** The rendered alertmanager.yml of each cluster, for the checks of the vmalert that notifies it. */
const CONFIG_TEXTS = new WeakMap<AlertmanagerCluster, string>();

/** The alertmanager.yml `cluster` renders (routes included). */
export function alertmanagerConfigText(cluster: AlertmanagerCluster): string {
  const text = CONFIG_TEXTS.get(cluster);
  if (text === undefined) throw new Error('alertmanagerConfigText: not an AlertmanagerCluster built by this library');
  return text;
}
