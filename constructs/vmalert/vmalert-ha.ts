import { createHash } from 'crypto';
import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { AlertmanagerCluster, alertmanagerConfigText } from '../alertmanager/alertmanager-cluster';
import { flagDurationHint, isFlagDuration, parseFlagDuration } from '../core/duration';
import {
  COMPONENT_LABEL, NAME_LABEL, RULES_CHECKSUM_ANNOTATION, VMALERT_HEALTH_PATH, VMALERT_HTTP_PORT, VMALERT_IMAGE,
  VMALERT_NOTIFIER_DIR, VMALERT_NOTIFIER_FILE, VMALERT_READY_PATH, VMALERT_RULES_DIR, VMALERT_TEMPLATES_DIR,
} from '../core/constants';
import { ConfigError } from '../core/errors';
import { validateApiObjects } from '../k8s/api-objects';
import { resolveNamespace } from '../k8s/namespace';
import { IngressPolicy, networkPeers } from '../k8s/network-policy';
import { addUiIngress, UiIngressProps } from '../k8s/ui-ingress';
import {
  addExtraMounts, applyPodSettings, containerResources, CONTAINER_SECURITY_CONTEXT, httpProbe, POD_SECURITY_CONTEXT, spreadAndProtect,
} from '../k8s/workload';
import { DEFAULT_SIZING_WORKLOAD, sizedResources } from '../k8s/sizing';
import { vmalertArgs } from './args';
import { uniqueVolumes } from './endpoint-auth';
import { knownServiceProblems } from './notifier-services';
import { DEFAULT_EVAL_DELAY, DEFAULT_EVALUATION_INTERVAL, planVmalert, VMALERT_CONTAINER_ENV } from './plan';
import { stormSafeGroupWait, stormSplitWarnings } from './storm';
import type { VmalertHaProps } from './props';
import { notifierAuthProblems } from './tls';

/** Sized by measurement for the default workload (k8s/sizing.ts, docs/sizing.md). */
const DEFAULT_RESOURCES = sizedResources('vmalert', DEFAULT_SIZING_WORKLOAD);
/** The vmalert container's environment (Downward API): what `$(...)` in its arguments can refer to. */
const CONTAINER_ENV: Record<typeof VMALERT_CONTAINER_ENV[number], kplus.EnvFieldPaths> = {
  POD_NAME: kplus.EnvFieldPaths.POD_NAME,
  POD_NAMESPACE: kplus.EnvFieldPaths.POD_NAMESPACE,
};

/**
 * Identical vmalert replicas in a Deployment that never drops below its replica count during a rollout, each sending
 * every alert to every Alertmanager pod; a ClusterIP Service on 8880 and a PodDisruptionBudget.
 * A rule change rolls the pods (checksum annotation); `for:` state comes back through `remoteReadUrl`.
 */
export class VmalertHa extends Construct {
  /**
   * Set `-dedup.minScrapeInterval` to this on vmselect and vmstorage: the smallest duration that is a multiple of
   * the evaluation interval and of every group's interval. vmalert itself has no such flag.
   */
  public readonly recommendedDedupInterval: string;
  /** The vmalert container's arguments. */
  public readonly args: string[];
  /** Alertmanager URLs every replica sends to. */
  public readonly notifierUrls: string[];
  /** Namespace of every object. */
  public readonly namespace: string;
  /** The Deployment. */
  public readonly deployment: kplus.Deployment;
  /** The ClusterIP Service in front of the replicas (UI and API on 8880). */
  public readonly service: kplus.Service;
  /**
   * The value for vmselect's (or single-node victoria-metrics') `-vmalert.proxyURL`: the Service's in-cluster URL
   * with any `-http.pathPrefix`, e.g. `http://<service>.<namespace>.svc:8880`. vmselect then proxies Grafana's and
   * vmui's alert and rule requests (`/api/v1/alerts`, `/api/v1/rules`, `/vmalert/...`) here; every replica answers
   * with the same rules and alerts, so any one behind the Service will do. Allow vmselect's pods through
   * `networkPolicy.allowFrom`. With `httpAuth` set, vmalert asks the proxied requests for credentials too.
   */
  public readonly vmselectProxyUrl: string;
  /** The ingress NetworkPolicy, unless disabled. */
  public readonly networkPolicy?: IngressPolicy;
  /**
   * What the user should know about this configuration, one sentence each; the app prints them at synth. Names each
   * route of the AlertmanagerCluster given as `notifiers` whose `group_wait` would send an alert storm of a rule
   * split over several emails (Alertmanager flushes a new group at once when its first alert is older than group_wait).
   */
  public readonly warnings: string[];
  private readonly pathPrefix: string;
  private readonly webTls: boolean;
  private readonly labels: Record<string, string>;

  /**
   * The shortest Alertmanager `group_wait` that holds a new alert group until every alert of a storm is in, for rule
   * groups on these settings: eval delay + evaluation interval + 5 s, in whole seconds. vmalert sends an alert's
   * startsAt up to that old, and Alertmanager flushes a new group on its first alert when that is older than group_wait.
   * Raised by the seconds it takes to keep the flushes clear of the evaluations (5 s, or a quarter of a shorter
   * interval), so that a resolution is not emailed twice with a stale FIRING between.
   * @param evaluationInterval vmalert's `-evaluationInterval`, a Go duration (default "1m")
   * @param evalDelay vmalert's `-rule.evalDelay`, a Go duration (default "30s")
   */
  public static stormSafeGroupWait(evaluationInterval?: string, evalDelay?: string): string {
    const ms = (prop: string, value: string) => {
      if (!isFlagDuration(value)) {
        throw new ConfigError(`VmalertHa.stormSafeGroupWait: ${prop} ${JSON.stringify(value)} is not a Go duration (${flagDurationHint(value)})`);
      }
      return parseFlagDuration(value);
    };
    return stormSafeGroupWait([], {
      evaluationIntervalMs: ms('evaluationInterval', evaluationInterval ?? DEFAULT_EVALUATION_INTERVAL),
      evalDelayMs: ms('evalDelay', evalDelay ?? DEFAULT_EVAL_DELAY),
    });
  }

  constructor(scope: Construct, id: string, props: VmalertHaProps) {
    super(scope, id);
    const cluster = props.notifiers instanceof AlertmanagerCluster ? props.notifiers : undefined;
    const plan = planVmalert(id, props, cluster?.notifierUrls);
    const { owner, rules, notifier } = plan;
    const notifierProblems = cluster ? notifierAuthProblems(cluster.web, props.notifierAuth) : [];
    if (notifierProblems.length > 0) throw new ConfigError(notifierProblems.map(p => `${owner}: ${p}`).join('\n'));
    const scheme = plan.webTls ? 'https' : 'http';
    this.recommendedDedupInterval = plan.recommendedDedupInterval;
    this.notifierUrls = notifier.urls;
    this.warnings = cluster
      ? stormSplitWarnings(alertmanagerConfigText(cluster), plan.groups, {
        evaluationIntervalMs: parseFlagDuration(plan.evaluationInterval),
        evalDelayMs: parseFlagDuration(plan.evalDelay),
      }, plan.externalLabels).map(w => `${owner}: ${w}`)
      : [];
    this.namespace = resolveNamespace(this, props.namespace);
    const labels = this.labels = { [NAME_LABEL]: 'vmalert', [COMPONENT_LABEL]: 'vmalert' };
    const metadata = { namespace: this.namespace, labels };

    this.deployment = new kplus.Deployment(this, 'Resource', {
      metadata,
      replicas: plan.replicas,
      // A new pod must be ready before an old one goes: alerting never runs below the replica count.
      strategy: kplus.DeploymentStrategy.rollingUpdate({
        maxSurge: kplus.PercentOrAbsolute.absolute(1),
        maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
      }),
      minReady: Duration.seconds(plan.minReadySeconds),
      securityContext: POD_SECURITY_CONTEXT,
      automountServiceAccountToken: false,
      podMetadata: { labels },
    });
    this.service = new kplus.Service(this, 'service', {
      metadata,
      selector: this.deployment,
      ports: [{ name: 'http', port: VMALERT_HTTP_PORT, targetPort: VMALERT_HTTP_PORT }],
    });

    this.pathPrefix = plan.pathPrefix;
    this.webTls = plan.webTls !== undefined;
    this.vmselectProxyUrl = `${scheme}://${this.service.name}.${this.namespace}.svc:${VMALERT_HTTP_PORT}${plan.pathPrefix}`;

    const ruleMounts = rules.flatMap(r => r.parts).map((part, i) => ({
      dir: `${VMALERT_RULES_DIR}/${part.configMap.name}`,
      volume: kplus.Volume.fromConfigMap(this, `rules-volume-${i}`, part.configMap, { name: `rules-${i}` }),
    }));
    this.args = vmalertArgs({
      datasourceUrl: props.datasourceUrl,
      ruleFiles: ruleMounts.map(m => `${m.dir}/*.yml`),
      notifierUrls: notifier.urls,
      notifierConfigFile: notifier.configFile?.path,
      remoteWriteUrl: props.remoteWriteUrl,
      remoteReadUrl: props.remoteReadUrl,
      remoteReadLookback: plan.remoteReadLookback,
      evaluationInterval: plan.evaluationInterval,
      evalDelay: plan.evalDelay,
      externalUrl: props.externalUrl ?? this.vmselectProxyUrl,
      externalLabels: plan.externalLabels,
      httpPort: VMALERT_HTTP_PORT,
      webTls: plan.webTls,
      ruleTemplates: Object.keys(plan.ruleTemplates).length > 0 ? `${VMALERT_TEMPLATES_DIR}/*.tmpl` : undefined,
      externalAlertSource: plan.externalAlertSource,
      notifierBlackhole: plan.notifierBlackhole,
      authArgs: plan.authArgs,
      extraArgs: plan.extraArgs,
    });

    const container = this.deployment.addContainer({
      name: 'vmalert',
      image: props.image ?? VMALERT_IMAGE,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      args: this.args,
      envVariables: {
        ...Object.fromEntries(Object.entries(CONTAINER_ENV).map(([name, field]) => [name, kplus.EnvValue.fromFieldRef(field)])),
        ...Object.fromEntries(Object.entries(plan.env).map(([name, value]) => [name, kplus.EnvValue.fromValue(value)])),
      },
      ports: [{ name: 'http', number: VMALERT_HTTP_PORT }],
      liveness: httpProbe(owner, 'livenessProbe', `${plan.pathPrefix}${VMALERT_HEALTH_PATH}`, VMALERT_HTTP_PORT, { periodSeconds: 10, failureThreshold: 6 }, props.pod?.livenessProbe, scheme),
      readiness: httpProbe(owner, 'readinessProbe', `${plan.pathPrefix}${VMALERT_READY_PATH}`, VMALERT_HTTP_PORT, { periodSeconds: 5 }, props.pod?.readinessProbe, scheme),
      resources: containerResources(owner, props.resources, DEFAULT_RESOURCES),
      securityContext: CONTAINER_SECURITY_CONTEXT,
    });
    for (const mount of ruleMounts) container.mount(mount.dir, mount.volume, { readOnly: true });
    // Whole objects as directories, never subPath: the kubelet then refreshes rotated Secrets in place.
    uniqueVolumes(plan.authVolumes).forEach((v, i) => {
      const volume = v.kind === 'secret'
        ? kplus.Volume.fromSecret(this, `auth-volume-${i}`, kplus.Secret.fromSecretName(this, `auth-secret-${i}`, v.name), { name: `auth-${i}` })
        : kplus.Volume.fromConfigMap(this, `auth-volume-${i}`, kplus.ConfigMap.fromConfigMapName(this, `auth-configmap-${i}`, v.name), { name: `auth-${i}` });
      container.mount(v.dir, volume, { readOnly: true });
    });
    if (notifier.configFile) {
      const configMap = new kplus.ConfigMap(this, 'notifier-config', { metadata, data: { [VMALERT_NOTIFIER_FILE]: notifier.configFile.content } });
      container.mount(VMALERT_NOTIFIER_DIR, kplus.Volume.fromConfigMap(this, 'notifier-volume', configMap, { name: 'notifier' }), { readOnly: true });
    }
    if (Object.keys(plan.ruleTemplates).length > 0) {
      const configMap = new kplus.ConfigMap(this, 'rule-templates', { metadata, data: plan.ruleTemplates });
      container.mount(VMALERT_TEMPLATES_DIR, kplus.Volume.fromConfigMap(this, 'rule-templates-volume', configMap, { name: 'rule-templates' }), { readOnly: true });
    }
    addExtraMounts(this, container, plan.extraMounts);
    // vmalert reads rule files and templates only at start: a change must roll the pods to take effect.
    const checksum = createHash('sha256');
    for (const r of rules) checksum.update(r.checksum);
    checksum.update(notifier.configFile?.content ?? '');
    if (Object.keys(plan.ruleTemplates).length > 0) checksum.update(JSON.stringify(plan.ruleTemplates));
    this.deployment.podMetadata.addAnnotation(RULES_CHECKSUM_ANNOTATION, checksum.digest('hex'));
    spreadAndProtect(this, this.deployment, plan.replicas, this.namespace);
    applyPodSettings(owner, this.deployment, props.pod);
    if (props.networkPolicy?.enabled ?? true) {
      this.networkPolicy = new IngressPolicy(this, 'network-policy', { namespace: this.namespace, podSelector: this.deployment.matchLabels, labels });
      this.networkPolicy.allow([{ port: VMALERT_HTTP_PORT, protocol: 'TCP' }], networkPeers(owner, props.networkPolicy?.allowFrom));
    }
    if (cluster) cluster.allowApiFrom(this.deployment.matchLabels, this.namespace);
    validateApiObjects(this);

    if (!cluster) {
      const urls = this.notifierUrls;
      this.node.addValidation({ validate: () => knownServiceProblems(this, urls).map(p => `${owner}: ${p}`) });
    }
    this.node.addValidation({
      validate: () => rules
        .filter(r => r.namespace !== this.namespace)
        .map(r => `${owner}: rules "${r.node.id}" are in namespace "${r.namespace}" but vmalert runs in "${this.namespace}": `
          + 'a pod can only mount ConfigMaps of its own namespace; give both the same namespace'),
    });
  }

  /**
   * An Ingress for the UI and API at `props.host`, behind the authentication `props.auth` requires and TLS
   * (unless `allowPlainHttp`); it lets `ingressControllerPods` through the NetworkPolicy to 8880. Serves
   * `-http.pathPrefix`'s path.
   */
  public addIngress(props: UiIngressProps): kplus.Ingress {
    const owner = `VmalertHa "${this.node.id}": addIngress`;
    if (this.node.tryFindChild('ingress')) throw new ConfigError(`${owner}: vmalert already has an Ingress; give it one host`);
    return addUiIngress(this, {
      owner, namespace: this.namespace, labels: this.labels, service: this.service, port: VMALERT_HTTP_PORT,
      path: this.pathPrefix || '/', networkPolicy: this.networkPolicy, https: this.webTls,
    }, props);
  }
}
