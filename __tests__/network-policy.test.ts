import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { AlertmanagerCluster, RulesConfigMap, VmalertHa } from '../constructs';
import { ingressAllowed, podOf, PodRef } from '../scripts/docs/network-policy-eval';
import { BEGIN, NETWORK_TABLE_PAGES, networkTable, withTable } from '../scripts/docs/network-table';
import { CPU_GROUP, EMAIL_CONFIG, Manifest, ofKind, only, synth } from './support/synth';

const TCP = (port: number) => ({ port, protocol: 'TCP' as const });
const UDP = (port: number) => ({ port, protocol: 'UDP' as const });

describe('the evaluator follows the NetworkPolicy rules', () => {
  const target: PodRef = { namespace: 'a', labels: { app: 'db' } };
  const policy = (ingress: unknown[], podSelector: Record<string, string> = { app: 'db' }) => ({
    kind: 'NetworkPolicy', metadata: { namespace: 'a' }, spec: { podSelector: { matchLabels: podSelector }, policyTypes: ['Ingress'], ingress },
  });
  const from = (namespace: string, labels: Record<string, string> = { app: 'web' }): PodRef => ({ namespace, labels });

  test('a pod no policy selects accepts everything; a selected pod with no rules accepts nothing', () => {
    expect(ingressAllowed([policy([], { app: 'other' })], from('b'), target, TCP(1))).toBe(true);
    expect(ingressAllowed([policy([])], from('a'), target, TCP(1))).toBe(false);
  });

  test('podSelector alone means the policy\'s namespace; namespaceSelector alone every pod there; both: the intersection', () => {
    const pods = policy([{ from: [{ podSelector: { matchLabels: { app: 'web' } } }] }]);
    expect(ingressAllowed([pods], from('a'), target, TCP(1))).toBe(true);
    expect(ingressAllowed([pods], from('b'), target, TCP(1))).toBe(false);
    const namespaces = policy([{ from: [{ namespaceSelector: { matchLabels: { team: 'x' } } }] }]);
    expect(ingressAllowed([namespaces], from('b', {}), target, TCP(1), { b: { team: 'x' } })).toBe(true);
    expect(ingressAllowed([namespaces], from('c', {}), target, TCP(1), { b: { team: 'x' } })).toBe(false);
    const both = policy([{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'b' } }, podSelector: { matchLabels: { app: 'web' } } }] }]);
    expect(ingressAllowed([both], from('b'), target, TCP(1))).toBe(true);
    expect(ingressAllowed([both], from('b', { app: 'x' }), target, TCP(1))).toBe(false);
  });

  test('ports and protocols must match; a rule without from or ports admits all sources or ports; policies add up', () => {
    const tcp = policy([{ from: [{ podSelector: {} }], ports: [{ port: 5, protocol: 'TCP' }] }]);
    expect(ingressAllowed([tcp], from('a'), target, TCP(5))).toBe(true);
    expect(ingressAllowed([tcp], from('a'), target, UDP(5))).toBe(false);
    expect(ingressAllowed([tcp], from('a'), target, TCP(6))).toBe(false);
    expect(ingressAllowed([policy([{ ports: [{ port: 5 }] }])], from('z'), target, TCP(5))).toBe(true);
    expect(ingressAllowed([tcp, policy([{ from: [{ podSelector: {} }], ports: [{ port: 6 }] }])], from('a'), target, TCP(6))).toBe(true);
  });
});

function stack(options: { amProps?: object; vmProps?: object; vmNamespace?: string } = {}) {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'monitoring' });
  const am = new AlertmanagerCluster(chart, 'am', { config: EMAIL_CONFIG, ...options.amProps });
  const rules = new RulesConfigMap(chart, 'rules', { groups: [CPU_GROUP], namespace: options.vmNamespace });
  new VmalertHa(chart, 'vmalert', { datasourceUrl: 'http://vmselect:8481', notifiers: am, rules, namespace: options.vmNamespace, ...options.vmProps });
  const objects = synth(chart);
  return { objects, am: podOf(only(objects, 'StatefulSet')), vmalert: podOf(only(objects, 'Deployment')) };
}

describe('the synthesized NetworkPolicies', () => {
  const stranger: PodRef = { namespace: 'monitoring', labels: { app: 'other' } };

  test('Alertmanager: 9093 from the vmalert pods, 9094 TCP and UDP from the peers only; nothing else', () => {
    const { objects, am, vmalert } = stack();
    expect(ofKind(objects, 'NetworkPolicy')).toHaveLength(2);
    expect(ingressAllowed(objects, vmalert, am, TCP(9093))).toBe(true);
    expect(ingressAllowed(objects, am, am, TCP(9094))).toBe(true);
    expect(ingressAllowed(objects, am, am, UDP(9094))).toBe(true);
    expect(ingressAllowed(objects, vmalert, am, TCP(9094))).toBe(false);
    expect(ingressAllowed(objects, stranger, am, TCP(9093))).toBe(false);
    expect(ingressAllowed(objects, stranger, am, UDP(9094))).toBe(false);
    expect(ingressAllowed(objects, stranger, vmalert, TCP(8880))).toBe(false);
  });

  test('a vmalert in another namespace is admitted by its namespace name and pod labels', () => {
    const { objects, am, vmalert } = stack({ vmNamespace: 'rules-team' });
    expect(vmalert.namespace).toBe('rules-team');
    expect(ingressAllowed(objects, vmalert, am, TCP(9093))).toBe(true);
    expect(ingressAllowed(objects, { namespace: 'rules-team', labels: { app: 'other' } }, am, TCP(9093))).toBe(false);
  });

  test('allowFrom admits the configured namespaces or pods: the UI users on 9093, the scraper on 8880', () => {
    const { objects, am, vmalert } = stack({
      amProps: { networkPolicy: { allowFrom: [{ namespaceLabels: { team: 'sre' } }] } },
      vmProps: { networkPolicy: { allowFrom: [{ namespaceLabels: {}, podLabels: { 'app.kubernetes.io/name': 'vmagent' } }] } },
    });
    const namespaces = { ops: { team: 'sre' } };
    expect(ingressAllowed(objects, { namespace: 'ops', labels: {} }, am, TCP(9093), namespaces)).toBe(true);
    expect(ingressAllowed(objects, { namespace: 'ops', labels: {} }, am, TCP(9094), namespaces)).toBe(false);
    expect(ingressAllowed(objects, { namespace: 'vm', labels: { 'app.kubernetes.io/name': 'vmagent' } }, vmalert, TCP(8880))).toBe(true);
    expect(ingressAllowed(objects, { namespace: 'vm', labels: { 'app.kubernetes.io/name': 'vmagent' } }, am, TCP(9093))).toBe(false);
    // AND "every namespace" is written as the empty selector: the API server stores an empty matchLabels as absent,
    // so writing it would make every server-side apply a change (__tests__/kubernetes/deploy-cluster.test.ts)
    const vmalertPolicy = ofKind(objects, 'NetworkPolicy').find(p => p.metadata.labels['app.kubernetes.io/name'] === 'vmalert')!;
    expect(vmalertPolicy.spec.ingress[0].from[0]).toEqual({ namespaceSelector: {}, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'vmagent' } } });
  });

  test('a single peer opens no mesh port; a rule with no peer is left out rather than written without from (which admits all)', () => {
    const { objects } = stack({ amProps: { replicas: 1 } });
    const policies = ofKind(objects, 'NetworkPolicy');
    const ports = policies.flatMap(p => (p.spec.ingress ?? []).flatMap((r: Manifest) => r.ports.map((x: Manifest) => x.port)));
    expect(ports).toEqual([9093]);
    // a policy without rules leaves `ingress` out (the API server would store [] as absent: a diff on every deploy)
    const vmalertPolicy = policies.find(p => p.metadata.labels['app.kubernetes.io/name'] === 'vmalert')!;
    expect(vmalertPolicy.spec).not.toHaveProperty('ingress');
    expect(vmalertPolicy.spec.policyTypes).toEqual(['Ingress']);
    expect(policies.every(p => (p.spec.ingress ?? []).every((r: Manifest) => r.from.length > 0))).toBe(true);
  });

  test('opting out removes the policy: every pod reaches the workload again', () => {
    const { objects, am } = stack({ amProps: { networkPolicy: { enabled: false } }, vmProps: { networkPolicy: { enabled: false } } });
    expect(ofKind(objects, 'NetworkPolicy')).toEqual([]);
    expect(ingressAllowed(objects, stranger, am, TCP(9093))).toBe(true);
  });

  test('a peer that selects nothing is refused', () => {
    expect(() => stack({ amProps: { networkPolicy: { allowFrom: [{}] } } })).toThrow(
      'AlertmanagerCluster "am": networkPolicy.allowFrom[0] selects nothing: set podLabels (pods of this namespace), namespaceLabels, or both');
  });
});

test.each(NETWORK_TABLE_PAGES.map(page => [path.relative(path.join(__dirname, '..'), page), page]))('%s shows the truth table of the app\'s NetworkPolicies (npm run docs:network)', (_name, file) => {
  // GIVEN the committed page / WHEN the table is regenerated into it / THEN nothing changes
  const page = fs.readFileSync(file, 'utf8');
  const table = networkTable();
  expect(table.split('\n')).toHaveLength(8);
  expect(page).toContain(BEGIN);
  expect(withTable(page, table, file)).toBe(page);
});
