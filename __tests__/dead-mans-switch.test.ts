import * as yaml from 'js-yaml';
import { AlertmanagerConfig, ConfigError, selfMonitoringGroups, withDeadMansSwitch } from '../constructs';
import { referencedSecrets, renderAlertmanagerConfig } from '../constructs/alertmanager/config/alertmanager-config';
import { parseDuration } from '../constructs/core/duration';
import { heartbeatRepeatMs, heartbeatRoute, WATCHDOG_ALERT, watchdogRule } from '../constructs/self-monitoring/dead-mans-switch';
import { EMAIL_CONFIG } from './support/synth';

const URL_SECRET = { secretName: 'heartbeat', key: 'url' };

describe('withDeadMansSwitch', () => {
  test('the Watchdog gets the first route, grouped alone, to a webhook that reads its URL from the Secret file', () => {
    // GIVEN a config with its own child route
    const config: AlertmanagerConfig = { ...EMAIL_CONFIG, route: { ...EMAIL_CONFIG.route, routes: [{ matchers: ['team="db"'], receiver: 'email' }] } };
    // WHEN
    const document = yaml.load(renderAlertmanagerConfig(withDeadMansSwitch(config, { urlSecret: URL_SECRET }))) as any;
    // THEN the heartbeat route comes before the existing one and does not continue
    expect(document.route.receiver).toBe('email');
    expect(document.route.routes).toEqual([
      {
        receiver: 'heartbeat', matchers: ['alertname="Watchdog"'], group_by: ['alertname'],
        group_wait: '10s', group_interval: '1m', repeat_interval: '50s', continue: false,
      },
      { receiver: 'email', matchers: ['team="db"'] },
    ]);
    // AND the receiver posts to the URL in the mounted Secret, never the URL itself, without resolved messages
    expect(document.receivers.at(-1)).toEqual({
      name: 'heartbeat', webhook_configs: [{ url_file: '/etc/alertmanager/secrets/heartbeat/url', send_resolved: false }],
    });
    expect(referencedSecrets(withDeadMansSwitch(config, { urlSecret: URL_SECRET }))).toContainEqual(URL_SECRET);
  });

  test('without a URL Secret the Watchdog still has its route, to a receiver that sends nothing', () => {
    const document = yaml.load(renderAlertmanagerConfig(withDeadMansSwitch(EMAIL_CONFIG))) as any;
    expect(document.route.routes[0]).toMatchObject({ receiver: 'heartbeat', matchers: ['alertname="Watchdog"'] });
    expect(document.receivers.at(-1)).toEqual({ name: 'heartbeat' });
  });

  test('repeat_interval is below group_interval, so every group_interval tick sends a heartbeat', () => {
    // Alertmanager compares the last send's log time (after sending) with tick - repeat_interval.
    for (const interval of ['35s', '1m', '5m', '2s']) {
      const route = heartbeatRoute({ interval });
      expect(route.groupInterval).toBe(interval);
      expect(parseDuration(route.repeatInterval!)).toBeLessThan(parseDuration(interval));
      expect(parseDuration(route.repeatInterval!)).toBeGreaterThan(0);
    }
    // A send may take up to 10s (a quarter of short intervals) without skipping the next tick.
    expect([heartbeatRepeatMs(60_000), heartbeatRepeatMs(35_000), heartbeatRepeatMs(300_000), heartbeatRepeatMs(2_000)])
      .toEqual([50_000, 26_000, 290_000, 1_000]);
  });

  test.each([
    [{ interval: '1x' }, 'deadMansSwitch: interval "1x" is not a duration'],
    [{ interval: '1s' }, 'deadMansSwitch: interval 1s is too short'],
    [{ groupWait: 'soon' }, 'deadMansSwitch: groupWait "soon" is not a duration'],
    [{ receiverName: 'email' }, 'deadMansSwitch: the config already has a receiver named "email"'],
  ])('bad options %j', (options, message) => {
    expect(() => withDeadMansSwitch(EMAIL_CONFIG, options)).toThrow(ConfigError);
    expect(() => withDeadMansSwitch(EMAIL_CONFIG, options)).toThrow(message);
  });
});

describe('the Watchdog rule', () => {
  test('always fires (vector(1)) with severity none and says what to do when it stops', () => {
    const rule = watchdogRule({ team: 'sre' });
    expect(rule).toMatchObject({ alert: WATCHDOG_ALERT, expr: 'vector(1)', labels: { team: 'sre', severity: 'none' } });
    expect(rule.for).toBeUndefined();
    expect(rule.annotations?.action).toMatch(/heartbeat/);
  });

  test('selfMonitoringGroups adds it in its own group only when asked', () => {
    expect(selfMonitoringGroups().map(g => g.name)).not.toContain('self-monitoring-watchdog');
    const groups = selfMonitoringGroups({ watchdog: true, labels: { team: 'sre' } });
    const watchdog = groups.find(g => g.name === 'self-monitoring-watchdog')!;
    expect(watchdog.rules).toEqual([watchdogRule({ team: 'sre' })]);
  });
});

