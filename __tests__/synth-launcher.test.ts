/**
 * scripts/synth/synth-app.js, the `app` of cdk8s.yaml: it synthesizes what main.ts synthesizes, rebuilds its compiled
 * copy whenever a source changed (also a module that is new), reuses a current one, and never runs a stale one.
 * Each test works on a copy of the app's sources in a temporary directory, never on the shared tree.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import * as yaml from 'js-yaml';
import { loadAppConfig } from '../app-config';
import { AlertingStack, synthesize } from '../main';
import { run, RunResult } from '../testkit/binaries';

const ROOT = path.resolve(__dirname, '..');
const APP_SOURCES = ['main.ts', 'app-config.ts', 'tsconfig.json', 'constructs', 'rules', 'scripts/synth/synth-app.js', 'cdk8s.yaml'];
const BUILD = path.join('.build', 'app', 'main.js');
const MANIFEST = 'alerting.k8s.yaml';
/** A first run starts esbuild; give a loaded machine room. */
const LAUNCH_TIMEOUT_MS = 60_000;

let appDir: string;

beforeEach(() => {
  appDir = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-launcher-'));
  for (const source of APP_SOURCES) fs.cpSync(path.join(ROOT, source), path.join(appDir, source), { recursive: true });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(appDir, 'node_modules'));
});

afterEach(() => {
  fs.rmSync(appDir, { recursive: true, force: true });
});

/** Runs the launcher in the copy, as the cdk8s CLI does (CDK8S_OUTDIR set), into a new output directory. */
function launch(env: Record<string, string> = {}): RunResult & { manifest?: string; outdir: string } {
  const outdir = fs.mkdtempSync(path.join(appDir, 'out-'));
  const result = run(process.execPath, ['scripts/synth/synth-app.js'], {
    cwd: appDir,
    // A heartbeat Secret named, so the app has nothing to warn about and stderr holds only the launcher's own words.
    env: { PATH: process.env.PATH, HOME: process.env.HOME, HEARTBEAT_URL_SECRET: 'heartbeat-url', ...env, CDK8S_OUTDIR: outdir },
    timeoutMs: LAUNCH_TIMEOUT_MS,
  });
  const file = path.join(outdir, MANIFEST);
  return { ...result, outdir, manifest: fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined };
}

function edit(file: string, from: string | RegExp, to: string): void {
  const full = path.join(appDir, file);
  const text = fs.readFileSync(full, 'utf8');
  const edited = text.replace(from, to);
  if (edited === text) throw new Error(`test setup: ${file} does not contain ${from}`);
  fs.writeFileSync(full, edited);
}

function vmalertImage(manifest: string): string {
  const deployment = yaml.loadAll(manifest).find(o => (o as { kind: string }).kind === 'Deployment') as any;
  return deployment.spec.template.spec.containers[0].image;
}

test('cdk8s.yaml runs the app through the launcher', () => {
  // GIVEN the repository's cdk8s.yaml
  const config = yaml.load(fs.readFileSync(path.join(ROOT, 'cdk8s.yaml'), 'utf8')) as { app: string };
  // THEN its app is the launcher, started with plain node
  expect(config.app).toBe('node scripts/synth/synth-app.js');
});

test('a first run builds .build/ and writes exactly what main.ts synthesizes when run as TypeScript', () => {
  // GIVEN a copy without a build
  expect(fs.existsSync(path.join(appDir, BUILD))).toBe(false);
  // WHEN the launcher runs
  const result = launch();
  // THEN it succeeds, leaves a build, and its manifest is byte for byte the app's own synth with the same settings
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  expect(fs.existsSync(path.join(appDir, BUILD))).toBe(true);
  const reference = fs.mkdtempSync(path.join(appDir, 'reference-'));
  const app = new App({ outdir: reference });
  new AlertingStack(app, 'alerting', loadAppConfig({ RULES_DIR: path.join(appDir, 'rules'), HEARTBEAT_URL_SECRET: 'heartbeat-url' }));
  synthesize(app);
  expect(result.manifest).toBe(fs.readFileSync(path.join(reference, MANIFEST), 'utf8'));
});

test('the app\'s writer (js-yaml) writes the same objects, in the same order, as cdk8s\'s app.synth()', () => {
  // GIVEN the app built twice with the same settings
  const config = loadAppConfig({ RULES_DIR: path.join(appDir, 'rules'), HEARTBEAT_URL_SECRET: 'heartbeat-url' });
  const ours = new App({ outdir: fs.mkdtempSync(path.join(appDir, 'ours-')) });
  const theirs = new App({ outdir: fs.mkdtempSync(path.join(appDir, 'theirs-')) });
  new AlertingStack(ours, 'alerting', config);
  new AlertingStack(theirs, 'alerting', config);
  // WHEN one is written by synthesize() and the other by cdk8s
  synthesize(ours);
  theirs.synth();
  // THEN both files hold the same documents
  const documents = (app: App) => yaml.loadAll(fs.readFileSync(path.join(app.outdir, MANIFEST), 'utf8'));
  expect(documents(ours).length).toBeGreaterThan(10);
  expect(documents(ours)).toEqual(documents(theirs));
  expect(fs.readdirSync(ours.outdir)).toEqual(fs.readdirSync(theirs.outdir));
});

test('a current build is reused, even when a source was only touched', () => {
  // GIVEN a build
  expect(launch().code).toBe(0);
  const built = fs.statSync(path.join(appDir, BUILD));
  // WHEN a source's modification time changes but not its content, and the launcher runs again
  const later = new Date(Date.now() + 60_000);
  fs.utimesSync(path.join(appDir, 'constructs', 'core', 'constants.ts'), later, later);
  const result = launch();
  // THEN it synthesizes from the same build file (a rebuild writes a new file in its place)
  expect(result.code).toBe(0);
  expect(result.manifest).toContain('kind: Deployment');
  expect(fs.statSync(path.join(appDir, BUILD)).ino).toBe(built.ino);
});

test('a changed source is rebuilt before synthesis: the output reflects the change', () => {
  // GIVEN a build of the original sources
  const before = launch();
  expect(vmalertImage(before.manifest!)).toMatch(/^victoriametrics\/vmalert:/);
  // WHEN a construct's constant changes and the launcher runs again
  edit('constructs/core/versions.ts', /victoriaMetrics: '[^']+'/, "victoriaMetrics: 'v0.0.0-launcher-test'");
  const after = launch();
  // THEN the new image is in the output
  expect(after.code).toBe(0);
  expect(vmalertImage(after.manifest!)).toBe('victoriametrics/vmalert:v0.0.0-launcher-test');
});

test('a type-correct change that adds a module works, and later edits of that module are picked up', () => {
  // GIVEN a build, then a new module imported by main.ts that labels every object of the chart
  expect(launch().code).toBe(0);
  fs.writeFileSync(path.join(appDir, 'constructs', 'launcher-label.ts'), "export const LAUNCHER_LABEL = 'first';\n");
  edit('main.ts', "import { AppConfig, loadAppConfig, NO_HEARTBEAT } from './app-config';",
    "import { AppConfig, loadAppConfig, NO_HEARTBEAT } from './app-config';\nimport { LAUNCHER_LABEL } from './constructs/launcher-label';");
  edit('main.ts', 'super(scope, id, { ...props, namespace: config.namespace });',
    "super(scope, id, { ...props, namespace: config.namespace, labels: { 'launcher-test': LAUNCHER_LABEL } });");
  // WHEN the launcher runs, and again after only the new module changed
  const first = launch();
  edit('constructs/launcher-label.ts', "'first'", "'second'");
  const second = launch();
  // THEN each output carries the label value of the sources it ran on
  expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
  expect(first.manifest).toContain('launcher-test: first');
  expect(second.code).toBe(0);
  expect(second.manifest).toContain('launcher-test: second');
  expect(second.manifest).not.toContain('launcher-test: first');
});

test('a source that does not compile stops the synth: nothing is written, the old build is not run', () => {
  // GIVEN a build, then a syntax error in a construct
  expect(launch().code).toBe(0);
  edit('constructs/core/versions.ts', /victoriaMetrics: '[^']+',/, "victoriaMetrics: 'broken,");
  // WHEN the launcher runs
  const result = launch();
  // THEN it fails naming the file, and writes no manifest
  expect(result.code).not.toBe(0);
  expect(result.stderr).toMatch(/cannot build main\.ts for synthesis \(nothing was synthesized\)/);
  expect(result.stderr).toContain('constructs/core/versions.ts');
  expect(fs.readdirSync(result.outdir)).toEqual([]);
});

test('a type error does not stop the synth (tsc --noEmit in npm test and the pipeline catches it)', () => {
  // GIVEN a build, then a change that is valid JavaScript but not valid TypeScript
  expect(launch().code).toBe(0);
  edit('constructs/core/versions.ts', /export const VMALERT_IMAGE = /, 'export const VMALERT_IMAGE: number = ');
  // WHEN the launcher runs
  const result = launch();
  // THEN it synthesizes with the change: types are checked elsewhere, not on every synth
  expect(result.code).toBe(0);
  expect(result.manifest).toContain('kind: Deployment');
});

test('with DEBUG set, a stack trace names the TypeScript source and line', () => {
  // GIVEN a setting the app refuses
  // WHEN the launcher runs with DEBUG set
  const result = launch({ VMALERT_REPLICAS: '0', DEBUG: '1' });
  // THEN it fails with the message, and the stack points into app-config.ts, not the compiled bundle
  expect(result.code).not.toBe(0);
  expect(result.stderr).toContain('VMALERT_REPLICAS="0"');
  expect(result.stderr).toMatch(/app-config\.ts:\d+:\d+/);
  expect(result.stderr).not.toMatch(/\.build[\\/]app[\\/]main\.js:\d+/);
});

test('npx cdk8s synth in a copy of the repository uses the launcher and writes dist/', () => {
  // WHEN a user runs the documented command
  const result = run('npx', ['cdk8s', 'synth'], { cwd: appDir, timeoutMs: LAUNCH_TIMEOUT_MS });
  // THEN it succeeds through a build in .build/ and writes the app's manifest to dist/
  expect({ code: result.code, stderr: result.code === 0 ? '' : result.stderr }).toEqual({ code: 0, stderr: '' });
  expect(fs.existsSync(path.join(appDir, BUILD))).toBe(true);
  expect(fs.readFileSync(path.join(appDir, 'dist', MANIFEST), 'utf8')).toContain('kind: StatefulSet');
});
