/**
 * A secured cluster, end to end with the pinned binaries: a real vmauth with TLS (a CA this test makes) in front of
 * the storage, basic auth for reads and state restore, a bearer token for writes; vmalert's own API behind httpAuth;
 * an Alertmanager webhook receiver whose URL and bearer token come from Secret files. Marker secrets sit in every
 * Secret; none may be in dist/, in any process's argv or in any log.
 *
 * Then TLS on every port: HTTPS and basic auth on Alertmanager's web port, mutual TLS on its mesh, HTTPS on vmalert's
 * port, with certificates and a bcrypt hash made by the test.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { AlertmanagerCluster, RulesConfigMap, VmalertHa } from '../constructs';
import { readManifests } from '../constructs/testing/manifests';
import { freePort } from '../testkit/binaries';
import { leaks, processArgv } from '../__tests__/support/leaks';
import { bcryptHash, TestCa } from '../__tests__/support/tls';
import { binary } from '../testkit/binaries';
import { HttpClient, request, sleep, waitFor } from '../testkit/http';
import { collectLogs, registerResource, testWorkDir, useE2eLifecycle } from '../testkit/lifecycle';
import { alertmanagerClusterStatus, emailNotificationsFailed, VmalertAlert, vmalertAlerts } from '../testkit/probes';
import { startProcess } from '../testkit/processes';
import { E2eStack, RunningPod } from '../testkit/stack';
import { Vmauth } from '../testkit/vmauth';
import { E2E_GROUP_INTERVAL, E2E_GROUP_WAIT, E2E_REPEAT_INTERVAL } from '../testkit/test-chart';

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
      route: { receiver: 'hook', groupWait: E2E_GROUP_WAIT, groupInterval: E2E_GROUP_INTERVAL, repeatInterval: E2E_REPEAT_INTERVAL },
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

const TLS_MARKER = 'MARKER-e2e-am-pw-5a7e';
const MESH_ALERT = 'MeshOverTls';
const MESH_PEERS = 3;
const MESH_PEER_TIMEOUT_MS = 5_000;
/** Long enough for a peer still waiting its turn to send a second copy, were the notification log not shared. */
const MESH_DUPLICATE_WINDOW_MS = (MESH_PEERS - 1) * MESH_PEER_TIMEOUT_MS + 5_000;
/** A peer that cannot join serves its web port only after its join attempts time out (20 s measured). */
const PLAINTEXT_START_TIMEOUT_MS = 45_000;
/** How long the plaintext peer gets to join: the TLS peers settled in about 10 s. */
const PLAINTEXT_JOIN_WINDOW_MS = 15_000;

/** The names the certificates must carry, as the synthesized objects have them. */
interface SecuredNames {
  /** The name every mesh certificate carries (`<headless Service>.<namespace>.svc`). */
  readonly mesh: string;
  /** The Alertmanager UI Service's DNS name. */
  readonly alertmanagerService: string;
  /** The vmalert Service's DNS name. */
  readonly vmalertService: string;
}

/** A chart with TLS on every port: Alertmanager web (HTTPS, basic auth) and mesh (mutual TLS), vmalert's port (HTTPS). */
function synthesizeTls(distDir: string, hash: string): SecuredNames {
  const app = new App({ outdir: distDir });
  const chart = new Chart(app, 'tls', { namespace: NAMESPACE });
  const ca = { secretName: 'e2e-ca', key: 'ca.crt' };
  const alertmanager = new AlertmanagerCluster(chart, 'alertmanager', {
    replicas: MESH_PEERS,
    peerTimeout: `${MESH_PEER_TIMEOUT_MS / 1000}s`,
    config: {
      global: { smtpSmarthost: 'smtp.mail.e2e.test:25', smtpFrom: 'vmalert-ha@example.org', smtpRequireTls: false },
      route: { receiver: 'email', groupWait: E2E_GROUP_WAIT, groupInterval: E2E_GROUP_INTERVAL, repeatInterval: E2E_REPEAT_INTERVAL },
      receivers: [{ name: 'email', emailConfigs: [{ to: 'oncall@example.org' }] }],
    },
    web: {
      tls: { cert: { secretName: 'am-web-tls', key: 'tls.crt' }, key: { secretName: 'am-web-tls', key: 'tls.key' } },
      basicAuthUsers: [{ username: 'vmalert', passwordHash: hash }],
    },
    meshTls: { cert: { secretName: 'am-mesh-tls', key: 'tls.crt' }, key: { secretName: 'am-mesh-tls', key: 'tls.key' }, ca },
  });
  const rules = new RulesConfigMap(chart, 'rules', {
    groups: [{ name: 'mesh', interval: EVALUATION_INTERVAL, rules: [{ alert: MESH_ALERT, expr: 'vector(1)' }] }],
  });
  const vmalert = new VmalertHa(chart, 'vmalert', {
    replicas: 2,
    rules,
    evaluationInterval: EVALUATION_INTERVAL,
    datasourceUrl: 'http://vmselect:8481/select/0/prometheus',
    notifiers: alertmanager,
    // The e2e runner dials pods by loopback address: vmalert checks the certificate for the UI Service's name instead.
    notifierAuth: {
      tls: { ca, serverName: `${alertmanager.service.name}.${NAMESPACE}.svc` },
      basicAuth: { username: 'vmalert', password: { secretName: 'am-password', key: 'password' } },
    },
    webTls: { cert: { secretName: 'vmalert-tls', key: 'tls.crt' }, key: { secretName: 'vmalert-tls', key: 'tls.key' } },
  });
  app.synth();
  return {
    mesh: alertmanager.meshTlsServerName,
    alertmanagerService: `${alertmanager.service.name}.${NAMESPACE}.svc`,
    vmalertService: `${vmalert.service.name}.${NAMESPACE}.svc`,
  };
}

test('TLS on every port: 3 peers gossip over mutual TLS and send one email; a plaintext peer cannot join; no credentials, no answer', async () => {
  // GIVEN certificates and a bcrypt hash made now, the chart synthesized with them, and its pods running
  const workDir = testWorkDir();
  const distDir = path.join(workDir, 'dist');
  const hash = bcryptHash(TLS_MARKER);
  const names = synthesizeTls(distDir, hash);
  const ca = new TestCa(path.join(workDir, 'ca'));
  const amWeb = ca.issue('alertmanager-web', { dns: [`*.${names.mesh}`, names.alertmanagerService] });
  const amMesh = ca.issue('alertmanager-mesh', { dns: [names.mesh] }, 'serverAuth,clientAuth');
  const vmWeb = ca.issue('vmalert-web', { dns: [names.vmalertService] });
  const amClient: HttpClient = { ca: ca.cert, serverName: names.alertmanagerService, basicAuth: { username: 'vmalert', password: TLS_MARKER } };
  const stack = await E2eStack.start({
    objects: readManifests(distDir),
    dedupInterval: EVALUATION_INTERVAL,
    outOfBandSecrets: {
      'e2e-ca': { 'ca.crt': ca.cert },
      'am-web-tls': { 'tls.crt': amWeb.cert, 'tls.key': amWeb.key },
      'am-mesh-tls': { 'tls.crt': amMesh.cert, 'tls.key': amMesh.key },
      'am-password': { password: TLS_MARKER },
      'vmalert-tls': { 'tls.crt': vmWeb.cert, 'tls.key': vmWeb.key },
    },
    smtpSmarthost: 'smtp.mail.e2e.test:25',
    feed: { stepSeconds: 5, historySeconds: 60 },
    clients: { alertmanager: amClient, vmalert: { ca: ca.cert, serverName: names.vmalertService } },
  });
  const [am0] = stack.alertmanagers;
  expect(stack.alertmanagers.map(p => p.url.split(':')[0])).toEqual(['https', 'https', 'https']);
  expect(stack.vmalerts.map(p => p.url.split(':')[0])).toEqual(['https', 'https']);

  // WHEN a peer with the same cluster label but plain gossip tries to join through am-0...
  const plainAddress = stack.loopback.allocate();
  const listenFlags = /^--(web\.listen-address|cluster\.listen-address|cluster\.advertise-address)=/;
  const plainArgs = am0.args
    .filter(arg => !arg.startsWith('--cluster.tls-config='))
    .map(arg => (listenFlags.test(arg) ? arg.split(am0.address).join(plainAddress) : arg))
    .map(arg => (arg.startsWith('--storage.path=') ? `--storage.path=${path.join(workDir, 'plaintext-peer')}` : arg));
  expect(plainArgs.filter(arg => arg.startsWith('--cluster.peer=')).length).toBe(MESH_PEERS);
  const plain = startProcess({ name: 'plaintext-peer', command: binary('alertmanager'), args: plainArgs, cwd: workDir, logDir: path.join(workDir, 'logs') });
  const plainUrl = `https://${plainAddress}:9093`;
  // ...while the alert fires and every vmalert notifies the three peers over HTTPS with basic auth
  const mails = await stack.smtp.waitForMails(new RegExp(`^\\[FIRING:1\\] .*${MESH_ALERT}`), 90_000, MESH_DUPLICATE_WINDOW_MS);
  await waitFor('the plaintext peer to answer', async () => (await request(`${plainUrl}/-/ready`, amClient)).status === 200 || undefined,
    { timeoutMs: PLAINTEXT_START_TIMEOUT_MS });
  await sleep(PLAINTEXT_JOIN_WINDOW_MS);

  // THEN exactly one email, sent by one peer, none failed
  expect(mails.map(m => m.subject)).toEqual([`[FIRING:1]  (${MESH_ALERT} mesh)`]);
  expect([...(await stack.emailsSentByPeer()).values()].reduce((a, b) => a + b, 0)).toBe(1);
  for (const pod of stack.alertmanagers) expect(await emailNotificationsFailed(pod.url, pod.client)).toBe(0);
  for (const pod of stack.vmalerts) {
    expect((await vmalertAlerts(pod.url, pod.client)).map(a => [a.name, a.state])).toEqual([[MESH_ALERT, 'firing']]);
  }
  // the TLS mesh still has its three peers, and the plaintext peer is alone in its own
  for (const pod of stack.alertmanagers) expect((await alertmanagerClusterStatus(pod.url, pod.client)).peers).toHaveLength(MESH_PEERS);
  expect(plain.running).toBe(true);
  expect((await alertmanagerClusterStatus(plainUrl, amClient)).peers).toHaveLength(1);
  // no credentials, a wrong password, plain HTTP or an unknown CA: refused
  expect((await request(`${am0.url}/api/v2/alerts`, { ca: ca.cert, serverName: names.alertmanagerService })).status).toBe(401);
  expect((await request(`${am0.url}/api/v2/alerts`, { ...amClient, basicAuth: { username: 'vmalert', password: 'wrong' } })).status).toBe(401);
  expect((await request(`${am0.url.replace('https:', 'http:')}/api/v2/alerts`, amClient)).status).toBe(400);
  await expect(request(`${am0.url}/api/v2/alerts`, { basicAuth: amClient.basicAuth })).rejects.toThrow(/self-signed certificate|unable to verify/);
  expect((await request(`${stack.vmalerts[0].url.replace('https:', 'http:')}/-/ready`)).status).toBe(400);
  // the password is in no manifest, argv or log; the manifests hold its bcrypt hash only in a Secret
  const distText = fs.readdirSync(distDir).map(f => fs.readFileSync(path.join(distDir, f), 'utf8')).join('\n');
  const processes = [...stack.vmalerts, ...stack.alertmanagers].map(p => p.process);
  expect(leaks([TLS_MARKER], {
    'dist/': distText,
    ...Object.fromEntries(processes.map(p => [`argv of ${p.name}`, processArgv(p.pid)])),
    logs: collectLogs(),
  })).toEqual([]);
  const hashHolders = readManifests(distDir).filter(o => JSON.stringify(o).includes(hash)).map(o => o.kind);
  expect(hashHolders).toEqual(['Secret']);
});
