/**
 * The rule-file conformance fixtures, our side: every good file loads and round-trips value for value, also saved
 * with a BOM and CRLF line endings; every bad file is refused with a message naming file, group, rule and the fix;
 * every "stricter" file (vmalert accepts it, we refuse on purpose) says why. The same files go through the pinned
 * vmalert in __tests__/real-binaries/rule-files.test.ts.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ConfigError, RuleGroup } from '../constructs';
import { parseRuleFile, parseRuleFileBytes, renderRuleFile } from '../constructs/rules/rules';

const FIXTURES = path.join(__dirname, 'fixtures', 'rule-files');
const fixtures = (kind: string) => fs.readdirSync(path.join(FIXTURES, kind)).filter(f => f.endsWith('.yml')).sort();
const load = (kind: string, name: string) => {
  const file = path.join(FIXTURES, kind, name);
  return parseRuleFileBytes(fs.readFileSync(file), file);
};

/** What each refusal must say, beyond naming the file. */
const REFUSALS: Record<string, RegExp> = {
  'alert-and-record.yml': /group "storage": rule "StorageDown": has both "alert" and "record"/,
  'bad-duration.yml': /rule "StorageDown": for: "5M" is not a duration \(use a duration such as 30s, 5m/,
  'big5.yml': /big5\.yml:8: the file is not UTF-8 \(byte 0xA4 .*iconv -f BIG5 -t UTF-8 big5\.yml/,
  'duplicate-group-across-documents.yml': /\(YAML document 2\): group "storage": the group name is used twice in this file/,
  'duplicate-group-name.yml': /group "storage": the group name is used twice in this file; group names must be unique/,
  'duplicate-rule.yml': /rule "StorageDown" \(#2\) duplicates rule #1: same name, expr and labels, which vmalert refuses/,
  'empty-alert-name.yml': /rule "#1": has neither "alert" nor "record" \(or an empty one\)/,
  'empty-duration.yml': /rule "StorageDown": keep_firing_for: "" is not a duration/,
  'empty-expr.yml': /rule "StorageDown": "expr" is empty/,
  'empty-template-action.yml': /annotations\.summary: template: missing value for command/,
  'eval-offset-and-delay.yml': /group "storage": eval_offset and eval_delay cannot be used together/,
  'eval-offset-beyond-interval.yml': /group "storage": eval_offset: 6m is longer than the interval 5m/,
  'eval-offset-without-interval.yml': /group "storage": eval_offset: 1m needs the group's own interval/,
  'group-without-name.yml': /group "#1": needs a "name"/,
  'header-without-colon.yml': /group "storage": headers\[0\]: "X-Scope-OrgID" has no ":": write "Name: value"/,
  'label-value-list.yml': /rule "StorageDown": labels\.team must be text, not a list/,
  'latin1.yml': /latin1\.yml:8: the file is not UTF-8 \(byte 0xEA .*iconv -f BIG5 -t UTF-8 latin1\.yml .*-f LATIN1/,
  'list-instead-of-mapping.yml': /a rule file is a mapping with a "groups:" list .*not a list/,
  'multi-document-unknown-key.yml': /\(YAML document 2\): unknown top-level key "owner": vmalert refuses the file/,
  'name-label.yml': /rule "storage:up": labels: "__name__" cannot be set by a rule/,
  'negative-concurrency.yml': /group "storage": concurrency: -2 is negative/,
  'negative-interval.yml': /group "storage": interval: -1m is negative/,
  'negative-limit.yml': /group "storage": limit: -1 is negative/,
  'params-not-a-list.yml': /group "storage": params\.nocache must be a list of values/,
  'quoted-boolean.yml': /group "storage": eval_alignment: "false" is not true or false \(write true or false, unquoted\)/,
  'quoted-number.yml': /group "storage": limit: "100" is quoted text: write the number without quotes/,
  'template-if-without-end.yml': /labels\.severity: template: \{\{if\}\} is never closed: add \{\{end\}\}/,
  'template-unterminated-string.yml': /annotations\.summary: template: unterminated quoted string/,
  'unbalanced-selector.yml': /rule "StorageDown": expr: "\{" at column 3 is never closed: add "\}"/,
  'unclosed-template-action.yml': /annotations\.summary: template: unclosed action: add "\}\}" \(the action at column 38\)/,
  'unknown-group-field.yml': /group "storage": unknown field "evaluation_interval", which vmalert refuses/,
  'unknown-rule-field.yml': /rule "StorageDown": unknown field "severity", which vmalert refuses/,
  'unknown-top-level-key.yml': /unknown top-level key "namespace": vmalert refuses the file/,
  'unknown-type.yml': /group "storage": type: "Prometheus" is not a query language vmalert knows \(use prometheus, graphite, vlogs\)/,
  'duplicate-key.yml': /:7:9: invalid YAML in group "storage", rule "StorageDown": duplicated mapping key[\s\S]*silently keep only the last value/,
  'internal-fields.yml': /"file" is one of vmalert's internal group fields[\s\S]*rule "StorageDown": "id" is one of vmalert's internal rule fields/,
  'recording-rule-with-for.yml': /rule "storage:up": "for", "keep_firing_for" only work on an alerting rule; vmalert ignores them/,
};

function refusalOf(kind: string, name: string): string {
  try {
    load(kind, name);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`${kind}/${name} was accepted`);
}

test('every bad and stricter fixture has its expected message, and nothing else is listed', () => {
  expect([...fixtures('bad'), ...fixtures('stricter')].sort()).toEqual(Object.keys(REFUSALS).sort());
});

describe.each(fixtures('good'))('good fixture %s', name => {
  let groups: RuleGroup[];
  beforeAll(() => {
    groups = load('good', name);
  });

  test('loads and round-trips value for value', () => {
    expect(groups.length).toBeGreaterThan(0);
    expect(parseRuleFile(renderRuleFile(groups), 'rendered.yml')).toEqual(groups);
  });

  test('saved with a BOM and CRLF line endings, it reads the same', () => {
    // GIVEN the file as a Windows editor saves it
    const original = fs.readFileSync(path.join(FIXTURES, 'good', name), 'utf8');
    const windows = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(original.replace(/\n/g, '\r\n'))]);
    // WHEN / THEN
    expect(parseRuleFileBytes(windows, name)).toEqual(groups);
  });
});

describe.each([...fixtures('bad').map(n => ['bad', n]), ...fixtures('stricter').map(n => ['stricter', n])])('%s fixture %s', (kind, name) => {
  test('is refused naming the file and the problem', () => {
    const message = refusalOf(kind, name);
    expect(message.startsWith(path.join(FIXTURES, kind, name))).toBe(true);
    expect(message).toMatch(REFUSALS[name]);
  });
});

describe('what the good fixtures hold', () => {
  test('every group and rule field is read and written out unchanged', () => {
    // GIVEN / WHEN
    const [group, delayed] = load('good', 'every-field.yml');
    // THEN
    expect(group).toEqual({
      name: 'every-group-field', type: 'prometheus', interval: '1m', eval_offset: '10s', eval_alignment: false, limit: 1000,
      concurrency: 2, labels: { team: 'storage' }, params: { nocache: ['1'], extra_label: ['env=prod', 'region=eu'] },
      headers: ['X-Scope-OrgID: 42'], notifier_headers: ['X-Source: vmalert'], debug: false,
      rules: [
        {
          alert: 'DiskAlmostFull', expr: 'vm_free_disk_space_bytes / vm_data_size_bytes < 0.1', for: '10m', keep_firing_for: '15m',
          debug: true, update_entries_limit: 40, labels: { severity: 'warning' },
          annotations: { summary: '{{ $labels.instance }} has less than 10% disk left' },
        },
        {
          record: 'instance:vm_free_disk_space:ratio', expr: 'vm_free_disk_space_bytes / vm_data_size_bytes', debug: false,
          update_entries_limit: 5, labels: { source: 'recording' },
        },
      ],
    });
    expect(delayed).toMatchObject({ interval: '5m', eval_delay: '30s' });
    expect(renderRuleFile([group])).toContain('keep_firing_for: 15m');
  });

  test('label and annotation values keep their source text', () => {
    const [group] = load('good', 'scalars-as-written.yml');
    expect(group.labels).toEqual({ release: '2.10' });
    expect(group.rules[0].labels).toEqual({
      version: '1.10', code: '0x1F', since: '2024-01-01', octal: '017', big: '1e3', paged: 'yes', enabled: 'true',
      blank: '', tilde: '', quoted: '1.10', spaced: '  keep  ',
    });
    expect((group.rules[0] as { annotations: Record<string, string> }).annotations).toEqual({
      json: '{"pod": {"name": "x"}}', braces: '}} stays text {{ $labels.job }}',
      only_open: '{{ not a template without its closing pair', number: '3.14159',
    });
  });

  test('a multi-document file gives the groups of every document', () => {
    expect(load('good', 'multi-document.yml').map(g => g.name)).toEqual(['first-document', 'second-document']);
  });

  test('durations stay as written', () => {
    expect(load('good', 'durations.yml').map(g => [g.interval, (g.rules[0] as { for?: string }).for])).toEqual([
      ['1.5m', '2.5m'], ['1h30m', '1d12h'], ['1500ms', '0s'],
    ]);
  });

  test('merge keys resolve as in YAML', () => {
    expect(load('good', 'anchors-and-merge.yml')[0].rules.map(r => r.labels)).toEqual([
      { severity: 'critical', team: 'api' }, { severity: 'warning', team: 'api' },
    ]);
  });
});
