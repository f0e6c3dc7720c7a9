/** The props of {@link VmalertHa}, apart from the construct so the pure plan can read them. No cdk8s here. */
import type { AlertmanagerCluster } from '../alertmanager/alertmanager-cluster';
import type { PodSettings, ResourceSettings } from '../k8s/workload';
import type { NetworkPolicySettings } from '../k8s/network-policy';
import type { RulesConfigMap } from '../rules/configmap';
import type { ExtraMount } from '../k8s/mounts';
import type { EndpointAuth, HttpAuthSettings } from './endpoint-auth';
import type { VmalertWebTlsSettings } from './tls';
import type { RuleTemplate } from './rule-templates';

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
  /**
   * HTTPS on vmalert's own port 8880 (`-tls`), the certificate and key from Secret keys mounted as files. The probes
   * switch to HTTPS, and so does the default `externalUrl`.
   * @default - plain HTTP
   */
  readonly webTls?: VmalertWebTlsSettings;
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
   * The default is measured for 2,000 rules every 30 s and a storm of 2,000 firing alerts (docs/sizing.md);
   * `ResourceSizing` computes them for other numbers.
   * @default { cpuMillis: 60, memoryMiB: 160, memoryLimitMiB: 416 }
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
  /**
   * Go template files for the rules' labels and annotations (`-rule.templates`): shared `{{ define "name" }}` blocks
   * that a rule calls with `{{ template "name" . }}`. Mounted from a ConfigMap; load them with
   * `RuleTemplates.fromFile` or `RuleTemplates.fromDirectory`. A change rolls the pods.
   * @default - none
   */
  readonly ruleTemplates?: RuleTemplate[];
  /**
   * Link of every alert to where it came from (`-external.alert.source`), a Go template relative to `externalUrl`,
   * e.g. a Grafana Explore URL: `explore?left={"queries":[{"expr":{{ .Expr | jsonEscape | queryEscape }}}]}`.
   * @default - vmalert's own link to the alert in its UI
   */
  readonly externalAlertSource?: string;
  /**
   * Evaluate every rule but send no notification (`-notifier.blackhole`), e.g. for a staging copy of production's
   * rules; `notifiers` must then be `[]`.
   * @default false
   */
  readonly notifierBlackhole?: boolean;
  /**
   * Secrets and ConfigMaps of the namespace mounted read-only into the vmalert container (by default at
   * `/etc/vmalert/extra/<name>`), e.g. files `extraArgs` flags read.
   * @default - none
   */
  readonly extraMounts?: ExtraMount[];
  /**
   * Plain environment variables of the vmalert container, e.g. for `%{NAME}` placeholders in rule files or
   * `$(NAME)` in `externalLabels`. Never secrets: those are mounted from Secrets as files.
   * @default - none beyond POD_NAME and POD_NAMESPACE
   */
  readonly env?: Record<string, string>;
}
