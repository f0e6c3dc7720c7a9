/**
 * The small languages inside a vmalert rule file, read the way the pinned vmalert reads them: YAML scalars as
 * gopkg.in/yaml.v2 resolves them into Go fields, MetricsQL durations, and the lexical shape of Go text/template.
 * Each function answers only what it can answer for certain; the rest is left to the real vmalert. No cdk8s here.
 */
import * as yaml from 'js-yaml';

/**
 * A plain (unquoted) YAML scalar, kept as written. yaml.v2 resolves a plain scalar by the Go field it lands in: a
 * `string` field takes the source text (`1.10` stays "1.10"), an `int` field parses it, a `bool` field looks it up
 * in YAML 1.1's table. Quoted and block scalars are plain JS strings.
 */
export class PlainScalar {
  constructor(public readonly text: string) {}
  /** js-yaml turns mapping keys into strings: a key keeps its text. */
  public toString(): string {
    return this.text;
  }
  public get [Symbol.toStringTag](): string {
    return 'PlainScalar';
  }
}

const plainScalarType = new yaml.Type('tag:cdk8s-vmalert-ha,2026:plain', {
  kind: 'scalar',
  resolve: () => true,
  construct: (data: string) => new PlainScalar(data),
  instanceOf: PlainScalar,
  represent: (value: object) => (value as PlainScalar).text,
});

/** Loads every scalar as text: plain ones as {@link PlainScalar}, the rest as strings; `<<` merges still work. */
const SOURCE_TEXT_SCHEMA = yaml.FAILSAFE_SCHEMA.extend({ implicit: [mergeKeyType(), plainScalarType] });

/**
 * Every YAML document of `text`, scalars kept as source text (see {@link PlainScalar}). Throws js-yaml's
 * YAMLException on a syntax error.
 */
export function loadSourceText(text: string, filename: string): unknown[] {
  return yaml.loadAll(text, undefined, { filename, schema: SOURCE_TEXT_SCHEMA });
}

/** js-yaml's own `<<` type (its typings do not export `types`). */
function mergeKeyType(): yaml.Type {
  const schema = yaml.DEFAULT_SCHEMA as unknown as { implicit: yaml.Type[] };
  const merge = schema.implicit.find(type => (type as unknown as { tag: string }).tag === 'tag:yaml.org,2002:merge');
  if (!merge) throw new Error('js-yaml has no merge key type');
  return merge;
}

/** Plain scalars yaml.v2 resolves to null: the zero value of the field. */
const YAML_NULLS = new Set(['~', 'null', 'Null', 'NULL']);
/**
 * Plain scalars for which yaml.v2 skips a custom unmarshaler (Duration, Type, Header) and leaves the field unset.
 * `Null` and `NULL` are not among them: they reach the unmarshaler as "".
 */
const YAML_NULLS_BEFORE_UNMARSHALER = new Set(['~', 'null']);
const YAML_TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const YAML_FALSE = new Set(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);
/** yaml.v2's float syntax for values that start with a digit or sign (resolve.go). */
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const GO_TIMESTAMP = /^\d{4}-\d{1,2}-\d{1,2}(?:[Tt ]\d{1,2}:\d{1,2}:\d{1,2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?)?$/;

/** The outcome of reading one YAML value into a Go field: the value, absent, or what is wrong. */
export type Decoded<T> = { readonly value: T } | { readonly absent: true } | { readonly problem: string };

/** The decoded value, or undefined when absent or wrong. */
export function decoded<T>(result: Decoded<T>): T | undefined {
  return 'value' in result ? result.value : undefined;
}

/** What kind of YAML node a value is, in yaml.v2's words, for messages. */
function nodeKind(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value !== null && typeof value === 'object' && !(value instanceof PlainScalar)) return 'a mapping';
  return 'a scalar';
}

/** Whether a loaded value is YAML null for a plain Go field (`~`, `null`, an empty value). */
export function isYamlNull(value: unknown): boolean {
  return value === null || value === undefined || (value instanceof PlainScalar && YAML_NULLS.has(value.text));
}

/** A Go `string` field: source text of any scalar; null gives "" (absent). */
export function decodeString(value: unknown): Decoded<string> {
  if (isYamlNull(value)) return { absent: true };
  if (value instanceof PlainScalar) return { value: value.text };
  if (typeof value === 'string') return { value };
  if (typeof value === 'number' || typeof value === 'boolean') return { value: String(value) };
  return { problem: `must be text, not ${nodeKind(value)}` };
}

/**
 * A string read by a custom unmarshaler (durations, `type`, headers): only `~`, `null` and an empty value leave the
 * field unset; any other scalar is its text.
 */
export function decodeUnmarshalerString(value: unknown): Decoded<string> {
  if (value === null || value === undefined || (value instanceof PlainScalar && YAML_NULLS_BEFORE_UNMARSHALER.has(value.text))) {
    return { absent: true };
  }
  if (value instanceof PlainScalar) return { value: YAML_NULLS.has(value.text) ? '' : value.text };
  if (typeof value === 'string') return { value };
  if (typeof value === 'number') return { value: String(value) };
  return { problem: `must be text, not ${nodeKind(value)}` };
}

/** A Go `bool` field: YAML 1.1's true/false words (yes, on, y ...), unquoted. */
export function decodeBool(value: unknown): Decoded<boolean> {
  if (isYamlNull(value)) return { absent: true };
  if (typeof value === 'boolean') return { value };
  if (value instanceof PlainScalar) {
    if (YAML_TRUE.has(value.text)) return { value: true };
    if (YAML_FALSE.has(value.text)) return { value: false };
  }
  const shown = value instanceof PlainScalar ? value.text : typeof value === 'string' ? JSON.stringify(value) : nodeKind(value);
  return { problem: `${shown} is not true or false (write true or false, unquoted)` };
}

/**
 * A Go `int` field: an unquoted whole number as yaml.v2 resolves it (decimal, 0x/0o/0b, a leading 0 for octal,
 * `_` separators); a number with a fraction is truncated, as yaml.v2 does.
 */
export function decodeInt(value: unknown): Decoded<number> {
  if (isYamlNull(value)) return { absent: true };
  if (typeof value === 'number') return Number.isFinite(value) ? { value: Math.trunc(value) } : { problem: `${value} is not a whole number` };
  if (typeof value === 'string') return { problem: `${JSON.stringify(value)} is quoted text: write the number without quotes` };
  if (!(value instanceof PlainScalar)) return { problem: `must be a whole number, not ${nodeKind(value)}` };
  const parsed = resolveYamlNumber(value.text);
  if (parsed === undefined || !Number.isFinite(parsed)) return { problem: `${value.text} is not a whole number` };
  return { value: Math.trunc(parsed) };
}

/** The number yaml.v2 resolves a plain scalar to, or undefined when it is not a number. */
function resolveYamlNumber(text: string): number | undefined {
  if (text === '') return undefined;
  if (text.startsWith('.')) return /^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(text) ? Number(text) : undefined;
  if (!/^[-+0-9]/.test(text) || GO_TIMESTAMP.test(text)) return undefined;
  const plain = text.replace(/_/g, '');
  const goInt = parseGoInt(plain);
  if (goInt !== undefined) return goInt;
  if (YAML_STYLE_FLOAT.test(plain)) return Number(plain);
  return undefined;
}

/** strconv.ParseInt(s, 0, 64) and ParseUint: sign, then 0x, 0o, 0b, a leading 0 (octal) or decimal digits. */
function parseGoInt(text: string): number | undefined {
  const match = /^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (!match) return undefined;
  const digits = match[2];
  let magnitude: number;
  if (/^0[xXoObB]/.test(digits)) magnitude = Number(digits.toLowerCase());
  else if (digits.length > 1 && digits.startsWith('0')) magnitude = parseInt(digits.slice(1), 8);
  else magnitude = Number(digits);
  return match[1] === '-' ? -magnitude : magnitude;
}

/**
 * Milliseconds in a duration as vmalert reads rule files (metricsql.DurationValue): a number of seconds (`90`,
 * `1.5`), or units ms, s, m, h, d, w, y, i, combinable and signed (`1h30m`, `1.5m`, `-5m`, `1h-5m`). Units other
 * than `m` may be upper case; `M` is not minutes. Returns undefined when vmalert would refuse it.
 */
export function ruleDurationMs(text: string): number | undefined {
  if (text === '') return undefined;
  // strconv.ParseFloat: Go's decimal float syntax, "_" allowed between digits.
  const digits = '[0-9]+(?:_[0-9]+)*';
  if (/[0-9.]$/.test(text) && new RegExp(`^[-+]?(${digits}\\.?(${digits})?|\\.${digits})([eE][-+]?${digits})?$`).test(text)) {
    return Math.trunc(Number(text.replace(/_/g, '')) * 1000);
  }
  let rest = text;
  let total = 0;
  let negative = false;
  while (rest.length > 0) {
    const length = scanSingleDuration(rest);
    if (length <= 0) return undefined;
    const part = parseSingleDuration(rest.slice(0, length));
    if (part === undefined) return undefined;
    rest = rest.slice(length);
    const signed = negative && part > 0 ? -part : part;
    total += signed;
    if (signed < 0) negative = true;
  }
  return Math.trunc(total);
}

const DURATION_UNIT_MS: Record<string, number> = {
  ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000, i: 0,
};

function scanSingleDuration(text: string): number {
  if (text.startsWith('$__interval')) return '$__interval'.length;
  if (text.startsWith('-$__interval')) return '-$__interval'.length;
  // As metricsql's scanner: a "." may be followed by no digits ("1.m" is one minute).
  const match = /^-?[0-9]+(?:\.[0-9]*)?/.exec(text);
  if (!match || match[0] === '-') return -1;
  const i = match[0].length;
  if (i >= text.length) return -1;
  const unit = text[i];
  const next = text[i + 1] ?? '';
  if (unit === 'm' || unit === 'M') {
    if (next === 's' || next === 'S') return i + 2;
    if (/[iIbB]/.test(next)) return -1;
    return unit === 'm' ? i + 1 : -1;
  }
  return /[shdwyiSHDWYI]/.test(unit) ? i + 1 : -1;
}

function parseSingleDuration(part: string): number | undefined {
  if (/^-?\$__interval$/.test(part)) return 0;
  const lower = part.toLowerCase();
  const unit = lower.endsWith('ms') ? 'ms' : lower[lower.length - 1];
  const value = Number(lower.slice(0, lower.length - unit.length));
  return Number.isFinite(value) ? value * DURATION_UNIT_MS[unit] : undefined;
}

export const RULE_DURATION_HINT = 'use a duration such as 30s, 5m, 1h30m or 1.5m';

/**
 * The first certain Go text/template error in a label or annotation value, judged as vmalert judges it: a text
 * without both `{{` and `}}` is not a template at all; otherwise the actions must be lexically complete (closed,
 * strings and comments terminated, parentheses balanced, not empty) and if/range/with/define/block closed by end.
 * Unknown functions and fields are left to the real vmalert. Undefined when nothing is certainly wrong.
 */
export function templateProblem(text: string): string | undefined {
  if (!text.includes('{{') || !text.includes('}}')) return undefined;
  const blocks: string[] = [];
  let at = 0;
  for (;;) {
    const open = text.indexOf('{{', at);
    if (open < 0) break;
    const action = lexAction(text, open);
    if ('problem' in action) return `template: ${action.problem} (the action at column ${open + 1})`;
    const problem = blockProblem(action.words, blocks);
    if (problem) return `template: ${problem} (the action at column ${open + 1})`;
    at = action.end;
  }
  const unclosed = blocks.pop();
  return unclosed ? `template: {{${unclosed}}} is never closed: add {{end}}` : undefined;
}

const SPACE = /[ \t\r\n]/;

/** Lexes one action starting at `{{`; returns where it ends and its leading word, or what is wrong. */
function lexAction(text: string, open: number): { end: number; words: string } | { problem: string } {
  let i = open + 2;
  if (text[i] === '-' && SPACE.test(text[i + 1] ?? '')) i += 2;
  const rightDelimAt = (p: number): number => {
    if (SPACE.test(text[p] ?? '') && text[p + 1] === '-' && text.startsWith('}}', p + 2)) return p + 4;
    return text.startsWith('}}', p) ? p + 2 : -1;
  };
  if (text.startsWith('/*', i)) {
    const close = text.indexOf('*/', i + 2);
    if (close < 0) return { problem: 'unclosed comment' };
    const end = rightDelimAt(close + 2);
    return end < 0 ? { problem: 'comment ends before closing delimiter' } : { end, words: '' };
  }
  const start = i;
  let parens = 0;
  let content = false;
  for (;;) {
    const end = rightDelimAt(i);
    if (end >= 0) {
      if (parens > 0) return { problem: 'unclosed left paren' };
      if (!content) return { problem: 'missing value for command (an empty {{ }})' };
      return { end, words: text.slice(start, i).trim() };
    }
    if (i >= text.length) return { problem: 'unclosed action: add "}}"' };
    const c = text[i];
    if (c === '"' || c === "'") {
      const close = closingQuote(text, i, true);
      if (close < 0) return { problem: c === '"' ? 'unterminated quoted string' : 'unterminated character constant' };
      i = close;
    } else if (c === '`') {
      const close = text.indexOf('`', i + 1);
      if (close < 0) return { problem: 'unterminated raw quoted string' };
      i = close;
    } else if (c === '(') {
      parens++;
    } else if (c === ')') {
      if (--parens < 0) return { problem: 'unexpected right paren' };
    } else if (c === '{' && text[i + 1] === '{') {
      return { problem: 'unexpected "{" in command: "{{" inside an action (is a "}}" missing before it?)' };
    }
    if (!SPACE.test(c)) content = true;
    i++;
  }
}

const OPENS_BLOCK = /^(if|range|with|define|block)\b/;

function blockProblem(words: string, blocks: string[]): string | undefined {
  const keyword = /^[a-z]+\b/.exec(words)?.[0];
  if (keyword !== undefined && OPENS_BLOCK.test(keyword)) {
    blocks.push(keyword);
  } else if (keyword === 'end') {
    if (blocks.pop() === undefined) return 'unexpected {{end}}';
  } else if (keyword === 'else') {
    const top = blocks[blocks.length - 1];
    if (top !== 'if' && top !== 'range' && top !== 'with') return 'unexpected {{else}}';
  }
  return undefined;
}

/** Index of the quote closing the string that starts at `start`, or -1; `\` escapes; a newline ends it when `lineOnly`. */
export function closingQuote(text: string, start: number, lineOnly = false): number {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\' && quote !== '`') i++;
    else if (text[i] === quote) return i;
    else if (lineOnly && text[i] === '\n') return -1;
  }
  return -1;
}

/**
 * Decodes the bytes of a rule file as yaml.v2 does: UTF-8, with or without a BOM, or UTF-16 with a BOM. Anything
 * else is refused by vmalert ("invalid leading UTF-8 octet"), so the message names the byte and the fix.
 */
export function decodeRuleFileBytes(bytes: Uint8Array, source: string): string | { problem: string } {
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return Buffer.from(bytes.subarray(2)).swap16().toString('utf16le');
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return Buffer.from(bytes.subarray(2)).toString('utf16le');
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    const offset = firstInvalidUtf8(bytes);
    const before = Buffer.from(bytes.subarray(0, offset)).toString('utf8');
    const line = before.split('\n').length;
    const name = source.split(/[\\/]/).pop() ?? source;
    return {
      problem: `${source}:${line}: the file is not UTF-8 (byte 0x${bytes[offset].toString(16).toUpperCase().padStart(2, '0')} `
        + `at offset ${offset}); vmalert reads rule files as UTF-8 and refuses it. Convert it from the editor's encoding, e.g. `
        + `iconv -f BIG5 -t UTF-8 ${name} > ${name}.utf8 && mv ${name}.utf8 ${name} (or -f LATIN1, -f GBK ...)`,
    };
  }
}

function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const length = b < 0x80 ? 1 : (b & 0xe0) === 0xc0 && b >= 0xc2 ? 2 : (b & 0xf0) === 0xe0 ? 3 : (b & 0xf8) === 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) return i;
    for (let k = 1; k < length; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return i;
    const text = Buffer.from(bytes.subarray(i, i + length)).toString('utf8');
    if (text.includes('\uFFFD')) return i;
    i += length;
  }
  return Math.max(0, bytes.length - 1);
}
