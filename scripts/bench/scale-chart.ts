/**
 * The chart of the scale scenario: the full HA stack (3 Alertmanager peers, 2 vmalert replicas) evaluating
 * generated alerting rules. Used by the benchmark and by __tests__/scale.test.ts.
 */
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { AlertmanagerCluster, RulesConfigMap, VmalertHa } from '../../constructs';
import { generatedGroups, GeneratedGroupsOptions } from './generated-rules';

const NAMESPACE = 'monitoring';
const VMSELECT = 'http://vmselect:8481/select/0/prometheus';
const VMINSERT = 'http://vminsert:8480/insert/0/prometheus';

/** The parts of a scale chart the tests look at. */
export interface ScaleChart {
  readonly chart: Chart;
  readonly rules: RulesConfigMap;
  readonly vmalert: VmalertHa;
}

/** A chart with `ruleCount` generated alerting rules in one RulesConfigMap, mounted by a VmalertHa. */
export function scaleChart(scope: Construct, id: string, ruleCount: number, options: GeneratedGroupsOptions = {}): ScaleChart {
  const chart = new Chart(scope, id, { namespace: NAMESPACE });
  const alertmanager = new AlertmanagerCluster(chart, 'alertmanager', {
    config: { route: { receiver: 'null' }, receivers: [{ name: 'null' }] },
  });
  const rules = new RulesConfigMap(chart, 'rules', { groups: generatedGroups(ruleCount, options) });
  const vmalert = new VmalertHa(chart, 'vmalert', {
    datasourceUrl: VMSELECT,
    remoteWriteUrl: VMINSERT,
    remoteReadUrl: VMSELECT,
    notifiers: alertmanager,
    rules,
  });
  return { chart, rules, vmalert };
}
