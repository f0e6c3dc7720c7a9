/**
 * A secured cluster, end to end with the pinned binaries: a real vmauth with TLS (a CA this test makes) in front of
 * the storage, basic auth for reads and state restore, a bearer token for writes; vmalert's own API behind httpAuth;
 * an Alertmanager webhook receiver whose URL and bearer token come from Secret files. Marker secrets sit in every
 * Secret; none may be in dist/, in any process's argv or in any log.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { AlertmanagerCluster, RulesConfigMap, VmalertHa } from '../constructs';
import { readManifests } from '../constructs/testing/manifests';
import { freePort } from '../testkit/binaries';
import { leaks, processArgv } from '../__tests__/support/leaks';
import { TestCa } from '../__tests__/support/tls';
import { sleep, waitFor } from '../testkit/http';
import { collectLogs, registerResource, testWorkDir, useE2eLifecycle } from '../testkit/lifecycle';
import { VmalertAlert } from '../testkit/probes';
import { E2eStack, RunningPod } from '../testkit/stack';
import { Vmauth } from '../testkit/vmauth';

useE2eLifecycle();

const NAMESPACE = 'monitoring';
const VMAUTH_HOST = `vmauth.${NAMESPACE}.svc`;
const MARKERS = {
  read: 'MARKER-e2e-read-pw-4c1d',
  write: 'MARKER-e2e-write-token-8e2a',
  ui: 'MARKER-e2e-ui-pw-b7f3',
  hookToken: 'MARKER-e2e-hook-token-19c0',
  hookPath: 'MARKER-e2e-hook-path-6d5e',
};
const UI_USER = 'ops';
const ALERT = 'SecuredProbe';
/** Long enough that the alert is still pending after both replicas were rolled. */
const ALERT_FOR = '1m';
const EVALUATION_INTERVAL = '5s';
const PENDING_BEFORE_ROLLOUT_MS = 10_000;

/** The chart, synthesized by a cdk8s App into `distDir` as `cdk8s synth` writes dist/. */
function synthesize(distDir: string): void {
  const app = new App({ outdir: distDir });
  const chart = new Chart(app, 'secured', { namespace: NAMESPACE });
  const alertmanager = new AlertmanagerCluster(chart, 'alertmanager', {
    config: {
      route: { receiver: 'hook', groupWait: '2s', groupInterval: '35s', repeatInterval: '1h' },
      receivers: [{
        name: 'hook',
        webhookConfigs: [{ url: { secretName: 'e2e-hook', key: 'url' }, httpConfig: { bearerToken: { secretName: 'e2e-hook', key: 'token' } } }],
      }],
    },
  });
  const rules = new RulesConfigMap(chart, 'rules', {
    groups: [{ name: 'secured', interval: EVALUATION_INTERVAL, rules: [{ alert: ALERT, expr: 'vector(1)', for: ALERT_FOR }] }],
  });
  const tls = { ca: { secretName: 'vm-ca', key: 'ca.crt' }, serverName: VMAUTH_HOST };
  const read = { basicAuth: { username: 'vmalert-read', password: { secretName: 'vmalert-read', key: 'password' } }, tls };
  new VmalertHa(chart, 'vmalert', {
    replicas: 2,
    rules,
    evaluationInterval: EVALUATION_INTERVAL,
    datasourceUrl: `https://${VMAUTH_HOST}:8427/select/0/prometheus`,
    datasourceAuth: read,
    remoteReadUrl: `https://${VMAUTH_HOST}:8427/select/0/prometheus`,
    remoteReadAuth: read,
    remoteWriteUrl: `https://${VMAUTH_HOST}:8427/insert/0/prometheus`,
    remoteWriteAuth: { bearerToken: { secretName: 'vmalert-write', key: 'token' }, tls },
    notifiers: alertmanager,
    httpAuth: { username: UI_USER, password: { secretName: 'vmalert-ui', key: 'password' } },
  });
  app.synth();
}

/** A webhook receiver on loopback that records each request's Authorization header and path. */
async function startWebhook(): Promise<{ url: string; received: Array<{ authorization?: string; path?: string; body: string }> }> {
  const received: Array<{ authorization?: string; path?: string; body: string }> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', c => { body += String(c); });
    req.on('end', () => {
      received.push({ authorization: req.headers.authorization, path: req.url, body });
      res.writeHead(200).end();
    });
  });
  const port = await freePort();
  await new Promise<void>(resolve => server.listen(port, '127.0.0.1', resolve));
  registerResource('webhook', { close: () => new Promise<void>(resolve => server.close(() => resolve())), logs: () => `${received.length} requests` });
  return { url: `http://127.0.0.1:${port}/hook/${MARKERS.hookPath}`, received };
}

/** vmalert's alerts through its httpAuth-protected API. */
async function alertsOf(pod: RunningPod, password = MARKERS.ui): Promise<{ status: number; alerts: VmalertAlert[] }> {
  const res = await fetch(`${pod.url}/api/v1/alerts`, { headers: { Authorization: `Basic ${Buffer.from(`${UI_USER}:${password}`).toString('base64')}` } });
  if (!res.ok) return { status: res.status, alerts: [] };
  const body = await res.json() as { data: { alerts: VmalertAlert[] } };
  return { status: res.status, alerts: body.data.alerts };
}

async function pendingProbe(pod: RunningPod): Promise<VmalertAlert> {
  return waitFor(`vmalert ${pod.name} to hold ${ALERT}`, async () => (await alertsOf(pod)).alerts.find(a => a.name === ALERT),
    { timeoutMs: 60_000, pollMs: 500 });
}

test('vmalert behind a TLS vmauth evaluates, writes and restores state; the webhook gets the alert; no secret leaks', async () => {
  // GIVEN the synthesized dist/, a CA and vmauth's certificate, the operator's Secrets holding marker values
  const workDir = testWorkDir();
  const distDir = path.join(workDir, 'dist');
  synthesize(distDir);
  const ca = new TestCa(path.join(workDir, 'ca'));
  const vmauthCert = ca.issue('vmauth', { dns: [VMAUTH_HOST] });
  const hook = await startWebhook();
  const route = (kind: 'select' | 'insert', vmUrl: string) => [{ src_paths: [`/${kind}/0/prometheus/.*`], url_prefix: `${vmUrl}/`, drop_src_path_prefix_parts: 3 }];
  const stack = await E2eStack.start({
    objects: readManifests(distDir),
    dedupInterval: EVALUATION_INTERVAL,
    outOfBandSecrets: {
      'vmalert-read': { password: MARKERS.read },
      'vmalert-write': { token: MARKERS.write },
      'vm-ca': { 'ca.crt': ca.cert },
      'vmalert-ui': { password: MARKERS.ui },
      'e2e-hook': { url: hook.url, token: MARKERS.hookToken },
    },
    smtpSmarthost: 'smtp.unused.e2e.test:25',
    storageLatencyOffset: '1s',
    feed: { stepSeconds: 5, historySeconds: 60 },
    vmauth: {
      users: vmUrl => [
        { username: 'vmalert-read', password: MARKERS.read, url_map: route('select', vmUrl) },
        { name: 'vmalert-write', bearer_token: MARKERS.write, url_map: route('insert', vmUrl) },
      ],
      tls: { certFile: vmauthCert.certFile, keyFile: vmauthCert.keyFile },
    },
  });
  const vmauth = stack.proxies[0] as Vmauth;

  // WHEN both replicas evaluate (queries: basic auth over TLS) and write state (bearer token over TLS)
  const before = await Promise.all(stack.vmalerts.map(pod => pendingProbe(pod)));
  await waitFor('ALERTS_FOR_STATE written through vmauth', async () => ((await stack.vm.query('ALERTS_FOR_STATE')).length > 0 ? true : undefined),
    { timeoutMs: 30_000, pollMs: 1_000 });
  expect(await vmauth.userRequests('vmalert-read')).toBeGreaterThan(0);
  expect(await vmauth.userRequests('vmalert-write')).toBeGreaterThan(0);
  // ...and every replica is rolled while the alert is pending (state restore: basic auth over TLS)
  await sleep(PENDING_BEFORE_ROLLOUT_MS);
  const rolledFrom = stack.vmalerts.map(p => p.name);
  for (const old of [...stack.vmalerts]) await stack.rolloutReplica(old);
  const after = await Promise.all(stack.vmalerts.map(pod => pendingProbe(pod)));

  // THEN the new pods kept the for: timer (restored activeAt, to the second)
  expect(stack.vmalerts.filter(p => rolledFrom.includes(p.name))).toEqual([]);
  const activeBefore = new Set(before.map(a => Math.floor(Date.parse(a.activeAt) / 1000)));
  // (firing by now is fine: the timer went on through the rollout; a restarted one would be pending with a new activeAt)
  for (const alert of after) {
    expect(['pending', 'firing']).toContain(alert.state);
    expect(activeBefore).toContain(Math.floor(Date.parse(alert.activeAt) / 1000));
  }
  // vmalert's API refuses a wrong password, accepts the Secret's
  expect((await alertsOf(stack.vmalerts[0], 'wrong')).status).toBe(401);
  // the alert fires and the webhook gets it with the bearer token from credentials_file, at the URL from url_file
  const delivered = await waitFor('the webhook to receive the firing alert',
    async () => hook.received.find(r => r.body.includes(ALERT) && r.body.includes('"firing"')), { timeoutMs: 120_000, pollMs: 1_000 });
  expect({ authorization: delivered.authorization, path: delivered.path })
    .toEqual({ authorization: `Bearer ${MARKERS.hookToken}`, path: `/hook/${MARKERS.hookPath}` });

  // and no marker is in dist/, in any process's argv or in any log
  const distText = fs.readdirSync(distDir).map(f => fs.readFileSync(path.join(distDir, f), 'utf8')).join('\n');
  const pods = [...stack.vmalerts, ...stack.alertmanagers];
  const processes = [...pods.map(p => p.process), stack.vm.process, vmauth.process];
  expect(processes.every(p => p.running)).toBe(true);
  expect(leaks(Object.values(MARKERS), {
    'dist/': distText,
    ...Object.fromEntries(processes.map(p => [`argv of ${p.name}`, processArgv(p.pid)])),
    logs: collectLogs(),
  })).toEqual([]);
});
