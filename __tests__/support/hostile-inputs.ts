/**
 * Hostile and careless inputs, as a new user would write them, across construct props, rule files,
 * alertmanager.yml (typed and from a file) and the app's environment. Each case either must be refused at synth
 * with a message (`refused`), or is accepted and its output must then pass the Kubernetes checks and the pinned
 * real binaries (__tests__/hostile-inputs.test.ts and __tests__/real-binaries/hostile-inputs.test.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { loadAppConfig } from '../../app-config';
import {
  AlertmanagerCluster, AlertmanagerClusterProps, AlertmanagerConfig, GrafanaDashboards, GrafanaDashboardsProps, RulesConfigMap, RuleTemplates,
  TeamRouteProps, UiIngressProps, VmalertHa, VmalertHaProps,
} from '../../constructs';
import { AlertingStack } from '../../main';

/** One hostile input. */
export interface HostileCase {
  readonly name: string;
  /** Synthesizes into `outdir`; `fixtures` is an empty directory for files the case writes first. */
  readonly build: (outdir: string, fixtures: string) => void;
  /** A part of the refusal message; undefined when the input is accepted (made safe). */
  readonly refused?: string;
  /** External labels every alert of the running vmalert must carry, exactly (accepted cases). */
  readonly alertLabels?: Readonly<Record<string, string>>;
}

/** The environment of the app with every placeholder replaced by a real-looking value. */
export const REAL_ENV: Readonly<Record<string, string>> = {
  SMTP_SMARTHOST: 'smtp.mail.internal:587',
  SMTP_FROM: 'alertmanager@mail.internal',
  SMTP_TO: 'oncall@mail.internal',
  SMTP_USERNAME: 'alertmanager@mail.internal',
};

const SMTP_REF = { secretName: 'smtp', key: 'password' };
const GLOBAL = { smtpSmarthost: 'smtp.mail.internal:587', smtpFrom: 'alerts@mail.internal', smtpAuthPassword: SMTP_REF };
const CPU_GROUP = { name: 'cpu', rules: [{ alert: 'HighCPU', expr: 'rate(process_cpu_seconds_total[5m]) > 0.9', for: '5m' }] };

type AmConfig = AlertmanagerClusterProps['config'];
/** A valid typed config; cases override parts of it. */
function amConfig(overrides: { route?: object; receivers?: object[]; global?: object; inhibitRules?: object[] } = {}): AmConfig {
  return {
    global: { ...GLOBAL, ...overrides.global },
    route: { receiver: 'email', groupBy: ['alertname'], groupInterval: '5m', ...overrides.route },
    receivers: (overrides.receivers ?? [{ name: 'email', emailConfigs: [{ to: 'oncall@mail.internal' }] }]) as AlertmanagerConfig['receivers'],
    inhibitRules: overrides.inhibitRules as AlertmanagerConfig['inhibitRules'],
  } as AlertmanagerConfig;
}

/** Options of one stack built from the public constructs. */
interface StackOptions {
  readonly chartId?: string;
  readonly disableResourceNameHashes?: boolean;
  readonly namespace?: string;
  readonly amId?: string;
  readonly rulesId?: string;
  readonly am?: Partial<AlertmanagerClusterProps>;
  readonly vmalert?: Partial<VmalertHaProps> | ((am: AlertmanagerCluster) => Partial<VmalertHaProps>);
  readonly rules?: (chart: Chart, fixtures: string) => RulesConfigMap;
  /** Team routes other charts add to the cluster, in order. */
  readonly teamRoutes?: TeamRouteProps[];
  /** Grafana dashboards in the chart too. */
  readonly dashboards?: GrafanaDashboardsProps;
  /** Ingresses for the UIs. */
  readonly ingress?: { readonly alertmanager?: UiIngressProps; readonly vmalert?: UiIngressProps };
}

/** A chart with an AlertmanagerCluster, rules and VmalertHa, synthesized into `outdir`. */
function stack(options: StackOptions = {}): HostileCase['build'] {
  return (outdir, fixtures) => {
    const app = new App({ outdir });
    const chart = new Chart(app, options.chartId ?? 'alerting', {
      namespace: options.namespace ?? 'monitoring',
      disableResourceNameHashes: options.disableResourceNameHashes,
    });
    const am = new AlertmanagerCluster(chart, options.amId ?? 'alertmanager', { config: amConfig(), ...options.am });
    for (const team of options.teamRoutes ?? []) am.addTeamRoute(team);
    if (options.dashboards) new GrafanaDashboards(chart, 'dashboards', options.dashboards);
    const rules = options.rules ? options.rules(chart, fixtures) : new RulesConfigMap(chart, options.rulesId ?? 'rules', { groups: [CPU_GROUP] });
    const vmalert = typeof options.vmalert === 'function' ? options.vmalert(am) : options.vmalert;
    const vmalertHa = new VmalertHa(chart, 'vmalert', { datasourceUrl: 'http://vmselect:8481/select/0/prometheus', notifiers: am, rules, ...vmalert });
    if (options.ingress?.alertmanager) am.addIngress(options.ingress.alertmanager);
    if (options.ingress?.vmalert) vmalertHa.addIngress(options.ingress.vmalert);
    app.synth();
  };
}

/** The app (main.ts's stack) with `env` on top of {@link REAL_ENV}, synthesized into `outdir`. */
function appWith(env: Record<string, string | undefined>, base: Readonly<Record<string, string>> = REAL_ENV): HostileCase['build'] {
  return outdir => {
    const app = new App({ outdir });
    const merged = Object.fromEntries(Object.entries({ ...base, ...env }).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv;
    new AlertingStack(app, 'alerting', loadAppConfig(merged));
    app.synth();
  };
}

/** A stack whose Alertmanager config comes from a file with `text`. */
function amFile(text: string): HostileCase['build'] {
  return (outdir, fixtures) => {
    const file = path.join(fixtures, 'alertmanager.yml');
    fs.writeFileSync(file, text);
    stack({ am: { config: AlertmanagerConfig.fromFile(file, { smtpAuthPassword: SMTP_REF }) } })(outdir, fixtures);
  };
}

/** A stack whose rules come from a directory holding `text` as rules.yml. */
function ruleFile(text: string): StackOptions['rules'] {
  return (chart, fixtures) => {
    const dir = path.join(fixtures, 'rules');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'rules.yml'), text);
    return RulesConfigMap.fromDirectory(chart, 'rules', dir);
  };
}

const FILE_GLOBAL = 'global:\n  smtp_smarthost: smtp.mail.internal:587\n  smtp_from: alerts@mail.internal\n';
const FILE_RECEIVERS = 'receivers:\n  - name: email\n    email_configs:\n      - to: oncall@mail.internal\n';
const FILE_ROUTE = 'route:\n  receiver: email\n  group_by: [alertname]\n  group_interval: 5m\n';

const names: HostileCase[] = [
  { name: 'chart id with an underscore', build: stack({ chartId: 'team_monitoring' }), refused: 'is not a DNS-1123 subdomain' },
  { name: 'chart id starting with a digit', build: stack({ chartId: '1monitoring' }), refused: 'is not a DNS-1035 label' },
  { name: 'chart id with a dot', build: stack({ chartId: 'monitoring.prod' }), refused: 'is not a DNS-1035 label' },
  { name: 'chart id with uppercase letters (cdk8s lowercases)', build: stack({ chartId: 'Monitoring' }) },
  { name: 'long realistic chart and construct ids (54-character StatefulSet)', build: stack({ chartId: 'platform-monitoring-production', amId: 'alertmanager-cluster' }) },
  { name: 'chart id ending with a dot', build: stack({ chartId: 'alerting.' }), refused: 'is not a DNS-1123 subdomain' },
  { name: 'long ids without name hashes', build: stack({ chartId: 'platform-monitoring-production-eu', amId: 'alertmanager-cluster', disableResourceNameHashes: true }) },
  { name: 'very long construct id', build: stack({ amId: 'alertmanager-for-the-platform-team-in-production-eu-west-1' }) },
  { name: 'construct id with an underscore', build: stack({ amId: 'am_cluster' }), refused: 'use lowercase letters, digits and "-"' },
  { name: 'rules construct id with an underscore', build: stack({ rulesId: 'my_rules' }), refused: 'alerting/my_rules/Resource/Resource (ConfigMap' },
  { name: 'construct id with uppercase letters', build: stack({ amId: 'AlertManager' }) },
  { name: 'namespace with uppercase', build: stack({ namespace: 'Monitoring' }), refused: 'namespace "Monitoring" (from the namespace of chart "alerting") is not a DNS-1123 label' },
  { name: 'namespace with an underscore', build: stack({ namespace: 'team_monitoring' }), refused: 'namespace "team_monitoring"' },
  { name: 'namespace of 70 characters', build: stack({ namespace: 'm'.repeat(70) }), refused: 'is 70 characters, more than 63' },
  { name: 'empty namespace', build: stack({ namespace: '' }), refused: 'namespace "" (from the namespace of chart "alerting") is empty' },
  { name: 'namespace with a space', build: stack({ namespace: 'kube system' }), refused: 'namespace "kube system"' },
  { name: 'namespace starting with "-"', build: stack({ namespace: '-monitoring' }), refused: 'is not a DNS-1123 label' },
  { name: 'namespace of exactly 63 characters', build: stack({ namespace: 'm'.repeat(63) }) },
  { name: 'vmalert namespace prop with uppercase', build: stack({ vmalert: { namespace: 'Ops' } }), refused: 'namespace "Ops" (from the namespace prop of alerting/vmalert)' },
  { name: 'Alertmanager replicas 2^31', build: stack({ am: { replicas: 2 ** 31 } }), refused: 'replicas 2147483648 is above 2147483647' },
  { name: 'vmalert replicas 2^31', build: stack({ vmalert: { replicas: 2 ** 31 } }), refused: 'replicas 2147483648 is above 2147483647' },
  { name: 'replicas 1.5', build: stack({ vmalert: { replicas: 1.5 } }), refused: 'replicas must be a whole number >= 1, got 1.5' },
  { name: 'replicas 0', build: stack({ am: { replicas: 0 } }), refused: 'replicas must be a whole number >= 1, got 0' },
  { name: 'replicas -1', build: stack({ vmalert: { replicas: -1 } }), refused: 'got -1' },
  { name: 'replicas NaN', build: stack({ vmalert: { replicas: NaN } }), refused: 'got NaN' },
  { name: 'five Alertmanager peers', build: stack({ am: { replicas: 5 } }) },
  { name: 'Secret name with uppercase', build: stack({ am: { config: amConfig({ global: { smtpAuthPassword: { secretName: 'SMTP', key: 'password' } } }) } }), refused: 'secretName "SMTP" is not a DNS-1123 subdomain' },
  { name: 'Secret name with an underscore', build: stack({ am: { config: amConfig({ global: { smtpAuthPassword: { secretName: 'smtp_secret', key: 'password' } } }) } }), refused: 'secretName "smtp_secret"' },
  { name: 'Secret name with a dot', build: stack({ am: { config: amConfig({ global: { smtpAuthPassword: { secretName: 'smtp.credentials', key: 'password' } } }) } }) },
  { name: 'Secret key with ".."', build: stack({ am: { config: amConfig({ global: { smtpAuthPassword: { secretName: 'smtp', key: '..password' } } }) } }), refused: 'must not be "." or start with ".."' },
  { name: 'Secret key with "/"', build: stack({ am: { config: amConfig({ global: { smtpAuthPassword: { secretName: 'smtp', key: 'a/b' } } }) } }), refused: 'key "a/b" may hold only' },
  { name: 'Secret key "../password"', build: stack({ am: { config: amConfig({ global: { smtpAuthPassword: { secretName: 'smtp', key: '../password' } } }) } }), refused: 'key "../password"' },
  { name: 'empty Secret key', build: stack({ am: { config: amConfig({ global: { smtpAuthPassword: { secretName: 'smtp', key: '' } } }) } }), refused: 'must be { secretName, key }' },
  { name: 'Secret key with a dot', build: stack({ am: { config: amConfig({ global: { smtpAuthPassword: { secretName: 'smtp', key: 'smtp.password' } } }) } }) },
];

const vmalertFlags: HostileCase[] = [
  { name: 'external label value with a comma', build: stack({ vmalert: { externalLabels: { env: 'eu,west' } } }), alertLabels: { env: 'eu,west' } },
  { name: 'external label value with double quotes', build: stack({ vmalert: { externalLabels: { team: 'say "hi"' } } }), alertLabels: { team: 'say "hi"' } },
  { name: 'external label value with an apostrophe', build: stack({ vmalert: { externalLabels: { team: "ops' team" } } }), alertLabels: { team: "ops' team" } },
  { name: 'external label value with an open bracket', build: stack({ vmalert: { externalLabels: { team: 'a[b' } } }), alertLabels: { team: 'a[b' } },
  { name: 'external label value with a backslash', build: stack({ vmalert: { externalLabels: { path: 'C:\\ops' } } }), alertLabels: { path: 'C:\\ops' } },
  { name: 'external label value $(POD_NAMESPACE)', build: stack({ vmalert: { externalLabels: { ns: '$(POD_NAMESPACE)' } } }), alertLabels: { ns: 'monitoring' } },
  { name: 'external label value $(POD_NAME)', build: stack({ vmalert: { externalLabels: { replica: '$(POD_NAME)' } } }), refused: 'differs per pod' },
  { name: 'external label value $(UNDEFINED)', build: stack({ vmalert: { externalLabels: { x: '$(UNDEFINED)' } } }), refused: 'which the vmalert container does not define' },
  { name: 'external label name with "-"', build: stack({ vmalert: { externalLabels: { 'team-name': 'ops' } } }), refused: '"team-name" is not a valid label name' },
  { name: 'external label name with "__"', build: stack({ vmalert: { externalLabels: { __tenant: 'ops' } } }), refused: '"__tenant" is not a valid label name' },
  { name: 'datasourceUrl with a TAB', build: stack({ vmalert: { datasourceUrl: 'http://vm\tselect:8481/select/0/prometheus' } }), refused: 'contains the control character U+0009' },
  { name: 'datasourceUrl with a trailing newline', build: stack({ vmalert: { datasourceUrl: 'http://vmselect:8481/select/0/prometheus\n' } }), refused: 'U+000A' },
  { name: 'datasourceUrl with a space', build: stack({ vmalert: { datasourceUrl: 'http://vmselect :8481' } }), refused: 'contains a space' },
  { name: 'datasourceUrl without a scheme', build: stack({ vmalert: { datasourceUrl: 'vmselect:8481/select/0/prometheus' } }), refused: 'is not an http(s) URL' },
  { name: 'remoteWriteUrl with a space', build: stack({ vmalert: { remoteWriteUrl: 'http://vminsert:8480/insert/0/ prometheus' } }), refused: 'remoteWriteUrl' },
  { name: 'remoteReadUrl with a carriage return', build: stack({ vmalert: { remoteWriteUrl: 'http://vminsert:8480/insert/0/prometheus', remoteReadUrl: 'http://vmselect:8481/\r' } }), refused: 'U+000D' },
  { name: 'notifier URL with a space', build: stack({ vmalert: { notifiers: ['http://am 0:9093'] } }), refused: 'notifiers[0]' },
  { name: 'externalUrl without a scheme', build: stack({ vmalert: { externalUrl: 'vmalert.mail.internal' } }), refused: 'externalUrl "vmalert.mail.internal" is not an http(s) URL' },
  { name: 'externalUrl with a TAB', build: stack({ vmalert: { externalUrl: 'https://vmalert\t.corp' } }), refused: 'externalUrl' },
  { name: 'extraArgs with a space instead of "="', build: stack({ vmalert: { extraArgs: ['-rule.resendDelay 1m'] } }), refused: 'has a space where "=" belongs' },
  { name: 'extraArgs -dryRun', build: stack({ vmalert: { extraArgs: ['-dryRun'] } }), refused: '-dryRun: vmalert only checks the rule files and exits 0' },
  { name: 'extraArgs -version', build: stack({ vmalert: { extraArgs: ['-version'] } }), refused: 'prints its version and exits 0' },
  { name: 'extraArgs -help', build: stack({ vmalert: { extraArgs: ['-help'] } }), refused: 'prints its flags and exits' },
  { name: 'extraArgs -h', build: stack({ vmalert: { extraArgs: ['-h'] } }), refused: 'prints its flags and exits' },
  { name: 'extraArgs -replay.timeFrom', build: stack({ vmalert: { extraArgs: ['-replay.timeFrom=2026-01-01T00:00:00Z'] } }), refused: 'replay mode' },
  { name: 'extraArgs flag and value as two arguments', build: stack({ vmalert: { extraArgs: ['-rule.resendDelay', '1m'] } }), refused: '"1m" is not a flag' },
  { name: 'extraArgs managed flag -notifier.url', build: stack({ vmalert: { extraArgs: ['-notifier.url=http://am:9093'] } }), refused: 'use the "notifiers" prop' },
  { name: 'extraArgs misplaced -dedup.minScrapeInterval', build: stack({ vmalert: { extraArgs: ['-dedup.minScrapeInterval=30s'] } }), refused: 'is not a vmalert flag' },
  { name: 'extraArgs with a newline', build: stack({ vmalert: { extraArgs: ['-rule.resendDelay=1m\n'] } }), refused: 'contains a control character' },
  { name: 'extraArgs misspelled flag', build: stack({ vmalert: { extraArgs: ['-rule.resendDelya=1m'] } }), refused: 'check the spelling' },
  { name: 'extraArgs -rule.resendDelay=1m', build: stack({ vmalert: { extraArgs: ['-rule.resendDelay=1m'] } }) },
  { name: 'extraArgs -http.pathPrefix (probes follow it)', build: stack({ vmalert: { extraArgs: ['-http.pathPrefix=/vmalert'] } }) },
  { name: 'extraArgs -dryRun=false', build: stack({ vmalert: { extraArgs: ['-dryRun=false'] } }) },
  { name: 'extraArgs with two dashes', build: stack({ vmalert: { extraArgs: ['--loggerLevel=WARN'] } }) },
  { name: 'notifier URL is the cluster\'s load-balanced Service (the seed bug)', build: stack({ vmalert: am => ({ notifiers: [`http://${am.service.name}.monitoring.svc:9093`] }) }), refused: 'notifiers: <the AlertmanagerCluster "alertmanager">' },
  { name: 'notifier URL is the cluster\'s headless Service', build: stack({ vmalert: am => ({ notifiers: [`http://${am.headlessService.name}:9093`] }) }), refused: 'a Service hands each alert to one peer' },
  { name: 'notifier URL is the Service in FQDN form', build: stack({ vmalert: am => ({ notifiers: [`http://${am.service.name}.monitoring.svc.cluster.local:9093`] }) }), refused: 'is the Service' },
  { name: 'notifier URLs are the cluster\'s per-pod URLs', build: stack({ vmalert: am => ({ notifiers: am.notifierUrls }) }) },
  { name: 'no notifier', build: stack({ vmalert: { notifiers: [] } }), refused: 'notifiers is empty' },
  { name: 'notifier URL of an Alertmanager we do not manage', build: stack({ vmalert: { notifiers: ['http://alertmanager.other-team.svc:9093'] } }) },
  { name: 'notifier URL with a comma in its path', build: stack({ vmalert: { notifiers: ['http://alertmanager.other-team.svc:9093/a,b'] } }) },
  { name: 'evaluationInterval 0s', build: stack({ vmalert: { evaluationInterval: '0s' } }), refused: 'evaluationInterval "0s" is not a positive' },
];

const alertmanager: HostileCase[] = [
  { name: 'retention 0s', build: stack({ am: { retention: '0s' } }), refused: 'retention 0s is shorter than 4h5m' },
  { name: 'retention 1h', build: stack({ am: { retention: '1h' } }), refused: 'every peer sends its own copy' },
  { name: 'retention just long enough', build: stack({ am: { retention: '4h5m' } }) },
  { name: 'smarthost without port', build: stack({ am: { config: amConfig({ global: { smtpSmarthost: 'smtp.mail.internal' } }) } }), refused: 'config.global.smtpSmarthost: "smtp.mail.internal" is not host:port' },
  { name: 'smarthost with a named port', build: stack({ am: { config: amConfig({ global: { smtpSmarthost: 'smtp.mail.internal:smtp' } }) } }), refused: 'is not host:port' },
  { name: 'smarthost port 0', build: stack({ am: { config: amConfig({ global: { smtpSmarthost: 'smtp.mail.internal:0' } }) } }), refused: 'port 0 is outside 1..65535' },
  { name: 'smarthost as an IPv6 address', build: stack({ am: { config: amConfig({ global: { smtpSmarthost: '[::1]:25' } }) } }) },
  { name: 'receiver smarthost without port', build: stack({ am: { config: amConfig({ receivers: [{ name: 'email', emailConfigs: [{ to: 'oncall@mail.internal', smarthost: 'mail' }] }] }) } }), refused: 'config.receivers[0].emailConfigs[0].smarthost' },
  { name: 'to is not an address', build: stack({ am: { config: amConfig({ receivers: [{ name: 'email', emailConfigs: [{ to: 'not an address' }] }] }) } }), refused: 'config.receivers[0].emailConfigs[0].to: "not an address" is not an email address' },
  { name: 'to is a bare name', build: stack({ am: { config: amConfig({ receivers: [{ name: 'email', emailConfigs: [{ to: 'oncall' }] }] }) } }), refused: '"oncall" is not an email address' },
  { name: 'to separated by semicolons', build: stack({ am: { config: amConfig({ receivers: [{ name: 'email', emailConfigs: [{ to: 'a@mail.internal; b@mail.internal' }] }] }) } }), refused: 'is not an email address' },
  { name: 'to lists two addresses', build: stack({ am: { config: amConfig({ receivers: [{ name: 'email', emailConfigs: [{ to: 'a@mail.internal, b@mail.internal' }] }] }) } }) },
  { name: 'to is a template', build: stack({ am: { config: amConfig({ receivers: [{ name: 'email', emailConfigs: [{ to: '{{ .GroupLabels.team }}@mail.internal' }] }] }) } }) },
  { name: 'from is a bare name', build: stack({ am: { config: amConfig({ global: { smtpFrom: 'nobody' } }) } }), refused: 'config.global.smtpFrom: "nobody" is not an email address' },
  { name: 'receiver from with two @', build: stack({ am: { config: amConfig({ receivers: [{ name: 'email', emailConfigs: [{ to: 'oncall@mail.internal', from: 'a@b@c' }] }] }) } }), refused: 'emailConfigs[0].from' },
  { name: 'from with a display name', build: stack({ am: { config: amConfig({ global: { smtpFrom: 'Alerts <alerts@mail.internal>' } }) } }) },
  { name: 'group_by lists a label twice', build: stack({ am: { config: amConfig({ route: { groupBy: ['alertname', 'alertname'] } }) } }), refused: 'config.route.groupBy[1]: "alertname" is listed twice' },
  { name: 'group_by with an empty label', build: stack({ am: { config: amConfig({ route: { groupBy: [''] } }) } }), refused: 'config.route.groupBy[0]: an empty label name' },
  { name: 'group_by "..." with another label', build: stack({ am: { config: amConfig({ route: { groupBy: ['...', 'job'] } }) } }), refused: 'cannot be combined' },
  { name: 'group_by "..." alone', build: stack({ am: { config: amConfig({ route: { groupBy: ['...'] } }) } }) },
  { name: 'child route matcher without operator', build: stack({ am: { config: amConfig({ route: { routes: [{ receiver: 'email', matchers: ['severity'] }] } }) } }), refused: 'route.routes[0].matchers[0]: "severity" is not a matcher' },
  { name: 'matcher name with a space', build: stack({ am: { config: amConfig({ route: { routes: [{ matchers: ['team name="ops"'] }] } }) } }), refused: 'is not a matcher' },
  { name: 'matcher with a broken regex', build: stack({ am: { config: amConfig({ route: { routes: [{ matchers: ['alertname=~"(Kube"'] }] } }) } }), refused: 'the regex does not compile' },
  { name: 'matcher with an unbalanced quote', build: stack({ am: { config: amConfig({ route: { routes: [{ matchers: ['severity="critical'] }] } }) } }), refused: 'unbalanced or unescaped double quote' },
  { name: 'matcher severity="critical"', build: stack({ am: { config: amConfig({ route: { routes: [{ matchers: ['severity="critical"'] }] } }) } }) },
  { name: 'inhibit rule matcher without a name', build: stack({ am: { config: amConfig({ inhibitRules: [{ sourceMatchers: ['=x'], targetMatchers: ['severity="warning"'] }] }) } }), refused: 'config.inhibitRules[0].sourceMatchers[0]' },
  { name: 'route to an undefined receiver (typed)', build: stack({ am: { config: amConfig({ route: { routes: [{ receiver: 'pager' }] } }) } }), refused: 'receiver "pager" is not one of the receivers' },
  { name: '30 peers without group_interval (default 5m)', build: stack({ am: { replicas: 30, config: amConfig({ route: { groupInterval: undefined } }) } }), refused: "(inherited or Alertmanager's default: set groupInterval explicitly) must be above 7m15s" },
  { name: '3 peers with group_interval 30s', build: stack({ am: { config: amConfig({ route: { groupInterval: '30s' } }) } }), refused: 'must be above 30s' },
  { name: '3 peers with group_interval 5m', build: stack({ am: { config: amConfig({ route: { groupInterval: '5m' } }) } }) },
  { name: 'Alertmanager externalUrl without a scheme', build: stack({ am: { externalUrl: 'alertmanager.mail.internal' } }), refused: 'externalUrl "alertmanager.mail.internal" is not an http(s) URL' },
  { name: 'Alertmanager externalUrl with a scheme', build: stack({ am: { externalUrl: 'https://alertmanager.mail.internal/' } }) },
  { name: 'webhook URL given inline (it may carry a token)', build: stack({ am: { config: amConfig({ receivers: [{ name: 'email', webhookConfigs: [{ url: 'hooks.mail.internal/x' as never }] }] }) } }), refused: 'webhookConfigs[0].url is an inline secret' },
  { name: 'group_interval 0s (typed)', build: stack({ am: { replicas: 1, config: amConfig({ route: { groupInterval: '0s' } }) } }), refused: 'config.route.groupInterval: must not be zero' },
  { name: 'repeat_interval 0s (typed)', build: stack({ am: { config: amConfig({ route: { repeatInterval: '0s' } }) } }), refused: 'config.route.repeatInterval: must not be zero' },
  { name: 'file: route to an undefined receiver', build: amFile(`${FILE_GLOBAL}route:\n  receiver: email\n  group_interval: 5m\n  routes:\n    - receiver: pager\n${FILE_RECEIVERS}`), refused: 'route.routes[0].receiver: "pager" is not defined' },
  { name: 'file: unknown top-level key', build: amFile(`${FILE_GLOBAL}${FILE_ROUTE}${FILE_RECEIVERS}inhibit:\n  - {}\n`), refused: 'inhibit: not an Alertmanager setting' },
  { name: 'file: misspelled route key', build: amFile(`${FILE_GLOBAL}${FILE_ROUTE}  group_intervall: 5m\n${FILE_RECEIVERS}`), refused: 'route.group_intervall: not a route setting' },
  { name: 'file: smarthost without port', build: amFile(`global:\n  smtp_smarthost: smtp.mail.internal\n  smtp_from: alerts@mail.internal\n${FILE_ROUTE}${FILE_RECEIVERS}`), refused: 'global.smtp_smarthost' },
  { name: 'file: to is not an address', build: amFile(`${FILE_GLOBAL}${FILE_ROUTE}receivers:\n  - name: email\n    email_configs:\n      - to: on call\n`), refused: 'receivers[0].email_configs[0].to' },
  { name: 'file: group_by lists a label twice', build: amFile(`${FILE_GLOBAL}route:\n  receiver: email\n  group_interval: 5m\n  group_by: [job, job]\n${FILE_RECEIVERS}`), refused: 'route.group_by[1]' },
  { name: 'file: receiver without a name', build: amFile(`${FILE_GLOBAL}${FILE_ROUTE}${FILE_RECEIVERS}  - email_configs: []\n`), refused: 'receivers[1].name: missing' },
  { name: 'file: top-level route with matchers', build: amFile(`${FILE_GLOBAL}${FILE_ROUTE}  matchers: ['severity="critical"']\n${FILE_RECEIVERS}`), refused: 'the top-level route must match every alert' },
  { name: 'file: no default receiver', build: amFile(`${FILE_GLOBAL}route:\n  group_interval: 5m\n${FILE_RECEIVERS}`), refused: 'route.receiver: missing' },
  { name: 'file: email without sender', build: amFile(`global:\n  smtp_smarthost: smtp.mail.internal:587\n${FILE_ROUTE}${FILE_RECEIVERS}`), refused: 'no sender' },
  { name: 'file: valid', build: amFile(`${FILE_GLOBAL}${FILE_ROUTE}${FILE_RECEIVERS}`) },
  { name: 'file: inline password', build: amFile(`${FILE_GLOBAL}  smtp_auth_password: hunter2\n${FILE_ROUTE}${FILE_RECEIVERS}`), refused: 'inline secret at global.smtp_auth_password' },
  { name: 'file: not YAML', build: amFile('route: [unclosed\n'), refused: 'invalid YAML' },
  { name: 'file: no route', build: amFile(`${FILE_GLOBAL}${FILE_RECEIVERS}`), refused: 'missing "route"' },
];

const ruleFiles: HostileCase[] = [
  { name: 'rule file: for is not a duration', build: stack({ rules: ruleFile('groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n        for: 1x\n') }), refused: 'rules.yml' },
  { name: 'rule file: not YAML', build: stack({ rules: ruleFile('groups: [\n') }), refused: 'rules.yml' },
  { name: 'rule file: no groups', build: stack({ rules: ruleFile('rules: []\n') }), refused: 'unknown top-level key "rules"' },
  { name: 'rule file: label value with a comma and quotes', build: stack({ rules: ruleFile('groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n        labels:\n          team: "ops, \\"core\\""\n') }) },
  { name: 'rule file: empty groups list', build: stack({ rules: ruleFile('groups: []\n') }), refused: 'no rule groups in' },
];

/** A PrometheusRule (or another object) in the rules directory, with `spec` (or the rest of the object) as written. */
const manifest = (head: string, body: string) => `${head}\nmetadata:\n  name: api\n  namespace: team-a\n${body}`;
const PROMETHEUS_RULE = 'apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule';
const VMRULE = 'apiVersion: operator.victoriametrics.com/v1beta1\nkind: VMRule';
const API_RULES = '    rules:\n      - alert: ApiDown\n        expr: up{job="api"} == 0\n';

const ruleManifests: HostileCase[] = [
  { name: 'PrometheusRule as a chart writes it', build: stack({ rules: ruleFile(manifest(PROMETHEUS_RULE, `spec:\n  groups:\n  - name: api\n${API_RULES}`)) }) },
  { name: 'VMRule with every group option vmalert knows', build: stack({ rules: ruleFile(manifest(VMRULE, 'spec:\n  groups:\n  - name: api\n    interval: 1m\n'
    + '    eval_delay: 30s\n    concurrency: 2\n    limit: 100\n    labels: { team: a }\n    headers: ["X-Team: a"]\n' + API_RULES)) }) },
  { name: 'PrometheusRule with an unknown rule field', build: stack({ rules: ruleFile(manifest(PROMETHEUS_RULE, `spec:\n  groups:\n  - name: api\n${API_RULES}        severity: page\n`)) }),
    refused: '(PrometheusRule team-a/api): group "api": rule "ApiDown": unknown field "severity"' },
  { name: 'PrometheusRule with an unknown spec field', build: stack({ rules: ruleFile(manifest(PROMETHEUS_RULE, `spec:\n  interval: 1m\n  groups:\n  - name: api\n${API_RULES}`)) }),
    refused: '(PrometheusRule team-a/api): spec: unknown field "interval"' },
  { name: 'PrometheusRule with an unknown top-level field', build: stack({ rules: ruleFile(manifest(PROMETHEUS_RULE, `data: {}\nspec:\n  groups:\n  - name: api\n${API_RULES}`)) }),
    refused: '(PrometheusRule team-a/api): unknown field "data"' },
  { name: 'PrometheusRule with query_offset', build: stack({ rules: ruleFile(manifest(PROMETHEUS_RULE, `spec:\n  groups:\n  - name: api\n    query_offset: 1m\n${API_RULES}`)) }),
    refused: 'query_offset: vmalert has no query_offset' },
  { name: 'PrometheusRule without spec', build: stack({ rules: ruleFile(manifest(PROMETHEUS_RULE, '')) }), refused: '(PrometheusRule team-a/api): spec must be a mapping' },
  { name: 'PrometheusRule of an old apiVersion', build: stack({ rules: ruleFile(manifest('apiVersion: monitoring.coreos.com/v1alpha1\nkind: PrometheusRule', `spec:\n  groups:\n  - name: api\n${API_RULES}`)) }),
    refused: 'write apiVersion: monitoring.coreos.com/v1' },
  { name: 'VMRule with a group tenant', build: stack({ rules: ruleFile(manifest(VMRULE, `spec:\n  groups:\n  - name: api\n    tenant: "1:0"\n${API_RULES}`)) }),
    refused: 'tenant: a group tenant needs enterprise vmalert' },
  { name: 'a Deployment in the rules directory', build: stack({ rules: ruleFile(manifest('apiVersion: apps/v1\nkind: Deployment', 'spec: {}\n')) }),
    refused: 'a Deployment (apps/v1) is not a rule source' },
];

const appEnv: HostileCase[] = [
  { name: 'env: SMTP_TO set but empty', build: appWith({ SMTP_TO: '' }), refused: 'SMTP_TO is set but empty' },
  { name: 'env: SMTP_SMARTHOST set but empty', build: appWith({ SMTP_SMARTHOST: '' }), refused: 'SMTP_SMARTHOST is set but empty' },
  { name: 'env: SMTP_FROM only spaces', build: appWith({ SMTP_FROM: '   ' }), refused: 'SMTP_FROM is set but empty' },
  { name: 'env: SMTP_USERNAME set but empty', build: appWith({ SMTP_USERNAME: '' }), refused: 'SMTP_USERNAME is set but empty' },
  { name: 'env: ALERTING_NAMESPACE with a space', build: appWith({ ALERTING_NAMESPACE: 'kube system' }), refused: 'ALERTING_NAMESPACE="kube system": is not a DNS-1123 label' },
  { name: 'env: ALERTING_NAMESPACE with uppercase', build: appWith({ ALERTING_NAMESPACE: 'Monitoring' }), refused: 'ALERTING_NAMESPACE="Monitoring"' },
  { name: 'env: DATASOURCE_URL with a TAB', build: appWith({ DATASOURCE_URL: 'http://vm\tselect:8481/select/0/prometheus' }), refused: 'DATASOURCE_URL=' },
  { name: 'env: REMOTE_WRITE_URL without a scheme', build: appWith({ REMOTE_WRITE_URL: 'vminsert:8480/insert/0/prometheus' }), refused: 'REMOTE_WRITE_URL="vminsert:8480/insert/0/prometheus": is not an http(s) URL' },
  { name: 'env: SMTP_SMARTHOST without port', build: appWith({ SMTP_SMARTHOST: 'smtp.mail.internal' }), refused: 'SMTP_SMARTHOST="smtp.mail.internal": "smtp.mail.internal" is not host:port' },
  { name: 'env: SMTP_TO not an address', build: appWith({ SMTP_TO: 'oncall' }), refused: 'SMTP_TO="oncall"' },
  { name: 'env: SMTP_FROM not an address', build: appWith({ SMTP_FROM: 'alertmanager at corp' }), refused: 'SMTP_FROM=' },
  { name: 'env: SMTP_PASSWORD_SECRET with uppercase', build: appWith({ SMTP_PASSWORD_SECRET: 'SMTP' }), refused: 'SMTP_PASSWORD_SECRET="SMTP": is not a DNS-1123 subdomain' },
  { name: 'env: SMTP_PASSWORD_KEY with "/"', build: appWith({ SMTP_PASSWORD_KEY: 'smtp/password' }), refused: 'SMTP_PASSWORD_KEY="smtp/password"' },
  { name: 'env: VMALERT_REPLICAS above int32', build: appWith({ VMALERT_REPLICAS: '2147483648' }), refused: 'VMALERT_REPLICAS="2147483648": must be a whole number >= 1 and <= 2147483647' },
  { name: 'env: ALERTMANAGER_REPLICAS 30 (5m group_interval within the peer wait)', build: appWith({ ALERTMANAGER_REPLICAS: '30' }), refused: 'groupInterval 5m must be above 7m15s' },
  { name: 'env: RULES_DIR does not exist', build: appWith({ RULES_DIR: '/nonexistent/rules' }), refused: 'RULES_DIR="/nonexistent/rules": is not a directory' },
  // Job names are literal: the scrape objects set them, the rules match them escaped.
  { name: 'env: VMALERT_JOB with regex characters', build: appWith({ VMALERT_JOB: 'vm(alert' }) },
  { name: 'env: ALERTMANAGER_JOB with regex characters', build: appWith({ ALERTMANAGER_JOB: '[am' }) },
  { name: 'env: VMALERT_JOB equal to ALERTMANAGER_JOB', build: appWith({ VMALERT_JOB: 'alerting', ALERTMANAGER_JOB: 'alerting' }), refused: 'VMALERT_JOB and ALERTMANAGER_JOB are both "alerting"' },
  { name: 'env: VMALERT_JOB with a double quote', build: appWith({ VMALERT_JOB: 'vm"alert' }) },
  { name: 'env: VMALERT_JOB with a backslash', build: appWith({ VMALERT_JOB: 'vm\\.alert' }) },
  { name: 'env: nothing set (placeholders, as on a fresh checkout)', build: appWith({}, {}) },
  { name: 'env: real values', build: appWith({}) },
  { name: 'env: SMTP_TO with two addresses', build: appWith({ SMTP_TO: 'a@mail.internal, b@mail.internal' }) },
];

const TLS_CERT = { secretName: 'am-tls', key: 'tls.crt' };
const TLS_KEY = { secretName: 'am-tls', key: 'tls.key' };
const CA = { secretName: 'am-ca', key: 'ca.crt' };
/** A bcrypt hash of a throwaway password, in the shape htpasswd writes. */
const HASH = `$2y$10$${'a'.repeat(53)}`;
const WEB_TLS = { tls: { cert: TLS_CERT, key: TLS_KEY } };
const SECURED_NOTIFIER = { notifierAuth: { tls: { ca: CA }, basicAuth: { username: 'vmalert', password: { secretName: 'am-pw', key: 'password' } } } };

/** TLS and authentication on the web ports and the mesh: certificates without keys, passwords in place of hashes. */
const securedPorts: HostileCase[] = [
  { name: 'web.tls: a certificate without its key', build: stack({ am: { web: { tls: { cert: TLS_CERT } as never } } }), refused: 'web.tls.key is missing' },
  { name: 'web.tls: a key without its certificate', build: stack({ am: { web: { tls: { key: TLS_KEY } as never } } }), refused: 'web.tls.cert is missing' },
  { name: 'web.tls: the certificate and the key in the same Secret key', build: stack({ am: { web: { tls: { cert: TLS_CERT, key: TLS_CERT } } } }), refused: 'cert and key are the same Secret key' },
  { name: 'web.tls: the certificate inline (PEM text)', build: stack({ am: { web: { tls: { cert: '-----BEGIN CERTIFICATE-----' as never, key: TLS_KEY } } } }), refused: 'web.tls.cert is an inline secret' },
  { name: 'web.basicAuthUsers: a password instead of its bcrypt hash', build: stack({ am: { web: { ...WEB_TLS, basicAuthUsers: [{ username: 'vmalert', passwordHash: 'hunter2' }] } } }), refused: 'passwordHash is not a bcrypt hash' },
  { name: 'web.basicAuthUsers: without TLS', build: stack({ am: { web: { basicAuthUsers: [{ username: 'vmalert', passwordHash: HASH }] } } }), refused: 'would send the passwords in clear text' },
  { name: 'web.basicAuthUsers: empty (Alertmanager reads it as no authentication)', build: stack({ am: { web: { ...WEB_TLS, basicAuthUsers: [] } } }), refused: 'basicAuthUsers is empty' },
  { name: 'web.basicAuthUsers: a user name with ":"', build: stack({ am: { web: { ...WEB_TLS, basicAuthUsers: [{ username: 'a:b', passwordHash: HASH }] } } }), refused: 'without ":" or spaces' },
  { name: 'meshTls: without the CA', build: stack({ am: { meshTls: { cert: TLS_CERT, key: TLS_KEY } as never } }), refused: 'meshTls.ca is required' },
  { name: 'meshTls: a certificate without its key', build: stack({ am: { meshTls: { cert: TLS_CERT, ca: CA } as never } }), refused: 'meshTls.key is missing' },
  { name: 'meshTls: a single peer', build: stack({ am: { replicas: 1, meshTls: { cert: TLS_CERT, key: TLS_KEY, ca: CA } } }), refused: 'a single peer has no mesh' },
  { name: 'extraArgs: --cluster.tls-config by hand', build: stack({ am: { extraArgs: ['--cluster.tls-config=/etc/tls.yml'] } }), refused: 'use the "meshTls" prop' },
  { name: 'extraArgs: --web.config.file by hand', build: stack({ am: { extraArgs: ['--web.config.file=/etc/web.yml'] } }), refused: 'use the "web" prop' },
  { name: 'vmalert webTls: a certificate without its key', build: stack({ vmalert: { webTls: { cert: TLS_CERT } as never } }), refused: 'webTls.key is missing' },
  { name: 'vmalert extraArgs: -tlsCertFile by hand', build: stack({ vmalert: { extraArgs: ['-tlsCertFile=/tls.crt'] } }), refused: 'use the "webTls" prop' },
  { name: 'notifierAuth: no CA for an HTTPS Alertmanager', build: stack({ am: { web: WEB_TLS } }), refused: 'set notifierAuth.tls.ca' },
  { name: 'notifierAuth: no basic auth for an Alertmanager that asks for it', build: stack({ am: { web: { ...WEB_TLS, basicAuthUsers: [{ username: 'vmalert', passwordHash: HASH }] } }, vmalert: { notifierAuth: { tls: { ca: CA } } } }), refused: 'set notifierAuth.basicAuth to one of its users (vmalert)' },
  { name: 'notifierAuth: a user the Alertmanager does not know', build: stack({ am: { web: { ...WEB_TLS, basicAuthUsers: [{ username: 'ops', passwordHash: HASH }] } }, vmalert: SECURED_NOTIFIER }), refused: 'is not a user of the AlertmanagerCluster' },
  { name: 'notifierAuth: no client certificate for an Alertmanager that asks for one', build: stack({ am: { web: { tls: { ...WEB_TLS.tls, clientCa: CA } } }, vmalert: { notifierAuth: { tls: { ca: CA } } } }), refused: 'set notifierAuth.tls.clientCert' },
];

const TEMPLATE = '{{ define "links.runbook" }}https://runbooks.mail.internal/{{ .Labels.alertname }}{{ end }}';

const vmalertExtras: HostileCase[] = [
  { name: 'vmalert with rule templates, an alert source link, env and an extra mount', build: stack({ vmalert: {
    ruleTemplates: [RuleTemplates.inline('links.tmpl', TEMPLATE)], externalAlertSource: 'explore?left={{ .Expr | queryEscape }}',
    env: { CLUSTER_NAME: 'eu-1' }, externalLabels: { cluster: '$(CLUSTER_NAME)' }, extraMounts: [{ secretName: 'webhook-ca' }],
  } }) },
  { name: 'vmalert staging copy: notifierBlackhole with no notifiers', build: stack({ vmalert: { notifierBlackhole: true, notifiers: [] } }) },
  { name: 'notifierBlackhole beside the Alertmanager cluster', build: stack({ vmalert: { notifierBlackhole: true } }),
    refused: 'notifierBlackhole sends no notification, so it cannot go with notifiers (3 URLs)' },
  { name: 'rule template with an unclosed action', build: stack({ vmalert: { ruleTemplates: [RuleTemplates.inline('links.tmpl', '{{ define "a" }}{{ .Labels }{{ end }}')] } }),
    refused: 'ruleTemplates[0] (links.tmpl): template:' },
  { name: 'rule template file not ending in .tmpl', build: stack({ vmalert: { ruleTemplates: [RuleTemplates.inline('links.gotmpl', TEMPLATE)] } }),
    refused: 'must end with ".tmpl"' },
  { name: 'externalAlertSource with an unclosed action', build: stack({ vmalert: { externalAlertSource: 'explore?left={{ .Expr' } }),
    refused: 'externalAlertSource "explore?left={{ .Expr": template: unclosed action' },
  { name: 'env holding a password', build: stack({ vmalert: { env: { DATASOURCE_PASSWORD: 'hunter2' } } }), refused: 'env.DATASOURCE_PASSWORD: looks like a secret' },
  { name: 'env overriding POD_NAME', build: stack({ vmalert: { env: { POD_NAME: 'fixed' } } }), refused: 'env.POD_NAME: set by the construct' },
  { name: 'vmalert extra mount over the rules directory', build: stack({ vmalert: { extraMounts: [{ secretName: 'x', mountPath: '/etc/vmalert/rules' }] } }),
    refused: 'overlaps /etc/vmalert/rules' },
];


/** A team's route and webhook receiver; cases override parts of it. */
function team(name: string, overrides: Partial<TeamRouteProps> = {}): TeamRouteProps {
  return {
    team: name,
    receivers: [{ name: `${name}-hook`, webhookConfigs: [{ url: { secretName: `${name}-hook`, key: 'url' } }] }],
    route: { receiver: `${name}-hook`, groupInterval: '5m' },
    ...overrides,
  };
}

const teamRoutes: HostileCase[] = [
  { name: 'team: two teams, one confined by namespace, child routes continuing among themselves', build: stack({ teamRoutes: [
    team('payments', { route: { receiver: 'payments-hook', groupInterval: '5m', routes: [
      { matchers: ['severity="page"'], continue: true }, { matchers: ['severity=~"page|ticket"'] }] } }),
    team('search', { matchLabel: 'namespace', matchValue: 'search-prod' }),
  ] }) },
  { name: 'team: email receiver using the cluster\'s global SMTP', build: stack({ teamRoutes: [team('payments', {
    receivers: [{ name: 'payments-mail', emailConfigs: [{ to: 'payments@mail.internal' }] }], route: { receiver: 'payments-mail' } })] }) },
  { name: 'team: receiver name the cluster\'s config already uses', build: stack({ teamRoutes: [team('payments', {
    receivers: [{ name: 'email', emailConfigs: [{ to: 'payments@mail.internal' }] }], route: { receiver: 'email' } })] }),
  refused: 'team "payments": receivers[0].name "email" is already a receiver of the cluster\'s config; rename it (e.g. "payments-email")' },
  { name: 'team: receiver name another team already uses', build: stack({ teamRoutes: [team('payments'), team('search', {
    receivers: [{ name: 'payments-hook', webhookConfigs: [{ url: { secretName: 'search-hook', key: 'url' } }] }], route: { receiver: 'payments-hook' } })] }),
  refused: 'team "search": receivers[0].name "payments-hook" is already a receiver of team "payments"' },
  { name: 'team: route to the cluster\'s own receiver', build: stack({ teamRoutes: [team('payments', { route: { receiver: 'email' } })] }),
    refused: 'team "payments": route.receiver "email" is not one of the team\'s receivers (payments-hook)' },
  { name: 'team: child route to another team\'s receiver', build: stack({ teamRoutes: [team('search'), team('payments', {
    route: { receiver: 'payments-hook', routes: [{ receiver: 'search-hook', matchers: ['severity="page"'] }] } })] }),
  refused: 'team "payments": route.routes[0].receiver "search-hook" is not one of the team\'s receivers' },
  { name: 'team: route without a receiver (would use the cluster\'s default)', build: stack({ teamRoutes: [team('payments', { route: { matchers: ['severity="page"'] } })] }),
    refused: 'team "payments": route.receiver is required' },
  { name: 'team: matcher contradicting the enforced one', build: stack({ teamRoutes: [team('payments', {
    route: { receiver: 'payments-hook', matchers: ['team="search"'] } })] }),
  refused: 'team "payments": route.matchers[0] "team=\\"search\\"" tests "team", the label the cluster confines the team by' },
  { name: 'team: widening matcher hidden in a matcher list', build: stack({ teamRoutes: [team('payments', {
    route: { receiver: 'payments-hook', routes: [{ matchers: ['severity="page",team=~".+"'] }] } })] }),
  refused: 'route.routes[0].matchers[0] "severity=\\"page\\",team=~\\".+\\"" tests "team"' },
  { name: 'team: negated matcher on a quoted label name in braces', build: stack({ teamRoutes: [team('payments', {
    matchLabel: 'namespace', matchValue: 'payments', route: { receiver: 'payments-hook', matchers: ['{"namespace"!="payments"}'] } })] }),
  refused: 'tests "namespace", the label the cluster confines the team by' },
  { name: 'team: continue on the team\'s route', build: stack({ teamRoutes: [team('payments', { route: { receiver: 'payments-hook', continue: true } })] }),
    refused: 'team "payments": route.continue is true: the team\'s alerts would go on to the routes after it' },
  { name: 'team: two teams confined to the same label value', build: stack({ teamRoutes: [team('payments'), team('billing', { matchValue: 'payments' })] }),
    refused: 'team "billing": route matcher team="payments" is already team "payments"\'s' },
  { name: 'team: matchLabel that is not a label name', build: stack({ teamRoutes: [team('payments', { matchLabel: 'team-name' })] }),
    refused: 'team "payments": matchLabel "team-name" is not a label name' },
  { name: 'team: matcher without an operator', build: stack({ teamRoutes: [team('payments', { route: { receiver: 'payments-hook', matchers: ['severity'] } })] }),
    refused: 'team "payments": route.matchers[0] "severity" is not a matcher' },
  { name: 'team: group_interval the mesh cannot keep', build: stack({ teamRoutes: [team('payments', { route: { receiver: 'payments-hook', groupInterval: '20s' } })] }),
    refused: 'team "payments": route.groupInterval 20s must be above 30s' },
  { name: 'team: empty team name', build: stack({ teamRoutes: [team('')] }), refused: 'addTeamRoute: team must be a non-empty name' },
];

const dashboards: HostileCase[] = [
  { name: 'dashboards: a custom sidecar label, a folder and a panel on a catalogued metric', build: stack({ dashboards: {
    sidecarLabel: 'grafana.example.com/dashboard', sidecarLabelValue: 'alerting', folder: 'Alerting',
    alertmanagerPanels: [{ title: 'Invalid alerts', queries: ['sum(rate(alertmanager_alerts_invalid_total{job=~"$job"}[$__rate_interval]))'] }],
  } }) },
  { name: 'dashboards: a panel naming a metric vmalert does not expose', build: stack({ dashboards: {
    vmalertPanels: [{ title: 'Fired', queries: ['sum(rate(vmalert_alerts_firing_total[5m]))'] }] } }),
  refused: 'vmalertPanels[0] ("Fired").queries[0]: vmalert_alerts_firing_total (did you mean vmalert_alerts_fired_total?) is not a metric the pinned' },
  { name: 'dashboards: a panel naming a metric of another Alertmanager version', build: stack({ dashboards: {
    alertmanagerPanels: [{ title: 'Peers', queries: ['max(alertmanager_cluster_peers_total) by (instance)'] }] } }),
  refused: 'alertmanagerPanels[0] ("Peers").queries[0]: alertmanager_cluster_peers_total' },
  { name: 'dashboards: a sidecar label with a space', build: stack({ dashboards: { sidecarLabel: 'grafana dashboard' } }),
    refused: 'sidecarLabel "grafana dashboard" is not a label key' },
];

const CONTROLLER_PODS = { namespaceLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' }, podLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } };
const UI_INGRESS: UiIngressProps = {
  host: 'alerts.mail.internal', auth: { basicAuthSecretName: 'alerting-htpasswd' }, tlsSecretName: 'alerts-tls', ingressControllerPods: CONTROLLER_PODS,
};

const uiIngress: HostileCase[] = [
  { name: 'ingress: both UIs behind basic auth and TLS', build: stack({ ingress: { alertmanager: UI_INGRESS, vmalert: { ...UI_INGRESS, host: 'vmalert.mail.internal' } } }) },
  { name: 'ingress: Alertmanager UI without auth', build: stack({ ingress: { alertmanager: { ...UI_INGRESS, auth: {} } } }),
    refused: 'AlertmanagerCluster "alertmanager": addIngress: auth is required' },
  { name: 'ingress: vmalert UI behind basic auth over plain HTTP', build: stack({ ingress: { vmalert: { ...UI_INGRESS, tlsSecretName: undefined } } }),
    refused: 'VmalertHa "vmalert": addIngress: tlsSecretName is required' },
  { name: 'ingress: NetworkPolicy on, controller pods not named', build: stack({ ingress: { alertmanager: { ...UI_INGRESS, ingressControllerPods: undefined } } }),
    refused: 'ingressControllerPods is required while the NetworkPolicy is on' },
  { name: 'ingress: basic auth and external auth at once', build: stack({ ingress: { alertmanager: { ...UI_INGRESS,
    auth: { basicAuthSecretName: 'alerting-htpasswd', externalAuthUrl: 'https://oauth.mail.internal/oauth2/auth' } } } }),
  refused: 'auth sets basicAuthSecretName and externalAuthUrl: set one of them' },
];

export const HOSTILE_CASES: readonly HostileCase[] = [
  ...names, ...vmalertFlags, ...vmalertExtras, ...alertmanager, ...securedPorts, ...teamRoutes, ...dashboards, ...uiIngress,
  ...ruleFiles, ...ruleManifests, ...appEnv,
];
