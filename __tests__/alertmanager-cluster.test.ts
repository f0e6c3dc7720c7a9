import { Testing } from 'cdk8s';
import { AlertmanagerCluster } from '../constructs';
import { VERSIONS } from '../constructs/core/versions';
import { argsOf, EMAIL_CONFIG, firstContainer, flagValues, Manifest, ofKind, only, synth } from './support/synth';

function cluster(props: Partial<ConstructorParameters<typeof AlertmanagerCluster>[2]> = {}) {
  const chart = Testing.chart();
  const am = new AlertmanagerCluster(chart, 'am', { config: EMAIL_CONFIG, namespace: 'monitoring', ...props });
  return { am, objects: synth(chart) };
}

function services(objects: Manifest[]) {
  const all = ofKind(objects, 'Service');
  return { headless: all.find(s => s.spec.clusterIP === 'None')!, api: all.find(s => s.spec.clusterIP !== 'None')! };
}

describe('AlertmanagerCluster', () => {
  test('three peers by default, started in parallel, in the given namespace', () => {
    // WHEN
    const { objects } = cluster();
    // THEN
    const sts = only(objects, 'StatefulSet');
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
    expect(objects.every(o => o.metadata.namespace === 'monitoring')).toBe(true);
  });

  test('headless governing Service publishes not-ready pods and carries web and mesh TCP+UDP ports', () => {
    const { objects } = cluster();
    const { headless } = services(objects);
    expect(only(objects, 'StatefulSet').spec.serviceName).toBe(headless.metadata.name);
    expect(headless.spec.publishNotReadyAddresses).toBe(true);
    expect(headless.spec.ports).toEqual(expect.arrayContaining([
      expect.objectContaining({ name: 'web', port: 9093 }),
      expect.objectContaining({ name: 'tcp-mesh', port: 9094, protocol: 'TCP' }),
      expect.objectContaining({ name: 'udp-mesh', port: 9094, protocol: 'UDP' }),
    ]));
  });

  test('a ClusterIP Service for the UI and API selects the pods', () => {
    const { objects } = cluster();
    const { api } = services(objects);
    const podLabels = only(objects, 'StatefulSet').spec.template.metadata.labels;
    expect(api.spec.type).toBe('ClusterIP');
    expect(api.spec.ports).toEqual([expect.objectContaining({ port: 9093 })]);
    for (const [key, value] of Object.entries(api.spec.selector)) expect(podLabels[key]).toBe(value);
  });

  test('notifier URLs and peers use each pod\'s stable DNS name from the synthesized names', () => {
    // WHEN
    const { am, objects } = cluster();
    // THEN
    const sts = only(objects, 'StatefulSet');
    const host = (i: number) => `${sts.metadata.name}-${i}.${sts.spec.serviceName}.monitoring.svc`;
    expect(am.notifierUrls).toEqual([0, 1, 2].map(i => `http://${host(i)}:9093`));
    const args = argsOf(objects, 'StatefulSet');
    expect(flagValues(args, '--cluster.peer')).toEqual([0, 1, 2].map(i => `${host(i)}:9094`));
    // the rest of the list and its order: __tests__/alertmanager-args.test.ts
    expect(args).toEqual(expect.arrayContaining([
      '--config.file=/etc/alertmanager/config/alertmanager.yml',
      '--cluster.advertise-address=[$(POD_IP)]:9094',
      `--cluster.label=monitoring/${sts.metadata.name}`,
    ]));
  });

  test('POD_IP comes from the Downward API', () => {
    const { objects } = cluster();
    expect(firstContainer(only(objects, 'StatefulSet')).env).toEqual([
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
    ]);
  });

  test('one replica: no mesh and no PodDisruptionBudget', () => {
    const { objects } = cluster({ replicas: 1 });
    expect(argsOf(objects, 'StatefulSet')).toContain('--cluster.listen-address=');
    expect(ofKind(objects, 'PodDisruptionBudget')).toEqual([]);
  });

  test('the config is a Secret, the SMTP password a mounted Secret file, no ConfigMap holds either', () => {
    // WHEN
    const { objects } = cluster();
    // THEN
    const configSecret = only(objects, 'Secret');
    expect(configSecret.stringData['alertmanager.yml']).toContain('smtp_auth_password_file: /etc/alertmanager/secrets/smtp/password');
    expect(ofKind(objects, 'ConfigMap')).toEqual([]);
    const pod = only(objects, 'StatefulSet').spec.template.spec;
    expect(pod.volumes).toEqual(expect.arrayContaining([
      { name: 'config', secret: { secretName: configSecret.metadata.name } },
      { name: 'secret-smtp', secret: { secretName: 'smtp' } },
      { name: 'storage', emptyDir: { sizeLimit: '256Mi' } },
    ]));
    expect(pod.containers[0].volumeMounts).toEqual(expect.arrayContaining([
      { name: 'secret-smtp', mountPath: '/etc/alertmanager/secrets/smtp', readOnly: true },
      { name: 'storage', mountPath: '/alertmanager' },
    ]));
  });

  test('probes, resources, image pull policy and a non-root security context', () => {
    const { objects } = cluster();
    const container = firstContainer(only(objects, 'StatefulSet'));
    expect(container.image).toBe(`prom/alertmanager:${VERSIONS.alertmanager}`);
    expect(container.imagePullPolicy).toBe('IfNotPresent');
    expect(container.livenessProbe.httpGet).toEqual(expect.objectContaining({ path: '/-/healthy', port: 9093 }));
    expect(container.readinessProbe.httpGet).toEqual(expect.objectContaining({ path: '/-/ready', port: 9093 }));
    expect(container.resources).toEqual({ requests: { cpu: '20m', memory: '112Mi' }, limits: { memory: '272Mi' } });
    expect(container.securityContext).toEqual(expect.objectContaining({
      runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
    }));
  });

  test('a PodDisruptionBudget and anti-affinity keep peers apart', () => {
    const { objects } = cluster();
    const sts = only(objects, 'StatefulSet');
    const pdb = only(objects, 'PodDisruptionBudget');
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: sts.spec.selector.matchLabels } });
    const preferred = sts.spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution;
    expect(preferred[0].podAffinityTerm.topologyKey).toBe('kubernetes.io/hostname');
    expect(sts.spec.template.spec.topologySpreadConstraints[0]).toEqual(expect.objectContaining({
      topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway',
    }));
  });

  test('persistent storage replaces the emptyDir with a claim template', () => {
    const { objects } = cluster({ storage: { sizeGiB: 2, storageClassName: 'fast' } });
    const sts = only(objects, 'StatefulSet');
    expect(sts.spec.volumeClaimTemplates).toEqual([{
      metadata: { name: 'storage' },
      spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: { requests: { storage: '2Gi' } } },
    }]);
    expect(sts.spec.template.spec.volumes.some((v: Manifest) => v.name === 'storage')).toBe(false);
    expect(firstContainer(sts).volumeMounts).toContainEqual({ name: 'storage', mountPath: '/alertmanager' });
  });

  test('a config change changes the pod template (a rolling restart)', () => {
    const before = only(cluster().objects, 'StatefulSet').spec.template.metadata.annotations;
    const after = only(cluster({ config: { ...EMAIL_CONFIG, route: { receiver: 'email', groupWait: '10s' } } }).objects, 'StatefulSet')
      .spec.template.metadata.annotations;
    expect(after['cdk8s-vmalert-ha/config-checksum']).not.toBe(before['cdk8s-vmalert-ha/config-checksum']);
  });

  test('a group_interval within the peers\' notification wait is an error: it could mail a stale [FIRING]', () => {
    // GIVEN 3 peers: the last one waits 2 x 15s before notifying
    const config = { ...EMAIL_CONFIG, route: { receiver: 'email', routes: [{ receiver: 'email', matchers: ['a="b"'], groupInterval: '30s' }] } };
    // WHEN / THEN
    expect(() => cluster({ config })).toThrow('AlertmanagerCluster "am": config.route.routes[0].groupInterval 30s must be above 30s '
      + '(2 peers x the 15s peer timeout): a peer still waiting its turn could send a stale [FIRING] after another sent [RESOLVED]; raise it');
    expect(() => cluster({ config: { ...config, route: { ...config.route, routes: [{ ...config.route.routes[0], groupInterval: '35s' }] } } })).not.toThrow();
    expect(() => cluster({ config, replicas: 1 })).not.toThrow();
  });

  test('retention and reconnect timeout in days reach the flags as written: the pinned Alertmanager parses d and w', () => {
    const args = argsOf(cluster({ retention: '7d', reconnectTimeout: '1d' }).objects, 'StatefulSet');
    expect(args).toEqual(expect.arrayContaining(['--data.retention=7d', '--cluster.reconnect-timeout=1d']));
  });

  test.each([
    [{ replicas: 0 }, 'AlertmanagerCluster "am": replicas must be a whole number >= 1, got 0'],
    [{ retention: '5 days' }, 'AlertmanagerCluster "am": retention "5 days" is not a duration that Alertmanager\'s --data.retention accepts'],
    [{ retention: '1y' }, 'AlertmanagerCluster "am": retention "1y" is not a duration that Alertmanager\'s --data.retention accepts '
      + '(the flag takes a duration such as 30s, 5m, 1h30m, 7d or 2w: no y; write 8760h)'],
    [{ reconnectTimeout: '1 day' }, 'AlertmanagerCluster "am": reconnectTimeout "1 day" is not a duration that Alertmanager\'s '
      + '--cluster.reconnect-timeout accepts'],
    [{ storage: { sizeGiB: 0 } }, 'AlertmanagerCluster "am": storage.sizeGiB must be a whole number >= 1, got 0'],
    [{ resources: { memoryMiB: 512, memoryLimitMiB: 256 } }, 'AlertmanagerCluster "am": resources.memoryLimitMiB (256) is below memoryMiB (512)'],
  ])('bad props: %j', (props, message) => {
    expect(() => cluster(props)).toThrow(message);
  });
});
