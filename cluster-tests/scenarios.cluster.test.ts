/**
 * The HA scenarios on real pods, with the end-to-end suite's shortened timings. The chart is the e2e suite's
 * (testkit/test-chart.ts): built with the public constructs, the app's CPU rule with its `for:` and rate window
 * shortened, groups every 5 s, the group_wait (12 s) and `minReadySeconds` VmalertHa derives from that interval
 * (20 s instead of the app's 130 s). It is applied with the pinned kubectl into a namespace enforcing Pod Security
 * `restricted` and waited for with `kubectl rollout status`. The storage stand-in (victoria-metrics behind the
 * vmselect/vminsert path rewriting, `-search.latencyOffset` equal to the chart's `evalDelay`) and the SMTP sink run on
 * the host's side of the pod network, behind selectorless Services of the namespace.
 *
 * The tests run in order on one deployment: each leaves the pods Ready for the next.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { NODES } from '../scripts/cluster/layout';
import { down, failNode, leftovers, recoverNode, up } from '../scripts/cluster/lifecycle';
import { restrictedNamespaceLabels } from '../__tests__/support/kube-cluster';
import { CpuFeeder, Component, IDLE_CPU_RATE } from '../testkit/feeder';
import { metricValue, VmalertAlert } from '../testkit/probes';
import { DUPLICATE_WINDOW_MS, EMAIL_TIMEOUT_MS, firingSubject, INCIDENT_CPU_RATE, resolvedSubject, subjects } from '../testkit/scenario';
import { SmtpSink } from '../testkit/smtp-sink';
import {
  ALERTMANAGER_REPLICAS, E2E_EVALUATION_INTERVAL_SECONDS, E2E_STORAGE_LATENCY_OFFSET, MAIL_TO, NAMESPACE,
  SMTP_DUMMY_PASSWORD, SMTP_PASSWORD_SECRET, SynthesizedChart, synthTestChart, TestChartOptions, VMALERT_REPLICAS,
} from '../testkit/test-chart';
import { VictoriaMetrics } from '../testkit/victoria-metrics';
import {
  apply, eventually, getTextThroughPortForward, getThroughPortForward, kubectl, kubectlAsync, kubectlJson, meshAndNotifiersReady, standInServices, startStandIns,
  stopStandInsAndCluster,
} from './support';

const CPU_ALERT = 'VictoriaMetricsHighCPU';
const INTERVAL_MS = E2E_EVALUATION_INTERVAL_SECONDS * 1000;

type Pod = Record<string, any>;

let work: string;
let vm: VictoriaMetrics;
let sink: SmtpSink;
let feeder: CpuFeeder;
let chart: SynthesizedChart;
const closers: Array<() => Promise<unknown>> = [];

const pods = (): Pod[] => kubectlJson(['-n', NAMESPACE, 'get', 'pods']).items;
const app = (p: Pod) => p.metadata.labels['app.kubernetes.io/name'] as string;
const isReady = (p: Pod) => !p.metadata.deletionTimestamp && p.status.phase === 'Running'
  && p.status.conditions?.find((c: { type: string }) => c.type === 'Ready')?.status === 'True';
const names = (list: Pod[]) => list.map((p) => p.metadata.name as string).sort();
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function workloadName(kind: string): string {
  const found = chart.objects.find((o) => o.kind === kind);
  if (!found) throw new Error(`the test chart has no ${kind}`);
  return found.metadata.name as string;
}

/** Every pod of both workloads Ready: 2 vmalert, 3 Alertmanager. */
function allReady(): Pod[] | undefined {
  const now = pods();
  const ready = now.filter(isReady);
  return ready.filter((p) => app(p) === 'vmalert').length === VMALERT_REPLICAS
    && ready.filter((p) => app(p) === 'alertmanager').length === ALERTMANAGER_REPLICAS
    && now.length === VMALERT_REPLICAS + ALERTMANAGER_REPLICAS ? now : undefined;
}

/**
 * Synthesizes the test chart with `options`, applies it and waits for both rollouts (without blocking this process,
 * where the stand-ins run). Resolves to the time taken.
 */
async function deployChart(options: TestChartOptions): Promise<number> {
  chart = synthTestChart(path.join(work, `chart-${Date.now()}`), { smtpSmarthost: `smtp-sink.${NAMESPACE}.svc.cluster.local:25`, ...options });
  const t0 = Date.now();
  apply(chart.objects);
  for (const kind of ['StatefulSet', 'Deployment']) {
    const r = await kubectlAsync(['-n', NAMESPACE, 'rollout', 'status', `${kind.toLowerCase()}/${workloadName(kind)}`, '--timeout=600s']);
    if (r.code !== 0) throw new Error(`rollout status ${kind}: ${r.stderr}`);
  }
  return Date.now() - t0;
}

/** Emails each Alertmanager pod has sent (its alertmanager_notifications_total for email), by pod name. */
async function emailsByPod(counter = 'alertmanager_notifications_total'): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const p of pods().filter((q) => app(q) === 'alertmanager' && isReady(q))) {
    const metrics = await getTextThroughPortForward(NAMESPACE, p.metadata.name, 9093, '/metrics');
    counts[p.metadata.name] = metricValue(metrics, counter, { integration: 'email' });
  }
  return counts;
}

async function alertsOf(pod: string): Promise<VmalertAlert[]> {
  const res = await getThroughPortForward<{ data: { alerts: VmalertAlert[] | null } }>(NAMESPACE, pod, 8880, '/api/v1/alerts');
  return (res.data.alerts ?? []).filter((a) => a.name === CPU_ALERT);
}

/** Makes `job` busy, waits for its FIRING email and the duplicate window; resolves to the matching emails and the time. */
async function incident(job: Component): Promise<{ mails: string[]; ms: number }> {
  const t0 = Date.now();
  feeder.setRate(job, INCIDENT_CPU_RATE);
  const first = await sink.waitForMails(firingSubject(job), EMAIL_TIMEOUT_MS, 0);
  const ms = first[0].receivedAt - t0;
  await new Promise((r) => setTimeout(r, DUPLICATE_WINDOW_MS));
  return { mails: subjects(sink.matching(firingSubject(job))), ms };
}

beforeAll(async () => {
  const summary = await up({ log: (l) => console.log(l) });
  console.log(`cluster start to Ready: ${seconds(summary.readyMs)}`);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'scenarios-real-cluster-'));
  chart = synthTestChart(path.join(work, 'chart'));
  ({ vm, sink } = await startStandIns(work, closers, { dedupInterval: chart.dedupInterval, latencyOffset: E2E_STORAGE_LATENCY_OFFSET }));
  feeder = await CpuFeeder.start({ vmUrl: vm.url, stepSeconds: E2E_EVALUATION_INTERVAL_SECONDS, historySeconds: 600 });
  closers.push(async () => feeder.stop());
  apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE, labels: restrictedNamespaceLabels() } }]);
  apply(standInServices(NAMESPACE));
  apply([{
    apiVersion: 'v1', kind: 'Secret', metadata: { name: SMTP_PASSWORD_SECRET.secretName, namespace: NAMESPACE },
    stringData: { [SMTP_PASSWORD_SECRET.key]: SMTP_DUMMY_PASSWORD },
  }]);
});

afterAll(() => stopStandInsAndCluster(closers, work));

test('the test chart (shortened timings) rolls out in a restricted namespace: every pod Ready, placed across zones, meshed', async () => {
  // WHEN the chart is applied and both rollouts are waited for
  const ms = await deployChart({});
  const t0 = Date.now();
  const { alertmanagers, vmalerts } = await meshAndNotifiersReady(NAMESPACE);
  console.log(`test chart applied to all Ready (rollout status of both workloads): ${seconds(ms)}; mesh of ${alertmanagers.length} and every notifier healthy ${seconds(Date.now() - t0)} later`);
  expect([alertmanagers.length, vmalerts.length]).toEqual([ALERTMANAGER_REPLICAS, VMALERT_REPLICAS]);
  // THEN 2 vmalert and 3 Alertmanager pods are Ready, the Alertmanagers in zones a, b and c
  const ready = allReady();
  expect(ready).toBeDefined();
  const zoneOf = new Map(NODES.map((n) => [n.name, n.zone]));
  expect(ready!.filter((p) => app(p) === 'alertmanager').map((p) => zoneOf.get(p.spec.nodeName)).sort()).toEqual(['a', 'b', 'c']);
  expect(new Set(ready!.filter((p) => app(p) === 'vmalert').map((p) => p.spec.nodeName)).size).toBe(VMALERT_REPLICAS);
});

test('one incident gives exactly one FIRING and one RESOLVED email, from both replicas\' alert, with no failed send', async () => {
  // GIVEN every component idle; WHEN vmstorage uses half a core
  const t0 = Date.now();
  feeder.setRate('vmstorage', INCIDENT_CPU_RATE);
  const [firing] = await sink.waitForMails(firingSubject('vmstorage'), EMAIL_TIMEOUT_MS, 0);
  const firingMs = firing.receivedAt - t0;
  // THEN both vmalert pods fire the alert for vmstorage (the second may be one interval behind)
  for (const pod of names(pods().filter((p) => app(p) === 'vmalert'))) {
    const jobs = await eventually(`${pod} fires`, async () => {
      const firingJobs = (await alertsOf(pod)).filter((a) => a.state === 'firing').map((a) => a.labels.job);
      return firingJobs.length > 0 ? firingJobs : undefined;
    }, 4 * INTERVAL_MS);
    expect(jobs).toEqual(['vmstorage']);
  }
  // WHEN vmstorage is idle again
  const t1 = Date.now();
  feeder.setRate('vmstorage', IDLE_CPU_RATE);
  const [resolved] = await sink.waitForMails(resolvedSubject('vmstorage'), EMAIL_TIMEOUT_MS, 0);
  const resolvedMs = resolved.receivedAt - t1;
  await new Promise((r) => setTimeout(r, DUPLICATE_WINDOW_MS));
  console.log(`incident to FIRING email: ${seconds(firingMs)}; idle to RESOLVED email: ${seconds(resolvedMs)}; emails: ${subjects(sink.mails).join(' | ')}`);
  // THEN exactly two emails over the incident, one FIRING and one RESOLVED, counted once by the Alertmanagers
  expect(subjects(sink.mails)).toEqual([expect.stringMatching(firingSubject('vmstorage', 1)), expect.stringMatching(resolvedSubject('vmstorage'))]);
  expect(firing.recipients).toEqual([MAIL_TO]);
  const sent = Object.values(await emailsByPod()).reduce((a, b) => a + b, 0);
  expect(sent).toBe(2);
  expect(Object.values(await emailsByPod('alertmanager_notifications_failed_total'))).toEqual([0, 0, 0]);
  expect(feeder.errors).toEqual([]);
});

test('kubectl delete pod of the Alertmanager that sent: a new incident still gives exactly one email', async () => {
  // GIVEN the Alertmanager pod that sent the emails so far
  const before = await emailsByPod();
  const sender = Object.entries(before).sort((a, b) => b[1] - a[1])[0][0];
  expect(before[sender]).toBeGreaterThan(0);
  // WHEN it is deleted the way an operator does (graceful), and vmselect becomes busy at once
  const t0 = Date.now();
  const deleted = kubectl(['-n', NAMESPACE, 'delete', 'pod', sender, '--wait=false']);
  expect(deleted.code).toBe(0);
  const { mails, ms } = await incident('vmselect');
  // THEN exactly one email for vmselect; the StatefulSet brings the pod back under its name
  await eventually('every pod Ready again', allReady, 300_000);
  await meshAndNotifiersReady(NAMESPACE);
  const back = Date.now() - t0;
  const after = await emailsByPod();
  const senders = Object.keys(after).filter((pod) => after[pod] > (pod === sender ? 0 : before[pod]));
  console.log(`deleted ${sender}; busy to email: ${seconds(ms)}; emails for vmselect: ${mails.length}; sent by ${senders.join(', ')}; every pod Ready and meshed again after ${seconds(back)}`);
  expect(mails).toEqual([expect.stringMatching(firingSubject('vmselect', 1))]);
  expect(pods().filter((p) => app(p) === 'alertmanager').map((p) => p.metadata.name)).toContain(sender);
  feeder.setRate('vmselect', IDLE_CPU_RATE);
});

test('node failure (kubelet and containerd stopped, containers killed): exactly one email for an incident during it; the pods come back', async () => {
  // GIVEN a node that runs a vmalert and an Alertmanager, and not the cluster's one CoreDNS pod (losing that would be
  // a cluster-wide DNS outage: no Service name, the storage's included, resolves; another scenario)
  const start = pods();
  const dnsNodes = (kubectlJson(['-n', 'kube-system', 'get', 'pods', '-l', 'k8s-app=kube-dns']).items as Pod[]).map((p) => p.spec.nodeName);
  const node = start.find((p) => app(p) === 'vmalert' && !dnsNodes.includes(p.spec.nodeName)
    && start.some((q) => app(q) === 'alertmanager' && q.spec.nodeName === p.spec.nodeName))!.spec.nodeName as string;
  const victims = names(start.filter((p) => p.spec.nodeName === node));
  // WHEN it fails, and vmagent becomes busy during the failure
  const t0 = Date.now();
  const failed = await failNode(node);
  let recovered = false;
  try {
    const { mails, ms } = await incident('vmagent');
    const notReady = kubectlJson(['get', 'node', node]).status.conditions.find((c: { type: string }) => c.type === 'Ready');
    console.log(`failed ${node} (${victims.join(', ')}); busy to email: ${seconds(ms)}; emails for vmagent: ${mails.length}; node Ready condition after ${seconds(Date.now() - t0)}: ${notReady.status} (${notReady.reason})`);
    // THEN exactly one email for vmagent from the surviving pods
    expect(mails).toEqual([expect.stringMatching(firingSubject('vmagent', 1))]);
    feeder.setRate('vmagent', IDLE_CPU_RATE);
    // WHEN the node's kubelet and containerd start again
    const t1 = Date.now();
    await recoverNode(failed);
    recovered = true;
    const ready = await eventually('every pod Ready again', allReady, 600_000);
    await meshAndNotifiersReady(NAMESPACE);
    const placement = ready.map((p) => `${p.metadata.name}@${p.spec.nodeName}`).sort();
    console.log(`after recovery every pod Ready, meshed and notified in ${seconds(Date.now() - t1)} (${seconds(Date.now() - t0)} after the failure): ${placement.join(', ')}`);
    // THEN every pod is Ready again; the ones of the failed node came back
    expect(ready).toHaveLength(VMALERT_REPLICAS + ALERTMANAGER_REPLICAS);
  } finally {
    if (!recovered) await recoverNode(failed).catch(() => undefined);
  }
});

test('a rule change rolls vmalert: the for: state is restored under new pod names, with no evaluation gap over one interval', async () => {
  // GIVEN the CPU rule with a for: longer than two rollouts (itself a rule change, rolled like any other)
  const longFor = await deployChart({ alertFor: '4m' });
  const vmalerts = () => names(pods().filter((p) => app(p) === 'vmalert' && isReady(p)));
  const old = vmalerts();
  // AND the alert for vminsert pending on both pods
  feeder.setRate('vminsert', INCIDENT_CPU_RATE);
  const pendingSince = Date.now();
  const before: VmalertAlert[] = [];
  for (const pod of old) {
    before.push(await eventually(`${pod} holds the pending alert`, async () => (await alertsOf(pod)).find((a) => a.state === 'pending' && a.labels.job === 'vminsert'), 120_000));
  }
  await new Promise((r) => setTimeout(r, 3 * INTERVAL_MS));

  // WHEN the rule changes again (for: 5m): the rules checksum annotation rolls both pods
  const t0 = Date.now();
  const rolled = await deployChart({ alertFor: '5m' });
  const now = vmalerts();

  // THEN the new pods, under new names, hold the alert still pending with the activeAt of the old ones (whole seconds),
  // restored from ALERTS_FOR_STATE by their first evaluation
  expect(now.filter((pod) => old.includes(pod))).toEqual([]);
  expect(now).toHaveLength(VMALERT_REPLICAS);
  const expected = before.map((a) => Math.floor(Date.parse(a.activeAt) / 1000));
  for (const pod of now) {
    const alert = await eventually(`${pod} holds the alert`, async () => (await alertsOf(pod)).find((a) => a.labels.job === 'vminsert'), 60_000);
    expect(alert.state).toBe('pending');
    expect(expected).toContain(Math.floor(Date.parse(alert.activeAt) / 1000));
  }
  // AND the stored ALERTS_FOR_STATE series of the alert has a sample every interval from before the rollout to now
  const end = Date.now();
  const params = new URLSearchParams({
    'match[]': `ALERTS_FOR_STATE{alertname="${CPU_ALERT}",job="vminsert"}`, start: String(Math.floor(pendingSince / 1000)), end: String(Math.ceil(end / 1000)),
  });
  const exported = (await (await fetch(`${vm.url}/api/v1/export?${params}`)).text()).trim().split('\n').filter(Boolean)
    .map((line) => JSON.parse(line) as { timestamps: number[] });
  expect(exported).toHaveLength(1);
  const stamps = [...new Set(exported[0].timestamps)].sort((a, b) => a - b);
  const gaps = stamps.slice(1).map((t, i) => t - stamps[i]);
  console.log(`rule change (for: 4m) rolled in ${seconds(longFor)}; rule change (for: 5m) rolled ${old.join(', ')} -> ${now.join(', ')} in ${seconds(rolled)}; `
    + `activeAt kept (${before[0].activeAt}); ALERTS_FOR_STATE samples ${stamps.length} (${stamps.filter((t) => t >= t0).length} since the change), largest gap ${seconds(Math.max(...gaps))}`);
  expect(stamps[0]).toBeLessThan(t0);
  expect(stamps[stamps.length - 1]).toBeGreaterThan(end - 3 * INTERVAL_MS);
  expect(Math.max(...gaps)).toBeLessThanOrEqual(INTERVAL_MS);
  feeder.setRate('vminsert', IDLE_CPU_RATE);
});

test('down leaves nothing', async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await down();
  expect(leftovers()).toEqual([]);
});
