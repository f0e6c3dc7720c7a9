import { Chart, Testing } from 'cdk8s';
import * as yaml from 'js-yaml';
import { AlertmanagerCluster, RulesConfigMap, VmalertHa, VmalertHaProps } from '../constructs';
import { VERSIONS } from '../constructs/core/versions';
import { argsOf, CPU_GROUP, EMAIL_CONFIG, firstContainer, flagValues, Manifest, ofKind, only, synth } from './support/synth';

const DATASOURCE = 'http://vmselect:8481/select/0/prometheus';
const REMOTE_WRITE = 'http://vminsert:8480/insert/0/prometheus';

/** A chart with a 3-peer Alertmanager, one rules ConfigMap and a VmalertHa with `props` on top of the defaults. */
function stack(props: Partial<VmalertHaProps> = {}, chart: Chart = Testing.chart()) {
  const am = new AlertmanagerCluster(chart, 'am', { replicas: 3, config: EMAIL_CONFIG, namespace: 'monitoring' });
  const rules = new RulesConfigMap(chart, 'rules', { groups: [CPU_GROUP], namespace: 'monitoring' });
  const vmalert = new VmalertHa(chart, 'vmalert', {
    datasourceUrl: DATASOURCE, notifiers: am, rules, namespace: 'monitoring', ...props,
  });
  return { chart, am, rules, vmalert, objects: synth(chart) };
}

const deployment = (objects: Manifest[]) => only(objects, 'Deployment');

describe('VmalertHa', () => {
  test('every vmalert replica notifies every Alertmanager pod', () => {
    // GIVEN / WHEN
    const { am, objects } = stack();
    // THEN
    expect(flagValues(argsOf(objects, 'Deployment'), '-notifier.url')).toEqual(am.notifierUrls);
    expect(am.notifierUrls).toHaveLength(3);
  });

  test('explicit notifier URLs are used as given', () => {
    const { objects } = stack({ notifiers: ['http://am-0.am:9093', 'http://am-1.am:9093'] });
    expect(flagValues(argsOf(objects, 'Deployment'), '-notifier.url')).toEqual(['http://am-0.am:9093', 'http://am-1.am:9093']);
  });

  test('two identical replicas by default, rolled without ever dropping below that', () => {
    const { objects } = stack();
    const spec = deployment(objects).spec;
    expect(spec.replicas).toBe(2);
    expect(spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    expect(flagValues(argsOf(objects, 'Deployment'), '-external.label')).toEqual([]);
  });

  test('args from typed props', () => {
    // WHEN
    const { objects, rules } = stack({
      remoteWriteUrl: REMOTE_WRITE, remoteReadUrl: DATASOURCE, evaluationInterval: '30s',
      externalLabels: { cluster: 'prod' }, externalUrl: 'https://vmalert.example.com',
    });
    // THEN
    const args = argsOf(objects, 'Deployment');
    expect(args).toEqual(expect.arrayContaining([
      `-datasource.url=${DATASOURCE}`,
      `-rule=/etc/vmalert/rules/${rules.parts[0].configMap.name}/*.yml`,
      `-remoteWrite.url=${REMOTE_WRITE}`,
      `-remoteRead.url=${DATASOURCE}`,
      '-remoteRead.lookback=1h',
      '-evaluationInterval=30s',
      '-external.url=https://vmalert.example.com',
      '-external.label=cluster=prod',
      '-httpListenAddr=:8880',
    ]));
  });

  test('evaluation interval defaults to 1m; external URL to the Service', () => {
    const { objects } = stack();
    const args = argsOf(objects, 'Deployment');
    expect(args).toContain('-evaluationInterval=1m');
    const vmalertService = ofKind(objects, 'Service').find(s => s.spec.ports[0].port === 8880)!;
    expect(args).toContain(`-external.url=http://${vmalertService.metadata.name}.monitoring.svc:8880`);
  });

  test('the rules ConfigMap is mounted where -rule points', () => {
    const { objects, rules } = stack();
    const pod = deployment(objects).spec.template.spec;
    const name = rules.parts[0].configMap.name;
    expect(pod.volumes).toContainEqual({ name: 'rules-0', configMap: { name } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'rules-0', mountPath: `/etc/vmalert/rules/${name}`, readOnly: true });
  });

  test('POD_NAME and POD_NAMESPACE from the Downward API', () => {
    const { objects } = stack();
    expect(firstContainer(deployment(objects)).env).toEqual([
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    ]);
  });

  test('replicaLabel labels each pod and drops the label before notification', () => {
    // WHEN
    const { objects, am } = stack({ replicaLabel: 'replica' });
    // THEN
    const args = argsOf(objects, 'Deployment');
    expect(args).toContain('-external.label=replica=$(POD_NAME)');
    expect(flagValues(args, '-notifier.url')).toEqual([]);
    expect(args).toContain('-notifier.config=/etc/vmalert/notifier/notifier.yml');
    const notifier = ofKind(objects, 'ConfigMap').find(c => c.data['notifier.yml'])!;
    expect(yaml.load(notifier.data['notifier.yml'])).toEqual({
      scheme: 'http',
      static_configs: [{ targets: am.notifierUrls.map(u => new URL(u).host) }],
      alert_relabel_configs: [{ action: 'labeldrop', regex: 'replica' }],
    });
    expect(firstContainer(deployment(objects)).volumeMounts).toContainEqual(
      { name: 'notifier', mountPath: '/etc/vmalert/notifier', readOnly: true });
  });

  test('a ClusterIP Service on 8880 selects the pods', () => {
    const { objects } = stack();
    const service = ofKind(objects, 'Service').find(s => s.spec.ports[0].port === 8880)!;
    const podLabels = deployment(objects).spec.template.metadata.labels;
    expect(service.spec.type).toBe('ClusterIP');
    for (const [key, value] of Object.entries(service.spec.selector)) expect(podLabels[key]).toBe(value);
  });

  test('probes, resources, pull policy and security context', () => {
    const { objects } = stack();
    const container = firstContainer(deployment(objects));
    expect(container.image).toBe(`victoriametrics/vmalert:${VERSIONS.victoriaMetrics}`);
    expect(container.imagePullPolicy).toBe('IfNotPresent');
    expect(container.livenessProbe.httpGet).toEqual(expect.objectContaining({ path: '/health', port: 8880 }));
    expect(container.readinessProbe.httpGet).toEqual(expect.objectContaining({ path: '/-/ready', port: 8880 }));
    expect(container.resources).toEqual({ requests: { cpu: '60m', memory: '160Mi' }, limits: { memory: '416Mi' } });
    expect(container.securityContext).toEqual({
      runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, privileged: false, allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(deployment(objects).spec.template.spec.securityContext).toEqual(expect.objectContaining({ runAsNonRoot: true, runAsUser: 65534 }));
  });

  test('resources and image are overridable', () => {
    const { objects } = stack({ image: 'registry.local/vmalert:v1.95.2', resources: { cpuMillis: 200, memoryMiB: 256, memoryLimitMiB: 1024 } });
    const container = firstContainer(deployment(objects));
    expect(container.image).toBe('registry.local/vmalert:v1.95.2');
    expect(container.resources).toEqual({ requests: { cpu: '200m', memory: '256Mi' }, limits: { memory: '1024Mi' } });
  });

  test('a PodDisruptionBudget, anti-affinity across nodes and spread across zones', () => {
    const { objects } = stack();
    const spec = deployment(objects).spec;
    const pdbs = ofKind(objects, 'PodDisruptionBudget').filter(p => p.spec.selector.matchLabels['cdk8s.io/metadata.addr'] === spec.selector.matchLabels['cdk8s.io/metadata.addr']);
    expect(pdbs).toHaveLength(1);
    expect(pdbs[0].spec.maxUnavailable).toBe(1);
    expect(spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey)
      .toBe('kubernetes.io/hostname');
    expect(spec.template.spec.topologySpreadConstraints).toEqual([{
      maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchLabels: spec.selector.matchLabels },
    }]);
  });

  test('one replica gets no PodDisruptionBudget (it could never be evicted)', () => {
    const { objects } = stack({ replicas: 1 });
    const vmalertPdbs = ofKind(objects, 'PodDisruptionBudget').filter(p => p.metadata.name.includes('vmalert'));
    expect(vmalertPdbs).toEqual([]);
  });

  test('a rule change changes the pod template, so pods roll and load it', () => {
    const annotation = (expr: string) => {
      const chart = Testing.chart();
      const rules = new RulesConfigMap(chart, 'rules', { groups: [{ name: 'cpu', rules: [{ alert: 'A', expr }] }] });
      new VmalertHa(chart, 'vmalert', { datasourceUrl: DATASOURCE, notifiers: ['http://am:9093'], rules });
      return deployment(synth(chart)).spec.template.metadata.annotations['cdk8s-vmalert-ha/rules-checksum'];
    };
    expect(annotation('up == 0')).toMatch(/^[0-9a-f]{64}$/);
    expect(annotation('up == 0')).toBe(annotation('up == 0'));
    expect(annotation('up == 1')).not.toBe(annotation('up == 0'));
  });

  test('recommendedDedupInterval covers the evaluation interval and every group interval', () => {
    const chart = Testing.chart();
    const rules = new RulesConfigMap(chart, 'rules', {
      groups: [{ ...CPU_GROUP, interval: '45s' }, { name: 'fast', interval: '30s', rules: [{ alert: 'B', expr: 'up' }] }],
    });
    const vmalert = new VmalertHa(chart, 'vmalert', { datasourceUrl: DATASOURCE, notifiers: ['http://am:9093'], rules });
    expect(vmalert.recommendedDedupInterval).toBe('3m');
    expect(stack().vmalert.recommendedDedupInterval).toBe('1m');
  });

  test('MetricsQL durations in rule files (1.5m, 1.5h) count for the dedup interval and the restore lookback', () => {
    // GIVEN durations vmalert reads that are not Prometheus durations
    const chart = Testing.chart();
    const rules = new RulesConfigMap(chart, 'rules', {
      groups: [{ name: 'metricsql', interval: '1.5m', rules: [{ alert: 'A', expr: 'up', for: '1.5h' }] }],
    });
    // WHEN
    const vmalert = new VmalertHa(chart, 'vmalert', {
      datasourceUrl: DATASOURCE, notifiers: ['http://am:9093'], rules, remoteWriteUrl: REMOTE_WRITE, remoteReadUrl: DATASOURCE,
    });
    // THEN lcm(1m, 90s) and the 1h30m for:
    expect(vmalert.recommendedDedupInterval).toBe('3m');
    expect(vmalert.args).toContain('-remoteRead.lookback=1h30m');
  });

  test('the restore lookback covers the longest for:', () => {
    const chart = Testing.chart();
    const rules = new RulesConfigMap(chart, 'rules', { groups: [{ name: 'slow', rules: [{ alert: 'Slow', expr: 'up', for: '2h' }] }] });
    const props = { datasourceUrl: DATASOURCE, remoteWriteUrl: REMOTE_WRITE, remoteReadUrl: DATASOURCE, notifiers: ['http://am:9093'], rules };
    const vmalert = new VmalertHa(chart, 'vmalert', props);
    expect(vmalert.args).toContain('-remoteRead.lookback=2h');
    expect(() => new VmalertHa(chart, 'short', { ...props, remoteReadLookback: '1h' })).toThrow(
      'VmalertHa "short": remoteReadLookback 1h is shorter than the longest for: (2h): state of that alert could not be restored after a restart; raise it');
  });

  test('the restore lookback flag is a Go duration: for: 1d gives 24h, and a 1d prop is refused with the Go spelling', () => {
    // GIVEN a rule held for a day
    const chart = Testing.chart();
    const rules = new RulesConfigMap(chart, 'rules', { groups: [{ name: 'daily', rules: [{ alert: 'Daily', expr: 'up', for: '1d' }] }] });
    const props = { datasourceUrl: DATASOURCE, remoteWriteUrl: REMOTE_WRITE, remoteReadUrl: DATASOURCE, notifiers: ['http://am:9093'], rules };
    // WHEN synthesized with the default and with explicit lookbacks
    const vmalert = new VmalertHa(chart, 'vmalert', props);
    // THEN vmalert gets 24h (its flag parser refuses 1d), and a Prometheus-only spelling names the prop and the fix
    expect(vmalert.args).toContain('-remoteRead.lookback=24h');
    expect(new VmalertHa(chart, 'go', { ...props, remoteReadLookback: '36h' }).args).toContain('-remoteRead.lookback=36h');
    expect(() => new VmalertHa(chart, 'prom', { ...props, remoteReadLookback: '2d' })).toThrow(
      'VmalertHa "prom": remoteReadLookback "2d" is not a duration that -remoteRead.lookback accepts '
      + '(the flag takes a Go duration such as 30s, 5m, 1h30m or 168h: no d, w or y; write 48h)');
  });

  test('evalDelay: 30s (vmselect\'s default latency offset) unless set, a Go duration, managed', () => {
    expect(stack().vmalert.args).toContain('-rule.evalDelay=30s');
    expect(stack({ evalDelay: '5s' }).vmalert.args).toContain('-rule.evalDelay=5s');
    expect(() => stack({ evalDelay: '1d' })).toThrow('VmalertHa "vmalert": evalDelay "1d" is not a duration that -rule.evalDelay accepts');
    expect(() => stack({ extraArgs: ['-rule.evalDelay=5s'], newerFlags: ['rule.evalDelay'] })).toThrow(
      'extraArgs: -rule.evalDelay is set by the construct: use the "evalDelay" prop instead of extraArgs');
  });

  test('a Go-only evaluation interval still gives a Prometheus dedup interval', () => {
    const chart = Testing.chart();
    const rules = new RulesConfigMap(chart, 'rules', { groups: [CPU_GROUP] });
    const vmalert = new VmalertHa(chart, 'vmalert', { datasourceUrl: DATASOURCE, notifiers: ['http://am:9093'], rules, evaluationInterval: '0.5m' });
    expect(vmalert.args).toContain('-evaluationInterval=0.5m');
    expect(vmalert.recommendedDedupInterval).toBe('30s');
  });

  describe('bad props', () => {
    test('-dedup.minScrapeInterval in extraArgs says where it belongs and with what value', () => {
      expect(() => stack({ extraArgs: ['-dedup.minScrapeInterval=30s'] })).toThrow(
        'VmalertHa "vmalert": extraArgs: -dedup.minScrapeInterval is not a vmalert flag: vmalert would exit with "flag provided but not defined". '
        + 'It belongs on vmselect and vmstorage: set -dedup.minScrapeInterval=1m (the recommendedDedupInterval of these rules) there and remove it from extraArgs');
    });

    test('an unknown flag is named', () => {
      expect(() => stack({ extraArgs: ['-rule.resendDelay=1m', '-notifier.urls=x'] })).toThrow(
        'VmalertHa "vmalert": extraArgs: -notifier.urls is not a vmalert flag');
    });

    test('a flag of the pinned vmalert passes without newerFlags (the catalogue comes from its -help)', () => {
      expect(argsOf(stack({ extraArgs: ['-datasource.idleConnTimeout=30s'] }).objects, 'Deployment')).toContain('-datasource.idleConnTimeout=30s');
    });

    test('a flag of a vmalert newer than the pinned one passes when listed in newerFlags', () => {
      expect(() => stack({ extraArgs: ['-rule.futureFlag=1'] })).toThrow(/-rule.futureFlag is not a vmalert flag .* newer than the pinned v\d+\.\d+\.\d+ goes in newerFlags/);
      expect(argsOf(stack({ extraArgs: ['-rule.futureFlag=1'], newerFlags: ['rule.futureFlag'] }).objects, 'Deployment'))
        .toContain('-rule.futureFlag=1');
    });

    test('known extra flags pass through, last', () => {
      const args = argsOf(stack({ extraArgs: ['-rule.resendDelay=1m'] }).objects, 'Deployment');
      expect(args[args.length - 1]).toBe('-rule.resendDelay=1m');
    });

    test.each([
      [{ replicas: 0 }, 'VmalertHa "vmalert": replicas must be a whole number >= 1, got 0'],
      [{ replicas: 1.5 }, 'VmalertHa "vmalert": replicas must be a whole number >= 1, got 1.5'],
      [{ datasourceUrl: 'vmselect:8481' }, 'VmalertHa "vmalert": datasourceUrl "vmselect:8481" is not an http(s) URL'],
      [{ evaluationInterval: '1 minute' }, 'VmalertHa "vmalert": evaluationInterval "1 minute" is not a positive whole number of milliseconds'],
      [{ evaluationInterval: '1d' }, 'VmalertHa "vmalert": evaluationInterval "1d" is not a positive whole number of milliseconds as vmalert\'s '
        + '-evaluationInterval reads it (the flag takes a Go duration such as 30s, 5m, 1h30m or 168h: no d, w or y; write 24h)'],
      [{ evaluationInterval: '0s' }, 'VmalertHa "vmalert": evaluationInterval "0s" is not a positive'],
      [{ notifiers: [] }, 'VmalertHa "vmalert": notifiers is empty'],
      [{ remoteReadUrl: DATASOURCE }, 'VmalertHa "vmalert": remoteReadUrl restores the alert state that vmalert writes through remoteWriteUrl'],
      [{ externalLabels: { 'my-label': 'x' } }, 'VmalertHa "vmalert": "my-label" is not a valid label name'],
      [{ replicaLabel: 'replica', externalLabels: { replica: 'a' } }, 'VmalertHa "vmalert": replicaLabel "replica" is also in externalLabels'],
      [{ externalLabels: { replica: '$(POD_NAME)' } }, 'VmalertHa "vmalert": externalLabels.replica = "$(POD_NAME)" differs per pod'],
      [{ rules: [] }, 'VmalertHa "vmalert": rules is empty'],
    ])('%j', (props, message) => {
      expect(() => stack(props as Partial<VmalertHaProps>)).toThrow(message);
    });

    test('recording rules without remote write', () => {
      const chart = Testing.chart();
      const rules = new RulesConfigMap(chart, 'rules', { groups: [{ name: 'rec', rules: [{ record: 'job:up:sum', expr: 'sum(up) by (job)' }] }] });
      expect(() => new VmalertHa(chart, 'vmalert', { datasourceUrl: DATASOURCE, notifiers: ['http://am:9093'], rules })).toThrow(
        'VmalertHa "vmalert": recording rules (rec/job:up:sum) need remoteWriteUrl to store their results: set it');
    });

    test('rules in another namespace fail synthesis with a message naming both', () => {
      const chart = Testing.chart();
      const rules = new RulesConfigMap(chart, 'rules', { groups: [CPU_GROUP], namespace: 'other' });
      new VmalertHa(chart, 'vmalert', { datasourceUrl: DATASOURCE, notifiers: ['http://am:9093'], rules, namespace: 'monitoring' });
      expect(() => Testing.synth(chart)).toThrow(/rules "rules" are in namespace "other" but vmalert runs in "monitoring"/);
    });
  });
});

describe('rollout pace', () => {
  test('a new replica stays ready two evaluation intervals (plus a margin) before the rollout replaces the next one', () => {
    // GIVEN the default 1m interval, and a group evaluated every 2m
    const chart = Testing.chart();
    const slow = new RulesConfigMap(chart, 'slow', { groups: [{ name: 'slow', interval: '2m', rules: [{ alert: 'A', expr: 'up == 0', for: '5m' }] }] });
    new VmalertHa(chart, 'slow-vmalert', { datasourceUrl: DATASOURCE, notifiers: ['http://am:9093'], rules: slow });
    // WHEN synthesized
    const objects = synth(chart);
    // THEN vmalert's first evaluation, which writes a fresh activeAt before restoring, is followed by a second one
    // before the next replica starts and restores
    expect(deployment(stack().objects).spec.minReadySeconds).toBe(2 * 60 + 10);
    expect(deployment(objects).spec.minReadySeconds).toBe(2 * 120 + 10);
  });
});
