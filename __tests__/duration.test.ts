import {
  flagDurationHint, formatDuration, formatGoDuration, isDuration, isFlagDuration, lcm, parseDuration, parseFlagDuration, recommendedDedupInterval,
} from '../constructs/core/duration';

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

describe('flag durations, as the pinned binaries parse them', () => {
  // The pinned vmalert (Go's time.ParseDuration) and Alertmanager (kingpin's str2duration), measured in
  // __tests__/real-binaries/flag-durations.test.ts.
  test.each([
    ['30s', 30_000], ['1h30m', 5_400_000], ['168h', 604_800_000], ['1.5h', 5_400_000], ['250ms', 250], ['0', 0], ['0s', 0],
    ['30s1m', 90_000], ['1h0m0s', 3_600_000],
  ])('%s is %d ms for both parsers', (text, ms) => {
    for (const parser of ['go', 'kingpin'] as const) {
      expect(isFlagDuration(text, parser)).toBe(true);
      expect(parseFlagDuration(text, parser)).toBe(ms);
    }
  });

  test.each([['7d', 604_800_000], ['1w2d', 777_600_000], ['1.5d', 129_600_000], ['2h1d', 93_600_000]])(
    '%s: kingpin takes it (%d ms), Go refuses it', (text, ms) => {
      expect(parseFlagDuration(text, 'kingpin')).toBe(ms);
      expect(isFlagDuration(text, 'go')).toBe(false);
      expect(() => parseFlagDuration(text, 'go', 'remoteReadLookback')).toThrow(
        /remoteReadLookback: .* is not a duration this flag accepts \(the flag takes a Go duration/);
    });

  test.each(['1y', '', '5', '-1m', ' 1m', '1 m', 'm5', '1x'])('%j is refused by both', text => {
    expect(isFlagDuration(text, 'go')).toBe(false);
    expect(isFlagDuration(text, 'kingpin')).toBe(false);
  });

  test('the hint gives the spelling every parser takes', () => {
    expect(flagDurationHint('7d')).toBe('the flag takes a Go duration such as 30s, 5m, 1h30m or 168h: no d, w or y; write 168h');
    expect(flagDurationHint('1y', 'kingpin')).toBe('the flag takes a duration such as 30s, 5m, 1h30m, 7d or 2w: no y; write 8760h');
    expect(flagDurationHint('soon')).not.toMatch(/write/);
  });

  test('formats whole milliseconds in hours at most, never days', () => {
    // GIVEN a rule with for: 1d, the restore lookback it needs
    // WHEN / THEN vmalert gets 24h, which its flag parser accepts (1d makes it exit 2 at start)
    expect(formatGoDuration(parseDuration('1d'))).toBe('24h');
    expect(formatGoDuration(parseDuration('2w'))).toBe('336h');
    expect(formatGoDuration(90_000)).toBe('1m30s');
    expect(formatGoDuration(1_500)).toBe('1s500ms');
    expect(formatGoDuration(0)).toBe('0s');
    expect(() => formatGoDuration(-1)).toThrow();
    expect(parseFlagDuration(formatGoDuration(parseDuration('1y2w3d4h5m6s7ms')))).toBe(parseDuration('1y2w3d4h5m6s7ms'));
  });
});
