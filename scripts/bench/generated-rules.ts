/**
 * Synthetic alerting rules for the benchmark and the scale tests: realistic in shape and size (a ratio expression,
 * `for:`, labels, templated annotations), deterministic, with unique group and alert names.
 */
import { AlertingRule, RecordingRule, RuleGroup } from '../../constructs';

/** Rules per group, as in the scale scenario. */
export const RULES_PER_GROUP = 20;

/** Options for {@link generatedGroups}. */
export interface GeneratedGroupsOptions {
  /**
   * Rules per group.
   * @default RULES_PER_GROUP
   */
  readonly rulesPerGroup?: number;
  /**
   * Characters of filler text in each rule's description, to make rules larger without making more of them.
   * @default 0
   */
  readonly padding?: number;
  /**
   * Every n-th rule is a recording rule (an error rate per job and route) instead of an alerting rule; 0 for none.
   * @default 0
   */
  readonly recordingEvery?: number;
  /**
   * Evaluation interval of every group.
   * @default "1m"
   */
  readonly interval?: string;
}

/** `ruleCount` alerting rules in groups of `rulesPerGroup` (the last group may be smaller). */
export function generatedGroups(ruleCount: number, options: GeneratedGroupsOptions = {}): RuleGroup[] {
  const perGroup = options.rulesPerGroup ?? RULES_PER_GROUP;
  const groups: RuleGroup[] = [];
  for (let first = 0; first < ruleCount; first += perGroup) {
    const rules: Array<AlertingRule | RecordingRule> = [];
    for (let i = first; i < Math.min(first + perGroup, ruleCount); i++) {
      const recording = (options.recordingEvery ?? 0) > 0 && i % options.recordingEvery! === options.recordingEvery! - 1;
      rules.push(recording ? generatedRecordingRule(i) : generatedRule(i, options.padding ?? 0));
    }
    groups.push({ name: `service-${String(first / perGroup).padStart(4, '0')}`, interval: options.interval ?? '1m', rules });
  }
  return groups;
}

/** Alert name of the i-th generated rule (0-based). */
export function generatedAlertName(i: number): string {
  return `HighErrorRatio${String(i).padStart(5, '0')}`;
}

/** Job label of the i-th generated rule: 97 services, as many series sets as {@link generatedRequestSeries} writes. */
export function generatedJob(i: number): string {
  return `service-${i % GENERATED_JOBS}`;
}

/** Distinct services the generated rules watch. */
export const GENERATED_JOBS = 97;
/** Routes per service (`/api/v0/items` ... ) the generated expressions select. */
export const GENERATED_ROUTES = 3;

/** An error rate per job and route, one series per rule (its own `slo` label), as an SLO recording rule writes. */
function generatedRecordingRule(i: number): RecordingRule {
  const job = generatedJob(i);
  return {
    record: 'job_route:http_requests_5xx:rate5m',
    expr: `sum(rate(http_requests_total{job="${job}",code=~"5..",route="/api/v${i % GENERATED_ROUTES}/items"}[5m])) by (job, route)`,
    labels: { slo: `slo-${String(i).padStart(5, '0')}` },
  };
}

function generatedRule(i: number, padding: number): AlertingRule {
  const job = generatedJob(i);
  return {
    alert: generatedAlertName(i),
    expr: `sum(rate(http_requests_total{job="${job}",code=~"5..",route="/api/v${i % GENERATED_ROUTES}/items"}[5m])) by (instance)`
      + ` / sum(rate(http_requests_total{job="${job}"}[5m])) by (instance) > 0.0${1 + (i % 9)}`,
    for: `${1 + (i % 10)}m`,
    labels: { severity: i % 5 === 0 ? 'critical' : 'warning', team: `team-${i % 13}` },
    annotations: {
      summary: `{{ $labels.instance }} of ${job} answers {{ $value | humanizePercentage }} of requests with 5xx`,
      description: `More than ${1 + (i % 9)}% of requests to ${job} failed for ${1 + (i % 10)} minutes.`
        + ' Check the latest deploy and the dependencies of the service.'
        + (padding > 0 ? ` ${'x'.repeat(padding)}` : ''),
      runbook_url: `https://runbooks.example.com/http/${job}#high-error-ratio`,
    },
  };
}
