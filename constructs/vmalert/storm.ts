/**
 * Whether an alert storm reaches the inbox as one email per group, checked against the Alertmanager route. No cdk8s here.
 *
 * vmalert (app/vmalert/rule/alerting.go) sends an alert's `startsAt` as the timestamp of the evaluation that fired it,
 * and that timestamp is `now - evalDelay` truncated to the group's interval (rule/group.go, adjustReqTimestamp). So an
 * alert arrives at Alertmanager up to `evalDelay + interval` (plus the group's evaluation and the send) old.
 * Alertmanager (dispatch/dispatch.go) flushes a new aggregation group at once, "Alert is old enough for immediate
 * flush", when the alert that creates it started more than `group_wait` ago: the email leaves with the first alert of
 * the storm, before the rest of the same POST is inserted, and the other peers, flushing later with more alerts, find a
 * notification log that does not match and send again. A route's `group_wait` must exceed that age.
 *
 * Each peer then flushes a group `group_wait` after the POST that created it and every `group_interval` after that,
 * with the alerts it holds at that instant. When both are whole multiples of the rules' interval, every flush falls on
 * an evaluation's POST: a resolution that reaches one peer just before a flush and another just after it is emailed as
 * RESOLVED, then FIRING again by the later peer (its log entry holds no firing alert, dedup_stage.go), then RESOLVED
 * (__tests__/real-binaries/alertmanager-resolve-race.test.ts). A route's flushes must keep clear of the evaluations.
 */
import * as yaml from 'js-yaml';
import { formatDuration, parseDuration } from '../core/duration';
import { AlertingRule, isAlertingRule, RuleGroup } from '../rules/rules';
import { ruleDurationMs } from '../rules/syntax';

/** Time for the group's evaluation and the POST to Alertmanager, on top of `evalDelay + interval`. */
export const STARTS_AT_MARGIN_MS = 5_000;
/** Alertmanager's defaults of the top-level route. */
const ALERTMANAGER_DEFAULT_GROUP_WAIT = '30s';
const ALERTMANAGER_DEFAULT_GROUP_INTERVAL = '5m';
/** An expression that is a number literal in `vector()` gives exactly one alert: no storm to split. */
const SINGLE_SERIES_EXPR = /^\s*vector\(\s*[-+0-9.eE]+\s*\)\s*$/;

/** The evaluation settings of vmalert that groups fall back on. */
export interface EvaluationDefaults {
  readonly evaluationIntervalMs: number;
  readonly evalDelayMs: number;
}

/**
 * The oldest `startsAt` an alert of `group` can carry when it reaches Alertmanager (ms), margin included. With
 * `eval_offset` vmalert evaluates at the offset without delay or truncation; with `eval_alignment: false` it delays
 * without truncating.
 */
export function startsAtAgeBoundMs(group: RuleGroup, defaults: EvaluationDefaults): number {
  if (group.eval_offset !== undefined) return STARTS_AT_MARGIN_MS;
  const delay = group.eval_delay !== undefined ? ruleDurationMs(group.eval_delay) ?? 0 : defaults.evalDelayMs;
  const interval = groupIntervalMs(group, defaults.evaluationIntervalMs);
  return delay + (group.eval_alignment === false ? 0 : interval) + STARTS_AT_MARGIN_MS;
}

/**
 * The shortest `group_wait` (whole seconds) that holds every new group of these rules until all its alerts are in (the
 * oldest startsAt of any of them, and at least that of a group on vmalert's own settings; no groups given: that alone)
 * and whose flushes keep clear of every such group's evaluations, for a `group_interval` that is a whole number of
 * their intervals. When no value within the longest interval clears them all, the first holds.
 */
export function stormSafeGroupWait(groups: readonly RuleGroup[], defaults: EvaluationDefaults): string {
  const alerting = [{ name: '', rules: [] }, ...groups.filter(g => g.rules.some(isAlertingRule))];
  const firstMs = Math.ceil(Math.max(...alerting.map(g => startsAtAgeBoundMs(g, defaults))) / 1000) * 1000;
  const intervals = [...new Set(alerting.map(g => groupIntervalMs(g, defaults.evaluationIntervalMs)))];
  for (let waitMs = firstMs; waitMs <= firstMs + Math.max(...intervals); waitMs += 1000) {
    if (intervals.every(interval => flushesClear(waitMs % interval, interval))) return formatDuration(waitMs);
  }
  return formatDuration(firstMs);
}

/** The interval a group is evaluated on (ms). */
function groupIntervalMs(group: RuleGroup, defaultIntervalMs: number): number {
  return group.interval !== undefined ? ruleDurationMs(group.interval) ?? defaultIntervalMs : defaultIntervalMs;
}

/** An alerting rule and its group. */
interface PlacedRule {
  readonly group: RuleGroup;
  readonly rule: AlertingRule;
}

/** A node of the routing tree as alertmanager.yml writes it. */
interface RouteNode {
  readonly receiver?: string;
  readonly group_by?: string[];
  readonly group_wait?: string;
  readonly group_interval?: string;
  readonly matchers?: string[];
  readonly match?: Record<string, string>;
  readonly continue?: boolean;
  readonly routes?: RouteNode[];
}

/** The timings that bound how long a breach takes to reach the inbox. */
export interface BreachTimings {
  readonly evalDelayMs: number;
  readonly intervalMs: number;
  readonly forMs: number;
  readonly groupWaitMs: number;
}

/**
 * The longest time from a breach (the first sample over the threshold) to the first email of its new group, before
 * evaluating, rendering and sending: the breach waits for the next aligned evaluation timestamp (up to an interval)
 * plus the eval delay, the group evaluates that timestamp at its start phase within the interval (vmalert spreads
 * groups over up to an interval, rule/group.go delayBeforeStart), then `for:` in whole evaluations, then group_wait.
 */
export function breachToEmailBoundMs(t: BreachTimings): number {
  return t.evalDelayMs + 2 * t.intervalMs + Math.ceil(t.forMs / t.intervalMs) * t.intervalMs + t.groupWaitMs;
}

/**
 * How close a flush may come to an evaluation's POST (ms): the time an evaluation and its POST may vary by, at most a
 * quarter of the interval.
 */
export function flushClearanceMs(intervalMs: number): number {
  return Math.min(STARTS_AT_MARGIN_MS, intervalMs / 4);
}

/** Whether flushes `phaseMs` after each evaluation keep their clearance from it and from the next one. */
function flushesClear(phaseMs: number, intervalMs: number): boolean {
  const clearance = flushClearanceMs(intervalMs);
  return phaseMs >= clearance && intervalMs - phaseMs >= clearance;
}

/**
 * Where a route's flushes fall between the evaluations of a group on `intervalMs` (ms after the POST before them), or
 * undefined when `group_interval` is not a whole number of intervals and the flushes drift across them.
 */
export function flushPhaseMs(groupWaitMs: number, groupIntervalMs: number, intervalMs: number): number | undefined {
  return groupIntervalMs % intervalMs === 0 ? groupWaitMs % intervalMs : undefined;
}

/**
 * One line per route whose `group_wait` lets a new group of a rule that may reach it flush on its first alert, or
 * whose flushes fall on the evaluations of such a rule's group, naming the route (its path in alertmanager.yml and
 * receiver) and the rule; empty when every route holds.
 * `alertmanagerYaml` is the rendered alertmanager.yml; `externalLabels` are added to every alert.
 */
export function stormSplitWarnings(alertmanagerYaml: string, groups: readonly RuleGroup[], defaults: EvaluationDefaults,
  externalLabels: Readonly<Record<string, string>> = {}): string[] {
  const config = yaml.load(alertmanagerYaml) as { route?: RouteNode } | undefined;
  if (!config?.route) return [];
  const rules: PlacedRule[] = groups.flatMap(group => group.rules.filter(isAlertingRule)
    .filter(rule => !SINGLE_SERIES_EXPR.test(rule.expr))
    .map(rule => ({ group, rule })));
  const warnings: string[] = [];
  walk(config.route, 'route', ALERTMANAGER_DEFAULT_GROUP_WAIT, ALERTMANAGER_DEFAULT_GROUP_INTERVAL, undefined, rules);
  return warnings;

  function walk(route: RouteNode, at: string, inheritedWait: string, inheritedInterval: string, inheritedGroupBy: string[] | undefined,
    reaching: PlacedRule[]): void {
    const groupWait = route.group_wait ?? inheritedWait;
    const groupInterval = route.group_interval ?? inheritedInterval;
    const groupBy = route.group_by ?? inheritedGroupBy;
    let handledHere = reaching;
    (route.routes ?? []).forEach((child, i) => {
      walk(child, `${at}.routes[${i}]`, groupWait, groupInterval, groupBy,
        handledHere.filter(p => matchesRoute(child, p, externalLabels) !== false));
      if (!child.continue) handledHere = handledHere.filter(p => matchesRoute(child, p, externalLabels) !== true);
    });
    // group_by: ['...'] gives every alert a group of its own: nothing to split.
    if (groupBy?.includes('...') || handledHere.length === 0) return;
    const waitMs = parseDuration(groupWait);
    const oldest = handledHere
      .map(p => ({ ...p, ageMs: startsAtAgeBoundMs(p.group, defaults) }))
      .reduce((a, b) => (b.ageMs > a.ageMs ? b : a));
    const receiver = route.receiver ? ` (receiver "${route.receiver}")` : '';
    if (oldest.ageMs <= waitMs) {
      const aligned = alignedFlushes(handledHere, waitMs, parseDuration(groupInterval), defaults.evaluationIntervalMs);
      if (aligned) {
        warnings.push(`${at}${receiver} has group_wait ${groupWait} and group_interval ${groupInterval}, so its flushes fall `
          + `${formatDuration(aligned.phaseMs)} after an evaluation of group "${aligned.group.name}" (interval `
          + `${formatDuration(aligned.intervalMs)}, rule "${aligned.rule.alert}"): a resolution that reaches one Alertmanager `
          + 'just before a flush and another just after it is emailed as RESOLVED, then FIRING again, then RESOLVED. Set '
          + `group_wait to ${formatDuration(aligned.suggestedWaitMs)}, half an interval after the evaluations.`);
      }
      return;
    }
    warnings.push(`${at}${receiver} has group_wait ${groupWait}, but rule "${oldest.rule.alert}" of group "${oldest.group.name}" `
      + `reaches Alertmanager with a startsAt up to ${formatDuration(oldest.ageMs)} old (eval delay + the group's interval + `
      + `${formatDuration(STARTS_AT_MARGIN_MS)} to evaluate and send): Alertmanager flushes such a new group on its first alert, `
      + 'so a storm of that rule arrives split over several emails, some sent twice by different peers, and its flushes fall '
      + 'on the evaluations, so a resolution may be emailed twice with a stale FIRING between. Set group_wait to at '
      + `least ${formatDuration(Math.ceil(oldest.ageMs / 1000) * 1000)}, or set eval_alignment: false on the group (then eval delay + `
      + `${formatDuration(STARTS_AT_MARGIN_MS)} suffices).`);
  }
}

/** The first rule whose group's evaluations a route with these timings flushes on, with a group_wait that avoids them. */
function alignedFlushes(reaching: readonly PlacedRule[], groupWaitMs: number, routeIntervalMs: number, defaultIntervalMs: number):
  (PlacedRule & { intervalMs: number; phaseMs: number; suggestedWaitMs: number }) | undefined {
  for (const placed of reaching) {
    const intervalMs = groupIntervalMs(placed.group, defaultIntervalMs);
    const phaseMs = flushPhaseMs(groupWaitMs, routeIntervalMs, intervalMs);
    if (phaseMs === undefined) continue;
    if (flushesClear(phaseMs, intervalMs)) continue;
    const half = intervalMs / 2;
    const suggestedWaitMs = Math.ceil((groupWaitMs + ((half - phaseMs + intervalMs) % intervalMs)) / 1000) * 1000;
    return { ...placed, intervalMs, phaseMs, suggestedWaitMs };
  }
  return undefined;
}

/**
 * Whether the alerts of `placed` match the route's matchers: true or false when every matcher names a label the rule
 * sets to a fixed value (or alertname), undefined when some label comes from the query or a template.
 */
function matchesRoute(route: RouteNode, placed: PlacedRule, externalLabels: Readonly<Record<string, string>>): boolean | undefined {
  const fixed: Record<string, string> = { ...externalLabels, ...fixedLabels(placed.rule), alertname: placed.rule.alert };
  const matchers = [
    ...(route.matchers ?? []).map(parseMatcher),
    ...Object.entries(route.match ?? {}).map(([label, value]) => ({ label, op: '=', value })),
  ];
  let known = true;
  for (const matcher of matchers) {
    const value = matcher && fixed[matcher.label];
    if (!matcher || value === undefined) {
      known = false;
      continue;
    }
    const result = matcherHolds(matcher, value);
    if (result === false) return false;
    if (result === undefined) known = false;
  }
  return known ? true : undefined;
}

function fixedLabels(rule: AlertingRule): Record<string, string> {
  return Object.fromEntries(Object.entries(rule.labels ?? {}).filter(([, value]) => !value.includes('{{')));
}

interface Matcher {
  readonly label: string;
  readonly op: string;
  readonly value: string;
}

function parseMatcher(text: string): Matcher | undefined {
  const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|(\S*))\s*$/.exec(text);
  if (!match) return undefined;
  return { label: match[1], op: match[2], value: match[3] !== undefined ? JSON.parse(`"${match[3]}"`) : match[4] };
}

function matcherHolds(matcher: Matcher, value: string): boolean | undefined {
  if (matcher.op === '=') return value === matcher.value;
  if (matcher.op === '!=') return value !== matcher.value;
  let regex: RegExp;
  try {
    regex = new RegExp(`^(?:${matcher.value})$`);
  } catch {
    return undefined; // RE2 syntax JavaScript does not read: undecided
  }
  return matcher.op === '=~' ? regex.test(value) : !regex.test(value);
}
