import { ALERTMANAGER_MANAGED_FLAGS, alertmanagerArgs, alertmanagerExtraArgsProblems, alertmanagerFlagDefault, alertmanagerFlagDurationMs, alertmanagerRoutePrefix, prefixedPath } from '../constructs/alertmanager/args';
import { ALERTMANAGER_FLAGS } from '../constructs/alertmanager/flags';
import { VERSIONS } from '../constructs/core/versions';

const INPUT = {
  configFile: '/etc/alertmanager/config/alertmanager.yml',
  storagePath: '/alertmanager',
  retention: '120h',
  webPort: 9093,
  meshPort: 9094,
  reconnectTimeout: '5m',
  podIpEnv: 'POD_IP',
  peerHosts: ['am-0.am.ns.svc', 'am-1.am.ns.svc'],
};

describe('alertmanagerArgs', () => {
  test('defaults: the full list in a stable order, one --cluster.peer per pod', () => {
    expect(alertmanagerArgs(INPUT)).toEqual([
      '--config.file=/etc/alertmanager/config/alertmanager.yml',
      '--storage.path=/alertmanager',
      '--data.retention=120h',
      '--web.listen-address=:9093',
      '--web.route-prefix=/',
      '--cluster.listen-address=[$(POD_IP)]:9094',
      '--cluster.advertise-address=[$(POD_IP)]:9094',
      '--cluster.peer=am-0.am.ns.svc:9094',
      '--cluster.peer=am-1.am.ns.svc:9094',
      '--cluster.reconnect-timeout=5m',
    ]);
  });

  test('mesh: listen and advertise on the bracketed pod IP, then timeouts, label and extra args last', () => {
    // WHEN
    const args = alertmanagerArgs({
      ...INPUT, routePrefix: '/am', peerTimeout: '10s', settleTimeout: '30s', clusterLabel: 'ns/am', extraArgs: ['--web.timeout=30s'],
    });
    // THEN
    expect(args.slice(4)).toEqual([
      '--web.route-prefix=/am',
      '--cluster.listen-address=[$(POD_IP)]:9094',
      '--cluster.advertise-address=[$(POD_IP)]:9094',
      '--cluster.peer=am-0.am.ns.svc:9094',
      '--cluster.peer=am-1.am.ns.svc:9094',
      '--cluster.reconnect-timeout=5m',
      '--cluster.peer-timeout=10s',
      '--cluster.settle-timeout=30s',
      '--cluster.label=ns/am',
      '--web.timeout=30s',
    ]);
  });

  test('an empty cluster label writes no --cluster.label; one peer writes no mesh flags at all', () => {
    expect(alertmanagerArgs({ ...INPUT, clusterLabel: '' }).some(a => a.startsWith('--cluster.label'))).toBe(false);
    const single = alertmanagerArgs({ ...INPUT, peerHosts: ['am-0'], clusterLabel: 'ns/am', peerTimeout: '10s' });
    expect(single.filter(a => a.startsWith('--cluster.'))).toEqual(['--cluster.listen-address=']);
  });
});

describe('alertmanagerRoutePrefix', () => {
  test.each([
    [undefined, undefined, '/'],
    ['https://alerts.example.com', undefined, '/'],
    ['https://alerts.example.com/', undefined, '/'],
    ['https://alerts.example.com/alertmanager', undefined, '/alertmanager'],
    ['https://alerts.example.com/team/alertmanager/', undefined, '/team/alertmanager'],
    ['https://alerts.example.com/public', '/internal', '/internal'],
    [undefined, '/am/', '/am'],
    [undefined, '/', '/'],
  ])('externalUrl %s, routePrefix %s -> %s', (externalUrl, explicit, expected) => {
    expect(alertmanagerRoutePrefix('AlertmanagerCluster "am"', externalUrl, explicit)).toBe(expected);
  });

  test('a routePrefix that is not a path is refused with an example', () => {
    expect(() => alertmanagerRoutePrefix('AlertmanagerCluster "am"', undefined, 'alertmanager')).toThrow(
      'AlertmanagerCluster "am": routePrefix "alertmanager" must be a URL path starting with "/", e.g. "/alertmanager"');
    expect(() => alertmanagerRoutePrefix('x', undefined, '/a b')).toThrow(/must be a URL path/);
  });

  test('prefixedPath puts the prefix in front of a path, and nothing for "/"', () => {
    expect(prefixedPath('/alertmanager', '/-/ready')).toBe('/alertmanager/-/ready');
    expect(prefixedPath('/', '/-/ready')).toBe('/-/ready');
  });
});

describe('flag durations', () => {
  test('durations Alertmanager\'s flags parse pass (d and w included); y is a ConfigError naming the prop, flag and spelling', () => {
    expect(alertmanagerFlagDurationMs('o', 'peerTimeout', 'cluster.peer-timeout', '1m0s')).toBe(60_000);
    expect(alertmanagerFlagDurationMs('o', 'settleTimeout', 'cluster.settle-timeout', '1d')).toBe(86_400_000);
    expect(() => alertmanagerFlagDurationMs('AlertmanagerCluster "am"', 'settleTimeout', 'cluster.settle-timeout', '1y')).toThrow(
      'AlertmanagerCluster "am": settleTimeout "1y" is not a duration that Alertmanager\'s --cluster.settle-timeout accepts (');
  });

  test('defaults come from the generated catalogue', () => {
    expect(alertmanagerFlagDefault('cluster.peer-timeout')).toBe(ALERTMANAGER_FLAGS['cluster.peer-timeout'].default);
    expect(() => alertmanagerFlagDefault('cluster.peer')).toThrow('alertmanager --help shows no default for --cluster.peer');
  });
});

describe('alertmanagerExtraArgsProblems', () => {
  test('flags of the pinned Alertmanager pass, --no-<bool> included', () => {
    expect(alertmanagerExtraArgsProblems(['--web.timeout=30s', '--no-log.silences', '--log.silences', '--log.level=debug'])).toEqual([]);
  });

  test('unknown flags, one dash, bare values and missing values are each named with the fix', () => {
    expect(alertmanagerExtraArgsProblems(['--web.timeoutt=1s', '-log.level=debug', 'debug', '--log.level', '--no-log.silences=true'])).toEqual([
      `--web.timeoutt is not a flag of Alertmanager ${VERSIONS.alertmanager} (it would exit with "unknown long flag"): check the spelling against \`alertmanager --help\``,
      "-log.level: Alertmanager's long flags take two dashes: write --log.level=debug",
      '"debug" is not a flag: write each flag with its value as one argument, e.g. "--web.timeout=30s"',
      '--log.level takes a value: write it in the same argument, e.g. --log.level=info',
      '--no-log.silences takes no value: write --no-log.silences or --log.silences=true',
    ]);
  });

  test('flags the construct sets are refused naming the prop, web TLS and mesh TLS included', () => {
    expect(alertmanagerExtraArgsProblems(['--cluster.label=x', '--web.external-url=https://a', '--cluster.peer=x:9094', '--web.listen-address=:80'])).toEqual([
      '--cluster.label is set by the construct: use the "clusterLabel" prop instead of extraArgs',
      '--web.external-url is set by the construct: use the "externalUrl" prop instead of extraArgs',
      '--cluster.peer is set by the construct: use the "replicas" prop instead of extraArgs',
      '--web.listen-address is set by the construct (fixed port 9093): remove it from extraArgs',
    ]);
    expect(alertmanagerExtraArgsProblems(['--web.config.file=/x', '--cluster.tls-config=/y'])).toEqual([
      '--web.config.file is set by the construct: use the "web" prop instead of extraArgs',
      '--cluster.tls-config is set by the construct: use the "meshTls" prop instead of extraArgs',
    ]);
  });

  test('every managed flag is a flag of the pinned Alertmanager', () => {
    expect(Object.keys(ALERTMANAGER_MANAGED_FLAGS).filter(name => !(name in ALERTMANAGER_FLAGS))).toEqual([]);
  });

  test('the managed flags are exactly the flags alertmanagerArgs can write', () => {
    const full = {
      ...INPUT, externalUrl: 'https://a', clusterLabel: 'ns/am', peerTimeout: '10s', settleTimeout: '30s',
      webConfigFile: '/etc/alertmanager/config/web-config.yml', meshTlsConfigFile: '/etc/alertmanager/config/cluster-tls-config.yml',
    };
    const names = new Set(alertmanagerArgs(full).map(arg => /^--([^=]+)/.exec(arg)![1]));
    expect([...names].sort()).toEqual(Object.keys(ALERTMANAGER_MANAGED_FLAGS).sort());
  });
});
