/**
 * PrometheusRule and VMRule manifests as rule sources: every good fixture loads, its groups exactly those of its
 * objects' spec.groups read as a plain rule file, and round-trips; every bad one is refused naming the file, the
 * object and the field. The pinned vmalert checks the rendered files in real-binaries/rule-manifests.test.ts.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import * as yaml from 'js-yaml';
import { RulesConfigMap } from '../constructs';
import { parseRuleFile, parseRuleFileBytes, renderRuleFile } from '../constructs/rules/rules';
import { synth } from './support/synth';

const FIXTURES = path.join(__dirname, 'fixtures', 'rule-manifests');
const fixtures = (kind: string) => fs.readdirSync(path.join(FIXTURES, kind)).sort();
const load = (kind: string, name: string) => {
  const file = path.join(FIXTURES, kind, name);
  return parseRuleFileBytes(fs.readFileSync(file), file);
};

/** What each bad fixture's refusal says after the file and object. */
const REFUSALS: Record<string, string> = {
  'configmap-with-rules.yaml': ': a ConfigMap (v1) is not a rule source: give a plain rule file (groups: [...]) or a PrometheusRule '
    + '(monitoring.coreos.com/v1) or VMRule (operator.victoriametrics.com/v1beta1)',
  'prometheusrule-partial-response.yaml': ' (PrometheusRule thanos-rules): group "thanos": partial_response_strategy: partial_response_strategy is for Thanos rulers',
  'prometheusrule-query-offset.yaml': ' (PrometheusRule monitoring/late-data): group "late-data": query_offset: vmalert has no query_offset; '
    + 'eval_delay shifts each evaluation back the same way: write eval_delay',
  'prometheusrule-unknown-rule-field.yaml': ' (PrometheusRule team-a/api): group "api": rule "ApiDown": unknown field "severity", which vmalert refuses',
  'prometheusrule-unknown-spec-field.yaml': ' (PrometheusRule team-a/api): spec: unknown field "evaluationInterval", which vmalert would not understand',
  'unknown-object-field.yaml': ' (PrometheusRule api): unknown field "groups" (a PrometheusRule has apiVersion, kind, metadata, spec, status)',
  'vmrule-tenant.yaml': ' (VMRule shop/tenant-rules): group "tenant-42": tenant: a group tenant needs enterprise vmalert\'s -clusterMode',
  'vmrule-unknown-group-field.yaml': ' (VMRule shop/shop): group "shop": unknown field "evaluation_interval", which vmalert refuses',
  'vmrule-wrong-api-version.yaml': ' (VMRule shop): apiVersion "operator.victoriametrics.com/v1" is not VMRule\'s: write apiVersion: operator.victoriametrics.com/v1beta1',
};

/** The groups of every rule object in a manifest file, taken out by hand and read as a plain rule file. */
function specGroups(file: string): unknown[] {
  const objects = yaml.loadAll(fs.readFileSync(file, 'utf8')) as Array<Record<string, any>>;
  return objects.flatMap(o => (o.kind === 'List' ? o.items : [o])).flatMap(o => o.spec.groups);
}

test('every bad fixture has its expected message', () => {
  expect(fixtures('bad')).toEqual(Object.keys(REFUSALS).sort());
});

describe.each(fixtures('good'))('good manifest %s', name => {
  test('its groups are its objects\' spec.groups, read as a plain rule file, and round-trip', () => {
    // GIVEN the manifest file
    const file = path.join(FIXTURES, 'good', name);
    // WHEN it is loaded
    const groups = load('good', name);
    // THEN it holds the same groups as a plain rule file with its spec.groups, and renders back to them
    const plain = parseRuleFile(yaml.dump({ groups: specGroups(file) }), 'plain.yml');
    expect(groups.map(g => g.name)).toEqual(plain.map(g => g.name));
    expect(groups.length).toBeGreaterThan(0);
    expect(parseRuleFile(renderRuleFile(groups), 'rendered.yml')).toEqual(groups);
  });
});

describe.each(fixtures('bad'))('bad manifest %s', name => {
  test('is refused naming the file, the object and the field', () => {
    const file = path.join(FIXTURES, 'bad', name);
    expect(() => load('bad', name)).toThrow(`${file}${REFUSALS[name]}`);
  });
});

describe('what the manifests hold', () => {
  test('scalars are kept as written, as in a plain rule file', () => {
    // GIVEN a PrometheusRule whose label value is 1.10 (a float to a YAML 1.2 reader)
    const [recording] = load('good', 'prometheusrule-node.yaml');
    // THEN the label is the text 1.10
    expect(recording.rules[1]).toEqual(expect.objectContaining({ labels: { version: '1.10' } }));
  });

  test('every group option of a VMRule that vmalert knows carries over', () => {
    const [slo, logs] = load('good', 'vmrules-two-documents.yaml');
    expect(slo).toEqual(expect.objectContaining({
      name: 'checkout.slo', interval: '1m', eval_offset: '10s', concurrency: 2, labels: { team: 'checkout' },
      params: { nocache: ['1'] }, headers: ['X-Team: checkout'], notifier_headers: ['X-Origin: vmalert'],
    }));
    expect(slo.rules[0]).toEqual(expect.objectContaining({ debug: true, update_entries_limit: 40, for: '2m' }));
    expect(logs).toEqual(expect.objectContaining({ type: 'vlogs', eval_alignment: false }));
  });

  test('fromDirectory takes manifests beside plain rule files, each as its own rule file in the ConfigMap', () => {
    // GIVEN a directory with a PrometheusRule and a plain rule file
    const chart = Testing.chart();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rule-manifests-'));
    try {
      fs.copyFileSync(path.join(FIXTURES, 'good', 'prometheusrule-node.yaml'), path.join(dir, 'node.yaml'));
      fs.writeFileSync(path.join(dir, 'team.yml'), 'groups:\n  - name: team\n    rules:\n      - alert: TeamDown\n        expr: up{job="team"} == 0\n');
      // WHEN the directory is loaded
      RulesConfigMap.fromDirectory(chart, 'rules', dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    // THEN the ConfigMap holds node.yml with the groups (no manifest fields) and team.yml
    const [configMap] = synth(chart).filter(o => o.kind === 'ConfigMap');
    expect(Object.keys(configMap.data)).toEqual(['node.yml', 'team.yml']);
    const node = yaml.load(configMap.data['node.yml']) as Record<string, any>;
    expect(Object.keys(node)).toEqual(['groups']);
    expect(node.groups.map((g: { name: string }) => g.name)).toEqual(['node.recording', 'node.alerts']);
  });

  test('problems of several objects are reported together', () => {
    // GIVEN two bad objects in one file
    const text = [
      'apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: { name: a }\nspec: { groups: [{ name: a, query_offset: 1m, rules: [] }] }',
      'apiVersion: operator.victoriametrics.com/v1beta1\nkind: VMRule\nmetadata: { name: b }\nspec: { groups: [{ name: b, tenant: "1", rules: [] }] }',
    ].join('\n---\n');
    // WHEN / THEN both are named
    expect(() => parseRuleFile(text, 'two.yaml')).toThrow(/two\.yaml \(PrometheusRule a\): group "a": query_offset[\s\S]*two\.yaml \(VMRule b\): group "b": tenant/);
  });
});
