/**
 * The smallest highly available setup: 2 identical vmalert replicas that send every alert to each of 3 meshed
 * Alertmanager peers, which email one notification per incident.
 *
 *   npx ts-node examples/minimal.ts | kubectl apply -f -
 *
 * In your own app, import from 'cdk8s-vmalert-ha' instead of '../constructs'.
 */
import { App, Chart } from 'cdk8s';
import { AlertmanagerCluster, RulesConfigMap, VmalertHa } from '../constructs';

/** Builds the example's chart in `app`. */
export function minimalChart(app: App = new App()): Chart {
  const chart = new Chart(app, 'minimal', { namespace: 'monitoring' });

  const alertmanager = new AlertmanagerCluster(chart, 'alertmanager', {
    config: {
      global: {
        smtpSmarthost: 'smtp.example.com:587',
        smtpFrom: 'alertmanager@example.com',
        smtpAuthUsername: 'alertmanager@example.com',
        // A Secret you create yourself: kubectl -n monitoring create secret generic smtp --from-literal=password=...
        smtpAuthPassword: { secretName: 'smtp', key: 'password' },
      },
      route: { receiver: 'oncall' },
      receivers: [{ name: 'oncall', emailConfigs: [{ to: 'oncall@example.com' }] }],
    },
  });

  const rules = new RulesConfigMap(chart, 'rules', {
    groups: [{
      name: 'targets',
      rules: [{
        alert: 'TargetDown',
        expr: 'up == 0',
        for: '5m',
        labels: { severity: 'critical' },
        annotations: { summary: '{{ $labels.job }} target {{ $labels.instance }} is down' },
      }],
    }],
  });

  new VmalertHa(chart, 'vmalert', {
    datasourceUrl: 'http://vmselect:8481/select/0/prometheus',
    // Alert state is written and read back, so a rollout does not restart `for:` timers.
    remoteWriteUrl: 'http://vminsert:8480/insert/0/prometheus',
    remoteReadUrl: 'http://vmselect:8481/select/0/prometheus',
    notifiers: alertmanager,
    rules,
  });
  return chart;
}

if (require.main === module) {
  const app = new App();
  minimalChart(app);
  process.stdout.write(app.synthYaml());
}
