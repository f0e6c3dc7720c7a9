/**
 * The synthesized Alertmanager StatefulSets, proven with the real binaries: alertmanager.yml passes
 * `amtool check-config`, and a real alertmanager started with the container's own args (only paths
 * and addresses rewritten) becomes ready.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as yaml from 'js-yaml';
import {
  containerArgs, expandEnvRefs, extractAlertmanagerConfig, ExtractedAlertmanager, flagValues, PLACEHOLDER_SECRET, rewriteArgPaths,
} from '../../constructs/testing/manifests';
import { binary, pollUntilOk, portIsFree, run, start } from '../../testkit/binaries';
import { SynthesizedChart, testCharts } from './charts';

/** The manifest's ports; the test keeps them and gives the process its own loopback address instead. */
const WEB_PORT = 9093;
const MESH_PORT = 9094;
/** Tries at finding a loopback address whose web and mesh ports are free. */
const ADDRESS_TRIES = 20;

const charts = testCharts();
let workDir: string;

beforeAll(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'alertmanager-real-'));
});
afterAll(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

/** A 127.0.x.y address (all of 127/8 is local) whose 9093 and 9094 are free, and two more for absent peers. */
async function loopbackHosts(): Promise<{ self: string; others: string[] }> {
  for (let i = 0; i < ADDRESS_TRIES; i++) {
    const base = `127.${100 + Math.floor(Math.random() * 100)}.${1 + Math.floor(Math.random() * 250)}`;
    const self = `${base}.1`;
    if ((await portIsFree(self, WEB_PORT)) && (await portIsFree(self, MESH_PORT))) {
      return { self, others: [`${base}.2`, `${base}.3`, `${base}.4`, `${base}.5`] };
    }
  }
  throw new Error(`no 127.x.y.1 address with ports ${WEB_PORT} and ${MESH_PORT} free after ${ADDRESS_TRIES} tries`);
}

/** `host:port` with the host replaced by `host`, keeping brackets if it had them; an empty value (mesh disabled) stays empty. */
function onHost(value: string, host: string): string {
  if (value === '') return value;
  const port = value.slice(value.lastIndexOf(':') + 1);
  return value.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * The container's args as the kubelet passes them to pod 0 ($(POD_IP) = its address), with mounted
 * paths pointing at the extracted copies and every address on loopback: this pod's listen addresses on
 * `self`, each other peer on an address where nothing listens (so gossip joins fail, as with peers
 * that are not up yet).
 */
function localArgs(am: ExtractedAlertmanager, self: string, others: string[]): string[] {
  const args = expandEnvRefs(rewriteArgPaths(containerArgs(am.container), am.mirror), { POD_IP: self });
  let peer = 0;
  return args.map((arg) => {
    const match = /^(--[^=]+)=(.*)$/.exec(arg);
    if (!match) return arg;
    const [, flag, value] = match;
    if (flag === '--web.listen-address' || flag === '--cluster.listen-address' || flag === '--cluster.advertise-address') {
      return `${flag}=${onHost(value, self)}`;
    }
    if (flag === '--cluster.peer') {
      const host = peer === 0 ? self : others[(peer - 1) % others.length];
      peer++;
      return `${flag}=${onHost(value, host)}`;
    }
    return arg;
  });
}

describe.each(charts.map((c) => [c.name, c] as [string, SynthesizedChart]))('chart "%s"', (name, chart) => {
  let am: ExtractedAlertmanager;
  beforeAll(() => {
    am = extractAlertmanagerConfig(chart.objects, path.join(workDir, name));
  });

  test('amtool check-config accepts the synthesized alertmanager.yml', () => {
    // GIVEN alertmanager.yml from the synthesized Secret; an out-of-band password Secret is a placeholder file
    for (const file of am.placeholderFiles) expect(fs.readFileSync(file, 'utf8')).toBe(PLACEHOLDER_SECRET);
    expect(am.placeholderFiles.length).toBe(chart.externalSecrets.length);
    // WHEN the real amtool checks it
    const result = run(binary('amtool'), ['check-config', am.configFile]);
    // THEN it passes
    expect({ code: result.code, output: result.stdout + result.stderr }).toEqual({ code: 0, output: expect.stringContaining('SUCCESS') });
  });

  test('a real alertmanager started with the container args becomes ready on /-/ready', async () => {
    // GIVEN the container args for pod 0, only paths and addresses rewritten
    const { self, others } = await loopbackHosts();
    const args = localArgs(am, self, others);
    const original = containerArgs(am.container);
    expect(args.map((a) => a.split('=')[0])).toEqual(original.map((a) => a.split('=')[0]));
    expect(fs.statSync(flagValues(args, 'storage.path')[0]).isDirectory()).toBe(true);
    // WHEN the real pinned alertmanager starts with them
    const proc = start(binary('alertmanager'), args);
    try {
      const status = await pollUntilOk(`http://${self}:${WEB_PORT}/-/ready`, proc);
      // THEN it answers ready, still running, and serves the synthesized routing and receivers. (Alertmanager
      // v0.35 logs "Completed loading of configuration file" only on a reload, no longer at start; a config it
      // cannot load makes it exit.)
      expect({ status, exitCode: proc.process.exitCode, output: proc.output() })
        .toEqual({ status: 200, exitCode: null, output: expect.any(String) });
      const served = await (await fetch(`http://${self}:${WEB_PORT}/api/v2/status`)).json() as { config: { original: string } };
      const loaded = yaml.load(served.config.original) as { route: { receiver: string }; receivers: Array<{ name: string }> };
      const written = yaml.load(fs.readFileSync(am.configFile, 'utf8')) as typeof loaded;
      expect(loaded.route.receiver).toBe(written.route.receiver);
      expect(loaded.receivers.map((r) => r.name)).toEqual(written.receivers.map((r) => r.name));
    } finally {
      await proc.stop();
    }
  });
});
