/**
 * Synthetic alerting rules for the benchmark and the scale tests: realistic in shape and size (a ratio expression,
 * `for:`, labels, templated annotations), deterministic, with unique group and alert names.
 */
import { AlertingRule, RuleGroup } from '../../constructs';

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
}

/** `ruleCount` alerting rules in groups of `rulesPerGroup` (the last group may be smaller). */
export function generatedGroups(ruleCount: number, options: GeneratedGroupsOptions = {}): RuleGroup[] {
  const perGroup = options.rulesPerGroup ?? RULES_PER_GROUP;
  const groups: RuleGroup[] = [];
  for (let first = 0; first < ruleCount; first += perGroup) {
    const rules: AlertingRule[] = [];
    for (let i = first; i < Math.min(first + perGroup, ruleCount); i++) rules.push(generatedRule(i, options.padding ?? 0));
    groups.push({ name: `service-${String(first / perGroup).padStart(4, '0')}`, interval: '1m', rules });
  }
  return groups;
}

/** Alert name of the i-th generated rule (0-based). */
export function generatedAlertName(i: number): string {
  return `HighErrorRatio${String(i).padStart(5, '0')}`;
}

function generatedRule(i: number, padding: number): AlertingRule {
  const job = `service-${i % 97}`;
  return {
    alert: generatedAlertName(i),
    expr: `sum(rate(http_requests_total{job="${job}",code=~"5..",route="/api/v${i % 3}/items"}[5m])) by (instance)`
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
