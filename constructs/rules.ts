/**
 * vmalert rule groups: types, loading and validation of rule files, rendering to YAML and packing into
 * ConfigMap-sized files. No cdk8s here.
 */
import * as yaml from 'js-yaml';
import { DURATION_HINT, isDuration } from './duration';
import { ConfigError } from './errors';

/** An alerting rule, as in a Prometheus/vmalert rule file. */
export interface AlertingRule {
  /** Name of the alert; becomes the `alertname` label. */
  readonly alert: string;
  /** PromQL/MetricsQL expression; every series it returns is an active alert. */
  readonly expr: string;
  /**
   * How long the expression must keep returning a series before the alert fires.
   * @default - fires on the first evaluation that returns it
   */
  readonly for?: string;
  /**
   * Labels added to the alert; values may use templates such as `{{ $labels.job }}`.
   * @default - none
   */
  readonly labels?: Record<string, string>;
  /**
   * Annotations (summary, description, runbook_url ...); values may use templates.
   * @default - none
   */
  readonly annotations?: Record<string, string>;
}

/** A recording rule: evaluates `expr` and writes the result as the series `record`. */
export interface RecordingRule {
  /** Metric name of the recorded series. */
  readonly record: string;
  /** PromQL/MetricsQL expression to record. */
  readonly expr: string;
  /**
   * Labels added to the recorded series.
   * @default - none
   */
  readonly labels?: Record<string, string>;
}

/** One rule of a group: alerting or recording. */
export type Rule = AlertingRule | RecordingRule;

/** A group of rules evaluated together, one after another, at the group's interval. */
export interface RuleGroup {
  /** Group name, unique among all groups a vmalert loads. */
  readonly name: string;
  /**
   * How often the group is evaluated.
   * @default - vmalert's `-evaluationInterval`
   */
  readonly interval?: string;
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
   * Largest number of series a rule may return; more is an evaluation error.
   * @default - no limit
   */
  readonly limit?: number;
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

const GROUP_KEYS = ['name', 'interval', 'concurrency', 'labels', 'limit', 'rules'];
const ALERTING_KEYS = ['alert', 'expr', 'for', 'labels', 'annotations'];
const RECORDING_KEYS = ['record', 'expr', 'labels'];
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const RULE_FILE_NAME = /^[a-zA-Z0-9._-]+\.yml$/;

/** Parses and validates the text of a rule file. `source` names the file in every error. */
export function parseRuleFile(text: string, source: string): RuleGroup[] {
  let document: unknown;
  try {
    document = yaml.load(text, { filename: source });
  } catch (error) {
    throw yamlError(error, text, source);
  }
  return validateRuleGroups(document, source);
}

/**
 * Checks a parsed rule document (`{ groups: [...] }`) and returns its groups with scalar label and annotation values
 * turned into strings, as vmalert reads them. Every problem is reported at once, each naming group and rule.
 */
export function validateRuleGroups(document: unknown, source: string): RuleGroup[] {
  if (!isMapping(document) || !('groups' in document)) {
    throw new ConfigError(`${source}: a rule file needs a top-level "groups:" list (groups: [{ name: ..., rules: [...] }])`);
  }
  const groups = document.groups;
  if (!Array.isArray(groups) || groups.length === 0) {
    throw new ConfigError(`${source}: "groups" must be a non-empty list of rule groups`);
  }
  const problems: string[] = [];
  const seen = new Set<string>();
  const result = groups.map((group, index) => {
    const groupName = isMapping(group) && typeof group.name === 'string' ? group.name : `#${index + 1}`;
    const report = (problem: string) => problems.push(`${source}: group "${groupName}": ${problem}`);
    if (!isMapping(group)) {
      report('must be a mapping with "name" and "rules"');
      return undefined;
    }
    if (typeof group.name !== 'string' || group.name.trim() === '') report('needs a non-empty "name"');
    else if (seen.has(group.name)) report('the group name is used twice in this file; group names must be unique: rename one of them');
    else seen.add(group.name);
    reportUnknownKeys(group, GROUP_KEYS, report);
    if (group.interval !== undefined && !isDuration(group.interval)) {
      report(`interval: ${JSON.stringify(group.interval)} is not a duration (${DURATION_HINT})`);
    }
    for (const key of ['concurrency', 'limit']) {
      const value = group[key];
      if (value !== undefined && (!Number.isInteger(value) || (value as number) < 0)) {
        report(`${key}: ${JSON.stringify(value)} must be a whole number >= 0`);
      }
    }
    const labels = checkLabels(group.labels, 'labels', report);
    if (!Array.isArray(group.rules) || group.rules.length === 0) {
      report('needs a non-empty "rules" list (each rule has "alert" or "record", and "expr")');
      return undefined;
    }
    const rules = group.rules.map((rule: unknown, ruleIndex: number) =>
      validateRule(rule, ruleIndex, problem => report(problem)));
    return {
      ...group,
      ...(labels ? { labels } : {}),
      rules: rules.filter((r): r is Rule => r !== undefined),
    } as RuleGroup;
  });
  if (problems.length > 0) throw new ConfigError(problems.join('\n'));
  return result as RuleGroup[];
}

function validateRule(rule: unknown, index: number, reportGroup: (problem: string) => void): Rule | undefined {
  if (!isMapping(rule)) {
    reportGroup(`rule #${index + 1} must be a mapping with "alert" or "record", and "expr"`);
    return undefined;
  }
  const hasAlert = rule.alert !== undefined;
  const hasRecord = rule.record !== undefined;
  const name = hasAlert ? String(rule.alert) : hasRecord ? String(rule.record) : `#${index + 1}`;
  const report = (problem: string) => reportGroup(`rule "${name}": ${problem}`);
  if (hasAlert === hasRecord) {
    report(hasAlert
      ? 'has both "alert" and "record": a rule is either an alerting rule or a recording rule'
      : 'has neither "alert" nor "record": name it with one of them');
    return undefined;
  }
  if (hasAlert && (typeof rule.alert !== 'string' || rule.alert.trim() === '')) report('"alert" must be a non-empty name');
  if (hasRecord && (typeof rule.record !== 'string' || !METRIC_NAME.test(rule.record))) {
    report(`record: ${JSON.stringify(rule.record)} is not a valid metric name (letters, digits, "_" and ":"; not starting with a digit)`);
  }
  reportUnknownKeys(rule, hasAlert ? ALERTING_KEYS : RECORDING_KEYS, report);
  const expr = typeof rule.expr === 'number' ? String(rule.expr) : rule.expr;
  if (typeof expr !== 'string' || expr.trim() === '') {
    report('"expr" is empty: give the PromQL/MetricsQL expression to evaluate');
  } else {
    const bracketProblem = unbalancedBrackets(expr);
    if (bracketProblem) report(`expr: ${bracketProblem}`);
  }
  if (hasAlert && rule.for !== undefined && !isDuration(rule.for)) {
    report(`for: ${JSON.stringify(rule.for)} is not a duration (${DURATION_HINT})`);
  }
  const labels = checkLabels(rule.labels, 'labels', report);
  const annotations = hasAlert ? checkLabels(rule.annotations, 'annotations', report) : undefined;
  return {
    ...rule,
    expr,
    ...(labels ? { labels } : {}),
    ...(annotations ? { annotations } : {}),
  } as Rule;
}

/** Checks label or annotation names and templates; returns the map with scalar values as strings. */
function checkLabels(value: unknown, field: string, report: (problem: string) => void): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isMapping(value)) {
    report(`${field} must be a mapping of names to values`);
    return undefined;
  }
  const result: Record<string, string> = {};
  for (const [key, raw] of Object.entries(value)) {
    if (!LABEL_NAME.test(key) || key.startsWith('__')) {
      report(`${field}: ${JSON.stringify(key)} is not a valid name (letters, digits and "_", not starting with a digit or "__")`);
    }
    if (raw === null || typeof raw === 'object') {
      report(`${field}.${key} must be a text value`);
      continue;
    }
    const text = String(raw);
    const templateProblem = unbalancedTemplate(text);
    if (templateProblem) report(`${field}.${key}: ${templateProblem}`);
    result[key] = text;
  }
  return result;
}

function reportUnknownKeys(object: Record<string, unknown>, allowed: string[], report: (problem: string) => void): void {
  const unknown = Object.keys(object).filter(k => !allowed.includes(k));
  if (unknown.length > 0) {
    report(`unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map(k => `"${k}"`).join(', ')} (allowed: ${allowed.join(', ')})`);
  }
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

function closingQuote(text: string, start: number): number {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\' && quote !== '`') i++;
    else if (text[i] === quote) return i;
  }
  return -1;
}

/** Finds an unbalanced `{{` / `}}` in a Go template string; undefined when balanced. */
export function unbalancedTemplate(text: string): string | undefined {
  let openAt = -1;
  for (let i = 0; i < text.length - 1; i++) {
    const pair = text.slice(i, i + 2);
    if (pair === '{{') {
      if (openAt >= 0) return `template "{{" at column ${openAt + 1} is not closed before the next "{{" at column ${i + 1}`;
      openAt = i;
      i++;
    } else if (pair === '}}') {
      if (openAt < 0) return `template "}}" at column ${i + 1} has no opening "{{"`;
      openAt = -1;
      i++;
    }
  }
  return openAt >= 0 ? `template "{{" at column ${openAt + 1} is never closed: add "}}"` : undefined;
}

/** Turns a js-yaml exception into an error naming file, line, and the group and rule around that line. */
function yamlError(error: unknown, text: string, source: string): ConfigError {
  if (!(error instanceof yaml.YAMLException)) return new ConfigError(`${source}: ${String(error)}`);
  const mark = error.mark as { line: number; column: number } | undefined;
  const line = mark ? mark.line + 1 : undefined;
  const lines = text.split('\n');
  const where = line !== undefined ? `${source}:${line}:${mark!.column + 1}` : source;
  const context = line !== undefined ? enclosingRule(lines, line - 1) : '';
  const offending = line !== undefined ? lines[line - 1]?.trim() : undefined;
  let message = `${where}: invalid YAML${context}: ${error.reason}`;
  if (offending) message += `\n  ${line} | ${offending}`;
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
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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
