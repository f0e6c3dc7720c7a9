/**
 * The chart the end-to-end suite runs: built only with the public constructs (import from '../constructs'),
 * synthesized to YAML and read back from that YAML, so the tests run what `cdk8s synth` writes.
 *
 * Timings are shortened so a scenario takes seconds instead of minutes: groups evaluate every 5s, the CPU
 * alert needs `for: 10s`, Alertmanager waits 2s before the first notification of a group. The CPU rule is the
 * app's own (rules/victoriametrics.yml: same expression, threshold, labels and annotations) with its `for:`
 * and its rate window (5m -> 30s) shortened: with a 5m window a step from 1% to 50% takes about a minute to
 * cross 10%, and four minutes to fall back.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, Chart, JsonPatch } from 'cdk8s';
import * as yaml from 'js-yaml';
import {
  AlertingRule, AlertmanagerCluster, AlertmanagerConfig, DeadMansSwitchOptions, RuleGroup, RulesConfigMap, SelfMonitoringOptions,
  SelfMonitoringScrape, selfMonitoringJobOptions, VmalertHa, withDeadMansSwitch,
} from '../constructs';
import { K8sObject, readManifests } from '../constructs/testing/manifests';
import { ZH_TW_RULES_FILE, zhTwEmail, zhTwEmailTemplate } from '../examples/zh-tw-alerts';

/** The app's rule file the CPU rule comes from. */
const APP_RULES_FILE = path.join(__dirname, '..', 'rules', 'victoriametrics.yml');
const CPU_ALERT = 'VictoriaMetricsHighCPU';
/** The rate window of the app's CPU rule, and the one the e2e chart uses instead. */
const APP_RATE_WINDOW = '[5m]';
export const E2E_RATE_WINDOW_SECONDS = 30;
export const E2E_EVALUATION_INTERVAL = '5s';
export const E2E_EVALUATION_INTERVAL_SECONDS = 5;
export const E2E_ALERT_FOR = '10s';
/** Long enough that a group whose alerts did not change is not notified twice during a test. */
export const E2E_REPEAT_INTERVAL = '1h';
/**
 * How soon a change of a group (an alert resolved) is notified. It must exceed (peers - 1) x Alertmanager's
 * --cluster.peer-timeout (15s), so that the last peer has read the log before the next flush, and stay a multiple of
 * the evaluation interval, so that the flushes keep the offset E2E_GROUP_WAIT gives them.
 */
export const E2E_GROUP_INTERVAL = '35s';
export const NAMESPACE = 'monitoring';
export const SMTP_SMARTHOST = 'smtp.mail.e2e.test:25';
export const SMTP_PASSWORD_SECRET = { secretName: 'smtp-credentials', key: 'password' } as const;
/** Dummy password of the out-of-band Secret (the sink does not ask for authentication). */
export const SMTP_DUMMY_PASSWORD = 'e2e-dummy-password';
export const MAIL_TO = 'oncall@example.org';
export const ALERTMANAGER_REPLICAS = 3;
export const VMALERT_REPLICAS = 2;
export const DATASOURCE_URL = 'http://vmselect:8481/select/0/prometheus';
export const REMOTE_WRITE_URL = 'http://vminsert:8480/insert/0/prometheus';
/** The CPU alert's threshold, in percent of a core. */
export const CPU_THRESHOLD_PERCENT = 10;
/** A recording rule for the deduplication scenario. */
export const RECORDED_SERIES = 'job:process_cpu_seconds:rate30s';

/**
 * How long the stand-in vmselect hides the newest samples (`-search.latencyOffset`). victoria-metrics'
 * default is 30s, which would add 30s to every alert and every resolution in every scenario; 1s keeps the
 * suite short; vmalert's evalDelay follows it. The benchmark reports the production default separately.
 */
export const E2E_STORAGE_LATENCY_OFFSET = '1s';
/**
 * The route's group_wait, as the app derives it: longer than the oldest startsAt an alert of the chart carries, so a
 * new group is not flushed at once, and 2 s after the evaluation whose POST created the group, so that no later POST
 * lands at a flush. With group_wait 2 s every group was flushed at once, on the POSTs' instants, and a resolution
 * that reached one peer just before a flush and the next just after it gave a stale FIRING and a second RESOLVED
 * (__tests__/real-binaries/alertmanager-resolve-race.test.ts; seen once in a full e2e run).
 */
export const E2E_GROUP_WAIT = VmalertHa.stormSafeGroupWait(E2E_EVALUATION_INTERVAL, E2E_STORAGE_LATENCY_OFFSET);

/** Variations of the test chart, one per scenario that needs it. */
export interface TestChartOptions {
  /** `for:` of the CPU alert. @default E2E_ALERT_FOR */
  readonly alertFor?: string;
  /** VmalertHa `replicaLabel`. */
  readonly replicaLabel?: string;
  /**
   * Append `-external.label=<name>=$(POD_NAME)` to vmalert's arguments behind the construct's back, as
   * hand-written manifests do (VmalertHa refuses a per-pod external label: it duplicates alerts).
   */
  readonly naivePerPodLabel?: string;
  /** Add a recording rule group (same 5s interval). */
  readonly recordingRule?: boolean;
  /**
   * Also mount RulesConfigMap.selfMonitoring with these options (cluster size and 5s interval filled in).
   * @default - no self-monitoring rules
   */
  readonly selfMonitoring?: SelfMonitoringOptions;
  /**
   * Add SelfMonitoringScrape with {@link E2E_SCRAPE_JOBS}; the self-monitoring rules (if any) select the same jobs.
   * @default - no scrape objects
   */
  readonly scrape?: boolean;
  /**
   * Route the Watchdog to a heartbeat receiver (withDeadMansSwitch) and add the Watchdog rule.
   * @default - no dead man's switch
   */
  readonly deadMansSwitch?: DeadMansSwitchOptions;
  /**
   * VmalertHa `evalDelay`: equal to the stand-in storage's `-search.latencyOffset`, as docs/testing.md asks of vmselect.
   * @default E2E_STORAGE_LATENCY_OFFSET
   */
  readonly evalDelay?: string;
  /**
   * The CPU rule of examples/files/rules.zh-TW.yml (Chinese annotations) and the example's Chinese email template
   * for subject, text and HTML, instead of the app's rule and Alertmanager's default email.
   * @default false
   */
  readonly zhTw?: boolean;
  /** Further rule groups, next to the CPU rule's. @default - none */
  readonly extraGroups?: RuleGroup[];
  /** The route's `group_wait`. @default E2E_GROUP_WAIT */
  readonly groupWait?: string;
  /**
   * Where Alertmanager sends email (host:port): on a real cluster, a Service name CoreDNS resolves.
   * @default SMTP_SMARTHOST
   */
  readonly smtpSmarthost?: string;
}

/** Job names of the scrape objects in the test chart: not the defaults, so a selector left at a default would miss. */
export const E2E_SCRAPE_JOBS = { vmalert: 'e2e-vmalert', alertmanager: 'e2e-alertmanager' } as const;

/** The synthesized chart, read back. */
export interface SynthesizedChart {
  readonly objects: K8sObject[];
  /** Where the YAML was written. */
  readonly manifestFile: string;
  /** VmalertHa.recommendedDedupInterval of this chart. */
  readonly dedupInterval: string;
  /** VmalertHa.warnings of this chart. */
  readonly warnings: string[];
}

/** The app's CPU rule (or the one of another rule file, e.g. the Chinese example's) with the e2e timings. */
export function e2eCpuRule(alertFor: string, rulesFile = APP_RULES_FILE): AlertingRule {
  const doc = yaml.load(fs.readFileSync(rulesFile, 'utf8')) as { groups: RuleGroup[] };
  const appRule = doc.groups.flatMap((g) => g.rules).find((r): r is AlertingRule => 'alert' in r && r.alert === CPU_ALERT);
  if (!appRule || !appRule.expr.includes(APP_RATE_WINDOW)) {
    throw new Error(`${rulesFile}: alert ${CPU_ALERT} with a ${APP_RATE_WINDOW} rate window not found; update testkit/test-chart.ts`);
  }
  return { ...appRule, expr: appRule.expr.replace(APP_RATE_WINDOW, `[${E2E_RATE_WINDOW_SECONDS}s]`), for: alertFor };
}

/** Build the chart with the public constructs, synthesize it to `<workDir>/manifests.k8s.yaml` and read it back. */
export function synthTestChart(workDir: string, options: TestChartOptions = {}): SynthesizedChart {
  const app = new App({ outdir: workDir });
  const chart = new Chart(app, 'e2e', { namespace: NAMESPACE });
  const alertmanagerConfig: AlertmanagerConfig = {
    global: {
      smtpSmarthost: options.smtpSmarthost ?? SMTP_SMARTHOST,
      smtpFrom: 'vmalert-ha@example.org',
      smtpAuthUsername: 'alertmanager',
      smtpAuthPassword: SMTP_PASSWORD_SECRET,
      // The sink speaks plain SMTP, like a relay inside the cluster network.
      smtpRequireTls: false,
    },
    route: {
      receiver: 'email',
      groupBy: ['alertname', 'job'],
      groupWait: options.groupWait ?? E2E_GROUP_WAIT,
      groupInterval: E2E_GROUP_INTERVAL,
      repeatInterval: E2E_REPEAT_INTERVAL,
    },
    receivers: [{ name: 'email', emailConfigs: [options.zhTw ? zhTwEmail(MAIL_TO) : { to: MAIL_TO, sendResolved: true }] }],
  };
  const alertmanager = new AlertmanagerCluster(chart, 'alertmanager', {
    replicas: ALERTMANAGER_REPLICAS,
    templates: options.zhTw ? [zhTwEmailTemplate()] : undefined,
    config: options.deadMansSwitch ? withDeadMansSwitch(alertmanagerConfig, options.deadMansSwitch) : alertmanagerConfig,
  });
  const groups: RuleGroup[] = [{ name: 'victoriametrics-cpu', interval: E2E_EVALUATION_INTERVAL, rules: [e2eCpuRule(options.alertFor ?? E2E_ALERT_FOR, options.zhTw ? ZH_TW_RULES_FILE : APP_RULES_FILE)] }];
  groups.push(...(options.extraGroups ?? []));
  if (options.recordingRule) {
    groups.push({
      name: 'e2e-recording',
      interval: E2E_EVALUATION_INTERVAL,
      rules: [{ record: RECORDED_SERIES, expr: `sum by (job) (rate(process_cpu_seconds_total[${E2E_RATE_WINDOW_SECONDS}s]))` }],
    });
  }
  const rules = new RulesConfigMap(chart, 'rules', { groups });
  const selfMonitoringOptions = options.selfMonitoring ?? (options.deadMansSwitch ? {} : undefined);
  const selfMonitoring = selfMonitoringOptions && RulesConfigMap.selfMonitoring(chart, 'self-monitoring', {
    alertmanagerReplicas: alertmanager.replicas,
    interval: E2E_EVALUATION_INTERVAL,
    ...(options.scrape ? selfMonitoringJobOptions(E2E_SCRAPE_JOBS) : {}),
    watchdog: options.deadMansSwitch !== undefined,
    ...selfMonitoringOptions,
  });
  const vmalert = new VmalertHa(chart, 'vmalert', {
    replicas: VMALERT_REPLICAS,
    datasourceUrl: DATASOURCE_URL,
    remoteWriteUrl: REMOTE_WRITE_URL,
    remoteReadUrl: DATASOURCE_URL,
    notifiers: alertmanager,
    rules: selfMonitoring ? [rules, selfMonitoring] : rules,
    evaluationInterval: E2E_EVALUATION_INTERVAL,
    evalDelay: options.evalDelay ?? E2E_STORAGE_LATENCY_OFFSET,
    replicaLabel: options.replicaLabel,
  });
  if (options.naivePerPodLabel) {
    ApiObject.of(vmalert.deployment).addJsonPatch(
      JsonPatch.add('/spec/template/spec/containers/0/args/-', `-external.label=${options.naivePerPodLabel}=$(POD_NAME)`));
  }
  if (options.scrape) new SelfMonitoringScrape(chart, 'scrape', { vmalert, alertmanager, jobs: E2E_SCRAPE_JOBS });
  const manifestFile = path.join(workDir, 'manifests.k8s.yaml');
  fs.mkdirSync(workDir, { recursive: true });
  fs.writeFileSync(manifestFile, app.synthYaml());
  return { objects: readManifests(manifestFile), manifestFile, dedupInterval: vmalert.recommendedDedupInterval, warnings: vmalert.warnings };
}
