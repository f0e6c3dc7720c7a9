/**
 * Bring what you already have: an `alertmanager.yml` and a rule file kept as they are, and the SMTP password in a
 * Secret that already exists in the cluster (it is mounted, never copied into the manifests).
 *
 *   kubectl -n monitoring create secret generic smtp-credentials --from-literal=password=...
 *   npx ts-node examples/existing-config.ts | kubectl apply -f -
 *
 * In your own app, import from 'cdk8s-vmalert-ha' instead of '../constructs'.
 */
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { AlertmanagerCluster, AlertmanagerConfig, RulesConfigMap, VmalertHa } from '../constructs';

/** The existing Secret holding the SMTP password; not part of the synthesized output. */
export const SMTP_SECRET = { secretName: 'smtp-credentials', key: 'password' };
/** The existing files this example reads. */
export const FILES_DIR = path.join(__dirname, 'files');

/** Builds the example's chart in `app`. */
export function existingConfigChart(app: App = new App()): Chart {
  const chart = new Chart(app, 'existing-config', { namespace: 'monitoring' });

  const alertmanager = new AlertmanagerCluster(chart, 'alertmanager', {
    // The Secret key is mounted and global.smtp_auth_password_file points at it; an inline password is refused.
    config: AlertmanagerConfig.fromFile(path.join(FILES_DIR, 'alertmanager.yml'), { smtpAuthPassword: SMTP_SECRET }),
  });

  new VmalertHa(chart, 'vmalert', {
    datasourceUrl: 'http://vmselect:8481/select/0/prometheus',
    remoteWriteUrl: 'http://vminsert:8480/insert/0/prometheus',
    remoteReadUrl: 'http://vmselect:8481/select/0/prometheus',
    notifiers: alertmanager,
    rules: RulesConfigMap.fromFile(chart, 'rules', path.join(FILES_DIR, 'rules.yml')),
  });
  return chart;
}

if (require.main === module) {
  const app = new App();
  existingConfigChart(app);
  process.stdout.write(app.synthYaml());
}
