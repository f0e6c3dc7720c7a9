/**
 * Alerts written in Traditional Chinese, delivered intact: the rules of examples/files/rules.zh-TW.yml and an
 * email template (examples/files/email.zh-TW.tmpl) whose subject is the first alert's `summary`.
 *
 *   npx ts-node examples/zh-tw-alerts.ts | kubectl apply -f -
 *
 * In your own app, import from 'cdk8s-vmalert-ha' instead of '../constructs'.
 */
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { AlertmanagerCluster, EmailConfig, NotificationTemplate, NotificationTemplates, RulesConfigMap, VmalertHa } from '../constructs';

const FILES_DIR = path.join(__dirname, 'files');
/** The rules with Chinese annotations. */
export const ZH_TW_RULES_FILE = path.join(FILES_DIR, 'rules.zh-TW.yml');
/** The email template file: defines zh-TW.email.subject, zh-TW.email.text and zh-TW.email.html. */
export const ZH_TW_TEMPLATE_FILE = path.join(FILES_DIR, 'email.zh-TW.tmpl');

/** The email template, for AlertmanagerCluster's `templates`. */
export function zhTwEmailTemplate(): NotificationTemplate {
  return NotificationTemplates.fromFile(ZH_TW_TEMPLATE_FILE);
}

/** An email receiver entry that renders subject and bodies with {@link zhTwEmailTemplate}. */
export function zhTwEmail(to: string): EmailConfig {
  return {
    to,
    sendResolved: true,
    subject: '{{ template "zh-TW.email.subject" . }}',
    text: '{{ template "zh-TW.email.text" . }}',
    html: '{{ template "zh-TW.email.html" . }}',
  };
}

/** Builds the example's chart in `app`. */
export function zhTwAlertsChart(app: App = new App()): Chart {
  const chart = new Chart(app, 'zh-tw-alerts', { namespace: 'monitoring' });

  const alertmanager = new AlertmanagerCluster(chart, 'alertmanager', {
    templates: [zhTwEmailTemplate()],
    config: {
      global: { smtpSmarthost: 'smtp.example.com:25', smtpFrom: 'alertmanager@example.com', smtpRequireTls: false },
      route: { receiver: 'oncall', groupBy: ['alertname', 'job'] },
      receivers: [{ name: 'oncall', emailConfigs: [zhTwEmail('oncall@example.com')] }],
    },
  });

  new VmalertHa(chart, 'vmalert', {
    datasourceUrl: 'http://vmselect:8481/select/0/prometheus',
    remoteWriteUrl: 'http://vminsert:8480/insert/0/prometheus',
    remoteReadUrl: 'http://vmselect:8481/select/0/prometheus',
    notifiers: alertmanager,
    rules: RulesConfigMap.fromFile(chart, 'rules', ZH_TW_RULES_FILE),
  });
  return chart;
}

if (require.main === module) {
  const app = new App();
  zhTwAlertsChart(app);
  process.stdout.write(app.synthYaml());
}
