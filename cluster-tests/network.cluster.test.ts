/**
 * The cluster's network alone, without Kubernetes: the bridge, a namespace per node with its own hostname and mount
 * namespace, routes between the pod subnets, and `down` removing all of it. Needs root; no binary but iproute2,
 * util-linux and iptables.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { HOST_ADDRESS, NODES, statePaths } from '../scripts/cluster/layout';
import { down, leftovers, makeMountPoints, noteNetnsMount } from '../scripts/cluster/lifecycle';
import { hostBridgeUp, hostGuardUp, nodeHolderScript, nodeNetworkUp, podRoutes } from '../scripts/cluster/network';
import { renderCniConfig } from '../scripts/cluster/render';
import { sh, startDaemon, sleep } from '../scripts/cluster/system';
import { tool } from '../scripts/cluster/tools';

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
  noteNetnsMount(STATE);
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
  expect(fs.readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(' /run/netns ');
  const iptablesAfter = sh(['iptables-save']).stdout.split('\n').filter((l) => l.startsWith('-A') || l.startsWith(':')).sort();
  expect(iptablesAfter).toEqual(iptablesBefore);
  expect(fs.existsSync(STATE)).toBe(false);
});

test('pod namespaces made by the pinned CNI bridge plugin with each node\'s subnet reach pods of other nodes and the host, and nothing outside', async () => {
  // GIVEN the network and the node holders, as `up` makes them
  await down({ stateDir: STATE });
  noteNetnsMount(STATE);
  for (const cmd of hostBridgeUp()) sh(cmd);
  for (const cmd of hostGuardUp()) sh(cmd);
  const cidrs = ['10.244.0.0/24', '10.244.1.0/24', '10.244.2.0/24'];
  const holders: number[] = [];
  const created: string[] = [];
  for (const node of NODES) {
    for (const cmd of nodeNetworkUp(node)) sh(cmd);
    const np = paths.node(node.name);
    makeMountPoints(np.mounts, created);
    fs.writeFileSync(path.join(STATE, 'created-dirs.json'), JSON.stringify(created));
    const keep = path.join(np.root, 'cgroup-keep');
    fs.mkdirSync(keep, { recursive: true });
    holders.push(startDaemon({
      name: 'netns-holder',
      argv: ['unshare', '--mount', '--uts', '--propagation', 'slave', '--', 'nsenter', `--net=/run/netns/${node.netns}`, '--',
        'sh', '-c', nodeHolderScript(node, np.mounts, keep)],
      cgroup: `vmalert-ha-cluster/${node.name}-daemons`,
      logFile: path.join(np.root, 'holder.log'),
    }));
  }
  await sleep(1500);
  for (const cmd of podRoutes(NODES.map((node, i) => ({ node, cidr: cidrs[i] })), NODES)) sh(cmd);

  // WHEN the bridge plugin adds a pod namespace on every node (as containerd calls it, with the node's network)
  const cniDir = path.dirname(tool('bridge'));
  const podIps = NODES.map((_node, i) => {
    const network = JSON.parse(renderCniConfig(cidrs[i]));
    const r = spawnSync('nsenter', [`--target=${holders[i]}`, '--net', '--mount', '--uts', '--', 'sh', '-c',
      `ip netns add pod && CNI_COMMAND=ADD CNI_CONTAINERID=pod CNI_NETNS=/run/netns/pod CNI_IFNAME=eth0 CNI_PATH=${cniDir} ${cniDir}/bridge`],
    { input: JSON.stringify({ cniVersion: network.cniVersion, name: network.name, ...network.plugins[0] }), encoding: 'utf8' });
    expect(r.stderr).toBe('');
    return (JSON.parse(r.stdout).ips[0].address as string).split('/')[0];
  });
  expect(podIps).toEqual(['10.244.0.2', '10.244.1.2', '10.244.2.2']);
  startDaemon({
    name: 'pod-server',
    argv: ['ip', 'netns', 'exec', 'pod', process.execPath, '-e', "require('net').createServer((c) => c.end('pod on node-b')).listen(7070)"],
    cgroup: `vmalert-ha-cluster/${NODES[1].name}-daemons`,
    logFile: path.join(STATE, 'pod-server.log'),
    enterPid: holders[1],
  });
  await sleep(1500);
  const fromPodA = (host: string, port: number) => spawnSync('nsenter', [`--target=${holders[0]}`, '--net', '--mount', '--',
    'ip', 'netns', 'exec', 'pod', process.execPath, '-e', CONNECT(host, port)], { encoding: 'utf8' }).stdout.trim();

  // THEN node-a's pod reaches node-b's pod (routed, not NATed), and so does the host; an outside address is unreachable
  expect(fromPodA(podIps[1], 7070)).toBe('pod on node-b');
  expect(spawnSync(process.execPath, ['-e', CONNECT(podIps[1], 7070)], { encoding: 'utf8' }).stdout.trim()).toBe('pod on node-b');
  expect(fromPodA('192.0.2.1', 80)).toMatch(/^(ENETUNREACH|EHOSTUNREACH)$/);
  expect(fromPodA(HOST_ADDRESS, 1)).toBe('ECONNREFUSED');

  // AND down removes the pod namespaces with the nodes' mount namespaces, and every folder it created
  await down({ stateDir: STATE });
  expect(leftovers(STATE)).toEqual([]);
  for (const d of created) expect(fs.existsSync(d)).toBe(false);
});
