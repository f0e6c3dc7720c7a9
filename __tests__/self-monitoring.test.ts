import { ConfigError } from '../constructs/core/errors';
import { AlertingRule, isAlertingRule, renderRuleFile, parseRuleFile, RuleGroup } from '../constructs/rules/rules';
import { SELF_MONITORING_ALERTS, selfMonitoringGroups } from '../constructs/self-monitoring/self-monitoring';

function alerts(groups: RuleGroup[]): AlertingRule[] {
  return groups.flatMap(g => g.rules).filter(isAlertingRule);
}

function alert(groups: RuleGroup[], name: string): AlertingRule {
  const found = alerts(groups).find(a => a.alert === name);
  if (!found) throw new Error(`no alert ${name} in ${alerts(groups).map(a => a.alert).join(', ')}`);
  return found;
}

describe('selfMonitoringGroups with defaults', () => {
  const groups = selfMonitoringGroups();

  test('one group for vmalert and one for Alertmanager, holding every documented alert', () => {
    // GIVEN the default rules / WHEN listing them / THEN two groups hold the eleven alerts
    expect(groups.map(g => g.name)).toEqual(['self-monitoring-vmalert', 'self-monitoring-alertmanager']);
    expect(alerts(groups).map(a => a.alert)).toEqual([...SELF_MONITORING_ALERTS]);
    expect(groups.every(g => g.interval === undefined)).toBe(true);
  });

  test('every alert has a severity, a summary, a description and a static action', () => {
    for (const rule of alerts(groups)) {
      // THEN each alert says what happened and what to do
      expect(rule.labels?.severity).toMatch(/^(warning|critical)$/);
      expect(rule.annotations?.summary).toBeTruthy();
      expect(rule.annotations?.description).toBeTruthy();
      expect(rule.annotations?.action?.length).toBeGreaterThan(40);
      // The rule unit test (vmalert-tool) copies `action` verbatim, so it must not be a template.
      expect(rule.annotations?.action).not.toContain('{{');
    }
  });

  test('uses the metric names the pinned vmalert and Alertmanager expose (real-binaries/self-monitoring-metrics.test.ts)', () => {
    // GIVEN all expressions
    const exprs = alerts(groups).map(a => a.expr).join('\n');
    // THEN the stable names are used
    for (const name of [
      'vmalert_execution_errors_total', 'vmalert_alerts_send_errors_total',
      'vmalert_remotewrite_errors_total', 'vmalert_remotewrite_dropped_rows_total', 'alertmanager_cluster_members',
      'alertmanager_notifications_failed_total',
    ]) {
      expect(exprs).toContain(name);
    }
    // AND no reload-failure alert: nothing reloads in place (changes roll the pods), so such an alert could never fire
    expect(exprs).not.toContain('config_last_reload_successful');
    // AND the gauge renamed in vmalert 1.96 (vmalert_alerting_rules_error -> ..._errors_total) is not relied on
    expect(exprs).not.toContain('vmalert_alerting_rules_error');
  });

  test('the cluster-size alert compares every peer with 3 expected members', () => {
    expect(alert(groups, 'AlertmanagerClusterMembersMissing')).toMatchObject({
      expr: 'alertmanager_cluster_members{job=~"alertmanager"} < 3',
      for: '5m',
      labels: { severity: 'warning' },
    });
  });

  test('failed notifications fire at once and sum over the "reason" label of Alertmanager 0.27', () => {
    const rule = alert(groups, 'AlertmanagerNotificationsFailed');
    expect(rule.for).toBeUndefined();
    expect(rule.expr).toBe('sum without (reason) (increase(alertmanager_notifications_failed_total{job=~"alertmanager"}[5m])) > 0');
    expect(rule.labels?.severity).toBe('critical');
  });

  test('target-down alerts select up == 0 of their job', () => {
    expect(alert(groups, 'VmalertDown')).toMatchObject({ expr: 'up{job=~"vmalert"} == 0', for: '3m' });
    expect(alert(groups, 'AlertmanagerDown')).toMatchObject({ expr: 'up{job=~"alertmanager"} == 0', for: '3m' });
  });

  test('the rendered file passes the library rule-file validation', () => {
    // WHEN the groups are rendered and parsed back as a rule file
    const parsed = parseRuleFile(renderRuleFile(groups), 'self-monitoring.yml');
    // THEN nothing is lost
    expect(parsed).toEqual(groups);
  });
});

describe('selfMonitoringGroups options', () => {
  test('jobs, extra matchers, labels, severities, windows and interval reach every rule', () => {
    // GIVEN custom options
    const groups = selfMonitoringGroups({
      alertmanagerReplicas: 5,
      vmalertJob: 'vmalert|vmalert-canary',
      alertmanagerJob: 'am',
      extraMatchers: 'namespace="monitoring"',
      labels: { team: 'platform' },
      criticalSeverity: 'page',
      warningSeverity: 'ticket',
      errorWindow: '10m',
      errorsFor: '15m',
      targetDownFor: '1m',
      interval: '30s',
      groupPrefix: 'stack-health',
    });
    // THEN they appear in names, selectors, labels and durations
    expect(groups.map(g => [g.name, g.interval])).toEqual([['stack-health-vmalert', '30s'], ['stack-health-alertmanager', '30s']]);
    expect(alert(groups, 'VmalertRuleEvaluationErrors')).toMatchObject({
      expr: 'increase(vmalert_execution_errors_total{job=~"vmalert|vmalert-canary",namespace="monitoring"}[10m]) > 0',
      for: '15m',
      labels: { team: 'platform', severity: 'page' },
    });
    expect(alert(groups, 'AlertmanagerClusterMembersMissing').expr)
      .toBe('alertmanager_cluster_members{job=~"am",namespace="monitoring"} < 5');
    expect(alert(groups, 'AlertmanagerDown')).toMatchObject({ for: '1m', labels: { team: 'platform', severity: 'ticket' } });
    expect(alert(groups, 'AlertmanagerNotScraped').expr).toBe('absent(up{job=~"am",namespace="monitoring"})');
  });

  test('a job regex with quotes and backslashes is quoted as a PromQL string', () => {
    const groups = selfMonitoringGroups({ vmalertJob: 'vm\\w+"x' });
    expect(alert(groups, 'VmalertDown').expr).toBe('up{job=~"vm\\\\w+\\"x"} == 0');
  });

  test('a single Alertmanager has no cluster-size alert', () => {
    const names = alerts(selfMonitoringGroups({ alertmanagerReplicas: 1 })).map(a => a.alert);
    expect(names).not.toContain('AlertmanagerClusterMembersMissing');
    expect(names).toContain('AlertmanagerNotificationsFailed');
  });

  test.each<[string, object, string]>([
    ['replicas 0', { alertmanagerReplicas: 0 }, 'selfMonitoringGroups: alertmanagerReplicas must be a whole number >= 1'],
    ['replicas 2.5', { alertmanagerReplicas: 2.5 }, 'alertmanagerReplicas must be a whole number >= 1 (the Alertmanager replicas), got 2.5'],
    ['a bad duration', { errorsFor: '5 minutes' }, 'errorsFor: "5 minutes" is not a duration'],
    ['a zero window', { errorWindow: '0s' }, 'errorWindow must be longer than 0s'],
    ['a bad interval', { interval: '1x' }, 'interval: "1x" is not a duration'],
    ['an empty job', { vmalertJob: ' ' }, 'vmalertJob must be a non-empty string'],
    ['a broken regex', { alertmanagerJob: 'am(' }, 'alertmanagerJob: "am(" is not a valid regular expression'],
    ['braces in matchers', { extraMatchers: '{namespace="x"}' }, 'extraMatchers: "{namespace=\\"x\\"}" must be label matchers without braces'],
    ['a bad label name', { labels: { 'my-team': 'x' } }, 'labels: "my-team" is not a valid label name'],
    ['severity in labels', { labels: { severity: 'x' } }, 'set "severity" with criticalSeverity / warningSeverity instead'],
  ])('rejects %s with a message naming the option', (_name, options, message) => {
    // WHEN an invalid option is given / THEN a ConfigError names it and says what to use
    expect(() => selfMonitoringGroups(options)).toThrow(ConfigError);
    expect(() => selfMonitoringGroups(options)).toThrow(message);
  });

  test('reports every invalid option at once', () => {
    expect(() => selfMonitoringGroups({ alertmanagerReplicas: -1, targetDownFor: 'soon' }))
      .toThrow(/alertmanagerReplicas[^]*\n[^]*targetDownFor/);
  });
});
