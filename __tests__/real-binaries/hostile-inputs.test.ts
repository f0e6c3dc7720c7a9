/**
 * Every accepted case of the hostile-input table (support/hostile-inputs.ts), checked by the pinned binaries:
 * vmalert parses the container's own args in dry-run mode, amtool accepts the synthesized alertmanager.yml,
 * alertmanager starts with its container's args, and
 * vmalert started for real with the args answers its probes (at the manifest's probe paths) and attaches the
 * external labels exactly as given, quoting and all, with one notifier target per notifier URL.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  containerArgs, expandEnvRefs, extractAlertmanagerConfig, extractRuleFiles, K8sObject, readManifests, rewriteArgPaths,
} from '../../constructs/testing/manifests';
import { binary, freePort, httpStatus, pollUntilOk, run, start, StartedProcess } from '../../testkit/binaries';
import { HOSTILE_CASES, HostileCase } from '../support/hostile-inputs';
import { temporaryDirectories } from '../support/temp';

const tempDir = temporaryDirectories();
/** Downward API values the kubelet would put in $(POD_NAME) / $(POD_NAMESPACE). */
const POD_ENV = { POD_NAME: 'vmalert-7d9f8b6c5-x2x4q', POD_NAMESPACE: 'monitoring' };
/** A loopback port nothing listens on: Alertmanager stand-in, so no notification leaves the machine. */
const UNREACHABLE_HOST = '127.0.0.1:1';
const ALWAYS_FIRING = 'groups:\n  - name: hostile-always\n    interval: 1s\n    rules:\n      - alert: HostileAlways\n        expr: vector(1)\n';
const ALERT_TIMEOUT_MS = 20_000;

const accepted = HOSTILE_CASES.filter(c => c.refused === undefined);

interface Synthesized {
  readonly objects: K8sObject[];
  readonly dir: string;
}

function synthesize(hostile: HostileCase): Synthesized {
  const outdir = tempDir('hostile-real-out-');
  hostile.build(outdir, tempDir('hostile-real-fixtures-'));
  return { objects: readManifests(outdir), dir: tempDir('hostile-real-extract-') };
}

/** The vmalert container's args as the kubelet passes them, mounted paths pointing at extracted copies. */
function vmalertArgs(synthesized: Synthesized) {
  const extracted = extractRuleFiles(synthesized.objects, path.join(synthesized.dir, 'vmalert'));
  expect(extracted.containers).toHaveLength(1);
  const { container, mirror } = extracted.containers[0];
  return { container, args: expandEnvRefs(rewriteArgPaths(containerArgs(container), mirror), POD_ENV) };
}

function output(result: { stdout: string; stderr: string }): string {
  return (result.stdout + result.stderr).split('\n').filter(l => !l.includes('flag.go')).join('\n');
}

describe.each(accepted.map(c => [c.name, c] as const))('accepted: %s', (_, hostile) => {
  let synthesized: Synthesized;
  beforeAll(() => {
    synthesized = synthesize(hostile);
  });

  test("vmalert -dryRun accepts the container's own args", () => {
    // GIVEN the args verbatim (only mounted paths rewritten) WHEN the pinned vmalert parses them
    const result = run(binary('vmalert'), [...vmalertArgs(synthesized).args, '-dryRun']);
    // THEN it exits 0
    expect({ code: result.code, output: output(result) }).toEqual({ code: 0, output: expect.any(String) });
  });

  test('amtool check-config accepts alertmanager.yml', () => {
    const { configFile } = extractAlertmanagerConfig(synthesized.objects, path.join(synthesized.dir, 'alertmanager'));
    const result = run(binary('amtool'), ['check-config', configFile]);
    expect({ code: result.code, output: result.stdout + result.stderr }).toEqual({ code: 0, output: expect.stringContaining('SUCCESS') });
  });

  test("alertmanager starts with the container's own args and answers /-/ready", async () => {
    // GIVEN the args of pod 0, paths rewritten, listening on loopback, the mesh off (no peers run here)
    const am = extractAlertmanagerConfig(synthesized.objects, path.join(synthesized.dir, 'alertmanager-run'));
    const port = await freePort();
    const args = expandEnvRefs(rewriteArgPaths(containerArgs(am.container), am.mirror), { POD_IP: '127.0.0.1' })
      .filter(arg => !/^--cluster\.(peer|advertise-address)=/.test(arg))
      .map(arg => {
        if (arg.startsWith('--web.listen-address=')) return `--web.listen-address=127.0.0.1:${port}`;
        if (arg.startsWith('--cluster.listen-address=')) return '--cluster.listen-address=';
        return arg;
      });
    // WHEN the pinned alertmanager runs with them (retention, external URL, reconnect timeout as synthesized)
    const proc = start(binary('alertmanager'), args);
    try {
      // THEN it parses every flag, loads the config and answers ready
      const status = await pollUntilOk(`http://127.0.0.1:${port}/-/ready`, proc);
      expect({ status, output: proc.output() }).toEqual({ status: 200, output: expect.any(String) });
    } finally {
      await proc.stop();
    }
  });
});

describe('vmalert started with the args of the flag cases', () => {
  let victoriaMetrics: StartedProcess;
  let datasource: string;
  beforeAll(async () => {
    const port = await freePort();
    datasource = `http://127.0.0.1:${port}`;
    victoriaMetrics = start(binary('victoria-metrics'), [
      `-httpListenAddr=127.0.0.1:${port}`, `-storageDataPath=${tempDir('hostile-vm-')}`, '-loggerLevel=WARN',
    ]);
    expect(await pollUntilOk(`${datasource}/health`, victoriaMetrics)).toBe(200);
  });
  afterAll(async () => {
    await victoriaMetrics?.stop();
  });

  const flagCases = accepted.filter(c => /external label|extraArgs|notifier URL/.test(c.name));

  test.each(flagCases.map(c => [c.name, c] as const))('%s: probes answer 200, one notifier target per URL, alerts carry the external labels', async (_, hostile) => {
    // GIVEN the container's args, with the datasource and notifiers pointed at loopback and one always-firing rule
    const synthesized = synthesize(hostile);
    const { container, args } = vmalertArgs(synthesized);
    const rule = path.join(synthesized.dir, 'always.yml');
    fs.writeFileSync(rule, ALWAYS_FIRING);
    const port = await freePort();
    const local = args.map(arg => {
      if (arg.startsWith('-datasource.url=')) return `-datasource.url=${datasource}`;
      // Only the host changes (to a loopback port nothing listens on): path and quoting stay as synthesized.
      if (arg.startsWith('-notifier.url=')) return arg.replace(/\/\/[^/"]+/, `//${UNREACHABLE_HOST}`);
      if (arg.startsWith('-httpListenAddr=')) return `-httpListenAddr=127.0.0.1:${port}`;
      return arg;
    });
    // WHEN the pinned vmalert runs with them
    const vmalert = start(binary('vmalert'), [...local, `-rule=${rule}`]);
    try {
      const base = `http://127.0.0.1:${port}`;
      // THEN the manifest's own probe paths answer 200 (a fatal flag error or a missed path prefix would not)
      expect(await pollUntilOk(`${base}${container.readinessProbe.httpGet.path}`, vmalert)).toBe(200);
      expect(await httpStatus(`${base}${container.livenessProbe.httpGet.path}`)).toBe(200);
      // AND vmalert has exactly one notifier target per -notifier.url (a comma read as a separator would add one)
      const notifierArgs = local.filter(a => a.startsWith('-notifier.url='));
      const prefix = container.livenessProbe.httpGet.path.replace(/\/health$/, '');
      const notifiers = await (await fetch(`${base}${prefix}/api/v1/notifiers`)).json() as NotifiersResponse;
      const targets = notifiers.data.notifiers.flatMap(n => n.targets.map(t => t.address));
      expect(targets).toHaveLength(notifierArgs.length);
      for (const target of targets) expect(target).toMatch(new RegExp(`^http://${UNREACHABLE_HOST}/`));
      // AND the firing alert carries exactly the labels the props gave
      if (hostile.alertLabels) {
        const labels = await firingLabels(`${base}${prefix}/api/v1/alerts`, vmalert);
        expect(labels).toEqual(expect.objectContaining(hostile.alertLabels));
      }
    } finally {
      await vmalert.stop();
    }
  });
});

interface NotifiersResponse {
  readonly data: { readonly notifiers: Array<{ readonly targets: Array<{ readonly address: string }> }> };
}

/** The labels of the always-firing alert, once vmalert reports it. */
async function firingLabels(url: string, vmalert: StartedProcess): Promise<Record<string, string>> {
  const deadline = Date.now() + ALERT_TIMEOUT_MS;
  while (Date.now() < deadline) {
    try {
      const body = await (await fetch(url)).json() as { data: { alerts: Array<{ name: string; labels: Record<string, string> }> } };
      const alert = body.data.alerts.find(a => a.name === 'HostileAlways');
      if (alert) return alert.labels;
    } catch {
      // not up yet
    }
    await new Promise(resolve => setTimeout(resolve, 250));
  }
  throw new Error(`no HostileAlways alert at ${url} within ${ALERT_TIMEOUT_MS} ms:\n${vmalert.output().slice(-2000)}`);
}
