/**
 * The helpers that are free functions in TypeScript have static forms for the languages jsii publishes to, which have
 * no free functions: each gives what its function gives, errors included.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  NotificationTemplates, SelfMonitoring, selfMonitoringGroups, selfMonitoringJobOptions, tenantUrls, VictoriaMetricsTenant,
} from '../constructs';
import { errorOf } from './support/errors';
import { temporaryDirectories } from './support/temp';

const tempDir = temporaryDirectories();

test('SelfMonitoring.ruleGroups gives selfMonitoringGroups, with the Watchdog when asked', () => {
  // GIVEN self-monitoring options
  const options = { alertmanagerReplicas: 5, watchdog: true, labels: { team: 'sre' } };
  // WHEN the static form builds the groups
  const groups = SelfMonitoring.ruleGroups(options);
  // THEN they are the function's groups
  expect(groups).toEqual(selfMonitoringGroups(options));
  expect(groups.flatMap(g => g.rules).map(r => ('alert' in r ? r.alert : r.record))).toContain('Watchdog');
  expect(errorOf(() => SelfMonitoring.ruleGroups({ alertmanagerReplicas: 0 }))).toBe(errorOf(() => selfMonitoringGroups({ alertmanagerReplicas: 0 })));
});

test('SelfMonitoring.jobOptions gives selfMonitoringJobOptions: job names as regular expressions matching only them', () => {
  // GIVEN job names with regular-expression characters
  const jobs = { vmalert: 'vm.alert', alertmanager: 'am+1' };
  // WHEN the static form makes the options
  const options = SelfMonitoring.jobOptions(jobs);
  // THEN the function's options
  expect(options).toEqual({ vmalertJob: 'vm\\.alert', alertmanagerJob: 'am\\+1' });
  expect(options).toEqual(selfMonitoringJobOptions(jobs));
  expect(SelfMonitoring.jobOptions()).toEqual({ vmalertJob: 'vmalert', alertmanagerJob: 'alertmanager' });
});

test('VictoriaMetricsTenant.urls gives tenantUrls, errors included', () => {
  // GIVEN a tenant's endpoints
  const endpoints = { vmselectUrl: 'http://vmselect:8481/', vminsertUrl: 'http://vminsert:8480', tenant: '42:7' };
  // WHEN the static form builds the URLs
  const urls = VictoriaMetricsTenant.urls(endpoints);
  // THEN the function's URLs
  expect(urls).toEqual({
    datasourceUrl: 'http://vmselect:8481/select/42:7/prometheus',
    remoteReadUrl: 'http://vmselect:8481/select/42:7/prometheus',
    remoteWriteUrl: 'http://vminsert:8480/insert/42:7/prometheus',
  });
  expect(urls).toEqual(tenantUrls(endpoints));
  expect(errorOf(() => VictoriaMetricsTenant.urls({ ...endpoints, tenant: 'x' }))).toMatch(/^tenant "x" is not a VictoriaMetrics tenant/);
});

test('NotificationTemplates is a class of static factories: fromFile names the template by its base name', () => {
  // GIVEN a template file
  const file = path.join(tempDir('static-forms-'), 'email.tmpl');
  fs.writeFileSync(file, '{{ define "email.subject" }}{{ .CommonLabels.alertname }}{{ end }}');
  // WHEN both factories make a template
  // THEN file name and text are kept
  expect(NotificationTemplates.fromFile(file)).toEqual({ fileName: 'email.tmpl', text: fs.readFileSync(file, 'utf8') });
  expect(NotificationTemplates.inline('a.tmpl', 'x')).toEqual({ fileName: 'a.tmpl', text: 'x' });
  expect(typeof NotificationTemplates).toBe('function');
});
