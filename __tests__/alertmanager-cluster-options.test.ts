import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import * as yaml from 'js-yaml';
import { AlertmanagerCluster, AlertmanagerConfig, NotificationTemplates, RulesConfigMap, VmalertHa } from '../constructs';
import { argsOf, CPU_GROUP, EMAIL_CONFIG, firstContainer, flagValues, Manifest, ofKind, only, synth } from './support/synth';
import { temporaryDirectories } from './support/temp';

type Props = Partial<ConstructorParameters<typeof AlertmanagerCluster>[2]>;

function cluster(props: Props = {}) {
  const chart = Testing.chart();
  const am = new AlertmanagerCluster(chart, 'am', { config: EMAIL_CONFIG, namespace: 'monitoring', ...props });
  return { chart, am, objects: synth(chart) };
}

function configOf(objects: Manifest[]): Record<string, any> {
  const secret = ofKind(objects, 'Secret').find(s => s.stringData?.['alertmanager.yml'])!;
  return yaml.load(secret.stringData['alertmanager.yml']) as Record<string, any>;
}

const tempDir = temporaryDirectories();

describe('route prefix', () => {
  test('the externalUrl path reaches --web.route-prefix, both probes and every notifier URL vmalert gets', () => {
    // GIVEN
    const chart = Testing.chart();
    const am = new AlertmanagerCluster(chart, 'am', { config: EMAIL_CONFIG, externalUrl: 'https://alerts.example.com/alertmanager' });
    // WHEN
    new VmalertHa(chart, 'vmalert', { datasourceUrl: 'http://vmselect:8481', notifiers: am, rules: new RulesConfigMap(chart, 'r', { groups: [CPU_GROUP] }) });
    const objects = synth(chart);
    // THEN
    const container = firstContainer(only(objects, 'StatefulSet'));
    expect(flagValues(container.args, '--web.route-prefix')).toEqual(['/alertmanager']);
    expect(container.livenessProbe.httpGet.path).toBe('/alertmanager/-/healthy');
    expect(container.readinessProbe.httpGet.path).toBe('/alertmanager/-/ready');
    const notifierUrls = flagValues(argsOf(objects, 'Deployment'), '-notifier.url');
    expect(notifierUrls).toHaveLength(3);
    expect(notifierUrls.every(url => new URL(url).pathname === '/alertmanager')).toBe(true);
    expect(am.routePrefix).toBe('/alertmanager');
  });

  test('an explicit routePrefix wins over the externalUrl path (a proxy that strips it)', () => {
    const { am, objects } = cluster({ externalUrl: 'https://example.com/alerts', routePrefix: '/' });
    expect(firstContainer(only(objects, 'StatefulSet')).readinessProbe.httpGet.path).toBe('/-/ready');
    expect(am.notifierUrls[0]).toMatch(/:9093$/);
  });

  test('the prefix reaches the notifier config of replicaLabel mode as its path_prefix', () => {
    const chart = Testing.chart();
    const am = new AlertmanagerCluster(chart, 'am', { config: EMAIL_CONFIG, routePrefix: '/am' });
    new VmalertHa(chart, 'vmalert', { datasourceUrl: 'http://vmselect:8481', notifiers: am, replicaLabel: 'replica', rules: new RulesConfigMap(chart, 'r', { groups: [CPU_GROUP] }) });
    const notifier = ofKind(synth(chart), 'ConfigMap').find(c => c.data?.['notifier.yml'])!;
    expect(yaml.load(notifier.data['notifier.yml'])).toEqual(expect.objectContaining({ path_prefix: '/am' }));
  });

  test('an externalUrl that is not an http(s) URL is refused', () => {
    expect(() => cluster({ externalUrl: 'alerts.example.com/am' })).toThrow(
      'AlertmanagerCluster "am": externalUrl "alerts.example.com/am" is not an http(s) URL (Alertmanager refuses to start; e.g. https://alerts.example.com/alertmanager)');
  });
});

describe('mesh settings', () => {
  test('the cluster label defaults to <namespace>/<StatefulSet name>; "" turns it off; a label with spaces is refused', () => {
    const { am, objects } = cluster();
    const sts = only(objects, 'StatefulSet');
    expect(am.clusterLabel).toBe(`monitoring/${sts.metadata.name}`);
    expect(flagValues(firstContainer(sts).args, '--cluster.label')).toEqual([am.clusterLabel]);
    expect(flagValues(argsOf(cluster({ clusterLabel: '' }).objects, 'StatefulSet'), '--cluster.label')).toEqual([]);
    expect(() => cluster({ clusterLabel: 'a b' })).toThrow('clusterLabel "a b" must be at most 255 characters without spaces');
  });

  test('peer and settle timeouts are typed durations of Alertmanager\'s flags; y and a zero peer timeout are refused', () => {
    const args = argsOf(cluster({ peerTimeout: '5s', settleTimeout: '30s' }).objects, 'StatefulSet');
    expect(flagValues(args, '--cluster.peer-timeout')).toEqual(['5s']);
    expect(flagValues(args, '--cluster.settle-timeout')).toEqual(['30s']);
    expect(() => cluster({ settleTimeout: '1y' })).toThrow('AlertmanagerCluster "am": settleTimeout "1y" is not a duration that Alertmanager\'s --cluster.settle-timeout accepts');
    expect(() => cluster({ peerTimeout: 'soon' })).toThrow('peerTimeout "soon" is not a duration that Alertmanager\'s --cluster.peer-timeout accepts');
    expect(() => cluster({ peerTimeout: '0s' })).toThrow('peerTimeout must be above 0s');
  });

  test('the stale-[FIRING] check uses the effective peer timeout', () => {
    // GIVEN a group_interval of 30s and 3 peers: the last waits 2 x peerTimeout
    const config = { ...EMAIL_CONFIG, route: { receiver: 'email', groupInterval: '30s' } };
    // THEN 10s (20s wait) is fine, 20s (40s wait) is refused naming it
    expect(() => cluster({ config, peerTimeout: '10s' })).not.toThrow();
    expect(() => cluster({ config, peerTimeout: '20s' })).toThrow(
      'config.route.groupInterval 30s must be above 40s (2 peers x the 20s peer timeout): a peer still waiting its turn could send a stale '
      + '[FIRING] after another sent [RESOLVED]; raise it (or lower peerTimeout)');
  });
});

describe('extraArgs', () => {
  test('known flags are appended last', () => {
    const args = argsOf(cluster({ extraArgs: ['--web.timeout=30s', '--no-log.silences'] }).objects, 'StatefulSet');
    expect(args.slice(-2)).toEqual(['--web.timeout=30s', '--no-log.silences']);
  });

  test('a flag the construct manages is refused naming the prop; an unknown flag is refused', () => {
    expect(() => cluster({ extraArgs: ['--cluster.settle-timeout=10s'] })).toThrow(
      'AlertmanagerCluster "am": extraArgs: --cluster.settle-timeout is set by the construct: use the "settleTimeout" prop instead of extraArgs');
    expect(() => cluster({ extraArgs: ['--cluster.peers=x'] })).toThrow('AlertmanagerCluster "am": extraArgs: --cluster.peers is not a flag of Alertmanager');
  });
});

describe('notification templates', () => {
  const TEMPLATE = '{{ define "team.subject" }}[{{ .Status }}] {{ .CommonLabels.alertname }}{{ end }}';

  test('templates go to a ConfigMap mounted read-only, and alertmanager.yml lists them', () => {
    // WHEN
    const { objects } = cluster({ templates: [NotificationTemplates.inline('team.tmpl', TEMPLATE)] });
    // THEN
    const configMap = only(objects, 'ConfigMap');
    expect(configMap.data).toEqual({ 'team.tmpl': TEMPLATE });
    const pod = only(objects, 'StatefulSet').spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'templates', configMap: { name: configMap.metadata.name } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'templates', mountPath: '/etc/alertmanager/templates', readOnly: true });
    expect(configOf(objects).templates).toEqual(['/etc/alertmanager/templates/*.tmpl']);
  });

  test('a template change rolls the pods', () => {
    const annotation = (text: string) => only(cluster({ templates: [NotificationTemplates.inline('t.tmpl', text)] }).objects, 'StatefulSet')
      .spec.template.metadata.annotations['cdk8s-vmalert-ha/config-checksum'];
    expect(annotation('{{ define "a" }}1{{ end }}')).not.toBe(annotation('{{ define "a" }}2{{ end }}'));
  });

  test('a template file from disk keeps its base name', () => {
    const dir = tempDir('am-templates-');
    fs.writeFileSync(path.join(dir, 'mail.tmpl'), TEMPLATE);
    expect(NotificationTemplates.fromFile(path.join(dir, 'mail.tmpl'))).toEqual({ fileName: 'mail.tmpl', text: TEMPLATE });
    expect(() => NotificationTemplates.fromFile(path.join(dir, 'missing.tmpl'))).toThrow(/missing.tmpl: cannot read the notification template/);
  });

  test.each([
    [[NotificationTemplates.inline('team.txt', TEMPLATE)], 'templates[0]: file name "team.txt" must end with ".tmpl"'],
    [[NotificationTemplates.inline('a.tmpl', TEMPLATE), NotificationTemplates.inline('a.tmpl', TEMPLATE)], 'templates[1]: "a.tmpl" is given twice'],
    [[NotificationTemplates.inline('a.tmpl', 'Subject {{ .Status }}')], 'templates[0] (a.tmpl): defines no template'],
  ])('bad templates are refused: %#', (templates, message) => {
    expect(() => cluster({ templates })).toThrow(message);
  });

  test('email subject, html and text per receiver; subject and headers.Subject together are refused', () => {
    const config = {
      ...EMAIL_CONFIG,
      receivers: [{ name: 'email', emailConfigs: [{ to: 'a@example.com', subject: '{{ template "team.subject" . }}', html: '{{ template "team.html" . }}', text: 'plain', headers: { 'Reply-To': 'b@example.com' } }] }],
    };
    const email = configOf(cluster({ config }).objects).receivers[0].email_configs[0];
    expect(email).toEqual(expect.objectContaining({
      headers: { 'Reply-To': 'b@example.com', 'Subject': '{{ template "team.subject" . }}' },
      html: '{{ template "team.html" . }}',
      text: 'plain',
    }));
    const both = { ...EMAIL_CONFIG, receivers: [{ name: 'email', emailConfigs: [{ to: 'a@example.com', subject: 's', headers: { subject: 't' } }] }] };
    expect(() => cluster({ config: both })).toThrow('config.receivers[0].emailConfigs[0]: subject and headers.Subject both set the subject: keep one');
  });
});

describe('template globs of an alertmanager.yml file', () => {
  const TEMPLATE = '{{ define "team.subject" }}[{{ .Status }}]{{ end }}';
  const fileWith = (templates: string) => {
    const file = path.join(tempDir('am-globs-'), 'alertmanager.yml');
    fs.writeFileSync(file, `templates:\n${templates}route: { receiver: m, group_interval: 5m }\nreceivers: [{ name: m }]\n`);
    return AlertmanagerConfig.fromFile(file);
  };

  test.each([
    ['an absolute directory nothing mounts', "  - '/etc/alertmanager/template/*.tmpl'\n", 'templates[0]: "/etc/alertmanager/template/*.tmpl"'],
    ['a path relative to alertmanager.yml', "  - 'team/*.tmpl'\n", 'templates[0]: "team/*.tmpl"'],
    ['the templates directory without templates', "  - '/etc/alertmanager/templates/*.tmpl'\n", 'templates[0]: "/etc/alertmanager/templates/*.tmpl"'],
  ])('%s is refused like a stray *_file secret', (_, templates, named) => {
    // GIVEN an alertmanager.yml whose templates glob points where no volume is mounted
    const config = fileWith(templates);
    // WHEN the cluster is built THEN synth stops, naming the file, the glob and the fix
    expect(() => cluster({ config })).toThrow(`${config.source}: template globs point where nothing is mounted: ${named}`);
    expect(() => cluster({ config })).toThrow('pass the files as templates (NotificationTemplates.fromFile)');
  });

  test('globs into the templates directory or into an extra mount are kept', () => {
    // GIVEN globs into the construct's templates directory and into a mounted ConfigMap
    const config = fileWith("  - '/etc/alertmanager/templates/*.tmpl'\n  - '/etc/alertmanager/extra/team-templates/*.tmpl'\n");
    // WHEN the cluster mounts both
    const { objects } = cluster({ config, templates: [NotificationTemplates.inline('team.tmpl', TEMPLATE)], extraMounts: [{ configMapName: 'team-templates' }] });
    // THEN alertmanager.yml lists them, the construct's own glob once
    expect(configOf(objects).templates).toEqual(['/etc/alertmanager/templates/*.tmpl', '/etc/alertmanager/extra/team-templates/*.tmpl']);
  });
});

describe('extra mounts', () => {
  test('Secrets and ConfigMaps are mounted read-only, by default under /etc/alertmanager/extra/<name>', () => {
    const { objects } = cluster({ extraMounts: [{ secretName: 'webhook-ca' }, { configMapName: 'ca-bundle', mountPath: '/etc/ssl/team' }] });
    const pod = only(objects, 'StatefulSet').spec.template.spec;
    expect(pod.volumes).toEqual(expect.arrayContaining([
      { name: 'extra-0', secret: { secretName: 'webhook-ca' } },
      { name: 'extra-1', configMap: { name: 'ca-bundle' } },
    ]));
    expect(pod.containers[0].volumeMounts).toEqual(expect.arrayContaining([
      { name: 'extra-0', mountPath: '/etc/alertmanager/extra/webhook-ca', readOnly: true },
      { name: 'extra-1', mountPath: '/etc/ssl/team', readOnly: true },
    ]));
  });

  test.each([
    [[{ secretName: 'a', configMapName: 'b' }], 'extraMounts[0]: set exactly one of secretName and configMapName'],
    [[{ secretName: 'A_b' }], 'extraMounts[0]: "A_b" is not a valid secret name'],
    [[{ secretName: 'a', mountPath: '/etc/alertmanager/config/x' }], 'extraMounts[0]: mountPath /etc/alertmanager/config/x overlaps /etc/alertmanager/config'],
    [[{ secretName: 'a', mountPath: 'relative' }], 'extraMounts[0]: mountPath "relative" must be an absolute path'],
    [[{ secretName: 'a', mountPath: '/x' }, { configMapName: 'b', mountPath: '/x/' }], 'extraMounts[1]: mountPath /x is used twice'],
  ])('bad mounts are refused: %#', (extraMounts, message) => {
    expect(() => cluster({ extraMounts })).toThrow(message);
  });
});

describe('storage', () => {
  test('the emptyDir has a size limit, 256Mi unless set', () => {
    const volume = (props: Props) => only(cluster(props).objects, 'StatefulSet').spec.template.spec.volumes.find((v: Manifest) => v.name === 'storage');
    expect(volume({})).toEqual({ name: 'storage', emptyDir: { sizeLimit: '256Mi' } });
    expect(volume({ emptyDirSizeLimitMiB: 64 })).toEqual({ name: 'storage', emptyDir: { sizeLimit: '64Mi' } });
  });

  test('a size limit with a claim, or a limit below 1 MiB, is refused', () => {
    expect(() => cluster({ storage: { sizeGiB: 1 }, emptyDirSizeLimitMiB: 64 })).toThrow('emptyDirSizeLimitMiB applies to the emptyDir, which storage replaces: set one of them');
    expect(() => cluster({ emptyDirSizeLimitMiB: 0 })).toThrow('emptyDirSizeLimitMiB must be a whole number >= 1, got 0');
  });
});
