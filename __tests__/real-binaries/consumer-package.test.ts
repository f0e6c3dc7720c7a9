/**
 * The package as another cdk8s app gets it: `npm pack` our repo, install the tarball into a fresh app in the
 * system's temp directory (outside this repo, so nothing resolves into our node_modules or sources), type-check
 * and synthesize a chart written against the package's public API with the app's own rules.
 *
 * One pack + install is shared by the whole file. It needs the npm registry or npm's cache (`--prefer-offline`).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as yaml from 'js-yaml';
import * as ts from 'typescript';
import { checkManifests } from '../../scripts/ci/k8s-checks';
import { findObjects, flagValues, K8sObject } from '../../constructs/testing/manifests';
import { binary } from '../../testkit/binaries';

const REPO_ROOT = path.join(__dirname, '..', '..');
const PACKAGE_NAME = 'cdk8s-vmalert-ha';
const PEERS = ['cdk8s', 'cdk8s-plus-28', 'constructs'];
/** Our TypeScript compiler: the consumer gets no toolchain of its own, to keep the install small. */
const TSC = require.resolve('typescript/bin/tsc');
/** pack (which builds lib/) + install on a shared 2-core machine; minutes only when npm's cache is cold. */
const SETUP_TIMEOUT_MS = 300_000;
const STEP_TIMEOUT_MS = 120_000;

/** What a consumer needs, and nothing else: compiled library, declarations, docs, package.json. */
/**
 * The library, its docs, the jsii assembly (.jsii, which the other languages' runtimes read) and js-yaml with its one
 * dependency, bundled because jsii packages carry their non-jsii dependencies.
 */
const ALLOWED_IN_TARBALL = /^(lib\/([\w-]+\/)*[\w.-]+\.(js|d\.ts)|package\.json|README\.md|README\.zh-TW\.md|CHANGELOG\.md|API\.md|\.jsii|node_modules\/(js-yaml|argparse)\/.+)$/;

const CONSUMER_NAMESPACE = 'alerting';
const CONSUMER_RULES = `groups:
  - name: queue
    interval: 30s
    rules:
      - alert: QueueBacklog
        expr: sum(queue_depth) > 1000
        for: 10m
        labels:
          severity: warning
`;

/** A consumer's cdk8s app, written only against the package's public entry point. */
const CONSUMER_MAIN = `import { App, Chart } from 'cdk8s';
import { AlertmanagerCluster, RulesConfigMap, VmalertHa } from '${PACKAGE_NAME}';

const app = new App();
const chart = new Chart(app, 'consumer', { namespace: '${CONSUMER_NAMESPACE}' });
const alertmanager = new AlertmanagerCluster(chart, 'alertmanager', {
  replicas: 3,
  config: {
    route: { receiver: 'hook' },
    receivers: [{ name: 'hook', webhookConfigs: [{ url: { secretName: 'hook-url', key: 'url' } }] }],
  },
});
const vmalert: VmalertHa = new VmalertHa(chart, 'vmalert', {
  datasourceUrl: 'http://vmselect.metrics.svc:8481/select/0/prometheus',
  notifiers: alertmanager,
  rules: RulesConfigMap.fromDirectory(chart, 'rules', 'rules'),
});
/** Typed public field: set -dedup.minScrapeInterval on vmselect and vmstorage to it. */
export const dedupInterval: string = vmalert.recommendedDedupInterval;
app.synth();
`;

/** Uses the API wrongly: a required prop is missing. The compiler must say so, naming the prop and the type. */
const CONSUMER_BAD = `import { Chart, Testing } from 'cdk8s';
import { RulesConfigMap, VmalertHa } from '${PACKAGE_NAME}';

const chart = new Chart(Testing.app(), 'bad');
new VmalertHa(chart, 'vmalert', {
  notifiers: ['http://alertmanager:9093'],
  rules: new RulesConfigMap(chart, 'rules', { groups: [] }),
});
`;

/** Strict, no @types/node, full library check: what our .d.ts files need must come with the package. */
const CONSUMER_TSCONFIG = {
  compilerOptions: {
    target: 'ES2020', module: 'commonjs', lib: ['ES2020'], strict: true, skipLibCheck: false, types: [],
  },
  include: ['main.ts'],
};

interface PackResult {
  readonly filename: string;
  readonly size: number;
  readonly files: Array<{ path: string }>;
}

let workDir: string;
let appDir: string;
let packed: PackResult;

/** npm's per-run settings from an outer `npm test` must not steer the consumer's npm to our repo. */
function childEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) =>
    !/^(npm_(config_local_prefix|config_prefix|package_|lifecycle_)|INIT_CWD$)/i.test(key)));
}

function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, { cwd, env: childEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const e = error as { status?: number; stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} (in ${cwd}) exited ${e.status}:\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

/** Runs a command that is expected to fail; returns its output. */
function runFailing(command: string, args: string[], cwd: string): string {
  try {
    execFileSync(command, args, { cwd, env: childEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return `${e.stdout ?? ''}${e.stderr ?? ''}`;
  }
  throw new Error(`${command} ${args.join(' ')} (in ${cwd}) succeeded but was expected to fail`);
}

/** The versions of the peers this repo is locked to (and tested with). */
function lockedVersion(name: string): string {
  const lock = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8'));
  const version = lock.packages?.[`node_modules/${name}`]?.version;
  if (!version) throw new Error(`package-lock.json has no node_modules/${name}: run npm install`);
  return version;
}

/** Every installed copy of a package below a directory (two copies of constructs would break instanceof checks). */
function installedCopies(dir: string, name: string): string[] {
  const found: string[] = [];
  const walk = (nodeModules: string) => {
    if (!fs.existsSync(nodeModules)) return;
    for (const entry of fs.readdirSync(nodeModules)) {
      const scoped = entry.startsWith('@') ? fs.readdirSync(path.join(nodeModules, entry)).map(e => `${entry}/${e}`) : [entry];
      for (const pkg of scoped) {
        const pkgDir = path.join(nodeModules, pkg);
        if (pkg === name) found.push(path.relative(dir, pkgDir));
        walk(path.join(pkgDir, 'node_modules'));
      }
    }
  };
  walk(path.join(dir, 'node_modules'));
  return found;
}

function writeFile(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

beforeAll(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), `${PACKAGE_NAME}-consumer-`));
  appDir = path.join(workDir, 'app');
  const packDir = path.join(workDir, 'pack');
  fs.mkdirSync(packDir);
  // npm pack runs prepack (a clean build of lib/), exactly as npm publish would.
  const packOutput = run('npm', ['pack', '--json', '--pack-destination', packDir], REPO_ROOT);
  packed = (JSON.parse(packOutput.slice(packOutput.search(/^\[/m))) as PackResult[])[0];

  writeFile(path.join(appDir, 'package.json'), JSON.stringify({ name: 'consumer-app', version: '1.0.0', private: true }, null, 2));
  writeFile(path.join(appDir, 'tsconfig.json'), JSON.stringify(CONSUMER_TSCONFIG, null, 2));
  writeFile(path.join(appDir, 'main.ts'), CONSUMER_MAIN);
  writeFile(path.join(appDir, 'rules', 'queue.yml'), CONSUMER_RULES);
  run('npm', [
    'install', '--prefer-offline', '--no-audit', '--no-fund', '--prefix', appDir,
    path.join(packDir, packed.filename), ...PEERS.map(name => `${name}@${lockedVersion(name)}`),
  ], appDir);
}, SETUP_TIMEOUT_MS);

afterAll(() => {
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

test('the tarball holds the compiled library with declarations and the docs, nothing else', () => {
  // GIVEN the packed file list
  const files = packed.files.map(f => f.path);
  // WHEN / THEN no sources, tests, rules, app, examples or scripts ship
  expect(files.filter(f => !ALLOWED_IN_TARBALL.test(f))).toEqual([]);
  expect(files).toEqual(expect.arrayContaining(['lib/index.js', 'lib/index.d.ts', 'package.json', 'README.md', 'README.zh-TW.md']));
});

test('installs with the peers shared: one copy each of cdk8s, cdk8s-plus-28 and constructs, resolved in the app', () => {
  // GIVEN the installed consumer app
  // WHEN looking up the package and its peers from the app
  const resolved = require.resolve(PACKAGE_NAME, { paths: [appDir] });
  const copies = PEERS.map(name => installedCopies(appDir, name));
  // THEN the package comes from the app's node_modules (not our repo) and the peers exist once, at the top
  expect(resolved).toBe(path.join(appDir, 'node_modules', PACKAGE_NAME, 'lib', 'index.js'));
  expect(copies).toEqual(PEERS.map(name => [path.join('node_modules', name)]));
}, STEP_TIMEOUT_MS);

test('types resolve: the chart type-checks strictly, and a wrong use of the API is a compile error', () => {
  // GIVEN the consumer's chart and, next to it, a misuse of VmalertHa
  writeFile(path.join(appDir, 'bad.ts'), CONSUMER_BAD);
  writeFile(path.join(appDir, 'tsconfig.check.json'), JSON.stringify({ extends: './tsconfig.json', include: ['main.ts', 'bad.ts'] }));
  // WHEN type-checking both with our tsc
  const output = runFailing(process.execPath, [TSC, '--noEmit', '-p', 'tsconfig.check.json'], appDir);
  // THEN the misuse is the only error, naming the missing prop and the props type; the chart itself is clean
  const errors = output.split('\n').filter(line => /error TS\d+/.test(line));
  expect(errors).toEqual([expect.stringMatching(/^bad\.ts\(\d+,\d+\): error TS2345: .*'VmalertHaProps'/)]);
  expect(output).toMatch(/Property 'datasourceUrl' is missing in type .* but required in type 'VmalertHaProps'/);
}, STEP_TIMEOUT_MS);

test('the consumer chart synthesizes: one -notifier.url per Alertmanager pod, the consumer rule in its ConfigMap', () => {
  // GIVEN the consumer's chart as JavaScript (type checking is the test above)
  const source = fs.readFileSync(path.join(appDir, 'main.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 } });
  writeFile(path.join(appDir, 'main.js'), outputText);
  // WHEN synthesizing it the way cdk8s does (node runs the app in the app's directory)
  run(process.execPath, ['main.js'], appDir);
  const objects = yaml.loadAll(fs.readFileSync(path.join(appDir, 'dist', 'consumer.k8s.yaml'), 'utf8')) as K8sObject[];
  // THEN the manifests are valid and wired as documented
  expect(checkManifests(objects, { externalSecrets: ['hook-url'] })).toEqual([]);
  const [statefulSet] = findObjects(objects, 'StatefulSet');
  const [deployment] = findObjects(objects, 'Deployment');
  const args: string[] = deployment.spec.template.spec.containers[0].args;
  const podUrls = [0, 1, 2].map(i =>
    `http://${statefulSet.metadata.name}-${i}.${statefulSet.spec.serviceName}.${CONSUMER_NAMESPACE}.svc:9093`);
  expect(flagValues(args, '-notifier.url')).toEqual(podUrls);

  const ruleConfigMaps = findObjects(objects, 'ConfigMap').filter(c => c.metadata.labels?.['app.kubernetes.io/component'] === 'vmalert-rules');
  expect(ruleConfigMaps).toHaveLength(1);
  const ruleFile = yaml.load(ruleConfigMaps[0].data['queue.yml']) as { groups: Array<{ name: string; rules: Array<{ alert: string; expr: string }> }> };
  expect(ruleFile.groups).toEqual([expect.objectContaining({ name: 'queue', rules: [expect.objectContaining({ alert: 'QueueBacklog', expr: 'sum(queue_depth) > 1000' })] })]);
  expect(flagValues(args, '-rule')).toEqual([`/etc/vmalert/rules/${ruleConfigMaps[0].metadata.name}/*.yml`]);
}, STEP_TIMEOUT_MS);

/** A consumer's test of its chart with the real tools, written against the `testing` entry point only. */
const CONSUMER_CHECK = `import { Chart, Testing } from 'cdk8s';
import { AlertmanagerCluster, RulesConfigMap, VmalertHa } from '${PACKAGE_NAME}';
import { assertRealToolsAccept, RealToolCheck } from '${PACKAGE_NAME}/testing';

declare const console: { log(text: string): void };

const chart = new Chart(Testing.app(), 'checked', { namespace: '${CONSUMER_NAMESPACE}' });
const alertmanager = new AlertmanagerCluster(chart, 'alertmanager', {
  replicas: 1, config: { route: { receiver: 'null' }, receivers: [{ name: 'null' }] },
});
new VmalertHa(chart, 'vmalert', {
  datasourceUrl: 'http://vmselect:8481/select/0/prometheus',
  notifiers: alertmanager,
  rules: RulesConfigMap.fromDirectory(chart, 'rules', 'rules'),
});
const checks: RealToolCheck[] = assertRealToolsAccept(chart);
console.log(JSON.stringify(checks.map(check => check.subject)));
`;

test('the testing entry point type-checks and runs the real tools from VMALERT_BIN and AMTOOL_BIN', () => {
  // GIVEN a consumer's check written against 'cdk8s-vmalert-ha/testing'
  writeFile(path.join(appDir, 'check.ts'), CONSUMER_CHECK);
  writeFile(path.join(appDir, 'tsconfig.testing.json'), JSON.stringify({
    extends: './tsconfig.json', include: ['check.ts'], compilerOptions: { outDir: 'out' },
  }));
  // WHEN compiled strictly with our tsc and run with the pinned binaries in the environment
  run(process.execPath, [TSC, '-p', 'tsconfig.testing.json'], appDir);
  const output = execFileSync(process.execPath, [path.join('out', 'check.js')], {
    cwd: appDir, encoding: 'utf8', env: { ...childEnv(), VMALERT_BIN: binary('vmalert'), AMTOOL_BIN: binary('amtool') },
  });
  // THEN both tools accepted the chart
  expect(JSON.parse(output)).toEqual([
    expect.stringMatching(/^vmalert -dryRun of Deployment "checked-vmalert-/),
    expect.stringMatching(/^amtool check-config of StatefulSet "checked-alertmanager-/),
  ]);
}, STEP_TIMEOUT_MS);
