/**
 * What identical replicas buy: the series both replicas write are deduplicated into one by the storage; and what
 * replicaLabel costs: a rollout resets `for:` timers. That identical replicas keep them across a rollout (state
 * restored through remote read) is proven on real pods (cluster-tests/scenarios.cluster.test.ts).
 */
import { getText, sleep, waitFor } from '../testkit/http';
import { useE2eLifecycle } from '../testkit/lifecycle';
import { metricValue, vmalertAlerts, VmalertAlert } from '../testkit/probes';
import { INCIDENT_CPU_RATE, startChartStack } from '../testkit/scenario';
import { RunningPod } from '../testkit/stack';
import {
  E2E_EVALUATION_INTERVAL_SECONDS, E2E_STORAGE_LATENCY_OFFSET, RECORDED_SERIES, TestChartOptions, VMALERT_REPLICAS,
} from '../testkit/test-chart';
import { parseDuration } from '../constructs/core/duration';

useE2eLifecycle();

/** `for:` long enough that the alert is still pending when the rollout is over: longer than the rollout:
 * two replicas, each held minReadySeconds (2 intervals + 10 s) before the next. */
const ROLLOUT_ALERT_FOR = '2m';
/** How long the alert stays pending before the rollout starts. */
const PENDING_BEFORE_ROLLOUT_MS = 15_000;
/** Window of the deduplication check. */
const DEDUP_WINDOW_SECONDS = 30;

test('the trade-off of replicaLabel: after a rollout the new pods find no state and restart the for: timer', async () => {
  // GIVEN the chart with for: 1m and replicaLabel: each pod's state series carries its own pod name
  // WHEN every replica is rolled (new pod names)
  const { before, after, rolloutStartedAt } = await rollWhilePending({ replicaLabel: 'replica' });

  // THEN the new pods hold the alert pending again, activeAt reset to after their start: the timer restarted.
  // vmalert stamps activeAt with its query time, which is evalDelay behind the evaluation and aligned down to the
  // group interval, so a new pod's first activeAt may lie up to that much before its start.
  const queryTimeLagMs = (E2E_EVALUATION_INTERVAL_SECONDS + parseDuration(E2E_STORAGE_LATENCY_OFFSET) / 1000) * 1000;
  const earliestBefore = Math.min(...before.map((a) => Date.parse(a.activeAt)));
  for (const alert of after) {
    expect(alert.state).toBe('pending');
    expect(Date.parse(alert.activeAt)).toBeGreaterThanOrEqual(rolloutStartedAt - queryTimeLagMs);
    // The old pods were pending PENDING_BEFORE_ROLLOUT_MS before the rollout began; a kept timer would differ by at
    // most one interval (the replicas' phases), a restarted one by at least that wait less the query-time lag.
    expect(Date.parse(alert.activeAt) - earliestBefore).toBeGreaterThanOrEqual(PENDING_BEFORE_ROLLOUT_MS - queryTimeLagMs);
    expect(PENDING_BEFORE_ROLLOUT_MS - queryTimeLagMs).toBeGreaterThan(E2E_EVALUATION_INTERVAL_SECONDS * 1000);
  }
});

/**
 * Start the chart (for: 1m), make vmagent busy until the CPU alert is pending on every replica, keep it
 * pending a while, then roll every replica. Returns the alert before (old pods) and after (new pods).
 */
async function rollWhilePending(options: TestChartOptions): Promise<{
  before: VmalertAlert[];
  after: VmalertAlert[];
  rolloutStartedAt: number;
  rolledAt: number;
}> {
  const { stack } = await startChartStack({ ...options, alertFor: ROLLOUT_ALERT_FOR });
  stack.feeder.setRate('vmagent', INCIDENT_CPU_RATE);
  const before = await Promise.all(stack.vmalerts.map((pod) => pendingAlert(pod)));
  await sleep(PENDING_BEFORE_ROLLOUT_MS);
  const oldNames = stack.vmalerts.map((p) => p.name);
  const rolloutStartedAt = Date.now();
  for (const old of [...stack.vmalerts]) await stack.rolloutReplica(old);
  const rolledAt = Date.now();
  expect(stack.vmalerts).toHaveLength(VMALERT_REPLICAS);
  expect(stack.vmalerts.filter((p) => oldNames.includes(p.name))).toEqual([]);
  const after = await Promise.all(stack.vmalerts.map((pod) => pendingAlert(pod)));
  return { before, after, rolloutStartedAt, rolledAt };
}

/** Records the replicas' series over a whole window and counts the stored samples of it. */
async function storedSamplesPerWindow(storageDedupInterval?: string): Promise<{ counted: number; dedupInterval: string }> {
  const { stack, chart } = await startChartStack({ recordingRule: true }, undefined, storageDedupInterval);
  const iterationsAtStart = await Promise.all(stack.vmalerts.map((pod) => recordingIterations(pod)));
  await sleep((DEDUP_WINDOW_SECONDS + 3 * E2E_EVALUATION_INTERVAL_SECONDS) * 1000);
  const stepMs = E2E_EVALUATION_INTERVAL_SECONDS * 1000;
  // A window that ended two intervals ago, on an interval boundary: every write for it has landed.
  const windowEnd = (Math.floor(Date.now() / stepMs) - 2) * stepMs;
  // Each replica evaluated the group at least once per interval of the window.
  const iterationsNow = await Promise.all(stack.vmalerts.map((pod) => recordingIterations(pod)));
  iterationsNow.forEach((n, i) => expect(n - iterationsAtStart[i]).toBeGreaterThanOrEqual(DEDUP_WINDOW_SECONDS / E2E_EVALUATION_INTERVAL_SECONDS));
  const counts = await stack.vm.query(`count_over_time(${RECORDED_SERIES}{job="vmstorage"}[${DEDUP_WINDOW_SECONDS}s])`, windowEnd / 1000);
  expect(counts).toHaveLength(1);
  return { counted: Number(counts[0].value[1]), dedupInterval: chart.dedupInterval };
}

test('the series both replicas record are stored once: count_over_time equals the number of evaluation intervals', async () => {
  // GIVEN the chart with a recording rule evaluated every 5s by both replicas, storage deduplicating at
  // VmalertHa.recommendedDedupInterval
  // WHEN both replicas have evaluated the group over a whole window
  const { counted, dedupInterval } = await storedSamplesPerWindow();
  // THEN the stored series has one sample per interval, not one per replica and interval
  expect(dedupInterval).toBe(`${E2E_EVALUATION_INTERVAL_SECONDS}s`);
  expect(counted).toBe(DEDUP_WINDOW_SECONDS / E2E_EVALUATION_INTERVAL_SECONDS);
});

test('without -dedup.minScrapeInterval on the storage, the same window holds both replicas\' samples', async () => {
  // GIVEN the same chart, the storage running without the dedup flag (0s disables it)
  // WHEN both replicas have evaluated the group over a whole window
  const { counted } = await storedSamplesPerWindow('0s');
  // THEN every replica's sample is kept: twice as many, which is what the flag on vmselect and vmstorage removes
  expect(counted).toBe(VMALERT_REPLICAS * DEDUP_WINDOW_SECONDS / E2E_EVALUATION_INTERVAL_SECONDS);
});

/** The CPU alert of `pod` once it is pending (or firing). */
async function pendingAlert(pod: RunningPod): Promise<VmalertAlert> {
  return waitFor(`vmalert ${pod.name} to hold the CPU alert`, async () => {
    const alerts = await vmalertAlerts(pod.url);
    return alerts.find((a) => a.name === 'VictoriaMetricsHighCPU' && a.labels.job === 'vmagent');
  }, { timeoutMs: 60_000, pollMs: 500 });
}

/** How many times `pod` has evaluated the recording group (vmalert_iteration_total). */
async function recordingIterations(pod: RunningPod): Promise<number> {
  return metricValue(await getText(`${pod.url}/metrics`), 'vmalert_iteration_total', { group: 'e2e-recording' });
}
