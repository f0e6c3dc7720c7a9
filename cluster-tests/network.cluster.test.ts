/**
 * The cluster's network alone, without Kubernetes: the bridge, a namespace per node with its own hostname and mount
 * namespace, routes between the pod subnets, and `down` removing all of it. Needs root; no binary but iproute2,
 * util-linux and iptables.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { HOST_ADDRESS, NODES, statePaths } from '../scripts/cluster/layout';
import { down, leftovers } from '../scripts/cluster/lifecycle';
import { hostBridgeUp, hostGuardUp, nodeHolderScript, nodeNetworkUp, podRoutes } from '../scripts/cluster/network';
import { sh, startDaemon, sleep } from '../scripts/cluster/system';

const STATE = '/var/lib/vmalert-ha-cluster-network-test';
const paths = statePaths(STATE);

/** Runs node.js code inside a node's namespaces (entered through its holder). */
function inNode(holder: number, code: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('nsenter', [`--target=${holder}`, '--net', '--mount', '--uts', '--', process.execPath, '-e', code], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const CONNECT = (host: string, port: number) => `
  const s = require('net').connect(${port}, '${host}');
  s.setTimeout(3000, () => { console.log('timeout'); process.exit(3); });
  s.on('data', (d) => { console.log(String(d)); process.exit(0); });
  s.on('error', (e) => { console.log(e.code); process.exit(2); });`;

afterAll(async () => {
  await down({ stateDir: STATE });
});

test('node namespaces have their own hostnames and mounts, reach each other and the host over the bridge only, and down leaves nothing', async () => {
  // GIVEN a clean machine (a killed earlier run is cleaned first)
  await down({ stateDir: STATE });
  expect(leftovers(STATE)).toEqual([]);
  const iptablesBefore = sh(['iptables-save']).stdout.split('\n').filter((l) => l.startsWith('-A') || l.startsWith(':')).sort();

  // WHEN the network comes up with holders like `up` starts them
  for (const cmd of hostBridgeUp()) sh(cmd);
  for (const cmd of hostGuardUp()) sh(cmd);
  for (const node of NODES) for (const cmd of nodeNetworkUp(node)) sh(cmd);
  for (const cmd of podRoutes(NODES.map((node, i) => ({ node, cidr: `10.244.${i}.0/24` })), NODES)) sh(cmd);
  const holders: number[] = [];
  for (const node of NODES) {
    const np = paths.node(node.name);
    const keep = path.join(np.root, 'cgroup-keep');
    const mounts = [{ source: path.join(np.root, 'scratch'), target: path.join(STATE, 'shared-target') }];
    for (const d of [keep, mounts[0].source, mounts[0].target]) fs.mkdirSync(d, { recursive: true });
    holders.push(startDaemon({
      name: 'netns-holder',
      argv: ['unshare', '--mount', '--uts', '--propagation', 'slave', '--', 'nsenter', `--net=/run/netns/${node.netns}`, '--',
        'sh', '-c', nodeHolderScript(node, mounts, keep)],
      cgroup: `vmalert-ha-cluster/${node.name}-daemons`,
      logFile: path.join(np.root, 'holder.log'),
    }));
  }
  for (const node of NODES) {
    const log = path.join(paths.node(node.name).root, 'holder.log');
    for (let i = 0; i < 50 && !(fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('ready')); i++) await sleep(100);
  }

  // THEN each node has its hostname, its own /sys view with the cgroup mounts, and its own files at the shared path
  NODES.forEach((node, i) => {
    const r = inNode(holders[i], `
      const fs = require('fs');
      fs.writeFileSync('${STATE}/shared-target/who', require('os').hostname());
      console.log(JSON.stringify({ host: require('os').hostname(), net: fs.readdirSync('/sys/class/net').sort(),
        cgroups: fs.readdirSync('/sys/fs/cgroup').includes('pids') }));`);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ host: node.name, net: ['eth0', 'lo'], cgroups: true });
    expect(fs.readFileSync(path.join(paths.node(node.name).root, 'scratch', 'who'), 'utf8')).toBe(node.name);
  });
  expect(fs.existsSync(path.join(STATE, 'shared-target', 'who'))).toBe(false);

  // node-b serves; node-a and the host connect to it over the bridge
  // (in the cluster's cgroup like every daemon of `up`: down ends it)
  startDaemon({
    name: 'test-server',
    argv: [process.execPath, '-e', "require('net').createServer((c) => c.end('hello from node-b')).listen(7070, '0.0.0.0')"],
    cgroup: `vmalert-ha-cluster/${NODES[1].name}-daemons`,
    logFile: path.join(paths.node(NODES[1].name).root, 'server.log'),
    enterPid: holders[1],
  });
  await sleep(1000);
  expect(inNode(holders[0], CONNECT(NODES[1].address, 7070)).stdout.trim()).toBe('hello from node-b');
  // and node-a has no route to anything outside the cluster's ranges
  const outside = inNode(holders[0], CONNECT('192.0.2.1', 80));
  expect(outside.stdout.trim()).toBe('ENETUNREACH');
  expect(inNode(holders[0], CONNECT(HOST_ADDRESS, 1)).stdout.trim()).toBe('ECONNREFUSED');

  // WHEN down runs (as from another process: it only reads the fixed names and the state folder)
  const report = await down({ stateDir: STATE });

  // THEN nothing is left: processes, cgroups, namespaces, links, routes, iptables rules, mounts, files
  expect(report.removed.join('\n')).toContain('ip netns delete vmha-node-a');
  expect(report.removed[0]).toBe('4 processes');
  expect(leftovers(STATE)).toEqual([]);
  const iptablesAfter = sh(['iptables-save']).stdout.split('\n').filter((l) => l.startsWith('-A') || l.startsWith(':')).sort();
  expect(iptablesAfter).toEqual(iptablesBefore);
  expect(fs.existsSync(STATE)).toBe(false);
});
