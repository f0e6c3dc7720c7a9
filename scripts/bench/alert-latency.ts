/**
 * Alert latency benchmark (npm run bench:alert-latency): on the e2e stack of the test chart (2 vmalert
 * replicas, 3 Alertmanagers, real binaries), the time from the first sample over the CPU threshold to the
 * email, next to the bound the configuration implies (for + evaluation interval + group_wait):
 *  1. all peers up;
 *  2. the Alertmanager that would send (first in the mesh's order) killed as the load starts, then recreated
 *     as the StatefulSet would (same name, fresh emptyDir) before the next incident.
 * Usage: npm run bench:alert-latency [-- --incidents 5] [--storage-latency-offset 30s]
 */
import { Component, COMPONENTS } from '../../testkit/feeder';
import { sleep, waitFor } from '../../testkit/http';
import { alertmanagerClusterStatus } from '../../testkit/probes';
import { collectLogs, endTest } from '../../testkit/lifecycle';
import {
  DUPLICATE_WINDOW_MS,
  E2E_STORAGE_LATENCY_OFFSET,
  EMAIL_TIMEOUT_MS,
  INCIDENT_CPU_RATE,
  configuredAlertBoundMs,
  emailsByPeer,
  firingSubject,
  firstTimeOverThreshold,
  sendersSince,
  startChartStack,
} from '../../testkit/scenario';
import { E2eStack, RunningPod } from '../../testkit/stack';
import { E2E_ALERT_FOR, E2E_EVALUATION_INTERVAL, E2E_GROUP_WAIT } from '../../testkit/test-chart';

const DEFAULT_INCIDENTS = 5;
/** How far before the load change the threshold search starts (the change itself is always after it). */
const SEARCH_MARGIN_MS = 10_000;

interface Measurement {
  readonly scenario: string;
  readonly incident: number;
  readonly component: Component;
  readonly latencyMs: number;
  readonly sender: string;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const incidents = incidentCount(argv);
  const latencyOffset = optionValue(argv, '--storage-latency-offset') ?? E2E_STORAGE_LATENCY_OFFSET;
  const boundMs = configuredAlertBoundMs();
  const results = [
    ...(await measure('all peers up', incidents, false, latencyOffset)),
    ...(await measure('sending peer killed', incidents, true, latencyOffset)),
  ];
  printTable(results, boundMs, latencyOffset);
}

/** One stack, `incidents` incidents on distinct components (each its own Alertmanager group). */
async function measure(scenario: string, incidents: number, killSender: boolean, latencyOffset: string): Promise<Measurement[]> {
  const components = Object.keys(COMPONENTS) as Component[];
  if (incidents > components.length) {
    throw new Error(`at most ${components.length} incidents per scenario (one per component); got ${incidents}`);
  }
  const results: Measurement[] = [];
  let failed = false;
  try {
    const { stack } = await startChartStack({}, latencyOffset);
    for (const [i, component] of components.slice(0, incidents).entries()) {
      // The peer that would send is the first in the mesh's order; kill it as the load starts.
      const killed = killSender ? await firstInLine(stack) : undefined;
      if (killed) await stack.killPod(killed);
      const before = await emailsByPeer(stack);
      const loadAt = stack.feeder.setRate(component, INCIDENT_CPU_RATE);
      const [mail] = await stack.smtp.waitForMails(firingSubject(component), EMAIL_TIMEOUT_MS, 0);
      const firstOver = await firstTimeOverThreshold(stack, component, loadAt - SEARCH_MARGIN_MS, mail.receivedAt);
      if (firstOver === undefined) throw new Error(`${component}: an email arrived but the expression was never over the threshold`);
      const [sender] = await waitFor('the sender to count its email', async () => {
        const senders = await sendersSince(stack, before);
        return senders.length > 0 ? senders : undefined;
      }, { timeoutMs: 5_000 });
      const latencyMs = mail.receivedAt - firstOver;
      results.push({ scenario, incident: i + 1, component, latencyMs, sender: sender.name });
      process.stderr.write(`${scenario} #${i + 1} ${component}: ${(latencyMs / 1000).toFixed(1)}s (sent by ${sender.name})\n`);
      // The StatefulSet brings the pod back (same name, fresh emptyDir) before the next incident.
      if (killed) await stack.recreateAlertmanager(killed);
    }
    // Not one email may be duplicated, here either.
    await sleep(DUPLICATE_WINDOW_MS);
    if (stack.smtp.mails.length !== incidents) {
      throw new Error(`${scenario}: ${incidents} incidents gave ${stack.smtp.mails.length} emails: ${stack.smtp.mails.map((m) => m.subject).join(' | ')}`);
    }
  } catch (err) {
    failed = true;
    process.stderr.write(`${collectLogs()}\n`);
    throw err;
  } finally {
    const errors = await endTest(failed);
    if (errors.length > 0) process.stderr.write(`cleanup after "${scenario}": ${errors.join('\n')}\n`);
  }
  return results;
}

/**
 * The Alertmanager that sends first: a peer waits (its position in the mesh) x peer timeout before sending,
 * and the position is the rank of its peer name among all peer names.
 */
async function firstInLine(stack: E2eStack): Promise<RunningPod> {
  const names = await Promise.all(stack.alertmanagers.map(async (pod) => ({ pod, status: await alertmanagerClusterStatus(pod.url) })));
  const first = names.flatMap(({ status }) => status.peers.map((p) => p.name)).sort()[0];
  const pod = names.find(({ status }) => status.name === first)?.pod;
  if (!pod) throw new Error(`no running Alertmanager has the first peer name ${first}`);
  return pod;
}

function printTable(results: readonly Measurement[], boundMs: number, latencyOffset: string): void {
  const bound = `${E2E_ALERT_FOR} for + ${E2E_EVALUATION_INTERVAL} evaluation interval + ${E2E_GROUP_WAIT} group_wait = ${boundMs / 1000}s`;
  const lines = [
    `Alert latency: first sample over the threshold -> email. Bound: ${bound}.`,
    `Stand-in vmselect -search.latencyOffset=${latencyOffset} (queries see samples that much late; victoria-metrics' default is 30s).`,
    '',
    '| scenario | incident | component | latency | bound | ratio | sent by |',
    '|---|---|---|---|---|---|---|',
    ...results.map((r) => `| ${r.scenario} | ${r.incident} | ${r.component} | ${(r.latencyMs / 1000).toFixed(1)}s | ${boundMs / 1000}s | ${(r.latencyMs / boundMs).toFixed(2)} | ${r.sender} |`),
    '',
    '| scenario | incidents | median | max | median ratio | max ratio |',
    '|---|---|---|---|---|---|',
    ...[...new Set(results.map((r) => r.scenario))].map((scenario) => {
      const ms = results.filter((r) => r.scenario === scenario).map((r) => r.latencyMs).sort((a, b) => a - b);
      const median = ms[Math.floor(ms.length / 2)];
      const max = ms[ms.length - 1];
      return `| ${scenario} | ${ms.length} | ${(median / 1000).toFixed(1)}s | ${(max / 1000).toFixed(1)}s | ${(median / boundMs).toFixed(2)} | ${(max / boundMs).toFixed(2)} |`;
    }),
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

function incidentCount(argv: readonly string[]): number {
  const value = optionValue(argv, '--incidents');
  const count = value === undefined ? DEFAULT_INCIDENTS : Number(value);
  if (!Number.isInteger(count) || count < 1) throw new Error(`--incidents takes a whole number >= 1, got ${value}`);
  return count;
}

function optionValue(argv: readonly string[], name: string): string | undefined {
  const index = argv.indexOf(name);
  return index >= 0 ? argv[index + 1] : undefined;
}

main().catch((err) => {
  process.stderr.write(`bench:alert-latency failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
