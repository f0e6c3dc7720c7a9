/**
 * vmalert's extras with the pinned binaries: a VmalertHa with rule templates from a directory, an alert source link,
 * the notifier blackhole and a plain env variable is started from its container's own args (mounted paths pointing
 * at extracted copies, $(VAR) expanded as the kubelet does) against a real victoria-metrics; the firing alert's
 * annotation is rendered by the mounted template, its source link by externalAlertSource, its label from env.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { RulesConfigMap, RuleTemplates, VmalertHa } from '../../constructs';
import {
  containerArgs, expandEnvRefs, extractRuleFiles, readManifests, rewriteArgPaths,
} from '../../constructs/testing/manifests';
import { binary, freePort, pollUntilOk, run, start, StartedProcess } from '../../testkit/binaries';
import { temporaryDirectories } from '../support/temp';

jest.setTimeout(90_000);

const tempDir = temporaryDirectories();
const TEMPLATES = path.join(__dirname, '..', 'fixtures', 'rule-templates', 'good');
const ALERT_SOURCE = 'explore?left={{ .Expr | queryEscape }}';
const EXTERNAL_URL = 'https://vmalert.example.org';

/** The synthesized vmalert container's args, mounted files extracted, $(VAR) expanded from the container's env. */
function synthesizedArgs(): string[] {
  const outdir = tempDir('extras-out-');
  const app = new App({ outdir });
  const chart = new Chart(app, 'alerting', { namespace: 'monitoring' });
  const rules = new RulesConfigMap(chart, 'rules', {
    groups: [{
      name: 'extras', interval: '1s', rules: [{
        alert: 'ExtrasAlways', expr: 'vector(1)',
        annotations: { runbook: '{{ template "links.runbook" . }}', summary: '{{ template "summary.instance" . }}' },
      }],
    }],
  });
  new VmalertHa(chart, 'vmalert', {
    datasourceUrl: 'http://vmselect:8481/select/0/prometheus', notifiers: [], notifierBlackhole: true, rules,
    ruleTemplates: RuleTemplates.fromDirectory(TEMPLATES), externalAlertSource: ALERT_SOURCE, externalUrl: EXTERNAL_URL,
    env: { CLUSTER_NAME: 'eu-1' }, externalLabels: { cluster: '$(CLUSTER_NAME)' },
  });
  app.synth();
  const extracted = extractRuleFiles(readManifests(outdir), tempDir('extras-extract-'));
  const { container, mirror } = extracted.containers[0];
  const env = Object.fromEntries((container.env ?? []).filter(e => e.value !== undefined).map(e => [e.name, e.value!]));
  return expandEnvRefs(rewriteArgPaths(containerArgs(container), mirror), { POD_NAME: 'vmalert-0', POD_NAMESPACE: 'monitoring', ...env });
}

describe('vmalert with rule templates, alert source, blackhole and env', () => {
  let args: string[];
  let victoriaMetrics: StartedProcess;
  let datasource: string;
  beforeAll(async () => {
    args = synthesizedArgs();
    const port = await freePort();
    datasource = `http://127.0.0.1:${port}`;
    victoriaMetrics = start(binary('victoria-metrics'), [`-httpListenAddr=127.0.0.1:${port}`, `-storageDataPath=${tempDir('extras-vm-')}`, '-loggerLevel=WARN']);
    expect(await pollUntilOk(`${datasource}/health`, victoriaMetrics)).toBe(200);
  });
  afterAll(async () => {
    await victoriaMetrics?.stop();
  });

  test('vmalert -dryRun accepts the container\'s args, the templates loaded from their mounted copy', () => {
    // GIVEN the args: -rule.templates points at the extracted templates ConfigMap
    const templates = args.find(a => a.startsWith('-rule.templates='))!.split('=')[1];
    expect(fs.readdirSync(path.dirname(templates)).sort()).toEqual(['links.tmpl', 'summary.tmpl']);
    // WHEN / THEN
    const result = run(binary('vmalert'), [...args, '-dryRun']);
    expect({ code: result.code, output: result.stdout + result.stderr }).toEqual({ code: 0, output: expect.any(String) });
  });

  test('the firing alert renders the mounted templates, links to its source and carries the env label; nothing is notified', async () => {
    // GIVEN the args with the datasource and listen address on loopback
    const port = await freePort();
    const local = args.map(arg => {
      if (arg.startsWith('-datasource.url=')) return `-datasource.url=${datasource}`;
      if (arg.startsWith('-httpListenAddr=')) return `-httpListenAddr=127.0.0.1:${port}`;
      return arg;
    });
    // WHEN the pinned vmalert runs them
    const vmalert = start(binary('vmalert'), local);
    try {
      const base = `http://127.0.0.1:${port}`;
      expect(await pollUntilOk(`${base}/-/ready`, vmalert)).toBe(200);
      const alert = await firingAlert(`${base}/api/v1/alerts`, vmalert);
      // THEN the annotations come from the templates, the source from externalAlertSource, the label from env
      expect(alert.annotations).toEqual({
        runbook: 'https://runbooks.example.org/extrasalways',
        summary: 'ExtrasAlways on  ()',
      });
      expect(alert.source).toBe(`${EXTERNAL_URL}/explore?left=vector%281%29`);
      expect(alert.labels).toEqual(expect.objectContaining({ cluster: 'eu-1', alertname: 'ExtrasAlways' }));
      // AND its only notifier is the blackhole
      const notifiers = await (await fetch(`${base}/api/v1/notifiers`)).json() as { data: { notifiers: Array<{ targets: Array<{ address: string }> }> } };
      expect(notifiers.data.notifiers.flatMap(n => n.targets.map(t => t.address))).toEqual(['blackhole']);
    } finally {
      await vmalert.stop();
    }
  });
});

interface Alert {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly source: string;
}

async function firingAlert(url: string, vmalert: StartedProcess): Promise<Alert> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    try {
      const body = await (await fetch(url)).json() as { data: { alerts: Alert[] } };
      const alert = body.data.alerts.find(a => a.name === 'ExtrasAlways');
      if (alert) return alert;
    } catch {
      // not up yet
    }
    await new Promise(resolve => setTimeout(resolve, 250));
  }
  throw new Error(`no ExtrasAlways alert at ${url}:\n${vmalert.output().slice(-2000)}`);
}
