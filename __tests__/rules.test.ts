import * as yaml from 'js-yaml';
import { ConfigError, RuleGroup } from '../constructs';
import { packRuleFiles, parseRuleFile, renderRuleFile, unbalancedBrackets, validateRuleGroups } from '../constructs/rules/rules';
import { templateProblem } from '../constructs/rules/syntax';

const FILE = 'rules/cpu.yml';

/** The error message parseRuleFile gives for this YAML text. */
function errorOf(text: string): string {
  try {
    parseRuleFile(text, FILE);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a validation error');
}

function ruleFile(rule: Record<string, unknown>, group: Record<string, unknown> = {}): string {
  return yaml.dump({ groups: [{ name: 'cpu', ...group, rules: [rule] }] });
}

describe('parseRuleFile', () => {
  test('a valid file gives its groups, with scalar label values as text', () => {
    // GIVEN
    const text = ruleFile({ alert: 'HighCPU', expr: 'rate(x[5m]) > 0.1', for: '1m', labels: { priority: 1 } }, { interval: '30s' });
    // WHEN
    const groups = parseRuleFile(text, FILE);
    // THEN
    expect(groups).toEqual([{
      name: 'cpu', interval: '30s',
      rules: [{ alert: 'HighCPU', expr: 'rate(x[5m]) > 0.1', for: '1m', labels: { priority: '1' } }],
    }]);
  });

  test('YAML that does not parse names file, line, group and rule, and explains the quote', () => {
    // GIVEN an annotation whose double quote closes early
    const text = [
      'groups:',
      '  - name: cpu',
      '    rules:',
      '      - alert: HighCPU',
      '        expr: up > 0',
      '        annotations:',
      '          summary: "{{ $labels.job }}" CPU 使用率超過 10%"',
    ].join('\n');
    // WHEN
    const message = errorOf(text);
    // THEN
    expect(message).toMatch(/^rules\/cpu\.yml:7:\d+: invalid YAML in group "cpu", rule "HighCPU"/);
    expect(message).toContain('summary: "{{ $labels.job }}" CPU');
    expect(message).toMatch(/Quote the whole value once/);
  });

  test('a file that is not a rule file', () => {
    expect(errorOf('- name: cpu')).toBe('rules/cpu.yml: a rule file is a mapping with a "groups:" list (groups: [{ name: ..., rules: [...] }]), not a list');
    expect(errorOf('groups: cpu')).toMatch(/"groups" must be a list of rule groups/);
  });

  test('an empty file, an empty groups list and a group without rules are accepted, as vmalert accepts them', () => {
    expect(parseRuleFile('', FILE)).toEqual([]);
    expect(parseRuleFile('groups: []', FILE)).toEqual([]);
    expect(parseRuleFile('groups:\n  - name: cpu\n', FILE)).toEqual([{ name: 'cpu', rules: [] }]);
  });

  test('two groups with one name', () => {
    const text = yaml.dump({ groups: [{ name: 'cpu', rules: [{ alert: 'A', expr: 'up' }] }, { name: 'cpu', rules: [{ alert: 'B', expr: 'up' }] }] });
    expect(errorOf(text)).toBe('rules/cpu.yml: group "cpu": the group name is used twice in this file; group names must be unique: rename one of them');
  });

  test('a rule with both alert and record, or neither', () => {
    expect(errorOf(ruleFile({ alert: 'A', record: 'a:b', expr: 'up' }))).toMatch(
      /group "cpu": rule "A": has both "alert" and "record"/);
    expect(errorOf(ruleFile({ expr: 'up' }))).toMatch(/group "cpu": rule "#1": has neither "alert" nor "record"/);
    expect(errorOf(ruleFile({ alert: '', expr: 'up' }))).toMatch(/rule "#1": has neither "alert" nor "record" \(or an empty one\)/);
  });

  test('an empty expr', () => {
    expect(errorOf(ruleFile({ alert: 'A', expr: '  ' }))).toBe(
      'rules/cpu.yml: group "cpu": rule "A": "expr" is empty: give the expression to evaluate');
  });

  test('an unbalanced parenthesis in expr', () => {
    expect(errorOf(ruleFile({ alert: 'HighCPU', expr: 'rate(process_cpu_seconds_total[5m] * 100 > 10' }))).toBe(
      'rules/cpu.yml: group "cpu": rule "HighCPU": expr: "(" at column 5 is never closed: add ")"');
  });

  test('for: that is not a duration', () => {
    expect(errorOf(ruleFile({ alert: 'HighCPU', expr: 'up', for: '1x' }))).toBe(
      'rules/cpu.yml: group "cpu": rule "HighCPU": for: "1x" is not a duration (use a duration such as 30s, 5m, 1h30m or 1.5m)');
  });

  test('a group interval that is not a duration', () => {
    expect(errorOf(ruleFile({ alert: 'A', expr: 'up' }, { interval: 'often' }))).toMatch(
      /group "cpu": interval: "often" is not a duration/);
  });

  test('a label called __name__, which vmalert refuses', () => {
    expect(errorOf(ruleFile({ alert: 'A', expr: 'up', labels: { __name__: 'x' } }))).toMatch(
      /rule "A": labels: "__name__" cannot be set by a rule/);
  });

  test('an unclosed template action', () => {
    expect(errorOf(ruleFile({ alert: 'A', expr: 'up', annotations: { summary: '{{ $labels.job is down }} at {{ $value' } }))).toBe(
      'rules/cpu.yml: group "cpu": rule "A": annotations.summary: template: unclosed action: add "}}" (the action at column 30); '
      + 'vmalert parses a value holding "{{" and "}}" as a Go template (write {{ "{{" }} for a literal "{{")');
  });

  test('a field vmalert does not know', () => {
    expect(errorOf(ruleFile({ alert: 'A', expr: 'up', severity: 'page' }))).toMatch(
      /rule "A": unknown field "severity", which vmalert refuses \(allowed: alert, for, keep_firing_for, annotations, expr, labels, debug, update_entries_limit\)/);
  });

  test('every problem of a file is reported at once', () => {
    const text = yaml.dump({ groups: [{ name: 'a', rules: [{ alert: 'A', expr: 'up', for: '1x' }, { alert: 'B', expr: '' }] }] });
    expect(errorOf(text).split('\n')).toHaveLength(2);
  });
});

describe('expression and template checks', () => {
  test.each([
    ['sum(rate(x{job="a"}[5m])) by (job)', undefined],
    ['x{job=~"a(b"}', undefined],
    ['x # a comment with (', undefined],
    ['x)', 'unexpected ")" at column 2 has no matching "("'],
    ['rate(x[5m)', '"[" at column 7 is closed by ")" at column 10; expected "]"'],
    ['x{job="a}', 'the string starting with " at column 7 is never closed'],
  ])('%s', (expr, problem) => {
    expect(unbalancedBrackets(expr)).toBe(problem);
  });

  test('templates', () => {
    expect(templateProblem('{{ $labels.job }} at {{ $value }}')).toBeUndefined();
    expect(templateProblem('job }}')).toBeUndefined();
    expect(templateProblem('{{ a {{ b }}')).toMatch(/"\{\{" inside an action/);
  });
});

describe('rendering and packing', () => {
  const group = (name: string, rules: number): RuleGroup => ({
    name,
    rules: Array.from({ length: rules }, (_, i) => ({ alert: `${name}_${i}`, expr: `up{job="${name}"} == ${i}` })),
  });

  test('rendered YAML parses back to the same groups', () => {
    const groups = [group('a', 2), { name: 'b', interval: '30s', rules: [{ record: 'job:up:sum', expr: 'sum(up) by (job)' }] }];
    expect(parseRuleFile(renderRuleFile(groups), 'x.yml')).toEqual(groups);
  });

  test('files that fit stay whole; bins respect the budget', () => {
    // GIVEN three files of about 1.5 KB each and a 4 KB budget
    const files = ['a', 'b', 'c'].map(n => ({ name: `${n}.yml`, source: `${n}.yml`, groups: [group(n, 30)] }));
    const size = Buffer.byteLength(renderRuleFile(files[0].groups)) + 5;
    // WHEN
    const bins = packRuleFiles(files, size * 2 + 10);
    // THEN two files share the first bin, the third gets its own
    expect(bins.map(b => b.map(f => f.name))).toEqual([['a.yml', 'b.yml'], ['c.yml']]);
  });

  test('a file larger than the budget is split between its groups, each group exactly once', () => {
    // GIVEN one file with ten groups
    const groups = Array.from({ length: 10 }, (_, i) => group(`g${i}`, 20));
    // WHEN packed with a budget that holds about three groups
    const budget = Buffer.byteLength(renderRuleFile(groups.slice(0, 3))) + 200;
    const bins = packRuleFiles([{ name: 'big.yml', source: 'big.yml', groups }], budget);
    // THEN every part is within budget and the groups come back in order
    const parts = bins.flat();
    expect(parts.length).toBeGreaterThan(2);
    for (const bin of bins) {
      expect(bin.reduce((n, f) => n + Buffer.byteLength(f.content) + f.name.length, 0)).toBeLessThanOrEqual(budget);
    }
    expect(parts.map(p => p.name)).toEqual(parts.map((_, i) => `big-${i + 1}.yml`));
    expect(parts.flatMap(p => parseRuleFile(p.content, p.name)).map(g => g.name)).toEqual(groups.map(g => g.name));
  });

  test('a single group larger than a ConfigMap is an error naming it', () => {
    expect(() => packRuleFiles([{ name: 'big.yml', source: 'rules/big.yml', groups: [group('huge', 100)] }], 2048))
      .toThrow(/rules\/big\.yml: group "huge" renders to \d+ bytes, more than a ConfigMap holds .* split it into smaller groups/);
  });
});

describe('rule files as the pinned vmalert reads them', () => {
  test('keep_firing_for on an alerting rule is read and written out', () => {
    // GIVEN
    const text = ruleFile({ alert: 'Flapping', expr: 'up == 0', for: '5m', keep_firing_for: '10m' });
    // WHEN
    const groups = parseRuleFile(text, FILE);
    // THEN
    expect(groups[0].rules[0]).toEqual({ alert: 'Flapping', expr: 'up == 0', for: '5m', keep_firing_for: '10m' });
    expect(renderRuleFile(groups)).toContain('keep_firing_for: 10m');
  });

  test('the group fields params, headers, notifier_headers, type, eval_offset, eval_delay and eval_alignment', () => {
    // GIVEN
    const group = {
      type: 'prometheus', interval: '1h', eval_offset: '5m', eval_alignment: false, params: { nocache: ['1'] },
      headers: ['X-Scope-OrgID: 1'], notifier_headers: ['X-Team: db'],
    };
    // WHEN
    const [parsed] = parseRuleFile(ruleFile({ alert: 'A', expr: 'up' }, group), FILE);
    const [delayed] = parseRuleFile(ruleFile({ alert: 'A', expr: 'up' }, { eval_delay: '30s' }), FILE);
    // THEN
    expect(parsed).toMatchObject(group);
    expect(delayed.eval_delay).toBe('30s');
  });

  test('the rule fields debug and update_entries_limit', () => {
    const [group] = parseRuleFile(ruleFile({ record: 'job:up:sum', expr: 'sum(up)', debug: true, update_entries_limit: 5 }), FILE);
    expect(group.rules[0]).toEqual({ record: 'job:up:sum', expr: 'sum(up)', debug: true, update_entries_limit: 5 });
  });

  test('a label value keeps its text: 1.10 stays "1.10", 0x1F stays "0x1F", an unquoted date is text', () => {
    // GIVEN unquoted values that YAML 1.2 would read as numbers and a date
    const text = 'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n'
      + '        labels:\n          version: 1.10\n          code: 0x1F\n          since: 2024-01-01\n';
    // WHEN
    const [group] = parseRuleFile(text, FILE);
    // THEN
    expect(group.rules[0].labels).toEqual({ version: '1.10', code: '0x1F', since: '2024-01-01' });
    expect(parseRuleFile(renderRuleFile([group]), FILE)[0].rules[0].labels).toEqual({ version: '1.10', code: '0x1F', since: '2024-01-01' });
  });

  test('an annotation holding JSON text with "}}" is accepted: without "{{" it is not a template', () => {
    const [group] = parseRuleFile(ruleFile({ alert: 'A', expr: 'up', annotations: { payload: '{"pod": {"name": "x"}}' } }), FILE);
    expect((group.rules[0] as { annotations: Record<string, string> }).annotations.payload).toBe('{"pod": {"name": "x"}}');
  });

  test('two rules vmalert counts as duplicates (name, expr and labels alike) are refused', () => {
    // GIVEN two rules that differ only in for: and annotations
    const text = yaml.dump({ groups: [{ name: 'cpu', rules: [
      { alert: 'A', expr: 'up == 0', labels: { severity: 'page' } },
      { alert: 'A', expr: 'up == 0', for: '5m', labels: { severity: 'page' }, annotations: { summary: 'x' } },
      { alert: 'A', expr: 'up == 0', labels: { severity: 'ticket' } },
    ] }] });
    // WHEN / THEN only the second is a duplicate (the third has other labels)
    expect(errorOf(text)).toBe('rules/cpu.yml: group "cpu": rule "A" (#2) duplicates rule #1: same name, expr and labels, which vmalert '
      + 'refuses (it tells rules apart by these only): merge them, or give one a distinguishing label');
  });

  test('an unknown top-level key is refused, not dropped', () => {
    expect(errorOf('namespace: db\ngroups: []\n')).toBe('rules/cpu.yml: unknown top-level key "namespace": vmalert refuses the file; '
      + 'a rule file has only "groups:" (move group settings such as labels into each group)');
  });

  test('a multi-document file gives the groups of every document, as vmalert reads it', () => {
    const text = `${ruleFile({ alert: 'A', expr: 'up' })}---\n${yaml.dump({ groups: [{ name: 'mem', rules: [{ alert: 'B', expr: 'up' }] }] })}`;
    expect(parseRuleFile(text, FILE).map(g => g.name)).toEqual(['cpu', 'mem']);
    expect(errorOf(`${ruleFile({ alert: 'A', expr: 'up' })}---\n${ruleFile({ alert: 'B', expr: 'up' })}`)).toBe(
      'rules/cpu.yml (YAML document 2): group "cpu": the group name is used twice in this file; group names must be unique: rename one of them');
  });

  test('durations are MetricsQL durations, checked as vmalert checks them', () => {
    expect(parseRuleFile(ruleFile({ alert: 'A', expr: 'up', for: '1.5m' }, { interval: '90' }), FILE)[0]).toMatchObject({ interval: '90' });
    expect(errorOf(ruleFile({ alert: 'A', expr: 'up' }, { interval: '-1m' }))).toMatch(/interval: -1m is negative/);
    expect(errorOf(ruleFile({ alert: 'A', expr: 'up' }, { type: 'influx' }))).toMatch(/type: "influx" is not a query language vmalert knows/);
  });

  test('keep_firing_for and for on a recording rule are refused: vmalert would ignore them', () => {
    expect(errorOf(ruleFile({ record: 'a:b', expr: 'up', keep_firing_for: '5m' }))).toMatch(
      /rule "a:b": "keep_firing_for" only works on an alerting rule; vmalert ignores it on a recording rule/);
  });

  test('annotations on a recording rule are kept as written, as vmalert accepts them', () => {
    // GIVEN a recording rule that describes its series
    const text = ruleFile({ record: 'a:b', expr: 'up', annotations: { description: 'Targets up, by {{ $labels.job }}' } });
    // WHEN it is loaded
    const [group] = parseRuleFile(text, FILE);
    // THEN the annotations are there, and a broken template in them is still refused
    expect(group.rules).toEqual([{ record: 'a:b', expr: 'up', annotations: { description: 'Targets up, by {{ $labels.job }}' } }]);
    expect(errorOf(ruleFile({ record: 'a:b', expr: 'up', annotations: { description: '{{ if $labels.job }}by job' } }))).toMatch(
      /rule "a:b": annotations\.description: template: {{if}} is never closed/);
  });

  test('a BOM and CRLF line endings are accepted', () => {
    const text = `\uFEFF${ruleFile({ alert: 'A', expr: 'up', annotations: { summary: 'x' } }).replace(/\n/g, '\r\n')}`;
    expect(parseRuleFile(text, FILE)).toEqual([{ name: 'cpu', rules: [{ alert: 'A', expr: 'up', annotations: { summary: 'x' } }] }]);
  });

  test('typed groups are validated like files', () => {
    expect(() => validateRuleGroups({ groups: [{ name: 'g', limit: -1, rules: [] }] }, 'typed')).toThrow('typed: group "g": limit: -1 is negative');
  });
});
