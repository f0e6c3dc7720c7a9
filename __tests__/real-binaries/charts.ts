/**
 * Charts built with the public constructs, synthesized for the real-binary tests: one per shape of
 * output (single peers with URL notifiers, a replica label with -notifier.config, the full HA stack).
 */
import * as os from 'os';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { loadAppConfig } from '../../app-config';
import { AlertmanagerCluster, RulesConfigMap, VmalertHa } from '../../constructs';
import { AlertingStack } from '../../main';
import { K8sObject } from '../../constructs/testing/manifests';

/** The app's own rules directory: the charts evaluate the rules users ship. */
export const APP_RULES_DIR = path.join(__dirname, '..', '..', 'rules');

/** A synthesized chart and what the checks need to know about it. */
export interface SynthesizedChart {
  readonly name: string;
  readonly objects: K8sObject[];
  /** Secrets the chart references but expects to be created out of band. */
  readonly externalSecrets: string[];
}

const NAMESPACE = 'monitoring';
const SMTP_SECRET = 'smtp-credentials';
const DATASOURCE = 'http://vmselect.monitoring.svc:8481/select/0/prometheus';

function emailConfig(): ConstructorParameters<typeof AlertmanagerCluster>[2]['config'] {
  return {
    global: {
      smtpSmarthost: 'smtp.example.org:587',
      smtpFrom: 'alerts@example.org',
      smtpAuthUsername: 'alerts',
      smtpAuthPassword: { secretName: SMTP_SECRET, key: 'password' },
    },
    route: { receiver: 'email', groupBy: ['alertname', 'job'], groupWait: '30s', groupInterval: '5m', repeatInterval: '4h' },
    receivers: [{ name: 'email', emailConfigs: [{ to: 'oncall@example.org' }] }],
  };
}

/**
 * Testing.app() makes a new /tmp/cdk8s.outdir.* directory per call and never removes it; these charts
 * are only read through Testing.synth (which writes nothing), so one existing directory will do.
 */
function testApp() {
  return Testing.app({ outdir: os.tmpdir() });
}

function newChart(): Chart {
  return new Chart(testApp(), 'test', { namespace: NAMESPACE });
}

/** 1 vmalert, 1 Alertmanager (no mesh), explicit notifier URL, rules from typed groups. */
export function minimalChart(): SynthesizedChart {
  const chart = newChart();
  new AlertmanagerCluster(chart, 'alertmanager', {
    replicas: 1,
    config: { route: { receiver: 'null' }, receivers: [{ name: 'null' }] },
  });
  const rules = new RulesConfigMap(chart, 'rules', {
    groups: [{ name: 'up', rules: [{ alert: 'TargetDown', expr: 'up == 0', for: '2m', labels: { severity: 'warning' } }] }],
  });
  new VmalertHa(chart, 'vmalert', {
    replicas: 1,
    datasourceUrl: DATASOURCE,
    notifiers: ['http://alertmanager.monitoring.svc:9093'],
    rules,
  });
  return { name: 'minimal', objects: Testing.synth(chart) as K8sObject[], externalSecrets: [] };
}

/** The full HA stack: 3 meshed peers with SMTP auth, 2 vmalerts with remote write/read, several rule ConfigMaps. */
export function haChart(): SynthesizedChart {
  const chart = newChart();
  const alertmanager = new AlertmanagerCluster(chart, 'alertmanager', { replicas: 3, config: emailConfig() });
  const appRules = RulesConfigMap.fromDirectory(chart, 'rules', APP_RULES_DIR);
  const recording = new RulesConfigMap(chart, 'recording', {
    groups: [{
      name: 'cpu-recording',
      interval: '30s',
      rules: [{ record: 'job:process_cpu_seconds:rate5m', expr: 'sum by (job) (rate(process_cpu_seconds_total[5m]))' }],
    }],
  });
  new VmalertHa(chart, 'vmalert', {
    replicas: 2,
    datasourceUrl: DATASOURCE,
    remoteWriteUrl: 'http://vminsert.monitoring.svc:8480/insert/0/prometheus',
    remoteReadUrl: DATASOURCE,
    notifiers: alertmanager,
    rules: [appRules, recording],
    externalLabels: { cluster: 'prod' },
    extraArgs: ['-rule.resendDelay=1m'],
  });
  return { name: 'ha', objects: Testing.synth(chart) as K8sObject[], externalSecrets: [SMTP_SECRET] };
}

/** A per-pod replica label: notification goes through a generated -notifier.config file. */
export function replicaLabelChart(): SynthesizedChart {
  const chart = newChart();
  const alertmanager = new AlertmanagerCluster(chart, 'alertmanager', { replicas: 3, config: emailConfig() });
  const rules = RulesConfigMap.fromDirectory(chart, 'rules', APP_RULES_DIR);
  new VmalertHa(chart, 'vmalert', {
    datasourceUrl: DATASOURCE,
    notifiers: alertmanager,
    rules,
    replicaLabel: 'replica',
  });
  return { name: 'replica-label', objects: Testing.synth(chart) as K8sObject[], externalSecrets: [SMTP_SECRET] };
}

/** The app (main.ts) with its default settings, as `npx cdk8s synth` builds it. */
export function appChart(): SynthesizedChart {
  const config = loadAppConfig({ RULES_DIR: APP_RULES_DIR });
  const chart = new AlertingStack(testApp(), 'alerting', config);
  return { name: 'app', objects: Testing.synth(chart) as K8sObject[], externalSecrets: [config.smtpPasswordSecret] };
}

/** The app and every test chart. */
export function testCharts(): SynthesizedChart[] {
  return [appChart(), minimalChart(), haChart(), replicaLabelChart()];
}

/** Builds a VmalertHa with `extraArgs` in a fresh chart (for synth-time validation tests). */
export function vmalertWithExtraArgs(extraArgs: string[]): void {
  const chart = newChart();
  const rules = RulesConfigMap.fromDirectory(chart, 'rules', APP_RULES_DIR);
  new VmalertHa(chart, 'vmalert', { datasourceUrl: DATASOURCE, notifiers: ['http://am-0.am:9093'], rules, extraArgs });
}
