/**
 * Durations that reach flags, judged by the pinned binaries' own parsers: vmalert's Go time.ParseDuration and
 * Alertmanager's kingpin (str2duration). Our isFlagDuration must agree with each binary on every sample, and the
 * values the constructs synthesize must start the binaries.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { AlertmanagerCluster, RulesConfigMap, VmalertHa } from '../../constructs';
import { FlagDurationParser, isFlagDuration } from '../../constructs/core/duration';
import { argsOf, EMAIL_CONFIG, synth } from '../support/synth';
import { binary, run } from '../../testkit/binaries';

const SAMPLES = ['30s', '1m30s', '24h', '1.5h', '0', '0s', '250ms', '1d', '7d', '1w2d', '1.5d', '1y', '5', '-', 'soon', '1 m', '2h1d'];

let workDir: string;
let ruleFile: string;
beforeAll(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flag-durations-'));
  ruleFile = path.join(workDir, 'rules.yml');
  fs.writeFileSync(ruleFile, 'groups:\n  - name: daily\n    rules:\n      - alert: Daily\n        expr: up == 0\n        for: 1d\n');
});
afterAll(() => fs.rmSync(workDir, { recursive: true, force: true }));

/** Whether vmalert's flag parser takes the value (-dryRun stops after parsing flags and rules). */
function vmalertTakes(flag: string, value: string): { code: number | null; output: string } {
  const result = run(binary('vmalert'), ['-dryRun', `-rule=${ruleFile}`, `-${flag}=${value}`]);
  return { code: result.code, output: result.stdout + result.stderr };
}

/** Whether Alertmanager's flag parser takes the value: a missing config file is the next thing it trips on. */
function alertmanagerTakes(flag: string, value: string): { code: number | null; output: string } {
  const result = run(binary('alertmanager'), [`--${flag}=${value}`, `--config.file=${path.join(workDir, 'missing.yml')}`,
    '--cluster.listen-address=', '--web.listen-address=127.0.0.1:0', `--storage.path=${workDir}`]);
  return { code: result.code, output: result.stdout + result.stderr };
}

function parsedByFlags(output: string): boolean {
  return !/invalid value|invalid duration|unknown unit|missing unit/.test(output);
}

test.each(SAMPLES)('vmalert -remoteRead.lookback=%s: isFlagDuration(go) agrees with the pinned vmalert', value => {
  const verdict = vmalertTakes('remoteRead.lookback', value);
  expect({ value, binaryTakes: parsedByFlags(verdict.output) }).toEqual({ value, binaryTakes: isFlagDuration(value, 'go') });
});

test.each(SAMPLES)('alertmanager --data.retention=%s: isFlagDuration(kingpin) agrees with the pinned alertmanager', value => {
  const verdict = alertmanagerTakes('data.retention', value);
  expect({ value, binaryTakes: parsedByFlags(verdict.output) }).toEqual({ value, binaryTakes: isFlagDuration(value, 'kingpin' as FlagDurationParser) });
});

test('a rule held for 1d: the synthesized -remoteRead.lookback starts the real vmalert (1d itself would exit 2)', () => {
  // GIVEN VmalertHa with remote read and a rule with for: 1d
  const chart = Testing.chart();
  const rules = new RulesConfigMap(chart, 'rules', { groups: [{ name: 'daily', rules: [{ alert: 'Daily', expr: 'up == 0', for: '1d' }] }] });
  new VmalertHa(chart, 'vmalert', {
    datasourceUrl: 'http://127.0.0.1:1', remoteWriteUrl: 'http://127.0.0.1:1', remoteReadUrl: 'http://127.0.0.1:1', notifiers: ['http://127.0.0.1:1'], rules,
  });
  const lookback = argsOf(synth(chart), 'Deployment').find(a => a.startsWith('-remoteRead.lookback='))!.split('=')[1];
  // WHEN the pinned vmalert parses it, and the Prometheus spelling the library used to write
  const synthesized = vmalertTakes('remoteRead.lookback', lookback);
  const prometheusSpelling = vmalertTakes('remoteRead.lookback', '1d');
  // THEN the synthesized value passes and the old one is refused as before
  expect(lookback).toBe('24h');
  expect(synthesized.code).toBe(0);
  expect({ code: prometheusSpelling.code, output: prometheusSpelling.output }).toEqual({
    code: 2, output: expect.stringContaining('invalid value "1d" for flag -remoteRead.lookback'),
  });
});

test('retention 7d and reconnect timeout 1d, as synthesized, pass the pinned Alertmanager flag parser; 1y is refused by both', () => {
  // GIVEN a cluster with day-spelled durations
  const chart = Testing.chart();
  new AlertmanagerCluster(chart, 'am', { config: EMAIL_CONFIG, retention: '7d', reconnectTimeout: '1d' });
  const args = argsOf(synth(chart), 'StatefulSet');
  const retention = args.find(a => a.startsWith('--data.retention='))!.split('=')[1];
  const reconnect = args.find(a => a.startsWith('--cluster.reconnect-timeout='))!.split('=')[1];
  // WHEN the pinned alertmanager parses them
  // THEN both pass its flag parser; 1y does not, and the construct refuses it first
  expect(parsedByFlags(alertmanagerTakes('data.retention', retention).output)).toBe(true);
  expect(parsedByFlags(alertmanagerTakes('cluster.reconnect-timeout', reconnect).output)).toBe(true);
  expect(alertmanagerTakes('data.retention', '1y').output).toContain('unknown unit "y"');
  expect(() => new AlertmanagerCluster(Testing.chart(), 'am', { config: EMAIL_CONFIG, retention: '1y' })).toThrow(/retention "1y" is not a duration/);
});
