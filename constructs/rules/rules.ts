/**
 * vmalert rule groups: types, loading and validation of rule files, rendering to YAML and packing into
 * ConfigMap-sized files. No cdk8s here.
 *
 * The model is the rule file of the pinned vmalert (app/vmalert/config/config.go at constructs/core/versions.ts): every
 * group and rule field it knows, under the names the file uses, read as its YAML decoder reads them (see
 * rule-syntax.ts). What vmalert refuses in a file is refused here with the file, group and rule named; what only its
 * expression parser or template engine can judge is left to it (see the `testing` module).
 */
import * as yaml from 'js-yaml';
import { ConfigError } from '../core/errors';
import { compact } from '../core/objects';
import { ruleDocuments } from './manifests';
import {
  closingQuote, decodeBool, decoded, Decoded, decodeInt, decodeRuleFileBytes, decodeString, decodeUnmarshalerString,
  loadSourceText, PlainScalar, RULE_DURATION_HINT, ruleDurationMs, templateProblem,
} from './syntax';

/** Where a group's expressions are sent: vmalert's `type` of a group. */
export type RuleGroupType = 'prometheus' | 'graphite' | 'vlogs';

/**
 * Fields every rule has. Field names are those of the rule file, so a typed group reads like the YAML; the rule file's
 * snake_case names are camelCase here (`updateEntriesLimit` is `update_entries_limit`), as jsii needs them. TypeScript
 * also takes the snake_case spelling, which is how groups read from a file (and `RulesConfigMap.groups`) hold them.
 */
export interface RuleCommon {
  /** Expression in the group's query language (MetricsQL unless the group's `type` says otherwise). */
  readonly expr: string;
  /**
   * Labels added to the result; values may use templates such as `{{ $labels.job }}`. Values are text, kept as
   * written (`version: 1.10` stays "1.10").
   * @default - none
   */
  readonly labels?: Record<string, string>;
  /**
   * Log every evaluation of this rule (overrides the group's `debug`).
   * @default - the group's `debug`
   */
  readonly debug?: boolean;
  /**
   * How many state updates of this rule vmalert keeps in memory for its web UI (overrides `-rule.updateEntriesLimit`).
   * Written as `update_entries_limit` in the rule file.
   * @default - vmalert's `-rule.updateEntriesLimit`
   */
  readonly updateEntriesLimit?: number;
  /**
   * `updateEntriesLimit` as the rule file spells it; TypeScript only. Give one of the two.
   * @default - vmalert's `-rule.updateEntriesLimit`
   * @jsii ignore
   */
  readonly update_entries_limit?: number;
}

/** An alerting rule, as in a Prometheus/vmalert rule file. */
export interface AlertingRule extends RuleCommon {
  /** Name of the alert; becomes the `alertname` label. */
  readonly alert: string;
  /**
   * How long the expression must keep returning a series before the alert fires.
   * @default - fires on the first evaluation that returns it
   */
  readonly for?: string;
  /**
   * How long the alert keeps firing after the expression stopped returning it (against flapping; vmalert >= 1.92).
   * Written as `keep_firing_for` in the rule file.
   * @default - resolves on the first evaluation without it
   */
  readonly keepFiringFor?: string;
  /**
   * `keepFiringFor` as the rule file spells it; TypeScript only. Give one of the two.
   * @default - resolves on the first evaluation without it
   * @jsii ignore
   */
  readonly keep_firing_for?: string;
  /**
   * Annotations (summary, description, runbook_url ...); values may use templates, kept as written.
   * @default - none
   */
  readonly annotations?: Record<string, string>;
}

/** A recording rule: evaluates `expr` and writes the result as the series `record`. */
export interface RecordingRule extends RuleCommon {
  /** Metric name of the recorded series. */
  readonly record: string;
  /**
   * Notes on the recorded series (description, runbook_url ...), kept as written. vmalert accepts them on a
   * recording rule and sends them nowhere; Prometheus refuses them there.
   * @default - none
   */
  readonly annotations?: Record<string, string>;
}

/** One rule of a group: alerting or recording. */
export type Rule = AlertingRule | RecordingRule;

/** A group of rules evaluated together, one after another, at the group's interval. */
export interface RuleGroup {
  /** Group name, unique among all groups a vmalert loads. */
  readonly name: string;
  /**
   * Query language of the group's expressions.
   * @default - vmalert's `-rule.defaultRuleType` ("prometheus": MetricsQL)
   */
  readonly type?: RuleGroupType;
  /**
   * How often the group is evaluated.
   * @default - vmalert's `-evaluationInterval`
   */
  readonly interval?: string;
  /**
   * Evaluate at this offset within each interval (e.g. 5m with interval 1h: at hh:05); needs `interval`, at most as
   * long as it. Not together with `evalDelay`. Written as `eval_offset` in the rule file.
   * @default - evaluations spread over the interval
   */
  readonly evalOffset?: string;
  /**
   * `evalOffset` as the rule file spells it; TypeScript only. Give one of the two.
   * @default - evaluations spread over the interval
   * @jsii ignore
   */
  readonly eval_offset?: string;
  /**
   * Shift each evaluation's time back by this much, for data that arrives late. Written as `eval_delay` in the rule
   * file.
   * @default - vmalert's `-rule.evalDelay`
   */
  readonly evalDelay?: string;
  /**
   * `evalDelay` as the rule file spells it; TypeScript only. Give one of the two.
   * @default - vmalert's `-rule.evalDelay`
   * @jsii ignore
   */
  readonly eval_delay?: string;
  /**
   * Align evaluation timestamps to multiples of the interval. Written as `eval_alignment` in the rule file.
   * @default true
   */
  readonly evalAlignment?: boolean;
  /**
   * `evalAlignment` as the rule file spells it; TypeScript only. Give one of the two.
   * @default true
   * @jsii ignore
   */
  readonly eval_alignment?: boolean;
  /**
   * Largest number of series a rule may return; more is an evaluation error. 0 means no limit.
   * @default - no limit
   */
  readonly limit?: number;
  /**
   * How many rules of the group vmalert evaluates at once.
   * @default 1
   */
  readonly concurrency?: number;
  /**
   * Labels added to every rule of the group.
   * @default - none
   */
  readonly labels?: Record<string, string>;
  /**
   * URL parameters added to each query of the group, e.g. `{ nocache: ["1"] }`.
   * @default - none
   */
  readonly params?: Record<string, string[]>;
  /**
   * HTTP headers added to each query of the group, each as "Name: value".
   * @default - none
   */
  readonly headers?: string[];
  /**
   * HTTP headers added to the group's notifications to Alertmanager, each as "Name: value". Written as
   * `notifier_headers` in the rule file.
   * @default - none
   */
  readonly notifierHeaders?: string[];
  /**
   * `notifierHeaders` as the rule file spells it; TypeScript only. Give one of the two.
   * @default - none
   * @jsii ignore
   */
  readonly notifier_headers?: string[];
  /**
   * Log every evaluation of the group's rules.
   * @default false
   */
  readonly debug?: boolean;
  /** The group's rules, evaluated in order. */
  readonly rules: Rule[];
}

/** A named rule file: what becomes one key of a rules ConfigMap. */
export interface RuleFile {
  /** File name inside the ConfigMap, ending in `.yml`. */
  readonly name: string;
  /** Where the groups came from, for error messages (a path, or a construct id). */
  readonly source: string;
  readonly groups: RuleGroup[];
}

export function isAlertingRule(rule: Rule): rule is AlertingRule {
  return (rule as AlertingRule).alert !== undefined;
}

/** The query languages vmalert's `type` accepts. */
export const RULE_GROUP_TYPES: readonly RuleGroupType[] = ['prometheus', 'graphite', 'vlogs'];
/** Top-level keys of a rule file. */
const FILE_KEYS = ['groups'];
const GROUP_KEYS = ['name', 'type', 'interval', 'eval_offset', 'eval_delay', 'eval_alignment', 'limit', 'concurrency',
  'labels', 'params', 'headers', 'notifier_headers', 'debug', 'rules'];
const COMMON_RULE_KEYS = ['expr', 'labels', 'debug', 'update_entries_limit'];
const ALERTING_KEYS = ['alert', 'for', 'keep_firing_for', 'annotations', ...COMMON_RULE_KEYS];
const RECORDING_KEYS = ['record', 'annotations', ...COMMON_RULE_KEYS];
/**
 * Keys yaml.v2 maps onto vmalert's internal fields (Group.File, Group.Checksum, Rule.ID): vmalert accepts and then
 * overwrites them. Refused here: a value there never does anything.
 */
const INTERNAL_KEYS: Record<string, string> = { file: 'group', checksum: 'group', id: 'rule' };
/**
 * Fields vmalert accepts on a recording rule and ignores; Prometheus refuses them. (Annotations are accepted there:
 * vmalert's own examples describe recorded series with them.)
 */
const ALERTING_ONLY = ['for', 'keep_firing_for'];
const RULE_FILE_NAME = /^[a-zA-Z0-9._-]+\.yml$/;

/** Parses and validates the text of a rule file. `source` names the file in every error. */
export function parseRuleFile(text: string, source: string): RuleGroup[] {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let documents: unknown[];
  try {
    documents = loadSourceText(body, source);
  } catch (error) {
    throw yamlError(error, body, source);
  }
  const problems: string[] = [];
  const rules = ruleDocuments(documents, source, problems);
  return validateDocuments(rules.map(r => r.document), source, rules.map(r => r.where), problems);
}

/** Parses the bytes of a rule file: UTF-8 (a BOM is fine) or UTF-16 with a BOM, as vmalert reads them. */
export function parseRuleFileBytes(bytes: Uint8Array, source: string): RuleGroup[] {
  const text = decodeRuleFileBytes(bytes, source);
  if (typeof text !== 'string') throw new ConfigError(text.problem);
  return parseRuleFile(text, source);
}

/**
 * Checks a rule document (`{ groups: [...] }`, typed or loaded) and returns its groups as vmalert reads them. Every
 * problem is reported at once, each naming group and rule.
 */
export function validateRuleGroups(document: unknown, source: string): RuleGroup[] {
  return validateDocuments([document], source);
}

/**
 * The groups of every YAML document of a file, as the pinned vmalert reads them: it decodes document after document
 * and concatenates their groups; a group name may appear once in the whole file. `names` names documents that came
 * from a manifest (the object); `problems` holds what was already found.
 */
function validateDocuments(documents: readonly unknown[], source: string, names: readonly string[] = [],
  problems: string[] = []): RuleGroup[] {
  const groups: RuleGroup[] = [];
  const seen = new Set<string>();
  documents.forEach((document, index) => {
    const where = names[index] ?? (documents.length > 1 ? `${source} (YAML document ${index + 1})` : source);
    if (document === null || document === undefined) return;
    if (!isMapping(document)) {
      problems.push(`${where}: a rule file is a mapping with a "groups:" list (groups: [{ name: ..., rules: [...] }]), not ${describe(document)}`);
      return;
    }
    const unknown = Object.keys(document).filter(k => !FILE_KEYS.includes(k));
    if (unknown.length > 0) {
      problems.push(`${where}: unknown top-level key${unknown.length > 1 ? 's' : ''} ${unknown.map(k => `"${k}"`).join(', ')}: `
        + 'vmalert refuses the file; a rule file has only "groups:" (move group settings such as labels into each group)');
    }
    const list = document.groups;
    if (list === null || list === undefined) return;
    if (!Array.isArray(list)) {
      problems.push(`${where}: "groups" must be a list of rule groups (groups: [{ name: ..., rules: [...] }])`);
      return;
    }
    list.forEach((raw, groupIndex) => {
      const group = validateGroup(raw, groupIndex, where, problems);
      if (!group) return;
      if (seen.has(group.name)) {
        problems.push(`${where}: group "${group.name}": the group name is used twice in this file; group names must be unique: rename one of them`);
      }
      seen.add(group.name);
      groups.push(group);
    });
  });
  if (problems.length > 0) throw new ConfigError(problems.join('\n'));
  return groups;
}

type Report = (problem: string) => void;

function validateGroup(raw: unknown, index: number, where: string, problems: string[]): RuleGroup | undefined {
  const rawName = isMapping(raw) ? decodeString(raw.name) : undefined;
  const name = rawName && 'value' in rawName ? rawName.value : '';
  const report: Report = problem => problems.push(`${where}: group "${name || `#${index + 1}`}": ${problem}`);
  if (!isMapping(raw)) {
    report(`must be a mapping with "name" and "rules", not ${describe(raw)}`);
    return undefined;
  }
  reportUnknownKeys(raw, GROUP_KEYS, 'group', report);
  if (rawName && 'problem' in rawName) report(`name ${rawName.problem}`);
  else if (name === '') report('needs a "name": add name: <a name unique in the file>');
  const type = take('type', decodeUnmarshalerString(raw.type), report);
  if (type !== undefined && !RULE_GROUP_TYPES.includes(type as RuleGroupType)) {
    report(`type: ${JSON.stringify(type)} is not a query language vmalert knows (use ${RULE_GROUP_TYPES.join(', ')})`);
  }
  const interval = durationField(raw, 'interval', report);
  const evalOffset = durationField(raw, 'eval_offset', report);
  const evalDelay = durationField(raw, 'eval_delay', report);
  const intervalMs = interval === undefined ? 0 : ruleDurationMs(interval) ?? 0;
  if (intervalMs < 0) report(`interval: ${interval} is negative; vmalert needs 0 or more`);
  if (evalOffset !== undefined && Math.abs(ruleDurationMs(evalOffset) ?? 0) > intervalMs) {
    report(interval === undefined
      ? `eval_offset: ${evalOffset} needs the group's own interval: set interval (longer than the offset)`
      : `eval_offset: ${evalOffset} is longer than the interval ${interval}: use an offset within the interval`);
  }
  if (evalOffset !== undefined && evalDelay !== undefined) report('eval_offset and eval_delay cannot be used together: keep one');
  const limit = take('limit', decodeInt(raw.limit), report);
  if (limit !== undefined && limit < 0) report(`limit: ${limit} is negative; use 0 (no limit) or more`);
  const concurrency = take('concurrency', decodeInt(raw.concurrency), report);
  if (concurrency !== undefined && concurrency < 0) report(`concurrency: ${concurrency} is negative; use 1 or more`);
  const labels = stringMap(raw.labels, 'labels', report, false);
  const params = paramsField(raw.params, report);
  const headers = headersField(raw, 'headers', report);
  const notifierHeaders = headersField(raw, 'notifier_headers', report);
  const evalAlignment = take('eval_alignment', decodeBool(raw.eval_alignment), report);
  const debug = take('debug', decodeBool(raw.debug), report);
  const rawRules = raw.rules;
  if (rawRules !== null && rawRules !== undefined && !Array.isArray(rawRules)) {
    report(`"rules" must be a list of rules (each has "alert" or "record", and "expr"), not ${describe(rawRules)}`);
  }
  const queryType = (type ?? 'prometheus') as RuleGroupType;
  const rules = (Array.isArray(rawRules) ? rawRules : [])
    .map((rule: unknown, i: number) => validateRule(rule, i, queryType, report))
    .filter((r): r is Rule => r !== undefined);
  reportDuplicateRules(rules, report);
  return compact({
    name,
    type: type as RuleGroupType | undefined,
    interval,
    eval_offset: evalOffset,
    eval_delay: evalDelay,
    eval_alignment: evalAlignment,
    limit,
    concurrency,
    labels,
    params,
    headers,
    notifier_headers: notifierHeaders,
    debug,
    rules,
  }) as RuleGroup;
}

function validateRule(raw: unknown, index: number, type: RuleGroupType, reportGroup: Report): Rule | undefined {
  if (!isMapping(raw)) {
    reportGroup(`rule #${index + 1} must be a mapping with "alert" or "record", and "expr", not ${describe(raw)}`);
    return undefined;
  }
  const alertResult = decodeString(raw.alert);
  const recordResult = decodeString(raw.record);
  const alert = 'value' in alertResult && alertResult.value !== '' ? alertResult.value : undefined;
  const record = 'value' in recordResult && recordResult.value !== '' ? recordResult.value : undefined;
  const name = alert ?? record ?? `#${index + 1}`;
  const report: Report = problem => reportGroup(`rule "${name}": ${problem}`);
  for (const [key, result] of [['alert', alertResult], ['record', recordResult]] as const) {
    if ('problem' in result) report(`${key}: ${result.problem}`);
  }
  if ((alert === undefined) === (record === undefined)) {
    report(alert !== undefined
      ? 'has both "alert" and "record": a rule is either an alerting rule or a recording rule'
      : 'has neither "alert" nor "record" (or an empty one): name it with one of them');
    return undefined;
  }
  const alerting = alert !== undefined;
  const misplaced = alerting ? [] : ALERTING_ONLY.filter(key => raw[key] !== undefined);
  if (misplaced.length > 0) {
    const them = misplaced.length > 1 ? 'them' : 'it';
    report(`${misplaced.map(k => `"${k}"`).join(', ')} only work${misplaced.length > 1 ? '' : 's'} on an alerting rule; vmalert ignores `
      + `${them} on a recording rule and Prometheus refuses ${them}: remove ${them}, or make this an alerting rule ("alert:")`);
  }
  reportUnknownKeys(raw, alerting ? ALERTING_KEYS : RECORDING_KEYS, 'rule', report);
  const exprResult = decodeString(raw.expr);
  let expr = '';
  if ('problem' in exprResult) report(`expr: ${exprResult.problem}`);
  else if ('value' in exprResult) expr = exprResult.value;
  if (expr.trim() === '') {
    report('"expr" is empty: give the expression to evaluate');
  } else if (type === 'prometheus') {
    const bracketProblem = unbalancedBrackets(expr);
    if (bracketProblem) report(`expr: ${bracketProblem}`);
  }
  const labels = stringMap(raw.labels, 'labels', report, true);
  if (labels && '__name__' in labels) report('labels: "__name__" cannot be set by a rule (vmalert refuses it): use "record" to name a series');
  const annotations = stringMap(raw.annotations, 'annotations', report, true);
  const common = {
    expr,
    labels,
    debug: take('debug', decodeBool(raw.debug), report),
    update_entries_limit: take('update_entries_limit', decodeInt(raw.update_entries_limit), report),
  };
  if (!alerting) return compact({ record, expr, labels, annotations, debug: common.debug, update_entries_limit: common.update_entries_limit }) as RecordingRule;
  return compact({
    alert,
    expr,
    for: durationField(raw, 'for', report),
    keep_firing_for: durationField(raw, 'keep_firing_for', report),
    labels,
    annotations,
    debug: common.debug,
    update_entries_limit: common.update_entries_limit,
  }) as AlertingRule;
}

/**
 * vmalert's identity of a rule within a group (config.HashRule): kind, name, expression and labels. Two rules with
 * the same identity make vmalert refuse the file, whatever their other fields.
 */
export function ruleIdentity(rule: Rule): string {
  const labels = Object.entries(rule.labels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([isAlertingRule(rule) ? 'alerting' : 'recording', isAlertingRule(rule) ? rule.alert : rule.record, rule.expr, labels]);
}

function reportDuplicateRules(rules: readonly Rule[], report: Report): void {
  const seen = new Map<string, number>();
  rules.forEach((rule, i) => {
    const identity = ruleIdentity(rule);
    const first = seen.get(identity);
    if (first === undefined) {
      seen.set(identity, i);
      return;
    }
    const name = isAlertingRule(rule) ? rule.alert : rule.record;
    report(`rule "${name}" (#${i + 1}) duplicates rule #${first + 1}: same name, expr and labels, which vmalert refuses `
      + '(it tells rules apart by these only): merge them, or give one a distinguishing label');
  });
}

/** The decoded value of `key`, reporting its problem. */
function take<T>(key: string, result: Decoded<T>, report: Report): T | undefined {
  if ('problem' in result) {
    report(`${key}: ${result.problem}`);
    return undefined;
  }
  return decoded(result);
}

function durationField(raw: Record<string, unknown>, key: string, report: Report): string | undefined {
  const result = decodeUnmarshalerString(raw[key]);
  if ('problem' in result) {
    report(`${key}: ${result.problem}`);
    return undefined;
  }
  if (!('value' in result)) return undefined;
  if (ruleDurationMs(result.value) === undefined) {
    report(`${key}: ${JSON.stringify(result.value)} is not a duration (${RULE_DURATION_HINT})`);
    return undefined;
  }
  return result.value;
}

/** A map of text values (labels, annotations), values kept as written; templates checked when `templates`. */
function stringMap(value: unknown, field: string, report: Report, templates: boolean): Record<string, string> | undefined {
  if (value === null || value === undefined) return undefined;
  if (!isMapping(value)) {
    report(`${field} must be a mapping of names to values, not ${describe(value)}`);
    return undefined;
  }
  const result: Record<string, string> = {};
  for (const [key, raw] of Object.entries(value)) {
    const text = decodeString(raw);
    if ('problem' in text) {
      report(`${field}.${key} ${text.problem}`);
      continue;
    }
    result[key] = 'value' in text ? text.value : '';
    const problem = templates ? templateProblem(result[key]) : undefined;
    if (problem) report(`${field}.${key}: ${problem}; vmalert parses a value holding "{{" and "}}" as a Go template (write {{ "{{" }} for a literal "{{")`);
  }
  return result;
}

function paramsField(value: unknown, report: Report): Record<string, string[]> | undefined {
  if (value === null || value === undefined) return undefined;
  if (!isMapping(value)) {
    report(`params must be a mapping of parameter names to lists of values (params: { nocache: ["1"] }), not ${describe(value)}`);
    return undefined;
  }
  const result: Record<string, string[]> = {};
  for (const [key, raw] of Object.entries(value)) {
    if (raw === null || raw === undefined) continue;
    if (!Array.isArray(raw)) {
      report(`params.${key} must be a list of values (${key}: ["..."]), not ${describe(raw)}`);
      continue;
    }
    result[key] = raw.map((item, i) => {
      const text = decodeString(item);
      if ('problem' in text) report(`params.${key}[${i}] ${text.problem}`);
      return 'value' in text ? text.value : '';
    });
  }
  return result;
}

function headersField(raw: Record<string, unknown>, key: string, report: Report): string[] | undefined {
  const value = raw[key];
  if (value === null || value === undefined) return undefined;
  if (!Array.isArray(value)) {
    report(`${key} must be a list of "Name: value" texts, not ${describe(value)}`);
    return undefined;
  }
  return value.map((item, i) => {
    const text = decodeUnmarshalerString(item);
    if ('problem' in text) {
      report(`${key}[${i}] ${text.problem}`);
      return '';
    }
    const header = 'value' in text ? text.value : '';
    if (header !== '' && !header.includes(':')) report(`${key}[${i}]: ${JSON.stringify(header)} has no ":": write "Name: value"`);
    return header;
  });
}

function reportUnknownKeys(object: Record<string, unknown>, allowed: readonly string[], what: 'group' | 'rule', report: Report): void {
  const unknown = Object.keys(object).filter(k => !allowed.includes(k));
  for (const key of unknown.filter(k => INTERNAL_KEYS[k] === what)) {
    report(`"${key}" is one of vmalert's internal ${what} fields: vmalert overwrites whatever is written there: remove it`);
  }
  const rest = unknown.filter(k => INTERNAL_KEYS[k] !== what && !(what === 'rule' && ALERTING_ONLY.includes(k)));
  if (rest.length > 0) {
    report(`unknown field${rest.length > 1 ? 's' : ''} ${rest.map(k => `"${k}"`).join(', ')}, which vmalert refuses (allowed: ${allowed.join(', ')})`);
  }
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (isMapping(value)) return 'a mapping';
  return `the text ${JSON.stringify(value instanceof PlainScalar ? value.text : value)}`;
}

const OPENING: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const CLOSING: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

/**
 * Finds an unbalanced (, [ or { in a PromQL expression, skipping string literals and comments.
 * Returns a description of the first problem, or undefined when balanced.
 */
export function unbalancedBrackets(expr: string): string | undefined {
  const open: Array<{ char: string; at: number }> = [];
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (c === '"' || c === "'" || c === '`') {
      const end = closingQuote(expr, i);
      if (end < 0) return `the string starting with ${c} at column ${i + 1} is never closed`;
      i = end;
    } else if (c === '#') {
      const newline = expr.indexOf('\n', i);
      if (newline < 0) break;
      i = newline;
    } else if (OPENING[c]) {
      open.push({ char: c, at: i });
    } else if (CLOSING[c]) {
      const last = open.pop();
      if (!last) return `unexpected "${c}" at column ${i + 1} has no matching "${CLOSING[c]}"`;
      if (last.char !== CLOSING[c]) {
        return `"${last.char}" at column ${last.at + 1} is closed by "${c}" at column ${i + 1}; expected "${OPENING[last.char]}"`;
      }
    }
  }
  const last = open.pop();
  return last ? `"${last.char}" at column ${last.at + 1} is never closed: add "${OPENING[last.char]}"` : undefined;
}

/** Turns a js-yaml exception into an error naming file, line, and the group and rule around that line. */
function yamlError(error: unknown, text: string, source: string): ConfigError {
  if (!(error instanceof yaml.YAMLException)) return new ConfigError(`${source}: ${String(error)}`);
  const mark = error.mark as { line: number; column: number } | undefined;
  const line = mark ? mark.line + 1 : undefined;
  const lines = text.split(/\r?\n/);
  const where = line !== undefined ? `${source}:${line}:${mark!.column + 1}` : source;
  const context = line !== undefined ? enclosingRule(lines, line - 1) : '';
  const offending = line !== undefined ? lines[line - 1]?.trim() : undefined;
  let message = `${where}: invalid YAML${context}: ${error.reason}`;
  if (offending) message += `\n  ${line} | ${offending}`;
  if (/duplicated mapping key/.test(error.reason)) {
    message += '\n  A key given twice in one mapping: vmalert would silently keep only the last value. Remove or rename one.';
  }
  if (offending && /:\s*(["']).*\1\s*\S/.test(offending)) {
    message += '\n  A value that starts with a quote ends at the next matching quote. Quote the whole value once, e.g. '
      + 'summary: \'{{ $labels.job }} CPU above 10%\' (inside single quotes write \'\' for a quote).';
  }
  return new ConfigError(message);
}

/** ' in group "g", rule "r"' for the closest group name and alert/record above a 0-based line. */
function enclosingRule(lines: string[], lineIndex: number): string {
  let rule: string | undefined;
  let group: string | undefined;
  for (let i = Math.min(lineIndex, lines.length - 1); i >= 0 && group === undefined; i--) {
    const ruleMatch = /^\s*-?\s*(?:alert|record):\s*["']?([^"'#]+?)["']?\s*$/.exec(lines[i]);
    if (ruleMatch && rule === undefined) rule = ruleMatch[1];
    const groupMatch = /^\s*-?\s*name:\s*["']?([^"'#]+?)["']?\s*$/.exec(lines[i]);
    if (groupMatch) group = groupMatch[1];
  }
  const parts = [group && `group "${group}"`, rule && `rule "${rule}"`].filter(Boolean);
  return parts.length ? ` in ${parts.join(', ')}` : '';
}

function isMapping(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof PlainScalar);
}

/** Group names used more than once across files, each with the sources that use it. */
export function duplicateGroupNames(files: readonly RuleFile[]): string[] {
  const sources = new Map<string, string[]>();
  for (const file of files) {
    for (const group of file.groups) sources.set(group.name, [...(sources.get(group.name) ?? []), file.source]);
  }
  return [...sources.entries()]
    .filter(([, where]) => where.length > 1)
    .map(([name, where]) => `group "${name}" is defined in ${where.join(' and ')}; group names must be unique: rename one`);
}

const RULE_FILE_DUMP_OPTIONS: yaml.DumpOptions = { lineWidth: -1, noRefs: true, quotingType: '"' };
/** How every non-empty rule file starts; the groups' list items follow. */
const RULE_FILE_HEADER = 'groups:\n';

/** The YAML of a rule file holding these groups. */
export function renderRuleFile(groups: readonly RuleGroup[]): string {
  return yaml.dump({ groups }, RULE_FILE_DUMP_OPTIONS);
}

/**
 * One group as an item of the `groups:` list. js-yaml writes each item of a block list on its own, so a rule file
 * is RULE_FILE_HEADER followed by its groups' items, byte for byte the same as renderRuleFile: packing renders each
 * group once instead of once per file, part and size check.
 */
function renderGroupItem(group: RuleGroup): string {
  const file = renderRuleFile([group]);
  if (!file.startsWith(RULE_FILE_HEADER)) throw new Error(`rendering group "${group.name}" did not start with ${JSON.stringify(RULE_FILE_HEADER)}`);
  return file.slice(RULE_FILE_HEADER.length);
}

/** `name` as a rule file name inside a ConfigMap: `*.yaml` and other suffixes become `.yml`. */
export function ruleFileName(name: string): string {
  const base = name.replace(/\.(ya?ml)$/i, '').replace(/[^a-zA-Z0-9._-]/g, '-');
  const fileName = `${base}.yml`;
  if (!RULE_FILE_NAME.test(fileName)) throw new ConfigError(`rule file name ${JSON.stringify(name)} cannot be used as a ConfigMap key`);
  return fileName;
}

/** A rendered rule file, ready to be one key of a ConfigMap. */
export interface RenderedRuleFile {
  readonly name: string;
  readonly content: string;
}

/**
 * Renders rule files and packs them into as few bins as possible, in order, each bin's data at most `budget` bytes.
 * A file too large for one bin is split between its groups into `<name>-<n>.yml` parts; a single group larger than
 * the budget is an error, since vmalert cannot split a group.
 */
export function packRuleFiles(files: readonly RuleFile[], budget: number): RenderedRuleFile[][] {
  const pieces: RenderedRuleFile[] = files.flatMap(file => splitRuleFile(file, budget));
  const bins: RenderedRuleFile[][] = [];
  let current: RenderedRuleFile[] = [];
  let used = 0;
  for (const piece of pieces) {
    const size = Buffer.byteLength(piece.content) + Buffer.byteLength(piece.name);
    if (current.length > 0 && used + size > budget) {
      bins.push(current);
      current = [];
      used = 0;
    }
    current.push(piece);
    used += size;
  }
  if (current.length > 0) bins.push(current);
  return bins;
}

function splitRuleFile(file: RuleFile, budget: number): RenderedRuleFile[] {
  if (file.groups.length === 0) return [{ name: file.name, content: renderRuleFile([]) }];
  const items = file.groups.map(group => {
    const text = renderGroupItem(group);
    return { group, text, bytes: Buffer.byteLength(text) };
  });
  const headerBytes = Buffer.byteLength(RULE_FILE_HEADER);
  const wholeBytes = headerBytes + items.reduce((sum, item) => sum + item.bytes, 0);
  const render = (part: typeof items) => RULE_FILE_HEADER + part.map(item => item.text).join('');
  if (wholeBytes + Buffer.byteLength(file.name) <= budget) return [{ name: file.name, content: render(items) }];
  const base = file.name.replace(/\.yml$/, '');
  const parts: RenderedRuleFile[] = [];
  let part: typeof items = [];
  let size = 0;
  const flush = () => {
    parts.push({ name: `${base}-${parts.length + 1}.yml`, content: render(part) });
    part = [];
    size = 0;
  };
  for (const item of items) {
    // The size of the group as a file of its own: the header counts once per group, a small margin per part.
    const groupSize = headerBytes + item.bytes;
    if (groupSize + 64 > budget) {
      throw new ConfigError(`${file.source}: group "${item.group.name}" renders to ${groupSize} bytes, more than a ConfigMap holds `
        + `(${budget} bytes of data): split it into smaller groups`);
    }
    if (part.length > 0 && size + groupSize + 64 > budget) flush();
    part.push(item);
    size += groupSize;
  }
  if (part.length > 0) flush();
  return parts;
}
