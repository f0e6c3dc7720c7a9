/**
 * The validate jobs' scripts (scripts/ci/validate-vmalert.sh, validate-alertmanager.sh) outside their images,
 * where they run the pinned vmalert and amtool of scripts/tools/test-tools.sh: they pass on good extracted files and
 * stop the pipeline on a bad rule, a bad flag or a bad Alertmanager config. The fixture is the pipeline tests'
 * hand-made dist/.
 */
import * as fs from 'fs';
import * as path from 'path';
import { extractDist } from '../../scripts/ci/extract-dist';
import { VERSIONS } from '../../constructs/core/versions';
import { binary, run } from '../../testkit/binaries';
import { REPO_ROOT, tempDir } from '../gitlab/helpers';

const FIXTURE_DIST = path.join(REPO_ROOT, '__tests__', 'gitlab', 'fixtures', 'manifests');
const VALIDATE_VMALERT = path.join(REPO_ROOT, 'scripts', 'ci', 'validate-vmalert.sh');
const VALIDATE_ALERTMANAGER = path.join(REPO_ROOT, 'scripts', 'ci', 'validate-alertmanager.sh');
const RULE_FILE = 'vmalert/deployment-app-vmalert-c8cccccc/etc/vmalert/rules/app-rules-c8a1b2c3/victoriametrics.yml';

let out: string;
let argsFile: string;

beforeAll(() => {
  // the scripts look the binaries up themselves; fail here with the install hint when they are missing
  binary('vmalert');
  binary('amtool');
});

beforeEach(() => {
  out = tempDir('ci-validate');
  argsFile = path.join(out, extractDist(FIXTURE_DIST, out).argsFiles[0]);
});

afterEach(() => {
  fs.rmSync(out, { recursive: true, force: true });
});

describe('scripts/ci/validate-vmalert.sh', () => {
  test('passes the synthesized flags and rule files, with the pinned vmalert', () => {
    const result = run('sh', [VALIDATE_VMALERT, out]);
    expect(result.stderr.split('\n').filter((l) => l.includes('validate-vmalert:'))).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('validate-vmalert: 1 vmalert container(s) OK');
    expect(result.stdout).toContain(`validate-vmalert: using ${binary('vmalert')} vmalert-`);
    expect(result.stdout).toMatch(new RegExp(`-tags-${VERSIONS.victoriaMetrics.replace(/\./g, '\\.')}\n`));
  });

  test('fails on a rule whose expression does not parse, naming the file', () => {
    // GIVEN a rule with an unbalanced parenthesis
    const file = path.join(out, RULE_FILE);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('[5m])', '[5m]'));
    // WHEN the validate job runs
    const result = run('sh', [VALIDATE_VMALERT, out]);
    // THEN it fails, vmalert names the rule, the script names the container's arguments
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('VictoriaMetricsHighCPU');
    expect(result.stderr).toContain(`${path.basename(argsFile)}: vmalert rejected the synthesized flags or rule files`);
  });

  test('fails on a flag vmalert does not have (-dedup.minScrapeInterval belongs on vmselect)', () => {
    fs.appendFileSync(argsFile, '-dedup.minScrapeInterval=1m\n');
    const result = run('sh', [VALIDATE_VMALERT, out]);
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('flag provided but not defined: -dedup.minScrapeInterval');
  });

  test('fails when the synth job\'s files are missing, saying which job makes them', () => {
    const result = run('sh', [VALIDATE_VMALERT, path.join(out, 'nowhere')]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("it is the synth job's artifact");
  });
});

describe('scripts/ci/validate-alertmanager.sh', () => {
  test('passes the synthesized alertmanager.yml, with the pinned amtool', () => {
    const result = run('sh', [VALIDATE_ALERTMANAGER, out]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Checking 'alertmanager.yml'  SUCCESS");
    expect(result.stdout).toContain(`validate-alertmanager: using ${binary('amtool')} amtool, version ${VERSIONS.alertmanager.slice(1)} `);
  });

  /** A job script in a copy of scripts/ci/ that prints what `find_pinned <args>` answers. */
  function jobScript(findArgs: string): string {
    const ci = path.join(out, 'scripts', 'ci');
    fs.mkdirSync(ci, { recursive: true });
    fs.copyFileSync(path.join(REPO_ROOT, 'scripts', 'ci', 'lib.sh'), path.join(ci, 'lib.sh'));
    fs.mkdirSync(path.join(out, 'scripts', 'tools'), { recursive: true });
    fs.writeFileSync(path.join(out, 'scripts', 'tools', 'test-tools.sh'), `exec bash ${path.join(REPO_ROOT, 'scripts', 'tools', 'test-tools.sh')} "$@"\n`);
    const script = path.join(ci, 'job.sh');
    fs.writeFileSync(script, `set -eu\n. "$(dirname "$0")/lib.sh"\ntool=$(find_pinned ${findArgs})\necho "found $tool"\n`);
    return script;
  }

  test('a tool that is neither in the image nor pinned stops the job, saying so', () => {
    // GIVEN a job script asking lib.sh for a binary nobody provides
    // WHEN it runs THEN it fails before using anything found on PATH
    const result = run('sh', [jobScript('vmctl /vmctl-prod')]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('job.sh: vmctl is not one of the pinned binaries of scripts/tools/test-tools.sh\n');
  });

  test('in the image (no bash there), the image\'s own binary is used, and a missing one stops the job', () => {
    // GIVEN a PATH without bash, as in the alpine and busybox images, and the image's binary at its path
    const bin = path.join(out, 'bin');
    fs.mkdirSync(bin);
    for (const util of ['sh', 'dirname', 'basename']) fs.symlinkSync(binary(util), path.join(bin, util));
    const imagePath = path.join(out, 'amtool-of-the-image');
    fs.writeFileSync(imagePath, '#!/bin/sh\necho "amtool"\n', { mode: 0o755 });
    // WHEN a job script asks for amtool, then for a binary the image lacks
    const found = run(path.join(bin, 'sh'), [jobScript(`amtool ${imagePath}`)], { env: { PATH: bin } });
    const missing = run(path.join(bin, 'sh'), [jobScript('amtool /nonexistent/amtool')], { env: { PATH: bin } });
    // THEN the first gets the image's binary, the second fails saying where to run the job
    expect({ code: found.code, stdout: found.stdout }).toEqual({ code: 0, stdout: `found ${imagePath}\n` });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      'job.sh: amtool: not at /nonexistent/amtool, and no bash to run scripts/tools/test-tools.sh: run this job in its image from .gitlab-ci.yml\n',
    );
  });

  test('outside the image, a binary at the image path is not used (it could be any version): the pinned one is', () => {
    // GIVEN an executable where the image would keep amtool, on a machine with bash (not the image)
    const imagePath = path.join(out, 'amtool-of-another-version');
    fs.writeFileSync(imagePath, '#!/bin/sh\necho "amtool, version 0.0.1"\n', { mode: 0o755 });
    // WHEN a job script asks for amtool
    const result = run('sh', [jobScript(`amtool ${imagePath}`)]);
    // THEN it gets the pinned build
    expect({ code: result.code, stdout: result.stdout }).toEqual({ code: 0, stdout: `found ${binary('amtool')}\n` });
  });

  test('fails on a route to a receiver that does not exist', () => {
    // GIVEN the route names a receiver nobody defined
    const config = path.join(out, 'alertmanager.yml');
    fs.writeFileSync(config, fs.readFileSync(config, 'utf8').replace('receiver: email', 'receiver: pager'));
    // WHEN the validate job runs THEN it fails with amtool's reason
    const result = run('sh', [VALIDATE_ALERTMANAGER, out]);
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('undefined receiver "pager"');
    expect(result.stderr).toContain('alertmanager.yml: amtool check-config failed');
  });
});
