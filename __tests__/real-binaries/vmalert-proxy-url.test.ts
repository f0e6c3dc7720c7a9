/**
 * `VmalertHa.vmselectProxyUrl` works as `-vmalert.proxyURL`: the pinned vmalert runs with the synthesized container
 * args (a path prefix included), the pinned single-node victoria-metrics (same flag as vmselect) gets the property's
 * value with only the Service host replaced by vmalert's loopback address, and the rules and alerts vmalert holds
 * are then served through victoria-metrics, as Grafana and vmui ask for them.
 */
import * as path from 'path';
import { Testing } from 'cdk8s';
import { AlertmanagerCluster, RulesConfigMap, VmalertHa } from '../../constructs';
import { containerArgs, expandEnvRefs, extractRuleFiles, K8sObject, rewriteArgPaths } from '../../constructs/testing/manifests';
import { binary, freePort, pollUntilOk, start, StartedProcess } from '../../testkit/binaries';
import { EMAIL_CONFIG } from '../support/synth';
import { temporaryDirectories } from '../support/temp';

const HOST = '127.0.0.1';
const GROUP = { name: 'proxied', interval: '1s', rules: [{ alert: 'ProxiedAlways', expr: 'vector(1)' }] };
const ALERT_TIMEOUT_MS = 20_000;
const tempDir = temporaryDirectories();
const started: StartedProcess[] = [];

afterAll(async () => {
  await Promise.all(started.map(p => p.stop()));
});

async function untilAlert(url: string, proc: StartedProcess): Promise<Array<{ name: string }>> {
  const deadline = Date.now() + ALERT_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const res = await fetch(url).catch(() => undefined);
    if (res?.ok) {
      const alerts = ((await res.json()) as { data: { alerts: Array<{ name: string }> } }).data.alerts;
      if (alerts.length > 0) return alerts;
    }
    await new Promise(resolve => setTimeout(resolve, 250));
  }
  throw new Error(`no alert at ${url} within ${ALERT_TIMEOUT_MS} ms:\n${proc.output().slice(-2000)}`);
}

test('victoria-metrics started with -vmalert.proxyURL=<vmselectProxyUrl> serves vmalert\'s rules and alerts', async () => {
  // GIVEN a stack whose vmalert serves under /vmalert, synthesized
  const chart = Testing.chart();
  const am = new AlertmanagerCluster(chart, 'am', { config: EMAIL_CONFIG, namespace: 'monitoring' });
  const rules = new RulesConfigMap(chart, 'rules', { groups: [GROUP], namespace: 'monitoring' });
  const vmalertHa = new VmalertHa(chart, 'vmalert', {
    datasourceUrl: 'http://vmselect:8481/select/0/prometheus', notifiers: am, rules, namespace: 'monitoring', extraArgs: ['-http.pathPrefix=/vmalert'],
  });
  const proxyUrl = new URL(vmalertHa.vmselectProxyUrl);
  expect(proxyUrl.pathname).toBe('/vmalert');
  const dir = tempDir('vmalert-proxy-');
  const extracted = extractRuleFiles(Testing.synth(chart) as K8sObject[], path.join(dir, 'vmalert'));
  const { container, mirror } = extracted.containers[0];
  const [vmalertPort, vmPort] = await Promise.all([freePort(HOST), freePort(HOST)]);
  // WHEN vmalert runs with the container's args (datasource and listen address on loopback; notifiers unreachable)
  const args = expandEnvRefs(rewriteArgPaths(containerArgs(container), mirror), { POD_NAME: 'vmalert-0', POD_NAMESPACE: 'monitoring' }).map((arg) => {
    if (arg.startsWith('-datasource.url=')) return `-datasource.url=http://${HOST}:${vmPort}`;
    if (arg.startsWith('-notifier.url=')) return arg.replace(/\/\/[^/"]+/, `//${HOST}:1`);
    if (arg.startsWith('-httpListenAddr=')) return `-httpListenAddr=${HOST}:${vmalertPort}`;
    return arg;
  });
  const vmalert = start(binary('vmalert'), args);
  started.push(vmalert);
  // AND victoria-metrics gets the property's value, only the Service's host:port replaced by vmalert's
  const proxied = `${proxyUrl.protocol}//${HOST}:${vmalertPort}${proxyUrl.pathname}`;
  const victoriaMetrics = start(binary('victoria-metrics'), [
    `-httpListenAddr=${HOST}:${vmPort}`, `-storageDataPath=${path.join(dir, 'vm-data')}`, `-vmalert.proxyURL=${proxied}`, '-loggerLevel=WARN',
  ]);
  started.push(victoriaMetrics);
  expect(await pollUntilOk(`http://${HOST}:${vmalertPort}/vmalert/-/ready`, vmalert)).toBe(200);
  expect(await pollUntilOk(`http://${HOST}:${vmPort}/health`, victoriaMetrics)).toBe(200);
  // THEN the alert vmalert fires and its rule group are served through victoria-metrics' Prometheus API paths
  const alerts = await untilAlert(`http://${HOST}:${vmPort}/api/v1/alerts`, victoriaMetrics);
  expect(alerts.map(a => a.name)).toContain('ProxiedAlways');
  const rulesRes = await fetch(`http://${HOST}:${vmPort}/api/v1/rules`);
  const groups = ((await rulesRes.json()) as { data: { groups: Array<{ name: string }> } }).data.groups;
  expect(groups.map(g => g.name)).toContain('proxied');
});
