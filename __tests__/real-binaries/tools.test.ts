/**
 * The real binaries are present, and the versions every other real-binary test ran against are printed
 * in the test log (the closing note quotes them).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { binary, run } from '../support/binaries';

const INSTALL_SCRIPT = path.join(__dirname, '..', '..', 'scripts', 'install-test-tools.sh');

const TOOLS = ['vmalert', 'victoria-metrics', 'vmagent', 'prometheus-alertmanager', 'amtool', 'promtool'];
const DEBIAN_PACKAGES = ['victoria-metrics', 'prometheus-alertmanager', 'prometheus'];

describe('real test tools', () => {
  test.each(TOOLS)('%s is installed at an absolute path', (name) => {
    // GIVEN the tools install script has run (npm test runs it first)
    // WHEN we look the binary up
    const file = binary(name);
    // THEN it is an absolute path to that binary
    expect(file.startsWith('/')).toBe(true);
    expect(file.endsWith(`/${name}`)).toBe(true);
  });

  test('a missing binary is an error that says how to install it, not a skip', () => {
    // GIVEN a binary that no package provides / WHEN we look it up / THEN the error names the install script
    expect(() => binary('vmalert-definitely-not-installed')).toThrow(/bash scripts\/install-test-tools\.sh/);
    // AND for a known tool it also names its Debian package
    const oldPath = process.env.PATH;
    try {
      process.env.PATH = '/nonexistent';
      expect(() => binary('promtool')).toThrow(/Debian package "prometheus"/);
    } finally {
      process.env.PATH = oldPath;
    }
  });

  test('the install script is a no-op when every tool is present', () => {
    // GIVEN this machine, where the tools are installed / WHEN the script runs again
    const result = run('bash', [INSTALL_SCRIPT]);
    // THEN it succeeds without apt-get and lists the tools
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toContain('all present');
    expect(result.stdout).not.toContain('apt-get');
  });

  test('without the tools and without apt-get, the install script fails saying exactly what to install', () => {
    // GIVEN a PATH holding only the shell utilities the script needs, no tools, no apt-get
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'no-tools-'));
    try {
      for (const util of ['bash', 'id']) fs.symlinkSync(binary(util), path.join(bin, util));
      // WHEN the script runs
      const result = run(path.join(bin, 'bash'), [INSTALL_SCRIPT], { env: { PATH: bin } });
      // THEN it fails and names the missing tools and the Debian packages to install
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('missing vmalert victoria-metrics vmagent prometheus-alertmanager amtool promtool');
      expect(result.stderr).toContain('apt-get install -y --no-install-recommends victoria-metrics prometheus-alertmanager prometheus');
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });

  test('with tools missing, as root with apt-get, it runs apt-get update then installs the three packages non-interactively', () => {
    // GIVEN root (as on CI), no tools on PATH, and an apt-get stand-in that records its calls and installs nothing
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-apt-'));
    const log = path.join(bin, 'calls.log');
    try {
      for (const util of ['bash', 'id', 'chmod', 'rm', 'printf']) fs.symlinkSync(binary(util), path.join(bin, util));
      fs.writeFileSync(path.join(bin, 'apt-get'), `#!${binary('bash')}\necho "DEBIAN_FRONTEND=$DEBIAN_FRONTEND $*" >> ${log}\n`, { mode: 0o755 });
      // WHEN the script runs
      const result = run(path.join(bin, 'bash'), [INSTALL_SCRIPT], { env: { PATH: bin } });
      if (process.getuid?.() !== 0) {
        // (a developer not running as root: the script refuses before apt-get, saying so)
        expect(result.code).toBe(1);
        expect(result.stderr).toContain('installing needs root');
        expect(fs.existsSync(log)).toBe(false);
        return;
      }
      // THEN apt-get was asked for exactly the three packages, without prompts or recommends
      expect(fs.readFileSync(log, 'utf8').trim().split('\n')).toEqual([
        'DEBIAN_FRONTEND=noninteractive update',
        'DEBIAN_FRONTEND=noninteractive install -y --no-install-recommends victoria-metrics prometheus-alertmanager prometheus',
      ]);
      // AND since the stand-in installed nothing, the script fails naming what is still missing
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('apt-get finished but vmalert victoria-metrics vmagent prometheus-alertmanager amtool promtool still not on PATH');
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });

  test('print the versions the real-binary tests run against', () => {
    // GIVEN the installed tools
    // WHEN we ask each for its version (vmalert from Debian prints none: ask dpkg as well)
    const lines: string[] = [];
    const dpkg = run('dpkg-query', ['-W', '-f=${Package} ${Version}\\n', ...DEBIAN_PACKAGES]);
    if (dpkg.code === 0) lines.push(...dpkg.stdout.trim().split('\n').map((l) => `deb ${l}`));
    for (const name of ['prometheus-alertmanager', 'amtool', 'promtool']) {
      const out = run(binary(name), ['--version']);
      lines.push(`${name}: ${(out.stdout + out.stderr).split('\n')[0]}`);
    }
    console.log(`real-binary test tool versions:\n  ${lines.join('\n  ')}`);
    // THEN each of the version-printing tools answered with a version number
    expect(lines.filter((l) => /version \d+\.\d+/.test(l))).toHaveLength(3);
  });
});
