/**
 * The self-monitoring rules against the pinned tools: `vmalert-tool unittest` runs the cases of
 * __tests__/fixtures/self-monitoring.unittest.yml (each alert fires when it should and is silent when healthy)
 * against the groups rendered from TypeScript, evaluating the expressions as MetricsQL with vmalert's own rule
 * engine, and `vmalert -dryRun` accepts the rendered file.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { renderRuleFile, AlertingRule, isAlertingRule } from '../../constructs/rules/rules';
import { SELF_MONITORING_ALERTS, selfMonitoringGroups, SelfMonitoringOptions } from '../../constructs/self-monitoring/self-monitoring';
import { binary, run } from '../../testkit/binaries';
import { runRuleUnitTests as runUnitTest } from '../support/vmalert-tool';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'self-monitoring.unittest.yml');
/** The file name the fixture's rule_files refers to. */
const RULES_FILE = 'self-monitoring.rules.yml';
const TEST_FILE = 'self-monitoring.test.yml';

interface ExpectedAlert {
  exp_labels?: Record<string, string>;
  exp_annotations?: Record<string, string>;
}
interface AlertRuleTest {
  eval_time: string;
  groupname?: string;
  alertname: string;
  exp_alerts: ExpectedAlert[];
}
interface UnitTestFile {
  rule_files: string[];
  tests: Array<{ name: string; alert_rule_test: AlertRuleTest[] }>;
}

const fixture = yaml.load(fs.readFileSync(FIXTURE, 'utf8')) as UnitTestFile;
let workDir: string;

beforeEach(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'self-monitoring-unittest-'));
});

afterEach(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

/**
 * Writes the rendered rules and the fixture next to each other. The fixture lists the templated summary and
 * description; the static `action` text is copied from the rule, so the prose lives once, in the TypeScript.
 * Each case's `groupname` (vmalert labels every alert with its group, `alertgroup`) is the rendered group that
 * holds the alert.
 */
function writeRulesAndTests(options?: SelfMonitoringOptions): { rulesPath: string; testPath: string } {
  const groups = selfMonitoringGroups(options);
  const actions = new Map<string, string>();
  const groupOf = new Map<string, string>();
  for (const group of groups) {
    for (const rule of group.rules.filter(isAlertingRule)) {
      actions.set((rule as AlertingRule).alert, (rule as AlertingRule).annotations?.action ?? '');
      groupOf.set((rule as AlertingRule).alert, group.name);
    }
  }
  const tests = fixture.tests.map(t => ({
    ...t,
    alert_rule_test: t.alert_rule_test.map(a => ({
      eval_time: a.eval_time,
      groupname: groupOf.get(a.alertname) ?? `no group holds ${a.alertname}`,
      alertname: a.alertname,
      exp_alerts: a.exp_alerts.map(e => ({
        ...e,
        exp_annotations: { ...e.exp_annotations, action: actions.get(a.alertname) ?? `no rule named ${a.alertname}` },
      })),
    })),
  }));
  const rulesPath = path.join(workDir, RULES_FILE);
  const testPath = path.join(workDir, TEST_FILE);
  fs.writeFileSync(rulesPath, renderRuleFile(groups));
  fs.writeFileSync(testPath, yaml.dump({ ...fixture, tests }, { lineWidth: -1 }));
  return { rulesPath, testPath };
}

test('the fixture has a firing case and a silent case for every self-monitoring alert', () => {
  // GIVEN the unit-test cases
  const cases = fixture.tests.flatMap(t => t.alert_rule_test);
  // WHEN they are grouped by alert
  const firing = new Set(cases.filter(c => c.exp_alerts.length > 0).map(c => c.alertname));
  const silent = new Set(cases.filter(c => c.exp_alerts.length === 0).map(c => c.alertname));
  // THEN every alert is covered both ways, and the fixture names no alert that does not exist
  expect([...firing].sort()).toEqual([...SELF_MONITORING_ALERTS].sort());
  expect([...silent].sort()).toEqual([...SELF_MONITORING_ALERTS].sort());
  expect(fixture.rule_files).toEqual([RULES_FILE]);
});

test('vmalert-tool unittest passes: each alert fires when it should and is silent when healthy', () => {
  // GIVEN the default self-monitoring rules rendered next to the fixture
  const { testPath } = writeRulesAndTests();
  // WHEN vmalert-tool runs the unit tests
  const result = runUnitTest(testPath);
  // THEN every case passes
  expect({ code: result.code, output: result.stdout + result.stderr }).toEqual({ code: 0, output: expect.stringContaining('SUCCESS') });
});

test('vmalert-tool catches a wrong expected cluster size (the fixture really checks the rules)', () => {
  // GIVEN rules rendered for 2 Alertmanager replicas while the fixture expects 3
  const { testPath } = writeRulesAndTests({ alertmanagerReplicas: 2 });
  // WHEN vmalert-tool runs the unit tests
  const result = runUnitTest(testPath);
  // THEN the cluster-members cases fail
  expect(result.code).not.toBe(0);
  expect(result.stdout + result.stderr).toContain('alertname: AlertmanagerClusterMembersMissing');
});

test.each<[string, SelfMonitoringOptions | undefined]>([
  ['defaults', undefined],
  ['custom jobs, matchers, labels and interval', {
    alertmanagerReplicas: 5,
    vmalertJob: 'vmalert|vmalert-canary',
    alertmanagerJob: 'monitoring/alertmanager',
    extraMatchers: 'namespace="monitoring"',
    labels: { team: 'platform' },
    interval: '30s',
  }],
  ['a single Alertmanager', { alertmanagerReplicas: 1 }],
])('vmalert -dryRun accepts the rendered rules (%s)', (_name, options) => {
  // GIVEN the rendered rule file
  const { rulesPath } = writeRulesAndTests(options);
  // WHEN vmalert validates it
  const result = run(binary('vmalert'), ['-dryRun', `-rule=${rulesPath}`]);
  // THEN it exits 0 (a file without groups would exit 1 with "No rules for validation")
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
  expect(result.stderr + result.stdout).not.toMatch(/\b(error|fatal)\b/);
});
