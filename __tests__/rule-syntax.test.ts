import {
  decodeBool, decodeInt, decodeString, decodeUnmarshalerString, decodeRuleFileBytes, PlainScalar, ruleDurationMs,
  loadSourceText, templateProblem,
} from '../constructs/rules/syntax';

const plain = (text: string) => new PlainScalar(text);

describe('ruleDurationMs reads durations as metricsql.DurationValue does', () => {
  test.each([
    ['30s', 30_000], ['5m', 300_000], ['1h30m', 5_400_000], ['1.5m', 90_000], ['90', 90_000], ['1.5', 1500], ['1e3', 1_000_000],
    ['1d', 86_400_000], ['1w', 604_800_000], ['1y', 31_536_000_000], ['500ms', 500], ['5MS', 5], ['2H', 7_200_000],
    ['-5m', -300_000], ['1h-5m', 3_300_000], ['0s', 0], ['1i', 0], ['1_000', 1_000_000], ['1.m', 60_000],
  ])('%s is %d ms', (text, ms) => {
    expect(ruleDurationMs(text)).toBe(ms);
  });

  test.each(['', '5M', '1x', 'm', '5 m', '1_m', '_1', 'five', '5mi', '5MB'])('%j is not a duration', text => {
    expect(ruleDurationMs(text)).toBeUndefined();
  });
});

describe('scalars decode as gopkg.in/yaml.v2 decodes them into Go fields', () => {
  test('a string field takes the source text of any scalar; null-like plain scalars are empty', () => {
    expect(decodeString(plain('1.10'))).toEqual({ value: '1.10' });
    expect(decodeString(plain('0x1F'))).toEqual({ value: '0x1F' });
    expect(decodeString('quoted')).toEqual({ value: 'quoted' });
    for (const empty of [null, plain('~'), plain('null'), plain('NULL')]) expect(decodeString(empty)).toEqual({ absent: true });
    expect(decodeString(['a'])).toEqual({ problem: 'must be text, not a list' });
  });

  test('a custom unmarshaler sees "Null" as empty text, where ~ and null leave the field unset', () => {
    expect(decodeUnmarshalerString(plain('null'))).toEqual({ absent: true });
    expect(decodeUnmarshalerString(plain('Null'))).toEqual({ value: '' });
  });

  test('an int field takes yaml.v2 numbers, truncating fractions; quoted text is refused', () => {
    expect([plain('10'), plain('0x10'), plain('0o17'), plain('017'), plain('0b101'), plain('1_000'), plain('+5'), plain('1.9'), plain('1e3')]
      .map(v => decodeInt(v))).toEqual([10, 16, 15, 15, 5, 1000, 5, 1, 1000].map(value => ({ value })));
    expect(decodeInt('10')).toEqual({ problem: '"10" is quoted text: write the number without quotes' });
    expect(decodeInt(plain('2024-01-01'))).toEqual({ problem: '2024-01-01 is not a whole number' });
    expect(decodeInt(plain('.inf'))).toEqual({ problem: '.inf is not a whole number' });
  });

  test('a bool field takes YAML 1.1 words, unquoted', () => {
    expect(['yes', 'on', 'y', 'True'].map(w => decodeBool(plain(w)))).toEqual(Array(4).fill({ value: true }));
    expect(['no', 'off', 'N', 'FALSE'].map(w => decodeBool(plain(w)))).toEqual(Array(4).fill({ value: false }));
    expect(decodeBool('true')).toEqual({ problem: '"true" is not true or false (write true or false, unquoted)' });
    expect(decodeBool(plain('1'))).toEqual({ problem: '1 is not true or false (write true or false, unquoted)' });
  });

  test('the source-text schema keeps plain scalars, mapping keys and merges', () => {
    const [loaded] = loadSourceText('a: &x {1.10: 0x1F}\nb:\n  <<: *x\n  c: "q"\n', 'a.yml') as Array<Record<string, Record<string, unknown>>>;
    expect(loaded.a['1.10']).toEqual(plain('0x1F'));
    expect(Object.keys(loaded.b)).toEqual(['1.10', 'c']);
    expect(loaded.b.c).toBe('q');
  });
});

describe('templateProblem judges values as vmalert does', () => {
  test.each([
    ['no template at all', 'plain text'],
    ['"}}" without "{{" is text', '{"a": {"b": 1}}'],
    ['"{{" without "}}" is text', '{{ $labels.job'],
    ['"}}" before the first action is text', '}} {{ $labels.job }}'],
    ['trim markers and comments', '{{- /* note */ -}}{{- $value -}}'],
    ['a raw string holding "}}"', '{{ `a }} b` }}'],
    ['control blocks', '{{ if $value }}a{{ else if $labels }}b{{ else }}c{{ end }}{{ range $labels }}{{ end }}'],
    ['a newline inside an action', '{{ $value\n }}'],
    ['an unknown function: left to vmalert', '{{ nosuch $value }}'],
  ])('accepted: %s', (_, text) => {
    expect(templateProblem(text)).toBeUndefined();
  });

  test.each([
    ['{{ }}', 'template: missing value for command (an empty {{ }}) (the action at column 1)'],
    ['}} {{ $labels.job ', 'template: unclosed action: add "}}" (the action at column 4)'],
    ['{{ "a }}', 'template: unterminated quoted string (the action at column 1)'],
    ['{{ (len "a" }}', 'template: unclosed left paren (the action at column 1)'],
    ['{{ len "a") }}', 'template: unexpected right paren (the action at column 1)'],
    ['{{/* c */ x}}', 'template: comment ends before closing delimiter (the action at column 1)'],
    ['{{ if $value }}x', 'template: {{if}} is never closed: add {{end}}'],
    ['{{ end }}', 'template: unexpected {{end}} (the action at column 1)'],
    ['{{ else }}', 'template: unexpected {{else}} (the action at column 1)'],
  ])('refused: %j', (text, problem) => {
    expect(templateProblem(text)).toBe(problem);
  });
});

describe('decodeRuleFileBytes', () => {
  test('UTF-8 with a BOM, UTF-16 with a BOM', () => {
    expect(decodeRuleFileBytes(Buffer.from('\uFEFFgroups: []', 'utf8'), 'a.yml')).toBe('groups: []');
    expect(decodeRuleFileBytes(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('groups: []', 'utf16le')]), 'a.yml')).toBe('groups: []');
  });

  test('Latin-1 is refused with the line and byte', () => {
    expect(decodeRuleFileBytes(Buffer.from('a: 1\nb: "caf\xe9"\n', 'latin1'), 'rules/a.yml')).toEqual({
      problem: expect.stringMatching(/^rules\/a\.yml:2: the file is not UTF-8 \(byte 0xE9 at offset 12\)/),
    });
  });
});
