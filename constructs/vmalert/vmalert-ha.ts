import { createHash } from 'crypto';
import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { AlertmanagerCluster } from '../alertmanager/alertmanager-cluster';
import { validateApiObjects } from '../k8s/api-objects';
import {
  COMPONENT_LABEL, NAME_LABEL, RULES_CHECKSUM_ANNOTATION, VMALERT_HEALTH_PATH, VMALERT_HTTP_PORT, VMALERT_IMAGE,
  VMALERT_NOTIFIER_DIR, VMALERT_NOTIFIER_FILE, VMALERT_READY_PATH, VMALERT_RULES_DIR,
} from '../core/constants';
import {
  checkEndpointAuth, checkUrlCredentials, credentialArgProblems, EndpointAuth, endpointAuthFlags, HttpAuthSettings, httpAuthFlags,
  notifierConfigAuth, uniqueVolumes,
} from './endpoint-auth';
import {
  flagDurationHint, formatDuration, formatGoDuration, isFlagDuration, parseFlagDuration, recommendedDedupInterval,
} from '../core/duration';
import { ruleDurationMs } from '../rules/syntax';
import { ConfigError } from '../core/errors';
import { isPrometheusLabelName } from '../core/prometheus-labels';
import { resolveNamespace } from '../k8s/namespace';
import { IngressPolicy, networkPeers, NetworkPolicySettings } from '../k8s/network-policy';
import { RulesConfigMap } from '../rules/configmap';
import { isAlertingRule } from '../rules/rules';
import { externalLabelProblems, extraArgsProblems, renderNotifierConfig, vmalertArgs } from './args';
import { urlProblem } from '../core/url';
import { extraArgFormProblems, vmalertPathPrefix } from './flag-values';
import { knownServiceProblems } from './notifier-services';
import {
  applyPodSettings, checkReplicas, containerResources, CONTAINER_SECURITY_CONTEXT, httpProbe, PodSettings, POD_SECURITY_CONTEXT,
  ResourceSettings, spreadAndProtect,
} from '../k8s/workload';

/** Options for {@link VmalertHa}. */
export interface VmalertHaProps {
  /**
   * Number of identical vmalert replicas. Each evaluates every rule and notifies every Alertmanager; Alertmanager
   * deduplicates their identical alerts.
   * @default 2
   */
  readonly replicas?: number;
  /** Prometheus-compatible query URL rules are evaluated against, e.g. http://vmselect:8481/select/0/prometheus. */
  readonly datasourceUrl: string;
  /**
   * Remote write URL for recording rule results and alert state (`ALERTS`, `ALERTS_FOR_STATE`).
   * Required when there are recording rules.
   * @default - nothing is written
   */
  readonly remoteWriteUrl?: string;
  /**
   * URL alert state is restored from at start, so a restart or rollout does not reset `for:` timers.
   * @default - state is not restored
   */
  readonly remoteReadUrl?: string;
  /**
   * How far back state restore looks; must cover the longest `for:`. A Go duration, as the flag takes it
   * (`24h`, not `1d`).
   * @default - the longest `for:` of the rules, at least "1h"
   */
  readonly remoteReadLookback?: string;
  /** The Alertmanager cluster (every pod gets every alert), or an explicit list of Alertmanager URLs, one per pod. */
  readonly notifiers: AlertmanagerCluster | string[];
  /**
   * How vmalert authenticates to `datasourceUrl`: basic auth, bearer token or OAuth2 from Secret keys, TLS, headers.
   * Secrets are mounted as files and passed as vmalert's `*File` flags.
   * @default - no authentication
   */
  readonly datasourceAuth?: EndpointAuth;
  /**
   * How vmalert authenticates to `remoteWriteUrl`.
   * @default - no authentication
   */
  readonly remoteWriteAuth?: EndpointAuth;
  /**
   * How vmalert authenticates to `remoteReadUrl`.
   * @default - no authentication
   */
  readonly remoteReadAuth?: EndpointAuth;
  /**
   * How vmalert authenticates to every Alertmanager of `notifiers`.
   * @default - no authentication
   */
  readonly notifierAuth?: EndpointAuth;
  /**
   * Basic auth on vmalert's own UI and API (`-httpAuth.*`, the password from a Secret key). `/health` and `/-/ready`
   * stay open for the kubelet's probes; whoever scrapes `/metrics` needs the credentials.
   * @default - the UI and API are open to anyone who reaches the Service
   */
  readonly httpAuth?: HttpAuthSettings;
  /** Rule ConfigMaps to evaluate. */
  readonly rules: RulesConfigMap | RulesConfigMap[];
  /**
   * Evaluation interval of groups that do not set their own. A Go duration, as `-evaluationInterval` takes it
   * (`30s`, `1m`, `1h`; no `d`).
   * @default "1m"
   */
  readonly evaluationInterval?: string;
  /**
   * How far behind "now" vmalert evaluates (`-rule.evalDelay`, a Go duration). Set it to your vmselect's
   * `-search.latencyOffset`, which hides samples younger than that from every query: a shorter delay gains nothing
   * and a longer one only adds latency.
   * @default "30s" (vmselect's default -search.latencyOffset)
   */
  readonly evalDelay?: string;
  /**
   * URL of vmalert's UI, used in alert source links.
   * @default - the vmalert Service's cluster URL
   */
  readonly externalUrl?: string;
  /**
   * Labels added to every alert and recorded series (`-external.label`), the same on every replica. A value may
   * use `$(POD_NAMESPACE)`; a per-pod value such as `$(POD_NAME)` is refused (that is what `replicaLabel` is for).
   * @default - none
   */
  readonly externalLabels?: Record<string, string>;
  /**
   * Opt-in label set to each pod's name (`-external.label=<name>=$(POD_NAME)`). Alerts still reach Alertmanager
   * identical, because the label is dropped before notification (`-notifier.config` with `alert_relabel_configs`);
   * but recorded series then differ per replica (no deduplication) and after a rollout the new pod names find no
   * `for:` state to restore.
   * @default - none: replicas are identical, as VictoriaMetrics recommends
   */
  readonly replicaLabel?: string;
  /**
   * Further vmalert flags, e.g. ["-rule.resendDelay=1m"]: one `-name=value` argument each, checked against vmalert's
   * flag list; flags that make vmalert exit (`-dryRun`, `-version`, `-help`, replay) are refused. With
   * `-http.pathPrefix` the probes and the default external URL follow the prefix.
   * @default - none
   */
  readonly extraArgs?: string[];
  /**
   * Names of flags (without "-") that a custom `image` with a vmalert newer than the pinned release has, but the
   * catalogue generated from the pinned vmalert's `-help` (constructs/vmalert/flags.ts) does not; `extraArgs` may
   * then use them. Not needed with the default image.
   * @default - none
   */
  readonly newerFlags?: string[];
  /**
   * Namespace of every object; the rules ConfigMaps must be in it too.
   * @default - the chart's namespace, else "default"
   */
  readonly namespace?: string;
  /**
   * Container image.
   * @default - victoriametrics/vmalert at the pinned VictoriaMetrics release (constructs/core/versions.ts)
   */
  readonly image?: string;
  /**
   * Resources of the vmalert container.
   * @default { cpuMillis: 50, memoryMiB: 128, memoryLimitMiB: 512 }
   */
  readonly resources?: ResourceSettings;
  /**
   * Ingress NetworkPolicy on the vmalert pods: 8880 (UI, API, /metrics) only from `allowFrom`, e.g. the vmagent
   * that scrapes vmalert. An {@link AlertmanagerCluster} given as `notifiers` also admits these pods on 9093.
   * @default - enabled, no peers: nothing but the kubelet's probes reaches 8880
   */
  readonly networkPolicy?: NetworkPolicySettings;
  /**
   * Scheduling, pod metadata and probe timing.
   * @default - none beyond the construct's own
   */
  readonly pod?: PodSettings;
}

const DEFAULT_RESOURCES = { cpuMillis: 50, memoryMiB: 128, memoryLimitMiB: 512 };
const DEFAULT_LOOKBACK_MS = 3600_000;
/** The vmalert container's environment: what `$(...)` in its arguments can refer to. */
const CONTAINER_ENV: Record<string, kplus.EnvFieldPaths> = {
  POD_NAME: kplus.EnvFieldPaths.POD_NAME,
  POD_NAMESPACE: kplus.EnvFieldPaths.POD_NAMESPACE,
};

/** Time for the second evaluation's query and remote write, on top of two intervals. */
const RESTORE_SETTLE_MARGIN_SECONDS = 10;

/** vmselect's default -search.latencyOffset: queries see nothing younger, so evaluating later than this gains nothing. */
const DEFAULT_EVAL_DELAY = '30s';

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
  /** The ingress NetworkPolicy, unless disabled. */
  public readonly networkPolicy?: IngressPolicy;

  constructor(scope: Construct, id: string, props: VmalertHaProps) {
    super(scope, id);
    const owner = `VmalertHa "${id}"`;
    const replicas = props.replicas ?? 2;
    checkReplicas(owner, replicas);
    const evaluationInterval = props.evaluationInterval ?? '1m';
    const evaluationIntervalMs = isFlagDuration(evaluationInterval) ? parseFlagDuration(evaluationInterval) : NaN;
    if (!Number.isInteger(evaluationIntervalMs) || evaluationIntervalMs <= 0) {
      throw new ConfigError(`${owner}: evaluationInterval ${JSON.stringify(evaluationInterval)} is not a positive whole number of `
        + `milliseconds as vmalert's -evaluationInterval reads it (${flagDurationHint(evaluationInterval)})`);
    }
    const evalDelay = props.evalDelay ?? DEFAULT_EVAL_DELAY;
    if (!isFlagDuration(evalDelay)) {
      throw new ConfigError(`${owner}: evalDelay ${JSON.stringify(evalDelay)} is not a duration that -rule.evalDelay accepts (${flagDurationHint(evalDelay)})`);
    }
    checkUrl(owner, 'datasourceUrl', props.datasourceUrl);
    if (props.remoteWriteUrl !== undefined) checkUrl(owner, 'remoteWriteUrl', props.remoteWriteUrl);
    if (props.remoteReadUrl !== undefined) checkUrl(owner, 'remoteReadUrl', props.remoteReadUrl);
    if (props.externalUrl !== undefined) checkUrl(owner, 'externalUrl', props.externalUrl);
    for (const [prop, authProp] of [['datasourceUrl', 'datasourceAuth'], ['remoteWriteUrl', 'remoteWriteAuth'], ['remoteReadUrl', 'remoteReadAuth']] as const) {
      const url = props[prop];
      if (url !== undefined) checkUrlCredentials(owner, prop, url, authProp);
      const auth = props[authProp];
      if (auth !== undefined) {
        if (url === undefined) throw new ConfigError(`${owner}: ${authProp} is set but ${prop} is not: set ${prop} or drop ${authProp}`);
        checkEndpointAuth(auth, `${owner}: ${authProp}`, [url]);
      }
    }
    if (props.remoteReadUrl && !props.remoteWriteUrl) {
      throw new ConfigError(`${owner}: remoteReadUrl restores the alert state that vmalert writes through remoteWriteUrl: set remoteWriteUrl too`);
    }

    const rules = Array.isArray(props.rules) ? props.rules : [props.rules];
    if (rules.length === 0) throw new ConfigError(`${owner}: rules is empty: give at least one RulesConfigMap`);
    const groups = rules.flatMap(r => r.groups);
    const duplicate = groups.map(g => g.name).find((name, i, names) => names.indexOf(name) !== i);
    if (duplicate) throw new ConfigError(`${owner}: group "${duplicate}" is defined in more than one rules ConfigMap: rename one`);
    const recording = groups.flatMap(g => g.rules.filter(r => !isAlertingRule(r)).map(r => `${g.name}/${(r as { record: string }).record}`));
    if (recording.length > 0 && !props.remoteWriteUrl) {
      throw new ConfigError(`${owner}: recording rules (${recording.slice(0, 3).join(', ')}) need remoteWriteUrl to store their results: set it`);
    }

    this.notifierUrls = props.notifiers instanceof AlertmanagerCluster ? props.notifiers.notifierUrls : [...props.notifiers];
    if (this.notifierUrls.length === 0) throw new ConfigError(`${owner}: notifiers is empty: give the AlertmanagerCluster or one URL per Alertmanager pod`);
    this.notifierUrls.forEach((url, i) => checkUrl(owner, `notifiers[${i}]`, url));
    this.notifierUrls.forEach((url, i) => checkUrlCredentials(owner, `notifiers[${i}]`, url, 'notifierAuth'));
    if (props.notifierAuth) checkEndpointAuth(props.notifierAuth, `${owner}: notifierAuth`, this.notifierUrls);

    const externalLabels = props.externalLabels ?? {};
    for (const name of [...Object.keys(externalLabels), ...(props.replicaLabel ? [props.replicaLabel] : [])]) {
      if (!isPrometheusLabelName(name)) {
        throw new ConfigError(`${owner}: ${JSON.stringify(name)} is not a valid label name (letters, digits and "_", not starting with a digit or "__")`);
      }
    }
    const labelProblems = externalLabelProblems(externalLabels, Object.keys(CONTAINER_ENV));
    if (labelProblems.length > 0) throw new ConfigError(labelProblems.map(p => `${owner}: ${p}`).join('\n'));
    if (props.replicaLabel && props.replicaLabel in externalLabels) {
      throw new ConfigError(`${owner}: replicaLabel "${props.replicaLabel}" is also in externalLabels: use one of them`);
    }

    this.recommendedDedupInterval = recommendedDedupInterval([
      formatDuration(evaluationIntervalMs),
      ...groups.map(g => (g.interval === undefined ? 0 : ruleDurationMs(g.interval) ?? 0)).filter(ms => ms > 0).map(formatDuration),
    ]);
    const extraArgs = props.extraArgs ?? [];
    const formProblems = extraArgFormProblems(extraArgs);
    if (formProblems.length > 0) throw new ConfigError(formProblems.map(p => `${owner}: extraArgs: ${p}`).join('\n'));
    // Probes and links follow -http.pathPrefix: without it in their paths vmalert answers 400 and liveness kills the pods.
    const pathPrefix = vmalertPathPrefix(extraArgs);
    const credentialProblems = credentialArgProblems(extraArgs);
    if (credentialProblems.length > 0) throw new ConfigError(credentialProblems.map(p => `${owner}: extraArgs: ${p}`).join('\n'));
    const problems = extraArgsProblems(extraArgs, this.recommendedDedupInterval, props.newerFlags);
    if (problems.length > 0) throw new ConfigError(problems.map(p => `${owner}: extraArgs: ${p}`).join('\n'));

    const remoteReadLookback = props.remoteReadUrl ? lookbackFor(owner, groups, props.remoteReadLookback) : undefined;
    this.namespace = resolveNamespace(this, props.namespace);
    const labels = { [NAME_LABEL]: 'vmalert', [COMPONENT_LABEL]: 'vmalert' };
    const metadata = { namespace: this.namespace, labels };

    this.deployment = new kplus.Deployment(this, 'Resource', {
      metadata,
      replicas,
      // A new pod must be ready before an old one goes: alerting never runs below the replica count.
      strategy: kplus.DeploymentStrategy.rollingUpdate({
        maxSurge: kplus.PercentOrAbsolute.absolute(1),
        maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
      }),
      minReady: Duration.seconds(restoreSettleSeconds(evaluationIntervalMs, groups)),
      securityContext: POD_SECURITY_CONTEXT,
      automountServiceAccountToken: false,
      podMetadata: { labels },
    });
    this.service = new kplus.Service(this, 'service', {
      metadata,
      selector: this.deployment,
      ports: [{ name: 'http', port: VMALERT_HTTP_PORT, targetPort: VMALERT_HTTP_PORT }],
    });

    const ruleMounts = rules.flatMap(r => r.parts).map((part, i) => ({
      dir: `${VMALERT_RULES_DIR}/${part.configMap.name}`,
      volume: kplus.Volume.fromConfigMap(this, `rules-volume-${i}`, part.configMap, { name: `rules-${i}` }),
    }));
    // -notifier.config replaces the -notifier.* flags, so notifier auth moves into the file.
    const notifierFileAuth = notifierConfigAuth(props.replicaLabel ? props.notifierAuth : undefined);
    const notifierConfig = props.replicaLabel ? renderNotifierConfig(this.notifierUrls, [props.replicaLabel], notifierFileAuth.config) : undefined;
    const auth = [
      endpointAuthFlags('datasource', props.datasourceAuth),
      endpointAuthFlags('remoteWrite', props.remoteWriteAuth),
      endpointAuthFlags('remoteRead', props.remoteReadAuth),
      props.replicaLabel ? { args: [], volumes: notifierFileAuth.volumes } : endpointAuthFlags('notifier', props.notifierAuth),
      httpAuthFlags(props.httpAuth, `${owner}: httpAuth`),
    ];

    this.args = vmalertArgs({
      datasourceUrl: props.datasourceUrl,
      ruleFiles: ruleMounts.map(m => `${m.dir}/*.yml`),
      notifierUrls: this.notifierUrls,
      notifierConfigFile: notifierConfig ? `${VMALERT_NOTIFIER_DIR}/${VMALERT_NOTIFIER_FILE}` : undefined,
      remoteWriteUrl: props.remoteWriteUrl,
      remoteReadUrl: props.remoteReadUrl,
      remoteReadLookback,
      evaluationInterval,
      evalDelay,
      externalUrl: props.externalUrl ?? `http://${this.service.name}.${this.namespace}.svc:${VMALERT_HTTP_PORT}${pathPrefix}`,
      externalLabels: props.replicaLabel ? { ...externalLabels, [props.replicaLabel]: '$(POD_NAME)' } : externalLabels,
      httpPort: VMALERT_HTTP_PORT,
      authArgs: auth.flatMap(a => a.args),
      extraArgs,
    });

    const container = this.deployment.addContainer({
      name: 'vmalert',
      image: props.image ?? VMALERT_IMAGE,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      args: this.args,
      envVariables: Object.fromEntries(Object.entries(CONTAINER_ENV).map(([name, field]) => [name, kplus.EnvValue.fromFieldRef(field)])),
      ports: [{ name: 'http', number: VMALERT_HTTP_PORT }],
      liveness: httpProbe(owner, 'livenessProbe', `${pathPrefix}${VMALERT_HEALTH_PATH}`, VMALERT_HTTP_PORT, { periodSeconds: 10, failureThreshold: 6 }, props.pod?.livenessProbe),
      readiness: httpProbe(owner, 'readinessProbe', `${pathPrefix}${VMALERT_READY_PATH}`, VMALERT_HTTP_PORT, { periodSeconds: 5 }, props.pod?.readinessProbe),
      resources: containerResources(owner, props.resources, DEFAULT_RESOURCES),
      securityContext: CONTAINER_SECURITY_CONTEXT,
    });
    for (const mount of ruleMounts) container.mount(mount.dir, mount.volume, { readOnly: true });
    // Whole objects as directories, never subPath: the kubelet then refreshes rotated Secrets in place.
    uniqueVolumes(auth.flatMap(a => a.volumes)).forEach((v, i) => {
      const volume = v.kind === 'secret'
        ? kplus.Volume.fromSecret(this, `auth-volume-${i}`, kplus.Secret.fromSecretName(this, `auth-secret-${i}`, v.name), { name: `auth-${i}` })
        : kplus.Volume.fromConfigMap(this, `auth-volume-${i}`, kplus.ConfigMap.fromConfigMapName(this, `auth-configmap-${i}`, v.name), { name: `auth-${i}` });
      container.mount(v.dir, volume, { readOnly: true });
    });
    if (notifierConfig) {
      const configMap = new kplus.ConfigMap(this, 'notifier-config', { metadata, data: { [VMALERT_NOTIFIER_FILE]: notifierConfig } });
      container.mount(VMALERT_NOTIFIER_DIR, kplus.Volume.fromConfigMap(this, 'notifier-volume', configMap, { name: 'notifier' }), { readOnly: true });
    }
    // vmalert reads rule files only at start: a rule change must roll the pods to take effect.
    const checksum = createHash('sha256');
    for (const r of rules) checksum.update(r.checksum);
    checksum.update(notifierConfig ?? '');
    this.deployment.podMetadata.addAnnotation(RULES_CHECKSUM_ANNOTATION, checksum.digest('hex'));
    spreadAndProtect(this, this.deployment, replicas, this.namespace);
    applyPodSettings(owner, this.deployment, props.pod);
    if (props.networkPolicy?.enabled ?? true) {
      this.networkPolicy = new IngressPolicy(this, 'network-policy', { namespace: this.namespace, podSelector: this.deployment.matchLabels, labels });
      this.networkPolicy.allow([{ port: VMALERT_HTTP_PORT, protocol: 'TCP' }], networkPeers(owner, props.networkPolicy?.allowFrom));
    }
    if (props.notifiers instanceof AlertmanagerCluster) props.notifiers.allowApiFrom(this.deployment.matchLabels, this.namespace);
    validateApiObjects(this);

    if (!(props.notifiers instanceof AlertmanagerCluster)) {
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
}

function checkUrl(owner: string, prop: string, value: string): void {
  const problem = urlProblem(value);
  if (problem) throw new ConfigError(`${owner}: ${prop} ${JSON.stringify(value)} ${problem} (e.g. http://vmselect:8481/select/0/prometheus)`);
}

/**
 * How long a new replica must stay ready before the rollout goes on. vmalert's first evaluation writes
 * ALERTS_FOR_STATE with a fresh activeAt before it restores the old one (restore runs after the first evaluation, so
 * that only active alerts are restored), and a replica restoring right then would read that fresh value: the `for:`
 * timer would restart. By two evaluations after start (the first comes within one interval, at the group's fixed
 * phase) every written activeAt is the restored one; the margin covers the second evaluation's query and write.
 */
function restoreSettleSeconds(evaluationIntervalMs: number, groups: RulesConfigMap['groups']): number {
  const longestInterval = Math.max(evaluationIntervalMs, ...groups.map(g => (g.interval === undefined ? 0 : ruleDurationMs(g.interval) ?? 0)));
  return Math.ceil((2 * longestInterval) / 1000) + RESTORE_SETTLE_MARGIN_SECONDS;
}

/** The restore lookback: the prop, checked to cover the longest `for:`, or that longest `for:` and at least 1h. */
function lookbackFor(owner: string, groups: RulesConfigMap['groups'], explicit?: string): string {
  const longestFor = Math.max(0, ...groups.flatMap(g => g.rules)
    .filter(isAlertingRule)
    .map(r => (r.for ? ruleDurationMs(r.for) ?? 0 : 0)));
  // vmalert's -remoteRead.lookback is a Go duration: 24h, never 1d.
  if (explicit === undefined) return formatGoDuration(Math.max(DEFAULT_LOOKBACK_MS, longestFor));
  if (!isFlagDuration(explicit)) {
    throw new ConfigError(`${owner}: remoteReadLookback ${JSON.stringify(explicit)} is not a duration that -remoteRead.lookback accepts (${flagDurationHint(explicit)})`);
  }
  if (parseFlagDuration(explicit) < longestFor) {
    throw new ConfigError(`${owner}: remoteReadLookback ${explicit} is shorter than the longest for: (${formatDuration(longestFor)}): `
      + 'state of that alert could not be restored after a restart; raise it');
  }
  return explicit;
}
