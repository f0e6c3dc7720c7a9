/**
 * The reference deployment: HA vmalert + a meshed Alertmanager cluster for a VictoriaMetrics cluster, alerting by
 * email. `npx cdk8s synth` writes it to dist/; settings come from the environment (see app-config.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart, ChartProps } from 'cdk8s';
import * as yaml from 'js-yaml';
import { Construct } from 'constructs';
import { AppConfig, loadAppConfig, NO_HEARTBEAT } from './app-config';
import {
  AlertmanagerCluster, AlertmanagerConfig, EndpointAuth, RulesConfigMap, SelfMonitoringScrape, selfMonitoringJobOptions,
  VMAGENT_SCRAPE_CONFIG_FILE, VmalertHa, withDeadMansSwitch,
} from './constructs';

/** Where in the output directory the vmagent scrape configs go: a subdirectory, which `kubectl apply -f dist/` skips. */
export const VMAGENT_DIST_DIR = 'vmagent';
/** vmselect's flag that proxies vmalert's API, printed after synth with the value for this stack. */
export const VMSELECT_PROXY_FLAG = '-vmalert.proxyURL';

/** The whole stack in one chart. */
export class AlertingStack extends Chart {
  public readonly alertmanager: AlertmanagerCluster;
  public readonly rules: RulesConfigMap;
  /** Alerts on the alerting stack itself (vmalert and the Alertmanager cluster). */
  public readonly selfMonitoring: RulesConfigMap;
  public readonly vmalert: VmalertHa;
  /** Scrape objects and vmagent scrape configs for vmalert and Alertmanager. */
  public readonly scrape: SelfMonitoringScrape;
  /** What the user should know about this configuration; `main` prints each line. */
  public readonly warnings: string[] = [];

  constructor(scope: Construct, id: string, config: AppConfig, props: ChartProps = {}) {
    super(scope, id, { ...props, namespace: config.namespace });
    const alertmanagerConfig: AlertmanagerConfig = {
      global: {
        smtpSmarthost: config.smtpSmarthost,
        smtpFrom: config.smtpFrom,
        smtpAuthUsername: config.smtpUsername,
        smtpAuthPassword: { secretName: config.smtpPasswordSecret, key: config.smtpPasswordKey },
        smtpRequireTls: config.smtpRequireTls,
      },
      route: {
        receiver: 'email',
        groupBy: ['alertname', 'job'],
        // Long enough that a new group of a storm is held until all its alerts are in (constructs/vmalert/storm.ts).
        groupWait: VmalertHa.stormSafeGroupWait(config.evaluationInterval),
        groupInterval: '5m',
        repeatInterval: '4h',
      },
      receivers: [{ name: 'email', emailConfigs: [{ to: config.smtpTo, sendResolved: true }] }],
    };
    const heartbeat = config.heartbeatUrlSecret === NO_HEARTBEAT
      ? undefined
      : { secretName: config.heartbeatUrlSecret, key: config.heartbeatUrlKey };
    if (config.deadMansSwitch && !heartbeat) {
      this.warnings.push('no dead man\'s switch is configured: the Watchdog alert goes to a receiver that sends nothing, so '
        + 'nobody learns when alerting itself stops. Set HEARTBEAT_URL_SECRET to the Secret holding your heartbeat URL '
        + '(e.g. healthchecks.io, Cronitor), or DEAD_MANS_SWITCH=false to opt out.');
    }
    // The scraper of the self-monitoring metrics, from any namespace; vmalert's pods are admitted on 9093 by the construct.
    const scrapers = { allowFrom: [{ namespaceLabels: {}, podLabels: config.scraperPodLabels }] };
    this.alertmanager = new AlertmanagerCluster(this, 'alertmanager', {
      replicas: config.alertmanagerReplicas,
      networkPolicy: scrapers,
      config: config.deadMansSwitch
        ? withDeadMansSwitch(alertmanagerConfig, { urlSecret: heartbeat, interval: config.heartbeatInterval }, 'dead man\'s switch (HEARTBEAT_INTERVAL)')
        : alertmanagerConfig,
    });
    const jobs = { vmalert: config.vmalertJob, alertmanager: config.alertmanagerJob };
    this.rules = RulesConfigMap.fromDirectory(this, 'rules', config.rulesDir);
    this.selfMonitoring = RulesConfigMap.selfMonitoring(this, 'self-monitoring', {
      alertmanagerReplicas: this.alertmanager.replicas,
      ...selfMonitoringJobOptions(jobs),
      watchdog: config.deadMansSwitch,
    });
    const vmAuth = storageAuth(config);
    this.vmalert = new VmalertHa(this, 'vmalert', {
      replicas: config.vmalertReplicas,
      datasourceUrl: config.datasourceUrl,
      remoteWriteUrl: config.remoteWriteUrl,
      remoteReadUrl: config.remoteReadUrl,
      datasourceAuth: vmAuth,
      remoteWriteAuth: vmAuth,
      remoteReadAuth: vmAuth,
      evaluationInterval: config.evaluationInterval,
      notifiers: this.alertmanager,
      rules: [this.rules, this.selfMonitoring],
      networkPolicy: scrapers,
    });
    this.warnings.push(...this.vmalert.warnings);
    this.scrape = new SelfMonitoringScrape(this, 'scrape', {
      vmalert: this.vmalert,
      alertmanager: this.alertmanager,
      objects: config.scrapeObjects,
      jobs,
    });
  }
}

/** The same credentials for the datasource, remote write and remote read, from one out-of-band Secret key. */
function storageAuth(config: AppConfig): EndpointAuth | undefined {
  const credential = { secretName: config.vmAuthSecret, key: config.vmAuthSecretKey };
  if (config.vmAuth === 'basic') return { basicAuth: { username: config.vmAuthUsername, password: credential } };
  if (config.vmAuth === 'bearer') return { bearerToken: credential };
  return undefined;
}

/** Synthesizes the app; a configuration error is printed as one clear message, without a stack trace. */
export function main(env: NodeJS.ProcessEnv = process.env): number {
  try {
    // The cdk8s CLI passes the output directory in CDK8S_OUTDIR.
    const app = new App(env.CDK8S_OUTDIR ? { outdir: env.CDK8S_OUTDIR } : {});
    const stack = new AlertingStack(app, 'alerting', loadAppConfig(env));
    synthesize(app);
    const vmagentDir = path.join(app.outdir, VMAGENT_DIST_DIR);
    fs.mkdirSync(vmagentDir, { recursive: true });
    fs.writeFileSync(path.join(vmagentDir, VMAGENT_SCRAPE_CONFIG_FILE), stack.scrape.vmagentScrapeConfigs);
    for (const warning of stack.warnings) process.stderr.write(`warning: ${warning}\n`);
    // For Grafana and vmui to show these alerts and rules through vmselect.
    process.stdout.write(`note: vmselect ${VMSELECT_PROXY_FLAG}=${stack.vmalert.vmselectProxyUrl}\n`);
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`error: ${message}\n`);
    if (env.DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return 1;
  }
}

/**
 * What `app.synth()` does for an app of independent charts (validate every construct, write one `<chart id>.k8s.yaml`
 * per chart), but with js-yaml, which the app has loaded to read rule files: cdk8s's own YAML library costs a synth
 * about 40 ms more, most of it its first, cold run. The objects written are the same.
 */
export function synthesize(app: App): void {
  const errors = app.node.findAll().flatMap(c => c.node.validate().map(error => `[${c.node.path}] ${error}`));
  if (errors.length > 0) throw new Error(`Validation failed with the following errors:\n  ${errors.join('\n  ')}`);
  fs.mkdirSync(app.outdir, { recursive: true });
  for (const chart of app.charts) {
    if (chart.node.dependencies.length > 0) throw new Error(`chart ${chart.node.id} depends on another chart: use app.synth()`);
    const documents = Object.values(chart.toJson()).map(object => yaml.dump(object, { lineWidth: -1, noRefs: true }));
    fs.writeFileSync(path.join(app.outdir, `${chart.node.id}${app.outputFileExtension}`), documents.join('---\n'));
  }
}

if (require.main === module) {
  process.exitCode = main();
}
