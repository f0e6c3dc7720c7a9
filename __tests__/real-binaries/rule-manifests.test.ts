/**
 * PrometheusRule and VMRule manifests against the pinned vmalert: the rule file we render from each good manifest
 * passes `vmalert -dryRun`, as does the plain rule file of its spec.groups taken out by hand; each bad manifest's
 * spec.groups, given to vmalert as a rule file, is refused by vmalert too, where the field is one vmalert refuses.
 * The VMRule and PrometheusRule objects RuleObjects writes hold spec.groups vmalert accepts.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import * as yaml from 'js-yaml';
import { RuleObjectKind, RuleObjects } from '../../constructs';
import { parseRuleFileBytes, renderRuleFile } from '../../constructs/rules/rules';
import { binary, run } from '../../testkit/binaries';
import { temporaryDirectories } from '../support/temp';

const tempDir = temporaryDirectories();
const FIXTURES = path.join(__dirname, '..', 'fixtures', 'rule-manifests');
const fixtures = (kind: string) => fs.readdirSync(path.join(FIXTURES, kind)).sort();

function dryRun(file: string) {
  const result = run(binary('vmalert'), ['-dryRun', `-rule=${file}`]);
  return { code: result.code, output: result.stdout + result.stderr };
}

/** A plain rule file holding the spec.groups of every rule object of a manifest file, as an operator would hand them over. */
function specGroupsFile(manifest: string): string {
  const objects = yaml.loadAll(fs.readFileSync(manifest, 'utf8')) as Array<Record<string, any>>;
  const groups = objects.flatMap(o => (o.kind === 'List' ? o.items : [o])).flatMap(o => o.spec?.groups ?? []);
  const file = path.join(tempDir('spec-groups-'), `${path.basename(manifest, '.yaml')}.yml`);
  fs.writeFileSync(file, yaml.dump({ groups }));
  return file;
}

test.each(fixtures('good'))('the rule file rendered from %s passes vmalert -dryRun, as its spec.groups do', name => {
  // GIVEN a manifest and the rule file we render from it
  const manifest = path.join(FIXTURES, 'good', name);
  const rendered = path.join(tempDir('rendered-'), `${path.basename(name, '.yaml')}.yml`);
  fs.writeFileSync(rendered, renderRuleFile(parseRuleFileBytes(fs.readFileSync(manifest), manifest)));
  // WHEN the pinned vmalert checks both
  // THEN both pass
  expect(dryRun(specGroupsFile(manifest))).toEqual({ code: 0, output: expect.any(String) });
  expect(dryRun(rendered)).toEqual({ code: 0, output: expect.any(String) });
});

/** Bad manifests whose fault is a field vmalert refuses in a group or rule, with what vmalert says. */
const VMALERT_REFUSES: Record<string, string> = {
  'prometheusrule-partial-response.yaml': 'unknown fields in group "thanos": partial_response_strategy',
  'prometheusrule-query-offset.yaml': 'unknown fields in group "late-data": query_offset',
  'prometheusrule-unknown-rule-field.yaml': 'severity',
  'vmrule-tenant.yaml': 'unknown fields in group "tenant-42": tenant',
  'vmrule-unknown-group-field.yaml': 'unknown fields in group "shop": evaluation_interval',
};

test.each(Object.entries(VMALERT_REFUSES))('vmalert refuses the spec.groups of %s too', (name, says) => {
  // GIVEN the groups of a manifest synth refuses for a group or rule field
  const file = specGroupsFile(path.join(FIXTURES, 'bad', name));
  // WHEN the pinned vmalert checks them THEN it refuses them for that field
  expect(dryRun(file)).toEqual({ code: 255, output: expect.stringContaining(says) });
});

test.each([
  [RuleObjectKind.VM_RULE, 'vmrules-two-documents.yaml'],
  [RuleObjectKind.PROMETHEUS_RULE, 'prometheusrule-node.yaml'],
])('the %s objects RuleObjects writes from %s hold groups vmalert -dryRun accepts', (kind, name) => {
  // GIVEN the objects written from a manifest file
  const chart = Testing.chart();
  RuleObjects.fromFile(chart, 'rules', path.join(FIXTURES, 'good', name), { kind });
  const manifest = path.join(tempDir('rule-objects-'), `${path.basename(name, '.yaml')}.yaml`);
  fs.writeFileSync(manifest, Testing.synth(chart).map(o => yaml.dump(o)).join('---\n'));
  // WHEN the pinned vmalert checks their spec.groups THEN it accepts them
  expect(dryRun(specGroupsFile(manifest))).toEqual({ code: 0, output: expect.any(String) });
});
