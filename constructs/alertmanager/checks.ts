/**
 * What the pinned Alertmanager (`amtool check-config`, or the running process) refuses in an alertmanager.yml
 * document, checked on the snake_case document both typed configs and `fromFile` produce, with the path inside
 * the document. Also the route tree's effective timings (defaults and inheritance included) and the retention
 * floor. No cdk8s here.
 */
import { formatDuration, isDuration, parseDuration } from '../core/duration';

/** Alertmanager's defaults for a route that sets nothing (config/config.go DefaultRouteOpts). */
export const ROUTE_DEFAULTS = { group_wait: '30s', group_interval: '5m', repeat_interval: '4h' } as const;

/** Effective timings of one route: its own values, else its parent's, else Alertmanager's defaults. */
export interface EffectiveRoute {
  /** Where it is, e.g. `route.routes[0]`. */
  readonly at: string;
  readonly groupInterval: string;
  readonly repeatInterval: string;
  /** Whether group_interval was written on this route (not inherited or defaulted). */
  readonly groupIntervalSet: boolean;
}

/** Every route of the tree with its effective group_interval and repeat_interval. */
export function effectiveRoutes(document: Record<string, unknown>): EffectiveRoute[] {
  const found: EffectiveRoute[] = [];
  const visit = (route: unknown, at: string, inherited: { group_interval: string; repeat_interval: string }) => {
    if (!isMapping(route)) return;
    const groupInterval = route.group_interval !== undefined ? String(route.group_interval) : inherited.group_interval;
    const repeatInterval = route.repeat_interval !== undefined ? String(route.repeat_interval) : inherited.repeat_interval;
    found.push({ at, groupInterval, repeatInterval, groupIntervalSet: route.group_interval !== undefined });
    if (Array.isArray(route.routes)) {
      route.routes.forEach((child, i) => visit(child, `${at}.routes[${i}]`, { group_interval: groupInterval, repeat_interval: repeatInterval }));
    }
  };
  visit(document.route, 'route', ROUTE_DEFAULTS);
  return found;
}

/**
 * Why `retention` (`--data.retention`) is too short for the routes, or undefined. A sent notification is recorded
 * in the notification log until min(retention, 2 x repeat_interval) (nflog.Log, notify/set_notifies_stage.go).
 * A peer that finds no record of a group treats the next flush as a first notification (DedupStage.needsUpdate:
 * entry == nil), and a record that arrives through gossip already expired is dropped (nflog state.merge). So a
 * record must outlive the longest repeat_interval plus one group_interval, or notifications repeat early and the
 * peers of a cluster each send their own (measured with two pinned peers and 1ms: two notifications for one
 * alert; the pinned version refuses 0s at start).
 */
export function retentionProblem(retention: string, document: Record<string, unknown>): string | undefined {
  if (!isDuration(retention)) return undefined;
  const routes = effectiveRoutes(document).filter(r => isDuration(r.groupInterval) && isDuration(r.repeatInterval));
  const needed = Math.max(0, ...routes.map(r => parseDuration(r.repeatInterval) + parseDuration(r.groupInterval)));
  if (parseDuration(retention) >= needed) return undefined;
  return `retention ${retention} is shorter than ${formatDuration(needed)} (the longest repeat_interval plus its group_interval): `
    + 'the notification log would forget sent notifications before the next flush, so they repeat early and every peer '
    + `sends its own copy (duplicates); set retention to at least ${formatDuration(needed)}, e.g. the default 120h`;
}

/** `host:port` as Go's net.SplitHostPort and a numeric port. */
const HOST_PORT = /^(?:\[[0-9A-Fa-f:.]+\]|[^\s:[\]/]+):(\d{1,5})$/;
/** An address Go's net/mail reads: `local@domain`, optionally as `Display Name <local@domain>`. */
const BARE_ADDRESS = /^[^\s@<>",;]+@[^\s@<>",;]+$/;
const NAMED_ADDRESS = /^[^<>@]*<[^\s@<>",;]+@[^\s@<>",;]+>$/;
/** A classic label name; amtool also accepts UTF-8 names, which we then allow too. */
const MATCHER = /^\s*("(?:[^"\\]|\\.)*"|[^\s{}!=~,"'`]+)\s*(=~|!~|!=|=)\s*(.*?)\s*$/s;

const ROUTE_KEYS = new Set([
  'receiver', 'group_by', 'group_wait', 'group_interval', 'repeat_interval', 'match', 'match_re', 'matchers', 'continue',
  'routes', 'mute_time_intervals', 'active_time_intervals', 'labels',
]);
/** Fields of the pinned Alertmanager's Config and Route (config/config.go); its YAML decoding refuses any other. */
const TOP_KEYS = new Set([
  'global', 'route', 'receivers', 'inhibit_rules', 'templates', 'time_intervals', 'mute_time_intervals', 'tracing', 'event_recorder',
]);

/**
 * Everything in an alertmanager.yml document that Alertmanager refuses at load (what `amtool check-config`
 * reports) or that fails every notification later (an SMTP server without port, a recipient that is not an
 * address). Each problem is `<path>: <what> (<fix>)`.
 */
export function alertmanagerDocumentProblems(document: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(document)) {
    if (!TOP_KEYS.has(key)) problems.push(`${key}: not an Alertmanager setting (amtool refuses unknown fields; check the spelling)`);
  }
  const receivers = Array.isArray(document.receivers) ? document.receivers : [];
  const names = new Set<string>();
  receivers.forEach((receiver, i) => {
    const at = `receivers[${i}]`;
    if (!isMapping(receiver) || typeof receiver.name !== 'string' || receiver.name === '') {
      problems.push(`${at}.name: missing (every receiver needs a name routes refer to)`);
      return;
    }
    if (names.has(receiver.name)) problems.push(`${at}.name: "${receiver.name}" is defined twice (rename one)`);
    names.add(receiver.name);
    listOf(receiver.email_configs).forEach((email, j) => problems.push(...emailProblems(email, `${at}.email_configs[${j}]`, document.global)));
    problems.push(...requiredSettingProblems(receiver, at, document.global));
    listOf(receiver.webhook_configs).forEach((hook, j) => {
      const url = isMapping(hook) ? hook.url : undefined;
      if (typeof url === 'string' && !/^https?:\/\/[^\s/]+/.test(url)) {
        problems.push(`${at}.webhook_configs[${j}].url: ${JSON.stringify(url)} is not an http(s) URL`);
      }
    });
  });
  const global = isMapping(document.global) ? document.global : {};
  if (global.smtp_smarthost !== undefined) problems.push(...smarthostProblems(global.smtp_smarthost, 'global.smtp_smarthost'));
  if (global.smtp_from !== undefined) problems.push(...addressProblems(global.smtp_from, 'global.smtp_from', false));
  if (!isMapping(document.route)) {
    problems.push('route: missing (the top-level route names the default receiver)');
  } else {
    if (document.route.receiver === undefined) problems.push('route.receiver: missing (the top-level route must name a default receiver)');
    for (const key of ['matchers', 'match', 'match_re']) {
      if (document.route[key] !== undefined) problems.push(`route.${key}: the top-level route must match every alert (move it to a child route)`);
    }
    problems.push(...routeProblems(document.route, 'route', names));
  }
  listOf(document.inhibit_rules).forEach((rule, i) => {
    if (!isMapping(rule)) return;
    for (const key of ['source_match_re', 'target_match_re']) problems.push(...matchReProblems(rule[key], `inhibit_rules[${i}].${key}`));
    for (const key of ['source_matchers', 'target_matchers']) {
      listOf(rule[key]).forEach((m, j) => problems.push(...matcherProblems(m, `inhibit_rules[${i}].${key}[${j}]`)));
    }
  });
  return problems;
}

function routeProblems(route: Record<string, unknown>, at: string, receivers: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(route)) {
    if (!ROUTE_KEYS.has(key)) problems.push(`${at}.${key}: not a route setting (amtool refuses unknown fields)`);
  }
  if (route.receiver !== undefined && !receivers.has(String(route.receiver))) {
    problems.push(`${at}.receiver: "${route.receiver}" is not defined (receivers: ${[...receivers].join(', ') || 'none'}); define it or fix the name`);
  }
  const groupBy = listOf(route.group_by).map(String);
  groupBy.forEach((label, i) => {
    if (label === '') problems.push(`${at}.group_by[${i}]: an empty label name (remove it)`);
    if (groupBy.indexOf(label) !== i) problems.push(`${at}.group_by[${i}]: "${label}" is listed twice (remove one)`);
  });
  if (groupBy.includes('...') && groupBy.length > 1) {
    problems.push(`${at}.group_by: "..." (group by all labels) cannot be combined with other labels (use one or the other)`);
  }
  for (const key of ['group_wait', 'group_interval', 'repeat_interval']) {
    const value = route[key];
    if (value === undefined) continue;
    if (!isDuration(value)) problems.push(`${at}.${key}: ${JSON.stringify(value)} is not a duration (e.g. 30s, 5m, 4h)`);
    else if (key !== 'group_wait' && parseDuration(value) === 0) problems.push(`${at}.${key}: must not be zero (Alertmanager refuses it)`);
  }
  listOf(route.matchers).forEach((m, i) => problems.push(...matcherProblems(m, `${at}.matchers[${i}]`)));
  problems.push(...matchReProblems(route.match_re, `${at}.match_re`));
  listOf(route.routes).forEach((child, i) => {
    if (isMapping(child)) problems.push(...routeProblems(child, `${at}.routes[${i}]`, receivers));
  });
  return problems;
}

/**
 * A setting a receiver config cannot work without, each with the `global` settings that stand in for it (the pinned
 * Alertmanager's Config.UnmarshalYAML: "no Slack API URL nor App token set", "missing bot_token or bot_token_file on
 * telegram_config", ...). Each names the receiver fields (any one of them is enough) and the global fields.
 */
const REQUIRED_SETTINGS: ReadonlyArray<{ section: string; fields: readonly string[]; globals: readonly string[] }> = [
  { section: 'slack_configs', fields: ['api_url', 'api_url_file', 'app_token', 'app_token_file'],
    globals: ['slack_api_url', 'slack_api_url_file', 'slack_app_token', 'slack_app_token_file'] },
  { section: 'opsgenie_configs', fields: ['api_key', 'api_key_file'], globals: ['opsgenie_api_key', 'opsgenie_api_key_file'] },
  { section: 'telegram_configs', fields: ['bot_token', 'bot_token_file'], globals: ['telegram_bot_token', 'telegram_bot_token_file'] },
  { section: 'wechat_configs', fields: ['api_secret', 'api_secret_file'], globals: ['wechat_api_secret', 'wechat_api_secret_file'] },
  { section: 'mattermost_configs', fields: ['webhook_url', 'webhook_url_file'], globals: ['mattermost_webhook_url', 'mattermost_webhook_url_file'] },
  { section: 'victorops_configs', fields: ['api_key', 'api_key_file'], globals: ['victorops_api_key', 'victorops_api_key_file'] },
  { section: 'rocketchat_configs', fields: ['token_id', 'token_id_file'], globals: ['rocketchat_token_id', 'rocketchat_token_id_file'] },
  { section: 'rocketchat_configs', fields: ['token', 'token_file'], globals: ['rocketchat_token', 'rocketchat_token_file'] },
  { section: 'discord_configs', fields: ['webhook_url', 'webhook_url_file'], globals: [] },
  { section: 'msteams_configs', fields: ['webhook_url', 'webhook_url_file'], globals: [] },
  { section: 'msteamsv2_configs', fields: ['webhook_url', 'webhook_url_file'], globals: [] },
];

/** Receiver configs missing a setting that neither they nor `global` give: Alertmanager refuses the file. */
function requiredSettingProblems(receiver: Record<string, unknown>, at: string, global: unknown): string[] {
  const globals = isMapping(global) ? global : {};
  const given = (object: Record<string, unknown>, key: string) => object[key] !== undefined && object[key] !== null && object[key] !== '';
  return REQUIRED_SETTINGS.flatMap(({ section, fields, globals: fallbacks }) => listOf(receiver[section]).flatMap((config, j) => {
    const own = isMapping(config) ? config : {};
    if (fields.some(key => given(own, key)) || fallbacks.some(key => given(globals, key))) return [];
    const fileField = fields.find(key => key.endsWith('_file'))!;
    const fallback = fallbacks.length > 0 ? ` or global ${fallbacks.filter(key => key.endsWith('_file')).join(' / ')}` : '';
    return [`${at}.${section}[${j}]: no ${fields.filter(key => !key.endsWith('_file')).join(' or ')} here nor in global (Alertmanager `
      + `refuses the file and the pod never starts): set ${fields.filter(key => key.endsWith('_file')).join(' or ')}${fallback}, pointing at `
      + `a Secret key (e.g. ${fileField}: /etc/alertmanager/secrets/<secret>/<key>)`];
  }));
}

/**
 * Why a `match_re`-style mapping (label -> regex) is refused: Alertmanager compiles each value at load, and an empty
 * value (`label:` with nothing after it) is "invalid regexp value".
 */
function matchReProblems(value: unknown, at: string): string[] {
  if (value === undefined || value === null) return [];
  if (!isMapping(value)) return [`${at}: must be a mapping of label names to regexes, not ${JSON.stringify(value)}`];
  return Object.entries(value).flatMap(([label, regex]) => {
    if (regex === null || regex === undefined || typeof regex === 'object') {
      return [`${at}.${label}: no regex (Alertmanager refuses "invalid regexp value"): write ${label}: "<regex>", or use matchers: ['${label}=~"<regex>"']`];
    }
    const problem = regexProblem(String(regex));
    return problem ? [`${at}.${label}: ${JSON.stringify(regex)}: the regex does not compile (${problem})`] : [];
  });
}

function emailProblems(email: unknown, at: string, global: unknown): string[] {
  if (!isMapping(email)) return [];
  const problems: string[] = [];
  if (email.to === undefined || email.to === '') problems.push(`${at}.to: missing (the recipient address)`);
  else problems.push(...addressProblems(email.to, `${at}.to`, true));
  if (email.from !== undefined) problems.push(...addressProblems(email.from, `${at}.from`, false));
  if (email.smarthost !== undefined) problems.push(...smarthostProblems(email.smarthost, `${at}.smarthost`));
  const globals = isMapping(global) ? global : {};
  if (email.smarthost === undefined && globals.smtp_smarthost === undefined) {
    problems.push(`${at}: no SMTP server (set smarthost here or global smtp_smarthost)`);
  }
  if (email.from === undefined && globals.smtp_from === undefined) problems.push(`${at}: no sender (set from here or global smtp_from)`);
  return problems;
}

/** Why `value` is not host:port (Go's net.SplitHostPort, numeric port), as a list of zero or one problem. */
export function smarthostProblems(value: unknown, at: string): string[] {
  const match = typeof value === 'string' ? HOST_PORT.exec(value) : null;
  if (!match) return [`${at}: ${JSON.stringify(value)} is not host:port (Alertmanager refuses "missing port in address"; e.g. smtp.example.org:587)`];
  const port = Number(match[1]);
  if (port < 1 || port > 65535) return [`${at}: port ${port} is outside 1..65535`];
  return [];
}

/**
 * Why `value` is not an email address (or, for `to`, a comma-separated list of them), as Go's net/mail reads it
 * when Alertmanager sends: amtool accepts anything, but every notification would then fail. A template (`{{`) is
 * only known at send time and passes.
 */
export function addressProblems(value: unknown, at: string, list: boolean): string[] {
  if (typeof value !== 'string') return [`${at}: ${JSON.stringify(value)} is not an email address`];
  if (value.includes('{{')) return [];
  const parts = list && !value.includes('"') ? value.split(',').map(p => p.trim()) : [value.trim()];
  const bad = parts.find(p => !BARE_ADDRESS.test(p) && !NAMED_ADDRESS.test(p));
  if (bad === undefined) return [];
  return [`${at}: ${JSON.stringify(bad)} is not an email address (e.g. oncall@example.org or "On-call <oncall@example.org>")`];
}

/** Why `matcher` is not a matcher Alertmanager parses (`name="value"`, `name=~"regex"`), as zero or one problem. */
export function matcherProblems(matcher: unknown, at: string): string[] {
  if (typeof matcher !== 'string') return [`${at}: ${JSON.stringify(matcher)} is not a matcher string`];
  const text = matcher.trim().replace(/^\{(.*)\}$/s, '$1');
  const match = MATCHER.exec(text);
  if (!match) return [`${at}: ${JSON.stringify(matcher)} is not a matcher (write name="value", name!="value", name=~"regex" or name!~"regex")`];
  const [, , op, rawValue] = match;
  let value = rawValue;
  if (rawValue.startsWith('"')) {
    if (!/^"(?:[^"\\]|\\.)*"$/s.test(rawValue)) return [`${at}: ${JSON.stringify(matcher)} has an unbalanced or unescaped double quote in its value`];
    value = unquoteMatcherValue(rawValue);
  }
  if (op === '=~' || op === '!~') {
    const problem = regexProblem(value);
    if (problem) return [`${at}: ${JSON.stringify(matcher)}: the regex does not compile (${problem})`];
  }
  return [];
}

/** Why an anchored regex does not compile, or undefined. */
function regexProblem(pattern: string): string | undefined {
  try {
    // Go's RE2 names groups (?P<name>...); JavaScript writes (?<name>...).
    new RegExp(`^(?:${pattern.replace(/\(\?P</g, '(?<')})$`);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** One matcher of a comma-separated list: a name (bare or double-quoted), an operator, a value (quoted or up to the next comma). */
const LISTED_MATCHER = /\s*("(?:[^"\\]|\\.)*"|[^\s{}!=~,"'`]+)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|[^,"]*?)\s*(?:,|$)/y;

/**
 * The label names a matcher string tests, or undefined if it cannot be read. One string may hold several
 * matchers, as Alertmanager parses it: `severity="page", team="db"` or `{severity="page",team="db"}`.
 */
export function matcherLabelNames(matcher: string): string[] | undefined {
  const text = matcher.trim().replace(/^\{(.*)\}$/s, '$1').trim();
  if (text === '') return undefined;
  const names: string[] = [];
  LISTED_MATCHER.lastIndex = 0;
  while (LISTED_MATCHER.lastIndex < text.length) {
    const start = LISTED_MATCHER.lastIndex;
    const match = LISTED_MATCHER.exec(text);
    if (!match || LISTED_MATCHER.lastIndex === start) return undefined;
    names.push(match[1].startsWith('"') ? unquoteMatcherValue(match[1]) : match[1]);
  }
  return names;
}

/** A double-quoted matcher value as Alertmanager reads it: \" \\ and \n are escapes, any other backslash is literal. */
function unquoteMatcherValue(quoted: string): string {
  return quoted.slice(1, -1).replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
