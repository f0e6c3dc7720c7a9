import { Testing } from 'cdk8s';
import { AlertmanagerCluster, PodSettings, RulesConfigMap, VmalertHa } from '../constructs';
import { CPU_GROUP, EMAIL_CONFIG, firstContainer, Manifest, only, synth } from './support/synth';

const SETTINGS: PodSettings = {
  tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'monitoring', effect: 'NoSchedule' }],
  nodeSelector: { 'node-role.kubernetes.io/monitoring': 'true' },
  priorityClassName: 'alerting-critical',
  imagePullSecrets: ['registry'],
  labels: { team: 'sre' },
  annotations: { 'example.com/owner': 'sre@example.com' },
  livenessProbe: { initialDelaySeconds: 30, timeoutSeconds: 3 },
  readinessProbe: { periodSeconds: 2, failureThreshold: 10 },
};

/** Both workloads, given the same pod settings. */
function workloads(pod: PodSettings): Record<'vmalert' | 'alertmanager', Manifest> {
  const chart = Testing.chart();
  const am = new AlertmanagerCluster(chart, 'am', { config: EMAIL_CONFIG, pod });
  new VmalertHa(chart, 'vmalert', { datasourceUrl: 'http://vmselect:8481', notifiers: am, rules: new RulesConfigMap(chart, 'r', { groups: [CPU_GROUP] }), pod });
  const objects = synth(chart);
  return { vmalert: only(objects, 'Deployment'), alertmanager: only(objects, 'StatefulSet') };
}

describe.each(['vmalert', 'alertmanager'] as const)('pod settings of %s', (name) => {
  test('tolerations, node selector, priority class, pull secrets, labels and annotations reach the pod template', () => {
    // WHEN
    const workload = workloads(SETTINGS)[name];
    // THEN
    const template = workload.spec.template;
    expect(template.spec.tolerations).toEqual(SETTINGS.tolerations);
    expect(template.spec.nodeSelector).toEqual(SETTINGS.nodeSelector);
    expect(template.spec.priorityClassName).toBe('alerting-critical');
    expect(template.spec.imagePullSecrets).toEqual([{ name: 'registry' }]);
    expect(template.metadata.labels.team).toBe('sre');
    expect(template.metadata.annotations['example.com/owner']).toBe('sre@example.com');
    // the selector is untouched, so a label change does not orphan the pods
    expect(workload.spec.selector.matchLabels.team).toBeUndefined();
  });

  test('probe overrides change only the fields given', () => {
    const container = firstContainer(workloads(SETTINGS)[name]);
    expect(container.livenessProbe).toEqual(expect.objectContaining({ initialDelaySeconds: 30, timeoutSeconds: 3, periodSeconds: 10, failureThreshold: 6 }));
    expect(container.readinessProbe).toEqual(expect.objectContaining({ periodSeconds: 2, failureThreshold: 10 }));
  });

  test('without settings the pod has none of them', () => {
    const spec = workloads({})[name].spec.template.spec;
    for (const field of ['tolerations', 'nodeSelector', 'priorityClassName', 'imagePullSecrets']) expect(spec[field]).toBeUndefined();
  });
});

describe('bad pod settings name the prop', () => {
  test.each<[PodSettings, string]>([
    [{ labels: { 'app.kubernetes.io/name': 'x' } }, 'pod.labels.app.kubernetes.io/name is set by the construct: choose another key'],
    [{ annotations: { 'cdk8s-vmalert-ha/config-checksum': 'x' } }, 'pod.annotations.cdk8s-vmalert-ha/config-checksum is set by the construct'],
    [{ labels: { team: 'a b' } }, 'pod.labels.team "a b" is not a valid label value'],
    [{ labels: { 'bad key!': 'a' } }, 'pod.labels key "bad key!" is not a valid Kubernetes key'],
    [{ tolerations: [{ value: 'x' }] }, 'pod.tolerations: a toleration without a key needs operator "Exists"'],
    [{ tolerations: [{ key: 'a', operator: 'Exists', value: 'x' }] }, 'pod.tolerations: operator "Exists" takes no value'],
    [{ tolerations: [{ key: 'a', effect: 'NoSchedule', tolerationSeconds: 5 }] }, 'pod.tolerations: tolerationSeconds only applies to effect "NoExecute"'],
    [{ priorityClassName: 'High' }, 'pod.priorityClassName "High" is not a valid object name'],
    [{ imagePullSecrets: ['ok', 'Not_OK'] }, 'pod.imagePullSecrets: "Not_OK" is not a valid Secret name'],
    [{ readinessProbe: { periodSeconds: 0 } }, 'pod.readinessProbe.periodSeconds must be a whole number of seconds (>= 1), got 0'],
    [{ livenessProbe: { failureThreshold: 1.5 } }, 'pod.livenessProbe.failureThreshold must be a whole number of tries (>= 1), got 1.5'],
  ])('%j', (pod, message) => {
    expect(() => workloads(pod)).toThrow(`AlertmanagerCluster "am": ${message}`);
  });
});
