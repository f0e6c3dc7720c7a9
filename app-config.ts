/** The app's settings: each has a default and an environment variable (a GitLab CI/CD variable) to override it. */
import * as fs from 'fs';
import { addressProblems, smarthostProblems } from './constructs/alertmanager-checks';
import { ConfigError } from './constructs/errors';
import { configKeyProblem, dns1123LabelProblem, dns1123SubdomainProblem, INT32_MAX } from './constructs/k8s-names';
import { isRegExp } from './constructs/regex';
import { urlProblem } from './constructs/url';

/** Settings of the reference stack that `main.ts` synthesizes. */
export interface AppConfig {
  readonly namespace: string;
  readonly vmalertReplicas: number;
  readonly alertmanagerReplicas: number;
  readonly datasourceUrl: string;
  readonly remoteWriteUrl: string;
  readonly remoteReadUrl: string;
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
}

/** One setting: its environment variable, default and meaning (the README's settings table is this list). */
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
  { key: 'evaluationInterval', env: 'EVALUATION_INTERVAL', default: '1m', description: 'Rule evaluation interval; set -dedup.minScrapeInterval on vmselect/vmstorage to match' },
  { key: 'rulesDir', env: 'RULES_DIR', default: 'rules', description: 'Directory of rule files (*.yml, *.yaml)' },
  { key: 'smtpSmarthost', env: 'SMTP_SMARTHOST', default: 'smtp.example.com:587', description: 'SMTP server, host:port', placeholder: true },
  { key: 'smtpFrom', env: 'SMTP_FROM', default: 'alertmanager@example.com', description: 'Sender of alert emails', placeholder: true },
  { key: 'smtpTo', env: 'SMTP_TO', default: 'oncall@example.com', description: 'Recipient of alert emails', placeholder: true },
  { key: 'smtpUsername', env: 'SMTP_USERNAME', default: 'alertmanager@example.com', description: 'SMTP user name', placeholder: true },
  { key: 'smtpPasswordSecret', env: 'SMTP_PASSWORD_SECRET', default: 'alertmanager-smtp', description: 'Name of the Secret holding the SMTP password (created out of band or by the deploy job)' },
  { key: 'smtpPasswordKey', env: 'SMTP_PASSWORD_KEY', default: 'password', description: 'Key of the password in that Secret' },
  { key: 'smtpRequireTls', env: 'SMTP_REQUIRE_TLS', default: 'true', description: 'Require STARTTLS (true/false)' },
  { key: 'vmalertJob', env: 'VMALERT_JOB', default: 'vmalert', description: 'Job label (regex) under which vmagent scrapes the vmalert pods, for self-monitoring' },
  { key: 'alertmanagerJob', env: 'ALERTMANAGER_JOB', default: 'alertmanager', description: 'Job label (regex) under which vmagent scrapes the Alertmanager pods, for self-monitoring' },
  { key: 'scraperPodLabels', env: 'SCRAPER_POD_LABELS', default: 'app.kubernetes.io/name=vmagent', description: 'Labels (name=value,...) of the pods, in any namespace, that scrape vmalert (8880) and Alertmanager (9093): the NetworkPolicies let them in' },
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
  rulesDir: value => (fs.existsSync(value) && fs.statSync(value).isDirectory() ? undefined
    : `is not a directory (a path relative to ${process.cwd()}, or absolute)`),
  vmalertJob: value => (isRegExp(value) ? undefined : 'is not a valid regular expression (it is matched as job=~"...")'),
  alertmanagerJob: value => (isRegExp(value) ? undefined : 'is not a valid regular expression (it is matched as job=~"...")'),
};
const BOOLEAN_KEYS: ReadonlyArray<keyof AppConfig> = ['smtpRequireTls'];
const LABEL_KEYS: ReadonlyArray<keyof AppConfig> = ['scraperPodLabels'];

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
    } else if (LABEL_KEYS.includes(setting.key)) {
      config[setting.key] = parseLabelList(setting.env, value);
    } else {
      config[setting.key] = value;
    }
  }
  return config as unknown as AppConfig;
}
