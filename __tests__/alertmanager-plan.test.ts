/** AlertmanagerCluster's pure plan: props resolved and checked once, alertmanager.yml rendered, no Kubernetes object. */
import * as yaml from 'js-yaml';
import { planAlertmanager } from '../constructs/alertmanager/plan';
import { EMAIL_CONFIG } from './support/synth';

test('defaults resolved: three peers, the pinned timeouts, the route prefix, alertmanager.yml rendered', () => {
  const plan = planAlertmanager('am', { config: EMAIL_CONFIG });
  expect(plan).toMatchObject({
    owner: 'AlertmanagerCluster "am"', replicas: 3, retention: '120h', reconnectTimeout: '5m', peerTimeout: '15s',
    emptyDirMiB: 256, routePrefix: '/', extraArgs: [], templates: {}, extraMounts: [],
  });
  expect(yaml.load(plan.configText)).toHaveProperty('route.receiver', 'email');
});

test('the Secret keys alertmanager.yml reads, from the rendered file paths', () => {
  const config = { ...EMAIL_CONFIG, global: { ...EMAIL_CONFIG.global, smtpAuthPassword: { secretName: 'smtp', key: 'password' } } };
  expect(planAlertmanager('am', { config }).secretRefs).toEqual([{ secretName: 'smtp', key: 'password' }]);
});

test('a prop Alertmanager would refuse stops the plan, naming the construct and the prop', () => {
  expect(() => planAlertmanager('am', { config: EMAIL_CONFIG, extraArgs: ['--cluster.label=x'] }))
    .toThrow('AlertmanagerCluster "am": extraArgs: --cluster.label is set by the construct: use the "clusterLabel" prop instead of extraArgs');
  expect(() => planAlertmanager('am', { config: EMAIL_CONFIG, peerTimeout: '0s' })).toThrow('peerTimeout must be above 0s');
});
