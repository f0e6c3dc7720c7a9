/**
 * Alertmanager secrets proven with the pinned Alertmanager: the typed receivers' `*_file` config passes
 * `amtool check-config`, and a real alertmanager started with the synthesized args delivers an alert to a webhook
 * whose URL and bearer credentials it reads only from mounted Secret files. Marker values stay out of the manifests,
 * argv and log.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { AlertmanagerCluster, AlertmanagerConfig } from '../../constructs';
import { containerArgs, extractAlertmanagerConfig, K8sObject, rewriteArgPaths } from '../../constructs/testing/manifests';
import { binary, freePort, pollUntilOk, run, start, StartedProcess } from '../../testkit/binaries';
import { leaks, processArgv, secretObject } from '../support/leaks';
import { temporaryDirectories } from '../support/temp';

jest.setTimeout(90_000);

const tempDir = temporaryDirectories();
const MARKERS = {
  webhookToken: 'MARKER-hook-bearer-0e4f',
  slackUrl: 'https://hooks.slack.example/services/MARKER-slack-9a1b',
  routingKey: 'MARKER-pd-routing-55aa',
  teamsUrl: 'https://teams.example/workflows/MARKER-teams-2c3d',
  botToken: '123456:MARKER-telegram-7e7e',
};

const ref = (secretName: string, key: string) => ({ secretName, key });

/** The chart and the operator's Secrets (marker values) for an Alertmanager with every typed receiver. */
function synthesize(webhookUrl: string): { objects: K8sObject[]; secrets: K8sObject[] } {
  const chart = Testing.chart();
  const config: AlertmanagerConfig = {
    route: { receiver: 'hook', groupBy: ['alertname'], groupWait: '1s', groupInterval: '1m', routes: [{ matchers: ['team="chat"'], receiver: 'chat' }] },
    receivers: [
      { name: 'hook', webhookConfigs: [{ url: ref('hook', 'url'), httpConfig: { bearerToken: ref('hook', 'token') } }] },
      {
        name: 'chat',
        slackConfigs: [{ apiUrl: ref('slack', 'url'), channel: '#alerts' }],
        pagerdutyConfigs: [{ routingKey: ref('pagerduty', 'routing-key') }],
        msteamsConfigs: [{ webhookUrl: ref('teams', 'url') }],
        telegramConfigs: [{ botToken: ref('telegram', 'token'), chatId: -100123 }],
      },
    ],
  };
  new AlertmanagerCluster(chart, 'am', { replicas: 1, namespace: 'monitoring', config });
  return {
    objects: Testing.synth(chart) as K8sObject[],
    secrets: [
      secretObject('hook', { url: webhookUrl, token: MARKERS.webhookToken }),
      secretObject('slack', { url: MARKERS.slackUrl }),
      secretObject('pagerduty', { 'routing-key': MARKERS.routingKey }),
      secretObject('teams', { url: MARKERS.teamsUrl }),
      secretObject('telegram', { token: MARKERS.botToken }),
    ],
  };
}

describe('typed receivers with the real pinned Alertmanager', () => {
  let server: http.Server;
  let alertmanager: StartedProcess | undefined;
  let mountedTokenFile: string;
  let postAlert: (alertname: string) => Promise<number>;
  const received: Array<{ authorization?: string; path?: string; body: string }> = [];
  afterAll(async () => {
    server?.close();
    await alertmanager?.stop();
  });

  test('amtool check-config accepts every typed receiver\'s file form', async () => {
    // GIVEN
    const { objects, secrets } = synthesize('http://127.0.0.1:1/hook');
    const am = extractAlertmanagerConfig([...objects, ...secrets], tempDir('am-check-'));
    // WHEN
    const result = run(binary('amtool'), ['check-config', am.configFile]);
    // THEN
    expect({ code: result.code, output: result.stdout + result.stderr }).toEqual({ code: 0, output: expect.stringContaining('SUCCESS') });
    expect(am.placeholderFiles).toEqual([]);
  });

  test('the webhook receives the alert with the bearer token from credentials_file, at the URL from url_file', async () => {
    // GIVEN a webhook that records what arrives
    const hookPort = await freePort();
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', c => { body += String(c); });
      req.on('end', () => {
        received.push({ authorization: req.headers.authorization, path: req.url, body });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>(resolve => server.listen(hookPort, '127.0.0.1', resolve));
    const { objects, secrets } = synthesize(`http://127.0.0.1:${hookPort}/alerts/MARKER-path-token-66b0`);
    const dir = tempDir('am-run-');
    const am = extractAlertmanagerConfig([...objects, ...secrets], dir);
    const webPort = await freePort();
    const args = rewriteArgPaths(containerArgs(am.container), am.mirror).map(arg => {
      if (arg.startsWith('--web.listen-address=')) return `--web.listen-address=127.0.0.1:${webPort}`;
      if (arg.startsWith('--storage.path=')) return `--storage.path=${path.join(dir, 'data')}`;
      return arg;
    });
    fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
    // WHEN the real alertmanager runs the container's args and gets an alert
    alertmanager = start(binary('alertmanager'), args);
    expect(await pollUntilOk(`http://127.0.0.1:${webPort}/-/ready`, alertmanager)).toBe(200);
    mountedTokenFile = am.mirror.rewritePath('/etc/alertmanager/secrets/hook/token');
    postAlert = async alertname => (await fetch(`http://127.0.0.1:${webPort}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify([{ labels: { alertname, severity: 'critical' } }]),
    })).status;
    expect(await postAlert('SecretsProbe')).toBe(200);
    // THEN
    const deadline = Date.now() + 30_000;
    while (!received.some(r => r.body.includes('SecretsProbe')) && Date.now() < deadline) await new Promise(r => setTimeout(r, 250));
    const hit = received.find(r => r.body.includes('SecretsProbe'));
    expect({ authorization: hit?.authorization, path: hit?.path, output: hit ? '' : alertmanager.output() })
      .toEqual({ authorization: `Bearer ${MARKERS.webhookToken}`, path: '/alerts/MARKER-path-token-66b0', output: '' });
    // and no marker is in the manifests, the process's argv or its log
    expect(leaks([...Object.values(MARKERS), 'MARKER-path-token-66b0'], {
      manifests: JSON.stringify(objects), argv: processArgv(alertmanager.process.pid), log: alertmanager.output(),
    })).toEqual([]);
  });

  test('a rotated credentials_file is used for the next notification, without a restart (measured)', async () => {
    // GIVEN the running alertmanager of the previous test; the token file swapped the way the kubelet updates a Secret volume
    expect(fs.existsSync(mountedTokenFile)).toBe(true);
    const pid = alertmanager!.process.pid;
    fs.writeFileSync(`${mountedTokenFile}.new`, 'MARKER-hook-bearer-rotated');
    fs.renameSync(`${mountedTokenFile}.new`, mountedTokenFile);
    // WHEN a new alert group is notified
    expect(await postAlert('SecretsProbeAfterRotation')).toBe(200);
    // THEN it carries the new token, from the same process
    const deadline = Date.now() + 30_000;
    while (!received.some(r => r.body.includes('SecretsProbeAfterRotation')) && Date.now() < deadline) await new Promise(r => setTimeout(r, 250));
    expect(received.find(r => r.body.includes('SecretsProbeAfterRotation'))?.authorization).toBe('Bearer MARKER-hook-bearer-rotated');
    expect(alertmanager!.process.pid).toBe(pid);
    expect(alertmanager!.process.exitCode).toBeNull();
  });
});
