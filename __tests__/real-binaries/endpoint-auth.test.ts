/**
 * Endpoint auth proven with the pinned binaries: the synthesized vmalert container args, with the mounted Secrets and
 * ConfigMaps materialized, run the real vmalert against a real vmauth (TLS with a CA this test makes, basic auth for
 * reads, a bearer token for writes, the tenant in the URL path) in front of a real victoria-metrics, and a mutual-TLS
 * Alertmanager stand-in that demands a bearer token. Marker secrets are planted in every Secret; none may show up in
 * the manifests, in vmalert's argv or in its log. Then the rotation of a password file is timed.
 */
import { constants as cryptoConstants } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as path from 'path';
import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import * as yaml from 'js-yaml';
import { RulesConfigMap, VmalertHa } from '../../constructs';
import { endpointAuthFlags, httpAuthFlags } from '../../constructs/vmalert/endpoint-auth';
import { EXTERNAL_OBJECTS, SECURED_PATTERNS, securedClusterChart } from '../../examples/secured-cluster';
import {
  containerArgs, expandEnvRefs, extractRuleFiles, K8sObject, mirrorPodFiles, podSpecOf, rewriteArgPaths,
} from '../../constructs/testing/manifests';
import { binary, freePort, pollUntilOk, run, start, StartedProcess } from '../../testkit/binaries';
import { assertRealToolsAccept } from '../../constructs/testing/index';
import { leaks, processArgv, secretObject } from '../support/leaks';
import { temporaryDirectories } from '../support/temp';
import { TestCa } from '../support/tls';

jest.setTimeout(120_000);

const tempDir = temporaryDirectories();
/** Marker secret values: each may only ever be in a Secret (and in the servers that check it). */
const MARKERS = {
  read: 'MARKER-read-pw-5b1e',
  restore: 'MARKER-restore-pw-77c2',
  write: 'MARKER-write-token-a91f',
  notifier: 'MARKER-am-token-3d0c',
  ui: 'MARKER-ui-pw-c4e8',
};
const VMAUTH_NAME = 'vmauth.monitoring.svc';
const ALERTMANAGER_NAME = 'alertmanager.monitoring.svc';

async function waitUntil<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000, context = () => ''): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise(r => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}\n${context()}`);
}

/** Stand-in servers on loopback, closed after the file's tests. */
const standIns: http.Server[] = [];
afterAll(() => standIns.forEach(server => server.close()));

/** An HTTP stand-in on a free loopback port; returns the port. */
async function listen(handler: http.RequestListener): Promise<number> {
  const server = http.createServer(handler);
  const port = await freePort();
  await new Promise<void>(resolve => server.listen(port, '127.0.0.1', resolve));
  standIns.push(server);
  return port;
}

function get(url: string, auth?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 3_000, headers: auth ? { Authorization: `Basic ${Buffer.from(auth).toString('base64')}` } : {} }, res => {
      let body = '';
      res.on('data', c => { body += String(c); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

describe('vmalert with every endpoint secured, all credentials from mounted Secret files', () => {
  const processes: StartedProcess[] = [];
  const servers: Array<http.Server | https.Server> = [];
  let ca: TestCa;
  let objects: K8sObject[];
  let vmalert: StartedProcess;
  let vmalertArgs: string[];
  let vmalertUrl: string;
  let vmUrl: string;
  let mirrorRoot: string;
  const notifications: Array<{ authorization?: string; clientCn?: string; body: string }> = [];

  beforeAll(async () => {
    const dir = tempDir('endpoint-auth-');
    ca = new TestCa(path.join(dir, 'ca'));
    const vmauthCert = ca.issue('vmauth', { dns: [VMAUTH_NAME] });
    const amCert = ca.issue('alertmanager', { dns: [ALERTMANAGER_NAME] });
    const clientCert = ca.issue('vmalert', {}, 'clientAuth');

    // victoria-metrics, reachable only through vmauth's tenant routes
    const vmPort = await freePort();
    vmUrl = `http://127.0.0.1:${vmPort}`;
    const vm = start(binary('victoria-metrics'), [`-storageDataPath=${path.join(dir, 'vm')}`, `-httpListenAddr=127.0.0.1:${vmPort}`, '-search.latencyOffset=1s']);
    processes.push(vm);
    expect(await pollUntilOk(`${vmUrl}/health`, vm)).toBe(200);

    // vmauth: TLS; the reader and the restorer by basic auth may only select, the writer by bearer token may only insert
    const vmauthPort = await freePort();
    const route = (kind: 'select' | 'insert') => [{ src_paths: [`/${kind}/0/prometheus/.*`], url_prefix: `${vmUrl}/`, drop_src_path_prefix_parts: 3 }];
    const authConfig = path.join(dir, 'vmauth.yml');
    fs.writeFileSync(authConfig, yaml.dump({
      users: [
        { username: 'vmalert-read', password: MARKERS.read, url_map: route('select') },
        { username: 'vmalert-restore', password: MARKERS.restore, url_map: route('select') },
        { bearer_token: MARKERS.write, url_map: route('insert') },
      ],
    }));
    const vmauth = start(binary('vmauth'), [`-auth.config=${authConfig}`, `-httpListenAddr=127.0.0.1:${vmauthPort}`,
      '-tls', `-tlsCertFile=${vmauthCert.certFile}`, `-tlsKeyFile=${vmauthCert.keyFile}`]);
    processes.push(vmauth);
    await waitUntil('vmauth', async () => ((await httpsGet(`https://127.0.0.1:${vmauthPort}/health`, ca.cert)) === 'OK' ? true : undefined),
      20_000, () => vmauth.output());

    // an Alertmanager stand-in that demands a client certificate of the CA and records what it got
    const amPort = await freePort();
    const am = https.createServer({ cert: amCert.cert, key: amCert.key, ca: ca.cert, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      let body = '';
      req.on('data', c => { body += String(c); });
      req.on('end', () => {
        const peer = (req.socket as import('tls').TLSSocket).getPeerCertificate();
        notifications.push({ authorization: req.headers.authorization, clientCn: String(peer?.subject?.CN ?? ''), body });
        res.writeHead(req.headers.authorization === `Bearer ${MARKERS.notifier}` ? 200 : 401).end();
      });
    });
    await new Promise<void>(resolve => am.listen(amPort, '127.0.0.1', resolve));
    servers.push(am);

    // GIVEN the chart: the operator's Secrets (marker values) and the CA ConfigMap are created beside it
    const vmalertPort = await freePort();
    const chart = Testing.chart();
    new kplus.ConfigMap(chart, 'ca', { metadata: { name: 'vm-ca', namespace: 'monitoring' }, data: { 'ca.crt': ca.cert } });
    const rules = new RulesConfigMap(chart, 'rules', {
      namespace: 'monitoring',
      groups: [{ name: 'auth-probe', interval: '1s', rules: [
        { record: 'auth_probe:one', expr: 'vector(1)' },
        { alert: 'AuthProbe', expr: 'vector(1)' },
        // vmalert restores the state of rules with a for: only
        { alert: 'AuthProbePending', expr: 'vector(1)', for: '1h' },
      ] }],
    });
    const vmauthBase = `https://127.0.0.1:${vmauthPort}`;
    const caFromConfigMap = { ca: { configMapName: 'vm-ca', key: 'ca.crt' }, serverName: VMAUTH_NAME };
    new VmalertHa(chart, 'vmalert', {
      namespace: 'monitoring',
      rules,
      evaluationInterval: '1s',
      datasourceUrl: `${vmauthBase}/select/0/prometheus`,
      datasourceAuth: { basicAuth: { username: 'vmalert-read', password: { secretName: 'vm-read', key: 'password' } }, tls: caFromConfigMap },
      remoteReadUrl: `${vmauthBase}/select/0/prometheus`,
      remoteReadAuth: {
        basicAuth: { username: 'vmalert-restore', password: { secretName: 'vm-restore', key: 'password' } },
        tls: { ca: { secretName: 'vm-ca-secret', key: 'ca.crt' }, serverName: VMAUTH_NAME },
      },
      remoteWriteUrl: `${vmauthBase}/insert/0/prometheus`,
      remoteWriteAuth: { bearerToken: { secretName: 'vm-write', key: 'token' }, tls: caFromConfigMap },
      notifiers: [`https://127.0.0.1:${amPort}`],
      notifierAuth: {
        bearerToken: { secretName: 'am-token', key: 'token' },
        tls: {
          ca: { configMapName: 'vm-ca', key: 'ca.crt' },
          clientCert: { secretName: 'vmalert-client', key: 'tls.crt' },
          clientKey: { secretName: 'vmalert-client', key: 'tls.key' },
          serverName: ALERTMANAGER_NAME,
        },
      },
      httpAuth: { username: 'ops', password: { secretName: 'vmalert-ui', key: 'password' } },
    });
    objects = Testing.synth(chart) as K8sObject[];
    const operatorSecrets = [
      secretObject('vm-read', { password: MARKERS.read }),
      secretObject('vm-restore', { password: MARKERS.restore }),
      secretObject('vm-ca-secret', { 'ca.crt': ca.cert }),
      secretObject('vm-write', { token: MARKERS.write }),
      secretObject('am-token', { token: MARKERS.notifier }),
      secretObject('vmalert-client', { 'tls.crt': clientCert.cert, 'tls.key': clientCert.key }),
      secretObject('vmalert-ui', { password: MARKERS.ui }),
    ];

    // WHEN the real vmalert runs the container's args, mounted files materialized
    const deployment = objects.find(o => o.kind === 'Deployment')!;
    const podSpec = podSpecOf(deployment)!;
    mirrorRoot = path.join(dir, 'pod');
    const mirror = mirrorPodFiles([...objects, ...operatorSecrets], podSpec, mirrorRoot);
    vmalertArgs = rewriteArgPaths(containerArgs(podSpec.containers[0]), mirror)
      .map(a => (a.startsWith('-httpListenAddr=') ? `-httpListenAddr=127.0.0.1:${vmalertPort}` : a));
    vmalert = start(binary('vmalert'), vmalertArgs, { env: { ...process.env, POD_NAME: 'vmalert-0', POD_NAMESPACE: 'monitoring' } });
    processes.push(vmalert);
    vmalertUrl = `http://127.0.0.1:${vmalertPort}`;
    expect(await pollUntilOk(`${vmalertUrl}/-/ready`, vmalert)).toBe(200);
  });

  afterAll(async () => {
    for (const server of servers) server.close();
    for (const p of processes.reverse()) await p.stop();
  });

  test('the args carry file paths only: *File flags and httpAuth\'s file:// form', () => {
    const args = containerArgs(podSpecOf(objects.find(o => o.kind === 'Deployment')!)!.containers[0]);
    expect(args.filter(a => /(passwordFile|bearerTokenFile|tlsCAFile|tlsCertFile|tlsKeyFile)=/.test(a)).every(a => /=\/etc\/vmalert\/(secrets|configmaps)\//.test(a))).toBe(true);
    expect(args).toContain('-httpAuth.password=file:///etc/vmalert/secrets/vmalert-ui/password');
  });

  test('queries pass vmauth with basic auth over TLS: the alert fires', async () => {
    const alerts = await waitUntil('AuthProbe to fire', async () => {
      const res = await get(`${vmalertUrl}/api/v1/alerts`, `ops:${MARKERS.ui}`);
      return res.body.includes('"AuthProbe"') && res.body.includes('"firing"') ? res.body : undefined;
    }, 30_000, () => vmalert.output());
    expect(alerts).toContain('AuthProbe');
  });

  test('recording results and alert state pass vmauth with the bearer token: they are in the storage', async () => {
    for (const series of ['auth_probe:one', 'ALERTS', 'ALERTS_FOR_STATE']) {
      await waitUntil(`${series} in victoria-metrics`, async () => {
        await get(`${vmUrl}/internal/force_flush`);
        const res = await get(`${vmUrl}/api/v1/series?match[]=${encodeURIComponent(series)}`);
        return JSON.parse(res.body).data.length > 0 ? true : undefined;
      }, 30_000, () => vmalert.output());
    }
  });

  test('state restore at start read through vmauth as its own user', async () => {
    // vmauth counts requests per user; the restorer is used by -remoteRead.url only
    const vmauthPort = new URL(vmalertArgs.find(a => a.startsWith('-remoteRead.url='))!.slice('-remoteRead.url='.length)).port;
    const counted = await waitUntil('vmauth to count the restorer', async () => {
      const res = await httpsGet(`https://127.0.0.1:${vmauthPort}/metrics`, ca.cert);
      const line = res.split('\n').find(l => l.startsWith('vmauth_user_requests_total{username="vmalert-restore"}'));
      return line && Number(line.split(' ').pop()) > 0 ? line : undefined;
    }, 30_000, () => vmalert.output());
    expect(counted).toMatch(/vmalert-restore/);
    expect(vmalert.output()).not.toMatch(/cannot restore|failed to restore|restore.*(401|Unauthorized)/i);
  });

  test('the Alertmanager gets the alert over mutual TLS with the bearer token', async () => {
    const received = await waitUntil('a notification', async () => notifications.find(n => n.body.includes('AuthProbe')), 30_000, () => vmalert.output());
    expect({ authorization: received.authorization, clientCn: received.clientCn }).toEqual({ authorization: `Bearer ${MARKERS.notifier}`, clientCn: 'vmalert' });
  });

  test('vmalert\'s own API asks for the password file\'s credentials; /health and /-/ready stay open for the probes', async () => {
    expect((await get(`${vmalertUrl}/api/v1/alerts`)).status).toBe(401);
    expect((await get(`${vmalertUrl}/api/v1/alerts`, `ops:${MARKERS.ui}`)).status).toBe(200);
    expect((await get(`${vmalertUrl}/health`)).status).toBe(200);
    expect((await get(`${vmalertUrl}/-/ready`)).status).toBe(200);
  });

  test('no marker secret is in the manifests, in vmalert\'s argv or in its log', () => {
    expect(leaks(Object.values(MARKERS), {
      manifests: JSON.stringify(objects), argv: processArgv(vmalert.process.pid), log: vmalert.output(),
    })).toEqual([]);
  });

  test('a rotated password file is used without a restart, within seconds (measured)', async () => {
    // GIVEN vmalert's own API password, rotated the way the kubelet does: a new file swapped in atomically
    const file = path.join(mirrorRoot, 'etc/vmalert/secrets/vmalert-ui/password');
    const rotated = 'MARKER-ui-pw-rotated-19ad';
    const swap = `${file}.new`;
    fs.writeFileSync(swap, rotated);
    // WHEN
    const before = Date.now();
    fs.renameSync(swap, file);
    // THEN the new password is accepted and the old refused, with the same process
    const pid = vmalert.process.pid;
    await waitUntil('the rotated password', async () => ((await get(`${vmalertUrl}/api/v1/alerts`, `ops:${rotated}`)).status === 200 ? true : undefined), 15_000);
    const elapsedMs = Date.now() - before;
    expect((await get(`${vmalertUrl}/api/v1/alerts`, `ops:${MARKERS.ui}`)).status).toBe(401);
    expect(vmalert.process.pid).toBe(pid);
    expect(vmalert.process.exitCode).toBeNull();
    // vmalert re-reads a password file at most every 2 s (lib/flagutil.Password)
    expect(elapsedMs).toBeLessThan(5_000);
  });
});

function httpsGet(url: string, caCert: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca: caCert, servername: VMAUTH_NAME, timeout: 3_000 }, res => {
      let body = '';
      res.on('data', c => { body += String(c); });
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
  });
}

describe('endpoint credential rotation with the real vmalert', () => {
  let vmalert: StartedProcess | undefined;
  afterAll(async () => {
    await vmalert?.stop();
  });

  test('a rotated datasource password file is sent on the next queries, without a restart (measured)', async () => {
    // GIVEN a datasource stand-in that records each request's basic-auth password, and vmalert reading it from a file
    const dir = tempDir('rotation-');
    const passwordFile = path.join(dir, 'password');
    fs.writeFileSync(passwordFile, 'MARKER-old-pw');
    const seen: Array<{ at: number; password: string }> = [];
    const port = await listen((req, res) => {
      const header = req.headers.authorization ?? '';
      const password = Buffer.from(header.replace(/^Basic /, ''), 'base64').toString().split(':')[1] ?? '';
      seen.push({ at: Date.now(), password });
      res.writeHead(200, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }));
    });
    const rules = path.join(dir, 'rules.yml');
    fs.writeFileSync(rules, yaml.dump({ groups: [{ name: 'g', interval: '1s', rules: [{ alert: 'Probe', expr: 'up == 0' }] }] }));
    vmalert = start(binary('vmalert'), [`-rule=${rules}`, `-datasource.url=http://127.0.0.1:${port}`, '-notifier.blackhole',
      '-datasource.basicAuth.username=vmalert', `-datasource.basicAuth.passwordFile=${passwordFile}`, `-httpListenAddr=127.0.0.1:${await freePort()}`]);
    await waitUntil('a first query', async () => (seen.some(s => s.password === 'MARKER-old-pw') ? true : undefined), 20_000, () => vmalert!.output());
    // WHEN the file is swapped atomically, as the kubelet updates a Secret volume
    fs.writeFileSync(`${passwordFile}.new`, 'MARKER-new-pw');
    const rotatedAt = Date.now();
    fs.renameSync(`${passwordFile}.new`, passwordFile);
    // THEN the new password arrives within seconds, from the same process, and the old one stops
    const first = await waitUntil('the new password', async () => seen.find(s => s.password === 'MARKER-new-pw'), 15_000, () => vmalert!.output());
    await new Promise(r => setTimeout(r, 2_500));
    const latest = seen[seen.length - 1];
    expect(latest.password).toBe('MARKER-new-pw');
    expect(vmalert.process.exitCode).toBeNull();
    // the auth header is cached for about 1 s (lib/promauth); allow the evaluation interval on top
    expect(first.at - rotatedAt).toBeLessThan(5_000);
  });
});

describe('examples/secured-cluster.ts with the pinned binaries', () => {
  test.each(SECURED_PATTERNS.map(p => [p]))('vmalert\'s flag parser accepts the "%s" container args', pattern => {
    // GIVEN the pattern's synthesized container args, mounted paths pointing at extracted copies
    const objects = Testing.synth(securedClusterChart(pattern, Testing.app({ outdir: tempDir('secured-app-') }))) as K8sObject[];
    const { secrets, configMaps } = EXTERNAL_OBJECTS[pattern];
    const outOfBand = [
      ...secrets.map(name => secretObject(name, { placeholder: 'x' })),
      ...configMaps.map(name => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'monitoring' }, data: { 'ca.crt': 'x' } }) as K8sObject),
    ];
    const extracted = extractRuleFiles([...objects, ...outOfBand], tempDir('secured-rules-'));
    const { container, mirror } = extracted.containers[0];
    const args = expandEnvRefs(rewriteArgPaths(containerArgs(container), mirror), { POD_NAME: 'vmalert-0', POD_NAMESPACE: 'monitoring' });
    // WHEN the real vmalert parses them and checks the rules (-dryRun: no connection is made)
    const result = run(binary('vmalert'), [...args, '-dryRun']);
    // THEN
    expect({ code: result.code, output: result.stderr.split('\n').filter(l => /error|fatal|not defined/i.test(l)).join('\n') }).toEqual({ code: 0, output: '' });
  });

  test('the public testing helper accepts a chart whose credentials Secrets are created out of band', () => {
    // GIVEN the mutual-TLS pattern: its Secrets and CA ConfigMap are not in the chart
    const chart = securedClusterChart('mutual-tls', Testing.app({ outdir: tempDir('secured-app-') }));
    // WHEN / THEN the real vmalert and amtool accept it
    const checks = assertRealToolsAccept(chart, { vmalertBin: binary('vmalert'), amtoolBin: binary('amtool') });
    expect(checks.map(c => c.ok)).toEqual([true, true]);
  });

  test('every flag endpointAuthFlags and httpAuthFlags can write is one the pinned vmalert has', () => {
    // GIVEN every option on every endpoint (basic auth and OAuth2 need two runs: they exclude each other)
    const ref = (key: string) => ({ secretName: 's', key });
    const tls = { ca: ref('ca'), clientCert: ref('crt'), clientKey: ref('key'), serverName: 'vm', insecureSkipVerifyDangerous: true };
    const endpoints = ['datasource', 'remoteWrite', 'remoteRead', 'notifier'] as const;
    const basic = endpoints.flatMap(e => endpointAuthFlags(e, { basicAuth: { username: 'u', password: ref('pw') }, tls, headers: { 'X-Team': 'a' } }).args);
    const oauth = endpoints.flatMap(e => endpointAuthFlags(e, { oauth2: { clientId: 'c', clientSecret: ref('cs'), tokenUrl: 'https://idp/token', scopes: ['a'] } }).args);
    const bearer = endpoints.flatMap(e => endpointAuthFlags(e, { bearerToken: ref('t') }).args);
    const ui = httpAuthFlags({ username: 'ops', password: ref('ui') }, 'httpAuth').args;
    const rules = path.join(tempDir('flags-'), 'rules.yml');
    fs.writeFileSync(rules, yaml.dump({ groups: [{ name: 'g', rules: [{ alert: 'A', expr: 'up' }] }] }));
    for (const args of [basic, oauth, bearer, ui]) {
      // WHEN vmalert parses them (-dryRun reads no credential file)
      const result = run(binary('vmalert'), [`-rule=${rules}`, '-dryRun', ...args]);
      // THEN none is unknown
      expect({ args, code: result.code, unknown: result.stderr.split('\n').filter(l => /not defined/.test(l)) }).toEqual({ args, code: 0, unknown: [] });
    }
  });

  test('vmauth -dryRun accepts examples/files/vmauth-tenants.yml', () => {
    const config = path.join(__dirname, '..', '..', 'examples', 'files', 'vmauth-tenants.yml');
    const result = run(binary('vmauth'), [`-auth.config=${config}`, '-dryRun'], {
      env: { ...process.env, TENANT_42_PASSWORD: 'x', TENANT_43_PASSWORD: 'y' },
    });
    expect({ code: result.code, output: result.code === 0 ? '' : result.stderr }).toEqual({ code: 0, output: '' });
  });
});

describe('OAuth2 client credentials and headers with the real vmalert', () => {
  let vmalert: StartedProcess | undefined;
  afterAll(async () => {
    await vmalert?.stop();
  });

  test('vmalert gets a token with the client secret from its file and sends it with the custom header', async () => {
    // GIVEN a token endpoint and a datasource in one stand-in, and the flags endpointAuthFlags makes, files in place
    const dir = tempDir('oauth2-');
    const tokenRequests: string[] = [];
    const queries: Array<{ authorization?: string; team?: string }> = [];
    const port = await listen((req, res) => {
      let body = '';
      req.on('data', c => { body += String(c); });
      req.on('end', () => {
        if (req.url === '/token') {
          tokenRequests.push(`${req.headers.authorization ?? ''} ${body}`);
          res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ access_token: 'MARKER-access-token', token_type: 'bearer', expires_in: 3600 }));
          return;
        }
        queries.push({ authorization: req.headers.authorization, team: req.headers['x-team'] as string | undefined });
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }));
      });
    });
    const flags = endpointAuthFlags('datasource', {
      oauth2: { clientId: 'vmalert', clientSecret: { secretName: 'idp', key: 'client-secret' }, tokenUrl: `http://127.0.0.1:${port}/token`, scopes: ['metrics.read'] },
      headers: { 'X-Team': 'platform' },
    });
    const secretFile = path.join(dir, 'etc/vmalert/secrets/idp/client-secret');
    fs.mkdirSync(path.dirname(secretFile), { recursive: true });
    fs.writeFileSync(secretFile, 'MARKER-client-secret');
    const args = flags.args.map(a => a.replace('=/etc/vmalert/', `=${dir}/etc/vmalert/`));
    const rules = path.join(dir, 'rules.yml');
    fs.writeFileSync(rules, yaml.dump({ groups: [{ name: 'g', interval: '1s', rules: [{ alert: 'Probe', expr: 'up == 0' }] }] }));
    // WHEN vmalert evaluates against it
    vmalert = start(binary('vmalert'), [`-rule=${rules}`, `-datasource.url=http://127.0.0.1:${port}`, '-notifier.blackhole',
      `-httpListenAddr=127.0.0.1:${await freePort()}`, ...args]);
    const query = await waitUntil('an authenticated query', async () => queries.find(q => q.authorization), 20_000, () => vmalert!.output());
    // THEN the token came from the client credentials grant with the file's secret, and the query carries token and header
    expect(tokenRequests[0]).toMatch(/grant_type=client_credentials/);
    expect(tokenRequests[0]).toMatch(/scope=metrics.read/);
    const basic = Buffer.from('vmalert:MARKER-client-secret').toString('base64');
    expect(tokenRequests[0].includes(`Basic ${basic}`) || tokenRequests[0].includes('client_secret=MARKER-client-secret')).toBe(true);
    expect(query).toEqual({ authorization: 'Bearer MARKER-access-token', team: 'platform' });
    expect(leaks(['MARKER-client-secret'], { argv: processArgv(vmalert.process.pid), log: vmalert.output() })).toEqual([]);
  });
});

describe('notifier auth inside -notifier.config (replicaLabel) with the real vmalert', () => {
  let vmalert: StartedProcess | undefined;
  afterAll(async () => {
    await vmalert?.stop();
  });

  test('the synthesized notifier config sends basic auth from the password file and drops the replica label', async () => {
    // GIVEN a datasource answering 1, an Alertmanager stand-in, and a VmalertHa with replicaLabel and notifierAuth
    const notified: Array<{ authorization?: string; body: string }> = [];
    const amPort = await listen((req, res) => {
      let body = '';
      req.on('data', c => { body += String(c); });
      req.on('end', () => {
        notified.push({ authorization: req.headers.authorization, body });
        res.writeHead(200).end();
      });
    });
    const dsPort = await listen((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' })
      .end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [Date.now() / 1000, '1'] }] } })));
    const chart = Testing.chart();
    const rules = new RulesConfigMap(chart, 'rules', { namespace: 'monitoring', groups: [{ name: 'g', interval: '1s', rules: [{ alert: 'NotifierAuthProbe', expr: 'up' }] }] });
    new VmalertHa(chart, 'vmalert', {
      namespace: 'monitoring', rules, evaluationInterval: '1s', replicaLabel: 'replica',
      datasourceUrl: `http://127.0.0.1:${dsPort}`, notifiers: [`http://127.0.0.1:${amPort}`],
      notifierAuth: { basicAuth: { username: 'vmalert', password: { secretName: 'am-basic', key: 'password' } } },
    });
    const objects = Testing.synth(chart) as K8sObject[];
    const podSpec = podSpecOf(objects.find(o => o.kind === 'Deployment')!)!;
    const mirror = mirrorPodFiles([...objects, secretObject('am-basic', { password: 'MARKER-am-basic-pw' })], podSpec, tempDir('notifier-config-'));
    // the kubelet mounts at /etc/vmalert/...: point the config's password_file at the materialized copy
    const notifierFile = mirror.files.find(f => f.endsWith('notifier.yml'))!;
    fs.writeFileSync(notifierFile, fs.readFileSync(notifierFile, 'utf8').replace(/\/etc\/vmalert\/secrets\/\S+/g, file => mirror.rewritePath(file)));
    const listenPort = await freePort();
    const args = expandEnvRefs(rewriteArgPaths(containerArgs(podSpec.containers[0]), mirror), { POD_NAME: 'vmalert-0', POD_NAMESPACE: 'monitoring' })
      .map(a => (a.startsWith('-httpListenAddr=') ? `-httpListenAddr=127.0.0.1:${listenPort}` : a));
    // WHEN the real vmalert runs with them
    vmalert = start(binary('vmalert'), args);
    const hit = await waitUntil('a notification', async () => notified.find(n => n.body.includes('NotifierAuthProbe')), 30_000, () => vmalert!.output());
    // THEN
    expect(hit.authorization).toBe(`Basic ${Buffer.from('vmalert:MARKER-am-basic-pw').toString('base64')}`);
    expect(hit.body).not.toContain('vmalert-0');
    expect(leaks(['MARKER-am-basic-pw'], { argv: processArgv(vmalert.process.pid), log: vmalert.output() })).toEqual([]);
  });
});

/**
 * A directory laid out the way the kubelet writes a Secret volume (AtomicWriter): the keys are symlinks into
 * `..data`, itself a symlink to a timestamped directory, swapped with one rename so every key changes at once.
 */
class SecretVolumeDir {
  private generation = 0;
  constructor(public readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
  }

  /** Write all keys as one new version. */
  public write(data: Record<string, string>): void {
    const version = `..${Date.now()}_${this.generation++}`;
    fs.mkdirSync(path.join(this.dir, version));
    for (const [key, value] of Object.entries(data)) fs.writeFileSync(path.join(this.dir, version, key), value);
    fs.symlinkSync(version, path.join(this.dir, '..data_tmp'));
    fs.renameSync(path.join(this.dir, '..data_tmp'), path.join(this.dir, '..data'));
    for (const key of Object.keys(data)) {
      if (!fs.existsSync(path.join(this.dir, key))) fs.symlinkSync(path.join('..data', key), path.join(this.dir, key));
    }
  }
}

describe('TLS material rotation with the real vmalert', () => {
  let vmalert: StartedProcess | undefined;
  let server: https.Server | undefined;
  afterAll(async () => {
    server?.close();
    await vmalert?.stop();
  });

  /**
   * A mutual-TLS datasource (closing every connection, as a proxy that recycles them does) and vmalert reading its
   * CA and client certificate from a Secret-volume-like directory. Returns what each request presented.
   */
  async function startPair(dir: string, ca: TestCa, volume: SecretVolumeDir) {
    const serverCert = ca.issue('vmselect', { dns: ['vmselect.monitoring.svc'] });
    const seen: Array<{ at: number; cn: string }> = [];
    // No session tickets: a resumed TLS session carries the client certificate of its first handshake.
    server = https.createServer({
      cert: serverCert.cert, key: serverCert.key, ca: ca.cert, requestCert: true, rejectUnauthorized: true, secureOptions: cryptoConstants.SSL_OP_NO_TICKET,
    }, (req, res) => {
      seen.push({ at: Date.now(), cn: String((req.socket as import('tls').TLSSocket).getPeerCertificate()?.subject?.CN ?? '') });
      res.writeHead(200, { 'Content-Type': 'application/json', 'Connection': 'close' })
        .end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }));
    });
    const port = await freePort();
    await new Promise<void>(resolve => server!.listen(port, '127.0.0.1', resolve));
    const ref = (key: string) => ({ secretName: 'vmalert-client-tls', key });
    const flags = endpointAuthFlags('datasource', { tls: { ca: ref('ca.crt'), clientCert: ref('tls.crt'), clientKey: ref('tls.key'), serverName: 'vmselect.monitoring.svc' } })
      .args.map(a => a.replace('=/etc/vmalert/secrets/vmalert-client-tls/', `=${volume.dir}/`));
    const rules = path.join(dir, 'rules.yml');
    fs.writeFileSync(rules, yaml.dump({ groups: [{ name: 'g', interval: '1s', rules: [{ alert: 'Probe', expr: 'up == 0' }] }] }));
    vmalert = start(binary('vmalert'), [`-rule=${rules}`, `-datasource.url=https://127.0.0.1:${port}`, '-notifier.blackhole',
      `-httpListenAddr=127.0.0.1:${await freePort()}`, ...flags]);
    return seen;
  }

  test('a renewed client certificate (key and certificate swapped together, as cert-manager does) is used on the next connection, without a restart (measured)', async () => {
    // GIVEN
    const dir = tempDir('cert-rotation-');
    const ca = new TestCa(path.join(dir, 'ca'));
    const volume = new SecretVolumeDir(path.join(dir, 'secret'));
    const first = ca.issue('vmalert-2026-01', {}, 'clientAuth');
    volume.write({ 'ca.crt': ca.cert, 'tls.crt': first.cert, 'tls.key': first.key });
    const seen = await startPair(dir, ca, volume);
    await waitUntil('a query with the first certificate', async () => seen.find(s => s.cn === 'vmalert-2026-01'), 20_000, () => vmalert!.output());
    // WHEN the Secret is renewed in one atomic swap
    const renewed = ca.issue('vmalert-2026-02', {}, 'clientAuth');
    const renewedAt = Date.now();
    volume.write({ 'ca.crt': ca.cert, 'tls.crt': renewed.cert, 'tls.key': renewed.key });
    // THEN the same process presents the new certificate within seconds, and only it afterwards
    const hit = await waitUntil('a query with the renewed certificate', async () => seen.find(s => s.cn === 'vmalert-2026-02'), 20_000, () => vmalert!.output());
    await new Promise(r => setTimeout(r, 2_500));
    expect(seen[seen.length - 1].cn).toBe('vmalert-2026-02');
    expect(vmalert!.process.exitCode).toBeNull();
    expect(hit.at - renewedAt).toBeLessThan(5_000);
  });

  test('a new CA is read only at start: the running process keeps the old bundle, a restarted one trusts the new (measured)', async () => {
    // GIVEN vmalert trusting CA 1 through the Secret volume, the server using a CA 1 certificate
    await vmalert?.stop();
    server?.close();
    const dir = tempDir('ca-rotation-');
    const ca1 = new TestCa(path.join(dir, 'ca1'), '/CN=test CA 1');
    const ca2 = new TestCa(path.join(dir, 'ca2'), '/CN=test CA 2');
    const volume = new SecretVolumeDir(path.join(dir, 'secret'));
    const client = ca1.issue('vmalert', {}, 'clientAuth');
    volume.write({ 'ca.crt': ca1.cert, 'tls.crt': client.cert, 'tls.key': client.key });
    const seen = await startPair(dir, ca1, volume);
    await waitUntil('a first query', async () => (seen.length > 0 ? true : undefined), 20_000, () => vmalert!.output());
    // WHEN the bundle gains CA 2 and the server switches to a CA 2 certificate
    volume.write({ 'ca.crt': ca1.cert + ca2.cert, 'tls.crt': client.cert, 'tls.key': client.key });
    const next = ca2.issue('vmselect-2', { dns: ['vmselect.monitoring.svc'] });
    server!.setSecureContext({ cert: next.cert, key: next.key, ca: ca1.cert });
    await new Promise(r => setTimeout(r, 1_500));
    const before = seen.length;
    await new Promise(r => setTimeout(r, 8_000));
    // THEN the running process fails every query (it verifies with the bundle it read at start)...
    expect({ queries: seen.length - before, log: /certificate signed by unknown authority/.test(vmalert!.output()) }).toEqual({ queries: 0, log: true });
    // ...and a new process (a rolled pod) with the same files succeeds
    const args = vmalert!.process.spawnargs.slice(1);
    await vmalert!.stop();
    const listen = `-httpListenAddr=127.0.0.1:${await freePort()}`;
    vmalert = start(binary('vmalert'), args.map(arg => (arg.startsWith('-httpListenAddr=') ? listen : arg)));
    const afterRestart = seen.length;
    await waitUntil('a query after the restart', async () => (seen.length > afterRestart ? true : undefined), 20_000, () => vmalert!.output());
  });
});
