/**
 * The rule-file conformance fixtures against the pinned vmalert: every good file passes `vmalert -dryRun` before
 * and after our round trip, and vmalert's own view of the groups (its /api/v1/rules) is the same for both; every
 * bad file is refused by vmalert as by us; every "stricter" file is accepted by vmalert and refused by us on
 * purpose. Tables of templates and durations show our verdicts never refuse what vmalert accepts.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { parseRuleFileBytes, renderRuleFile } from '../../constructs/rules/rules';
import { ruleDurationMs, templateProblem } from '../../constructs/rules/syntax';
import { binary, freePort, pollUntilOk, run, start } from '../../testkit/binaries';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'rule-files');
const fixtures = (kind: string) => fs.readdirSync(path.join(FIXTURES, kind)).filter(f => f.endsWith('.yml')).sort().map(f => path.join(FIXTURES, kind, f));
/** Loopback ports nothing listens on: vmalert evaluates and fails quietly, no traffic leaves the machine. */
const NOWHERE = 'http://127.0.0.1:1';
/** Fields of /api/v1/rules that describe evaluation, not configuration. */
const VOLATILE = new Set(['state', 'states', 'lastError', 'evaluationTime', 'lastEvaluation', 'health', 'lastSamples', 'lastSeriesFetched',
  'id', 'group_id', 'file', 'alerts', 'updates']);

let workDir: string;
beforeAll(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rule-files-real-'));
});
afterAll(() => fs.rmSync(workDir, { recursive: true, force: true }));

function dryRun(...files: string[]) {
  return run(binary('vmalert'), ['-dryRun', ...files.map(f => `-rule=${f}`)]);
}

/** Our rendering of a fixture, written next to the others under the fixture's own name. */
function rendered(file: string): string {
  const dir = path.join(workDir, 'rendered');
  fs.mkdirSync(dir, { recursive: true });
  const out = path.join(dir, path.basename(file));
  fs.writeFileSync(out, renderRuleFile(parseRuleFileBytes(fs.readFileSync(file), file)));
  return out;
}

function getJson(url: string): Promise<any> {
  return new Promise((resolve, reject) => {
    http.get(url, res => {
      let body = '';
      res.on('data', chunk => { body += chunk; });
      res.on('end', () => resolve(JSON.parse(body)));
    }).on('error', reject);
  });
}

/** vmalert's view of the rule files: its /api/v1/rules, groups keyed by file name and group name, volatile fields dropped. */
async function vmalertView(files: string[]): Promise<Record<string, unknown>> {
  const port = await freePort();
  const proc = start(binary('vmalert'), [...files.map(f => `-rule=${f}`), `-datasource.url=${NOWHERE}`, `-notifier.url=${NOWHERE}`,
    `-remoteWrite.url=${NOWHERE}`, `-httpListenAddr=127.0.0.1:${port}`]);
  try {
    expect({ status: await pollUntilOk(`http://127.0.0.1:${port}/-/ready`, proc), output: '' }).toEqual({ status: 200, output: '' });
    const body = await getJson(`http://127.0.0.1:${port}/api/v1/rules`);
    const strip = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(strip);
      if (value && typeof value === 'object') {
        return Object.fromEntries(Object.entries(value).filter(([k]) => !VOLATILE.has(k)).map(([k, v]) => [k, strip(v)]));
      }
      return value;
    };
    return Object.fromEntries(body.data.groups.map((g: { file: string; name: string }) => [`${path.basename(g.file)}: ${g.name}`, strip(g)]));
  } finally {
    await proc.stop();
  }
}

describe('good fixtures', () => {
  test.each(fixtures('good').map(f => [path.basename(f), f]))('%s passes vmalert -dryRun before and after our round trip', (_, file) => {
    const before = dryRun(file);
    expect({ code: before.code, stderr: before.code === 0 ? '' : before.stderr }).toEqual({ code: 0, stderr: '' });
    const after = dryRun(rendered(file));
    expect({ code: after.code, stderr: after.code === 0 ? '' : after.stderr }).toEqual({ code: 0, stderr: '' });
  });

  test('vmalert reads our rendering value for value as it reads the originals', async () => {
    // GIVEN every good fixture and our rendering of it
    const originals = fixtures('good');
    const ours = originals.map(rendered);
    // WHEN vmalert loads each set
    const [viewOfOriginals, viewOfOurs] = [await vmalertView(originals), await vmalertView(ours)];
    // THEN it sees the same groups, rules, durations, labels and annotations
    expect(Object.keys(viewOfOriginals).length).toBeGreaterThanOrEqual(originals.length);
    expect(viewOfOurs).toEqual(viewOfOriginals);
    // AND the scalars kept their text in vmalert's own reading
    const scalars = viewOfOriginals['scalars-as-written.yml: scalars'] as { rules: Array<{ labels: Record<string, string> }> };
    expect(scalars.rules[0].labels).toMatchObject({ version: '1.10', code: '0x1F', since: '2024-01-01', release: '2.10' });
  }, 60_000);
});

describe.each(fixtures('bad').map(f => [path.basename(f), f]))('bad fixture %s', (_, file) => {
  test('vmalert -dryRun refuses it, as we do', () => {
    expect(() => parseRuleFileBytes(fs.readFileSync(file), file)).toThrow();
    const result = dryRun(file);
    expect(result.code).not.toBe(0);
    expect(result.stderr + result.stdout).toMatch(/fatal/);
  });
});

describe.each(fixtures('stricter').map(f => [path.basename(f), f]))('stricter fixture %s', (_, file) => {
  test('vmalert accepts it; we refuse it on purpose (see docs/rule-files.md)', () => {
    expect(dryRun(file).code).toBe(0);
    expect(() => parseRuleFileBytes(fs.readFileSync(file), file)).toThrow();
  });
});

describe('our verdicts next to vmalert\'s', () => {
  test('templates: we refuse only what vmalert refuses', () => {
    // GIVEN template texts, one group each (vmalert reports every failing group)
    const texts = [
      '{{ $labels.job }}', '}} {{ $labels.job }}', '{{ $labels.job', '{"a": {"b": 1}}', '{{"a": 1}}', '{{ }}', '{{- $value -}}',
      '{{/* c */}}', '{{/* c */ x}}', '{{ "a }}', '{{ `a }} b` }}', '{{ (len "a" }}', '{{ len "a") }}', '{{ if $value }}x',
      '{{ if $value }}x{{ end }}', '{{ end }}', '{{ else }}', '{{ a {{ b }}', '{{ $value\n }}', '{{ "a\nb" }}', '{{{ $labels.job }}',
      '{{ nosuch }}', '{{ range $labels }}{{ else }}{{ end }}', '{{- }}', '{{ 1 -}}', '{{ template "x" }}',
    ];
    const file = path.join(workDir, 'templates.yml');
    fs.writeFileSync(file, yaml.dump({ groups: texts.map((text, i) => ({ name: `t${i}`, rules: [{ alert: 'A', expr: 'up', annotations: { s: text } }] })) }));
    // WHEN
    const output = dryRun(file).stderr;
    const vmalertRefuses = texts.map((_, i) => output.includes(`invalid group "t${i}"`));
    const weRefuse = texts.map(text => templateProblem(text) !== undefined);
    // THEN whatever we refuse, vmalert refuses; vmalert alone refuses only what needs its parser
    texts.forEach((text, i) => expect({ text, refusedByVmalert: vmalertRefuses[i] || !weRefuse[i] }).toEqual({ text, refusedByVmalert: true }));
    expect(texts.filter((_, i) => vmalertRefuses[i] && !weRefuse[i])).toEqual(['{{"a": 1}}', '{{{ $labels.job }}', '{{ nosuch }}']);
  });

  test('durations: vmalert reads each as many seconds as we do, and refuses those we refuse', async () => {
    const accepted = ['30s', '1.5m', '90', '1h30m', '1d', '1w', '500ms', '5MS', '2H', '0s', '1e3', '1_000', '1.m', '1h-5m'];
    const refused = ['5M', '1x', '1_m', '5mi', 'five'];
    // GIVEN one group per accepted duration
    const file = path.join(workDir, 'durations.yml');
    fs.writeFileSync(file, yaml.dump({ groups: accepted.map((d, i) => ({ name: `d${i}`, rules: [{ alert: 'A', expr: 'up', for: d }] })) }));
    // WHEN / THEN
    const view = await vmalertView([file]);
    expect(accepted.map((_, i) => (view[`durations.yml: d${i}`] as { rules: Array<{ duration: number }> }).rules[0].duration))
      .toEqual(accepted.map(d => ruleDurationMs(d)! / 1000));
    for (const duration of refused) {
      const bad = path.join(workDir, 'bad-duration.yml');
      fs.writeFileSync(bad, yaml.dump({ groups: [{ name: 'g', rules: [{ alert: 'A', expr: 'up', for: duration }] }] }));
      expect({ duration, ours: ruleDurationMs(duration), vmalert: dryRun(bad).code === 0 }).toEqual({ duration, ours: undefined, vmalert: false });
    }
  }, 60_000);
});
