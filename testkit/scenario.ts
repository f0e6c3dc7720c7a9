/**
 * Building blocks shared by the end-to-end tests and the alert-latency benchmark: start the test chart's
 * stack, make a component busy, recognize the emails, tell which Alertmanager sent them.
 */
import { parseDuration } from '../constructs/core/duration';
import { IDLE_CPU_RATE, Component } from './feeder';
import { testWorkDir } from './lifecycle';
import { E2eStack, RunningPod } from './stack';
import { ReceivedMail } from './smtp-sink';
import {
  ALERTMANAGER_REPLICAS,
  CPU_THRESHOLD_PERCENT,
  E2E_ALERT_FOR,
  E2E_EVALUATION_INTERVAL,
  E2E_EVALUATION_INTERVAL_SECONDS,
  E2E_GROUP_WAIT,
  E2E_RATE_WINDOW_SECONDS,
  SMTP_DUMMY_PASSWORD,
  SMTP_PASSWORD_SECRET,
  SMTP_SMARTHOST,
  SynthesizedChart,
  TestChartOptions,
  synthTestChart,
  E2E_STORAGE_LATENCY_OFFSET,
} from './test-chart';

/** A busy component: 50% of a core (the CPU alert's threshold is 10%). */
export const INCIDENT_CPU_RATE = 0.5;
export { IDLE_CPU_RATE };
export { E2E_STORAGE_LATENCY_OFFSET };
/** Samples of history written before the stack starts (covers the rate window many times over). */
const FEED_HISTORY_SECONDS = 600;
/** Alertmanager's --cluster.peer-timeout default: peer N waits N times this before sending. */
const ALERTMANAGER_PEER_TIMEOUT_MS = 15_000;
/**
 * After the first email, how long a duplicate could still arrive: the last peer in the mesh waits
 * (replicas - 1) x peer timeout for the notification log of the others before it sends on its own.
 */
export const DUPLICATE_WINDOW_MS = (ALERTMANAGER_REPLICAS - 1) * ALERTMANAGER_PEER_TIMEOUT_MS + 5_000;
/** Generous ceiling for an email that should come within about 25 s (the ramp, for, interval, group_wait). */
export const EMAIL_TIMEOUT_MS = 90_000;

/**
 * Start the stack that the test chart (with `options`) describes, read back from its YAML. `secrets` are
 * further Secrets created out of band (name -> key -> value), besides the SMTP password.
 */
export async function startChartStack(
  options: TestChartOptions = {},
  storageLatencyOffset = E2E_STORAGE_LATENCY_OFFSET,
  storageDedupInterval?: string,
  secrets: Readonly<Record<string, Readonly<Record<string, string>>>> = {},
): Promise<{ stack: E2eStack; chart: SynthesizedChart }> {
  // vmalert evaluates as far behind now as the storage hides: the setting docs/testing.md asks for in production.
  const chart = synthTestChart(testWorkDir(), { evalDelay: storageLatencyOffset, ...options });
  const stack = await E2eStack.start({
    objects: chart.objects,
    dedupInterval: storageDedupInterval ?? chart.dedupInterval,
    outOfBandSecrets: { ...secrets, [SMTP_PASSWORD_SECRET.secretName]: { [SMTP_PASSWORD_SECRET.key]: SMTP_DUMMY_PASSWORD } },
    smtpSmarthost: SMTP_SMARTHOST,
    storageLatencyOffset,
    feed: { stepSeconds: E2E_EVALUATION_INTERVAL_SECONDS, historySeconds: FEED_HISTORY_SECONDS },
  });
  return { stack, chart };
}

/** Subject of the FIRING email of the CPU alert for `job` (Alertmanager's default template). */
export function firingSubject(job: Component, alerts: number | 'any' = 'any'): RegExp {
  return new RegExp(`^\\[FIRING:${alerts === 'any' ? '\\d+' : alerts}\\] VictoriaMetricsHighCPU ${job}\\b`);
}

/** Subject of the RESOLVED email of the CPU alert for `job`. */
export function resolvedSubject(job: Component): RegExp {
  return new RegExp(`^\\[RESOLVED\\] VictoriaMetricsHighCPU ${job}\\b`);
}

/** Subjects of `mails`, for readable assertion failures. */
export function subjects(mails: readonly ReceivedMail[]): string[] {
  return mails.map((m) => m.subject);
}

/** Emails sent by each running Alertmanager, by pod name. */
export async function emailsByPeer(stack: E2eStack): Promise<Record<string, number>> {
  const counts = await stack.emailsSentByPeer();
  return Object.fromEntries([...counts].map(([pod, n]) => [pod.name, n]));
}

/** The running Alertmanager pods whose email counter went up since `before` (see {@link emailsByPeer}). */
export async function sendersSince(stack: E2eStack, before: Record<string, number>): Promise<RunningPod[]> {
  const counts = await stack.emailsSentByPeer();
  return [...counts].filter(([pod, n]) => n > (before[pod.name] ?? 0)).map(([pod]) => pod);
}

/**
 * The first time (unix ms) at or after `sinceMs` at which the CPU rule's expression for `job` was over the
 * threshold, as the storage computes it now (1 s resolution). Undefined if it never was.
 */
export async function firstTimeOverThreshold(stack: E2eStack, job: Component, sinceMs: number, untilMs: number): Promise<number | undefined> {
  const expr = `rate(process_cpu_seconds_total{job="${job}"}[${E2E_RATE_WINDOW_SECONDS}s]) * 100`;
  const series = await stack.vm.queryRange(expr, Math.floor(sinceMs / 1000), Math.ceil(untilMs / 1000), 1);
  const over = series.flatMap((s) => s.values).filter(([, v]) => Number(v) > CPU_THRESHOLD_PERCENT).map(([t]) => t);
  return over.length > 0 ? Math.min(...over) * 1000 : undefined;
}

/** The latency bound the configuration implies: `for` + evaluation interval + `group_wait` (ms). */
export function configuredAlertBoundMs(alertFor = E2E_ALERT_FOR): number {
  return parseDuration(alertFor) + parseDuration(E2E_EVALUATION_INTERVAL) + parseDuration(E2E_GROUP_WAIT);
}
