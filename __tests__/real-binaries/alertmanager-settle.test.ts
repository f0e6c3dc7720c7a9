/**
 * Does the pinned Alertmanager's /-/ready wait for the mesh to settle? Measured: no. A peer answers ready at once
 * and settles into the gossip mesh seconds later, so the StatefulSet's minReadySeconds must cover the settle time.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { AlertmanagerCluster } from '../../constructs';
import { ALERTMANAGER_MIN_READY_SECONDS } from '../../constructs/core/constants';
import { EMAIL_CONFIG, only, synth } from '../support/synth';
import { binary, freePort, httpStatus, start, StartedProcess } from '../../testkit/binaries';

const PEERS = ['127.43.0.1', '127.43.0.2', '127.43.0.3'];
const SETTLED = 'gossip settled; proceeding';

let workDir: string;
const procs: StartedProcess[] = [];
beforeAll(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'alertmanager-settle-'));
  fs.writeFileSync(path.join(workDir, 'alertmanager.yml'), 'route: { receiver: none }\nreceivers: [{ name: none }]\n');
});
afterAll(async () => {
  await Promise.all(procs.map(p => p.stop()));
  fs.rmSync(workDir, { recursive: true, force: true });
}, 30_000);

async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<number | undefined> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check()) return Date.now() - started;
    await new Promise(r => setTimeout(r, 50));
  }
  return undefined;
}

test('a peer joining a mesh answers /-/ready before it has settled, and settles within minReadySeconds', async () => {
  // GIVEN three pinned Alertmanagers meshed on loopback, each with its own address
  const meshPort = await freePort(PEERS[0]);
  const webPort = await freePort(PEERS[0]);
  const startPeer = (address: string, i: number) => {
    const proc = start(binary('alertmanager'), [
      `--config.file=${path.join(workDir, 'alertmanager.yml')}`,
      `--storage.path=${fs.mkdtempSync(path.join(workDir, `peer${i}-`))}`,
      `--web.listen-address=${address}:${webPort}`,
      `--cluster.listen-address=${address}:${meshPort}`,
      `--cluster.advertise-address=${address}:${meshPort}`,
      ...PEERS.map(peer => `--cluster.peer=${peer}:${meshPort}`),
    ]);
    procs.push(proc);
    return proc;
  };
  const peers = PEERS.map(startPeer);
  const meshed = await waitUntil(() => peers.every(p => p.output().includes(SETTLED)), 60_000);
  expect({ meshed: meshed !== undefined, output: peers.map(p => p.output()).join('\n') }).toEqual({ meshed: true, output: expect.any(String) });

  // WHEN the third peer restarts, as in a rollout
  await peers[2].stop();
  const restarted = startPeer(PEERS[2], 3);
  const readyAfterMs = await waitUntil(async () => (await httpStatus(`http://${PEERS[2]}:${webPort}/-/ready`)) === 200, 30_000);
  const settledAfterMs = await waitUntil(() => restarted.output().includes(SETTLED), 60_000);

  // THEN it is ready long before it has settled, and settles well within the rollout's minReadySeconds
  expect(readyAfterMs).toBeDefined();
  expect(settledAfterMs).toBeDefined();
  expect(readyAfterMs!).toBeLessThan(settledAfterMs! - 5_000);
  expect(settledAfterMs!).toBeLessThan(ALERTMANAGER_MIN_READY_SECONDS * 1000);
}, 120_000);

test('the StatefulSet waits minReadySeconds after each ready peer', () => {
  const chart = Testing.chart();
  new AlertmanagerCluster(chart, 'am', { config: EMAIL_CONFIG });
  expect(only(synth(chart), 'StatefulSet').spec.minReadySeconds).toBe(ALERTMANAGER_MIN_READY_SECONDS);
});
