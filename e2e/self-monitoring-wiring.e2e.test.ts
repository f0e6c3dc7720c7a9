/**
 * Self-monitoring wired as shipped, end to end with the pinned binaries:
 *  - the vmagent scrape configs that SelfMonitoringScrape generates (read back from the synthesized ConfigMap)
 *    run in the real vmagent; only Kubernetes pod discovery is replaced by static targets carrying the
 *    `__meta_kubernetes_*` labels the pods would have (testkit/pod-discovery.ts);
 *  - the dead man's switch: the Watchdog reaches a heartbeat webhook whose URL Alertmanager reads from a
 *    Secret file, once per interval, and stops when every vmalert is gone.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { heartbeatRepeatMs, WATCHDOG_ALERT } from '../constructs/self-monitoring/dead-mans-switch';
import { SELF_MONITORING_ALERTS } from '../constructs/self-monitoring/self-monitoring';
import { sleep, waitFor } from '../testkit/http';
import { testWorkDir, useE2eLifecycle } from '../testkit/lifecycle';
import { LoopbackBlock } from '../testkit/loopback';
import { DiscoveredPod, discoveredPod, generatedScrapeConfigs, withStaticPodDiscovery } from '../testkit/pod-discovery';
import { vmalertAlerts, VmalertAlert } from '../testkit/probes';
import { startChartStack } from '../testkit/scenario';
import { RunningPod } from '../testkit/stack';
import {
  ALERTMANAGER_REPLICAS, E2E_EVALUATION_INTERVAL_SECONDS, E2E_SCRAPE_JOBS, NAMESPACE, VMALERT_REPLICAS,
} from '../testkit/test-chart';
import { startVmagent } from '../testkit/vmagent';
import { WebhookSink } from '../testkit/webhook-sink';

useE2eLifecycle();

const SELF_MONITORING_FOR = '10s';
const SELF_MONITORING_FOR_MS = 10_000;
const SCRAPE_INTERVAL = '2s';
const SCRAPED_TIMEOUT_MS = 60_000;
const ALERT_TIMEOUT_MS = 90_000;
const POLL_MS = 1_000;
/** Heartbeat interval of the test chart: above the 3 peers' wait ((3 - 1) x 15s), as AlertmanagerCluster requires. */
const HEARTBEAT_INTERVAL = '35s';
const HEARTBEAT_INTERVAL_MS = 35_000;
/** vmalert sends alerts with endsAt = 4 x the evaluation interval ahead: Alertmanager holds them that long. */
const ALERT_RESOLVE_MS = 4 * E2E_EVALUATION_INTERVAL_SECONDS * 1000;
/** The last of three Alertmanager peers waits 2 x 15s for the others before it sends. */
const PEER_WAITS_MS = (ALERTMANAGER_REPLICAS - 1) * 15_000;
const HEARTBEAT_SECRET = { secretName: 'heartbeat-url', key: 'url' } as const;
const HEARTBEAT_TOKEN = 'e2e-heartbeat-0f3c9a';

function hostPort(pod: RunningPod): string {
  return new URL(pod.url).host;
}

async function activeSelfMonitoringAlerts(vmalert: RunningPod): Promise<VmalertAlert[]> {
  const names: readonly string[] = SELF_MONITORING_ALERTS;
  return (await vmalertAlerts(vmalert.url)).filter((a) => names.includes(a.name));
}

async function waitFiring(vmalert: RunningPod, name: string, count = 1): Promise<VmalertAlert[]> {
  return waitFor(`vmalert ${vmalert.name} to fire ${name}`, async () => {
    const firing = (await vmalertAlerts(vmalert.url)).filter((a) => a.name === name && a.state === 'firing');
    return firing.length === count ? firing : undefined;
  }, { timeoutMs: ALERT_TIMEOUT_MS, pollMs: POLL_MS });
}

test('the generated vmagent scrape configs keep exactly our pods under the rules\' jobs; self-monitoring is silent when healthy and fires on each fault', async () => {
  // GIVEN the test chart with the self-monitoring rules and SelfMonitoringScrape (jobs e2e-vmalert, e2e-alertmanager)
  const { stack, chart } = await startChartStack({
    scrape: true,
    selfMonitoring: { targetDownFor: SELF_MONITORING_FOR, clusterMembersFor: SELF_MONITORING_FOR, errorsFor: SELF_MONITORING_FOR },
  });
  const generated = generatedScrapeConfigs(chart.objects);
  expect(generated.map((c) => c.job_name)).toEqual([
    `cdk8s-vmalert-ha/${NAMESPACE}/${E2E_SCRAPE_JOBS.vmalert}`, `cdk8s-vmalert-ha/${NAMESPACE}/${E2E_SCRAPE_JOBS.alertmanager}`,
  ]);
  // AND discovery listing our pods (every container port, the Alertmanager mesh ports too) and pods that must be left out:
  // another release's vmalert in the namespace, a finished vmalert pod, and our Alertmanager labels in another namespace
  const [vmalert0, vmalert1] = stack.vmalerts;
  const ours = (): DiscoveredPod[] => [...stack.vmalerts, ...stack.alertmanagers].map((pod) => discoveredPod(pod));
  const ourPodNames = ours().map((p) => p.name).sort();
  const decoys: DiscoveredPod[] = [
    discoveredPod(vmalert0, {
      name: 'other-release-vmalert-0', ip: stack.loopback.allocate(),
      labels: { ...discoveredPod(vmalert0).labels, 'cdk8s.io/metadata.addr': 'other-release-vmalert' },
    }),
    discoveredPod(vmalert0, { name: 'e2e-vmalert-finished', ip: stack.loopback.allocate(), phase: 'Succeeded' }),
    discoveredPod(stack.alertmanagers[0], { name: 'alertmanager-elsewhere-0', namespace: 'elsewhere', ip: stack.loopback.allocate() }),
  ];
  const scrapeFile = path.join(testWorkDir(), 'vmagent', 'alerting-stack', 'scrape-configs.yml');
  const discover = (pods: DiscoveredPod[]) => {
    fs.mkdirSync(path.dirname(scrapeFile), { recursive: true });
    fs.writeFileSync(scrapeFile, yaml.dump(withStaticPodDiscovery(generated, pods), { lineWidth: -1 }));
  };
  discover([...ours(), ...decoys]);

  // WHEN the pinned vmagent includes the file through scrape_config_files, as docs/self-monitoring.md says
  await startVmagent({
    address: stack.loopback.allocate(), workDir: testWorkDir(), vmUrl: stack.vm.url, scrapeInterval: SCRAPE_INTERVAL,
    scrapeConfigFiles: [scrapeFile], configCheckInterval: '1s',
  });

  // THEN exactly our 5 pods are scraped, each on its metrics port, under the jobs the rules select
  const targets = VMALERT_REPLICAS + ALERTMANAGER_REPLICAS;
  const up = await waitFor(`${targets} targets up`, async () => {
    const series = await stack.vm.query('up');
    return series.length === targets && series.every((s) => s.value[1] === '1') ? series : undefined;
  }, { timeoutMs: SCRAPED_TIMEOUT_MS, pollMs: POLL_MS });
  const seen = up.map((s) => `${s.metric.job} ${s.metric.instance} ${s.metric.pod} ${s.metric.namespace} ${s.metric.container}`).sort();
  expect(seen).toEqual([
    ...stack.vmalerts.map((p) => `${E2E_SCRAPE_JOBS.vmalert} ${hostPort(p)} ${p.name} ${NAMESPACE} vmalert`),
    ...stack.alertmanagers.map((p) => `${E2E_SCRAPE_JOBS.alertmanager} ${hostPort(p)} ${p.name} ${NAMESPACE} alertmanager`),
  ].sort());
  // AND each component's own metrics arrive under its job
  await waitFor('vmalert and Alertmanager metrics under their jobs', async () => {
    const vmalertReloads = await stack.vm.query(`vmalert_config_last_reload_successful{job="${E2E_SCRAPE_JOBS.vmalert}"}`);
    const members = await stack.vm.query(`alertmanager_cluster_members{job="${E2E_SCRAPE_JOBS.alertmanager}"}`);
    return vmalertReloads.length === VMALERT_REPLICAS && members.length === ALERTMANAGER_REPLICAS ? true : undefined;
  }, { timeoutMs: SCRAPED_TIMEOUT_MS, pollMs: POLL_MS });

  // AND no self-monitoring alert is active on the healthy stack, and none comes up for longer than a `for:`
  for (const vmalert of stack.vmalerts) {
    await waitFor(`vmalert ${vmalert.name} to have no self-monitoring alert`, async () =>
      ((await activeSelfMonitoringAlerts(vmalert)).length === 0 ? true : undefined), { timeoutMs: ALERT_TIMEOUT_MS, pollMs: POLL_MS });
  }
  await sleep(SELF_MONITORING_FOR_MS + 2 * E2E_EVALUATION_INTERVAL_SECONDS * 1000);
  for (const vmalert of stack.vmalerts) expect(await activeSelfMonitoringAlerts(vmalert)).toEqual([]);

  // WHEN one vmalert's process dies while its pod is still listed (a crash loop)
  await stack.killPod(vmalert1);
  // THEN the other fires VmalertDown for exactly that target
  const down = await waitFiring(vmalert0, 'VmalertDown');
  expect(down[0].labels).toMatchObject({ job: E2E_SCRAPE_JOBS.vmalert, instance: hostPort(vmalert1), pod: vmalert1.name, severity: 'warning' });

  // WHEN discovery no longer lists any of our pods (e.g. their labels changed), only the decoys
  discover(decoys);
  // THEN both *NotScraped alerts fire
  for (const name of ['VmalertNotScraped', 'AlertmanagerNotScraped']) {
    const firing = await waitFiring(vmalert0, name);
    expect(firing[0].labels.severity).toBe('warning');
  }
  // AND the decoys were never scraped: every `up` series ever written belongs to one of our pods
  const everScraped = await stack.vm.query('count by (pod) (count_over_time(up[10m]))');
  expect(everScraped.map((s) => s.metric.pod).sort()).toEqual(ourPodNames);
});

test('the Watchdog reaches the heartbeat URL from the Secret once per interval, and stops when every vmalert stops', async () => {
  // GIVEN a heartbeat service, and its URL (with a token) in a Secret created out of band
  const sink = await WebhookSink.start(new LoopbackBlock().allocate());
  const heartbeatUrl = `${sink.url}/ping/${HEARTBEAT_TOKEN}`;
  // AND the test chart with the Watchdog routed to it every 35s
  const { stack } = await startChartStack(
    { deadMansSwitch: { urlSecret: HEARTBEAT_SECRET, interval: HEARTBEAT_INTERVAL, groupWait: '2s' } },
    undefined,
    undefined,
    { [HEARTBEAT_SECRET.secretName]: { [HEARTBEAT_SECRET.key]: heartbeatUrl } },
  );
  // The URL is in no argument and not in alertmanager.yml: Alertmanager reads it from the mounted file.
  for (const pod of [...stack.vmalerts, ...stack.alertmanagers]) expect(pod.args.join(' ')).not.toContain(HEARTBEAT_TOKEN);

  // WHEN the stack runs
  const first = await waitFor('the first heartbeat', async () => (sink.requests.length > 0 ? sink.requests[0] : undefined),
    { timeoutMs: 60_000, pollMs: 500 });
  // Three heartbeats: two gaps, each of which a duplicate from another peer or a missed beat would show.
  await waitFor('three heartbeats', async () => (sink.requests.length >= 3 ? true : undefined),
    { timeoutMs: 2 * (HEARTBEAT_INTERVAL_MS + PEER_WAITS_MS), pollMs: 500 });

  // THEN each heartbeat is one POST of the Watchdog alone to the URL from the Secret
  const beats = [...sink.requests];
  for (const beat of beats) {
    expect(beat.method).toBe('POST');
    expect(beat.path).toBe(`/ping/${HEARTBEAT_TOKEN}`);
    expect(beat.body).toMatchObject({ receiver: 'heartbeat', status: 'firing', groupLabels: { alertname: WATCHDOG_ALERT } });
    expect(beat.body.alerts.map((a: any) => a.labels.alertname)).toEqual([WATCHDOG_ALERT]);
  }
  expect(first.body.alerts[0].labels.severity).toBe('none');
  // AND the three peers send one heartbeat per interval between them: no gap below the repeat interval (no
  // duplicate from another peer), none above the interval plus the peers' waits
  const gaps = beats.slice(1).map((b, i) => b.receivedAt - beats[i].receivedAt);
  process.stdout.write(`heartbeat gaps (ms): ${gaps.join(', ')}\n`);
  const repeatMs = heartbeatRepeatMs(HEARTBEAT_INTERVAL_MS);
  for (const gap of gaps) {
    expect(gap).toBeGreaterThan(repeatMs - 1_000);
    expect(gap).toBeLessThan(HEARTBEAT_INTERVAL_MS + PEER_WAITS_MS + 5_000);
  }
  // AND the Watchdog never reaches the email receiver
  expect(stack.smtp.mails.map((m) => m.subject).filter((s) => s.includes(WATCHDOG_ALERT))).toEqual([]);

  // WHEN every vmalert stops
  for (const vmalert of [...stack.vmalerts]) await stack.stopPod(vmalert);
  const stoppedAt = Date.now();

  // THEN no heartbeat arrives once the last Watchdog sent has expired, for two intervals (with the peers' waits)
  await sleep(ALERT_RESOLVE_MS + 5_000 + 2 * HEARTBEAT_INTERVAL_MS + PEER_WAITS_MS);
  // A peer still waiting its turn when the alert expired may send the last one up to its wait later.
  const late = sink.requests.filter((r) => r.receivedAt > stoppedAt + ALERT_RESOLVE_MS + PEER_WAITS_MS + 5_000);
  process.stdout.write(`heartbeats after the stop: ${sink.requests.filter((r) => r.receivedAt > stoppedAt).length} (late: ${late.length})\n`);
  expect(late).toEqual([]);
  // AND the email receiver still got nothing about it
  expect(stack.smtp.mails.map((m) => m.subject).filter((s) => s.includes(WATCHDOG_ALERT))).toEqual([]);
}, 480_000);
