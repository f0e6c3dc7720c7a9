import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import * as yaml from 'js-yaml';
import { RulesConfigMap } from '../constructs';
import { parseRuleFile } from '../constructs/rules/rules';
import { CPU_GROUP, ofKind, synth } from './support/synth';
import { temporaryDirectories } from './support/temp';

const tempDir = temporaryDirectories();

function tempRulesDir(files: Record<string, string>): string {
  const dir = tempDir('rules-');
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

const group = (name: string) => yaml.dump({ groups: [{ name, rules: [{ alert: `${name}Alert`, expr: 'up == 0' }] }] });

describe('RulesConfigMap', () => {
  test('typed groups become one validated rule file in one ConfigMap', () => {
    // GIVEN
    const chart = Testing.chart();
    // WHEN
    const rules = new RulesConfigMap(chart, 'rules', { groups: [CPU_GROUP], namespace: 'monitoring' });
    // THEN
    const [configMap] = ofKind(synth(chart), 'ConfigMap');
    expect(configMap.metadata.namespace).toBe('monitoring');
    expect(Object.keys(configMap.data)).toEqual(['rules.yml']);
    expect(parseRuleFile(configMap.data['rules.yml'], 'rules.yml')).toEqual([CPU_GROUP]);
    expect(rules.parts).toHaveLength(1);
    expect(rules.groups.map(g => g.name)).toEqual(['cpu']);
  });

  test('fromDirectory loads every *.yml and *.yaml file, skipping subdirectories and other files', () => {
    // GIVEN
    const dir = tempRulesDir({ 'a.yml': group('a'), 'b.yaml': group('b'), 'README.md': '# notes', 'tests/a.test.yml': 'rule_files: []' });
    const chart = Testing.chart();
    // WHEN
    const rules = RulesConfigMap.fromDirectory(chart, 'rules', dir);
    // THEN
    const [configMap] = ofKind(synth(chart), 'ConfigMap');
    expect(Object.keys(configMap.data).sort()).toEqual(['a.yml', 'b.yml']);
    expect(rules.groups.map(g => g.name)).toEqual(['a', 'b']);
  });

  test('fromFile loads one file', () => {
    const dir = tempRulesDir({ 'cpu.yaml': group('cpu') });
    const chart = Testing.chart();
    RulesConfigMap.fromFile(chart, 'rules', path.join(dir, 'cpu.yaml'));
    expect(Object.keys(ofKind(synth(chart), 'ConfigMap')[0].data)).toEqual(['cpu.yml']);
  });

  test('rules beyond one ConfigMap go into further ConfigMaps, each within the budget, every group once', () => {
    // GIVEN 120 groups (about 11 KB) and a 4 KiB budget
    const groups = Array.from({ length: 120 }, (_, i) => ({ name: `g${i}`, rules: [{ alert: `A${i}`, expr: `up{job="job-${i}"} == 0`, for: '5m' }] }));
    const chart = Testing.chart();
    // WHEN
    const rules = new RulesConfigMap(chart, 'rules', { groups, maxDataBytes: 4096 });
    // THEN
    const configMaps = ofKind(synth(chart), 'ConfigMap');
    expect(configMaps.length).toBeGreaterThan(1);
    expect(configMaps.length).toBe(rules.parts.length);
    for (const cm of configMaps) {
      const bytes = Object.entries(cm.data as Record<string, string>).reduce((n, [k, v]) => n + k.length + Buffer.byteLength(v), 0);
      expect(bytes).toBeLessThanOrEqual(4096);
    }
    const loaded = configMaps.flatMap(cm => Object.entries(cm.data as Record<string, string>).flatMap(([k, v]) => parseRuleFile(v, k)));
    expect(loaded.map(g => g.name)).toEqual(groups.map(g => g.name));
  });

  test('fromDirectory follows a symbolic link to a rule file', () => {
    // GIVEN a rules directory whose cpu.yml links to a shared file elsewhere
    const shared = tempRulesDir({ 'cpu-shared.yml': group('cpu') });
    const dir = tempRulesDir({ 'mem.yml': group('mem') });
    fs.symlinkSync(path.join(shared, 'cpu-shared.yml'), path.join(dir, 'cpu.yml'));
    const chart = Testing.chart();
    // WHEN
    const rules = RulesConfigMap.fromDirectory(chart, 'rules', dir);
    // THEN the link's target is loaded under the link's name
    expect(rules.groups.map(g => g.name)).toEqual(['cpu', 'mem']);
    expect(Object.keys(ofKind(synth(chart), 'ConfigMap')[0].data).sort()).toEqual(['cpu.yml', 'mem.yml']);
  });

  test('fromDirectory refuses a broken symbolic link, naming it and its target', () => {
    const dir = tempRulesDir({ 'mem.yml': group('mem') });
    fs.symlinkSync('/nonexistent/cpu.yml', path.join(dir, 'cpu.yml'));
    expect(() => RulesConfigMap.fromDirectory(Testing.chart(), 'rules', dir)).toThrow(
      `RulesConfigMap "rules": ${path.join(dir, 'cpu.yml')} is a symbolic link to /nonexistent/cpu.yml, which does not exist: fix or remove the link`);
  });

  test('fromDirectory skips hidden files, editor backups and subdirectories', () => {
    // GIVEN what editors and tools leave next to rule files
    const dir = tempRulesDir({
      'cpu.yml': group('cpu'), '.cpu.yml.swp': 'binary', '.#cpu.yml': 'lock', '.hidden.yml': group('hidden'),
      'cpu.yml~': group('backup1'), 'cpu.yml.bak': group('backup2'), 'cpu.yml.orig': group('backup3'),
      'tests/cpu.test.yml': 'rule_files: []', 'Mem.YAML': group('mem'),
    });
    // WHEN
    const rules = RulesConfigMap.fromDirectory(Testing.chart(), 'rules', dir);
    // THEN only the two rule files are loaded
    expect(rules.groups.map(g => g.name)).toEqual(['mem', 'cpu']);
  });

  test('a file saved in Big5 is refused naming the file and the iconv command, not turned into U+FFFD', () => {
    // GIVEN "中文告警" in Big5
    const dir = tempRulesDir({});
    const file = path.join(dir, 'cpu.yml');
    fs.writeFileSync(file, Buffer.concat([
      Buffer.from('groups:\n  - name: cpu\n    rules:\n      - alert: A\n        expr: up\n        annotations:\n          summary: "'),
      Buffer.from([0xa4, 0xa4, 0xa4, 0xe5, 0xa7, 0x69, 0xc4, 0xb5]),
      Buffer.from('"\n'),
    ]));
    // WHEN / THEN
    expect(() => RulesConfigMap.fromFile(Testing.chart(), 'rules', file)).toThrow(
      new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:7: the file is not UTF-8 \\(byte 0xA4 at offset \\d+\\); `
        + 'vmalert reads rule files as UTF-8 and refuses it\\. Convert it .*iconv -f BIG5 -t UTF-8 cpu\\.yml'));
  });

  test('a UTF-8 file with a BOM and CRLF line endings loads, its Chinese text intact', () => {
    const dir = tempRulesDir({ 'cpu.yml': '\uFEFFgroups:\r\n  - name: cpu\r\n    rules:\r\n      - alert: A\r\n        expr: up\r\n'
      + '        annotations:\r\n          summary: 中文告警\r\n' });
    const rules = RulesConfigMap.fromFile(Testing.chart(), 'rules', path.join(dir, 'cpu.yml'));
    expect(rules.groups[0].rules[0]).toEqual({ alert: 'A', expr: 'up', annotations: { summary: '中文告警' } });
  });

  test('rule files that hold no group at all are refused: vmalert would have nothing to evaluate', () => {
    const dir = tempRulesDir({ 'empty.yml': 'groups: []\n' });
    expect(() => RulesConfigMap.fromDirectory(Testing.chart(), 'rules', dir)).toThrow(/no rule groups in .*empty\.yml: vmalert would have nothing to evaluate/);
  });

  describe('errors name the file, group and rule', () => {
    test('a bad rule in a typed group', () => {
      const chart = Testing.chart();
      expect(() => new RulesConfigMap(chart, 'rules', { groups: [{ name: 'cpu', rules: [{ alert: 'A', expr: 'up', for: '1x' }] }] }))
        .toThrow('RulesConfigMap "rules": group "cpu": rule "A": for: "1x" is not a duration');
    });

    test('one group name in two files', () => {
      const dir = tempRulesDir({ 'a.yml': group('cpu'), 'b.yml': group('cpu') });
      expect(() => RulesConfigMap.fromDirectory(Testing.chart(), 'rules', dir)).toThrow(
        `RulesConfigMap "rules": group "cpu" is defined in ${path.join(dir, 'a.yml')} and ${path.join(dir, 'b.yml')}; group names must be unique: rename one`);
    });

    test('two files that would share a ConfigMap key', () => {
      const dir = tempRulesDir({ 'a.yml': group('a'), 'a.yaml': group('b') });
      expect(() => RulesConfigMap.fromDirectory(Testing.chart(), 'rules', dir)).toThrow(/would both be stored as a\.yml: rename one/);
    });

    test('a missing or empty directory, a missing file', () => {
      expect(() => RulesConfigMap.fromDirectory(Testing.chart(), 'rules', '/nonexistent/rules')).toThrow(
        'RulesConfigMap "rules": cannot read the rules directory /nonexistent/rules (ENOENT)');
      expect(() => RulesConfigMap.fromDirectory(Testing.chart(), 'rules', tempRulesDir({}))).toThrow(/no rule files \(\*\.yml, \*\.yaml, not hidden\) in/);
      expect(() => RulesConfigMap.fromFile(Testing.chart(), 'rules', '/nonexistent/cpu.yml')).toThrow(
        '/nonexistent/cpu.yml: cannot read the rule file (ENOENT)');
    });

    test('a directory whose only rule file is hidden names the file it skipped and why', () => {
      // GIVEN a directory holding ..data.yml and a README
      const dir = path.join(__dirname, 'fixtures', 'rule-dirs', 'only-hidden');
      // WHEN it is loaded THEN the message names both skipped files and how to load the hidden one
      expect(() => RulesConfigMap.fromDirectory(Testing.chart(), 'rules', dir)).toThrow(
        `RulesConfigMap "rules": no rule files (*.yml, *.yaml, not hidden) in ${dir}; skipped: `
        + '..data.yml (hidden: the name starts with "."; rename it to load it), README.txt (not .yml or .yaml)');
    });

    test('neither groups nor files', () => {
      expect(() => new RulesConfigMap(Testing.chart(), 'rules', {})).toThrow(/give either "groups" or "files"/);
    });
  });
});
