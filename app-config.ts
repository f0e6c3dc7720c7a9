/** The app's settings: each has a default and an environment variable (a GitLab CI/CD variable) to override it. */
import * as fs from 'fs';
import { addressProblems, smarthostProblems } from './constructs/alertmanager/checks';
import { DURATION_HINT, isDuration } from './constructs/core/duration';
import { credentialsInUrl } from './constructs/vmalert/endpoint-auth';
import { ConfigError } from './constructs/core/errors';
import { configKeyProblem, dns1123LabelProblem, dns1123SubdomainProblem, INT32_MAX } from './constructs/k8s/names';
import { SCRAPE_OBJECT_KINDS, ScrapeObjectKind } from './constructs/self-monitoring/scrape';
import { urlProblem } from './constructs/core/url';

/** Settings of the reference stack that `main.ts` synthesizes. */
export interface AppConfig {
  readonly namespace: string;
  readonly vmalertReplicas: number;
  readonly alertmanagerReplicas: number;
  readonly datasourceUrl: string;
  readonly remoteWriteUrl: string;
  readonly remoteReadUrl: string;
  readonly vmAuth: VmAuthMode;
  readonly vmAuthUsername: string;
  readonly vmAuthSecret: string;
  readonly vmAuthSecretKey: string;
  readonly evaluationInterval: string;
  readonly rulesDir: string;
  readonly smtpSmarthost: string;
  readonly smtpFrom: string;
  readonly smtpTo: string;
  readonly smtpUsername: string;
  readonly smtpPasswordSecret: string;
  readonly smtpPasswordKey: string;
  readonly smtpRequireTls: boolean;
  readonly vmalertJob: string;
  readonly alertmanagerJob: string;
  readonly scraperPodLabels: Record<string, string>;
  readonly scrapeObjects: ScrapeObjectKind;
  readonly deadMansSwitch: boolean;
  readonly heartbeatUrlSecret: string;
  readonly heartbeatUrlKey: string;
  readonly heartbeatInterval: string;
}

/** How vmalert authenticates to the storage URLs (e.g. a vmauth in front of the cluster). */
export type VmAuthMode = 'none' | 'basic' | 'bearer';

/** HEARTBEAT_URL_SECRET when no heartbeat URL is configured. */
export const NO_HEARTBEAT = 'none';

/** One setting: its environment variable, default and meaning (the settings table of docs/app.md is this list). */
export interface AppSetting {
  readonly key: keyof AppConfig;
  readonly env: string;
  readonly default: string;
  readonly description: string;
  /**
   * The default is a placeholder (an example.com address), not a safe value: unset, it is synthesized so a fresh
   * checkout builds, and the deploy job refuses it; set to an empty value, it is an error.
   * @default false
   */
  readonly placeholder?: boolean;
}

export const APP_SETTINGS: readonly AppSetting[] = [
  { key: 'namespace', env: 'ALERTING_NAMESPACE', default: 'monitoring', description: 'Namespace of every object' },
  { key: 'vmalertReplicas', env: 'VMALERT_REPLICAS', default: '2', description: 'Identical vmalert replicas' },
  { key: 'alertmanagerReplicas', env: 'ALERTMANAGER_REPLICAS', default: '3', description: 'Alertmanager peers in the mesh' },
  { key: 'datasourceUrl', env: 'DATASOURCE_URL', default: 'http://vmselect:8481/select/0/prometheus', description: 'Query URL rules are evaluated against (vmselect)' },
  { key: 'remoteWriteUrl', env: 'REMOTE_WRITE_URL', default: 'http://vminsert:8480/insert/0/prometheus', description: 'Where alert state and recording rules are written (vminsert)' },
  { key: 'remoteReadUrl', env: 'REMOTE_READ_URL', default: 'http://vmselect:8481/select/0/prometheus', description: 'Where alert state is restored from at start (vmselect)' },
  { key: 'vmAuth', env: 'VM_AUTH', default: 'none', description: 'How vmalert authenticates to the three URLs above: none, basic or bearer (e.g. vmauth)' },
  { key: 'vmAuthUsername', env: 'VM_AUTH_USERNAME', default: 'vmalert', description: 'User name for VM_AUTH=basic' },
  { key: 'vmAuthSecret', env: 'VM_AUTH_SECRET', default: 'vmalert-vm-auth', description: 'Secret holding the password (basic) or token (bearer), created out of band; mounted, never copied' },
  { key: 'vmAuthSecretKey', env: 'VM_AUTH_SECRET_KEY', default: 'credential', description: 'Key of the password or token in that Secret' },
  { key: 'evaluationInterval', env: 'EVALUATION_INTERVAL', default: '1m', description: 'Rule evaluation interval; set -dedup.minScrapeInterval on vmselect/vmstorage to match' },
  { key: 'rulesDir', env: 'RULES_DIR', default: 'rules', description: 'Directory of rule files (*.yml, *.yaml)' },
  { key: 'smtpSmarthost', env: 'SMTP_SMARTHOST', default: 'smtp.example.com:587', description: 'SMTP server, host:port', placeholder: true },
  { key: 'smtpFrom', env: 'SMTP_FROM', default: 'alertmanager@example.com', description: 'Sender of alert emails', placeholder: true },
  { key: 'smtpTo', env: 'SMTP_TO', default: 'oncall@example.com', description: 'Recipient of alert emails', placeholder: true },
  { key: 'smtpUsername', env: 'SMTP_USERNAME', default: 'alertmanager@example.com', description: 'SMTP user name', placeholder: true },
  { key: 'smtpPasswordSecret', env: 'SMTP_PASSWORD_SECRET', default: 'alertmanager-smtp', description: 'Name of the Secret holding the SMTP password (created out of band or by the deploy job)' },
  { key: 'smtpPasswordKey', env: 'SMTP_PASSWORD_KEY', default: 'password', description: 'Key of the password in that Secret' },
  { key: 'smtpRequireTls', env: 'SMTP_REQUIRE_TLS', default: 'true', description: 'Require STARTTLS (true/false)' },
  { key: 'vmalertJob', env: 'VMALERT_JOB', default: 'vmalert', description: 'Job label the scrape objects give the vmalert targets; the self-monitoring rules select it' },
  { key: 'alertmanagerJob', env: 'ALERTMANAGER_JOB', default: 'alertmanager', description: 'Job label the scrape objects give the Alertmanager targets; the self-monitoring rules select it' },
  { key: 'scraperPodLabels', env: 'SCRAPER_POD_LABELS', default: 'app.kubernetes.io/name=vmagent', description: 'Labels (name=value,...) of the pods, in any namespace, that scrape vmalert (8880) and Alertmanager (9093): the NetworkPolicies let them in' },
  { key: 'scrapeObjects', env: 'SCRAPE_OBJECTS', default: 'VMPodScrape', description: 'Scrape objects for vmalert and Alertmanager: VMPodScrape (VictoriaMetrics operator), PodMonitor (prometheus-operator) or none (plain vmagent: dist/vmagent/scrape-configs.yml)' },
  { key: 'deadMansSwitch', env: 'DEAD_MANS_SWITCH', default: 'true', description: 'Watchdog alert and heartbeat route (true/false); false opts out of the dead man\'s switch' },
  { key: 'heartbeatUrlSecret', env: 'HEARTBEAT_URL_SECRET', default: NO_HEARTBEAT, description: 'Secret holding the heartbeat URL (e.g. healthchecks.io, Cronitor); none: the Watchdog goes nowhere and synth warns' },
  { key: 'heartbeatUrlKey', env: 'HEARTBEAT_URL_KEY', default: 'url', description: 'Key of the URL in that Secret' },
  { key: 'heartbeatInterval', env: 'HEARTBEAT_INTERVAL', default: '2m', description: 'How often the heartbeat is sent while alerting works; above (ALERTMANAGER_REPLICAS - 1) x 15s' },
];

/** `name=value,...` as a label map; an error naming the variable when malformed. */
export function parseLabelList(env: string, value: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of value.split(',').map(p => p.trim()).filter(p => p !== '')) {
    const match = /^([^=\s]+)=([^=\s]*)$/.exec(pair);
    if (!match) throw new ConfigError(`${env}=${JSON.stringify(value)}: ${JSON.stringify(pair)} is not name=value (e.g. app.kubernetes.io/name=vmagent)`);
    labels[match[1]] = match[2];
  }
  if (Object.keys(labels).length === 0) throw new ConfigError(`${env} is empty: give at least one name=value`);
  return labels;
}

const NUMBER_KEYS: ReadonlyArray<keyof AppConfig> = ['vmalertReplicas', 'alertmanagerReplicas'];

/** Checks of string settings: why the value is unusable, or undefined. Problems name the variable, not the prop. */
const STRING_CHECKS: Partial<Record<keyof AppConfig, (value: string) => string | undefined>> = {
  namespace: value => dns1123LabelProblem(value),
  datasourceUrl: urlProblem,
  remoteWriteUrl: urlProblem,
  remoteReadUrl: urlProblem,
  smtpSmarthost: value => smarthostProblems(value, 'value')[0]?.replace(/^value: /, ''),
  smtpFrom: value => addressProblems(value, 'value', false)[0]?.replace(/^value: /, ''),
  smtpTo: value => addressProblems(value, 'value', true)[0]?.replace(/^value: /, ''),
  smtpPasswordSecret: value => dns1123SubdomainProblem(value),
  smtpPasswordKey: value => configKeyProblem(value),
  vmAuthSecret: value => dns1123SubdomainProblem(value),
  vmAuthSecretKey: value => configKeyProblem(value),
  rulesDir: value => (fs.existsSync(value) && fs.statSync(value).isDirectory() ? undefined
    : `is not a directory (a path relative to ${process.cwd()}, or absolute)`),
  heartbeatUrlSecret: value => (value === NO_HEARTBEAT ? undefined : dns1123SubdomainProblem(value)),
  heartbeatUrlKey: value => configKeyProblem(value),
  heartbeatInterval: value => (isDuration(value) ? undefined : `is not a duration (${DURATION_HINT})`),
};
const BOOLEAN_KEYS: ReadonlyArray<keyof AppConfig> = ['smtpRequireTls', 'deadMansSwitch'];
const LABEL_KEYS: ReadonlyArray<keyof AppConfig> = ['scraperPodLabels'];
const CHOICES: Readonly<Partial<Record<keyof AppConfig, readonly string[]>>> = {
  vmAuth: ['none', 'basic', 'bearer'],
  scrapeObjects: SCRAPE_OBJECT_KINDS,
};
/** URL settings, with the VmalertHa auth prop that carries their credentials instead. */
const URL_KEYS: Readonly<Partial<Record<keyof AppConfig, string>>> = {
  datasourceUrl: 'datasourceAuth', remoteWriteUrl: 'remoteWriteAuth', remoteReadUrl: 'remoteReadAuth',
};

/** Reads the settings from an environment; a bad value is an error naming the variable. */
export function loadAppConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const config: Record<string, unknown> = {};
  for (const setting of APP_SETTINGS) {
    const raw = env[setting.env];
    if (setting.placeholder && raw !== undefined && raw.trim() === '') {
      throw new ConfigError(`${setting.env} is set but empty: set it to the ${setting.description.toLowerCase()} `
        + `(unset, it synthesizes the placeholder ${JSON.stringify(setting.default)}, which the deploy job refuses)`);
    }
    const value = raw === undefined || raw.trim() === '' ? setting.default : raw.trim();
    const credentials = URL_KEYS[setting.key] ? credentialsInUrl(value) : undefined;
    if (credentials) {
      // Checked first and never echoed: the value holds the credential.
      throw new ConfigError(`${setting.env} carries ${credentials}: it would be written into dist/ (the Deployment's args), which `
        + 'everyone with pipeline access can read. Remove it from the URL, put it in a Kubernetes Secret and set VM_AUTH '
        + `(basic or bearer), VM_AUTH_SECRET and VM_AUTH_SECRET_KEY; in your own chart, use VmalertHa's ${URL_KEYS[setting.key]} prop `
        + '(basicAuth / bearerToken: { secretName, key })');
    }
    const problem = STRING_CHECKS[setting.key]?.(value);
    if (problem) throw new ConfigError(`${setting.env}=${JSON.stringify(value)}: ${problem} (${setting.description.toLowerCase()})`);
    if (NUMBER_KEYS.includes(setting.key)) {
      if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > INT32_MAX) {
        throw new ConfigError(`${setting.env}=${JSON.stringify(value)}: must be a whole number >= 1 and <= ${INT32_MAX} (${setting.description.toLowerCase()})`);
      }
      config[setting.key] = Number(value);
    } else if (BOOLEAN_KEYS.includes(setting.key)) {
      if (!['true', 'false'].includes(value.toLowerCase())) {
        throw new ConfigError(`${setting.env}=${JSON.stringify(value)}: must be true or false`);
      }
      config[setting.key] = value.toLowerCase() === 'true';
    } else if (CHOICES[setting.key]) {
      if (!CHOICES[setting.key]!.includes(value)) {
        throw new ConfigError(`${setting.env}=${JSON.stringify(value)}: must be one of ${CHOICES[setting.key]!.join(', ')}`);
      }
      config[setting.key] = value;
    } else if (LABEL_KEYS.includes(setting.key)) {
      config[setting.key] = parseLabelList(setting.env, value);
    } else {
      config[setting.key] = value;
    }
  }
  if (config.vmalertJob === config.alertmanagerJob) {
    throw new ConfigError(`VMALERT_JOB and ALERTMANAGER_JOB are both ${JSON.stringify(config.vmalertJob)}: the self-monitoring rules `
      + 'tell vmalert and Alertmanager apart by job; give them different names');
  }
  return config as unknown as AppConfig;
}
