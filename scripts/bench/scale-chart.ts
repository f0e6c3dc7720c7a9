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
/** Where every scale chart's vmalert queries, writes and restores its state. */
const STORAGE_URLS = { datasourceUrl: VMSELECT, remoteWriteUrl: VMINSERT, remoteReadUrl: VMSELECT };

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
    ...STORAGE_URLS,
    notifiers: alertmanager,
    rules,
  });
  return { chart, rules, vmalert };
}

export const SCALE_EVALUATION_INTERVAL = '30s';
/** How far behind now vmalert evaluates, equal to the stand-in storage's `-search.latencyOffset`. */
export const SCALE_EVAL_DELAY = '1s';
/** The route of the scale stack: the app's (main.ts) grouping, and the group_wait the app derives for these timings. */
export const SCALE_GROUP_WAIT = VmalertHa.stormSafeGroupWait(SCALE_EVALUATION_INTERVAL, SCALE_EVAL_DELAY);
export const SCALE_SMTP_SMARTHOST = 'smtp.mail.bench.test:25';
export const SCALE_SMTP_PASSWORD = { secretName: 'smtp-credentials', key: 'password' } as const;
/** The storm rule: one alert per series of {@link STORM_METRIC} above 0. */
export const STORM_ALERT = 'StormBreach';
export const STORM_METRIC = 'bench_storm_breach';
/** Every fourth generated rule is a recording rule. */
export const SCALE_RECORDING_EVERY = 4;

/** Options for {@link scaleStackChart}. */
export interface ScaleStackOptions {
  /** Generated rules (alerting and recording) besides the storm rule. */
  readonly ruleCount: number;
}

/**
 * The stack `npm run bench:scale` runs: 3 meshed Alertmanagers emailing one notification per alertname and job, and
 * 2 vmalert replicas evaluating `ruleCount` generated rules in groups of 20 every 30 s plus the storm rule, with
 * default resources (the figures under test).
 */
export function scaleStackChart(scope: Construct, id: string, options: ScaleStackOptions): ScaleChart {
  const chart = new Chart(scope, id, { namespace: NAMESPACE });
  const alertmanager = new AlertmanagerCluster(chart, 'alertmanager', {
    config: {
      global: {
        smtpSmarthost: SCALE_SMTP_SMARTHOST,
        smtpFrom: 'alertmanager@example.org',
        smtpAuthUsername: 'alertmanager',
        smtpAuthPassword: SCALE_SMTP_PASSWORD,
        smtpRequireTls: false,
      },
      route: { receiver: 'email', groupBy: ['alertname', 'job'], groupWait: SCALE_GROUP_WAIT, groupInterval: '5m', repeatInterval: '4h' },
      receivers: [{ name: 'email', emailConfigs: [{ to: 'oncall@example.org' }] }],
    },
  });
  const groups = generatedGroups(options.ruleCount, { interval: SCALE_EVALUATION_INTERVAL, recordingEvery: SCALE_RECORDING_EVERY });
  const storm = {
    name: 'storm',
    interval: SCALE_EVALUATION_INTERVAL,
    rules: [{
      alert: STORM_ALERT,
      expr: `${STORM_METRIC} > 0`,
      labels: { severity: 'critical' },
      annotations: { summary: '{{ $labels.instance }} of {{ $labels.job }} breached' },
    }],
  };
  const rules = new RulesConfigMap(chart, 'rules', { groups: [...groups, storm] });
  const vmalert = new VmalertHa(chart, 'vmalert', {
    ...STORAGE_URLS,
    notifiers: alertmanager,
    rules,
    evaluationInterval: SCALE_EVALUATION_INTERVAL,
    evalDelay: SCALE_EVAL_DELAY,
  });
  return { chart, rules, vmalert };
}
