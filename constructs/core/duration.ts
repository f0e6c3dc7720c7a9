/** Prometheus duration strings ("1m30s", "5m", "1h") for rule files, Go durations for flags, and the interval math built on them. No cdk8s here. */

const UNIT_MS: ReadonlyArray<readonly [string, number]> = [
  ['y', 365 * 24 * 3600_000],
  ['w', 7 * 24 * 3600_000],
  ['d', 24 * 3600_000],
  ['h', 3600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];

// Units must appear largest first, each at most once, as Prometheus' model.ParseDuration requires.
const DURATION_PATTERN = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

export const DURATION_HINT = 'use a Prometheus duration such as 30s, 5m, 1h or 1m30s';

/** True when `value` is a Prometheus duration ("0s" included). */
export function isDuration(value: unknown): value is string {
  return typeof value === 'string' && value !== '' && DURATION_PATTERN.test(value);
}

/** Milliseconds in a Prometheus duration; throws with `what` named when it is not one. */
export function parseDuration(value: string, what = 'duration'): number {
  const match = typeof value === 'string' && value !== '' ? DURATION_PATTERN.exec(value) : null;
  if (!match) {
    throw new Error(`${what}: ${JSON.stringify(value)} is not a duration (${DURATION_HINT})`);
  }
  return UNIT_MS.reduce((total, [, ms], i) => total + Number(match[i + 1] ?? 0) * ms, 0);
}

/** The canonical Prometheus spelling of a duration: 90000 -> "1m30s", 0 -> "0s". */
export function formatDuration(ms: number): string {
  return spellDuration(ms, UNIT_MS, 'formatDuration');
}

/** `ms` as counts of `units`, largest first, each used once at most. */
function spellDuration(ms: number, units: ReadonlyArray<readonly [string, number]>, what: string): string {
  if (!Number.isInteger(ms) || ms < 0) {
    throw new Error(`${what}: ${ms} is not a whole, non-negative number of milliseconds`);
  }
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, size] of units) {
    const count = Math.floor(rest / size);
    if (count > 0) {
      out += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return out;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** Least common multiple of positive whole numbers. */
export function lcm(values: readonly number[]): number {
  if (values.length === 0) throw new Error('lcm of no values');
  return values.reduce((acc, v) => {
    if (!Number.isInteger(v) || v <= 0) throw new Error(`lcm: ${v} is not a positive whole number`);
    return (acc / gcd(acc, v)) * v;
  });
}

/**
 * The `-dedup.minScrapeInterval` to set on vmselect and vmstorage for rules evaluated at these intervals: the
 * smallest duration that is a multiple of every one of them, so every replica's samples of one evaluation fall into
 * one dedup window and no evaluation is merged with the next.
 */
export function recommendedDedupInterval(intervals: readonly string[]): string {
  return formatDuration(lcm(intervals.map(i => parseDuration(i, 'interval'))));
}

/**
 * The duration parsers of the pinned binaries' flags. vmalert's flags use Go's time.ParseDuration (no d, w or y:
 * `-remoteRead.lookback=1d` exits 2); Alertmanager's kingpin flags use str2duration, which adds d and w but no y.
 */
export type FlagDurationParser = 'go' | 'kingpin';

const FLAG_UNIT_MS: Readonly<Record<FlagDurationParser, Readonly<Record<string, number>>>> = {
  go: { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3600_000 },
  kingpin: { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3600_000, d: 86_400_000, w: 604_800_000 },
};
const FLAG_PART = /(\d+(?:\.\d*)?|\.\d+)([a-zµ]+)/g;

/** True when `value` is a non-negative duration that `parser` accepts ("0" and "0s" included). */
export function isFlagDuration(value: unknown, parser: FlagDurationParser = 'go'): value is string {
  if (typeof value !== 'string' || value === '') return false;
  if (value === '0') return true;
  const parts = [...value.matchAll(FLAG_PART)];
  return parts.map(p => p[0]).join('') === value && parts.every(p => p[2] in FLAG_UNIT_MS[parser]);
}

/** Milliseconds in a flag duration; throws with `what` named when `parser` would refuse it. */
export function parseFlagDuration(value: string, parser: FlagDurationParser = 'go', what = 'duration'): number {
  if (!isFlagDuration(value, parser)) {
    throw new Error(`${what}: ${JSON.stringify(value)} is not a duration this flag accepts (${flagDurationHint(value, parser)})`);
  }
  let total = 0;
  for (const [, amount, unit] of value.matchAll(FLAG_PART)) total += Number(amount) * FLAG_UNIT_MS[parser][unit];
  return total;
}

/** How to write `value` for a flag of `parser`, with the accepted spelling of a Prometheus duration it refuses. */
export function flagDurationHint(value: unknown, parser: FlagDurationParser = 'go'): string {
  const general = parser === 'go'
    ? 'the flag takes a Go duration such as 30s, 5m, 1h30m or 168h: no d, w or y'
    : 'the flag takes a duration such as 30s, 5m, 1h30m, 7d or 2w: no y';
  return isDuration(value) ? `${general}; write ${formatGoDuration(parseDuration(value))}` : general;
}

/** The shortest Go spelling of whole milliseconds, which every flag parser accepts: 86400000 -> "24h", 0 -> "0s". */
export function formatGoDuration(ms: number): string {
  return spellDuration(ms, GO_SPELLING_UNITS, 'formatGoDuration');
}

/** Hours at most: Go's parser knows no days. */
const GO_SPELLING_UNITS = UNIT_MS.filter(([unit]) => !['y', 'w', 'd'].includes(unit));
