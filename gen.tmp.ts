import * as fs from 'fs';
import * as yaml from 'js-yaml';
import { renderRuleFile, AlertingRule, isAlertingRule } from './constructs/rules';
import { selfMonitoringGroups } from './constructs/self-monitoring';
const groups = selfMonitoringGroups({ alertmanagerReplicas: Number(process.argv[2] ?? 3) });
const fixture: any = yaml.load(fs.readFileSync./__tests__/fixtures/self-monitoring.unittest.yml', 'utf8'));
const actions = new Map<string, string>(); const groupOf = new Map<string, string>();
for (const g of groups) for (const r of g.rules.filter(isAlertingRule)) { actions.set((r as AlertingRule).alert, (r as AlertingRule).annotations?.action ?? ''); groupOf.set((r as AlertingRule).alert, g.name); }
fixture.tests = fixture.tests.map((t: any) => ({ ...t, alert_rule_test: t.alert_rule_test.map((a: any) => ({ eval_time: a.eval_time, groupname: groupOf.get(a.alertname), alertname: a.alertname, exp_alerts: a.exp_alerts.map((e: any) => ({ ...e, exp_annotations: { ...e.exp_annotations, action: actions.get(a.alertname) } })) })) }));
fs.mkdirSync('/tmp/sm', { recursive: true });
fs.writeFileSync('/tmp/sm/self-monitoring.rules.yml', renderRuleFile(groups));
fs.writeFileSync('/tmp/sm/t.yml', yaml.dump(fixture, { lineWidth: -1 }));
