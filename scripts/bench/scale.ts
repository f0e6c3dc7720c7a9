/**
 * `npm run bench:scale`: the whole stack as processes of the pinned binaries (2 vmalert replicas, 3 meshed
 * Alertmanagers, victoria-metrics single-node behind the vmselect/vminsert stand-ins, the SMTP sink) over a grid of
 * rule counts x firing alerts. Per cell: vmalert's evaluation time per group against its 30 s interval, missed
 * iterations, CPU and peak RSS; Alertmanager's peak RSS, CPU and emails (grouped by alertname and job, none
 * duplicated across peers); breach -> last email against the bound; remote-write volume.
 *
 *   npm run bench:scale                 # the sampled grid (8 cells, about 20 min on 2 idle cores)
 *   npm run bench:scale -- --grid full  # all 12 cells (about 25 min)
 *   npm run bench:scale -- --cell 1000x10  # one cell (repeat --cell for more), printed only (nothing written)
 *   npm run bench:scale -- --cell 10000x10 --add  # measure one cell and add it to (or replace it in) the recording
 *   npm run bench:scale -- --docs       # only redraw the chart and tables from the recorded measurements
 *
 * Writes docs/sizing-measurements.json (read by the unit test that holds the default resources), docs/sizing.svg,
 * and the table between the markers of docs/sizing.md and docs/zh-TW/sizing.md. Not part of `npm test`.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { K8sObject, readManifests } from '../../constructs/testing/manifests';
import { parseDuration } from '../../constructs/core/duration';
import { VERSIONS } from '../../constructs/core/versions';
import { breachToEmailBoundMs } from '../../constructs/vmalert/storm';
import { sleep } from '../../testkit/http';
import { endTest, nameWorkDir, testWorkDir } from '../../testkit/lifecycle';
import { metricValue } from '../../testkit/probes';
import { E2eStack, RunningPod } from '../../testkit/stack';
import { GENERATED_JOBS, GENERATED_ROUTES } from './generated-rules';
import {
  SCALE_EVALUATION_INTERVAL, SCALE_EVAL_DELAY, SCALE_GROUP_WAIT, SCALE_RECORDING_EVERY, SCALE_SMTP_PASSWORD,
  SCALE_SMTP_SMARTHOST, STORM_ALERT, STORM_METRIC, scaleStackChart,
} from './scale-chart';
import { renderScaleSvg } from './scale-svg';
import { DEFAULT_SIZING_WORKLOAD, sizedResources } from '../../constructs/k8s/sizing';
import {
  CellResult, FailedCell, MEASUREMENTS_FILE, ScaleMeasurements, SIZING_PAGES, SIZING_TABLE_BEGIN, SIZING_TABLE_END, TABLE_BEGIN, TABLE_END,
  replaceBetween, scaleTable, sizingTable,
} from './scale-results';

const ROOT = path.resolve(__dirname, '..', '..');
const SVG_FILE = path.join(ROOT, 'docs', 'sizing.svg');
/** The sampled grid: the rule axis at 10 alerts, the alert axis at 1,000 rules, and the far corner. */
const SAMPLED_GRID: Array<[number, number]> = [[100, 10], [1000, 10], [5000, 10], [10000, 10], [20000, 10], [1000, 1000], [1000, 10000], [20000, 10000]];
const FULL_GRID: Array<[number, number]> = [100, 1000, 5000, 20000].flatMap(rules => [10, 1000, 10000].map(alerts => [rules, alerts] as [number, number]));
/** Services the storm spreads over: the route groups by alertname and job, so one email per job is expected. */
const STORM_JOBS = 10;
/** History of the request counters written before the breach: covers the rules' 5m rate windows. */
const HISTORY_SECONDS = 600;
const HISTORY_STEP_SECONDS = 30;
const INSTANCES_PER_JOB = 3;
/** How long after the bound the last expected email may still come before the cell gives up waiting. */
const EMAIL_GRACE_MS = 90_000;
/** After the last expected email, how long a duplicate from a later peer could still arrive (2 x peer timeout + 5 s). */
const DUPLICATE_WINDOW_MS = 35_000;
const CLOCK_TICKS_PER_SECOND = 100;
/** Timeout of the bench's own requests (testkit's 5 s is too short for a loaded 2-core machine). */
const SLOW_REQUEST_TIMEOUT_MS = 60_000;
const MIB = 1024 * 1024;

interface Options {
  readonly cells: Array<[number, number]>;
  readonly write: boolean;
  /** Only rewrite the chart and tables from the recorded measurements. */
  readonly docsOnly: boolean;
  /** Merge the measured cells into the recording instead of replacing it. */
  readonly add: boolean;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options.docsOnly) {
    writeDocs(JSON.parse(fs.readFileSync(MEASUREMENTS_FILE, 'utf8')) as ScaleMeasurements);
    return;
  }
  const started = Date.now();
  const results: CellResult[] = [];
  process.stderr.write(`bench:scale: ${options.cells.length} cells; load average ${os.loadavg().map(l => l.toFixed(2)).join(' ')}\n`);
  const failed: FailedCell[] = [];
  for (const [rules, alerts] of options.cells) {
    try {
      const result = await runCell(rules, alerts);
      results.push(result);
      process.stderr.write(`${JSON.stringify(result)}\n`);
    } catch (err) {
      // A cell that cannot be measured is a finding, not the end of the run.
      const error = err instanceof Error ? err.message : String(err);
      failed.push({ rules, alerts, error });
      process.stderr.write(`bench:scale: cell ${rules}x${alerts} failed: ${error}\n`);
    }
  }
  const recorded: ScaleMeasurements | undefined = options.add ? JSON.parse(fs.readFileSync(MEASUREMENTS_FILE, 'utf8')) : undefined;
  const measured = (c: { rules: number; alerts: number }) => options.cells.some(([r, a]) => r === c.rules && a === c.alerts);
  const measurements: ScaleMeasurements = {
    machine: machine(),
    versions: { vmalert: VERSIONS.victoriaMetrics, alertmanager: VERSIONS.alertmanager },
    setup: {
      vmalertReplicas: 2,
      alertmanagerReplicas: 3,
      evaluationInterval: SCALE_EVALUATION_INTERVAL,
      rulesPerGroup: 20,
      recordingEvery: SCALE_RECORDING_EVERY,
      groupWait: SCALE_GROUP_WAIT,
      evalDelay: SCALE_EVAL_DELAY,
      stormJobs: STORM_JOBS,
    },
    totalMinutes: round((Date.now() - started) / 60_000 + (recorded?.totalMinutes ?? 0), 1),
    cells: [...(recorded?.cells.filter(c => !measured(c)) ?? []), ...results].sort((a, b) => a.alerts - b.alerts || a.rules - b.rules),
    failed: [...(recorded?.failed.filter(c => !measured(c)) ?? []), ...failed],
  };
  process.stdout.write(`${scaleTable(measurements)}\n`);
  if (!options.write) return;
  fs.writeFileSync(MEASUREMENTS_FILE, `${JSON.stringify(measurements, null, 2)}\n`);
  process.stderr.write(`bench:scale: wrote ${path.relative(ROOT, MEASUREMENTS_FILE)}\n`);
  writeDocs(measurements);
}

/**
 * The chart and both tables from the recorded measurements and the model in constructs/k8s/sizing.ts. After a new
 * recording, copy the coefficients the unit test prints into the model, then run `npm run bench:scale -- --docs`.
 */
function writeDocs(measurements: ScaleMeasurements): void {
  fs.writeFileSync(SVG_FILE, renderScaleSvg(measurements, {
    vmalertMemoryLimitMiB: sizedResources('vmalert', DEFAULT_SIZING_WORKLOAD).memoryLimitMiB,
    alertmanagerMemoryLimitMiB: sizedResources('alertmanager', DEFAULT_SIZING_WORKLOAD).memoryLimitMiB,
  }));
  for (const page of SIZING_PAGES) {
    const file = path.relative(ROOT, page);
    let text = fs.readFileSync(page, 'utf8');
    text = replaceBetween(text, TABLE_BEGIN, TABLE_END, scaleTable(measurements), file);
    text = replaceBetween(text, SIZING_TABLE_BEGIN, SIZING_TABLE_END, sizingTable(SCALE_EVALUATION_INTERVAL), file);
    fs.writeFileSync(page, text);
  }
  process.stderr.write(`bench:scale: wrote ${[SVG_FILE, ...SIZING_PAGES].map(f => path.relative(ROOT, f)).join(', ')}\n`);
}

async function runCell(rules: number, alerts: number): Promise<CellResult> {
  nameWorkDir(`scale-${rules}x${alerts}`);
  const workDir = testWorkDir();
  const loadBefore = os.loadavg()[0];
  let failed = false;
  let step = 'synthesizing the chart';
  try {
    const app = new App({ outdir: workDir });
    const { vmalert } = scaleStackChart(app, 'scale', { ruleCount: rules });
    const manifestFile = path.join(workDir, 'manifests.k8s.yaml');
    fs.writeFileSync(manifestFile, app.synthYaml());
    const objects: K8sObject[] = readManifests(manifestFile);
    const stackStarted = Date.now();
    step = 'starting the stack';
    const stack = await E2eStack.start({
      objects,
      dedupInterval: vmalert.recommendedDedupInterval,
      outOfBandSecrets: { [SCALE_SMTP_PASSWORD.secretName]: { [SCALE_SMTP_PASSWORD.key]: 'bench-dummy-password' } },
      smtpSmarthost: SCALE_SMTP_SMARTHOST,
      storageLatencyOffset: SCALE_EVAL_DELAY,
      feed: { stepSeconds: HISTORY_STEP_SECONDS, historySeconds: 60 },
    });
    const startupSeconds = (Date.now() - stackStarted) / 1000;
    step = 'writing the history';
    await slowImport(stack, requestHistory(Date.now()));
    await slowImport(stack, stormSeries(alerts, 0, Date.now() - 1000));
    // Let every group run once on the history before measuring.
    await sleep(parseDuration(SCALE_EVALUATION_INTERVAL));

    step = 'reading /metrics before the breach';
    const before = await snapshot(stack);
    const breachAt = Date.now();
    step = 'writing the breach';
    await slowImport(stack, stormSeries(alerts, 1, breachAt));
    // The storm rule has no `for:`.
    const boundMs = breachToEmailBoundMs({
      evalDelayMs: parseDuration(SCALE_EVAL_DELAY), intervalMs: parseDuration(SCALE_EVALUATION_INTERVAL), forMs: 0, groupWaitMs: parseDuration(SCALE_GROUP_WAIT),
    });
    const expectedGroups = Math.min(STORM_JOBS, alerts);
    const deadline = breachAt + boundMs + EMAIL_GRACE_MS;
    while (firstMailPerGroup(stack).size < expectedGroups && Date.now() < deadline) await sleep(500);
    await sleep(DUPLICATE_WINDOW_MS);
    step = 'reading /metrics after the storm';
    const after = await snapshot(stack);
    const windowSeconds = (after.at - before.at) / 1000;

    const mails = stack.smtp.mails.filter(m => m.subject.includes(STORM_ALERT));
    const groups = firstMailPerGroup(stack);
    const counts = [...groups.values()].map(g => g.count);
    const groupDurations = [...after.vmalert[0].groups.entries()].map(([group, end]) => {
      const start = before.vmalert[0].groups.get(group) ?? { sum: 0, count: 0, missed: 0, p99: 0 };
      return { group, mean: (end.sum - start.sum) / Math.max(1, end.count - start.count), p99: end.p99, evaluations: end.count - start.count };
    });
    const missed = after.vmalert.map((replica, i) => [...replica.groups.values()].reduce((sum, g) => sum + g.missed, 0)
      - [...before.vmalert[i].groups.values()].reduce((sum, g) => sum + g.missed, 0));
    const lastMailAt = mails.length > 0 ? Math.max(...mails.map(m => m.receivedAt)) : undefined;
    return {
      rules,
      alerts,
      groups: Math.ceil(rules / 20) + 1,
      startupSeconds: round(startupSeconds, 1),
      windowSeconds: round(windowSeconds, 1),
      loadAverage: [round(loadBefore, 2), round(os.loadavg()[0], 2)],
      vmalert: {
        peakRssMiB: round(Math.max(...after.vmalert.map(r => r.peakRss)) / MIB, 1),
        cpuCores: round(Math.max(...after.vmalert.map((r, i) => (r.cpuSeconds - before.vmalert[i].cpuSeconds) / windowSeconds)), 3),
        groupSecondsMean: round(median(groupDurations.map(g => g.mean)), 4),
        groupSecondsMax: round(Math.max(...groupDurations.map(g => g.mean)), 4),
        groupSecondsP99Max: round(Math.max(...groupDurations.map(g => g.p99)), 4),
        evaluationsPerGroup: round(median(groupDurations.map(g => g.evaluations)), 1),
        missedIterations: Math.max(...missed),
        alertsFiring: Math.max(...after.vmalert.map(r => r.firing)),
        remoteWriteRowsPerMinute: Math.round(Math.max(...after.vmalert.map((r, i) => r.rwRows - before.vmalert[i].rwRows)) / windowSeconds * 60),
        remoteWriteKiBPerMinute: round(Math.max(...after.vmalert.map((r, i) => r.rwBytes - before.vmalert[i].rwBytes)) / windowSeconds * 60 / 1024, 1),
        remoteWriteDroppedRows: Math.max(...after.vmalert.map((r, i) => r.rwDropped - before.vmalert[i].rwDropped)),
      },
      alertmanager: {
        peakRssMiB: round(Math.max(...after.alertmanager.map(r => r.peakRss)) / MIB, 1),
        cpuCores: round(Math.max(...after.alertmanager.map((r, i) => (r.cpuSeconds - before.alertmanager[i].cpuSeconds) / windowSeconds)), 3),
        alertsHeld: Math.min(...after.alertmanager.map(r => r.held)),
        emailsSentByPeers: after.alertmanager.reduce((sum, r, i) => sum + r.emailsSent - before.alertmanager[i].emailsSent, 0),
      },
      storage: {
        peakRssMiB: round(after.storage.peakRss / MIB, 1),
        cpuCores: round((after.storage.cpuSeconds - before.storage.cpuSeconds) / windowSeconds, 3),
      },
      emails: {
        expectedGroups,
        received: mails.length,
        groups: groups.size,
        duplicated: mails.length - groups.size,
        alertsInFirstEmails: counts.reduce((sum, n) => sum + n, 0),
        breachToLastEmailSeconds: lastMailAt === undefined ? null : round((lastMailAt - breachAt) / 1000, 1),
        boundSeconds: boundMs / 1000,
      },
    };
  } catch (err) {
    failed = true;
    process.stderr.write(`bench:scale: logs and data of ${rules}x${alerts} kept in ${workDir}\n`);
    throw new Error(`${step}: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    const errors = await endTest(failed);
    if (errors.length > 0) process.stderr.write(`cleanup after ${rules}x${alerts}: ${errors.join('\n')}\n`);
  }
}

/** `http_requests_total` of every service the generated rules watch: 0.5% 5xx, under every rule's threshold. */
function requestHistory(now: number): string[] {
  const stepMs = HISTORY_STEP_SECONDS * 1000;
  const last = Math.floor(now / stepMs) * stepMs;
  const lines: string[] = [];
  for (let job = 0; job < GENERATED_JOBS; job++) {
    for (let instance = 0; instance < INSTANCES_PER_JOB; instance++) {
      for (let route = 0; route < GENERATED_ROUTES; route++) {
        for (const [code, perSecond] of [['200', 19.9], ['500', 0.1]] as const) {
          const labels = `job="service-${job}",instance="10.0.${job}.${instance}:8080",route="/api/v${route}/items",code="${code}"`;
          for (let t = last - HISTORY_SECONDS * 1000, step = 0; t <= last; t += stepMs, step++) {
            lines.push(`http_requests_total{${labels}} ${(1000 + perSecond * step * HISTORY_STEP_SECONDS).toFixed(1)} ${t}`);
          }
        }
      }
    }
  }
  return lines;
}

/** `alerts` series of the storm metric, spread over {@link STORM_JOBS} jobs, all at `value`. */
function stormSeries(alerts: number, value: number, at: number): string[] {
  return Array.from({ length: alerts }, (_, i) =>
    `${STORM_METRIC}{job="storm-${String(i % STORM_JOBS).padStart(2, '0')}",instance="10.1.${Math.floor(i / 250)}.${i % 250}:9100"} ${value} ${at}`);
}

/** The first storm email of each group (alertname + job from the default subject) and the alerts it lists. */
function firstMailPerGroup(stack: E2eStack): Map<string, { count: number; at: number }> {
  const groups = new Map<string, { count: number; at: number }>();
  for (const mail of stack.smtp.mails) {
    const match = /^\[FIRING:(\d+)\] (\S+) (\S+)/.exec(mail.subject);
    if (!match || match[2] !== STORM_ALERT) continue;
    const key = `${match[2]} ${match[3]}`;
    if (!groups.has(key)) groups.set(key, { count: Number(match[1]), at: mail.receivedAt });
  }
  return groups;
}

interface GroupFigures { sum: number; count: number; missed: number; p99: number }
interface Snapshot {
  readonly at: number;
  readonly vmalert: Array<{ cpuSeconds: number; peakRss: number; groups: Map<string, GroupFigures>; firing: number; rwRows: number; rwBytes: number; rwDropped: number }>;
  readonly alertmanager: Array<{ cpuSeconds: number; peakRss: number; held: number; emailsSent: number }>;
  readonly storage: { cpuSeconds: number; peakRss: number };
}

async function snapshot(stack: E2eStack): Promise<Snapshot> {
  const at = Date.now();
  const vmalert = await Promise.all(stack.vmalerts.map(async pod => {
    const text = await slowGet(`${pod.url}/metrics`);
    return {
      ...processFigures(pod),
      groups: groupFigures(text),
      firing: metricValue(text, 'vmalert_alerts_firing'),
      rwRows: metricValue(text, 'vmalert_remotewrite_sent_rows_total'),
      rwBytes: metricValue(text, 'vmalert_remotewrite_sent_bytes_total'),
      rwDropped: metricValue(text, 'vmalert_remotewrite_dropped_rows_total'),
    };
  }));
  const alertmanager = await Promise.all(stack.alertmanagers.map(async pod => {
    const text = await slowGet(`${pod.url}/metrics`);
    return {
      ...processFigures(pod),
      held: metricValue(text, 'alertmanager_alerts', { state: 'active' }),
      emailsSent: metricValue(text, 'alertmanager_notifications_total', { integration: 'email' }),
    };
  }));
  const storagePid = stack.vm.process.pid;
  return { at, vmalert, alertmanager, storage: storagePid ? pidFigures(storagePid) : { cpuSeconds: 0, peakRss: 0 } };
}

/** GET with a timeout fit for a loaded machine: /metrics of 1,000 groups is megabytes. */
async function slowGet(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(SLOW_REQUEST_TIMEOUT_MS) }).catch((err: Error) => {
    throw new Error(`GET ${new URL(url).pathname} of a pod: no answer within ${SLOW_REQUEST_TIMEOUT_MS / 1000} s (${err.message})`);
  });
  const body = await res.text().catch((err: Error) => {
    throw new Error(`GET ${new URL(url).pathname} of a pod: the body did not arrive within ${SLOW_REQUEST_TIMEOUT_MS / 1000} s (${err.message})`);
  });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}: ${body.slice(0, 200)}`);
  return body;
}

/** Samples into the storage, with the same timeout. */
async function slowImport(stack: E2eStack, lines: readonly string[]): Promise<void> {
  const res = await fetch(`${stack.vm.url}/api/v1/import/prometheus`, {
    method: 'POST', body: `${lines.join('\n')}\n`, signal: AbortSignal.timeout(SLOW_REQUEST_TIMEOUT_MS),
  }).catch((err: Error) => {
    throw new Error(`importing ${lines.length} samples into the storage: no answer within ${SLOW_REQUEST_TIMEOUT_MS / 1000} s (${err.message})`);
  });
  if (!res.ok) throw new Error(`import into ${stack.vm.url}: HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
}

function processFigures(pod: RunningPod): { cpuSeconds: number; peakRss: number } {
  if (pod.process.pid === undefined) throw new Error(`${pod.name} has no process id`);
  return pidFigures(pod.process.pid);
}

/** User + system CPU seconds (/proc/<pid>/stat) and the peak resident set (VmHWM) of one process. */
function pidFigures(pid: number): { cpuSeconds: number; peakRss: number } {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  const hwm = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpuSeconds, peakRss: hwm ? Number(hwm[1]) * 1024 : 0 };
}

/** Per group: iteration duration sum, count and 0.99 quantile, and missed iterations. */
function groupFigures(exposition: string): Map<string, GroupFigures> {
  const groups = new Map<string, GroupFigures>();
  const entry = (group: string) => groups.get(group) ?? groups.set(group, { sum: 0, count: 0, missed: 0, p99: 0 }).get(group)!;
  for (const line of exposition.split('\n')) {
    const match = /^(vmalert_iteration_duration_seconds(?:_sum|_count)?|vmalert_iteration_missed_total)\{([^}]*)\}\s+(\S+)/.exec(line);
    if (!match) continue;
    const group = /group="([^"]*)"/.exec(match[2])?.[1];
    if (!group) continue;
    const value = Number(match[3]);
    if (match[1] === 'vmalert_iteration_duration_seconds_sum') entry(group).sum = value;
    else if (match[1] === 'vmalert_iteration_duration_seconds_count') entry(group).count = value;
    else if (match[1] === 'vmalert_iteration_missed_total') entry(group).missed = value;
    else if (/quantile="0.99"/.test(match[2]) && Number.isFinite(value)) entry(group).p99 = value;
  }
  return groups;
}

function machine(): ScaleMeasurements['machine'] {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown CPU',
    cores: cpus.length,
    memoryGiB: round(os.totalmem() / 1024 ** 3, 1),
    node: process.version,
    shared: true,
  };
}

function parseOptions(args: string[]): Options {
  let cells = SAMPLED_GRID;
  let write = true;
  let docsOnly = false;
  let add = false;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--grid' && args[i + 1] === 'full') {
      cells = FULL_GRID;
      i++;
    } else if (args[i] === '--grid' && args[i + 1] === 'sampled') {
      i++;
    } else if (args[i] === '--cell') {
      const match = /^(\d+)x(\d+)$/.exec(args[++i] ?? '');
      if (!match) throw new Error(`--cell takes RULESxALERTS, e.g. 1000x10, got ${args[i]}`);
      cells = [...(cells === SAMPLED_GRID ? [] : cells), [Number(match[1]), Number(match[2])]];
      write = false; // one cell is a check, not a record
    } else if (args[i] === '--dry') {
      write = false;
    } else if (args[i] === '--docs') {
      docsOnly = true;
    } else if (args[i] === '--add') {
      add = true;
    } else {
      throw new Error(`unknown option ${args[i]} (use --grid sampled|full, --cell RULESxALERTS, --add, --dry, --docs)`);
    }
  }
  return { cells, write: write || add, docsOnly, add };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length / 2)];
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

main().catch(error => {
  process.stderr.write(`bench:scale: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
