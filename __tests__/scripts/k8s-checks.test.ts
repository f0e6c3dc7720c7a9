/** Unit tests for scripts/ci/k8s-checks.ts: each check catches its bad object and names it. */
import { checkManifests, crossCheck, MAX_CONFIG_BYTES, validateSchemas } from '../../scripts/ci/k8s-checks';
import { K8sObject } from '../../constructs/testing/manifests';

const NS = 'monitoring';
const LABELS = { 'app.kubernetes.io/name': 'vmalert' };

/** A small valid stack: ConfigMap, Deployment mounting it and reading a Secret, Service, PDB. */
function validStack(): any[] {
  return [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'rules', namespace: NS }, data: { 'a.yml': 'groups: []' } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: NS }, stringData: { token: 't' } },
    {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'vmalert', namespace: NS },
      spec: {
        replicas: 2,
        selector: { matchLabels: LABELS },
        template: {
          metadata: { labels: { ...LABELS, extra: 'x' } },
          spec: {
            securityContext: { runAsNonRoot: true, runAsUser: 65534 },
            volumes: [{ name: 'rules', configMap: { name: 'rules' } }],
            containers: [{
              name: 'vmalert', image: 'victoriametrics/vmalert:v1.95.2',
              securityContext: { allowPrivilegeEscalation: false },
              volumeMounts: [{ name: 'rules', mountPath: '/etc/vmalert/rules/rules' }],
              env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } }],
            }],
          },
        },
      },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'vmalert', namespace: NS }, spec: { selector: LABELS, ports: [{ port: 8880 }] } },
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'vmalert', namespace: NS }, spec: { maxUnavailable: 1, selector: { matchLabels: LABELS } } },
  ];
}

function podSpec(objects: any[]): any {
  return objects.find((o) => o.kind === 'Deployment').spec.template.spec;
}

describe('checkManifests', () => {
  test('a valid stack has no errors', () => {
    // GIVEN / WHEN / THEN
    expect(checkManifests(validStack())).toEqual([]);
  });
});

describe('validateSchemas', () => {
  test('a wrong type is reported with the object and the field path', () => {
    // GIVEN replicas as a string and a string uid
    const objects = validStack();
    objects[2].spec.replicas = '2';
    podSpec(objects).containers[0].securityContext.runAsUser = 'nobody';
    // WHEN
    const errors = validateSchemas(objects);
    // THEN both fields are named
    expect(errors).toEqual([
      'Deployment/vmalert: spec.replicas must be integer',
      'Deployment/vmalert: spec.template.spec.containers[0].securityContext.runAsUser must be integer',
    ]);
  });

  test('a missing required field and a value outside an enum are reported', () => {
    const objects = validStack();
    delete podSpec(objects).containers[0].name;
    podSpec(objects).volumes.push({ name: 'x', emptyDir: {} });
    objects[3].spec.ports[0].protocol = 'HTTP';
    const errors = validateSchemas(objects);
    expect(errors).toContain('Deployment/vmalert: spec.template.spec.containers[0]: missing required field "name"');
    expect(errors.some((e) => e.startsWith('Service/vmalert: spec.ports[0].protocol must be equal to one of the allowed values'))).toBe(true);
  });

  test('an apiVersion removed from current Kubernetes names its replacement', () => {
    const objects: K8sObject[] = [{ apiVersion: 'policy/v1beta1', kind: 'PodDisruptionBudget', metadata: { name: 'old' } }];
    expect(validateSchemas(objects)).toEqual(['PodDisruptionBudget/old: apiVersion "policy/v1beta1" is no longer served by Kubernetes 1.25+; use policy/v1']);
  });

  test('an unknown apiVersion/kind is an error, not a skip', () => {
    const objects: K8sObject[] = [
      { apiVersion: 'apps/v1', kind: 'Deploymnet', metadata: { name: 'typo' } },
      { apiVersion: 'apps/v2', kind: 'Deployment', metadata: { name: 'future' } },
      { apiVersion: 'apps/v1', kind: 'DeploymentSpec', metadata: { name: 'nested' } },
      { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'crd' } },
      { apiVersion: '../../etc', kind: 'Passwd', metadata: { name: 'path' } },
    ];
    const errors = validateSchemas(objects);
    expect(errors).toHaveLength(5);
    expect(errors[0]).toBe('Deploymnet/typo: apiVersion "apps/v1" kind "Deploymnet" is not a built-in Kubernetes type known to kubernetes-models (check the spelling and the apiVersion)');
  });
});

describe('scrape objects (VMPodScrape, PodMonitor)', () => {
  /** The valid stack with a named port and a scrape object of `kind` selecting the Deployment's pods. */
  function withScrape(kind: 'VMPodScrape' | 'PodMonitor', endpoint: Record<string, unknown> = {}): any[] {
    const objects = validStack();
    podSpec(objects).containers[0].ports = [{ name: 'http', containerPort: 8880 }];
    const apiVersion = kind === 'VMPodScrape' ? 'operator.victoriametrics.com/v1beta1' : 'monitoring.coreos.com/v1';
    const relabel = kind === 'VMPodScrape' ? 'relabelConfigs' : 'relabelings';
    objects.push({
      apiVersion, kind, metadata: { name: 'vmalert', namespace: NS },
      spec: {
        selector: { matchLabels: LABELS }, namespaceSelector: { matchNames: [NS] },
        podMetricsEndpoints: [{ port: 'http', path: '/metrics', [relabel]: [{ targetLabel: 'job', replacement: 'vmalert' }], ...endpoint }],
      },
    });
    return objects;
  }

  test.each(['VMPodScrape', 'PodMonitor'] as const)('a %s selecting pods of the output on a named port is valid', (kind) => {
    expect(checkManifests(withScrape(kind))).toEqual([]);
  });

  test('a port the pods do not name, a field of the other operator, a selector matching nothing', () => {
    // GIVEN a VMPodScrape with PodMonitor's relabel field name and a wrong port
    const objects = withScrape('VMPodScrape', { port: 'web', relabelings: [] });
    // WHEN / THEN both are named
    expect(validateSchemas(objects)).toEqual([
      'VMPodScrape/vmalert: spec.podMetricsEndpoints[0].relabelings is not a field of VMPodScrape (known here: port, path, scheme, interval, scrapeTimeout, honorLabels, relabelConfigs, metricRelabelConfigs)',
      'VMPodScrape/vmalert: spec.podMetricsEndpoints[0].port "web" is not a container port name of the selected pods (http)',
    ]);
    // AND a selector that matches no pod in the namespace
    const elsewhere = withScrape('PodMonitor');
    elsewhere.at(-1).spec.namespaceSelector.matchNames = ['other'];
    expect(validateSchemas(elsewhere)).toEqual([
      'PodMonitor/vmalert: spec.selector.matchLabels {app.kubernetes.io/name=vmalert} matches the pod labels of no workload in namespace(s) other',
    ]);
  });
});

describe('crossCheck', () => {
  test('runAsNonRoot without a numeric runAsUser, at pod or container level', () => {
    // GIVEN the pod-level uid removed
    const objects = validStack();
    delete podSpec(objects).securityContext.runAsUser;
    // WHEN / THEN
    expect(crossCheck(objects)).toEqual([
      'Deployment/vmalert: container "vmalert" sets runAsNonRoot: true but no numeric runAsUser (spec.template.spec.containers[0].securityContext.runAsUser or spec.template.spec.securityContext.runAsUser); the kubelet cannot verify a named image user and refuses to start it',
    ]);
    // AND a container-level uid satisfies it
    podSpec(objects).containers[0].securityContext.runAsUser = 65534;
    expect(crossCheck(objects)).toEqual([]);
    // AND uid 0 with runAsNonRoot is reported
    podSpec(objects).containers[0].securityContext.runAsUser = 0;
    expect(crossCheck(objects)[0]).toMatch(/runAsNonRoot: true with runAsUser: 0/);
  });

  test('a Service or PDB selector that matches no pod template', () => {
    const objects = validStack();
    objects[3].spec.selector = { 'app.kubernetes.io/name': 'vmalret' };
    objects[4].metadata.namespace = 'other';
    expect(crossCheck(objects)).toEqual([
      'Service/vmalert: spec.selector {app.kubernetes.io/name=vmalret} matches the pod labels of no workload in namespace "monitoring"',
      'PodDisruptionBudget/vmalert: spec.selector.matchLabels {app.kubernetes.io/name=vmalert} matches the pod labels of no workload in namespace "other"',
    ]);
  });

  test("a workload selector that does not match its own template's labels", () => {
    const objects = validStack();
    objects[2].spec.template.metadata.labels = { other: 'y' };
    const errors = crossCheck(objects);
    expect(errors).toContain("Deployment/vmalert: spec.selector.matchLabels {app.kubernetes.io/name=vmalert} does not match the pod template's labels {other=y} (the API server rejects this)");
  });

  test('a volumeMount naming no volume', () => {
    const objects = validStack();
    podSpec(objects).containers[0].volumeMounts.push({ name: 'config', mountPath: '/etc/x' });
    expect(crossCheck(objects)).toEqual([
      'Deployment/vmalert: container "vmalert" mounts "config" (spec.template.spec.containers[0].volumeMounts[1].name), which is not a volume of the pod (spec.template.spec.volumes)',
    ]);
  });

  test('a mounted ConfigMap, an envFrom Secret or a key that is not in the output', () => {
    // GIVEN a volume of a missing ConfigMap, envFrom of a missing Secret, and a missing key
    const objects = validStack();
    podSpec(objects).volumes.push({ name: 'more', configMap: { name: 'more-rules' } });
    podSpec(objects).containers[0].volumeMounts.push({ name: 'more', mountPath: '/etc/more' });
    podSpec(objects).containers[0].envFrom = [{ secretRef: { name: 'smtp' } }, { configMapRef: { name: 'opt', optional: true } }];
    podSpec(objects).containers[0].env[0].valueFrom.secretKeyRef.key = 'password';
    // WHEN
    const errors = crossCheck(objects);
    // THEN each is named with its field; the optional one is not
    expect(errors).toEqual([
      'Deployment/vmalert: spec.template.spec.volumes[1].configMap uses ConfigMap "more-rules", which is not in the output (namespace "monitoring"); add it, or list it in externalConfigMaps if it is created out of band',
      'Deployment/vmalert: spec.template.spec.containers[0].envFrom[0].secretRef uses Secret "smtp", which is not in the output (namespace "monitoring"); add it, or list it in externalSecrets if it is created out of band',
      'Deployment/vmalert: spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef uses key "password" of Secret "creds", which has no such key (keys: token)',
    ]);
    // AND declaring the out-of-band objects (plain or namespace/name) clears those two
    expect(crossCheck(objects, { externalSecrets: ['monitoring/smtp'], externalConfigMaps: ['more-rules'] })).toHaveLength(1);
  });

  test('a ConfigMap over 1 MiB counts data and binaryData bytes', () => {
    const objects = validStack();
    objects[0].data['a.yml'] = 'x'.repeat(MAX_CONFIG_BYTES - 2);
    expect(crossCheck(objects)).toEqual([]);
    objects[0].binaryData = { 'b.bin': Buffer.alloc(3).toString('base64') };
    expect(crossCheck(objects)).toEqual([
      `ConfigMap/rules: data+binaryData is ${MAX_CONFIG_BYTES + 1} bytes, over the ${MAX_CONFIG_BYTES}-byte (1 MiB) limit of the API server; split it into several ConfigMaps`,
    ]);
  });

  test('two objects with one kind, namespace and name', () => {
    const objects = [...validStack(), validStack()[0]];
    expect(crossCheck(objects)).toEqual([
      'ConfigMap/rules: defined twice in namespace "monitoring"; the second would overwrite the first on apply',
    ]);
  });
});

describe('the API server name rules (constructs/k8s/names.ts)', () => {
  test('a Service named with a leading digit and a StatefulSet name over 52 characters are reported', () => {
    // GIVEN a valid stack, its Service renamed to start with a digit, and a long-named StatefulSet
    const objects = validStack();
    objects.find((o) => o.kind === 'Service').metadata.name = '1vmalert';
    const longName = `platform-monitoring-prod-alertmanager-cluster-${'x'.repeat(8)}`;
    objects.push({ ...objects.find((o) => o.kind === 'Deployment'), apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: longName, namespace: NS } });
    // WHEN checked
    const errors = crossCheck(objects as K8sObject[]);
    // THEN both are named with their problem
    expect(errors).toContainEqual(expect.stringContaining('Service/1vmalert: metadata.name "1vmalert" is not a DNS-1035 label'));
    expect(errors).toContainEqual(expect.stringContaining(`StatefulSet/${longName}: metadata.name "${longName}" is 54 characters`));
  });
});
