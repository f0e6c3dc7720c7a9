import { Testing } from 'cdk8s';
import { AlertmanagerCluster, GrafanaDashboards, RulesConfigMap, VmalertHa } from '../constructs';
import { builtInQueries, ownMetricNames } from '../constructs/dashboards/dashboards';
import { ALERTMANAGER_METRICS, VMALERT_METRICS } from '../constructs/dashboards/metric-catalogue';
import { CPU_GROUP, EMAIL_CONFIG, ofKind, only, synth } from './support/synth';

function dashboards(props: ConstructorParameters<typeof GrafanaDashboards>[2] = {}) {
  const chart = Testing.chart();
  new GrafanaDashboards(chart, 'dashboards', { namespace: 'grafana', ...props });
  return only(synth(chart), 'ConfigMap');
}

describe('GrafanaDashboards', () => {
  test('one ConfigMap with both dashboards, labelled for the Grafana sidecar', () => {
    // WHEN
    const configMap = dashboards();
    // THEN
    expect(configMap.metadata.namespace).toBe('grafana');
    expect(configMap.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
    expect(Object.keys(configMap.data).sort()).toEqual(['alertmanager-cluster.json', 'vmalert.json']);
    const vmalert = JSON.parse(configMap.data['vmalert.json']);
    expect(vmalert.uid).toBe('cdk8s-vmalert-ha-vmalert');
    expect(vmalert.templating.list.map((v: { name: string }) => v.name)).toEqual(['datasource', 'job']);
    expect(vmalert.panels.every((p: any) => p.targets.length > 0 && p.datasource.uid === '${datasource}')).toBe(true);
  });

  test('the sidecar label, its value and the folder are configurable', () => {
    const configMap = dashboards({ sidecarLabel: 'grafana.example.com/dashboard', sidecarLabelValue: 'alerting', folder: 'Alerting' });
    expect(configMap.metadata.labels).toMatchObject({ 'grafana.example.com/dashboard': 'alerting' });
    expect(configMap.metadata.labels.grafana_dashboard).toBeUndefined();
    expect(configMap.metadata.annotations).toEqual({ grafana_folder: 'Alerting' });
  });

  test('panels never overlap and fit the 24-column grid', () => {
    const configMap = dashboards();
    for (const file of Object.keys(configMap.data)) {
      const cells = new Set<string>();
      for (const { gridPos: g } of JSON.parse(configMap.data[file]).panels) {
        expect(g.x + g.w).toBeLessThanOrEqual(24);
        for (let x = g.x; x < g.x + g.w; x++) {
          for (let y = g.y; y < g.y + g.h; y++) {
            expect(cells.has(`${x},${y}`)).toBe(false);
            cells.add(`${x},${y}`);
          }
        }
      }
    }
  });

  test('every built-in query names only catalogued vmalert_* and alertmanager_* metrics, each selected by job', () => {
    const known = new Set([...VMALERT_METRICS, ...ALERTMANAGER_METRICS]);
    for (const { query } of builtInQueries()) {
      expect(ownMetricNames(query).filter(n => !known.has(n))).toEqual([]);
      expect(query).toContain('job=~"$job"');
    }
  });

  test('a user panel is appended to its dashboard', () => {
    const configMap = dashboards({ alertmanagerPanels: [{ title: 'Invalid alerts', queries: ['sum(rate(alertmanager_alerts_invalid_total{job=~"$job"}[$__rate_interval]))'] }] });
    const panels = JSON.parse(configMap.data['alertmanager-cluster.json']).panels;
    expect(panels.at(-1)).toMatchObject({ title: 'Invalid alerts', type: 'timeseries', targets: [{ refId: 'A' }] });
  });

  test.each([
    [{ vmalertPanels: [{ title: 'Fired', queries: ['sum(vmalert_alerts_firing_total)'] }] },
      'vmalertPanels[0] ("Fired").queries[0]: vmalert_alerts_firing_total (did you mean vmalert_alerts_fired_total?) is not a metric the pinned vmalert'],
    [{ alertmanagerPanels: [{ title: 'Peers', queries: ['alertmanager_peers'] }] }, 'alertmanagerPanels[0] ("Peers").queries[0]: alertmanager_peers'],
    [{ vmalertPanels: [{ title: 'Nothing', queries: [] }] }, 'vmalertPanels[0] ("Nothing").queries must list at least one query'],
    [{ sidecarLabel: 'grafana dashboard' }, 'sidecarLabel "grafana dashboard" is not a label key'],
  ])('refuses %j', (props, message) => {
    expect(() => dashboards(props)).toThrow(message);
  });
});

describe('VmalertHa.vmselectProxyUrl', () => {
  test('is the Service URL with the path prefix, the vmalert externalUrl default', () => {
    // GIVEN
    const chart = Testing.chart();
    const am = new AlertmanagerCluster(chart, 'am', { config: EMAIL_CONFIG, namespace: 'monitoring' });
    const rules = new RulesConfigMap(chart, 'rules', { groups: [CPU_GROUP], namespace: 'monitoring' });
    // WHEN
    const vmalert = new VmalertHa(chart, 'vmalert', {
      datasourceUrl: 'http://vmselect:8481/select/0/prometheus', notifiers: am, rules, namespace: 'monitoring', extraArgs: ['-http.pathPrefix=/vmalert'],
    });
    // THEN
    const service = ofKind(synth(chart), 'Service').find(s => s.metadata.name === vmalert.service.name)!;
    expect(vmalert.vmselectProxyUrl).toBe(`http://${service.metadata.name}.monitoring.svc:8880/vmalert`);
    expect(vmalert.args).toContain(`-external.url=${vmalert.vmselectProxyUrl}`);
  });
});
