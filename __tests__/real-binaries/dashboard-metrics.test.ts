/**
 * The dashboards' queries against the pinned binaries: vmalert (alerting and recording rules, a notifier, remote
 * write) and Alertmanager (clustering on) are started on loopback (testkit/metric-sources.ts); the metric
 * catalogue is exactly what they expose, and every metric a dashboard query names is on their /metrics; then two scrapes of each are imported into the pinned
 * single-node victoria-metrics and every query, with the dashboard variables filled in, is evaluated there: none
 * errs, and each one over a metric that exists from the start returns series.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { builtInQueries } from '../../constructs/dashboards/dashboards';
import { ALERTMANAGER_METRICS, VMALERT_METRICS } from '../../constructs/dashboards/metric-catalogue';
import { binary, freePort, pollUntilOk, start, StartedProcess } from '../../testkit/binaries';
import { exposedNames, scrapeLines, startMetricSources } from '../../testkit/metric-sources';
import { METRIC_CATALOGUE_FILE, renderMetricCatalogue } from '../../scripts/codegen/gen-metric-catalogue';
import { getJson, postText } from '../../testkit/http';

const HOST = '127.0.0.1';
/** Every metric name in a query: each selects by job, so each is an identifier followed by a label selector. */
const SELECTED = /\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{/g;
/** Queries whose series only appear once something has happened (a notification sent): evaluated, may be empty. */
const EMPTY_UNTIL_TRAFFIC = new Set([
  // no notification has been sent, so the latency histogram's rate is 0/0 in every bucket: no quantile
  'Notification latency (p99)',
]);
const SCRAPE_STEP_S = 60;

let workDir: string;
const started: StartedProcess[] = [];
const exposition: Record<string, string[]> = {};
let vmUrl: string;

/** The metric names a query selects. */
function selectedNames(query: string): string[] {
  return [...new Set([...query.matchAll(SELECTED)].map(m => m[1]))];
}

/** Exposition lines with `job` and `instance` added and a millisecond timestamp, for /api/v1/import/prometheus. */
function importLines(lines: readonly string[], job: string, instance: string, timestampMs: number): string {
  const labels = `job="${job}",instance="${instance}"`;
  return lines.map((line) => {
    const brace = line.indexOf('{');
    const space = line.indexOf(' ');
    const labelled = brace >= 0 && brace < space ? `${line.slice(0, brace + 1)}${labels},${line.slice(brace + 1)}` : `${line.slice(0, space)}{${labels}}${line.slice(space)}`;
    return `${labelled} ${timestampMs}`;
  }).join('\n') + '\n';
}

/** The query as Grafana sends it for "All" jobs and a 5m rate window. */
function filled(query: string): string {
  return query.replace(/\$job\b/g, '.+').replace(/\$__rate_interval\b/g, '5m');
}

beforeAll(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dashboard-metrics-'));
  const sources = await startMetricSources(workDir);
  const vmPort = await freePort(HOST);
  const victoriaMetrics = start(binary('victoria-metrics'), [
    `-httpListenAddr=${HOST}:${vmPort}`, `-storageDataPath=${path.join(workDir, 'vm-data')}`, '-search.disableCache', '-retentionPeriod=1d',
    '-loggerLevel=WARN',
  ]);
  started.push(sources.vmalert.process, sources.alertmanager.process, victoriaMetrics);
  vmUrl = `http://${HOST}:${vmPort}`;
  expect(await pollUntilOk(`${vmUrl}/health`, victoriaMetrics)).toBe(200);
  const targets = { 'vmalert.json': [sources.vmalert.metricsUrl, 'vmalert'], 'alertmanager-cluster.json': [sources.alertmanager.metricsUrl, 'alertmanager'] };
  const now = Math.floor(Date.now() / 1000) * 1000;
  for (const [file, [url, job]] of Object.entries(targets)) {
    const first = await scrapeLines(url);
    const second = await scrapeLines(url);
    exposition[file] = second;
    await postText(`${vmUrl}/api/v1/import/prometheus`, importLines(first, job, url, now - SCRAPE_STEP_S * 1000));
    await postText(`${vmUrl}/api/v1/import/prometheus`, importLines(second, job, url, now));
  }
  await fetch(`${vmUrl}/internal/force_flush`);
}, 60_000);

afterAll(async () => {
  await Promise.all(started.map(p => p.stop()));
  fs.rmSync(workDir, { recursive: true, force: true });
});

test('every name of the metric catalogue is on the pinned binaries\' /metrics', () => {
  // GIVEN the catalogue WHEN compared with what the running binaries expose
  const vmalert = exposedNames(exposition['vmalert.json']);
  const alertmanager = exposedNames(exposition['alertmanager-cluster.json']);
  // THEN nothing in it is missing
  expect(VMALERT_METRICS.filter(n => !vmalert.has(n))).toEqual([]);
  expect(ALERTMANAGER_METRICS.filter(n => !alertmanager.has(n))).toEqual([]);
});

test('the catalogue file is what npm run gen:metrics writes from these binaries', () => {
  // GIVEN the names each binary exposes under its prefix WHEN rendered as the generator renders them
  const names = (file: string, prefix: string) => [...exposedNames(exposition[file])].filter(n => n.startsWith(prefix)).sort();
  const text = renderMetricCatalogue(names('vmalert.json', 'vmalert_'), names('alertmanager-cluster.json', 'alertmanager_'));
  // THEN the committed file is identical (after a version bump: run npm run gen:metrics and review the diff)
  expect(fs.readFileSync(METRIC_CATALOGUE_FILE, 'utf8')).toBe(text);
});

const queries = builtInQueries();

test('the dashboards hold panels for both binaries', () => {
  expect(new Set(queries.map(q => q.dashboard))).toEqual(new Set(['vmalert.json', 'alertmanager-cluster.json']));
  expect(queries.length).toBeGreaterThanOrEqual(25);
});

describe.each(queries.map(q => [`${q.dashboard}: ${q.title}: ${q.query}`, q] as const))('%s', (_, { dashboard, title, query }) => {
  test('names only metrics the binary exposes', () => {
    // GIVEN the metric names the query selects WHEN looked up in its binary's /metrics
    const names = selectedNames(query);
    expect(names.length).toBeGreaterThan(0);
    const exposed = exposedNames(exposition[dashboard]);
    // THEN each is there
    expect(names.filter(n => !exposed.has(n))).toEqual([]);
  });

  test('the pinned victoria-metrics evaluates it without error', async () => {
    // GIVEN two scrapes of the binary imported WHEN the query runs as Grafana sends it
    const params = new URLSearchParams({ query: filled(query), nocache: '1' });
    const res = await getJson<{ status: string; data: { result: unknown[] } }>(`${vmUrl}/api/v1/query?${params}`);
    // THEN it succeeds, with series unless the metric only moves with traffic
    expect(res.status).toBe('success');
    if (!EMPTY_UNTIL_TRAFFIC.has(title)) expect(res.data.result.length).toBeGreaterThan(0);
  });
});
