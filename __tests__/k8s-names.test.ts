import { App, Chart, Testing } from 'cdk8s';
import { AlertmanagerCluster, RulesConfigMap, VmalertHa } from '../constructs';
import { generatedName } from '../constructs/k8s/api-objects';
import {
  configKeyProblem, dns1035LabelProblem, dns1123LabelProblem, dns1123SubdomainProblem, int32Problem, labelFrom, labelKeyProblem,
  labelValueProblem, objectProblems, portNameProblem, shortenName, STATEFULSET_NAME_MAX,
} from '../constructs/k8s/names';
import { synth, ofKind, only } from './support/synth';

const CONFIG = { route: { receiver: 'null' }, receivers: [{ name: 'null' }] };
const GROUPS = [{ name: 'g', rules: [{ alert: 'A', expr: 'up == 0' }] }];

describe('name rules of the API server', () => {
  test.each([
    ['monitoring', undefined], ['a', undefined], ['1a', undefined], ['', 'is empty'], ['Monitoring', 'DNS-1123 label'],
    ['team_monitoring', 'DNS-1123 label'], ['kube system', 'DNS-1123 label'], ['-a', 'DNS-1123 label'], ['a'.repeat(64), 'more than 63'],
  ])('DNS-1123 label %j', (value, problem) => {
    expect(dns1123LabelProblem(value)).toEqual(problem === undefined ? undefined : expect.stringContaining(problem));
  });

  test.each([
    ['a.b-c', undefined], ['a..b', 'DNS-1123 subdomain'], ['A.b', 'DNS-1123 subdomain'], ['a'.repeat(254), 'more than 253'],
  ])('DNS-1123 subdomain %j', (value, problem) => {
    expect(dns1123SubdomainProblem(value)).toEqual(problem === undefined ? undefined : expect.stringContaining(problem));
  });

  test('a Service name must start with a letter (DNS-1035)', () => {
    expect(dns1035LabelProblem('1chart-api')).toContain('starting with a letter');
    expect(dns1035LabelProblem('chart-api')).toBeUndefined();
  });

  test('label values, keys, config keys, port names and int32 counts', () => {
    expect(labelValueProblem('')).toBeUndefined();
    expect(labelValueProblem('a'.repeat(64))).toContain('more than 63');
    expect(labelValueProblem('a b')).toContain('not a label value');
    expect(labelKeyProblem('app.kubernetes.io/name')).toBeUndefined();
    expect(labelKeyProblem('Bad_Prefix/name')).toContain('prefix');
    expect(configKeyProblem('alertmanager.yml')).toBeUndefined();
    expect(configKeyProblem('..data')).toContain('".."');
    expect(configKeyProblem('a/b')).toContain('no "/"');
    expect(portNameProblem('mesh-tcp')).toBeUndefined();
    expect(portNameProblem('a-very-long-port-name')).toContain('more than 15');
    expect(portNameProblem('9094')).toContain('at least one letter');
    expect(int32Problem(2 ** 31)).toContain('int32');
    expect(int32Problem(3)).toBeUndefined();
  });

  test('shortenName keeps short names and shortens long ones deterministically and distinctly', () => {
    expect(shortenName('short', 52)).toBe('short');
    const a = shortenName(`${'x'.repeat(60)}-a`, 52);
    const b = shortenName(`${'x'.repeat(60)}-b`, 52);
    expect(a).toHaveLength(52);
    expect(a).not.toBe(b);
    expect(shortenName(`${'x'.repeat(60)}-a`, 52)).toBe(a);
  });

  test('labelFrom maps a Secret name with dots to a distinct DNS-1123 label', () => {
    expect(labelFrom('secret-smtp')).toBe('secret-smtp');
    const dotted = labelFrom('secret-smtp.credentials');
    expect(dns1123LabelProblem(dotted)).toBeUndefined();
    expect(dotted).not.toBe(labelFrom('secret-smtp-credentials'));
  });

  test('objectProblems reads names, namespace, labels, replicas, ports, volumes and data keys', () => {
    const problems = objectProblems({
      kind: 'StatefulSet',
      metadata: { name: 'a'.repeat(53), namespace: 'Bad', labels: { ok: 'x'.repeat(64) } },
      spec: {
        replicas: 2 ** 31,
        template: { spec: { containers: [{ name: 'Am', ports: [{ name: 'mesh_tcp' }] }], volumes: [{ name: 'secret-a.b', secret: { secretName: 'A' } }] } },
      },
    });
    expect(problems.join('\n')).toEqual(expect.stringContaining('controller-revision-hash'));
    for (const field of ['metadata.namespace', 'metadata.labels.ok', 'spec.replicas', 'containers[0].name', 'ports[0].name', 'volumes[0].name', 'secret.secretName']) {
      expect(problems.join('\n')).toContain(field);
    }
  });
});

describe('the constructs apply the rules to every object', () => {
  test('the realistic long chart id gives a StatefulSet name of at most 52 characters, and peers follow it', () => {
    // GIVEN the chart id and construct id a platform team would use
    const chart = new Chart(Testing.app(), 'platform-monitoring-production', { namespace: 'monitoring' });
    // WHEN the cluster is built
    const am = new AlertmanagerCluster(chart, 'alertmanager-cluster', { config: CONFIG });
    // THEN the generated name (54 characters) is shortened with a hash and the peers use the real name
    expect(generatedName(am, ['Resource', 'Resource'], 'StatefulSet')).toHaveLength(54);
    const sts = only(synth(chart), 'StatefulSet');
    expect(sts.metadata.name.length).toBeLessThanOrEqual(STATEFULSET_NAME_MAX);
    expect(am.peerHosts[0]).toBe(`${sts.metadata.name}-0.${am.headlessService.name}.monitoring.svc`);
  });

  test('a short name is the one cdk8s generates (the prediction matches)', () => {
    const chart = new Chart(Testing.app(), 'alerting');
    const am = new AlertmanagerCluster(chart, 'am', { config: CONFIG });
    expect(generatedName(am, ['Resource', 'Resource'], 'StatefulSet')).toBe(am.statefulSet.name);
  });

  test.each([
    ['team_monitoring', 'is not a DNS-1123 subdomain'],
    ['1chart', 'is not a DNS-1035 label'],
  ])('chart id %j: synth refuses with the construct path and the fix', (chartId, problem) => {
    // GIVEN a chart id the API server's name rules refuse
    const app = new App({ outdir: Testing.app().outdir });
    const chart = new Chart(app, chartId, { namespace: 'monitoring' });
    const am = new AlertmanagerCluster(chart, 'am', { config: CONFIG });
    new VmalertHa(chart, 'vmalert', { datasourceUrl: 'http://vmselect:8481', notifiers: am, rules: new RulesConfigMap(chart, 'rules', { groups: GROUPS }) });
    // WHEN synthesized THEN it is refused, naming the path and what to change
    expect(() => app.synth()).toThrow(problem);
    expect(() => app.synth()).toThrow(`${chartId}/am/mesh/Resource`);
    expect(() => app.synth()).toThrow('use lowercase letters, digits and "-"');
  });

  test.each([
    ['', 'is empty'], ['Monitoring', 'DNS-1123 label'], ['team_monitoring', 'DNS-1123 label'], ['kube system', 'DNS-1123 label'],
    ['m'.repeat(70), 'more than 63'],
  ])('chart namespace %j is refused before any DNS name is built from it', (namespace, problem) => {
    const build = () => new AlertmanagerCluster(new Chart(Testing.app(), 'alerting', { namespace }), 'am', { config: CONFIG });
    expect(build).toThrow(`namespace ${JSON.stringify(namespace)} (from the namespace of chart "alerting")`);
    expect(build).toThrow(problem);
  });

  test('a namespace prop is blamed as the prop', () => {
    expect(() => new RulesConfigMap(Testing.chart(), 'rules', { groups: GROUPS, namespace: 'Ops' })).toThrow('from the namespace prop of');
  });

  test('replicas above int32 are refused', () => {
    expect(() => new AlertmanagerCluster(Testing.chart(), 'am', { config: CONFIG, replicas: 2 ** 31 })).toThrow('int32');
  });

  test('a Secret name with dots is mounted through a valid volume name', () => {
    const chart = Testing.chart();
    new AlertmanagerCluster(chart, 'am', {
      config: { ...CONFIG, global: { smtpSmarthost: 'smtp.example.org:587', smtpFrom: 'a@example.org', smtpAuthPassword: { secretName: 'smtp.credentials', key: 'password' } } },
    });
    const volumes = ofKind(synth(chart), 'StatefulSet')[0].spec.template.spec.volumes;
    const volume = volumes.find((v: any) => v.secret?.secretName === 'smtp.credentials');
    expect(dns1123LabelProblem(volume.name)).toBeUndefined();
  });
});
