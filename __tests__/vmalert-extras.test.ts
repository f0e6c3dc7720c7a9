/**
 * vmalert's extras, typed: rule templates (`-rule.templates`) from files or a directory, the alert source link
 * (`-external.alert.source`), staging without notifications (`-notifier.blackhole`), extra mounts and plain env. The
 * pinned vmalert runs them in real-binaries/vmalert-extras.test.ts.
 */
import * as path from 'path';
import { Testing } from 'cdk8s';
import { RulesConfigMap, RuleTemplates, VmalertHa, VmalertHaProps } from '../constructs';
import { argsOf, CPU_GROUP, firstContainer, flagValues, only, synth } from './support/synth';

const TEMPLATES = path.join(__dirname, 'fixtures', 'rule-templates');

function vmalert(props: Partial<VmalertHaProps> = {}) {
  const chart = Testing.chart();
  const rules = new RulesConfigMap(chart, 'rules', { groups: [CPU_GROUP], namespace: 'monitoring' });
  new VmalertHa(chart, 'vmalert', { datasourceUrl: 'http://vmselect:8481/select/0/prometheus', notifiers: ['http://am:9093'], rules, namespace: 'monitoring', ...props });
  return synth(chart);
}

function errorOf(props: Partial<VmalertHaProps>): string {
  try {
    vmalert(props);
  } catch (error) {
    return (error as Error).message;
  }
  return '';
}

describe('rule templates', () => {
  test('a directory of templates becomes a ConfigMap mounted read-only, and -rule.templates globs it', () => {
    // GIVEN the *.tmpl files of a directory (its README is not one)
    const ruleTemplates = RuleTemplates.fromDirectory(path.join(TEMPLATES, 'good'));
    // WHEN vmalert uses them
    const objects = vmalert({ ruleTemplates });
    // THEN
    expect(ruleTemplates.map(t => t.fileName)).toEqual(['links.tmpl', 'summary.tmpl']);
    const configMap = objects.filter(o => o.kind === 'ConfigMap').find(o => 'links.tmpl' in (o.data ?? {}))!;
    expect(Object.keys(configMap.data)).toEqual(['links.tmpl', 'summary.tmpl']);
    const pod = only(objects, 'Deployment').spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'rule-templates', configMap: { name: configMap.metadata.name } });
    expect(firstContainer(only(objects, 'Deployment')).volumeMounts).toContainEqual({ name: 'rule-templates', mountPath: '/etc/vmalert/templates', readOnly: true });
    expect(flagValues(argsOf(objects, 'Deployment'), '-rule.templates')).toEqual(['/etc/vmalert/templates/*.tmpl']);
  });

  test('a template change rolls the pods; no templates, no flag and no ConfigMap', () => {
    const checksum = (text: string) => only(vmalert({ ruleTemplates: [RuleTemplates.inline('a.tmpl', text)] }), 'Deployment')
      .spec.template.metadata.annotations['cdk8s-vmalert-ha/rules-checksum'];
    expect(checksum('{{ define "a" }}1{{ end }}')).not.toBe(checksum('{{ define "a" }}2{{ end }}'));
    const plain = vmalert();
    expect(flagValues(argsOf(plain, 'Deployment'), '-rule.templates')).toEqual([]);
    expect(plain.filter(o => o.kind === 'ConfigMap')).toHaveLength(1);
  });

  test.each([
    [[RuleTemplates.fromFile(path.join(TEMPLATES, 'bad', 'unclosed-if.tmpl'))], 'ruleTemplates[0] (unclosed-if.tmpl): template: {{define}} is never closed: add {{end}}; vmalert would exit at start'],
    [[RuleTemplates.inline('links.txt', '{{ define "a" }}{{ end }}')], 'ruleTemplates[0]: file name "links.txt" must end with ".tmpl"'],
    [[RuleTemplates.inline('a.tmpl', 'no define')], 'ruleTemplates[0] (a.tmpl): defines no template'],
  ])('bad templates are refused: %#', (ruleTemplates, message) => {
    expect(errorOf({ ruleTemplates })).toContain(`VmalertHa "vmalert": ${message}`);
  });

  test('a directory without templates names what it holds', () => {
    expect(() => RuleTemplates.fromDirectory(path.join(TEMPLATES, 'nothing-here'))).toThrow('nothing-here: cannot read the rule templates directory (ENOENT)');
    expect(() => RuleTemplates.fromDirectory(path.join(__dirname, 'fixtures', 'rule-dirs', 'only-hidden')))
      .toThrow('no rule templates (*.tmpl, not hidden) in it; it holds ..data.yml, README.txt');
  });
});

describe('alert source, blackhole, mounts and env', () => {
  test('externalAlertSource is -external.alert.source, as written', () => {
    const source = 'explore?orgId=1&left={"queries":[{"expr":{{ .Expr | jsonEscape | queryEscape }}}]}';
    expect(flagValues(argsOf(vmalert({ externalAlertSource: source }), 'Deployment'), '-external.alert.source')).toEqual([source]);
  });

  test.each([
    ['explore?expr={{ .Expr | queryEscape ', 'template: unclosed action'],
    ['explore?x=1\nother', 'must be one line of text'],
  ])('a broken externalAlertSource %j is refused', (externalAlertSource, message) => {
    expect(errorOf({ externalAlertSource })).toContain(`VmalertHa "vmalert": externalAlertSource ${JSON.stringify(externalAlertSource)}: ${message}`);
  });

  test('notifierBlackhole with notifiers: [] evaluates and notifies nobody', () => {
    const args = argsOf(vmalert({ notifierBlackhole: true, notifiers: [] }), 'Deployment');
    expect(flagValues(args, '-notifier.blackhole')).toEqual(['true']);
    expect(flagValues(args, '-notifier.url')).toEqual([]);
  });

  test('notifierBlackhole beside notifiers or replicaLabel is refused, as vmalert exits', () => {
    expect(errorOf({ notifierBlackhole: true })).toContain('notifierBlackhole sends no notification, so it cannot go with notifiers (1 URL): give notifiers: []');
    expect(errorOf({ notifierBlackhole: true, notifiers: [], replicaLabel: 'replica' })).toContain('replicaLabel (it only shapes notifications): drop it');
    expect(errorOf({ notifiers: [] })).toContain('notifiers is empty: give the AlertmanagerCluster or one URL per Alertmanager pod (or set notifierBlackhole');
  });

  test('extra mounts go read-only under /etc/vmalert/extra/<name>, away from the construct\'s own directories', () => {
    const objects = vmalert({ extraMounts: [{ secretName: 'ca' }, { configMapName: 'lists', mountPath: '/data/lists' }] });
    expect(firstContainer(only(objects, 'Deployment')).volumeMounts).toEqual(expect.arrayContaining([
      { name: 'extra-0', mountPath: '/etc/vmalert/extra/ca', readOnly: true },
      { name: 'extra-1', mountPath: '/data/lists', readOnly: true },
    ]));
    expect(errorOf({ extraMounts: [{ secretName: 'x', mountPath: '/etc/vmalert/rules/x' }] }))
      .toContain('extraMounts[0]: mountPath /etc/vmalert/rules/x overlaps /etc/vmalert/rules, which the construct mounts');
  });

  test('env adds plain variables, which externalLabels may then refer to', () => {
    const objects = vmalert({ env: { CLUSTER_NAME: 'eu-1' }, externalLabels: { cluster: '$(CLUSTER_NAME)' } });
    expect(firstContainer(only(objects, 'Deployment')).env).toContainEqual({ name: 'CLUSTER_NAME', value: 'eu-1' });
    expect(flagValues(argsOf(objects, 'Deployment'), '-external.label')).toEqual(['cluster=$(CLUSTER_NAME)']);
  });

  test.each([
    [{ 'CLUSTER-NAME': 'x' }, 'env.CLUSTER-NAME: not a variable name'],
    [{ POD_NAME: 'x' }, 'env.POD_NAME: set by the construct'],
    [{ DATASOURCE_PASSWORD: 'hunter2' }, 'env.DATASOURCE_PASSWORD: looks like a secret'],
  ])('env %j is refused', (env, message) => {
    expect(errorOf({ env })).toContain(message);
  });
});
