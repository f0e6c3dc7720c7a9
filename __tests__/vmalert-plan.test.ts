/** VmalertHa's pure plan: props resolved and checked once, before any Kubernetes object exists. */
import { RulesConfigMap } from '../constructs';
import { planVmalert, vmalertExtraArgsProblems } from '../constructs/vmalert/plan';
import type { VmalertHaProps } from '../constructs/vmalert/props';

const RULES = { groups: [{ name: 'cpu', interval: '30s', rules: [{ alert: 'HighCPU', expr: 'up == 0', for: '5m' }] }] } as unknown as RulesConfigMap;
const PROPS: VmalertHaProps = {
  datasourceUrl: 'http://vmselect:8481/select/0/prometheus',
  remoteWriteUrl: 'http://vminsert:8480/insert/0/prometheus',
  remoteReadUrl: 'http://vmselect:8481/select/0/prometheus',
  notifiers: ['http://am-0.am:9093', 'http://am-1.am:9093'],
  rules: RULES,
};

test('one -notifier.url per Alertmanager, no notifier file, without replicaLabel', () => {
  const plan = planVmalert('v', PROPS, undefined);
  expect(plan.notifier).toEqual({ urls: ['http://am-0.am:9093', 'http://am-1.am:9093'], configFile: undefined });
  expect(plan.externalLabels).toEqual({});
  expect(plan.recommendedDedupInterval).toBe('1m');
  expect(plan.remoteReadLookback).toBe('1h');
});

test('replicaLabel: a notifier file that drops it, and the label set to the pod name', () => {
  const plan = planVmalert('v', { ...PROPS, replicaLabel: 'replica' }, undefined);
  expect(plan.notifier.configFile?.path).toBe('/etc/vmalert/notifier/notifier.yml');
  expect(plan.notifier.configFile?.content).toContain('regex: replica');
  expect(plan.externalLabels).toEqual({ replica: '$(POD_NAME)' });
});

test("an AlertmanagerCluster's URLs are the notifiers; each notifier URL is checked once, naming its index", () => {
  expect(planVmalert('v', PROPS, ['http://am-0.x:9093']).notifier.urls).toEqual(['http://am-0.x:9093']);
  expect(() => planVmalert('v', { ...PROPS, notifiers: ['http://am-0:9093', 'am-1:9093'] }, undefined))
    .toThrow('VmalertHa "v": notifiers[1] "am-1:9093" is not an http(s) URL');
});

test('extraArgs: the first rule set that finds problems answers, form before names', () => {
  expect(vmalertExtraArgsProblems(['-rule.resendDelay 1m', '-notifer.url=x'], '1m')).toEqual([
    '"-rule.resendDelay 1m" has a space where "=" belongs: vmalert would read a flag named "rule.resendDelay 1m" and exit; write "-rule.resendDelay=1m"',
  ]);
  expect(vmalertExtraArgsProblems(['-datasource.url=x'], '1m')).toEqual([
    '-datasource.url is set by the construct: use the "datasourceUrl" prop instead of extraArgs',
  ]);
  expect(vmalertExtraArgsProblems(['-rule.resendDelay=1m'], '1m')).toEqual([]);
});
