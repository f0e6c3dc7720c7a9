/**
 * The pure parts of the end-to-end pod runner (testkit): what it changes in container args and config
 * files must be exactly what a cluster would change, nothing more.
 */
import { bindToPodAddress, Resolver } from '../testkit/loopback';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { containerEnv, deploymentPodName, expandK8sVars, statefulSetPodName } from '../testkit/pod-env';
import { metricValue } from '../testkit/probes';
import { rewriteClusterPath } from '../testkit/vm-proxy';
import { E2E_GROUP_WAIT, synthTestChart } from '../testkit/test-chart';

const pod = { name: 'vmalert-abc-xyz12', namespace: 'monitoring', ip: '127.42.1.9' };

test('$(VAR) expands like the kubelet: defined names, $$ escapes, undefined names stay', () => {
  // GIVEN a container env
  const env = { POD_NAME: 'am-0', POD_IP: '127.42.1.5' };
  // WHEN args reference it
  // THEN
  expect(expandK8sVars('--cluster.advertise-address=$(POD_IP):9094', env)).toBe('--cluster.advertise-address=127.42.1.5:9094');
  expect(expandK8sVars('-external.label=replica=$(POD_NAME)', env)).toBe('-external.label=replica=am-0');
  expect(expandK8sVars('$$(POD_NAME) $(UNKNOWN)', env)).toBe('$(POD_NAME) $(UNKNOWN)');
});

test('container env fills the Downward API and lets later values refer to earlier ones', () => {
  // GIVEN env entries from fieldRef, a plain value that refers to them, and a Secret key
  const container = {
    name: 'vmalert',
    env: [
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'ADDR', value: '$(POD_IP):8880' },
      { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
    ],
  };
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { k: Buffer.from('t0ken').toString('base64') } };
  // WHEN the kubelet would build the environment
  const env = containerEnv(container, pod, [secret]);
  // THEN
  expect(env).toEqual({ POD_NAME: pod.name, POD_IP: pod.ip, ADDR: '127.42.1.9:8880', TOKEN: 't0ken' });
});

test('an unsupported Downward API field is an error naming the container', () => {
  const container = { name: 'x', env: [{ name: 'L', valueFrom: { fieldRef: { fieldPath: "metadata.labels['a']" } } }] };
  expect(() => containerEnv(container, pod, [])).toThrow(/container "x".*metadata.labels/);
});

test('pod names follow the controllers: StatefulSet ordinals, Deployment hash and suffix', () => {
  const workload = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'vmalert' }, spec: { template: {} } };
  expect(statefulSetPodName({ ...workload, kind: 'StatefulSet', metadata: { name: 'am' } }, 2)).toBe('am-2');
  const a = deploymentPodName(workload);
  expect(a).toMatch(/^vmalert-[0-9a-f]{10}-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  expect(deploymentPodName(workload).slice(0, -5)).toBe(a.slice(0, -5));
});

test('cluster DNS rewriting touches host:port only, longest name first', () => {
  // GIVEN names of a Service and of a pod under a headless Service
  const resolver = new Resolver();
  resolver.add('127.42.1.2', 'vmselect', 'vmselect.monitoring.svc');
  resolver.add('127.42.1.5', 'am-0.am-mesh.monitoring.svc');
  // THEN URLs and host:port are rewritten, rule text that names a job is not
  expect(resolver.rewriteHosts('-datasource.url=http://vmselect:8481/select/0/prometheus')).toBe('-datasource.url=http://127.42.1.2:8481/select/0/prometheus');
  expect(resolver.rewriteHosts('http://vmselect.monitoring.svc:8481')).toBe('http://127.42.1.2:8481');
  expect(resolver.rewriteHosts('--cluster.peer=am-0.am-mesh.monitoring.svc:9094')).toBe('--cluster.peer=127.42.1.5:9094');
  expect(resolver.rewriteHosts('rate(x{job=~"vmselect|vminsert"}[5m])')).toBe('rate(x{job=~"vmselect|vminsert"}[5m])');
  expect(() => resolver.add('127.42.1.3', 'vmselect')).toThrow(/vmselect already resolves to 127.42.1.2/);
});

test('wildcard listen addresses bind the pod address', () => {
  expect(bindToPodAddress('--web.listen-address=:9093', '127.42.1.5')).toBe('--web.listen-address=127.42.1.5:9093');
  expect(bindToPodAddress('--cluster.listen-address=0.0.0.0:9094', '127.42.1.5')).toBe('--cluster.listen-address=127.42.1.5:9094');
  expect(bindToPodAddress('--cluster.listen-address=', '127.42.1.5')).toBe('--cluster.listen-address=');
  expect(bindToPodAddress('-remoteWrite.url=http://x:8480', '127.42.1.5')).toBe('-remoteWrite.url=http://x:8480');
});

test('the vmselect/vminsert stand-in maps cluster paths to single-node paths', () => {
  expect(rewriteClusterPath('/select/0/prometheus/api/v1/query?query=up')).toBe('/prometheus/api/v1/query?query=up');
  expect(rewriteClusterPath('/insert/42/prometheus/api/v1/write')).toBe('/api/v1/write');
  expect(rewriteClusterPath('/api/v1/query')).toBeUndefined();
});

test('metricValue sums the samples whose labels match', () => {
  const exposition = [
    '# HELP alertmanager_notifications_total x',
    'alertmanager_notifications_total{integration="email"} 2',
    'alertmanager_notifications_total{integration="webhook"} 5',
    'alertmanager_notifications_total_other{integration="email"} 9',
  ].join('\n');
  expect(metricValue(exposition, 'alertmanager_notifications_total', { integration: 'email' })).toBe(2);
  expect(metricValue(exposition, 'alertmanager_notifications_total')).toBe(7);
  expect(metricValue(exposition, 'missing_total')).toBe(0);
});

test('the test chart\'s route keeps every group whole and flushes off the evaluations: VmalertHa warns of nothing', () => {
  // GIVEN the test chart on its shortened timings, with the self-monitoring rules
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-chart-'));
  try {
    // WHEN it is synthesized
    const chart = synthTestChart(dir, { selfMonitoring: {} });
    // THEN no storm or flush-timing warning, and the route's group_wait is the derived one, not 2 s
    expect(chart.warnings).toEqual([]);
    expect(E2E_GROUP_WAIT).toBe('12s');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
