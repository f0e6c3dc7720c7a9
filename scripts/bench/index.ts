/**
 * `npm run bench`: how long `npm run synth` of the app takes next to the floor (the same `npm run` of a script in
 * which node loads cdk8s and cdk8s-plus-28 and synthesizes an empty chart), the same for `npx cdk8s synth` next to
 * the cdk8s CLI's own floor, and how the constructs' in-process cost grows with the number of rules. Prints one
 * report (Markdown tables) with the machine.
 *
 *   npm run bench                  # 7 runs of each CLI measurement, 21 of each in-process one, medians
 *   npm run bench -- --runs 3      # quicker, noisier
 *   npm run bench -- --skip-ts-node  # leave out the ts-node comparison (the slowest part)
 *   npm run bench -- --upgrade-check # let the CLI look up its latest version on every run (see below)
 *
 * The app is measured in a fresh `git clone` of this repository's HEAD (commit first to measure a change), with
 * node_modules linked from here so nothing is downloaded. Every run sets CDK8S_CHECK_UPGRADE=false: the CLI's
 * upgrade check is an HTTP request cached for 30 minutes in ~/.cdk8s-cli.version, so a user rarely pays it, but where
 * the lookup fails (offline, a registry mirror) it is never cached and adds a network round trip to floor and app
 * alike, noise that has nothing to do with the app.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import * as yaml from 'js-yaml';
import { loadAppConfig } from '../../app-config';
import { AlertingStack } from '../../main';
import { measureTree, TreeRun } from './process-tree';
import { RULES_PER_GROUP } from './generated-rules';
import { scaleChart } from './scale-chart';

const ROOT = path.resolve(__dirname, '..', '..');
const RULE_COUNTS = [500, 1000, 2000, 4000];
const DEFAULT_RUNS = 7;
/** In-process runs are cheap and noisier: take three for every CLI run. */
const IN_PROCESS_RUNS_PER_RUN = 3;
const TS_NODE_RUNS = 3;
/** The goals: `npx cdk8s synth` and `npm run synth` against their floors. */
const MAX_TIME_RATIO = 1.25;
const MAX_NPM_RUN_RATIO = 1.2;
const MAX_MEMORY_RATIO = 1.2;
const MAX_IN_PROCESS_MS_AT_2000 = 500;
const MIB = 1024 * 1024;

/** The floor: a precompiled app that loads what every cdk8s-plus app loads and synthesizes an empty chart. */
const FLOOR_APP_JS = `const { App, Chart } = require('cdk8s');
require('cdk8s-plus-28');
const app = new App();
new Chart(app, 'empty');
app.synth();
`;
/** What cdk8s.yaml ran before the launcher, measured for comparison. */
const TS_NODE_APP = 'npx ts-node main.ts';
/** Files whose uncommitted changes the fresh clone would not measure. */
const APP_SOURCES = ['cdk8s.yaml', 'main.ts', 'app-config.ts', 'constructs', 'scripts/synth/synth-app.js', 'tsconfig.json'];

interface Options {
  readonly runs: number;
  readonly tsNode: boolean;
  readonly upgradeCheck: boolean;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-bench-'));
  try {
    const floorDir = path.join(work, 'floor');
    const cloneDir = path.join(work, 'clone');
    writeFloorApp(floorDir);
    const commit = cloneRepository(cloneDir);
    const report: string[] = [
      ...machineLines(commit),
      `CLI upgrade check ${options.upgradeCheck ? 'on (as configured)' : 'off (CDK8S_CHECK_UPGRADE=false), for floor and app alike'}.`,
      '',
    ];
    process.stderr.write(`bench: ${options.runs} runs each, in ${work}\n`);

    // A first run of each fills caches (the page cache, the clone's .build/) and is not counted.
    await synth(cloneDir, options);
    await synth(floorDir, options);
    await npmRun(cloneDir, 'synth');
    await npmRun(floorDir, 'floor');
    const floorRuns: TreeRun[] = [];
    const appRuns: TreeRun[] = [];
    const coldRuns: TreeRun[] = [];
    const npmFloorRuns: TreeRun[] = [];
    const npmAppRuns: TreeRun[] = [];
    // Take turns, so load from other work on the machine falls on all alike.
    for (let i = 0; i < options.runs; i++) {
      npmFloorRuns.push(await npmRun(floorDir, 'floor'));
      npmAppRuns.push(await npmRun(cloneDir, 'synth'));
      floorRuns.push(await synth(floorDir, options));
      appRuns.push(await synth(cloneDir, options));
      fs.rmSync(path.join(cloneDir, '.build'), { recursive: true, force: true });
      coldRuns.push(await synth(cloneDir, options));
    }
    const tsNodeRuns: TreeRun[] = [];
    for (let i = 0; options.tsNode && i < TS_NODE_RUNS; i++) tsNodeRuns.push(await synth(cloneDir, options, ['--app', TS_NODE_APP]));

    const floor = summarize(floorRuns);
    const app = summarize(appRuns);
    const npmFloor = summarize(npmFloorRuns);
    const npmApp = summarize(npmAppRuns);
    report.push(
      ...treeTableHead('`npm run`'),
      cliRow('floor: `npm run floor` (node loads cdk8s + cdk8s-plus-28, synthesizes an empty chart)', npmFloor, npmFloor),
      cliRow('`npm run synth` (build in .build/ current)', npmApp, npmFloor),
      '',
      ...treeTableHead('`npx cdk8s synth`'),
      cliRow('floor: precompiled JS app, empty chart', floor, floor),
      cliRow('our app (build in .build/ current)', app, floor),
      cliRow('our app, first synth of a fresh clone (no .build/ yet)', summarize(coldRuns), floor),
      ...(tsNodeRuns.length > 0 ? [cliRow(`for comparison: \`app: ${TS_NODE_APP}\``, summarize(tsNodeRuns), floor)] : []),
      '',
    );

    const inProcessRuns = options.runs * IN_PROCESS_RUNS_PER_RUN;
    const inProcess = measureInProcess(inProcessRuns);
    report.push(
      `| in-process build + synth (modules loaded) | runs | median | per 1,000 rules more than the row above | rules ConfigMaps | YAML written |`,
      '|---|---:|---:|---:|---:|---:|',
      ...inProcess.map((row, i) => {
        const previous = inProcess[i - 1];
        const slope = previous?.rules ? ms((row.ms - previous.ms) / (row.rules - previous.rules) * 1000) : '-';
        return `| ${row.label} | ${inProcessRuns} | ${ms(row.ms)} | ${slope} | ${row.configMaps} | ${(row.bytes / MIB).toFixed(2)} MiB |`;
      }),
      '',
    );

    const at2000 = inProcess.find(row => row.rules === 2000)!;
    const scaled = inProcess.filter(row => row.rules > 0);
    const [first, last] = [scaled[0], scaled[scaled.length - 1]];
    const slopes = scaled.slice(1).map((row, i) => (row.ms - scaled[i].ms) / (row.rules - scaled[i].rules));
    report.push(
      verdict(`npm run synth wall time ${ratio(npmApp.wallMs, npmFloor.wallMs)} of the npm run floor`,
        npmApp.wallMs / npmFloor.wallMs <= MAX_NPM_RUN_RATIO, `<= ${MAX_NPM_RUN_RATIO}x`),
      ...(npmApp.cpuMs !== undefined && npmFloor.cpuMs !== undefined
        ? [verdict(`npm run synth CPU time ${ratio(npmApp.cpuMs, npmFloor.cpuMs)} of the npm run floor`,
          npmApp.cpuMs / npmFloor.cpuMs <= MAX_NPM_RUN_RATIO, `<= ${MAX_NPM_RUN_RATIO}x`)]
        : []),
      verdict(`synth wall time ${ratio(app.wallMs, floor.wallMs)} of the floor`, app.wallMs / floor.wallMs <= MAX_TIME_RATIO, `<= ${MAX_TIME_RATIO}x`),
      ...(app.cpuMs !== undefined && floor.cpuMs !== undefined
        ? [verdict(`synth CPU time ${ratio(app.cpuMs, floor.cpuMs)} of the floor`, app.cpuMs / floor.cpuMs <= MAX_TIME_RATIO, `<= ${MAX_TIME_RATIO}x`)]
        : [`- CPU time not measured: install GNU time (apt-get install -y time) for a figure that other load hardly moves`]),
      verdict(`peak memory ${ratio(app.peakTreeRssBytes, floor.peakTreeRssBytes)} of the floor`,
        app.peakTreeRssBytes / floor.peakTreeRssBytes <= MAX_MEMORY_RATIO, `<= ${MAX_MEMORY_RATIO}x`),
      verdict(`2,000 rules in-process ${ms(at2000.ms)}`, at2000.ms < MAX_IN_PROCESS_MS_AT_2000, `< ${MAX_IN_PROCESS_MS_AT_2000} ms`),
      `- growth from ${first.rules} to ${last.rules} rules: ${ms(Math.min(...slopes) * 1000)} to ${ms(Math.max(...slopes) * 1000)} `
        + 'per 1,000 more rules between rows (a constant cost per rule is linear growth)',
    );
    process.stdout.write(`${report.join('\n')}\n`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function parseOptions(args: string[]): Options {
  let runs = DEFAULT_RUNS;
  let tsNode = true;
  let upgradeCheck = false;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--runs') {
      runs = Number(args[++i]);
      if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs needs a whole number >= 1, got ${args[i]}`);
    } else if (args[i] === '--skip-ts-node') {
      tsNode = false;
    } else if (args[i] === '--upgrade-check') {
      upgradeCheck = true;
    } else {
      throw new Error(`unknown option ${args[i]} (use --runs N, --skip-ts-node, --upgrade-check)`);
    }
  }
  return { runs, tsNode, upgradeCheck };
}

function writeFloorApp(dir: string): void {
  fs.mkdirSync(dir);
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  fs.writeFileSync(path.join(dir, 'cdk8s.yaml'), yaml.dump({ language: 'typescript', app: 'node app.js', output: 'dist' }));
  fs.writeFileSync(path.join(dir, 'app.js'), FLOOR_APP_JS);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'floor', private: true, scripts: { floor: 'node app.js' } }));
}

/** A fresh clone of HEAD, as a user gets it, with our node_modules linked in (instead of `npm ci`). Returns the commit. */
function cloneRepository(dir: string): string {
  execFileSync('git', ['clone', '--quiet', ROOT, dir], { stdio: 'inherit' });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  const changed = execFileSync('git', ['status', '--porcelain', '--', ...APP_SOURCES], { cwd: ROOT, encoding: 'utf8' }).trim();
  if (changed) process.stderr.write(`bench: uncommitted changes are not measured (the clone is of HEAD):\n${changed}\n`);
  return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim();
}

async function synth(cwd: string, options: Options, extraArgs: string[] = []): Promise<TreeRun> {
  const env = options.upgradeCheck ? process.env : { ...process.env, CDK8S_CHECK_UPGRADE: 'false' };
  const run = await measureTree('npx', ['cdk8s', 'synth', ...extraArgs], { cwd, env });
  if (run.code !== 0) throw new Error(`npx cdk8s synth ${extraArgs.join(' ')} in ${cwd} exited with ${run.code}:\n${run.output}`);
  return run;
}

/** `npm run <script>` in `cwd`, measured; the floor's app writes to its dist/, the app's to the clone's. */
async function npmRun(cwd: string, script: string): Promise<TreeRun> {
  const run = await measureTree('npm', ['run', '--silent', script], { cwd, env: process.env });
  if (run.code !== 0) throw new Error(`npm run ${script} in ${cwd} exited with ${run.code}:\n${run.output}`);
  return run;
}

interface Summary {
  readonly runs: number;
  readonly wallMs: number;
  readonly minWallMs: number;
  readonly maxWallMs: number;
  readonly peakTreeRssBytes: number;
  readonly peakProcessRssBytes: number;
  readonly cpuMs?: number;
}

function summarize(runs: readonly TreeRun[]): Summary {
  const walls = runs.map(r => r.wallMs);
  return {
    runs: runs.length,
    wallMs: median(walls),
    minWallMs: Math.min(...walls),
    maxWallMs: Math.max(...walls),
    peakTreeRssBytes: median(runs.map(r => r.peakTreeRssBytes)),
    peakProcessRssBytes: median(runs.map(r => r.peakProcessRssBytes)),
    cpuMs: runs.every(r => r.cpuMs !== undefined) ? median(runs.map(r => r.cpuMs!)) : undefined,
  };
}

function treeTableHead(command: string): string[] {
  return [
    `| ${command} | runs | wall time, median (min-max) | vs floor | CPU time (user+sys) | vs floor `
      + '| peak RSS of the process tree | vs floor | largest process |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
}

function cliRow(label: string, row: Summary, floor: Summary): string {
  return `| ${label} | ${row.runs} | ${seconds(row.wallMs)} (${seconds(row.minWallMs)}-${seconds(row.maxWallMs)}) `
    + `| ${ratio(row.wallMs, floor.wallMs)} `
    + `| ${row.cpuMs !== undefined ? seconds(row.cpuMs) : 'n/a'} | ${row.cpuMs !== undefined ? ratio(row.cpuMs, floor.cpuMs!) : 'n/a'} `
    + `| ${mib(row.peakTreeRssBytes)} | ${ratio(row.peakTreeRssBytes, floor.peakTreeRssBytes)} `
    + `| ${mib(row.peakProcessRssBytes)} |`;
}

interface InProcessRow {
  readonly label: string;
  readonly rules: number;
  readonly ms: number;
  readonly configMaps: number;
  readonly bytes: number;
}

/** Median cost of building the constructs and writing the YAML, after one warm-up run of each scenario. */
function measureInProcess(runs: number): InProcessRow[] {
  const appConfig = loadAppConfig({ RULES_DIR: path.join(ROOT, 'rules') });
  const scenarios = [
    { label: 'the app (rules/ + self-monitoring)', rules: 0, build: (app: App) => {
      const stack = new AlertingStack(app, 'alerting', appConfig);
      return stack.rules.parts.length + stack.selfMonitoring.parts.length;
    } },
    ...RULE_COUNTS.map(count => ({
      label: `${count.toLocaleString('en-US')} alerting rules, ${RULES_PER_GROUP} per group`,
      rules: count,
      build: (app: App) => scaleChart(app, 'scale', count).rules.parts.length,
    })),
  ];
  return scenarios.map(scenario => {
    const samples: Array<{ ms: number; configMaps: number; bytes: number }> = [];
    for (let i = 0; i <= runs; i++) {
      const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-bench-synth-'));
      try {
        const started = process.hrtime.bigint();
        const app = new App({ outdir });
        const configMaps = scenario.build(app);
        app.synth();
        const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
        const bytes = fs.readdirSync(outdir).reduce((sum, file) => sum + fs.statSync(path.join(outdir, file)).size, 0);
        if (i > 0) samples.push({ ms: elapsed, configMaps, bytes });
      } finally {
        fs.rmSync(outdir, { recursive: true, force: true });
      }
    }
    return { label: scenario.label, rules: scenario.rules, ms: median(samples.map(s => s.ms)), configMaps: samples[0].configMaps, bytes: samples[0].bytes };
  });
}

function machineLines(commit: string): string[] {
  const cpus = os.cpus();
  const version = (pkg: string) => JSON.parse(fs.readFileSync(require.resolve(`${pkg}/package.json`, { paths: [ROOT] }), 'utf8')).version;
  return [
    `Machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB, `
      + `${os.type()} ${os.release()}, Node ${process.version}; load average at start ${os.loadavg()[0].toFixed(2)}.`,
    `cdk8s-cli ${version('cdk8s-cli')}, cdk8s ${version('cdk8s')}, cdk8s-plus-28 ${version('cdk8s-plus-28')}, `
      + `esbuild ${version('esbuild')}; app at commit ${commit} (fresh clone).`,
  ];
}

function verdict(what: string, ok: boolean, goal: string): string {
  return `- ${ok ? 'meets' : 'MISSES'} the goal: ${what} (goal ${goal})`;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const seconds = (value: number) => `${(value / 1000).toFixed(2)} s`;
const ms = (value: number) => `${value.toFixed(value < 10 ? 1 : 0)} ms`;
const mib = (bytes: number) => `${(bytes / MIB).toFixed(0)} MiB`;
const ratio = (value: number, base: number) => `${(value / base).toFixed(2)}x`;

main().catch(error => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
