/**
 * An alert storm, proven with real processes: 1,000 series of one rule breach in the same evaluation, spread over 4
 * jobs, and the route groups by alertname and job. Every group must reach the inbox as one email listing all of its
 * alerts, sent by one of the 3 peers, within the configured bound; recovery must give one RESOLVED email per group.
 *
 * The route's group_wait is the storm-safe one that VmalertHa checks (constructs/vmalert/storm.ts): shorter, and
 * Alertmanager flushes each new group on its first alert (vmalert's startsAt is up to eval delay + interval old).
 * Timings are shortened as in the rest of the suite; the peer timeout stays Alertmanager's 15 s. A peer logs a
 * notification only once its email is sent, and a 250-alert email took up to 9 s to reach the sink on a loaded machine:
 * with a 5 s peer timeout the next peer sent the same groups again before the log arrived.
 */
import { parseDuration } from '../constructs/core/duration';
import { RuleGroup } from '../constructs';
import { breachToEmailBoundMs, stormSafeGroupWait } from '../constructs/vmalert/storm';
import { useE2eLifecycle } from '../testkit/lifecycle';
import { alertmanagerAlerts, emailNotificationsFailed } from '../testkit/probes';
import { DUPLICATE_WINDOW_MS, emailsByPeer, sendersSince, startChartStack } from '../testkit/scenario';
import { ReceivedMail } from '../testkit/smtp-sink';
import { E2eStack } from '../testkit/stack';
import {
  E2E_ALERT_FOR, E2E_EVALUATION_INTERVAL, E2E_GROUP_INTERVAL, E2E_EVALUATION_INTERVAL_SECONDS, E2E_STORAGE_LATENCY_OFFSET,
} from '../testkit/test-chart';
import { waitFor, sleep } from '../testkit/http';
import { STORM_ALERT, STORM_METRIC, StormSeries } from './storm-series';

useE2eLifecycle();

const JOBS = ['storm-a', 'storm-b', 'storm-c', 'storm-d'];
const INSTANCES_PER_JOB = 250;
const STORM_GROUP: RuleGroup = {
  name: 'storm',
  interval: E2E_EVALUATION_INTERVAL,
  rules: [{ alert: STORM_ALERT, expr: `${STORM_METRIC} > 0`, for: E2E_ALERT_FOR, labels: { severity: 'critical' } }],
};
const EVALUATION = { evaluationIntervalMs: parseDuration(E2E_EVALUATION_INTERVAL), evalDelayMs: parseDuration(E2E_STORAGE_LATENCY_OFFSET) };
const GROUP_WAIT = stormSafeGroupWait([STORM_GROUP], EVALUATION);
/** The configured bound from the breach (the sample that flips) to the email: eval delay + 2 intervals + for + group_wait. */
const BOUND_MS = breachToEmailBoundMs({
  evalDelayMs: EVALUATION.evalDelayMs, intervalMs: EVALUATION.evaluationIntervalMs, forMs: parseDuration(E2E_ALERT_FOR), groupWaitMs: parseDuration(GROUP_WAIT),
});
/**
 * Evaluating and posting 1,000 alerts, rendering and sending four 250-alert emails and parsing them in the sink, on a
 * shared 2-core machine (measured against a bound one interval shorter: 0.2 to 8.5 s past it at load averages of 12 to 16).
 */
const MARGIN_MS = 15_000;
const FIRING = new RegExp(`^\\[FIRING:(\\d+)\\] ${STORM_ALERT} (\\S+)`);
const RESOLVED = new RegExp(`^\\[RESOLVED\\] ${STORM_ALERT} (\\S+)`);

async function startStormStack(): Promise<{ stack: E2eStack; series: StormSeries }> {
  const { stack, chart } = await startChartStack({
    extraGroups: [STORM_GROUP], groupWait: GROUP_WAIT,
  });
  // The chart passes the check that this scenario proves.
  expect(chart.warnings).toEqual([]);
  const series = await StormSeries.start(stack.vm.url, JOBS, INSTANCES_PER_JOB, E2E_EVALUATION_INTERVAL_SECONDS);
  return { stack, series };
}

/** The storm's emails matching `pattern`, by job (the group label after the alert name). */
function byJob(mails: readonly ReceivedMail[], pattern: RegExp): Map<string, ReceivedMail[]> {
  const groups = new Map<string, ReceivedMail[]>();
  for (const mail of mails) {
    const match = pattern.exec(mail.subject);
    if (!match) continue;
    const job = match[match.length - 1];
    groups.set(job, [...(groups.get(job) ?? []), mail]);
  }
  return groups;
}

/**
 * Wait until every job has an email matching `pattern`, then out the window in which a late duplicate could come;
 * returns the emails by job, checked to cover exactly the storm's jobs.
 */
async function settledEmailsOfEveryJob(stack: E2eStack, pattern: RegExp, timeoutMs: number): Promise<Map<string, ReceivedMail[]>> {
  await waitFor(`an email matching ${pattern} for each of ${JOBS.join(', ')}`,
    async () => (byJob(stack.smtp.mails, pattern).size === JOBS.length ? true : undefined), { timeoutMs, pollMs: 200 });
  await sleep(DUPLICATE_WINDOW_MS);
  const mails = byJob(stack.smtp.mails, pattern);
  expect([...mails.keys()].sort()).toEqual(JOBS);
  return mails;
}

test('1,000 alerts breaching in one evaluation give one email per group, listing all its alerts, and one RESOLVED each', async () => {
  // GIVEN the stack with the storm rule, 4 jobs of 250 healthy instances each
  const { stack, series } = await startStormStack();
  const before = await emailsByPeer(stack);

  // WHEN every series breaches on the same sample
  const breachAt = series.set(true);
  const firing = await settledEmailsOfEveryJob(stack, FIRING, BOUND_MS + MARGIN_MS + 30_000);

  // THEN exactly one FIRING email per job, each [FIRING:250] naming every instance of its job
  for (const job of JOBS) {
    const mails = firing.get(job)!;
    expect(mails.map((m) => m.subject)).toEqual([expect.stringMatching(new RegExp(`^\\[FIRING:${INSTANCES_PER_JOB}\\] ${STORM_ALERT} ${job}\\b`))]);
    const missing = series.instances(job).filter((instance) => !mails[0].body.includes(instance));
    expect(missing).toEqual([]);
  }
  // AND no other email; every Alertmanager holds all 1,000 alerts; the emails came within the bound and the margin
  expect(stack.smtp.mails).toHaveLength(JOBS.length);
  for (const pod of stack.alertmanagers) {
    const held = (await alertmanagerAlerts(pod.url)).filter((a) => a.labels.alertname === STORM_ALERT);
    expect(held).toHaveLength(JOBS.length * INSTANCES_PER_JOB);
  }
  const lastFiringMs = Math.max(...stack.smtp.mails.map((m) => m.receivedAt)) - breachAt;
  expect(lastFiringMs).toBeLessThanOrEqual(BOUND_MS + MARGIN_MS);
  const senders = await sendersSince(stack, before);
  process.stdout.write(`storm: 4 FIRING emails, the last ${(lastFiringMs / 1000).toFixed(1)} s after the breach `
    + `(bound ${BOUND_MS / 1000} s + margin ${MARGIN_MS / 1000} s), sent by ${senders.map((p) => p.name).join(', ')}\n`);

  // WHEN every series recovers on the same sample
  const recoverAt = series.set(false);
  const resolved = await settledEmailsOfEveryJob(stack, RESOLVED, BOUND_MS + parseDuration(E2E_GROUP_INTERVAL) + MARGIN_MS + 30_000);

  // THEN one RESOLVED email per job, as many as FIRING, and nothing else
  for (const job of JOBS) expect(resolved.get(job)).toHaveLength(1);
  expect(stack.smtp.mails).toHaveLength(2 * JOBS.length);
  const lastResolvedMs = Math.max(...[...resolved.values()].flat().map((m) => m.receivedAt)) - recoverAt;
  process.stdout.write(`storm: 4 RESOLVED emails, the last ${(lastResolvedMs / 1000).toFixed(1)} s after recovery\n`);
  for (const pod of stack.alertmanagers) expect(await emailNotificationsFailed(pod.url)).toBe(0);
  expect(series.errors).toEqual([]);
});

test('an Alertmanager killed as it sends the storm\'s emails: every group still notified, duplicates only from its unshared log', async () => {
  // GIVEN the storm stack, and a storm under way
  const { stack, series } = await startStormStack();
  const before = await emailsByPeer(stack);
  series.set(true);

  // WHEN the first email arrives, the peer that sent it is killed at once (before its notification log can spread)
  await waitFor('the first storm email', async () => (stack.smtp.mails.length > 0 ? true : undefined), { timeoutMs: BOUND_MS + MARGIN_MS + 30_000, pollMs: 50 });
  const sender = await waitFor('the peer that sent it', async () => (await sendersSince(stack, before))[0], { timeoutMs: 5_000, pollMs: 50 });
  const sentBeforeKill = (await emailsByPeer(stack))[sender.name] - (before[sender.name] ?? 0);
  await stack.killPod(sender);
  const firing = await settledEmailsOfEveryJob(stack, FIRING, BOUND_MS + MARGIN_MS + 30_000);

  // THEN every job got its [FIRING:250]; a job got a second one only if the killed peer had sent it (at-least-once)
  for (const job of JOBS) {
    const mails = firing.get(job)!;
    for (const mail of mails) expect(mail.subject).toMatch(new RegExp(`^\\[FIRING:${INSTANCES_PER_JOB}\\]`));
    expect(mails.length).toBeLessThanOrEqual(2);
  }
  const duplicates = stack.smtp.mails.length - JOBS.length;
  expect(duplicates).toBeLessThanOrEqual(sentBeforeKill);
  process.stdout.write(`storm with a peer killed: ${stack.smtp.mails.length} emails for ${JOBS.length} groups `
    + `(${duplicates} duplicates; the killed peer had counted ${sentBeforeKill} sent)\n`);
});
