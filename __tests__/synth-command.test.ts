import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { temporaryDirectories } from './support/temp';

const ROOT = path.join(__dirname, '..');
const tempDir = temporaryDirectories();

/** Runs `npm run synth`'s script as the README does, into a temporary output directory. */
function synth(env: Record<string, string> = {}) {
  const outdir = tempDir('synth-command-');
  fs.writeFileSync(path.join(outdir, 'stale.k8s.yaml'), 'kind: Stale\n');
  const result = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'synth', 'synth.js')], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env, CDK8S_OUTDIR: outdir },
  });
  return { ...result, outdir, files: fs.readdirSync(outdir) };
}

describe('npm run synth', () => {
  test('writes the app into a cleaned output directory and lists it', () => {
    // WHEN synthesized into a namespace of its own (the pipeline's jobs set ALERTING_NAMESPACE too)
    const { status, stdout, files, outdir } = synth({ ALERTING_NAMESPACE: 'alerting-synth' });
    // THEN
    expect(status).toBe(0);
    expect(files).toEqual(['alerting.k8s.yaml', 'vmagent']);
    expect(stdout).toContain('alerting.k8s.yaml');
    expect(stdout).toMatch(/^note: vmselect -vmalert\.proxyURL=http:\/\/alerting-vmalert-service-[a-z0-9]+\.alerting-synth\.svc:8880$/m);
    expect(fs.readdirSync(path.join(outdir, 'vmagent'))).toEqual(['scrape-configs.yml']);
  });

  test('a bad rule file fails with one message naming file, group and rule, no stack trace, nothing written', () => {
    // GIVEN the fixture with an unbalanced parenthesis
    const rulesDir = path.join(ROOT, '__tests__', 'fixtures', 'bad-rules', 'unbalanced-parenthesis');
    // WHEN
    const { status, stderr, files } = synth({ RULES_DIR: rulesDir });
    // THEN
    expect(status).toBe(1);
    expect(stderr).toMatch(/^error: .*unbalanced-parenthesis\/cpu\.yml: group "[^"]+": rule "[^"]+": expr: .* is never closed/);
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(files).toEqual([]);
  });
});
