/**
 * Every metric the self-monitoring rules read is one the real binaries expose: a vmalert loaded with the
 * rendered self-monitoring rules and an Alertmanager with clustering on are started on loopback, and the
 * names in the rule expressions are looked up in their /metrics.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { renderRuleFile } from '../../constructs/rules/rules';
import { selfMonitoringGroups } from '../../constructs/self-monitoring/self-monitoring';
import { binary, freePort, pollUntilOk, start, StartedProcess } from '../../testkit/binaries';

const HOST = '127.0.0.1';
/** `up` is written by the scraper, not exposed by a target. */
const SCRAPER_METRICS = ['up'];
const METRIC_NAME = /\b([a-z_][a-z0-9_]*)\s*\{/g;

let workDir: string;
const started: StartedProcess[] = [];

beforeAll(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'self-monitoring-metrics-'));
});

afterAll(async () => {
  await Promise.all(started.map((p) => p.stop()));
  fs.rmSync(workDir, { recursive: true, force: true });
});

/** Metric names selected in the rule expressions, by prefix. */
function metricsUsed(prefix: string): string[] {
  const exprs = selfMonitoringGroups().flatMap((g) => g.rules.map((r) => r.expr));
  const names = exprs.flatMap((e) => [...e.matchAll(METRIC_NAME)].map((m) => m[1]));
  return [...new Set(names)].filter((n) => n.startsWith(prefix) && !SCRAPER_METRICS.includes(n)).sort();
}

/** Names of the series in a Prometheus text exposition. */
function exposedNames(exposition: string): Set<string> {
  return new Set(exposition.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(l)?.[0] ?? ''));
}

async function metricsOf(url: string, proc: StartedProcess): Promise<Set<string>> {
  expect({ status: await pollUntilOk(url, proc), output: proc.output() }).toEqual({ status: 200, output: expect.any(String) });
  const res = await fetch(url);
  return exposedNames(await res.text());
}

test('the pinned vmalert exposes every vmalert_* metric the rules read', async () => {
  // GIVEN vmalert loaded with the rendered self-monitoring rules; its datasource, notifier and remote write are
  // loopback ports where nothing listens (the metrics exist whether or not they succeed)
  const rules = path.join(workDir, 'self-monitoring.yml');
  fs.writeFileSync(rules, renderRuleFile(selfMonitoringGroups()));
  const [web, datasource, notifier, remoteWrite] = await Promise.all([freePort(HOST), freePort(HOST), freePort(HOST), freePort(HOST)]);
  const vmalert = start(binary('vmalert'), [
    `-rule=${rules}`,
    `-datasource.url=http://${HOST}:${datasource}`,
    `-notifier.url=http://${HOST}:${notifier}`,
    `-remoteWrite.url=http://${HOST}:${remoteWrite}`,
    `-httpListenAddr=${HOST}:${web}`,
  ]);
  started.push(vmalert);
  // WHEN its /metrics is read
  const exposed = await metricsOf(`http://${HOST}:${web}/metrics`, vmalert);
  // THEN every name the rules use is there
  const used = metricsUsed('vmalert_');
  expect(used).toEqual(['vmalert_alerts_send_errors_total', 'vmalert_execution_errors_total', 'vmalert_remotewrite_dropped_rows_total', 'vmalert_remotewrite_errors_total']);
  expect(used.filter((n) => !exposed.has(n))).toEqual([]);
});

test('the pinned Alertmanager with clustering on exposes every alertmanager_* metric the rules read', async () => {
  // GIVEN an Alertmanager with a minimal config and a mesh listen address (cluster metrics need clustering on)
  const config = path.join(workDir, 'alertmanager.yml');
  fs.writeFileSync(config, yaml.dump({ route: { receiver: 'null' }, receivers: [{ name: 'null' }] }));
  const [web, mesh] = await Promise.all([freePort(HOST), freePort(HOST)]);
  const alertmanager = start(binary('alertmanager'), [
    `--config.file=${config}`,
    `--storage.path=${path.join(workDir, 'alertmanager-data')}`,
    `--web.listen-address=${HOST}:${web}`,
    `--cluster.listen-address=${HOST}:${mesh}`,
    `--cluster.advertise-address=${HOST}:${mesh}`,
  ]);
  started.push(alertmanager);
  // WHEN its /metrics is read
  const exposed = await metricsOf(`http://${HOST}:${web}/metrics`, alertmanager);
  // THEN every name the rules use is there
  const used = metricsUsed('alertmanager_');
  expect(used).toEqual(['alertmanager_cluster_members', 'alertmanager_notifications_failed_total']);
  expect(used.filter((n) => !exposed.has(n))).toEqual([]);
});
