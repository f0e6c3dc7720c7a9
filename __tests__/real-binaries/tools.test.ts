/**
 * The real binaries are present, and the versions every other real-binary test ran against are printed
 * in the test log (the closing note quotes them).
 */
import { binary, run } from '../support/binaries';

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
