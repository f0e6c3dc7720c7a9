/**
 * scripts/ci/install-pipeline-tools.sh: git and rsync for gitlab-ci-local, installed only when missing.
 */
import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT, exec, tempDir } from './helpers';

const SCRIPT = path.join(REPO_ROOT, 'scripts', 'ci', 'install-pipeline-tools.sh');

/** Absolute path of a command of this machine. */
function which(command: string): string {
  const found = exec('sh', ['-c', `command -v ${command}`]).stdout.trim();
  if (!found.startsWith('/')) throw new Error(`${command} is not on PATH`);
  return found;
}

describe('scripts/ci/install-pipeline-tools.sh', () => {
  test('does nothing when git and rsync are present', () => {
    // GIVEN a machine on which the script has run once (a fresh one may lack rsync until then)
    expect(exec('sh', [SCRIPT]).code).toBe(0);
    // WHEN it runs again
    const result = exec('sh', [SCRIPT]);
    // THEN it succeeds without installing
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('install-pipeline-tools: git and rsync present\n');
  });

  test('asks apt-get for exactly the missing tools, and fails if they still are not there', () => {
    // GIVEN a PATH without git and rsync, with an apt-get stand-in that records its calls and installs nothing
    const bin = tempDir('no-rsync');
    const log = path.join(bin, 'apt-get.log');
    try {
      fs.symlinkSync(which('id'), path.join(bin, 'id'));
      fs.writeFileSync(path.join(bin, 'apt-get'), `#!${which('sh')}\necho "$*" >> ${log}\n`, { mode: 0o755 });
      // WHEN the script runs
      const result = exec(which('sh'), [SCRIPT], { env: { PATH: bin } });
      if (process.getuid?.() !== 0) {
        // (not root: it refuses before apt-get and says what to install)
        expect(result.code).toBe(1);
        expect(result.stderr).toContain('apt-get install -y --no-install-recommends git rsync');
        return;
      }
      // THEN apt-get was asked for git and rsync only
      expect(fs.readFileSync(log, 'utf8').trim().split('\n')).toEqual(['install -y --no-install-recommends git rsync']);
      // AND since nothing was installed, it fails naming the tool
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('install-pipeline-tools: git still not on PATH');
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });
});
