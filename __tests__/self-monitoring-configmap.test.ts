import { Testing } from 'cdk8s';
import * as yaml from 'js-yaml';
import { AlertmanagerCluster, RulesConfigMap, VmalertHa } from '../constructs';
import { AlertingStack } from '../main';
import { loadAppConfig } from '../app-config';

type K8sObject = { kind: string; metadata: { name: string; namespace?: string }; data?: Record<string, string>; spec?: any };

function configMaps(manifests: K8sObject[]): K8sObject[] {
  return manifests.filter(m => m.kind === 'ConfigMap');
}

function alertNames(content: string): string[] {
  const doc = yaml.load(content) as { groups: Array<{ rules: Array<{ alert?: string }> }> };
  return doc.groups.flatMap(g => g.rules.map(r => r.alert ?? ''));
}

test('RulesConfigMap.selfMonitoring renders the self-monitoring groups into one ConfigMap file', () => {
  // GIVEN a chart
  const chart = Testing.chart();
  // WHEN the self-monitoring rules are added for a 5-peer cluster in namespace "ops"
  const rules = RulesConfigMap.selfMonitoring(chart, 'self-monitoring', { alertmanagerReplicas: 5, namespace: 'ops' });
  // THEN one ConfigMap holds self-monitoring.yml with both groups and the cluster size 5
  const [cm] = configMaps(Testing.synth(chart) as K8sObject[]);
  expect(rules.groups.map(g => g.name)).toEqual(['self-monitoring-vmalert', 'self-monitoring-alertmanager']);
  expect(cm.metadata.namespace).toBe('ops');
  expect(Object.keys(cm.data ?? {})).toEqual(['self-monitoring.yml']);
  expect(cm.data?.['self-monitoring.yml']).toContain('alertmanager_cluster_members{job=~"alertmanager"} < 5');
  expect(alertNames(cm.data!['self-monitoring.yml'])).toContain('AlertmanagerClusterMembersMissing');
});

test('an invalid self-monitoring option fails at synth with the option named', () => {
  const chart = Testing.chart();
  expect(() => RulesConfigMap.selfMonitoring(chart, 'sm', { alertmanagerReplicas: 0 }))
    .toThrow('alertmanagerReplicas must be a whole number >= 1');
});

test('vmalert mounts the self-monitoring rules next to the other rules', () => {
  // GIVEN an Alertmanager cluster, user rules and the self-monitoring rules sized from the cluster
  const chart = Testing.chart();
  const alertmanager = new AlertmanagerCluster(chart, 'am', {
    replicas: 3,
    config: { route: { receiver: 'null' }, receivers: [{ name: 'null' }] },
  });
  const user = new RulesConfigMap(chart, 'user', {
    groups: [{ name: 'user', rules: [{ alert: 'Always', expr: 'vector(1)' }] }],
  });
  const selfMonitoring = RulesConfigMap.selfMonitoring(chart, 'sm', { alertmanagerReplicas: alertmanager.replicas });
  // WHEN vmalert gets both
  new VmalertHa(chart, 'vmalert', { datasourceUrl: 'http://vmselect:8481/select/0/prometheus', notifiers: alertmanager, rules: [user, selfMonitoring] });
  // THEN its args load every mounted rules ConfigMap, the self-monitoring one included
  const manifests = Testing.synth(chart) as K8sObject[];
  const smName = configMaps(manifests).find(cm => cm.data?.['sm.yml'])!.metadata.name;
  const deployment = manifests.find(m => m.kind === 'Deployment')!;
  const args: string[] = deployment.spec.template.spec.containers[0].args;
  expect(args).toContain(`-rule=/etc/vmalert/rules/${smName}/*.yml`);
  expect(args.filter(a => a.startsWith('-rule='))).toHaveLength(2);
});

test('the app turns self-monitoring on, expecting as many cluster members as Alertmanager replicas', () => {
  // GIVEN the app configured with 5 Alertmanager replicas
  const app = Testing.app();
  const stack = new AlertingStack(app, 'alerting', loadAppConfig({ ALERTMANAGER_REPLICAS: '5' }));
  // WHEN it is synthesized
  const manifests = Testing.synth(stack) as K8sObject[];
  // THEN a ConfigMap holds the self-monitoring rules with the cluster size 5
  const content = configMaps(manifests).map(cm => cm.data?.['self-monitoring.yml']).find(Boolean);
  expect(stack.alertmanager.replicas).toBe(5);
  expect(content).toContain('alertmanager_cluster_members{job=~"alertmanager"} < 5');
  // AND with the Watchdog of the dead man's switch in its own group
  expect(stack.selfMonitoring.groups.map(g => g.name)).toEqual(['self-monitoring-vmalert', 'self-monitoring-alertmanager', 'self-monitoring-watchdog']);
});
