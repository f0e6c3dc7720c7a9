/** Prometheus duration strings ("1m30s", "5m", "1h") and the interval math built on them. No cdk8s here. */

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
  if (!Number.isInteger(ms) || ms < 0) {
    throw new Error(`formatDuration: ${ms} is not a whole, non-negative number of milliseconds`);
  }
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, size] of UNIT_MS) {
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
