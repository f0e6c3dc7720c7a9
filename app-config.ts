/** The app's settings: each has a default and an environment variable (a GitLab CI/CD variable) to override it. */
import { credentialsInUrl } from './constructs/endpoint-auth';
import { ConfigError } from './constructs/errors';

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
}

/** How vmalert authenticates to the storage URLs (e.g. a vmauth in front of the cluster). */
export type VmAuthMode = 'none' | 'basic' | 'bearer';

/** One setting: its environment variable, default and meaning (the README's settings table is this list). */
export interface AppSetting {
  readonly key: keyof AppConfig;
  readonly env: string;
  readonly default: string;
  readonly description: string;
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
  { key: 'smtpSmarthost', env: 'SMTP_SMARTHOST', default: 'smtp.example.com:587', description: 'SMTP server, host:port' },
  { key: 'smtpFrom', env: 'SMTP_FROM', default: 'alertmanager@example.com', description: 'Sender of alert emails' },
  { key: 'smtpTo', env: 'SMTP_TO', default: 'oncall@example.com', description: 'Recipient of alert emails' },
  { key: 'smtpUsername', env: 'SMTP_USERNAME', default: 'alertmanager@example.com', description: 'SMTP user name' },
  { key: 'smtpPasswordSecret', env: 'SMTP_PASSWORD_SECRET', default: 'alertmanager-smtp', description: 'Name of the Secret holding the SMTP password (created out of band or by the deploy job)' },
  { key: 'smtpPasswordKey', env: 'SMTP_PASSWORD_KEY', default: 'password', description: 'Key of the password in that Secret' },
  { key: 'smtpRequireTls', env: 'SMTP_REQUIRE_TLS', default: 'true', description: 'Require STARTTLS (true/false)' },
  { key: 'vmalertJob', env: 'VMALERT_JOB', default: 'vmalert', description: 'Job label (regex) under which vmagent scrapes the vmalert pods, for self-monitoring' },
  { key: 'alertmanagerJob', env: 'ALERTMANAGER_JOB', default: 'alertmanager', description: 'Job label (regex) under which vmagent scrapes the Alertmanager pods, for self-monitoring' },
];

const NUMBER_KEYS: ReadonlyArray<keyof AppConfig> = ['vmalertReplicas', 'alertmanagerReplicas'];
const BOOLEAN_KEYS: ReadonlyArray<keyof AppConfig> = ['smtpRequireTls'];
const CHOICES: Readonly<Partial<Record<keyof AppConfig, readonly string[]>>> = { vmAuth: ['none', 'basic', 'bearer'] };
/** URL settings, with the VmalertHa auth prop that carries their credentials instead. */
const URL_KEYS: Readonly<Partial<Record<keyof AppConfig, string>>> = {
  datasourceUrl: 'datasourceAuth', remoteWriteUrl: 'remoteWriteAuth', remoteReadUrl: 'remoteReadAuth',
};

/** Reads the settings from an environment; a bad value is an error naming the variable. */
export function loadAppConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const config: Record<string, unknown> = {};
  for (const setting of APP_SETTINGS) {
    const raw = env[setting.env];
    const value = raw === undefined || raw.trim() === '' ? setting.default : raw.trim();
    if (NUMBER_KEYS.includes(setting.key)) {
      if (!/^\d+$/.test(value) || Number(value) < 1) {
        throw new ConfigError(`${setting.env}=${JSON.stringify(value)}: must be a whole number >= 1 (${setting.description.toLowerCase()})`);
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
    } else {
      const credentials = URL_KEYS[setting.key] ? credentialsInUrl(value) : undefined;
      if (credentials) {
        // Never echo the value: it holds the credential.
        throw new ConfigError(`${setting.env} carries ${credentials}: it would be written into dist/ (the Deployment's args), which `
          + 'everyone with pipeline access can read. Remove it from the URL, put it in a Kubernetes Secret and set VM_AUTH '
          + `(basic or bearer), VM_AUTH_SECRET and VM_AUTH_SECRET_KEY; in your own chart, use VmalertHa's ${URL_KEYS[setting.key]} prop `
          + '(basicAuth / bearerToken: { secretName, key })');
      }
      config[setting.key] = value;
    }
  }
  return config as unknown as AppConfig;
}
