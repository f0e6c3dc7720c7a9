/**
 * Why AlertmanagerCluster refuses a retention below the longest repeat_interval plus its group_interval, measured
 * with two pinned Alertmanager peers that both receive the same alert (as from two vmalert replicas): with the
 * default retention the second peer finds the first one's notification in the gossiped log and stays silent; with a
 * retention shorter than the gossip delay the log entry is already expired when it arrives (nflog state.merge drops
 * it), and the second peer sends it again. The pinned Alertmanager itself refuses 0s.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { AddressInfo } from 'net';
import { binary, freePort, pollUntilOk, run, start, StartedProcess } from '../../testkit/binaries';
import { settledClusterStatus } from '../../testkit/probes';
import { temporaryDirectories } from '../support/temp';

const tempDir = temporaryDirectories();
/** Each peer waits its position times this before notifying; short, so the test is quick. */
const PEER_TIMEOUT = '2s';
/** group_wait + the second peer's wait + sending, with room for a slow machine. */
const SETTLE_MS = 12_000;
const GOSSIP_TIMEOUT_MS = 40_000;

interface Webhook {
  readonly url: string;
  readonly posts: () => number;
  close(): Promise<void>;
}

async function webhook(): Promise<Webhook> {
  let posts = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      posts += 1;
      res.end('ok');
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, posts: () => posts, close: () => new Promise(resolve => server.close(() => resolve())) };
}

/** Two meshed peers with `retention`, both sent the same alert; how many notifications reach the webhook. */
async function notificationsWithRetention(retention: string): Promise<number> {
  const hook = await webhook();
  const dir = tempDir('am-retention-');
  const config = path.join(dir, 'alertmanager.yml');
  fs.writeFileSync(config, [
    'route: { receiver: hook, group_by: [alertname], group_wait: 1s, group_interval: 5m, repeat_interval: 4h }',
    `receivers: [{ name: hook, webhook_configs: [{ url: "${hook.url}", send_resolved: false }] }]`,
  ].join('\n'));
  const web = [await freePort(), await freePort()];
  const mesh = [await freePort(), await freePort()];
  const peers: StartedProcess[] = [];
  try {
    for (const i of [0, 1]) {
      peers.push(start(binary('alertmanager'), [
        `--config.file=${config}`, `--storage.path=${path.join(dir, `data-${i}`)}`, `--data.retention=${retention}`,
        `--web.listen-address=127.0.0.1:${web[i]}`, `--cluster.listen-address=127.0.0.1:${mesh[i]}`,
        `--cluster.advertise-address=127.0.0.1:${mesh[i]}`, `--cluster.peer=127.0.0.1:${mesh[1 - i]}`,
        `--cluster.peer-timeout=${PEER_TIMEOUT}`, '--log.level=warn',
      ]));
    }
    for (const i of [0, 1]) expect(await pollUntilOk(`http://127.0.0.1:${web[i]}/-/ready`, peers[i], GOSSIP_TIMEOUT_MS)).toBe(200);
    for (const port of web) await settledClusterStatus(`http://127.0.0.1:${port}`, 2, GOSSIP_TIMEOUT_MS);
    const alert = JSON.stringify([{ labels: { alertname: 'RetentionProbe', severity: 'critical' }, startsAt: new Date().toISOString() }]);
    for (const port of web) {
      const res = await fetch(`http://127.0.0.1:${port}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: alert });
      expect(res.status).toBe(200);
    }
    await new Promise(resolve => setTimeout(resolve, SETTLE_MS));
    return hook.posts();
  } finally {
    await Promise.all(peers.map(p => p.stop()));
    await hook.close();
  }
}

test('with the default retention two peers send one notification for one alert', async () => {
  expect(await notificationsWithRetention('120h')).toBe(1);
}, 90_000);

test('with retention 1ms both peers send it: the duplicate AlertmanagerCluster refuses', async () => {
  expect(await notificationsWithRetention('1ms')).toBe(2);
}, 90_000);

test('retention 0s: the pinned Alertmanager exits at start', () => {
  const dir = tempDir('am-retention-zero-');
  fs.writeFileSync(path.join(dir, 'alertmanager.yml'), 'route: { receiver: none }\nreceivers: [{ name: none }]\n');
  const result = run(binary('alertmanager'), [
    `--config.file=${path.join(dir, 'alertmanager.yml')}`, `--storage.path=${dir}`, '--data.retention=0s',
    '--web.listen-address=127.0.0.1:0', '--cluster.listen-address=',
  ], { timeoutMs: 20_000 });
  expect(result.code).not.toBe(0);
  expect(result.stdout + result.stderr).toContain('Options.Retention must be positive');
});
