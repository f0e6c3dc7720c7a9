import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { AlertmanagerCluster, AlertmanagerConfig } from '../constructs';
import {
  addressProblems, alertmanagerDocumentProblems, effectiveRoutes, matcherProblems, retentionProblem, smarthostProblems,
} from '../constructs/alertmanager/checks';
import { temporaryDirectories } from './support/temp';

const tempDir = temporaryDirectories();
const NULL_CONFIG = { route: { receiver: 'null' }, receivers: [{ name: 'null' }] };

describe('alertmanager.yml checks', () => {
  test.each([
    ['smtp.example.org:587', 0], ['[::1]:25', 0], ['smtp.example.org', 1], ['smtp.example.org:abc', 1], ['smtp.example.org:70000', 1], ['', 1],
  ])('smarthost %j: %d problem(s)', (value, count) => {
    expect(smarthostProblems(value, 'global.smtp_smarthost')).toHaveLength(count);
  });

  test.each([
    ['oncall@example.org', true, 0], ['a@example.org, b@example.org', true, 0], ['On-call <oncall@example.org>', false, 0],
    ['{{ .GroupLabels.team }}@example.org', true, 0], ['not an address', true, 1], ['nobody', false, 1], ['a@b@c', false, 1],
    ['a@example.org; b@example.org', true, 1],
  ])('address %j (list: %s): %d problem(s)', (value, list, count) => {
    expect(addressProblems(value, 'to', list)).toHaveLength(count);
  });

  test.each([
    ['severity="critical"', 0], ['severity=critical', 0], ['{severity="critical"}', 0], ['"a b"="x"', 0], ['a.b=c', 0],
    ['alertname=~"Kube.*"', 0], ['a=~"(?P<x>y)"', 0],
    ['severity', 1], ['=x', 1], ['a b=x', 1], ['a="x', 1], ['a=~"(x"', 1], ['a=~"["', 1],
  ])('matcher %j: %d problem(s)', (value, count) => {
    expect(matcherProblems(value, 'route.matchers[0]')).toHaveLength(count);
  });

  test('route tree problems name the path inside the document', () => {
    const problems = alertmanagerDocumentProblems({
      route: {
        receiver: 'e', group_by: ['a', 'a', ''], group_interval: '0s',
        routes: [{ receiver: 'nope', matchers: ['x'] }, { group_by: ['...', 'b'], foo: 1 }],
      },
      receivers: [{ name: 'e' }, { name: '' }],
      inhibit_rules: [{ source_matchers: ['a=~"("'], target_matchers: ['b="c"'] }],
      extra: 1,
    });
    const text = problems.join('\n');
    for (const expected of [
      'route.group_by[1]: "a" is listed twice', 'route.group_by[2]: an empty label name', 'route.group_interval: must not be zero',
      'route.routes[0].receiver: "nope" is not defined', 'route.routes[0].matchers[0]', 'route.routes[1].group_by: "..."',
      'route.routes[1].foo: not a route setting', 'receivers[1].name: missing', 'inhibit_rules[0].source_matchers[0]', 'extra: not an Alertmanager setting',
    ]) expect(text).toContain(expected);
  });

  test('effective routes inherit from the parent and default to 5m / 4h', () => {
    const routes = effectiveRoutes({ route: { receiver: 'e', routes: [{ repeat_interval: '1h', routes: [{ group_interval: '10m' }] }] } });
    expect(routes.map(r => [r.at, r.groupInterval, r.repeatInterval, r.groupIntervalSet])).toEqual([
      ['route', '5m', '4h', false],
      ['route.routes[0]', '5m', '1h', false],
      ['route.routes[0].routes[0]', '10m', '1h', true],
    ]);
  });

  test('retention must outlive the longest repeat_interval plus its group_interval', () => {
    expect(retentionProblem('0s', { route: { receiver: 'e' } })).toContain('shorter than 4h5m');
    expect(retentionProblem('4h5m', { route: { receiver: 'e' } })).toBeUndefined();
    expect(retentionProblem('120h', { route: { receiver: 'e', repeat_interval: '200h' } })).toContain('duplicates');
  });
});

describe('AlertmanagerCluster refuses what Alertmanager would', () => {
  test('30 peers and no group_interval: the default 5m is too short for the peer wait', () => {
    expect(() => new AlertmanagerCluster(Testing.chart(), 'am', { replicas: 30, config: NULL_CONFIG }))
      .toThrow("config.route.groupInterval 5m (inherited or Alertmanager's default: set groupInterval explicitly) must be above 7m15s");
  });

  test('a typed config\'s problem names the prop the user wrote, not the alertmanager.yml key', () => {
    // GIVEN a typed global SMTP server without a port, and an email receiver's sender that is not an address
    const config = {
      global: { smtpSmarthost: 'smtp.example.org', smtpFrom: 'alerts@example.org' },
      route: { receiver: 'mail', groupInterval: '5m' },
      receivers: [{ name: 'mail', emailConfigs: [{ to: 'oncall@example.org', from: 'nobody' }] }],
    };
    // WHEN the cluster is built
    let message = '';
    try {
      new AlertmanagerCluster(Testing.chart(), 'am', { config });
    } catch (error) {
      message = (error as Error).message;
    }
    // THEN each problem is named by the typed path, never the snake_case key
    expect(message).toContain('AlertmanagerCluster "am": config.global.smtpSmarthost: "smtp.example.org" is not host:port');
    expect(message).toContain('AlertmanagerCluster "am": config.receivers[0].emailConfigs[0].from: "nobody" is not an email address');
    expect(message).not.toMatch(/smtp_smarthost|email_configs/);
  });

  test('a file\'s problem keeps naming the key in the file', () => {
    // GIVEN the same SMTP server without a port, in an alertmanager.yml
    const file = path.join(tempDir('am-file-'), 'alertmanager.yml');
    fs.writeFileSync(file, 'global: { smtp_smarthost: smtp.example.org, smtp_from: a@example.org }\n'
      + 'route: { receiver: m, group_interval: 5m }\nreceivers: [{ name: m, email_configs: [{ to: b@example.org }] }]\n');
    // WHEN the cluster is built THEN the file and its key are named
    expect(() => new AlertmanagerCluster(Testing.chart(), 'am', { config: AlertmanagerConfig.fromFile(file) }))
      .toThrow(`${file} global.smtp_smarthost: "smtp.example.org" is not host:port`);
  });

  test('retention 0s is refused with the reason', () => {
    expect(() => new AlertmanagerCluster(Testing.chart(), 'am', { config: NULL_CONFIG, retention: '0s' }))
      .toThrow('AlertmanagerCluster "am": retention 0s is shorter than 4h5m');
  });

  test('externalUrl without a scheme is refused', () => {
    expect(() => new AlertmanagerCluster(Testing.chart(), 'am', { config: NULL_CONFIG, externalUrl: 'alertmanager.example.org' }))
      .toThrow('externalUrl "alertmanager.example.org" is not an http(s) URL');
  });

  test.each([
    [{ secretName: 'SMTP', key: 'password' }, 'secretName "SMTP" is not a DNS-1123 subdomain'],
    [{ secretName: 'smtp', key: '../password' }, 'key "../password" may hold only'],
    [{ secretName: 'smtp', key: '..password' }, 'must not be "." or start with ".."'],
  ])('Secret reference %j is refused', (ref, message) => {
    const config = { ...NULL_CONFIG, global: { smtpSmarthost: 'smtp.example.org:587', smtpFrom: 'a@example.org', smtpAuthPassword: ref } };
    expect(() => new AlertmanagerCluster(Testing.chart(), 'am', { config })).toThrow(message);
  });

  test('a file with a route to an undefined receiver is refused, naming the file and the path', () => {
    const file = path.join(tempDir('am-checks-'), 'alertmanager.yml');
    fs.writeFileSync(file, 'route:\n  receiver: e\n  routes:\n    - receiver: pager\nreceivers:\n  - name: e\n');
    expect(() => new AlertmanagerCluster(Testing.chart(), 'am', { config: AlertmanagerConfig.fromFile(file) }))
      .toThrow(`${file} route.routes[0].receiver: "pager" is not defined (receivers: e)`);
  });
});
