import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import * as yaml from 'js-yaml';
import { APP_SETTINGS, loadAppConfig } from '../app-config';
import { selfMonitoringJobSelectors } from '../constructs/self-monitoring/scrape-config';
import { ALERTMANAGER_MIN_READY_SECONDS } from '../constructs/core/constants';
import { ALERTMANAGER_IMAGE, VMALERT_IMAGE } from '../constructs/core/versions';
import { VERSIONS } from '../constructs/core/versions';
import { AlertingStack, main } from '../main';
import { checkDist } from '../scripts/ci/check-dist';
import { argsOf, firstContainer, flagValues, Manifest, ofKind, only } from './support/synth';
import { temporaryDirectories } from './support/temp';
import { ingressAllowed, podOf } from '../scripts/docs/network-policy-eval';

const tempDir = temporaryDirectories();

function synthApp(env: NodeJS.ProcessEnv = {}): { stack: AlertingStack; objects: Manifest[] } {
  const stack = new AlertingStack(Testing.app(), 'alerting', loadAppConfig(env));
  return { stack, objects: Testing.synth(stack) as Manifest[] };
}

describe('the app', () => {
  test('matches the reviewed snapshot', () => {
    // The pinned tags are written only in constructs/core/versions.ts (versions.test.ts): the snapshot names them.
    const text = Object.entries(VERSIONS).reduce((t, [name, tag]) => t.split(tag).join(`<VERSIONS.${name}>`), JSON.stringify(synthApp().objects));
    expect(JSON.parse(text)).toMatchSnapshot();
  });

  test('the pinned images, vmalert behind vmselect\'s default latency offset, Alertmanager peers rolled after settling', () => {
    const { objects } = synthApp();
    expect(firstContainer(only(objects, 'Deployment')).image).toBe(VMALERT_IMAGE);
    expect(firstContainer(only(objects, 'StatefulSet')).image).toBe(ALERTMANAGER_IMAGE);
    expect(argsOf(objects, 'Deployment')).toContain('-rule.evalDelay=30s');
    expect(only(objects, 'StatefulSet').spec.minReadySeconds).toBe(ALERTMANAGER_MIN_READY_SECONDS);
    expect(only(objects, 'Deployment').spec.minReadySeconds).toBe(2 * 60 + 10);
  });

  test('2 vmalert replicas and 3 Alertmanager peers in namespace monitoring', () => {
    const { objects } = synthApp();
    expect(only(objects, 'Deployment').spec.replicas).toBe(2);
    expect(only(objects, 'StatefulSet').spec.replicas).toBe(3);
    expect(new Set(objects.map(o => o.metadata.namespace))).toEqual(new Set(['monitoring']));
  });

  test('vmalert reads vmselect, writes and restores through vminsert/vmselect, notifies each Alertmanager pod', () => {
    const { stack, objects } = synthApp();
    const args = argsOf(objects, 'Deployment');
    expect(args).toEqual(expect.arrayContaining([
      '-datasource.url=http://vmselect:8481/select/0/prometheus',
      '-remoteWrite.url=http://vminsert:8480/insert/0/prometheus',
      '-remoteRead.url=http://vmselect:8481/select/0/prometheus',
      '-evaluationInterval=1m',
    ]));
    expect(flagValues(args, '-notifier.url')).toEqual(stack.alertmanager.notifierUrls);
    expect(stack.vmalert.recommendedDedupInterval).toBe('1m');
  });

  test('NetworkPolicies: vmalert reaches Alertmanager, peers gossip, the scraper (SCRAPER_POD_LABELS) reaches both', () => {
    const { objects } = synthApp({ SCRAPER_POD_LABELS: 'app=scraper' });
    const am = podOf(only(objects, 'StatefulSet'));
    const vmalert = podOf(only(objects, 'Deployment'));
    const scraper = { namespace: 'observability', labels: { app: 'scraper' } };
    expect(ingressAllowed(objects, vmalert, am, { port: 9093, protocol: 'TCP' })).toBe(true);
    expect(ingressAllowed(objects, am, am, { port: 9094, protocol: 'UDP' })).toBe(true);
    expect(ingressAllowed(objects, scraper, vmalert, { port: 8880, protocol: 'TCP' })).toBe(true);
    expect(ingressAllowed(objects, scraper, am, { port: 9093, protocol: 'TCP' })).toBe(true);
    expect(ingressAllowed(objects, { ...scraper, labels: { app: 'vmagent' } }, vmalert, { port: 8880, protocol: 'TCP' })).toBe(false);
    expect(() => synthApp({ SCRAPER_POD_LABELS: 'app' })).toThrow('SCRAPER_POD_LABELS="app": "app" is not name=value');
  });

  test('Alertmanager meshes on the bracketed pod IP with a cluster label and a bounded emptyDir', () => {
    const { stack, objects } = synthApp();
    const args = argsOf(objects, 'StatefulSet');
    expect(flagValues(args, '--cluster.advertise-address')).toEqual(['[$(POD_IP)]:9094']);
    expect(flagValues(args, '--cluster.label')).toEqual([stack.alertmanager.clusterLabel]);
    expect(only(objects, 'StatefulSet').spec.template.spec.volumes).toContainEqual({ name: 'storage', emptyDir: { sizeLimit: '256Mi' } });
  });

  test('the CPU rule covers the five components at 10% for 1m, and vmagent has a no-data rule', () => {
    const { objects } = synthApp();
    const rules = ofKind(objects, 'ConfigMap').flatMap(cm => Object.values(cm.data as Record<string, string>))
      .flatMap(text => (yaml.load(text) as any).groups ?? []).flatMap((g: any) => g.rules);
    const cpu = rules.find((r: any) => r.alert === 'VictoriaMetricsHighCPU');
    expect(cpu.expr).toBe('rate(process_cpu_seconds_total{job=~"vminsert|vmselect|vmstorage|vmagent|vmalert"}[5m]) * 100 > 10');
    expect(cpu.for).toBe('1m');
    const noData = rules.find((r: any) => r.alert === 'VmagentNoData');
    expect(noData.expr).toMatch(/^absent\(.*job="vmagent".*\)$/);
  });

  test('emails go to the configured recipient; the password only as a Secret file, in no ConfigMap and no arg', () => {
    // GIVEN a password Secret name from the environment
    const { objects } = synthApp({ SMTP_TO: 'sre@example.org', SMTP_PASSWORD_SECRET: 'mail-credentials' });
    // THEN
    const config = yaml.load(only(objects, 'Secret').stringData['alertmanager.yml']) as any;
    expect(config.receivers[0]).toEqual({ name: 'email', email_configs: [{ to: 'sre@example.org', send_resolved: true }] });
    expect(config.global.smtp_auth_password_file).toBe('/etc/alertmanager/secrets/mail-credentials/password');
    const configMapText = JSON.stringify(ofKind(objects, 'ConfigMap'));
    expect(configMapText).not.toMatch(/smtp_auth|auth_password|password_file|mail-credentials/);
    const allArgs = [...argsOf(objects, 'Deployment'), ...argsOf(objects, 'StatefulSet')].join(' ');
    expect(allArgs).not.toMatch(/password/i);
    expect(firstContainer(only(objects, 'StatefulSet')).volumeMounts).toContainEqual(
      { name: 'secret-mail-credentials', mountPath: '/etc/alertmanager/secrets/mail-credentials', readOnly: true });
  });

  test('every setting can be overridden from the environment', () => {
    const { objects } = synthApp({
      ALERTING_NAMESPACE: 'alerting', VMALERT_REPLICAS: '3', ALERTMANAGER_REPLICAS: '5',
      DATASOURCE_URL: 'http://vmselect.vm:8481/select/1/prometheus', EVALUATION_INTERVAL: '30s',
      SMTP_SMARTHOST: 'mail:25', SMTP_REQUIRE_TLS: 'false', VMALERT_JOB: 'vm-alert', ALERTMANAGER_JOB: 'am',
    });
    const selfMonitoring = ofKind(objects, 'ConfigMap').map(cm => JSON.stringify(cm.data)).find(d => d.includes('VmalertDown'))!;
    expect(selfMonitoring).toContain('up{job=~\\"vm-alert\\"} == 0');
    expect(selfMonitoring).toContain('alertmanager_cluster_members{job=~\\"am\\"} < 5');
    expect(only(objects, 'Deployment').spec.replicas).toBe(3);
    expect(only(objects, 'StatefulSet').spec.replicas).toBe(5);
    expect(objects.every(o => o.metadata.namespace === 'alerting')).toBe(true);
    expect(argsOf(objects, 'Deployment')).toEqual(expect.arrayContaining([
      '-datasource.url=http://vmselect.vm:8481/select/1/prometheus', '-evaluationInterval=30s',
    ]));
    const config = yaml.load(only(objects, 'Secret').stringData['alertmanager.yml']) as any;
    expect(config.global).toEqual(expect.objectContaining({ smtp_smarthost: 'mail:25', smtp_require_tls: false }));
  });

  test('a fresh synth has the scrape objects, the Watchdog and its route, with jobs the rules select', () => {
    // GIVEN the defaults
    const { stack, objects } = synthApp();
    // THEN one VMPodScrape per component sets the job the self-monitoring rules select
    const scrapes = ofKind(objects, 'VMPodScrape');
    expect(scrapes.map(s => s.spec.podMetricsEndpoints[0].relabelConfigs)).toEqual([
      [{ targetLabel: 'job', replacement: 'vmalert' }], [{ targetLabel: 'job', replacement: 'alertmanager' }],
    ]);
    expect(selfMonitoringJobSelectors(stack.selfMonitoring.groups)).toEqual({ vmalert: 'vmalert', alertmanager: 'alertmanager' });
    // AND the vmagent scrape configs are in a ConfigMap
    expect(ofKind(objects, 'ConfigMap').some(cm => cm.data['scrape-configs.yml'] === stack.scrape.vmagentScrapeConfigs)).toBe(true);
    // AND the Watchdog fires always and has the first route, to the heartbeat receiver (sending nothing until configured)
    const watchdog = stack.selfMonitoring.groups.flatMap(g => g.rules).find((r: any) => r.alert === 'Watchdog');
    expect(watchdog).toMatchObject({ expr: 'vector(1)' });
    const config = yaml.load(only(objects, 'Secret').stringData['alertmanager.yml']) as any;
    expect(config.route.routes[0]).toMatchObject({ receiver: 'heartbeat', matchers: ['alertname="Watchdog"'], group_interval: '2m' });
    expect(config.receivers).toContainEqual({ name: 'heartbeat' });
    expect(stack.warnings).toEqual([expect.stringMatching(/^no dead man's switch is configured: .* HEARTBEAT_URL_SECRET .* DEAD_MANS_SWITCH=false to opt out\.$/)]);
  });

  test('HEARTBEAT_URL_SECRET sends the Watchdog to the URL in that Secret; DEAD_MANS_SWITCH=false removes it', () => {
    // GIVEN a heartbeat Secret
    const { stack, objects } = synthApp({ HEARTBEAT_URL_SECRET: 'healthchecks', HEARTBEAT_URL_KEY: 'ping-url', HEARTBEAT_INTERVAL: '5m' });
    // THEN Alertmanager reads the URL from the mounted Secret, and nothing warns
    const config = yaml.load(only(objects, 'Secret').stringData['alertmanager.yml']) as any;
    expect(config.receivers).toContainEqual({
      name: 'heartbeat', webhook_configs: [{ url_file: '/etc/alertmanager/secrets/healthchecks/ping-url', send_resolved: false }],
    });
    expect(config.route.routes[0]).toMatchObject({ group_interval: '5m', repeat_interval: '4m50s' });
    expect(firstContainer(only(objects, 'StatefulSet')).volumeMounts).toContainEqual(
      { name: 'secret-healthchecks', mountPath: '/etc/alertmanager/secrets/healthchecks', readOnly: true });
    expect(stack.warnings).toEqual([]);
    // WHEN opting out
    const off = synthApp({ DEAD_MANS_SWITCH: 'false' });
    // THEN no Watchdog, no route, no warning
    const offConfig = yaml.load(only(off.objects, 'Secret').stringData['alertmanager.yml']) as any;
    expect(offConfig.route.routes).toBeUndefined();
    expect(off.stack.selfMonitoring.groups.map(g => g.name)).toEqual(['self-monitoring-vmalert', 'self-monitoring-alertmanager']);
    expect(off.stack.warnings).toEqual([]);
  });

  test('SCRAPE_OBJECTS chooses PodMonitor or none', () => {
    expect(ofKind(synthApp({ SCRAPE_OBJECTS: 'PodMonitor' }).objects, 'PodMonitor')).toHaveLength(2);
    const none = synthApp({ SCRAPE_OBJECTS: 'none' }).objects;
    expect([...ofKind(none, 'PodMonitor'), ...ofKind(none, 'VMPodScrape')]).toEqual([]);
  });

  test("the app page's settings table lists every variable with its default", () => {
    const page = fs.readFileSync(path.join(__dirname, '..', 'docs', 'app.md'), 'utf8');
    for (const setting of APP_SETTINGS) {
      expect(page).toContain(`| \`${setting.env}\` | \`${setting.default}\` | ${setting.description} |`);
    }
  });

  test('every setting has a default and a distinct variable', () => {
    expect(new Set(APP_SETTINGS.map(s => s.env)).size).toBe(APP_SETTINGS.length);
    expect(APP_SETTINGS.every(s => s.default !== '' && s.description !== '')).toBe(true);
  });

  test.each([
    [{ VMALERT_REPLICAS: 'two' }, 'VMALERT_REPLICAS="two": must be a whole number >= 1'],
    [{ ALERTMANAGER_REPLICAS: '0' }, 'ALERTMANAGER_REPLICAS="0": must be a whole number >= 1'],
    [{ SMTP_REQUIRE_TLS: 'yes' }, 'SMTP_REQUIRE_TLS="yes": must be true or false'],
    [{ SCRAPE_OBJECTS: 'ServiceMonitor' }, 'SCRAPE_OBJECTS="ServiceMonitor": must be one of VMPodScrape, PodMonitor, none'],
    [{ DEAD_MANS_SWITCH: 'off' }, 'DEAD_MANS_SWITCH="off": must be true or false'],
  ])('bad environment %j', (env, message) => {
    expect(() => loadAppConfig(env)).toThrow(message);
  });
});

describe('main', () => {
  let stderr: string;
  let outdir: string;
  beforeEach(() => {
    stderr = '';
    outdir = tempDir('synth-');
    jest.spyOn(process.stderr, 'write').mockImplementation(chunk => {
      stderr += String(chunk);
      return true;
    });
  });
  afterEach(() => jest.restoreAllMocks());

  test('writes the stack and, in a subdirectory kubectl apply -f skips, the vmagent scrape configs; warns of no dead man\'s switch', () => {
    expect(main({ CDK8S_OUTDIR: outdir })).toBe(0);
    expect(fs.readdirSync(outdir)).toEqual(['alerting.k8s.yaml', 'vmagent']);
    const configs = yaml.load(fs.readFileSync(path.join(outdir, 'vmagent', 'scrape-configs.yml'), 'utf8')) as any[];
    expect(configs.map(c => c.job_name)).toEqual(['cdk8s-vmalert-ha/monitoring/vmalert', 'cdk8s-vmalert-ha/monitoring/alertmanager']);
    expect(stderr).toMatch(/^warning: no dead man's switch is configured: /);
    // AND dist/ passes the pipeline's validate job
    expect(checkDist(outdir).errors).toEqual([]);
  });

  test('with a heartbeat Secret nothing warns, and the validate job accepts the out-of-band Secret', () => {
    expect(main({ CDK8S_OUTDIR: outdir, HEARTBEAT_URL_SECRET: 'healthchecks', SCRAPE_OBJECTS: 'PodMonitor' })).toBe(0);
    expect(stderr).toBe('');
    expect(checkDist(outdir).errors).toEqual([]);
  });

  test('a bad rule file is one message naming file and rule, no stack trace, nothing written', () => {
    // GIVEN a rules directory with a bad duration
    const rulesDir = tempDir('rules-');
    fs.writeFileSync(path.join(rulesDir, 'cpu.yml'), yaml.dump({ groups: [{ name: 'cpu', rules: [{ alert: 'HighCPU', expr: 'up', for: '1x' }] }] }));
    // WHEN
    const code = main({ CDK8S_OUTDIR: outdir, RULES_DIR: rulesDir });
    // THEN
    expect(code).toBe(1);
    expect(stderr).toBe(`error: ${path.join(rulesDir, 'cpu.yml')}: group "cpu": rule "HighCPU": for: "1x" is not a duration `
      + '(use a duration such as 30s, 5m, 1h30m or 1.5m)\n');
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(fs.readdirSync(outdir)).toEqual([]);
  });
});
