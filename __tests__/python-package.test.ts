/**
 * The jsii packages: `npm run package` builds the npm tarball and the Python wheel into dist-packages/, and a Python
 * cdk8s app (examples/python/app.py) using the wheel synthesizes exactly what the TypeScript app (main.ts) does.
 *
 * Each run installs into a fresh virtual environment: the wheel, and cdk8s, cdk8s-plus-28 and constructs from PyPI at
 * the versions the npm lock file installed. pip's cache makes a warm run quick; the packages are rebuilt only when
 * constructs/, package.json or the jsii tsconfig changed since the last build (dist-packages/.inputs-sha1).
 */
import { execFileSync, spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { App, Chart } from 'cdk8s';
import { AlertmanagerCluster, RulesConfigMap, selfMonitoringGroups, tenantUrls } from '../constructs';
import { main } from '../main';
import { binary } from '../testkit/binaries';
import { temporaryDirectories } from './support/temp';
import { CAMEL_CASE_GROUPS } from './support/typed-rule-groups';

const REPO_ROOT = path.join(__dirname, '..');
const DIST = path.join(REPO_ROOT, 'dist-packages');
const PKG = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
const WHEEL = path.join(DIST, 'python', `cdk8s_vmalert_ha-${PKG.version}-py3-none-any.whl`);
const TARBALL = path.join(DIST, 'js', `${PKG.name}@${PKG.version}.jsii.tgz`);
const STAMP = path.join(DIST, '.inputs-sha1');
/** jsii twice (the build and npm pack's prepack), then pacmak; the first pip install downloads about 40 MB. */
const BUILD_TIMEOUT_MS = 9 * 60_000;
const RUN_TIMEOUT_MS = 2 * 60_000;
/** The jsii runtime warns on every start that this node is past its end of life; the output stays readable without it. */
const PYTHON_ENV = {
  ...process.env,
  JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: process.versions.node.split('.')[0],
  JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION: '1',
  PIP_DISABLE_PIP_VERSION_CHECK: '1',
};

const tempDir = temporaryDirectories();
let python = '';

/** SHA-1 over what the packages are built from: a change to any of it rebuilds them. */
function inputsSha1(): string {
  const hash = crypto.createHash('sha1');
  const files = ['package.json', 'package-lock.json', 'tsconfig.jsii.json'];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else files.push(rel);
    }
  };
  walk('constructs');
  for (const file of files) hash.update(`${file}\0`).update(fs.readFileSync(path.join(REPO_ROOT, file))).update('\0');
  return hash.digest('hex');
}

function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeout: number }): string {
  const result = spawnSync(command, args, { cwd: options.cwd ?? REPO_ROOT, env: options.env ?? PYTHON_ENV, encoding: 'utf8', timeout: options.timeout, maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

/** The version npm installed of a package (package-lock.json), which its PyPI build carries too. */
function installedVersion(name: string): string {
  return JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
}

beforeAll(() => {
  // GIVEN the packages, built unless nothing they come from changed
  const sha1 = inputsSha1();
  const fresh = fs.existsSync(WHEEL) && fs.existsSync(TARBALL) && fs.existsSync(STAMP) && fs.readFileSync(STAMP, 'utf8') === sha1;
  if (!fresh) {
    fs.rmSync(DIST, { recursive: true, force: true });
    run('npm', ['run', 'package'], { env: process.env, timeout: BUILD_TIMEOUT_MS });
    fs.writeFileSync(STAMP, sha1);
  }
  // AND a fresh virtual environment with the wheel and the cdk8s packages at the versions the TypeScript app uses
  const venv = tempDir('python-package-venv-');
  run('python3', ['-m', 'venv', venv], { timeout: RUN_TIMEOUT_MS });
  python = path.join(venv, 'bin', 'python');
  run(python, ['-m', 'pip', 'install', '--quiet', WHEEL,
    `cdk8s==${installedVersion('cdk8s')}`, `cdk8s-plus-28==${installedVersion('cdk8s-plus-28')}`,
    `constructs==${installedVersion('constructs')}`, `jsii==${installedVersion('jsii-pacmak')}`], { timeout: BUILD_TIMEOUT_MS });
}, 2 * BUILD_TIMEOUT_MS);

test('npm run package: the npm tarball (with the jsii assembly and js-yaml bundled) and the wheel, versions from package.json', () => {
  const listing = execFileSync('tar', ['tzf', TARBALL], { encoding: 'utf8' }).split('\n');
  expect(listing).toEqual(expect.arrayContaining(['package/.jsii', 'package/lib/index.js', 'package/lib/index.d.ts', 'package/node_modules/js-yaml/package.json']));
  const assembly = JSON.parse(execFileSync('tar', ['xzfO', TARBALL, 'package/.jsii'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }));
  expect(assembly.version).toBe(PKG.version);
  expect(assembly.targets.python).toEqual({ module: 'cdk8s_vmalert_ha', distName: 'cdk8s-vmalert-ha' });
  for (const name of ['VmalertHa', 'AlertmanagerCluster', 'RulesConfigMap', 'SelfMonitoringScrape', 'DeadMansSwitch']) {
    expect(assembly.types[`${PKG.name}.${name}`]?.kind).toBe('class');
  }
  const metadata = run(python, ['-c', 'import importlib.metadata as m; print(m.version("cdk8s-vmalert-ha"))'], { timeout: RUN_TIMEOUT_MS });
  expect(metadata.trim()).toBe(PKG.version);
  // the repository address both packages name is package.json's (the pipeline sets it to the project's before building)
  const urls = run(python, ['-c', 'import importlib.metadata as m; print("\\n".join(m.metadata("cdk8s-vmalert-ha").get_all("Project-URL")))'], { timeout: RUN_TIMEOUT_MS });
  expect(urls.trim().split('\n')).toEqual([`Source, ${PKG.repository.url}`]);
  expect(assembly.repository.url).toBe(PKG.repository.url);
});

test('the Python app synthesizes the same objects as the TypeScript app with the same settings, and the real tools accept them', () => {
  // WHEN the TypeScript app and the Python app synthesize into their own directories, the Python app then running
  // the testing helper (RealTools) with the pinned vmalert and amtool
  const tsOut = tempDir('python-package-ts-');
  expect(main({ CDK8S_OUTDIR: tsOut })).toBe(0);
  const pyOut = tempDir('python-package-py-');
  const output = run(python, [path.join('examples', 'python', 'app.py')], {
    env: { ...PYTHON_ENV, CDK8S_OUTDIR: pyOut, VMALERT_BIN: binary('vmalert'), AMTOOL_BIN: binary('amtool') }, timeout: RUN_TIMEOUT_MS,
  });
  // THEN the same files, and in each the same objects in the same order
  const files = (dir: string) => fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter(f => f.endsWith('.yaml') || f.endsWith('.yml')).sort();
  expect(files(pyOut)).toEqual(files(tsOut));
  expect(files(tsOut)).toEqual(['alerting.k8s.yaml', path.join('vmagent', 'scrape-configs.yml')]);
  for (const file of files(tsOut)) {
    const ts = yaml.loadAll(fs.readFileSync(path.join(tsOut, file), 'utf8'));
    const py = yaml.loadAll(fs.readFileSync(path.join(pyOut, file), 'utf8'));
    expect(py).toHaveLength(ts.length);
    ts.forEach((object, i) => expect(py[i]).toEqual(object));
  }
  const kinds = (yaml.loadAll(fs.readFileSync(path.join(pyOut, 'alerting.k8s.yaml'), 'utf8')) as Array<{ kind: string }>).map(o => o.kind);
  expect(kinds).toEqual(expect.arrayContaining(['Deployment', 'StatefulSet', 'ConfigMap', 'NetworkPolicy', 'PodDisruptionBudget', 'VMPodScrape']));
  // AND vmalert -dryRun accepted the vmalert Deployment's rules and arguments, amtool the Alertmanager config
  expect(output.trim().split('\n')).toEqual([
    expect.stringMatching(/^accepted: vmalert -dryRun of Deployment "alerting-vmalert-[0-9a-f]+", container "vmalert"$/),
    expect.stringMatching(/^accepted: amtool check-config of StatefulSet "alerting-alertmanager-[0-9a-f]+"$/),
  ]);
});

test('from Python: the camelCase rule fields reach the rule file under its keys, and the static forms give what the functions give', () => {
  // GIVEN typed groups with every camelCase rule field, and the TypeScript results of the helpers
  const chart = new Chart(new App({ outdir: tempDir('python-package-rules-') }), 'chart');
  new RulesConfigMap(chart, 'rules', { groups: CAMEL_CASE_GROUPS });
  const expectedData = (chart.toJson() as Array<{ kind: string; data?: object }>).find(o => o.kind === 'ConfigMap')?.data;
  expect(Object.values(expectedData ?? {}).join('')).toContain('eval_offset: 5m');
  // WHEN Python builds the same groups and calls the static forms
  const script = [
    'import json',
    'from cdk8s import App, Chart',
    'from cdk8s_vmalert_ha import (AlertingRule, NotificationTemplates, RecordingRule, RuleGroup, RulesConfigMap, SelfMonitoring,',
    '                              VictoriaMetricsTenant)',
    'chart = Chart(App(), "chart")',
    'RulesConfigMap(chart, "rules", groups=[',
    '    RuleGroup(name="storage", interval="1h", eval_offset="5m", eval_alignment=False, notifier_headers=["X-Team: storage"], rules=[',
    '        AlertingRule(alert="DiskFull", expr="disk_free == 0", for_="10m", keep_firing_for="15m", update_entries_limit=40),',
    '        RecordingRule(record="job:up:sum", expr="sum(up) by (job)", update_entries_limit=5)]),',
    '    RuleGroup(name="late", eval_delay="30s", rules=[AlertingRule(alert="Late", expr="up == 0")])])',
    'urls = VictoriaMetricsTenant.urls(vmselect_url="http://vmselect:8481", vminsert_url="http://vminsert:8480", tenant="42:7")',
    'template = NotificationTemplates.inline("email.tmpl", "{{ define \\"subject\\" }}x{{ end }}")',
    'jobs = SelfMonitoring.job_options(vmalert="vm.alert", alertmanager="am")',
    'print(json.dumps({',
    '    "data": next(o for o in chart.to_json() if o["kind"] == "ConfigMap")["data"],',
    '    "urls": [urls.datasource_url, urls.remote_read_url, urls.remote_write_url],',
    '    "template": [template.file_name, template.text],',
    '    "jobs": [jobs.vmalert_job, jobs.alertmanager_job],',
    '    "groups": [g.name for g in SelfMonitoring.rule_groups(alertmanager_replicas=3, watchdog=True)],',
    '}))',
  ].join('\n');
  const outcome = JSON.parse(run(python, ['-c', script], { cwd: tempDir('python-package-static-'), timeout: RUN_TIMEOUT_MS }).trim());
  // THEN the same rule file, and the functions' values
  const urls = tenantUrls({ vmselectUrl: 'http://vmselect:8481', vminsertUrl: 'http://vminsert:8480', tenant: '42:7' });
  expect(outcome).toEqual({
    data: expectedData,
    urls: [urls.datasourceUrl, urls.remoteReadUrl, urls.remoteWriteUrl],
    template: ['email.tmpl', '{{ define "subject" }}x{{ end }}'],
    jobs: ['vm\\.alert', 'am'],
    groups: selfMonitoringGroups({ alertmanagerReplicas: 3, watchdog: true }).map(g => g.name),
  });
});

test('a bad input reaches Python as an exception carrying the construct\'s message', () => {
  // GIVEN the message TypeScript gets for an Alertmanager cluster of 0 replicas
  const config = { route: { receiver: 'null' }, receivers: [{ name: 'null' }] };
  let expected = '';
  try {
    new AlertmanagerCluster(new Chart(new App({ outdir: tempDir('python-package-app-') }), 'chart'), 'alertmanager', { replicas: 0, config });
  } catch (error) {
    expected = (error as Error).message;
  }
  expect(expected).toMatch(/^AlertmanagerCluster "alertmanager": replicas must be a whole number >= 1, got 0/);
  // WHEN Python builds the same
  const script = [
    'import json',
    'from cdk8s import App, Chart',
    'from cdk8s_vmalert_ha import AlertmanagerCluster, AlertmanagerConfig, AlertmanagerReceiver, AlertmanagerRoute',
    'config = AlertmanagerConfig(route=AlertmanagerRoute(receiver="null"), receivers=[AlertmanagerReceiver(name="null")])',
    'try:',
    '    AlertmanagerCluster(Chart(App(), "chart"), "alertmanager", replicas=0, config=config)',
    'except Exception as error:',
    '    print(json.dumps({"type": type(error).__name__, "message": str(error)}))',
  ].join('\n');
  const outcome = JSON.parse(run(python, ['-c', script], { cwd: tempDir('python-package-bad-'), timeout: RUN_TIMEOUT_MS }).trim());
  // THEN a Python exception with that message
  expect(outcome).toEqual({ type: 'RuntimeError', message: expected });
});

test('the Python app of docs/python.md synthesizes the stack\'s workloads', () => {
  // GIVEN the app the docs show
  const docs = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'python.md'), 'utf8');
  const app = [...docs.matchAll(/^```python\n([\s\S]*?)\n```$/gm)].map(m => m[1]).find(code => code.includes('app.synth()'));
  expect(app?.split('\n').length).toBeLessThanOrEqual(20);
  const file = path.join(tempDir('python-package-docs-'), 'app.py');
  fs.writeFileSync(file, app!);
  // WHEN it runs from the repository root (its rule files are rules/)
  const outdir = tempDir('python-package-docs-out-');
  run(python, [file], { env: { ...PYTHON_ENV, CDK8S_OUTDIR: outdir }, timeout: RUN_TIMEOUT_MS });
  // THEN the vmalert Deployment notifies each of the 3 Alertmanager peers
  const objects = yaml.loadAll(fs.readFileSync(path.join(outdir, 'alerting.k8s.yaml'), 'utf8')) as Array<{ kind: string; spec?: any }>;
  const deployment = objects.find(o => o.kind === 'Deployment');
  const args: string[] = deployment?.spec.template.spec.containers[0].args ?? [];
  expect(args.filter(a => a.startsWith('-notifier.url='))).toHaveLength(3);
  expect(objects.find(o => o.kind === 'StatefulSet')?.spec.replicas).toBe(3);
});
