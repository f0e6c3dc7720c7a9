import { Testing } from 'cdk8s';
import * as yaml from 'js-yaml';
import { AlertmanagerCluster, RulesConfigMap, ScrapeJobs, selfMonitoringJobOptions, SelfMonitoringScrape, VmalertHa } from '../constructs';
import { ScrapeObjectKind } from '../constructs/self-monitoring/scrape';
import { CPU_GROUP, EMAIL_CONFIG, firstContainer, Manifest, ofKind, only, synth } from './support/synth';

/** A chart with vmalert, Alertmanager, self-monitoring rules for `ruleJobs` and the scrape wiring with `props`. */
function stack(objects?: ScrapeObjectKind, jobs?: ScrapeJobs, ruleJobs: ScrapeJobs | undefined = jobs, scrapeInterval?: string) {
  const chart = Testing.chart();
  const am = new AlertmanagerCluster(chart, 'am', { replicas: 3, config: EMAIL_CONFIG, namespace: 'monitoring' });
  const rules = new RulesConfigMap(chart, 'rules', { groups: [CPU_GROUP], namespace: 'monitoring' });
  const selfMonitoring = RulesConfigMap.selfMonitoring(chart, 'self', { namespace: 'monitoring', ...selfMonitoringJobOptions(ruleJobs) });
  const vmalert = new VmalertHa(chart, 'vmalert', {
    datasourceUrl: 'http://vmselect:8481/select/0/prometheus', notifiers: am, rules: [rules, selfMonitoring], namespace: 'monitoring',
  });
  const scrape = new SelfMonitoringScrape(chart, 'scrape', { vmalert, alertmanager: am, objects, jobs, scrapeInterval });
  return { chart, scrape };
}

const podLabels = (workload: Manifest) => workload.spec.template.metadata.labels as Record<string, string>;
const portNames = (workload: Manifest) => (firstContainer(workload).ports as Array<{ name: string; containerPort: number }>);

describe('SelfMonitoringScrape', () => {
  test('by default, a VMPodScrape per component selecting its pods by the workload selector, on the metrics port, with its job', () => {
    // GIVEN / WHEN the defaults
    const { chart } = stack();
    const objects = synth(chart);
    // THEN
    const scrapes = ofKind(objects, 'VMPodScrape');
    expect(scrapes.map(s => s.apiVersion)).toEqual(['operator.victoriametrics.com/v1beta1', 'operator.victoriametrics.com/v1beta1']);
    const [vmalertScrape, amScrape] = scrapes;
    const deployment = only(objects, 'Deployment');
    const statefulSet = only(objects, 'StatefulSet');
    expect(vmalertScrape.metadata.namespace).toBe('monitoring');
    expect(vmalertScrape.spec).toEqual({
      selector: { matchLabels: deployment.spec.selector.matchLabels },
      namespaceSelector: { matchNames: ['monitoring'] },
      podMetricsEndpoints: [{ port: 'http', path: '/metrics', relabelConfigs: [{ targetLabel: 'job', replacement: 'vmalert' }] }],
    });
    expect(amScrape.spec.selector.matchLabels).toEqual(statefulSet.spec.selector.matchLabels);
    expect(amScrape.spec.podMetricsEndpoints).toEqual([
      { port: 'web', path: '/metrics', relabelConfigs: [{ targetLabel: 'job', replacement: 'alertmanager' }] },
    ]);
    // AND the selectors match the pods and the ports exist with the numbers the processes listen on
    for (const [scrape, workload, port] of [[vmalertScrape, deployment, 8880], [amScrape, statefulSet, 9093]] as const) {
      expect(podLabels(workload)).toEqual(expect.objectContaining(scrape.spec.selector.matchLabels));
      expect(portNames(workload)).toContainEqual(expect.objectContaining({ name: scrape.spec.podMetricsEndpoints[0].port, containerPort: port }));
    }
  });

  test('PodMonitor for prometheus-operator carries the same selection under "relabelings"', () => {
    const objects = synth(stack('PodMonitor').chart);
    const monitors = ofKind(objects, 'PodMonitor');
    expect(monitors.map(m => m.apiVersion)).toEqual(['monitoring.coreos.com/v1', 'monitoring.coreos.com/v1']);
    expect(monitors[0].spec.podMetricsEndpoints).toEqual([{ port: 'http', path: '/metrics', relabelings: [{ targetLabel: 'job', replacement: 'vmalert' }] }]);
    expect(ofKind(objects, 'VMPodScrape')).toEqual([]);
  });

  test('"none" writes no scrape object; the vmagent scrape configs are in a ConfigMap either way', () => {
    // GIVEN / WHEN
    const { chart, scrape } = stack('none', { vmalert: 'vm-alert', alertmanager: 'am' });
    const objects = synth(chart);
    // THEN
    expect(ofKind(objects, 'VMPodScrape')).toEqual([]);
    expect(ofKind(objects, 'PodMonitor')).toEqual([]);
    const configMap = ofKind(objects, 'ConfigMap').find(cm => 'scrape-configs.yml' in cm.data)!;
    expect(configMap.metadata.namespace).toBe('monitoring');
    expect(configMap.data['scrape-configs.yml']).toBe(scrape.vmagentScrapeConfigs);
    const configs = yaml.load(scrape.vmagentScrapeConfigs) as any[];
    expect(configs.map(c => c.relabel_configs.at(-1))).toEqual([
      { target_label: 'job', replacement: 'vm-alert' }, { target_label: 'job', replacement: 'am' },
    ]);
    // AND it keeps the pods by the same selector label the workloads use
    const deployment = only(objects, 'Deployment');
    const [[label, value]] = Object.entries(deployment.spec.selector.matchLabels as Record<string, string>);
    expect(configs[0].relabel_configs).toContainEqual({
      action: 'keep', source_labels: [`__meta_kubernetes_pod_label_${label.replace(/[./]/g, '_')}`], regex: value.replace(/\./g, '\\.'),
    });
  });

  test('synth fails when the self-monitoring rules select other jobs than the scrape sets', () => {
    // GIVEN rules for the default jobs, scrape objects for other ones
    const { chart } = stack('VMPodScrape', { vmalert: 'vm-alert', alertmanager: 'am' }, {});
    // THEN
    expect(() => Testing.synth(chart)).toThrow(
      /SelfMonitoringScrape "scrape": the vmalert targets get job="vm-alert", but the self-monitoring rules ".*self" select job=~"vmalert"/);
  });

  test('a bad objects kind or scrape interval is refused', () => {
    expect(() => stack('ServiceMonitor' as ScrapeObjectKind)).toThrow('SelfMonitoringScrape "scrape": objects "ServiceMonitor" is not one of VMPodScrape, PodMonitor, none');
    expect(() => stack('VMPodScrape', undefined, undefined, '30 s')).toThrow('SelfMonitoringScrape "scrape": scrapeInterval "30 s" is not a duration');
  });

  test('objectLabels label the scrape objects and the ConfigMap; a bad label is refused', () => {
    // GIVEN
    const chart = Testing.chart();
    const am = new AlertmanagerCluster(chart, 'am', { config: EMAIL_CONFIG });
    const vmalert = new VmalertHa(chart, 'vmalert', {
      datasourceUrl: 'http://vmselect:8481/select/0/prometheus', notifiers: am, rules: new RulesConfigMap(chart, 'rules', { groups: [CPU_GROUP] }),
    });
    // WHEN
    new SelfMonitoringScrape(chart, 'scrape', { vmalert, alertmanager: am, objectLabels: { release: 'kube-prometheus-stack' } });
    // THEN
    const objects = synth(chart);
    expect(ofKind(objects, 'VMPodScrape').map(o => o.metadata.labels.release)).toEqual(['kube-prometheus-stack', 'kube-prometheus-stack']);
    expect(ofKind(objects, 'ConfigMap').find(cm => 'scrape-configs.yml' in cm.data)!.metadata.labels.release).toBe('kube-prometheus-stack');
    expect(() => new SelfMonitoringScrape(chart, 'bad', { vmalert, alertmanager: am, objectLabels: { 'team name': 'x' } }))
      .toThrow('SelfMonitoringScrape "bad": objectLabels "team name": "x" is not a Kubernetes label');
  });

  test('a scrape interval reaches every setup', () => {
    const { chart, scrape } = stack('PodMonitor', undefined, undefined, '15s');
    expect(ofKind(synth(chart), 'PodMonitor').map(m => m.spec.podMetricsEndpoints[0].interval)).toEqual(['15s', '15s']);
    expect((yaml.load(scrape.vmagentScrapeConfigs) as any[]).map(c => c.scrape_interval)).toEqual(['15s', '15s']);
  });
});
