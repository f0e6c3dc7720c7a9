import { App, Chart } from 'cdk8s';
import * as yaml from 'js-yaml';
import { AlertmanagerCluster, AlertmanagerConfig, RuleGroup, RulesConfigMap, VmalertHa, withDeadMansSwitch } from '../constructs';
import { alertmanagerConfigText } from '../constructs/alertmanager/alertmanager-cluster';
import { renderAlertmanagerConfig } from '../constructs/alertmanager/config/alertmanager-config';
import { parseDuration } from '../constructs/core/duration';
import {
  breachToEmailBoundMs, flushClearanceMs, flushPhaseMs, STARTS_AT_MARGIN_MS, startsAtAgeBoundMs, stormSafeGroupWait, stormSplitWarnings,
} from '../constructs/vmalert/storm';
import { AlertingStack } from '../main';
import { loadAppConfig } from '../app-config';
import { EMAIL_CONFIG } from './support/synth';

/** vmalert's defaults in VmalertHa: 1m interval, 30s eval delay. */
const DEFAULTS = { evaluationIntervalMs: 60_000, evalDelayMs: 30_000 };
const STORM_GROUP: RuleGroup = {
  name: 'storage',
  rules: [{ alert: 'DiskFull', expr: 'disk_free_ratio < 0.05', for: '5m', labels: { severity: 'critical' } }],
};

function configWith(route: AlertmanagerConfig['route']): string {
  return renderAlertmanagerConfig({ ...EMAIL_CONFIG, route });
}

describe('the oldest startsAt an alert reaches Alertmanager with', () => {
  test('is eval delay + interval + margin, the group\'s own settings first', () => {
    // GIVEN groups on the defaults, with their own interval and delay, unaligned, and on an offset
    // THEN vmalert truncates (now - delay) to the interval unless alignment is off; an offset skips both
    expect(startsAtAgeBoundMs(STORM_GROUP, DEFAULTS)).toBe(90_000 + STARTS_AT_MARGIN_MS);
    expect(startsAtAgeBoundMs({ ...STORM_GROUP, interval: '5m', eval_delay: '10s' }, DEFAULTS)).toBe(310_000 + STARTS_AT_MARGIN_MS);
    expect(startsAtAgeBoundMs({ ...STORM_GROUP, eval_alignment: false }, DEFAULTS)).toBe(30_000 + STARTS_AT_MARGIN_MS);
    expect(startsAtAgeBoundMs({ ...STORM_GROUP, eval_offset: '10s' }, DEFAULTS)).toBe(STARTS_AT_MARGIN_MS);
  });

  test('a storm-safe group_wait covers the slowest alerting group, in whole seconds', () => {
    const slow: RuleGroup = { ...STORM_GROUP, name: 'slow', interval: '2m' };
    const recordingOnly: RuleGroup = { name: 'rec', interval: '10m', rules: [{ record: 'a:b', expr: 'sum(b)' }] };
    expect(stormSafeGroupWait([], DEFAULTS)).toBe('1m35s');
    expect(stormSafeGroupWait([STORM_GROUP, slow, recordingOnly], DEFAULTS)).toBe('2m35s');
  });
});

describe('stormSplitWarnings', () => {
  test('a route whose group_wait is shorter than the startsAt age names the route, the rule and the fix', () => {
    // GIVEN the route a new user writes: group_wait 30s, vmalert on its defaults
    const yaml = configWith({ receiver: 'email', groupBy: ['alertname', 'job'], groupWait: '30s' });
    // WHEN
    const warnings = stormSplitWarnings(yaml, [STORM_GROUP], DEFAULTS);
    // THEN one warning, naming the route, the rule and group, the age and the group_wait that holds
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^route \(receiver "email"\) has group_wait 30s, but rule "DiskFull" of group "storage"/);
    expect(warnings[0]).toContain('up to 1m35s old');
    expect(warnings[0]).toContain('Set group_wait to at least 1m35s');
  });

  test('a group_wait that covers the age passes; so does an unaligned group under a shorter one', () => {
    const safe = configWith({ receiver: 'email', groupWait: '1m35s' });
    expect(stormSplitWarnings(safe, [STORM_GROUP], DEFAULTS)).toEqual([]);
    const short = configWith({ receiver: 'email', groupWait: '40s' });
    expect(stormSplitWarnings(short, [{ ...STORM_GROUP, eval_alignment: false }], DEFAULTS)).toEqual([]);
    expect(stormSplitWarnings(short, [STORM_GROUP], DEFAULTS)).toHaveLength(1);
  });

  test('child routes: group_wait is inherited, a rule goes where its fixed labels lead, group_by ["..."] never splits', () => {
    // GIVEN a safe top-level route, a critical child with a short group_wait, a team child that inherits
    const yaml = configWith({
      receiver: 'email',
      groupWait: '2m30s',
      routes: [
        { matchers: ['severity="critical"'], groupWait: '10s', receiver: 'email' },
        { matchers: ['team=~"db|storage"'], receiver: 'email' },
        { matchers: ['severity="page"'], groupWait: '0s', groupBy: ['...'], receiver: 'email' },
      ],
    });
    const warning: RuleGroup = { name: 'w', rules: [{ alert: 'Slow', expr: 'x > 1', labels: { severity: 'warning' } }] };
    const templated: RuleGroup = { name: 't', rules: [{ alert: 'Any', expr: 'y > 1', labels: { severity: '{{ $labels.sev }}' } }] };
    const paging: RuleGroup = { name: 'p', rules: [{ alert: 'Page', expr: 'z > 1', labels: { severity: 'page' } }] };
    // WHEN / THEN the critical rule warns on routes[0] only
    const critical = stormSplitWarnings(yaml, [STORM_GROUP], DEFAULTS);
    expect(critical).toHaveLength(1);
    expect(critical[0]).toMatch(/^route\.routes\[0\] \(receiver "email"\) has group_wait 10s, but rule "DiskFull"/);
    // a warning-severity rule never reaches routes[0] and the others inherit 2m30s: nothing
    expect(stormSplitWarnings(yaml, [warning], DEFAULTS)).toEqual([]);
    // a severity from a template may be critical: it is checked against routes[0] too
    expect(stormSplitWarnings(yaml, [templated], DEFAULTS).map(w => w.split(' ')[0])).toEqual(['route.routes[0]']);
    // every alert in a group of its own: nothing to split
    expect(stormSplitWarnings(yaml, [paging], DEFAULTS)).toEqual([]);
  });

  test('a route whose flushes fall on the evaluations warns, with a group_wait half an interval off', () => {
    // GIVEN storm-safe routes on the default 1m interval: group_wait 2m and 2m2s flush on (or 2 s after) the
    // evaluations, 2m30s and the app's 1m35s between them; a group_interval of 4m30s drifts across them
    const warningsFor = (groupWait: string, groupInterval?: string) =>
      stormSplitWarnings(configWith({ receiver: 'email', groupWait, groupInterval }), [STORM_GROUP], DEFAULTS);
    // WHEN / THEN
    expect(warningsFor('2m')).toEqual([
      'route (receiver "email") has group_wait 2m and group_interval 5m, so its flushes fall 0s after an evaluation of group '
      + '"storage" (interval 1m, rule "DiskFull"): a resolution that reaches one Alertmanager just before a flush and another '
      + 'just after it is emailed as RESOLVED, then FIRING again, then RESOLVED. Set group_wait to 2m30s, half an interval '
      + 'after the evaluations.',
    ]);
    expect(warningsFor('2m2s')[0]).toMatch(/flushes fall 2s after .* Set group_wait to 2m30s/);
    expect(warningsFor('1m59s')[0]).toMatch(/flushes fall 59s after .* Set group_wait to 2m30s/);
    expect(warningsFor('2m30s')).toEqual([]);
    expect(warningsFor('1m35s')).toEqual([]);
    expect(warningsFor('2m', '4m30s')).toEqual([]);
    // a 15 s group keeps clear by a quarter interval: 1m flushes on it, 1m8s does not
    const fast = [{ ...STORM_GROUP, interval: '15s' }];
    expect(stormSplitWarnings(configWith({ receiver: 'email', groupWait: '1m' }), fast, DEFAULTS)[0]).toMatch(/Set group_wait to 1m8s/);
    expect(stormSplitWarnings(configWith({ receiver: 'email', groupWait: '1m8s' }), fast, DEFAULTS)).toEqual([]);
  });

  test('breach to email: eval delay, two intervals (the next aligned timestamp, then the group\'s start phase), for: in whole evaluations, group_wait', () => {
    expect(breachToEmailBoundMs({ evalDelayMs: 1_000, intervalMs: 30_000, forMs: 0, groupWaitMs: 36_000 })).toBe(97_000);
    expect(breachToEmailBoundMs({ evalDelayMs: 1_000, intervalMs: 5_000, forMs: 10_000, groupWaitMs: 12_000 })).toBe(33_000);
    expect(breachToEmailBoundMs({ evalDelayMs: 30_000, intervalMs: 60_000, forMs: 90_000, groupWaitMs: 95_000 })).toBe(365_000);
  });

  test('the flush phase: group_wait within the interval, while group_interval is a whole number of intervals', () => {
    expect(flushPhaseMs(95_000, 300_000, 60_000)).toBe(35_000);
    expect(flushPhaseMs(120_000, 300_000, 60_000)).toBe(0);
    expect(flushPhaseMs(120_000, 270_000, 60_000)).toBeUndefined();
    expect(flushClearanceMs(60_000)).toBe(STARTS_AT_MARGIN_MS);
    expect(flushClearanceMs(5_000)).toBe(1_250);
  });

  test('the Watchdog (vector(1), one alert) on the heartbeat route\'s short group_wait is no storm', () => {
    const config = withDeadMansSwitch({ ...EMAIL_CONFIG, route: { receiver: 'email', groupWait: '1m35s' } });
    const watchdog: RuleGroup = { name: 'wd', rules: [{ alert: 'Watchdog', expr: 'vector(1)' }] };
    expect(stormSplitWarnings(renderAlertmanagerConfig(config), [watchdog, STORM_GROUP], DEFAULTS)).toEqual([]);
  });
});

describe('VmalertHa with an AlertmanagerCluster', () => {
  function build(groupWait: string, evaluationInterval?: string): VmalertHa {
    const chart = new Chart(new App(), 'c');
    const alertmanager = new AlertmanagerCluster(chart, 'am', { config: { ...EMAIL_CONFIG, route: { receiver: 'email', groupWait } } });
    const rules = new RulesConfigMap(chart, 'rules', { groups: [STORM_GROUP] });
    return new VmalertHa(chart, 'vmalert', { datasourceUrl: 'http://vmselect:8481/select/0/prometheus', notifiers: alertmanager, rules, evaluationInterval });
  }

  test('warns, naming itself, the route and the rule, when group_wait lets a storm split', () => {
    expect(build('30s').warnings).toEqual([expect.stringMatching(/^VmalertHa "vmalert": route \(receiver "email"\) has group_wait 30s, but rule "DiskFull"/)]);
    expect(build('1m35s').warnings).toEqual([]);
    // a shorter evaluation interval needs a shorter group_wait, off its evaluations
    expect(build('1m10s', '15s').warnings).toEqual([]);
    expect(build('1m', '15s').warnings).toEqual([expect.stringMatching(/^VmalertHa "vmalert": route \(receiver "email"\) has group_wait 1m and group_interval 5m, so its flushes fall 0s after/)]);
  });

  test('VmalertHa.stormSafeGroupWait gives eval delay + interval + 5 s, off the evaluations, on vmalert\'s defaults unless given, and names a bad duration', () => {
    expect(VmalertHa.stormSafeGroupWait()).toBe('1m35s');
    expect(VmalertHa.stormSafeGroupWait('30s', '10s')).toBe('45s');
    // 11 s would flush 1 s after an evaluation of a 5 s group, within its 1.25 s clearance
    expect(VmalertHa.stormSafeGroupWait('5s', '1s')).toBe('12s');
    // 1m5s flushes 5 s after an evaluation of a 1m group: just clear
    expect(VmalertHa.stormSafeGroupWait('1m', '0s')).toBe('1m5s');
    expect(VmalertHa.stormSafeGroupWait('10s', '0s')).toBe('15s');
    expect(VmalertHa.stormSafeGroupWait('10s', '5s')).toBe('23s');
    expect(() => VmalertHa.stormSafeGroupWait('1d')).toThrow(/VmalertHa.stormSafeGroupWait: evaluationInterval "1d" is not a Go duration/);
  });

  test('the app\'s route is storm-safe for its evaluation interval, and the app prints no storm warning', () => {
    for (const interval of ['1m', '30s', '2m']) {
      const stack = new AlertingStack(new App(), 'alerting', loadAppConfig({ EVALUATION_INTERVAL: interval }));
      expect(stack.vmalert.warnings).toEqual([]);
      expect(stack.warnings.filter(w => w.includes('group_wait'))).toEqual([]);
      // THEN the route's group_wait is eval delay (30s) + interval + the margin, no more
      const route = (yaml.load(alertmanagerConfigText(stack.alertmanager)) as { route: { group_wait: string } }).route;
      expect(parseDuration(route.group_wait)).toBe(30_000 + parseDuration(interval) + STARTS_AT_MARGIN_MS);
    }
  });
});
