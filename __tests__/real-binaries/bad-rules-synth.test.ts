/**
 * The mistakes people really make in rule files, end to end: the app's synth (the `app` command of
 * cdk8s.yaml, the one `npx cdk8s synth` runs, with RULES_DIR pointing at a fixture) must fail with a
 * message naming the file, the group and rule, and what to fix; no stack trace; no output written.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { checkManifests } from '../../scripts/ci/k8s-checks';
import { readManifests } from '../../constructs/testing/manifests';

const ROOT = path.join(__dirname, '..', '..');
const FIXTURES = path.join(__dirname, '..', 'fixtures', 'bad-rules');
/** A synth compiles the app on its first run: give it room on a busy 2-core machine. */
const SYNTH_TIMEOUT_MS = 120_000;
/** A line of a JavaScript stack trace. */
const STACK_LINE = /^\s+at /m;

/** What each fixture's message must contain, beyond its file path. */
const EXPECTED: Record<string, RegExp[]> = {
  'early-closed-quote': [/cpu\.yml:9:\d+/, /group "victoriametrics-cpu"/, /rule "VictoriaMetricsHighCPU"/, /summary: "\{\{ \$labels\.job \}\}" CPU/, /Quote the whole value once/],
  'unbalanced-parenthesis': [/group "victoriametrics-cpu"/, /rule "VictoriaMetricsHighCPU"/, /expr: "\(" at column 1 is never closed: add "\)"/],
  'bad-for-duration': [/group "victoriametrics-cpu"/, /rule "VictoriaMetricsHighCPU"/, /for: "1x" is not a duration/, /30s, 5m, 1h/],
  'duplicate-group-name': [/group "victoriametrics"/, /used twice/, /unique/],
  'duplicate-rule': [/group "victoriametrics-cpu"/, /rule "VictoriaMetricsHighCPU" \(#2\) duplicates rule #1/, /give one a distinguishing label/],
  'not-utf8': [/cpu\.yml:8: the file is not UTF-8/, /iconv -f BIG5 -t UTF-8 cpu\.yml/],
  'unknown-top-level-key': [/unknown top-level key "namespace"/, /a rule file has only "groups:"/],
};

interface SynthResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Files in the output directory afterwards (none when it does not exist). */
  readonly written: string[];
}

/** The `app` command of cdk8s.yaml: what `npx cdk8s synth` runs. */
function appCommand(): string {
  const config = yaml.load(fs.readFileSync(path.join(ROOT, 'cdk8s.yaml'), 'utf8')) as { app?: string };
  if (!config.app) throw new Error('cdk8s.yaml has no "app" command');
  return config.app;
}

/** Runs the app as `cdk8s synth` does (a shell command, CDK8S_OUTDIR set) with the given environment. */
function synth(env: Record<string, string>, outdir: string): Promise<SynthResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(appCommand(), [], {
      cwd: ROOT,
      shell: true,
      env: { ...process.env, ...env, CDK8S_OUTDIR: outdir, DEBUG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += String(chunk); });
    child.stderr.on('data', (chunk) => { stderr += String(chunk); });
    const timer = setTimeout(() => child.kill('SIGKILL'), SYNTH_TIMEOUT_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      const written = fs.existsSync(outdir) ? fs.readdirSync(outdir, { recursive: true }).map(String) : [];
      resolve({ code, stdout, stderr, written });
    });
  });
}

const cases = fs.readdirSync(FIXTURES).sort();
let workDir: string;
const results = new Map<string, SynthResult>();
let good: SynthResult;
let goodOutdir: string;

beforeAll(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bad-rules-synth-'));
  goodOutdir = path.join(workDir, 'good', 'dist');
  // The synths are independent: run them side by side.
  const [goodResult, ...bad] = await Promise.all([
    synth({ RULES_DIR: path.join(ROOT, 'rules') }, goodOutdir),
    ...cases.map((c) => synth({ RULES_DIR: path.join(FIXTURES, c) }, path.join(workDir, c, 'dist'))),
  ]);
  good = goodResult;
  cases.forEach((c, i) => results.set(c, bad[i]));
}, SYNTH_TIMEOUT_MS * 2);

afterAll(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

test('every fixture case has its expectations, one rule file each', () => {
  expect(cases.sort()).toEqual(Object.keys(EXPECTED).sort());
  for (const c of cases) expect(fs.readdirSync(path.join(FIXTURES, c)).filter((f) => /\.ya?ml$/.test(f))).toHaveLength(1);
});

test('control: with the shipped rules the same command synthesizes valid manifests', () => {
  // GIVEN the app's own rules / WHEN synthesized / THEN exit 0 and the written YAML passes every check
  expect({ code: good.code, stderr: good.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
  const objects = readManifests(goodOutdir);
  expect(objects.length).toBeGreaterThan(0);
  expect(checkManifests(objects, { externalSecrets: ['alertmanager-smtp'] })).toEqual([]);
});

test('through the cdk8s CLI (npx cdk8s synth) the failure still exits non-zero with the message and writes nothing', async () => {
  // GIVEN a bad rule file and an output directory holding a previous synth
  const outdir = path.join(workDir, 'cli', 'dist');
  fs.mkdirSync(outdir, { recursive: true });
  fs.writeFileSync(path.join(outdir, 'previous.k8s.yaml'), '# previous synth\n');
  // WHEN the user runs the CLI (upgrade check off: it needs the internet and prints its own trace offline)
  const result = await new Promise<SynthResult>((resolve, reject) => {
    const child = spawn('npx', ['cdk8s', 'synth', '--no-check-upgrade', '-o', outdir], {
      cwd: ROOT,
      env: { ...process.env, RULES_DIR: path.join(FIXTURES, 'bad-for-duration'), DEBUG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += String(chunk); });
    child.stderr.on('data', (chunk) => { stderr += String(chunk); });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr, written: fs.existsSync(outdir) ? fs.readdirSync(outdir).map(String) : [] }));
  });
  // THEN non-zero, the app's message is there, and no manifest is left to deploy by mistake
  expect(result.code).not.toBe(0);
  expect(result.stderr).toMatch(/bad-for-duration[/\\]cpu\.yml: group "victoriametrics-cpu": rule "VictoriaMetricsHighCPU": for: "1x" is not a duration/);
  expect(result.written).toEqual([]);
  // (The CLI itself then prints "Error: command ... returned a non-zero exit code 1" with its own stack:
  // cdk8s-cli's main() logs e.stack for any failed app; the app's own output above has none.)
}, SYNTH_TIMEOUT_MS);

describe.each(cases)('rule file mistake "%s"', (name) => {
  test('synth fails with a message naming the file, the group/rule and the fix; no stack trace; nothing written', () => {
    // GIVEN RULES_DIR pointing at the fixture
    const result = results.get(name)!;
    const file = path.join('__tests__', 'fixtures', 'bad-rules', name);
    // THEN the exit code is non-zero
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    // AND stderr names the file and says what is wrong and how to fix it
    expect(result.stderr).toContain(path.basename(file));
    expect(result.stderr).toMatch(new RegExp(`${name}[/\\\\]cpu\\.yml`));
    for (const pattern of EXPECTED[name]) expect(result.stderr).toMatch(pattern);
    // AND it is a message, not a crash
    expect(result.stderr).not.toMatch(STACK_LINE);
    // AND no manifest was written
    expect(result.written).toEqual([]);
  });
});
