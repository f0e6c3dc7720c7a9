import { formatDuration, isDuration, lcm, parseDuration, recommendedDedupInterval } from '../constructs/duration';

describe('durations', () => {
  test.each([
    ['30s', 30_000], ['5m', 300_000], ['1h', 3_600_000], ['1m30s', 90_000], ['1d', 86_400_000], ['250ms', 250], ['0s', 0],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
    expect(isDuration(text)).toBe(true);
  });

  test.each(['1x', '', '5', 'm5', '1.5m', '30s1m', ' 1m', '-1m'])('%j is not a duration', text => {
    expect(isDuration(text)).toBe(false);
    expect(() => parseDuration(text, 'rule "A": for')).toThrow(/rule "A": for: .* is not a duration \(use a Prometheus duration/);
  });

  test('formats in the canonical Prometheus form', () => {
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(3_600_000)).toBe('1h');
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(parseDuration('1h30m15s'))).toBe('1h30m15s');
  });

  test('lcm of whole numbers', () => {
    expect(lcm([4, 6])).toBe(12);
    expect(lcm([30_000, 60_000])).toBe(60_000);
    expect(() => lcm([])).toThrow();
  });

  test('recommended dedup interval is the smallest multiple of every interval', () => {
    // GIVEN the evaluation interval and group intervals
    // WHEN / THEN
    expect(recommendedDedupInterval(['1m'])).toBe('1m');
    expect(recommendedDedupInterval(['1m', '30s'])).toBe('1m');
    expect(recommendedDedupInterval(['20s', '30s'])).toBe('1m');
    expect(recommendedDedupInterval(['1m', '45s'])).toBe('3m');
  });
});
