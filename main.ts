/**
 * The reference deployment: HA vmalert + a meshed Alertmanager cluster for a VictoriaMetrics cluster, alerting by
 * email. `npx cdk8s synth` writes it to dist/; settings come from the environment (see app-config.ts).
 */
import { App, Chart, ChartProps } from 'cdk8s';
import { Construct } from 'constructs';
import { AppConfig, loadAppConfig } from './app-config';
import { AlertmanagerCluster, RulesConfigMap, VmalertHa } from './constructs';

/** The whole stack in one chart. */
export class AlertingStack extends Chart {
  public readonly alertmanager: AlertmanagerCluster;
  public readonly rules: RulesConfigMap;
  /** Alerts on the alerting stack itself (vmalert and the Alertmanager cluster). */
  public readonly selfMonitoring: RulesConfigMap;
  public readonly vmalert: VmalertHa;

  constructor(scope: Construct, id: string, config: AppConfig, props: ChartProps = {}) {
    super(scope, id, { ...props, namespace: config.namespace });
    // The scraper of the self-monitoring metrics, from any namespace; vmalert's pods are admitted on 9093 by the construct.
    const scrapers = { allowFrom: [{ namespaceLabels: {}, podLabels: config.scraperPodLabels }] };
    this.alertmanager = new AlertmanagerCluster(this, 'alertmanager', {
      replicas: config.alertmanagerReplicas,
      networkPolicy: scrapers,
      config: {
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
          groupWait: '30s',
          groupInterval: '5m',
          repeatInterval: '4h',
        },
        receivers: [{ name: 'email', emailConfigs: [{ to: config.smtpTo, sendResolved: true }] }],
      },
    });
    this.rules = RulesConfigMap.fromDirectory(this, 'rules', config.rulesDir);
    this.selfMonitoring = RulesConfigMap.selfMonitoring(this, 'self-monitoring', {
      alertmanagerReplicas: this.alertmanager.replicas,
      vmalertJob: config.vmalertJob,
      alertmanagerJob: config.alertmanagerJob,
    });
    this.vmalert = new VmalertHa(this, 'vmalert', {
      replicas: config.vmalertReplicas,
      datasourceUrl: config.datasourceUrl,
      remoteWriteUrl: config.remoteWriteUrl,
      remoteReadUrl: config.remoteReadUrl,
      evaluationInterval: config.evaluationInterval,
      notifiers: this.alertmanager,
      rules: [this.rules, this.selfMonitoring],
      networkPolicy: scrapers,
    });
  }
}

/** Synthesizes the app; a configuration error is printed as one clear message, without a stack trace. */
export function main(env: NodeJS.ProcessEnv = process.env): number {
  try {
    // The cdk8s CLI passes the output directory in CDK8S_OUTDIR.
    const app = new App(env.CDK8S_OUTDIR ? { outdir: env.CDK8S_OUTDIR } : {});
    new AlertingStack(app, 'alerting', loadAppConfig(env));
    app.synth();
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`error: ${message}\n`);
    if (env.DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return 1;
  }
}

if (require.main === module) {
  process.exitCode = main();
}
