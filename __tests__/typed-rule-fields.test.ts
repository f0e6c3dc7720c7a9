/**
 * The rule fields vmalert spells in snake_case (eval_offset, keep_firing_for, ...) are camelCase in the typed API,
 * so every jsii language can set them; RulesConfigMap writes them under the rule file's names.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import * as yaml from 'js-yaml';
import { RuleGroup, RulesConfigMap } from '../constructs';
import { ofKind, synth } from './support/synth';
import { errorOf } from './support/errors';
import { temporaryDirectories } from './support/temp';
import { CAMEL_CASE_GROUPS, CAMEL_CASE_GROUPS_IN_FILE } from './support/typed-rule-groups';

const tempDir = temporaryDirectories();

/** The rule file RulesConfigMap writes for these typed groups, as YAML data. */
function writtenFile(groups: RuleGroup[]): any {
  const chart = Testing.chart();
  new RulesConfigMap(chart, 'rules', { groups });
  const [configMap] = ofKind(synth(chart), 'ConfigMap');
  return yaml.load(configMap.data['rules.yml']);
}

test('camelCase group and rule fields are written under the rule file\'s snake_case keys', () => {
  // GIVEN groups and rules using every camelCase field
  // WHEN RulesConfigMap writes them
  const file = writtenFile(CAMEL_CASE_GROUPS);
  // THEN the file holds vmalert's keys with the values given, and no camelCase key
  expect(file).toEqual(CAMEL_CASE_GROUPS_IN_FILE);
  expect(JSON.stringify(file)).not.toMatch(/evalOffset|evalDelay|evalAlignment|notifierHeaders|keepFiringFor|updateEntriesLimit/);
});

test('the snake_case spelling of TypeScript writes the same file as the camelCase one', () => {
  // GIVEN one group in each spelling
  const camel: RuleGroup = { name: 'g', interval: '1h', evalOffset: '5m', rules: [{ alert: 'A', expr: 'up == 0', keepFiringFor: '5m' }] };
  const snake: RuleGroup = { name: 'g', interval: '1h', eval_offset: '5m', rules: [{ alert: 'A', expr: 'up == 0', keep_firing_for: '5m' }] };
  // WHEN both are written
  // THEN the files are equal
  expect(writtenFile([camel])).toEqual(writtenFile([snake]));
  expect(writtenFile([camel]).groups[0].eval_offset).toBe('5m');
});

test('a field given in both spellings is refused, naming the group, the rule and both names', () => {
  // GIVEN a group and a rule that each give a field twice
  const groups: RuleGroup[] = [{
    name: 'g', interval: '1h', evalOffset: '5m', eval_offset: '5m',
    rules: [{ alert: 'A', expr: 'up == 0', keepFiringFor: '5m', keep_firing_for: '10m' }],
  }];
  // WHEN RulesConfigMap checks them
  const message = errorOf(() => writtenFile(groups));
  // THEN each is reported
  expect(message).toContain('RulesConfigMap "rules": group "g": evalOffset and eval_offset are the same field (eval_offset is how the rule file spells evalOffset): give one of them');
  expect(message).toContain('RulesConfigMap "rules": group "g": rule "A": keepFiringFor and keep_firing_for are the same field');
});

test('camelCase fields are checked as the rule file\'s fields are', () => {
  // GIVEN evalOffset together with evalDelay, and keepFiringFor on a recording rule
  const groups: RuleGroup[] = [{
    name: 'g', interval: '1h', evalOffset: '5m', evalDelay: '30s', rules: [{ record: 'a:b', expr: 'up', keepFiringFor: '5m' } as any],
  }];
  // WHEN RulesConfigMap checks them
  const message = errorOf(() => writtenFile(groups));
  // THEN vmalert's rules apply, named as in the rule file, and a last line names the props those are
  expect(message).toContain('group "g": eval_offset and eval_delay cannot be used together');
  expect(message).toContain('rule "a:b": "keep_firing_for" only works on an alerting rule');
  expect(message.split('\n').pop()).toBe('RulesConfigMap "rules": the messages name fields as the rule file does: '
    + 'eval_offset is evalOffset, eval_delay is evalDelay, keep_firing_for is keepFiringFor');
});

test('a message about a field given in the rule file\'s spelling has no such line', () => {
  // GIVEN the snake_case spelling of TypeScript
  const groups: RuleGroup[] = [{ name: 'g', eval_offset: '5m', rules: [{ alert: 'A', expr: 'up == 0' }] }];
  // WHEN RulesConfigMap checks them
  const message = errorOf(() => writtenFile(groups));
  // THEN the message is vmalert's rule alone
  expect(message).toBe('RulesConfigMap "rules": group "g": eval_offset: 5m needs the group\'s own interval: set interval (longer than the offset)');
});

test('a rule file with a camelCase key is refused, as vmalert refuses it', () => {
  // GIVEN a rule file written with the typed API's spelling
  const dir = tempDir('typed-rule-fields-');
  const file = path.join(dir, 'storage.yml');
  fs.writeFileSync(file, 'groups:\n  - name: storage\n    interval: 1h\n    evalOffset: 5m\n    rules:\n      - alert: A\n        expr: up == 0\n');
  // WHEN it is loaded
  const message = errorOf(() => RulesConfigMap.fromFile(Testing.chart(), 'rules', file));
  // THEN the key is named as unknown to vmalert
  expect(message).toContain(`${file}: group "storage": unknown field "evalOffset", which vmalert refuses`);
});
