/**
 * The AlertmanagerCluster's path prefix, mesh arguments and notification templates, run with the real pinned
 * alertmanager, amtool and vmalert: the synthesized args are used verbatim except for addresses and mounted paths.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { AlertmanagerCluster, NotificationTemplates, RulesConfigMap, VmalertHa } from '../../constructs';
import {
  containerArgs, expandEnvRefs, extractAlertmanagerConfig, extractRuleFiles, flagValues, K8sObject, rewriteArgPaths,
} from '../../constructs/testing/manifests';
import { binary, freePort, httpStatus, pollUntilOk, portIsFree, run, start, StartedProcess } from '../../testkit/binaries';

let workDir: string;
const started: StartedProcess[] = [];

beforeAll(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'alertmanager-cluster-real-'));
});
afterEach(async () => {
  await Promise.all(started.splice(0).map(p => p.stop()));
}, 30_000);
afterAll(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

function launch(bin: string, args: string[]): StartedProcess {
  const proc = start(bin, args);
  started.push(proc);
  return proc;
}

function synthesize(build: (chart: Chart) => void): K8sObject[] {
  const chart = new Chart(Testing.app({ outdir: os.tmpdir() }), 'test', { namespace: 'monitoring' });
  build(chart);
  return Testing.synth(chart) as K8sObject[];
}

const NULL_CONFIG = { route: { receiver: 'null' }, receivers: [{ name: 'null' }] };

function getJson(url: string): Promise<any> {
  return new Promise((resolve, reject) => {
    http.get(url, { timeout: 2_000 }, res => {
      let body = '';
      res.on('data', chunk => { body += String(chunk); });
      res.on('end', () => {
        try {
          resolve(JSON.parse(body));
        } catch (error) {
          reject(new Error(`${url}: ${res.statusCode} ${body.slice(0, 200)}`));
        }
      });
    }).on('error', reject);
  });
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, output: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise(r => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}\n${output()}`);
}

/** Pod `index`'s Alertmanager args: mounted paths mirrored, $(POD_IP) expanded, then `rewrite` per flag. */
function podArgs(objects: K8sObject[], dir: string, podIp: string, rewrite: (flag: string, value: string) => string): string[] {
  const am = extractAlertmanagerConfig(objects, dir);
  return expandEnvRefs(rewriteArgPaths(containerArgs(am.container), am.mirror), { POD_IP: podIp }).map(arg => {
    const match = /^(--[^=]+)=(.*)$/s.exec(arg);
    return match ? `${match[1]}=${rewrite(match[1].slice(2), match[2])}` : arg;
  });
}

describe('path prefix', () => {
  test('Alertmanager serves under the externalUrl path, the probes hit it, and vmalert delivers through the prefixed notifier URL', async () => {
    // GIVEN one Alertmanager under https://alerts.example.com/alertmanager and a vmalert notifying it
    const objects = synthesize(chart => {
      const am = new AlertmanagerCluster(chart, 'am', { replicas: 1, config: NULL_CONFIG, externalUrl: 'https://alerts.example.com/alertmanager' });
      const rules = new RulesConfigMap(chart, 'rules', { groups: [{ name: 'probe', rules: [{ alert: 'PrefixProbe', expr: 'vector(1)' }] }] });
      new VmalertHa(chart, 'vmalert', { replicas: 1, datasourceUrl: 'http://vmselect:8481/select/0/prometheus', notifiers: am, rules, evaluationInterval: '2s' });
    });
    const sts = objects.find(o => o.kind === 'StatefulSet')!;
    const container = (sts.spec as any).template.spec.containers[0];
    const webPort = await freePort();
    const amArgs = podArgs(objects, path.join(workDir, 'prefix-am'), '127.0.0.1',
      (flag, value) => (flag === 'web.listen-address' ? `127.0.0.1:${webPort}` : value));
    expect(flagValues(amArgs, 'web.route-prefix')).toEqual(['/alertmanager']);

    // WHEN the real alertmanager starts with them
    const am = launch(binary('alertmanager'), amArgs);
    const base = `http://127.0.0.1:${webPort}`;
    // THEN the probes' paths answer 200 and the unprefixed ones 404
    expect({ status: await pollUntilOk(`${base}${container.readinessProbe.httpGet.path}`, am), output: am.output() })
      .toEqual({ status: 200, output: expect.any(String) });
    expect(container.readinessProbe.httpGet.path).toBe('/alertmanager/-/ready');
    expect(await httpStatus(`${base}${container.livenessProbe.httpGet.path}`)).toBe(200);
    expect(await httpStatus(`${base}/-/ready`)).toBe(404);
    // and the metrics a scraper reads move under the prefix too
    expect(await httpStatus(`${base}/alertmanager/metrics`)).toBe(200);
    expect(await httpStatus(`${base}/metrics`)).toBe(404);

    // WHEN a real vmalert runs with the Deployment's args, its notifier URL pointed at this Alertmanager (path kept)
    const datasource = http.createServer((_req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [Date.now() / 1000, '1'] }] } }));
    });
    await new Promise<void>(resolve => datasource.listen(0, '127.0.0.1', resolve));
    try {
      const dsPort = (datasource.address() as { port: number }).port;
      const extracted = extractRuleFiles(objects, path.join(workDir, 'prefix-vmalert'));
      const vmPort = await freePort();
      const vmArgs = rewriteArgPaths(containerArgs(extracted.containers[0].container), extracted.containers[0].mirror).map(arg => {
        if (arg.startsWith('-datasource.url=')) return `-datasource.url=http://127.0.0.1:${dsPort}`;
        if (arg.startsWith('-notifier.url=')) return `-notifier.url=${base}${new URL(arg.slice('-notifier.url='.length)).pathname}`;
        if (arg.startsWith('-httpListenAddr=')) return `-httpListenAddr=127.0.0.1:${vmPort}`;
        return arg;
      });
      expect(flagValues(vmArgs, 'notifier.url')).toEqual([`${base}/alertmanager`]);
      const vmalert = launch(binary('vmalert'), [...vmArgs, '-rule.evalDelay=0s']);
      // THEN the alert arrives at the prefixed API
      const alerts = await waitFor('the alert to reach Alertmanager', async () => {
        const list = await getJson(`${base}/alertmanager/api/v2/alerts`);
        return list.some((a: any) => a.labels.alertname === 'PrefixProbe') ? list : undefined;
      }, 30_000, () => vmalert.output() + am.output());
      expect(alerts.map((a: any) => a.labels.alertname)).toContain('PrefixProbe');
    } finally {
      await new Promise(resolve => datasource.close(resolve));
    }
  }, 60_000);
});

/** Free loopback addresses 127.a.b.1 and .2 with 9093/9094 free, so the manifest's ports stay. */
async function loopbackPair(): Promise<[string, string]> {
  for (let i = 0; i < 20; i++) {
    const base = `127.${100 + Math.floor(Math.random() * 100)}.${1 + Math.floor(Math.random() * 250)}`;
    const pair: [string, string] = [`${base}.1`, `${base}.2`];
    const free = await Promise.all(pair.flatMap(h => [portIsFree(h, 9093), portIsFree(h, 9094)]));
    if (free.every(Boolean)) return pair;
  }
  throw new Error('no free 127.x.y.1/.2 pair');
}

/** Peers an Alertmanager's /api/v2/status lists, once `count` are there. */
async function peersOnce(base: string, count: number, proc: StartedProcess): Promise<string[]> {
  return waitFor(`${count} peers at ${base}`, async () => {
    const status = await getJson(`${base}/api/v2/status`);
    const peers = (status.cluster.peers ?? []).map((p: any) => p.address as string);
    return peers.length >= count ? peers : undefined;
  }, 30_000, () => proc.output());
}

describe('the mesh', () => {
  function meshObjects(clusterLabel?: string): K8sObject[] {
    return synthesize(chart => new AlertmanagerCluster(chart, 'am', { replicas: 2, config: NULL_CONFIG, clusterLabel }));
  }

  /** Args of pod `i` with pod IPs `ips`; `address(i)` gives pod i's "[ip]:port" mesh address. */
  function meshArgs(objects: K8sObject[], name: string, i: number, ip: string, web: string, meshOf: (pod: number) => string): string[] {
    let peer = 0;
    return podArgs(objects, path.join(workDir, `${name}-${i}`), ip, (flag, value) => {
      if (flag === 'web.listen-address') return web;
      if (flag === 'cluster.listen-address' || flag === 'cluster.advertise-address') {
        expect(value).toMatch(/^\[.*\]:9094$/);
        return meshOf(i);
      }
      if (flag === 'cluster.peer') return meshOf(peer++);
      return value;
    });
  }

  test('two IPv4 peers join on the bracketed [$(POD_IP)]:9094, with the default cluster label', async () => {
    // GIVEN the args of pods 0 and 1, each on its own loopback address
    const objects = meshObjects();
    const ips = await loopbackPair();
    const args = [0, 1].map(i => meshArgs(objects, 'v4', i, ips[i], `${ips[i]}:9093`, pod => `[${ips[pod]}]:9094`));
    expect(flagValues(args[0], 'cluster.label')).toEqual([`monitoring/${objects.find(o => o.kind === 'StatefulSet')!.metadata.name}`]);
    // WHEN both real alertmanagers start
    const procs = args.map(a => launch(binary('alertmanager'), a));
    // THEN each sees both peers at the advertised addresses
    const peers = await peersOnce(`http://${ips[0]}:9093`, 2, procs[0]);
    expect(peers.sort()).toEqual([`${ips[0]}:9094`, `${ips[1]}:9094`]);
  }, 60_000);

  test('two IPv6 peers join on [::1] (bracketed advertise and listen addresses)', async () => {
    // GIVEN pods 0 and 1 on ::1, told apart by port
    const objects = meshObjects();
    const mesh = [await freePort('::1'), await freePort('::1')];
    const web = [await freePort('::1'), await freePort('::1')];
    const args = [0, 1].map(i => meshArgs(objects, 'v6', i, '::1', `[::1]:${web[i]}`, pod => `[::1]:${mesh[pod]}`));
    expect(flagValues(args[0], 'cluster.advertise-address')).toEqual([`[::1]:${mesh[0]}`]);
    // WHEN both real alertmanagers start
    const procs = args.map(a => launch(binary('alertmanager'), a));
    // THEN they form one mesh
    const peers = await peersOnce(`http://[::1]:${web[0]}`, 2, procs[0]);
    expect(peers.sort()).toEqual([`[::1]:${mesh[0]}`, `[::1]:${mesh[1]}`].sort());
  }, 60_000);

  test('peers with different cluster labels do not merge', async () => {
    // GIVEN pod 0 of a cluster labelled "a" and pod 1 of one labelled "b", each listing the other as a peer
    const ips = await loopbackPair();
    const args = [meshObjects('monitoring/a'), meshObjects('monitoring/b')]
      .map((objects, i) => meshArgs(objects, `label-${i}`, i, ips[i], `${ips[i]}:9093`, pod => `[${ips[pod]}]:9094`));
    // WHEN both start
    const procs = args.map(a => launch(binary('alertmanager'), a));
    await Promise.all(procs.map((p, i) => pollUntilOk(`http://${ips[i]}:9093/-/healthy`, p)));
    // THEN after several gossip rounds each still sees only itself (the same setup with one label joins: test above)
    await new Promise(r => setTimeout(r, 5_000));
    for (const ip of ips) {
      const status = await getJson(`http://${ip}:9093/api/v2/status`);
      expect(status.cluster.peers.map((p: any) => p.address)).toEqual([`${ip}:9094`]);
    }
  }, 60_000);
});

describe('notification templates', () => {
  const TEMPLATE = '{{ define "team.subject" }}[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} on team-x{{ end }}';

  test('amtool accepts the config with the templates ConfigMap and renders the subject template', () => {
    // GIVEN a cluster whose email receiver's subject calls a template of its templates prop
    const objects = synthesize(chart => new AlertmanagerCluster(chart, 'am', {
      replicas: 1,
      templates: [NotificationTemplates.inline('team.tmpl', TEMPLATE)],
      config: {
        global: { smtpSmarthost: 'smtp.example.org:587', smtpFrom: 'a@example.org' },
        route: { receiver: 'email' },
        receivers: [{ name: 'email', emailConfigs: [{ to: 'b@example.org', subject: '{{ template "team.subject" . }}' }] }],
      },
    }));
    const am = extractAlertmanagerConfig(objects, path.join(workDir, 'templates'));
    const templateGlob = path.join(am.mirror.rootDir, 'etc/alertmanager/templates/*.tmpl');
    // WHEN the real amtool checks the config and renders the template
    const check = run(binary('amtool'), ['check-config', am.configFile]);
    const render = run(binary('amtool'), ['template', 'render', `--template.glob=${templateGlob}`,
      '--template.text={{ template "team.subject" . }}']);
    // THEN the config loads one template file, and the subject renders from amtool's example data (status
    // "alertstatus", no common labels): upper-cased by the template, so it ran
    expect({ code: check.code, output: check.stdout + check.stderr }).toEqual({ code: 0, output: expect.stringMatching(/- 1 templates\s+SUCCESS/) });
    expect({ code: render.code, output: render.stdout + render.stderr }).toEqual({ code: 0, output: '[ALERTSTATUS]  on team-x' });
  });
});
