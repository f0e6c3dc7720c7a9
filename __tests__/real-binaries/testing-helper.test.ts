/**
 * The `cdk8s-vmalert-ha/testing` helper with the pinned binaries: the app's charts pass it, and what only the real
 * vmalert can judge (MetricsQL syntax, RE2 regular expressions, template functions and variables, flags the binary
 * lacks) passes our synth and is caught there.
 */
import * as os from 'os';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { AlertingRule, AlertmanagerCluster, RealTools, RulesConfigMap, VmalertHa } from '../../constructs';
import { assertRealToolsAccept, checkWithRealTools, RealToolsOptions } from '../../constructs/testing/index';
import { binary, run } from '../../testkit/binaries';
import { testCharts } from './charts';

const pinned = (): RealToolsOptions => ({ vmalertBin: binary('vmalert'), amtoolBin: binary('amtool') });

/** A chart that synthesizes: one Alertmanager, one vmalert, one rule. */
function chartWith(rule: AlertingRule, vmalert: { extraArgs?: string[]; newerFlags?: string[] } = {}): Chart {
  const chart = new Chart(Testing.app({ outdir: os.tmpdir() }), 'test', { namespace: 'monitoring' });
  const alertmanager = new AlertmanagerCluster(chart, 'alertmanager', {
    replicas: 1, config: { route: { receiver: 'null' }, receivers: [{ name: 'null' }] },
  });
  const rules = new RulesConfigMap(chart, 'rules', { groups: [{ name: 'g', rules: [rule] }] });
  new VmalertHa(chart, 'vmalert', { datasourceUrl: 'http://vmselect:8481/select/0/prometheus', notifiers: alertmanager, rules, ...vmalert });
  return chart;
}

describe.each(testCharts().map(c => [c.name, c] as const))('chart "%s"', (_, chart) => {
  test('the pinned vmalert -dryRun and amtool check-config accept it', () => {
    // WHEN
    const checks = assertRealToolsAccept(chart.objects, pinned());
    // THEN every vmalert container was run with its own args, and the Alertmanager config was checked
    expect(checks.filter(c => c.subject.startsWith('vmalert -dryRun of Deployment')).length).toBeGreaterThan(0);
    expect(checks.filter(c => c.subject.startsWith('amtool check-config of StatefulSet'))).toHaveLength(1);
    for (const check of checks.filter(c => c.subject.startsWith('vmalert'))) {
      expect(check.command).toEqual(expect.arrayContaining(['-dryRun', expect.stringMatching(/^-rule=\/.*\*\.yml$|^-rule=\/.*\.yml$/)]));
      expect(check.command.join(' ')).toMatch(/-datasource\.url=http:\/\/vmselect/);
    }
  });
});

describe('what our synth cannot judge, the helper catches', () => {
  test.each([
    ['a MetricsQL syntax error', { expr: 'rate(http_requests_total[5m]) >' }, /bad MetricsQL expr: .*unexpected token/],
    ['a regular expression RE2 refuses', { expr: 'up{job=~"api(?=-v2)"} == 0' }, /invalid or unsupported Perl syntax: `\(\?=`/],
    ['an unknown template function', { annotations: { summary: '{{ $value | humanise }}' } }, /function "humanise" not defined/],
    ['an undefined template variable', { annotations: { summary: '{{ $alertGroupID }}' } }, /undefined variable "\$alertGroupID"/],
  ])('%s', (_, change, message) => {
    // GIVEN a chart our synth accepts
    const chart = chartWith({ alert: 'A', expr: 'up == 0', ...change });
    // WHEN / THEN
    expect(() => assertRealToolsAccept(chart, pinned())).toThrow(message);
    const [vmalert] = checkWithRealTools(chart, pinned());
    expect(vmalert).toMatchObject({ ok: false, exitCode: expect.any(Number), subject: expect.stringMatching(/^vmalert -dryRun of Deployment "test-vmalert-/) });
  });

  test('a flag the pinned vmalert does not have, let through by newerFlags', () => {
    const chart = chartWith({ alert: 'A', expr: 'up == 0' }, { newerFlags: ['rule.fromTheFuture'], extraArgs: ['-rule.fromTheFuture=1'] });
    expect(() => assertRealToolsAccept(chart, pinned())).toThrow(/flag provided but not defined: -rule\.fromTheFuture/);
  });

  test('binaries come from VMALERT_BIN and AMTOOL_BIN when no path is given', () => {
    // GIVEN the environment a consumer's CI would set
    const saved = { vmalert: process.env.VMALERT_BIN, amtool: process.env.AMTOOL_BIN };
    process.env.VMALERT_BIN = binary('vmalert');
    process.env.AMTOOL_BIN = binary('amtool');
    try {
      // WHEN
      const checks = assertRealToolsAccept(chartWith({ alert: 'A', expr: 'up == 0' }));
      // THEN
      expect(checks.map(c => c.command[0])).toEqual([binary('vmalert'), binary('amtool')]);
    } finally {
      for (const [name, value] of [['VMALERT_BIN', saved.vmalert], ['AMTOOL_BIN', saved.amtool]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  test('RealTools, the entry point\'s static form, runs the same checks on a Chart', () => {
    // GIVEN a chart the tools accept and one vmalert refuses
    const good = chartWith({ alert: 'A', expr: 'up == 0' });
    const bad = chartWith({ alert: 'A', expr: 'rate(http_requests_total[5m]) >' });
    // WHEN RealTools checks them
    const checks = RealTools.assertAccept(good, pinned());
    // THEN the functions' results and errors
    expect(checks.map(c => [c.subject, c.ok])).toEqual(checkWithRealTools(good, pinned()).map(c => [c.subject, c.ok]));
    expect(checks.map(c => c.exitCode)).toEqual([0, 0]);
    expect(RealTools.check(bad, pinned())[0]).toMatchObject({ ok: false, exitCode: expect.any(Number) });
    expect(() => RealTools.assertAccept(bad, pinned())).toThrow(/bad MetricsQL expr: .*unexpected token/);
  });

  test('a missing binary is a message, not a crash', () => {
    expect(() => checkWithRealTools(chartWith({ alert: 'A', expr: 'up == 0' }), { vmalertBin: '/nonexistent/vmalert' })).toThrow(
      'vmalert: /nonexistent/vmalert does not exist (from the options)');
  });
});

test('examples/real-tools-check.ts runs both tools on the minimal example with VMALERT_BIN and AMTOOL_BIN', () => {
  // GIVEN the example run as its header says
  const result = run(process.execPath, [require.resolve('ts-node/dist/bin'), '--transpile-only', path.join(__dirname, '..', '..', 'examples', 'real-tools-check.ts')], {
    env: { ...process.env, VMALERT_BIN: binary('vmalert'), AMTOOL_BIN: binary('amtool') },
  });
  // THEN it reports each check and exits 0
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  expect(result.stdout.trim().split('\n')).toEqual([
    expect.stringMatching(/^ok {2}vmalert -dryRun of Deployment "minimal-vmalert-.*", container "vmalert"$/),
    expect.stringMatching(/^ok {2}amtool check-config of StatefulSet "minimal-alertmanager-/),
  ]);
}, 60_000);
