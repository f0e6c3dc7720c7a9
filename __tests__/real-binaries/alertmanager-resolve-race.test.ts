/**
 * Why the charts' flushes must not fall on vmalert's evaluations: measured with two pinned Alertmanager peers that
 * receive the same alerts, as from a vmalert replica. Each peer flushes a group on its own timer, every group_interval
 * after the group was created, and notifies with the alerts it holds at that instant. When a resolution reaches the
 * peers on both sides of that instant, the first peer sends RESOLVED, and the second, still holding the alert as
 * firing, finds a log entry with no firing alerts and sends FIRING again (dedup_stage.go: a resolved entry counts as
 * "first notification"), then RESOLVED a group_interval later. When the resolution reaches both peers between two
 * flushes, one RESOLVED leaves. A group created by an alert older than group_wait is flushed at once, so its flushes
 * fall exactly on the evaluations that send alerts: the alignment the test charts and the group_wait check avoid.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { AddressInfo } from 'net';
import { binary, freePort, pollUntilOk, start, StartedProcess } from '../../testkit/binaries';
import { sleep } from '../../testkit/http';
import { settledClusterStatus } from '../../testkit/probes';
import { temporaryDirectories } from '../support/temp';

const tempDir = temporaryDirectories();
const GROUP_INTERVAL_MS = 6_000;
/** The second peer waits this before it reads the notification log. */
const PEER_TIMEOUT_MS = 2_000;
/** How far before or after a flush the resolution reaches a peer. */
const OFFSET_MS = 700;
const GOSSIP_TIMEOUT_MS = 40_000;

interface Notification {
  readonly status: string;
  /** The sending peer's position in the mesh (its external URL names it). */
  readonly position: number;
}

interface Peer {
  readonly url: string;
  readonly process: StartedProcess;
}

/** Two meshed peers ordered by their mesh position (0 sends at once, 1 waits the peer timeout). */
async function startPeers(hookUrl: string): Promise<Peer[]> {
  const dir = tempDir('am-resolve-race-');
  const config = path.join(dir, 'alertmanager.yml');
  fs.writeFileSync(config, [
    `route: { receiver: hook, group_by: [alertname], group_wait: 1s, group_interval: ${GROUP_INTERVAL_MS / 1000}s, repeat_interval: 4h }`,
    `receivers: [{ name: hook, webhook_configs: [{ url: "${hookUrl}", send_resolved: true }] }]`,
  ].join('\n'));
  const web = [await freePort(), await freePort()];
  const mesh = [await freePort(), await freePort()];
  const peers = [0, 1].map(i => ({
    url: `http://127.0.0.1:${web[i]}`,
    process: start(binary('alertmanager'), [
      `--config.file=${config}`, `--storage.path=${path.join(dir, `data-${i}`)}`,
      `--web.listen-address=127.0.0.1:${web[i]}`, `--web.external-url=http://127.0.0.1:${web[i]}`,
      `--cluster.listen-address=127.0.0.1:${mesh[i]}`, `--cluster.advertise-address=127.0.0.1:${mesh[i]}`,
      `--cluster.peer=127.0.0.1:${mesh[1 - i]}`, `--cluster.peer-timeout=${PEER_TIMEOUT_MS / 1000}s`, '--log.level=warn',
    ]),
  }));
  for (const peer of peers) expect(await pollUntilOk(`${peer.url}/-/ready`, peer.process, GOSSIP_TIMEOUT_MS)).toBe(200);
  const positions = await Promise.all(peers.map(meshPosition));
  return positions[0] === 0 ? peers : [peers[1], peers[0]];
}

/** A peer's position once its mesh has settled: its name's index among the sorted member names (cluster/cluster.go, Position). */
async function meshPosition(peer: Peer): Promise<number> {
  const status = await settledClusterStatus(peer.url, 2, GOSSIP_TIMEOUT_MS);
  return status.peers.map(p => p.name).sort().indexOf(status.name);
}

async function post(peer: Peer, alert: object): Promise<void> {
  const res = await fetch(`${peer.url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([alert]) });
  expect(res.status).toBe(200);
}


/**
 * The notifications of one incident when its resolution reaches peer 0 at `resolveAtMs[0]` and peer 1 at
 * `resolveAtMs[1]`, both counted from the instant the firing alert created the group (its first flush).
 */
async function notificationsWhenResolvedAt(resolveAtMs: readonly [number, number]): Promise<Notification[]> {
  const received: Array<{ status: string; externalURL: string }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.end('ok');
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', () => resolve()));
  const peers = await startPeers(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  try {
    // startsAt a minute old, as vmalert sends it after `for:`: the group flushes the moment it is created.
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    const labels = { alertname: 'ResolveRace', job: 'vmstorage' };
    const created = Date.now();
    await Promise.all(peers.map(peer => post(peer, { labels, startsAt, endsAt: new Date(created + 600_000).toISOString() })));
    await Promise.all(peers.map(async (peer, i) => {
      await sleep(created + resolveAtMs[i] - Date.now());
      await post(peer, { labels, startsAt, endsAt: new Date().toISOString() });
    }));
    // The second peer's stale FIRING and its RESOLVED one group_interval later have had time to leave.
    await sleep(created + 2 * GROUP_INTERVAL_MS + PEER_TIMEOUT_MS + 3_000 - Date.now());
    return received.map(r => ({ status: r.status, position: peers.findIndex(p => p.url === r.externalURL) }));
  } finally {
    await Promise.all(peers.map(p => p.process.stop()));
    await new Promise(resolve => server.close(resolve));
  }
}

test('a resolution that reaches the peers on both sides of a flush gives a stale FIRING and a second RESOLVED', async () => {
  // GIVEN a firing group on two peers, flushed every 6 s since it was created
  // WHEN the resolution reaches peer 0 just before the first group_interval flush and peer 1 just after it
  const notifications = await notificationsWhenResolvedAt([GROUP_INTERVAL_MS - OFFSET_MS, GROUP_INTERVAL_MS + OFFSET_MS]);

  // THEN peer 0 sends FIRING, then RESOLVED; peer 1 repeats the FIRING it still held, then resolves it too
  expect(notifications).toEqual([
    { status: 'firing', position: 0 },
    { status: 'resolved', position: 0 },
    { status: 'firing', position: 1 },
    { status: 'resolved', position: 1 },
  ]);
}, 90_000);

test('a resolution that reaches both peers between two flushes gives one FIRING and one RESOLVED', async () => {
  // GIVEN the same group
  // WHEN the resolution reaches both peers half a group_interval away from any flush
  const halfway = GROUP_INTERVAL_MS / 2;
  const notifications = await notificationsWhenResolvedAt([halfway, halfway + 2 * OFFSET_MS]);

  // THEN one notification each way, both from peer 0
  expect(notifications).toEqual([
    { status: 'firing', position: 0 },
    { status: 'resolved', position: 0 },
  ]);
}, 90_000);
