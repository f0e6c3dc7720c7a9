/**
 * Self-monitoring end to end: the synthesized stack with RulesConfigMap.selfMonitoring mounted, every pod
 * scraped by Debian's vmagent into victoria-metrics, and vmalert evaluating the self-monitoring rules against
 * it. Stopping one of the three Alertmanager peers must make the cluster-size alert fire.
 */
import { SELF_MONITORING_ALERTS } from '../constructs/self-monitoring/self-monitoring';
import { waitFor, sleep } from '../testkit/http';
import { testWorkDir, useE2eLifecycle } from '../testkit/lifecycle';
import { alertmanagerAlerts, vmalertAlerts, VmalertAlert } from '../testkit/probes';
import { startChartStack } from '../testkit/scenario';
import { RunningPod } from '../testkit/stack';
import { ALERTMANAGER_REPLICAS, E2E_EVALUATION_INTERVAL_SECONDS, VMALERT_REPLICAS } from '../testkit/test-chart';
import { startVmagent } from '../testkit/vmagent';

useE2eLifecycle();

/** Short `for:` and window so the scenario takes seconds; the rules are otherwise the library's defaults. */
const SELF_MONITORING_FOR = '10s';
const SELF_MONITORING_FOR_MS = 10_000;
const SELF_MONITORING_WINDOW = '30s';
const SCRAPE_INTERVAL = '2s';
/** Bounds of the waits: scrapes, evaluations and `for:` need well under a minute each. */
const SCRAPED_TIMEOUT_MS = 60_000;
const ALERT_TIMEOUT_MS = 90_000;
const POLL_MS = 1_000;
const CLUSTER_ALERT = 'AlertmanagerClusterMembersMissing';

function hostPort(pod: RunningPod): string {
  return new URL(pod.url).host;
}

async function selfMonitoringAlerts(vmalert: RunningPod): Promise<VmalertAlert[]> {
  const names: readonly string[] = SELF_MONITORING_ALERTS;
  return (await vmalertAlerts(vmalert.url)).filter((a) => names.includes(a.name));
}

test('stopping one of three Alertmanager peers fires AlertmanagerClusterMembersMissing in every vmalert', async () => {
  // GIVEN the test chart with the self-monitoring rules, running, and vmagent scraping every pod
  const { stack } = await startChartStack({
    selfMonitoring: {
      clusterMembersFor: SELF_MONITORING_FOR,
      targetDownFor: SELF_MONITORING_FOR,
      errorsFor: SELF_MONITORING_FOR,
      errorWindow: SELF_MONITORING_WINDOW,
    },
  });
  expect(stack.alertmanagers).toHaveLength(ALERTMANAGER_REPLICAS);
  await startVmagent({
    address: stack.loopback.allocate(),
    workDir: testWorkDir(),
    vmUrl: stack.vm.url,
    scrapeInterval: SCRAPE_INTERVAL,
    jobs: [
      { job: 'vmalert', targets: stack.vmalerts.map(hostPort) },
      { job: 'alertmanager', targets: stack.alertmanagers.map(hostPort) },
    ],
  });
  const targets = VMALERT_REPLICAS + ALERTMANAGER_REPLICAS;
  await waitFor(`all ${targets} targets scraped with up == 1 and 3 cluster members each`, async () => {
    const up = await stack.vm.query('up == 1');
    const members = await stack.vm.query(`alertmanager_cluster_members == ${ALERTMANAGER_REPLICAS}`);
    return up.length === targets && members.length === ALERTMANAGER_REPLICAS ? true : undefined;
  }, { timeoutMs: SCRAPED_TIMEOUT_MS, pollMs: POLL_MS });

  // AND while everything is healthy, no self-monitoring alert is active (once the first scrapes are in,
  // "not scraped" alerts from before them resolve), and none comes up for longer than a `for:`
  for (const vmalert of stack.vmalerts) {
    await waitFor(`vmalert ${vmalert.name} to have no self-monitoring alert while healthy`, async () =>
      ((await selfMonitoringAlerts(vmalert)).length === 0 ? true : undefined), { timeoutMs: ALERT_TIMEOUT_MS, pollMs: POLL_MS });
  }
  await sleep(SELF_MONITORING_FOR_MS + 2 * E2E_EVALUATION_INTERVAL_SECONDS * 1000);
  for (const vmalert of stack.vmalerts) {
    expect(await selfMonitoringAlerts(vmalert)).toEqual([]);
  }

  // WHEN one peer is stopped, as a pod deletion does (SIGTERM: it leaves the mesh)
  const stopped = stack.alertmanagers[ALERTMANAGER_REPLICAS - 1];
  const survivors = stack.alertmanagers.slice(0, ALERTMANAGER_REPLICAS - 1);
  await stack.stopPod(stopped);
  const stoppedAt = Date.now();

  // THEN every vmalert fires the cluster-size alert for each remaining peer, which sees 2 of 3 members
  for (const vmalert of stack.vmalerts) {
    const firing = await waitFor(`vmalert ${vmalert.name} to fire ${CLUSTER_ALERT} for both remaining peers`, async () => {
      const alerts = (await vmalertAlerts(vmalert.url)).filter((a) => a.name === CLUSTER_ALERT && a.state === 'firing');
      return alerts.length === survivors.length ? alerts : undefined;
    }, { timeoutMs: ALERT_TIMEOUT_MS, pollMs: POLL_MS });
    expect(firing.map((a) => a.labels.instance).sort()).toEqual(survivors.map(hostPort).sort());
    expect(firing.map((a) => Number(a.value))).toEqual([2, 2]);
    expect(firing[0].labels).toMatchObject({ job: 'alertmanager', severity: 'warning' });
    expect(firing[0].annotations.summary).toMatch(/sees 2 of 3 cluster members$/);
  }
  process.stdout.write(`${CLUSTER_ALERT} firing in every vmalert ${(Date.now() - stoppedAt) / 1000} s after the peer stopped\n`);

  // AND the stopped peer's scrape failure fires AlertmanagerDown for it
  await waitFor(`vmalert to fire AlertmanagerDown for ${stopped.name}`, async () => {
    const down = (await vmalertAlerts(stack.vmalerts[0].url)).filter((a) => a.name === 'AlertmanagerDown' && a.state === 'firing');
    return down.length === 1 && down[0].labels.instance === hostPort(stopped) ? true : undefined;
  }, { timeoutMs: ALERT_TIMEOUT_MS, pollMs: POLL_MS });

  // AND once firing alerts are sent, every vmalert reports send errors to the stopped peer's address only
  for (const vmalert of stack.vmalerts) {
    const errors = await waitFor(`vmalert ${vmalert.name} to fire VmalertNotificationErrors`, async () => {
      const alerts = (await vmalertAlerts(vmalert.url)).filter((a) => a.name === 'VmalertNotificationErrors' && a.state === 'firing');
      return alerts.length > 0 ? alerts : undefined;
    }, { timeoutMs: ALERT_TIMEOUT_MS, pollMs: POLL_MS });
    expect(errors.map((a) => new URL(a.labels.addr).host)).toEqual(errors.map(() => hostPort(stopped)));
  }

  // AND the alert reached the remaining Alertmanagers (every vmalert notifies every peer)
  for (const survivor of survivors) {
    await waitFor(`Alertmanager ${survivor.name} to hold ${CLUSTER_ALERT}`, async () => {
      const held = (await alertmanagerAlerts(survivor.url)).filter((a) => a.labels.alertname === CLUSTER_ALERT);
      return held.length === survivors.length ? true : undefined;
    }, { timeoutMs: ALERT_TIMEOUT_MS, pollMs: POLL_MS });
  }
});
