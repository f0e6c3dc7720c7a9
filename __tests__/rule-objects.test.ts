/**
 * RuleObjects: the same rule files as RulesConfigMap, written as PrometheusRule or VMRule objects. Each object read
 * back as a rule manifest gives the groups it was made from; fields the kind cannot hold are refused.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import * as yaml from 'js-yaml';
import { RuleObjectKind, RuleObjects } from '../constructs';
import { parseRuleFile } from '../constructs/rules/rules';
import { synth } from './support/synth';

const GOOD = path.join(__dirname, 'fixtures', 'rule-manifests', 'good');
const PLAIN = path.join(__dirname, 'fixtures', 'rule-files', 'good');

test('a VMRule per rule file, whose spec.groups read back as the groups it was made from', () => {
  // GIVEN a PrometheusRule file and a VMRule file
  const chart = Testing.chart();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rule-objects-'));
  try {
    fs.copyFileSync(path.join(GOOD, 'prometheusrule-node.yaml'), path.join(dir, 'node.yaml'));
    fs.copyFileSync(path.join(GOOD, 'vmrules-two-documents.yaml'), path.join(dir, 'shop.yaml'));
    // WHEN they become VMRules
    const objects = RuleObjects.fromDirectory(chart, 'rules', dir, { kind: RuleObjectKind.VM_RULE, namespace: 'shop', labels: { team: 'shop' } });
    // THEN one VMRule per file, each reading back to its groups
    const written = synth(chart);
    expect(written.map(o => [o.apiVersion, o.kind, o.metadata.namespace, o.metadata.labels.team])).toEqual([
      ['operator.victoriametrics.com/v1beta1', 'VMRule', 'shop', 'shop'], ['operator.victoriametrics.com/v1beta1', 'VMRule', 'shop', 'shop'],
    ]);
    const readBack = written.flatMap(o => parseRuleFile(yaml.dump(o), `${o.metadata.name}.yaml`));
    expect(readBack).toEqual(objects.groups);
    expect(objects.groups.map(g => g.name)).toEqual(['node.recording', 'node.alerts', 'checkout.slo', 'checkout.logs']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a PrometheusRule from a plain rule file, labels for the operator\'s ruleSelector', () => {
  const chart = Testing.chart();
  RuleObjects.fromFile(chart, 'rules', path.join(PLAIN, 'kube-prometheus-style.yml'), { kind: RuleObjectKind.PROMETHEUS_RULE, labels: { release: 'kube-prometheus-stack' } });
  const [object] = synth(chart);
  expect([object.apiVersion, object.kind, object.metadata.labels.release]).toEqual(['monitoring.coreos.com/v1', 'PrometheusRule', 'kube-prometheus-stack']);
  expect(parseRuleFile(yaml.dump(object), 'back.yaml')).toEqual(parseRuleFile(fs.readFileSync(path.join(PLAIN, 'kube-prometheus-style.yml'), 'utf8'), 'x'));
});

test('vmalert-only fields are refused in a PrometheusRule, naming the file, group and field', () => {
  // GIVEN VMRule groups with vmalert's options WHEN written as a PrometheusRule THEN each field is named
  const file = path.join(GOOD, 'vmrules-two-documents.yaml');
  expect(() => RuleObjects.fromFile(Testing.chart(), 'rules', file, { kind: RuleObjectKind.PROMETHEUS_RULE })).toThrow(
    new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: group "checkout.slo": eval_offset is vmalert's, a PrometheusRule has no such field`));
  expect(() => RuleObjects.fromFile(Testing.chart(), 'rules', file, { kind: RuleObjectKind.PROMETHEUS_RULE })).toThrow(
    /group "checkout.logs": rule "checkout:log_errors:count5m": annotations on a recording rule are refused by Prometheus/);
});

test('typed groups become one object; neither groups nor files is refused', () => {
  const chart = Testing.chart();
  new RuleObjects(chart, 'cpu', { kind: RuleObjectKind.VM_RULE, groups: [{ name: 'cpu', rules: [{ alert: 'HighCPU', expr: 'rate(cpu[5m]) > 0.9', for: '5m' }] }] });
  expect(synth(chart)[0].spec).toEqual({ groups: [{ name: 'cpu', rules: [{ alert: 'HighCPU', expr: 'rate(cpu[5m]) > 0.9', for: '5m' }] }] });
  expect(() => new RuleObjects(Testing.chart(), 'x', { kind: RuleObjectKind.VM_RULE })).toThrow('give either "groups" or "files"');
});
