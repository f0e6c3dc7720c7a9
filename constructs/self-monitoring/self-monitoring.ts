/**
 * Self-monitoring rules: alerts on the alerting stack itself (vmalert and the Alertmanager cluster). No cdk8s here;
 * `RulesConfigMap.selfMonitoring` wraps these groups in a ConfigMap.
 *
 * Every metric name is one the pinned vmalert and Alertmanager expose (checked against their /metrics by
 * __tests__/real-binaries/self-monitoring-metrics.test.ts). The remote-write alert reads both
 * `vmalert_remotewrite_errors_total` (failed flushes) and `vmalert_remotewrite_dropped_rows_total` (a full queue).
 * There is no reload-failure alert: rule and config changes roll the pods instead of reloading them in place, so a
 * config the binary refuses shows as a pod that never becomes ready (the Down and NotScraped alerts).
 */
import { watchdogRule } from './dead-mans-switch';
import { DURATION_HINT, isDuration, parseDuration } from '../core/duration';
import { ConfigError } from '../core/errors';
import { compact } from '../core/objects';
import { isPrometheusLabelName } from '../core/prometheus-labels';
import { isRegExp } from '../core/regex';
import { AlertingRule, RuleGroup } from '../rules/rules';

/** Options for {@link selfMonitoringGroups}. */
export interface SelfMonitoringOptions {
  /**
   * How many Alertmanager peers the cluster should have: every peer that sees fewer members fires
   * `AlertmanagerClusterMembersMissing`. With 1 the cluster rule is left out (a single Alertmanager has no mesh).
   * @default 3
   */
  readonly alertmanagerReplicas?: number;
  /**
   * Value of the `job` label of the scraped vmalert pods, matched as a regular expression (`job=~"..."`).
   * @default 'vmalert'
   */
  readonly vmalertJob?: string;
  /**
   * Value of the `job` label of the scraped Alertmanager pods, matched as a regular expression (`job=~"..."`).
   * @default 'alertmanager'
   */
  readonly alertmanagerJob?: string;
  /**
   * More label matchers added to every selector, e.g. `namespace="monitoring"` when several stacks share one storage.
   * @default - none
   */
  readonly extraMatchers?: string;
  /**
   * `severity` label of alerts that mean alerts or notifications are being lost now.
   * @default 'critical'
   */
  readonly criticalSeverity?: string;
  /**
   * `severity` label of alerts that mean redundancy or configuration is degraded while alerting still works.
   * @default 'warning'
   */
  readonly warningSeverity?: string;
  /**
   * Labels added to every self-monitoring alert (e.g. a team or a route key).
   * @default - none
   */
  readonly labels?: Record<string, string>;
  /**
   * Window of the `increase(...)` over error counters.
   * @default '5m'
   */
  readonly errorWindow?: string;
  /**
   * How long vmalert errors (evaluation, notification, remote write) must persist before the alert fires.
   * @default '5m'
   */
  readonly errorsFor?: string;
  /**
   * How long a target must be down (`up == 0`) or missing before the alert fires.
   * @default '3m'
   */
  readonly targetDownFor?: string;
  /**
   * How long an Alertmanager peer must see fewer cluster members than expected before the alert fires. Gossip
   * settles in about 10 s and a rolling restart replaces one pod at a time, so keep this above one pod's restart.
   * @default '5m'
   */
  readonly clusterMembersFor?: string;
  /**
   * How often the groups are evaluated.
   * @default - vmalert's `-evaluationInterval`
   */
  readonly interval?: string;
  /**
   * Prefix of the two group names (`<prefix>-vmalert`, `<prefix>-alertmanager`); group names must be unique.
   * @default 'self-monitoring'
   */
  readonly groupPrefix?: string;
  /**
   * Add the always-firing `Watchdog` alert of a dead man's switch, in a third group `<prefix>-watchdog`. Route it to
   * a heartbeat receiver (`withDeadMansSwitch`), or it reaches your default receiver on every repeat interval.
   * @default false
   */
  readonly watchdog?: boolean;
}

export const SELF_MONITORING_DEFAULTS = {
  alertmanagerReplicas: 3,
  vmalertJob: 'vmalert',
  alertmanagerJob: 'alertmanager',
  criticalSeverity: 'critical',
  warningSeverity: 'warning',
  errorWindow: '5m',
  errorsFor: '5m',
  targetDownFor: '3m',
  clusterMembersFor: '5m',
  groupPrefix: 'self-monitoring',
  watchdog: false,
} as const;

/** Names of every problem alert this module can produce, for documentation and tests (the Watchdog is not one). */
export const SELF_MONITORING_ALERTS = [
  'VmalertDown',
  'VmalertNotScraped',
  'VmalertRuleEvaluationErrors',
  'VmalertNotificationErrors',
  'VmalertRemoteWriteErrors',
  'AlertmanagerDown',
  'AlertmanagerNotScraped',
  'AlertmanagerClusterMembersMissing',
  'AlertmanagerNotificationsFailed',
] as const;

const WHERE = 'selfMonitoringGroups';

/** Fully resolved options: every default applied and checked. */
type Resolved = Required<Omit<SelfMonitoringOptions, 'interval' | 'extraMatchers' | 'labels'>> &
  Pick<SelfMonitoringOptions, 'interval' | 'extraMatchers' | 'labels'>;

/**
 * The self-monitoring rule groups: one for vmalert, one for the Alertmanager cluster (and the Watchdog
 * group when `watchdog` is set). Each alert carries `summary`,
 * `description` and `action` (what to do) annotations. Throws a ConfigError naming the option when one is invalid.
 */
export function selfMonitoringGroups(options: SelfMonitoringOptions = {}): RuleGroup[] {
  const o = resolveOptions(options);
  const vmalert = selector(o.vmalertJob, o.extraMatchers);
  const am = selector(o.alertmanagerJob, o.extraMatchers);
  const w = o.errorWindow;
  const critical = (rule: AlertingRule) => withSeverity(rule, o.criticalSeverity, o.labels);
  const warning = (rule: AlertingRule) => withSeverity(rule, o.warningSeverity, o.labels);

  const vmalertRules: AlertingRule[] = [
    warning({
      alert: 'VmalertDown',
      expr: `up${vmalert} == 0`,
      for: o.targetDownFor,
      annotations: {
        summary: 'vmalert {{ $labels.instance }} is down',
        description: `The scrape of vmalert {{ $labels.instance }} (job {{ $labels.job }}) has failed for ${o.targetDownFor}. `
          + 'The other vmalert replicas keep evaluating the same rules, but redundancy is gone.',
        action: 'Check the pod: kubectl get pods and kubectl describe pod for restarts, OOM kills or a failing '
          + 'readiness probe (/-/ready); read its logs for "cannot parse configuration file" or flag errors. '
          + 'If the pod runs, check that the scraper reaches port 8880 (NetworkPolicy, Service selector).',
      },
    }),
    warning({
      alert: 'VmalertNotScraped',
      expr: `absent(up${vmalert})`,
      for: o.targetDownFor,
      annotations: {
        summary: 'No vmalert target is scraped',
        description: `No "up" series matches ${vmalert} for ${o.targetDownFor}: vmalert's own metrics `
          + 'are not collected, so the other vmalert self-monitoring alerts cannot fire.',
        action: 'Check the scrape configuration of vmagent (job name, pod or service discovery, namespace) and that '
          + 'the vmalert pods expose port 8880; fix the vmalertJob option if the job is named differently.',
      },
    }),
    critical({
      alert: 'VmalertRuleEvaluationErrors',
      expr: `increase(vmalert_execution_errors_total${vmalert}[${w}]) > 0`,
      for: o.errorsFor,
      annotations: {
        summary: 'vmalert {{ $labels.instance }} fails to evaluate rules',
        description: `vmalert {{ $labels.instance }} had {{ $value | printf "%.0f" }} failed rule evaluations in the last ${w}. `
          + 'A rule that cannot be evaluated cannot fire: alerts may be missed.',
        action: 'Read the vmalert logs for "failed to execute" and open /api/v1/rules (or the vmalert UI) to see the '
          + 'failing rules and their last error. A datasource error on every rule means vmselect (-datasource.url) is '
          + 'down or unreachable; an error on one rule means its expression or its result (duplicate series, limit) is wrong.',
      },
    }),
    warning({
      alert: 'VmalertNotificationErrors',
      expr: `increase(vmalert_alerts_send_errors_total${vmalert}[${w}]) > 0`,
      for: o.errorsFor,
      annotations: {
        summary: 'vmalert {{ $labels.instance }} cannot send alerts to {{ $labels.addr }}',
        description: `vmalert {{ $labels.instance }} failed {{ $value | printf "%.0f" }} times in the last ${w} to send alerts to `
          + '{{ $labels.addr }}. Every vmalert sends to every Alertmanager pod, so the other pods still receive the alerts.',
        action: 'If one addr fails from every vmalert, that Alertmanager pod is down or unreachable: check it '
          + '(AlertmanagerDown, its logs, port 9093). If every addr fails from one vmalert, check that pod\'s network, '
          + 'DNS resolution of the pod names and its -notifier.url flags.',
      },
    }),
    warning({
      alert: 'VmalertRemoteWriteErrors',
      expr: `increase(vmalert_remotewrite_errors_total${vmalert}[${w}]) > 0`
        + ` or increase(vmalert_remotewrite_dropped_rows_total${vmalert}[${w}]) > 0`,
      for: o.errorsFor,
      annotations: {
        summary: 'vmalert {{ $labels.instance }} fails to remote-write rule results',
        description: `vmalert {{ $labels.instance }} failed to write or dropped rows in the last ${w}: recording-rule results `
          + 'and the ALERTS_FOR_STATE series are lost, so a restarted replica cannot restore the state of pending alerts.',
        action: 'Read the vmalert logs for "remote-write" / "dropping" errors and check that -remoteWrite.url '
          + '(vminsert) is up and reachable; vmalert retries only briefly and then drops the rows.',
      },
    }),
  ];

  const alertmanagerRules: AlertingRule[] = [
    warning({
      alert: 'AlertmanagerDown',
      expr: `up${am} == 0`,
      for: o.targetDownFor,
      annotations: {
        summary: 'Alertmanager {{ $labels.instance }} is down',
        description: `The scrape of Alertmanager {{ $labels.instance }} (job {{ $labels.job }}) has failed for ${o.targetDownFor}. `
          + 'The other peers keep receiving every alert and sending notifications, but redundancy is reduced.',
        action: 'Check the pod: kubectl get pods and kubectl describe pod for restarts, OOM kills, a pending '
          + 'PersistentVolumeClaim or a failing probe (/-/ready); read its logs for configuration errors. If the pod '
          + 'runs, check that the scraper reaches port 9093.',
      },
    }),
    warning({
      alert: 'AlertmanagerNotScraped',
      expr: `absent(up${am})`,
      for: o.targetDownFor,
      annotations: {
        summary: 'No Alertmanager target is scraped',
        description: `No "up" series matches ${am} for ${o.targetDownFor}: Alertmanager's own metrics are `
          + 'not collected, so the other Alertmanager self-monitoring alerts cannot fire.',
        action: 'Check the scrape configuration of vmagent (job name, pod or service discovery, namespace) and that '
          + 'the Alertmanager pods expose port 9093; fix the alertmanagerJob option if the job is named differently.',
      },
    }),
    ...(o.alertmanagerReplicas > 1 ? [warning({
      alert: 'AlertmanagerClusterMembersMissing',
      expr: `alertmanager_cluster_members${am} < ${o.alertmanagerReplicas}`,
      for: o.clusterMembersFor,
      annotations: {
        summary: `Alertmanager {{ $labels.instance }} sees {{ $value }} of ${o.alertmanagerReplicas} cluster members`,
        description: `Alertmanager {{ $labels.instance }} has seen only {{ $value }} of the expected ${o.alertmanagerReplicas} peers `
          + `(itself included) for ${o.clusterMembersFor}. Peers that do not gossip do not share the notification log, `
          + 'so one incident can be emailed once per partition.',
        action: 'Find the missing peer (kubectl get pods; AlertmanagerDown). If all pods run, check the mesh: port '
          + '9094 must be open for TCP and UDP between the pods (NetworkPolicy), the --cluster.peer names must resolve '
          + '(headless Service with publishNotReadyAddresses), and the logs must not show "Failed to join".',
      },
    })] : []),
    critical({
      alert: 'AlertmanagerNotificationsFailed',
      expr: `sum without (reason) (increase(alertmanager_notifications_failed_total${am}[${w}])) > 0`,
      annotations: {
        summary: 'Alertmanager {{ $labels.instance }} failed to send {{ $labels.integration }} notifications',
        description: `Alertmanager {{ $labels.instance }} gave up on {{ $value | printf "%.0f" }} {{ $labels.integration }} `
          + `notifications in the last ${w} after retrying: these notifications were not delivered.`,
        action: 'Read the Alertmanager logs for "Notify for alerts failed" and "Notify attempt failed". For email: '
          + 'check the SMTP host and port, TLS (smtp_require_tls), the credentials in the SMTP password Secret, and '
          + 'that the receiver addresses are accepted; test with amtool or a manual SMTP session from the pod.',
      },
    }),
  ];

  const group = (name: string, rules: AlertingRule[]): RuleGroup => ({
    name: `${o.groupPrefix}-${name}`,
    ...(o.interval !== undefined ? { interval: o.interval } : {}),
    rules,
  });
  return [
    group('vmalert', vmalertRules),
    group('alertmanager', alertmanagerRules),
    ...(o.watchdog ? [group('watchdog', [watchdogRule(o.labels)])] : []),
  ];
}

/** Applies defaults and checks every option, reporting all problems at once. */
function resolveOptions(options: SelfMonitoringOptions): Resolved {
  const o: Resolved = { ...SELF_MONITORING_DEFAULTS, ...compact(options) };
  const problems: string[] = [];
  if (!Number.isInteger(o.alertmanagerReplicas) || o.alertmanagerReplicas < 1) {
    problems.push(`alertmanagerReplicas must be a whole number >= 1 (the Alertmanager replicas), got ${o.alertmanagerReplicas}`);
  }
  for (const key of ['errorWindow', 'errorsFor', 'targetDownFor', 'clusterMembersFor', 'interval'] as const) {
    const value = o[key];
    if (value !== undefined && !isDuration(value)) {
      problems.push(`${key}: ${JSON.stringify(value)} is not a duration (${DURATION_HINT})`);
    } else if (key === 'errorWindow' && parseDuration(value as string) === 0) {
      problems.push('errorWindow must be longer than 0s: increase() needs a window');
    }
  }
  for (const key of ['vmalertJob', 'alertmanagerJob', 'criticalSeverity', 'warningSeverity', 'groupPrefix'] as const) {
    if (typeof o[key] !== 'string' || o[key].trim() === '') problems.push(`${key} must be a non-empty string`);
  }
  for (const key of ['vmalertJob', 'alertmanagerJob'] as const) {
    if (typeof o[key] === 'string' && !isRegExp(o[key])) {
      problems.push(`${key}: ${JSON.stringify(o[key])} is not a valid regular expression (it is matched as job=~"...")`);
    }
  }
  if (o.extraMatchers !== undefined && !/^\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=|!=|=~|!~)\s*"/.test(o.extraMatchers)) {
    problems.push(`extraMatchers: ${JSON.stringify(o.extraMatchers)} must be label matchers without braces, e.g. namespace="monitoring"`);
  }
  for (const name of Object.keys(o.labels ?? {})) {
    if (!isPrometheusLabelName(name)) problems.push(`labels: ${JSON.stringify(name)} is not a valid label name`);
    if (name === 'severity') problems.push('labels: set "severity" with criticalSeverity / warningSeverity instead');
  }
  if (problems.length > 0) throw new ConfigError(problems.map(p => `${WHERE}: ${p}`).join('\n'));
  return o;
}

/** `{job=~"<job>",<extra>}` with the job quoted as a PromQL string. */
function selector(job: string, extraMatchers: string | undefined): string {
  const matchers = [`job=~${JSON.stringify(job)}`, ...(extraMatchers ? [extraMatchers.trim()] : [])];
  return `{${matchers.join(',')}}`;
}

/** The rule with its labels (extra labels + severity) placed before the annotations, as rule files are usually read. */
function withSeverity(rule: AlertingRule, severity: string, labels: Record<string, string> | undefined): AlertingRule {
  const { annotations, ...head } = rule;
  return { ...head, labels: { ...labels, severity }, annotations };
}
