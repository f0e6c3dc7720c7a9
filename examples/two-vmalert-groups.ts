/**
 * Two vmalert deployments with different rule sets (platform and application teams), both notifying one shared
 * Alertmanager cluster. Each stamps a `team` label on its alerts; Alertmanager routes on it.
 *
 *   npx ts-node examples/two-vmalert-groups.ts | kubectl apply -f -
 *
 * In your own app, import from 'cdk8s-vmalert-ha' instead of '../constructs'.
 */
import { App, Chart } from 'cdk8s';
import { AlertmanagerCluster, RulesConfigMap, VmalertHa } from '../constructs';

const DATASOURCE_URL = 'http://vmselect:8481/select/0/prometheus';
const REMOTE_WRITE_URL = 'http://vminsert:8480/insert/0/prometheus';
/** The chat bridge's webhook URL (it carries a token): a Secret created out of band, read by Alertmanager as a file. */
export const CHAT_BRIDGE_URL_SECRET = { secretName: 'chat-bridge-webhook', key: 'url' };

/** The example's chart and the two vmalert constructs (each exposes its `recommendedDedupInterval`). */
export interface TwoVmalertGroups {
  readonly chart: Chart;
  readonly platform: VmalertHa;
  readonly apps: VmalertHa;
}

/** Builds the example's chart in `app`. */
export function twoVmalertGroupsChart(app: App = new App()): TwoVmalertGroups {
  const chart = new Chart(app, 'two-groups', { namespace: 'monitoring' });

  const alertmanager = new AlertmanagerCluster(chart, 'alertmanager', {
    config: {
      global: { smtpSmarthost: 'smtp.example.com:25', smtpFrom: 'alertmanager@example.com', smtpRequireTls: false },
      route: {
        receiver: 'platform',
        groupBy: ['alertname', 'team'],
        routes: [{ matchers: ['team="apps"'], receiver: 'apps' }],
      },
      receivers: [
        { name: 'platform', emailConfigs: [{ to: 'platform@example.com' }] },
        { name: 'apps', webhookConfigs: [{ url: CHAT_BRIDGE_URL_SECRET }] },
      ],
    },
  });

  const platformRules = new RulesConfigMap(chart, 'platform-rules', {
    groups: [{
      name: 'victoriametrics-cpu',
      interval: '30s',
      rules: [{
        alert: 'HighCPUUsage',
        expr: 'rate(process_cpu_seconds_total{job=~"vminsert|vmselect|vmstorage"}[5m]) * 100 > 10',
        for: '1m',
        labels: { severity: 'warning' },
      }],
    }],
  });
  const appRules = new RulesConfigMap(chart, 'app-rules', {
    groups: [{
      name: 'http',
      interval: '1m',
      rules: [
        { record: 'job:http_requests_errors:ratio_rate5m', expr: 'sum by (job) (rate(http_requests_total{code=~"5.."}[5m])) / sum by (job) (rate(http_requests_total[5m]))' },
        { alert: 'HighErrorRate', expr: 'job:http_requests_errors:ratio_rate5m > 0.05', for: '10m', labels: { severity: 'critical' } },
      ],
    }],
  });

  const platform = new VmalertHa(chart, 'vmalert-platform', {
    datasourceUrl: DATASOURCE_URL,
    remoteWriteUrl: REMOTE_WRITE_URL,
    remoteReadUrl: DATASOURCE_URL,
    evaluationInterval: '30s',
    externalLabels: { team: 'platform' },
    notifiers: alertmanager,
    rules: platformRules,
  });
  const apps = new VmalertHa(chart, 'vmalert-apps', {
    datasourceUrl: DATASOURCE_URL,
    remoteWriteUrl: REMOTE_WRITE_URL,
    remoteReadUrl: DATASOURCE_URL,
    externalLabels: { team: 'apps' },
    notifiers: alertmanager,
    rules: appRules,
  });
  return { chart, platform, apps };
}

if (require.main === module) {
  const app = new App();
  const { platform, apps } = twoVmalertGroupsChart(app);
  process.stdout.write(app.synthYaml());
  // vmalert has no dedup flag: set -dedup.minScrapeInterval on vmselect and vmstorage to the larger of these.
  process.stderr.write(`recommended -dedup.minScrapeInterval: platform ${platform.recommendedDedupInterval}, apps ${apps.recommendedDedupInterval}\n`);
}
