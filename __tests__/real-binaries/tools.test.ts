/**
 * scripts/tools/test-tools.sh (`npm run test:tools`): the binaries every other real-binary test runs are the pinned
 * builds of constructs/core/versions.ts, a warm cache builds nothing, and a build that cannot happen fails loudly with
 * what to do. The versions the suite ran against are printed in the test log.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { VERSIONS } from '../../constructs/core/versions';
import { binary, pinnedBinaries, run } from '../../testkit/binaries';
import { NODE_PINNED, re } from '../support/node-tools';

const SCRIPT = path.join(__dirname, '..', '..', 'scripts', 'tools', 'test-tools.sh');
const VERSIONS_FILE = path.join(__dirname, '..', '..', 'constructs', 'core', 'versions.ts');
/** The component of constructs/core/versions.ts each pinned binary is built from, and the flag printing its version. */
const PINNED: ReadonlyArray<[name: string, component: keyof typeof VERSIONS, versionFlag: string]> = [
  ['vmalert', 'victoriaMetrics', '-version'],
  ['vmagent', 'victoriaMetrics', '-version'],
  ['vmauth', 'victoriaMetrics', '-version'],
  ['victoria-metrics', 'victoriaMetrics', '-version'],
  ['vmalert-tool', 'victoriaMetrics', '-version'],
  ['alertmanager', 'alertmanager', '--version'],
  ['amtool', 'alertmanager', '--version'],
];
/** The test cluster's binaries (their versions: __tests__/kubernetes/kube-cluster.test.ts). */
const CLUSTER_PINNED: ReadonlyArray<[name: string, component: keyof typeof VERSIONS]> = [
  ['kube-apiserver', 'kubernetes'],
  ['kube-controller-manager', 'kubernetes'],
  ['kubectl', 'kubernetes'],
  ['etcd', 'etcd'],
];
/** The cache folder of a component: its name in kebab case (victoriaMetrics: victoriametrics). */
function folderOf(component: keyof typeof VERSIONS): string {
  return component === 'victoriaMetrics' ? 'victoriametrics' : component.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
/** A cold build of everything takes minutes; a warm cache answers at once. */
const BUILD_TIMEOUT_MS = 30 * 60_000;

/** A fresh temporary directory, removed after the test. */
function withTempDir<T>(prefix: string, body: (dir: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  try {
    return body(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The first line a pinned binary prints for its version flag (vmalert-tool prefixes "<name> version "). */
function reportedVersion(name: string, flag: string): string {
  const result = run(binary(name), [flag]);
  return (result.stdout + result.stderr).split('\n')[0].replace(/^\S+ version (?=\S+-tags-)/, '');
}

describe('scripts/tools/test-tools.sh', () => {
  test('--versions prints the tags of constructs/core/versions.ts', () => {
    // GIVEN the version table / WHEN the script is asked for its versions
    const result = run('bash', [SCRIPT, '--versions']);
    // THEN it prints exactly the table's components and tags
    expect(result.code).toBe(0);
    const printed = Object.fromEntries(result.stdout.trim().split('\n').map((line) => line.split('\t')));
    expect(printed).toEqual({ ...VERSIONS });
  });

  test('--paths lists exactly the pinned binaries, each in the cache folder of its component and tag', () => {
    // GIVEN the built tools / WHEN their paths are asked for
    const paths = pinnedBinaries();
    // THEN every pinned binary is there, under <component>-<tag>/ of the cache, as an absolute path
    // (all of them, unless the pipeline's VMALERT_HA_TOOLS picked sets: vm-am, cluster, node)
    const sets = (process.env.VMALERT_HA_TOOLS ?? 'all').split(',');
    const wants = (set: string) => sets.includes('all') || sets.includes(set);
    const expected: Array<readonly [string, keyof typeof VERSIONS]> = [
      ...(wants('vm-am') ? PINNED : []), ...(wants('cluster') ? CLUSTER_PINNED : []), ...(wants('node') ? NODE_PINNED : []),
    ].map(([name, component]) => [name, component] as const);
    expect([...paths.keys()].sort()).toEqual(expected.map(([name]) => name).sort());
    for (const [name, component] of expected) {
      expect(paths.get(name)).toMatch(new RegExp(`^/.*/${folderOf(component)}-${re(VERSIONS[component])}/${name}$`));
    }
  });

  test('VMALERT_HA_TOOLS picks VictoriaMetrics and Alertmanager, the test cluster, its nodes, or several, and refuses anything else', () => {
    // GIVEN the built tools / WHEN --paths is asked for each set
    const names = (set: string) => run('bash', [SCRIPT, '--paths'], { env: { ...process.env, VMALERT_HA_TOOLS: set } })
      .stdout.trim().split('\n').map((line) => line.split('\t')[0]).sort();
    // THEN each lists exactly its binaries
    expect(names('vm-am')).toEqual(PINNED.map(([name]) => name).sort());
    expect(names('cluster')).toEqual(CLUSTER_PINNED.map(([name]) => name).sort());
    expect(names('node')).toEqual(NODE_PINNED.map(([name]) => name).sort());
    expect(names('cluster,node')).toEqual([...CLUSTER_PINNED, ...NODE_PINNED].map(([name]) => name).sort());
    // AND an unknown set is an error naming the choices, also inside a list
    for (const set of ['kube', 'cluster,kube']) {
      const bad = run('bash', [SCRIPT, '--paths'], { env: { ...process.env, VMALERT_HA_TOOLS: set } });
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain(`VMALERT_HA_TOOLS=${set} is none of all, vm-am, cluster, node`);
    }
  });

  test.each(PINNED)('%s reports exactly its pinned tag', (name, component, flag) => {
    // GIVEN a pinned binary / WHEN asked for its version
    const reported = reportedVersion(name, flag);
    // THEN it is the tag of its component, stamped as upstream's release builds stamp it
    const tag = VERSIONS[component];
    if (component === 'victoriaMetrics') {
      expect(reported).toMatch(new RegExp(`^${name}-\\d{8}-\\d{6}-tags-${tag.replace(/\./g, '\\.')}$`));
    } else {
      expect(reported).toMatch(new RegExp(`^${name}, version ${tag.slice(1).replace(/\./g, '\\.')} \\(branch: HEAD, revision: ${tag.replace(/\./g, '\\.')}\\)$`));
    }
  });

  test('a second run builds nothing and prints the table of versions', () => {
    // GIVEN the tools built once (npm test runs the script first; this builds whatever is still missing)
    const first = run('bash', [SCRIPT], { timeoutMs: BUILD_TIMEOUT_MS });
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
    // WHEN it runs again
    const second = run('bash', [SCRIPT]);
    // THEN it builds nothing, and its table has one line per pinned binary with the tag it reported
    expect({ code: second.code, stderr: second.stderr }).toEqual({ code: 0, stderr: '' });
    expect(second.stdout).not.toContain('building');
    for (const [name, component] of PINNED) {
      expect(second.stdout).toMatch(new RegExp(`^  ${name} +${VERSIONS[component].replace(/\./g, '\\.')} +\\S*${name}\\S*`, 'm'));
    }
    if ((process.env.VMALERT_HA_TOOLS ?? 'all').split(',').some((set) => set === 'all' || set === 'node')) {
      for (const [name, component] of NODE_PINNED) {
        expect(second.stdout).toMatch(new RegExp(`^  ${name} +${re(VERSIONS[component])} +\\S`, 'm'));
      }
    }
    console.log(`versions the real-binary tests run against:\n${second.stdout}`);
  });

  test('a tag that cannot be built fails naming the component, the tag and the command to rerun', () => {
    withTempDir('test-tools-bogus-', (dir) => {
      // GIVEN a version table with a VictoriaMetrics tag that does not exist, and an empty cache
      const bogus = 'v1.0.0-no-such-release';
      const versionsFile = path.join(dir, 'versions.ts');
      const table = fs.readFileSync(VERSIONS_FILE, 'utf8').replace(`'${VERSIONS.victoriaMetrics}'`, `'${bogus}'`);
      expect(table).toContain(bogus);
      fs.writeFileSync(versionsFile, table);
      const cache = path.join(dir, 'cache');
      // WHEN the script runs on them
      const result = run('bash', [SCRIPT], {
        env: { ...process.env, VMALERT_HA_VERSIONS_FILE: versionsFile, VMALERT_HA_TOOLS_CACHE: cache },
        timeoutMs: 5 * 60_000,
      });
      // THEN it fails before building, naming the component, the tag and the command to rerun, and leaves no
      // binary behind (no fallback version)
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        `test-tools: resolving victoriaMetrics ${bogus} failed (go list -m github.com/VictoriaMetrics/VictoriaMetrics@${bogus}); `
          + 'rerun: bash scripts/tools/test-tools.sh\n',
      );
      expect(fs.readdirSync(path.join(cache, `victoriametrics-${bogus}`))).toEqual([]);
    });
  });

  test('without Go and with binaries missing, it fails saying to install Go', () => {
    withTempDir('test-tools-no-go-', (dir) => {
      // GIVEN an empty cache and a PATH with the shell utilities the script needs but no go
      const bin = path.join(dir, 'bin');
      fs.mkdirSync(bin);
      for (const util of ['bash', 'dirname', 'sed', 'mkdir']) fs.symlinkSync(binary(util), path.join(bin, util));
      // WHEN the script runs
      const result = run(path.join(bin, 'bash'), [SCRIPT], {
        env: { PATH: bin, HOME: dir, VMALERT_HA_TOOLS_CACHE: path.join(dir, 'cache') },
      });
      // THEN it fails before building anything, naming what to install and the command to rerun
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        "test-tools: 'go' is not on PATH. The test binaries are built from the upstream Go modules;\n"
          + "  install Go >= the version in the modules' go.mod (see docs/versions.md), then: bash scripts/tools/test-tools.sh\n",
      );
    });
  });

  test('with a warm cache it needs no Go (CI jobs that only run the binaries have none)', () => {
    withTempDir('test-tools-warm-no-go-', (dir) => {
      // GIVEN the real, warm cache and a PATH without go
      const bin = path.join(dir, 'bin');
      fs.mkdirSync(bin);
      for (const util of ['bash', 'dirname', 'sed', 'mkdir', 'date']) fs.symlinkSync(binary(util), path.join(bin, util));
      const cache = path.dirname(path.dirname(binary('vmalert')));
      // WHEN the binaries' paths are asked for
      const env = { PATH: bin, VMALERT_HA_TOOLS_CACHE: cache, ...(process.env.VMALERT_HA_TOOLS ? { VMALERT_HA_TOOLS: process.env.VMALERT_HA_TOOLS } : {}) };
      const result = run(path.join(bin, 'bash'), [SCRIPT, '--paths'], { env });
      // THEN the answer is the same as with Go on PATH
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      expect(new Map(result.stdout.trim().split('\n').map((line) => line.split('\t') as [string, string]))).toEqual(pinnedBinaries());
    });
  });

  test('a relative cache folder is answered with absolute paths', () => {
    // GIVEN the warm cache named relative to the working directory (as CI names it, under the project)
    const cache = path.dirname(path.dirname(binary('vmalert')));
    const cwd = path.dirname(cache);
    // WHEN the paths are asked for
    const result = run('bash', [SCRIPT, '--paths'], { cwd, env: { ...process.env, VMALERT_HA_TOOLS_CACHE: path.basename(cache) } });
    // THEN they are the absolute paths of the same files
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n').map((line) => line.split('\t')[1])).toEqual([...pinnedBinaries().values()]);
  });
});
