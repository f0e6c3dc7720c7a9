import * as yaml from 'js-yaml';
import { externalLabelProblems, extraArgsProblems, flagName, renderNotifierConfig, vmalertArgs, VmalertArgsInput, VMALERT_MANAGED_FLAGS } from '../constructs/vmalert/args';
import { VMALERT_FLAGS } from '../constructs/vmalert/flags';
import { VERSIONS } from '../constructs/core/versions';

const BASE: VmalertArgsInput = {
  datasourceUrl: 'http://vmselect:8481/select/0/prometheus',
  ruleFiles: ['/etc/vmalert/rules/a/*.yml'],
  notifierUrls: ['http://am-0.am:9093', 'http://am-1.am:9093'],
  evaluationInterval: '1m',
  evalDelay: '30s',
  externalLabels: {},
  httpPort: 8880,
  extraArgs: [],
};

describe('vmalertArgs', () => {
  test('one -notifier.url per Alertmanager pod and the listen address', () => {
    // WHEN
    const args = vmalertArgs(BASE);
    // THEN
    expect(args).toEqual([
      '-datasource.url=http://vmselect:8481/select/0/prometheus',
      '-rule=/etc/vmalert/rules/a/*.yml',
      '-notifier.url=http://am-0.am:9093',
      '-notifier.url=http://am-1.am:9093',
      '-evaluationInterval=1m',
      '-rule.evalDelay=30s',
      '-httpListenAddr=:8880',
    ]);
  });

  test('remote write/read with lookback, external URL and labels, extra args last', () => {
    const args = vmalertArgs({
      ...BASE,
      remoteWriteUrl: 'http://vminsert:8480/insert/0/prometheus',
      remoteReadUrl: 'http://vmselect:8481/select/0/prometheus',
      remoteReadLookback: '1h',
      externalUrl: 'http://vmalert:8880',
      externalLabels: { cluster: 'prod' },
      extraArgs: ['-rule.resendDelay=1m'],
    });
    expect(args).toEqual(expect.arrayContaining([
      '-remoteWrite.url=http://vminsert:8480/insert/0/prometheus',
      '-remoteRead.url=http://vmselect:8481/select/0/prometheus',
      '-remoteRead.lookback=1h',
      '-external.url=http://vmalert:8880',
      '-external.label=cluster=prod',
    ]));
    expect(args[args.length - 1]).toBe('-rule.resendDelay=1m');
  });

  test('a notifier config file replaces the -notifier.url flags (vmalert refuses both)', () => {
    const args = vmalertArgs({ ...BASE, notifierConfigFile: '/etc/vmalert/notifier/notifier.yml' });
    expect(args.filter(a => a.startsWith('-notifier.url='))).toEqual([]);
    expect(args).toContain('-notifier.config=/etc/vmalert/notifier/notifier.yml');
  });
});

describe('extra argument checks', () => {
  test('flag names', () => {
    expect(flagName('-rule.resendDelay=1m')).toBe('rule.resendDelay');
    expect(flagName('--dryRun')).toBe('dryRun');
    expect(flagName('1m')).toBeUndefined();
  });

  test('-dedup.minScrapeInterval is sent to vmselect and vmstorage with the value to use', () => {
    const [problem] = extraArgsProblems(['-dedup.minScrapeInterval=30s'], '1m');
    expect(problem).toBe('-dedup.minScrapeInterval is not a vmalert flag: vmalert would exit with "flag provided but not defined". '
      + 'It belongs on vmselect and vmstorage: set -dedup.minScrapeInterval=1m (the recommendedDedupInterval of these rules) there '
      + 'and remove it from extraArgs');
  });

  test('unknown flags and flags the construct manages', () => {
    const problems = extraArgsProblems(['-rule.resendDelay=1m', '-notifer.url=x', '-datasource.url=x'], '1m');
    expect(problems).toEqual([
      `-notifer.url is not a vmalert flag (vmalert would exit with "flag provided but not defined"): check the spelling against \`vmalert -help\`; a flag of a vmalert newer than the pinned ${VERSIONS.victoriaMetrics} goes in newerFlags`,
      '-datasource.url is set by the construct: use the "datasourceUrl" prop instead of extraArgs',
    ]);
  });

  test('the managed flags are exactly the flags vmalertArgs can write, each a flag of the pinned vmalert', () => {
    const full: VmalertArgsInput = {
      datasourceUrl: 'http://d', ruleFiles: ['/r/a.yml'], notifierUrls: ['http://am:9093'], remoteWriteUrl: 'http://w',
      remoteReadUrl: 'http://r', remoteReadLookback: '1h', evaluationInterval: '1m', evalDelay: '30s', externalUrl: 'http://v',
      externalLabels: { cluster: 'c' }, httpPort: 8880, extraArgs: [],
      webTls: { certFile: '/s/tls.crt', keyFile: '/s/tls.key' },
    };
    const written = (input: VmalertArgsInput) => vmalertArgs(input).map(arg => flagName(arg)!);
    const names = new Set([...written(full), ...written({ ...full, notifierConfigFile: '/n/notifier.yml' })]);
    expect([...names].sort()).toEqual(Object.keys(VMALERT_MANAGED_FLAGS).sort());
    expect(Object.keys(VMALERT_MANAGED_FLAGS).filter(name => !VMALERT_FLAGS.has(name))).toEqual([]);
  });
});

describe('external label checks', () => {
  const ENV = ['POD_NAME', 'POD_NAMESPACE'];

  test('labels the same on every pod pass, including $(POD_NAMESPACE)', () => {
    expect(externalLabelProblems({ cluster: 'prod', namespace: '$(POD_NAMESPACE)', cost: '50%' }, ENV)).toEqual([]);
  });

  test.each([['$(POD_NAME)'], ['vmalert-$(POD_NAME)'], ['%{HOSTNAME}'], ['$(POD_IP)']])('per-pod value %s is refused, pointing to replicaLabel', (value) => {
    // GIVEN a label whose value the kubelet (or vmalert) expands differently in each replica
    // WHEN it is checked
    const problems = externalLabelProblems({ replica: value }, ENV);
    // THEN the message names the label, the duplicate-alert effect and the prop to use instead
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^externalLabels\.replica = ".*" differs per pod/);
    expect(problems[0]).toContain('[FIRING:2]');
    expect(problems[0]).toContain('set replicaLabel: "replica"');
  });

  test('a reference to a variable the container lacks is refused (the kubelet would keep it literally)', () => {
    expect(externalLabelProblems({ region: '$(REGION)' }, ENV)).toEqual([
      'externalLabels.region = "$(REGION)" refers to $(REGION), which the vmalert container does not define '
      + '(it has POD_NAME, POD_NAMESPACE): the kubelet would pass it literally',
    ]);
  });
});

describe('renderNotifierConfig', () => {
  test('every pod as a static target and the replica label dropped', () => {
    // WHEN
    const config = yaml.load(renderNotifierConfig(['http://am-0.am.ns.svc:9093', 'http://am-1.am.ns.svc:9093'], ['replica']));
    // THEN
    expect(config).toEqual({
      scheme: 'http',
      static_configs: [{ targets: ['am-0.am.ns.svc:9093', 'am-1.am.ns.svc:9093'] }],
      alert_relabel_configs: [{ action: 'labeldrop', regex: 'replica' }],
    });
  });

  test('a path prefix is kept; mixed prefixes and non-URLs are errors', () => {
    expect(yaml.load(renderNotifierConfig(['https://am:9093/am/'], []))).toEqual(
      { scheme: 'https', path_prefix: '/am', static_configs: [{ targets: ['am:9093'] }] });
    expect(() => renderNotifierConfig(['http://a:9093', 'http://b:9093/x'], ['r'])).toThrow(/must share one scheme and path/);
  });
});

