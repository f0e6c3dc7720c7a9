/**
 * The synthesized vmalert Deployments, proven with the real vmalert binary: the rule files parse,
 * the container's own argument list passes vmalert's flag parser, and a misplaced flag is refused
 * both by vmalert and by our synth-time validation.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { containerArgs, expandEnvRefs, extractRuleFiles, ExtractedRules, rewriteArgPaths } from '../../constructs/testing/manifests';
import { binary, freePort, pollUntilOk, run, start } from '../../testkit/binaries';
import { SynthesizedChart, testCharts, vmalertWithExtraArgs } from './charts';

/** Downward API values the kubelet would put in $(POD_NAME) / $(POD_NAMESPACE). */
const POD_ENV = { POD_NAME: 'vmalert-7d9f8b6c5-x2x4q', POD_NAMESPACE: 'monitoring' };
/** A loopback port nothing listens on: stands in for vmselect/vminsert so no traffic leaves the machine. */
const UNREACHABLE = 'http://127.0.0.1:1';
/** Flags whose value is a URL vmalert connects to. */
const URL_FLAGS = ['datasource.url', 'remoteWrite.url', 'remoteRead.url', 'notifier.url'];

const charts = testCharts();
let workDir: string;

beforeAll(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmalert-real-'));
});
afterAll(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

/** The vmalert container's args as the kubelet would pass them, with file paths pointing at the extracted copies. */
function localArgs(extracted: ExtractedRules): string[] {
  expect(extracted.containers).toHaveLength(1);
  const { container, mirror } = extracted.containers[0];
  return expandEnvRefs(rewriteArgPaths(containerArgs(container), mirror), POD_ENV);
}

function vmalertOutput(result: { code: number | null; stdout: string; stderr: string }): string {
  // vmalert logs every flag at start; the interesting lines are the others.
  return (result.stdout + result.stderr).split('\n').filter((l) => !l.includes('flag.go')).join('\n');
}

describe.each(charts.map((c) => [c.name, c] as [string, SynthesizedChart]))('chart "%s"', (name, chart) => {
  let extracted: ExtractedRules;
  beforeAll(() => {
    extracted = extractRuleFiles(chart.objects, path.join(workDir, name));
  });

  test('vmalert -dryRun accepts every extracted rule file', () => {
    // GIVEN the rule files of the synthesized ConfigMaps, as the pod would see them
    expect(extracted.files.length).toBeGreaterThan(0);
    // WHEN the real vmalert checks them
    const result = run(binary('vmalert'), ['-dryRun', ...extracted.files.map((f) => `-rule=${f}`)]);
    // THEN it exits 0
    expect({ code: result.code, output: vmalertOutput(result) }).toEqual({ code: 0, output: expect.any(String) });
  });

  test("vmalert's flag parser accepts the container's own args (paths rewritten, -dryRun added)", () => {
    // GIVEN the container args verbatim, only mounted paths rewritten to the extracted copies
    const args = localArgs(extracted);
    expect(args.filter((a) => a.startsWith('-rule=')).length).toBe(extracted.containers[0].ruleGlobs.length);
    // WHEN the real vmalert parses them in dry-run mode (an unknown flag exits 2)
    const result = run(binary('vmalert'), [...args, '-dryRun']);
    // THEN it exits 0
    expect({ code: result.code, output: vmalertOutput(result) }).toEqual({ code: 0, output: expect.any(String) });
  });
});

describe('a misplaced flag', () => {
  const MISPLACED = '-dedup.minScrapeInterval=30s';

  test('vmalert rejects the synthesized args plus -dedup.minScrapeInterval (exit 2)', () => {
    // GIVEN the HA chart's vmalert args plus the flag hand-written setups add
    const chart = charts.find((c) => c.name === 'ha')!;
    const args = localArgs(extractRuleFiles(chart.objects, path.join(workDir, 'misplaced')));
    // WHEN the real vmalert parses them
    const result = run(binary('vmalert'), [...args, MISPLACED, '-dryRun']);
    // THEN it refuses the flag: this is the CrashLoopBackOff users would get
    expect(result.code).toBe(2);
    expect(result.stdout + result.stderr).toContain('flag provided but not defined: -dedup.minScrapeInterval');
  });

  test('our synth-time validation rejects it too, saying where it belongs', () => {
    // GIVEN / WHEN a VmalertHa with the flag in extraArgs / THEN synth fails with a pointer to vmselect/vmstorage
    expect(() => vmalertWithExtraArgs([MISPLACED])).toThrow(/-dedup\.minScrapeInterval[\s\S]*vmselect[\s\S]*vmstorage/);
    // AND any flag vmalert does not have fails the same way vmalert would
    expect(() => vmalertWithExtraArgs(['-no.such.flag=1'])).toThrow(/-no\.such\.flag is not a vmalert flag/);
  });

  test('the extraArgs our validation accepts are accepted by the real vmalert', () => {
    // GIVEN a flag the construct lets through (the HA chart sets -rule.resendDelay=1m in extraArgs)
    const chart = charts.find((c) => c.name === 'ha')!;
    const args = localArgs(extractRuleFiles(chart.objects, path.join(workDir, 'extra')));
    expect(args).toContain('-rule.resendDelay=1m');
    // WHEN / THEN vmalert parses it (also covered above; stated here as the counterpart of the rejection)
    expect(run(binary('vmalert'), [...args, '-dryRun']).code).toBe(0);
  });
});

describe('vmalert started for real with the synthesized args', () => {
  test('the replica-label chart (generated -notifier.config) starts and answers /-/ready', async () => {
    // GIVEN the replica-label chart's args: notifier config file and paths rewritten to the copies,
    // URLs it connects to and the listen address rewritten to loopback
    const chart = charts.find((c) => c.name === 'replica-label')!;
    const port = await freePort();
    const args = localArgs(extractRuleFiles(chart.objects, path.join(workDir, 'started'))).map((arg) => {
      const flag = /^-([^=]+)=/.exec(arg)?.[1];
      if (flag === 'httpListenAddr') return `-httpListenAddr=127.0.0.1:${port}`;
      if (flag && URL_FLAGS.includes(flag)) return `-${flag}=${UNREACHABLE}${new URL(arg.slice(flag.length + 2)).pathname}`;
      return arg;
    });
    expect(args.some((a) => a.startsWith('-notifier.config='))).toBe(true);
    // WHEN the real vmalert starts with them (not dry-run: it reads the notifier config at start)
    const proc = start(binary('vmalert'), args);
    try {
      const status = await pollUntilOk(`http://127.0.0.1:${port}/-/ready`, proc);
      // THEN it is ready, and logged no configuration error
      expect({ status, output: proc.output() }).toEqual({ status: 200, output: expect.not.stringMatching(/\bfatal\b|cannot (parse|init)/i) });
    } finally {
      await proc.stop();
    }
  });
});
