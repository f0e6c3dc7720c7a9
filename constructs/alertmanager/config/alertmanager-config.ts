/** alertmanager.yml: typed settings, loading an existing file, rendering with js-yaml. No cdk8s here. */
import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { renderTypedReceivers, TypedReceiverConfigs } from './receivers';
import { alertmanagerSecretPath, findInlineSecrets, inlineSecretsMessage, secretFileRefs } from './secrets';
import { ALERTMANAGER_SECRETS_DIR } from '../../core/constants';
import { isDuration, DURATION_HINT } from '../../core/duration';
import { ConfigError } from '../../core/errors';
import { compact } from '../../core/objects';
import { checkSecretKeyRef, SecretKeyRef } from '../../k8s/secret-refs';

/** Settings shared by all receivers (alertmanager.yml `global:`). */
export interface AlertmanagerGlobalConfig {
  /**
   * SMTP server as host:port.
   * @default - none; every email receiver must then set its own `smarthost`
   */
  readonly smtpSmarthost?: string;
  /**
   * Sender address of notification emails.
   * @default - none; every email receiver must then set its own `from`
   */
  readonly smtpFrom?: string;
  /**
   * SMTP user name.
   * @default - no authentication
   */
  readonly smtpAuthUsername?: string;
  /**
   * SMTP password, as a reference to a Kubernetes Secret key (mounted as a file, used via `smtp_auth_password_file`).
   * @default - no password
   */
  readonly smtpAuthPassword?: SecretKeyRef;
  /**
   * Whether STARTTLS is required.
   * @default true
   */
  readonly smtpRequireTls?: boolean;
  /**
   * Hostname sent in the SMTP HELO.
   * @default "localhost"
   */
  readonly smtpHello?: string;
  /**
   * Time after which an alert that is no longer updated is declared resolved.
   * @default "5m"
   */
  readonly resolveTimeout?: string;
}

/** A node of the routing tree. */
export interface AlertmanagerRoute {
  /**
   * Receiver of the alerts this route matches. Required on the top-level route.
   * @default - the parent route's receiver
   */
  readonly receiver?: string;
  /**
   * Labels that group alerts into one notification; ["..."] groups by all labels.
   * @default ["alertname"] on the top-level route
   */
  readonly groupBy?: string[];
  /**
   * How long to wait for more alerts of a new group before the first notification.
   * @default "30s"
   */
  readonly groupWait?: string;
  /**
   * How long to wait before notifying about alerts added to a group that was already notified.
   * @default "5m"
   */
  readonly groupInterval?: string;
  /**
   * How long to wait before repeating a notification that is still firing.
   * @default "4h"
   */
  readonly repeatInterval?: string;
  /**
   * Matchers an alert must satisfy, e.g. ['severity="critical"'].
   * @default - every alert (required on child routes to be useful)
   */
  readonly matchers?: string[];
  /**
   * Whether to keep matching sibling routes after this one matched.
   * @default false
   */
  readonly continue?: boolean;
  /**
   * Child routes, tried in order.
   * @default - none
   */
  readonly routes?: AlertmanagerRoute[];
}

/** One email notification target. */
export interface EmailConfig {
  /** Recipient address(es), comma separated. */
  readonly to: string;
  /**
   * Sender address.
   * @default - global smtpFrom
   */
  readonly from?: string;
  /**
   * SMTP server as host:port.
   * @default - global smtpSmarthost
   */
  readonly smarthost?: string;
  /**
   * SMTP user name.
   * @default - global smtpAuthUsername
   */
  readonly authUsername?: string;
  /**
   * SMTP password as a Secret key reference.
   * @default - global smtpAuthPassword
   */
  readonly authPassword?: SecretKeyRef;
  /**
   * Whether STARTTLS is required.
   * @default - global smtpRequireTls
   */
  readonly requireTls?: boolean;
  /**
   * Whether to send a notification when the alerts resolve.
   * @default true
   */
  readonly sendResolved?: boolean;
  /**
   * Extra email headers, e.g. { 'Reply-To': '...' }.
   * @default - Alertmanager's defaults
   */
  readonly headers?: Record<string, string>;
  /**
   * Subject line, a Go template; may call a template of the cluster's `templates`, e.g.
   * '{{ template "team.subject" . }}'. Written as the Subject header.
   * @default - Alertmanager's default subject
   */
  readonly subject?: string;
  /**
   * HTML body, a Go template, e.g. '{{ template "team.html" . }}'.
   * @default - Alertmanager's default HTML body
   */
  readonly html?: string;
  /**
   * Plain-text body, a Go template.
   * @default - none
   */
  readonly text?: string;
}

/** A named set of notification targets. */
export interface AlertmanagerReceiver extends TypedReceiverConfigs {
  /** Name that routes refer to. */
  readonly name: string;
  /**
   * Email targets.
   * @default - none
   */
  readonly emailConfigs?: EmailConfig[];
}

/** Mutes alerts that match `targetMatchers` while an alert matching `sourceMatchers` fires. */
export interface InhibitRule {
  /** Matchers of the muting alert. */
  readonly sourceMatchers: string[];
  /** Matchers of the muted alerts. */
  readonly targetMatchers: string[];
  /**
   * Labels that must be equal in source and target.
   * @default - none
   */
  readonly equal?: string[];
}

/** Typed alertmanager.yml. */
export interface AlertmanagerConfig {
  /**
   * Global SMTP and resolve settings.
   * @default - Alertmanager's defaults
   */
  readonly global?: AlertmanagerGlobalConfig;
  /** The routing tree. */
  readonly route: AlertmanagerRoute;
  /** Every receiver a route names. */
  readonly receivers: AlertmanagerReceiver[];
  /**
   * Inhibition rules.
   * @default - none
   */
  readonly inhibitRules?: InhibitRule[];
}

/** Options for {@link AlertmanagerConfig.fromFile}. */
export interface AlertmanagerConfigFileOptions {
  /**
   * Secret key holding the global SMTP password; sets `global.smtp_auth_password_file` to where it is mounted.
   * @default - the file's own settings
   */
  readonly smtpAuthPassword?: SecretKeyRef;
}

/** An existing alertmanager.yml, loaded with {@link AlertmanagerConfig.fromFile}. */
export class AlertmanagerConfigFile {
  /** @param document the parsed file, as Alertmanager reads it (snake_case keys) */
  constructor(
    public readonly source: string,
    public readonly document: Record<string, unknown>,
    public readonly options: AlertmanagerConfigFileOptions = {},
  ) {}
}

/** Factories for Alertmanager configs. */
export const AlertmanagerConfig = {
  /**
   * An existing alertmanager.yml. No secret may be inline (checked by key: passwords, tokens, webhook and Slack
   * URLs, routing keys, http_config credentials): each is a `*_file` field pointing at
   * `/etc/alertmanager/secrets/<secret>/<key>`, and the cluster mounts every Secret such a path names. Use
   * `smtpAuthPassword` to set the global SMTP password file. Other files it refers to (templates) must exist in
   * the container.
   */
  fromFile(file: string, options: AlertmanagerConfigFileOptions = {}): AlertmanagerConfigFile {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError(`${file}: cannot read the Alertmanager config (${(error as Error).message})`);
    }
    let document: unknown;
    try {
      document = yaml.load(text, { filename: file });
    } catch (error) {
      throw new ConfigError(`${file}: invalid YAML: ${(error as Error).message}`);
    }
    if (typeof document !== 'object' || document === null || Array.isArray(document)) {
      throw new ConfigError(`${file}: an Alertmanager config is a mapping with "route" and "receivers"`);
    }
    return new AlertmanagerConfigFile(path.normalize(file), document as Record<string, unknown>, options);
  },
};

/** The alertmanager.yml document for typed settings or a loaded file, checked for inline secrets. */
export function alertmanagerConfigDocument(config: AlertmanagerConfig | AlertmanagerConfigFile, owner: string,
  secretMountDirs: readonly string[] = []): Record<string, unknown> {
  const document = config instanceof AlertmanagerConfigFile ? fileDocument(config) : typedDocument(config, owner);
  const where = config instanceof AlertmanagerConfigFile ? config.source : `${owner}: config`;
  const inline = findInlineSecrets(document);
  if (inline.length > 0) throw new ConfigError(inlineSecretsMessage(where, inline));
  const { stray } = secretFileRefs(document, secretMountDirs);
  if (stray.length > 0) {
    throw new ConfigError(`${where}: secret file fields point where no Secret is mounted: ${stray.join(', ')}; put the value in a `
      + `Kubernetes Secret and point the field at ${ALERTMANAGER_SECRETS_DIR}/<secret>/<key> (mounted for you), or mount that Secret `
      + 'with extraMounts: { secretName } and point into it');
  }
  return document;
}

/** alertmanager.yml text. */
export function renderAlertmanagerConfig(config: AlertmanagerConfig | AlertmanagerConfigFile, owner = 'AlertmanagerCluster'): string {
  return dumpAlertmanagerConfig(alertmanagerConfigDocument(config, owner));
}

/** alertmanager.yml text of a config document. */
export function dumpAlertmanagerConfig(document: Record<string, unknown>): string {
  return yaml.dump(document, { lineWidth: -1, noRefs: true });
}

/** Every Secret key the config reads as a file; the construct mounts each. */
export function referencedSecrets(config: AlertmanagerConfig | AlertmanagerConfigFile, secretMountDirs: readonly string[] = []): SecretKeyRef[] {
  // Derived from the rendered file paths: what is mounted is exactly what the config reads.
  return secretFileRefs(alertmanagerConfigDocument(config, 'AlertmanagerCluster', secretMountDirs), secretMountDirs).refs;
}

function fileDocument(config: AlertmanagerConfigFile): Record<string, unknown> {
  const { document, options, source } = config;
  for (const key of ['route', 'receivers']) {
    if (!(key in document)) throw new ConfigError(`${source}: missing "${key}": an Alertmanager config needs a route and receivers`);
  }
  if (!options.smtpAuthPassword) return document;
  checkSecretKeyRef(options.smtpAuthPassword, `${source}: smtpAuthPassword`);
  const global = (document.global ?? {}) as Record<string, unknown>;
  return { ...document, global: { ...global, smtp_auth_password_file: alertmanagerSecretPath(options.smtpAuthPassword) } };
}

function typedDocument(config: AlertmanagerConfig, owner: string): Record<string, unknown> {
  const where = `${owner}: config`;
  if (!config.route || !config.route.receiver) throw new ConfigError(`${where}.route.receiver is required: name the receiver of all alerts`);
  if (!Array.isArray(config.receivers) || config.receivers.length === 0) {
    throw new ConfigError(`${where}.receivers must list at least one receiver`);
  }
  const names = new Set<string>();
  for (const receiver of config.receivers) {
    if (names.has(receiver.name)) throw new ConfigError(`${where}.receivers: "${receiver.name}" is defined twice`);
    names.add(receiver.name);
  }
  checkRoute(config.route, 'route', names, where);
  const global = config.global;
  if (global?.smtpAuthPassword !== undefined) checkSecretKeyRef(global.smtpAuthPassword, `${where}.global.smtpAuthPassword`);
  if (global?.resolveTimeout !== undefined) checkDuration(global.resolveTimeout, `${where}.global.resolveTimeout`);
  return compact({
    global: global && compact({
      resolve_timeout: global.resolveTimeout,
      smtp_smarthost: global.smtpSmarthost,
      smtp_from: global.smtpFrom,
      smtp_hello: global.smtpHello,
      smtp_auth_username: global.smtpAuthUsername,
      smtp_auth_password_file: global.smtpAuthPassword && alertmanagerSecretPath(global.smtpAuthPassword),
      smtp_require_tls: global.smtpRequireTls,
    }),
    route: renderRoute(config.route),
    receivers: config.receivers.map((receiver, i) => compact({
      name: receiver.name,
      email_configs: receiver.emailConfigs?.map((email, j) => {
        const at = `${where}.receivers[${i}].emailConfigs[${j}]`;
        if (!email.to) throw new ConfigError(`${at}.to is required: the recipient address`);
        if (email.authPassword !== undefined) checkSecretKeyRef(email.authPassword, `${at}.authPassword`);
        if (!(email.smarthost ?? global?.smtpSmarthost)) throw new ConfigError(`${at}: no SMTP server: set smarthost here or global.smtpSmarthost`);
        if (!(email.from ?? global?.smtpFrom)) throw new ConfigError(`${at}: no sender: set from here or global.smtpFrom`);
        if (email.subject !== undefined && Object.keys(email.headers ?? {}).some(h => h.toLowerCase() === 'subject')) {
          throw new ConfigError(`${at}: subject and headers.Subject both set the subject: keep one`);
        }
        return compact({
          to: email.to,
          from: email.from,
          smarthost: email.smarthost,
          auth_username: email.authUsername,
          auth_password_file: email.authPassword && alertmanagerSecretPath(email.authPassword),
          require_tls: email.requireTls,
          send_resolved: email.sendResolved ?? true,
          headers: email.subject !== undefined ? { ...email.headers, Subject: email.subject } : email.headers,
          html: email.html,
          text: email.text,
        });
      }),
      ...renderTypedReceivers(receiver, `${where}.receivers[${i}]`),
    })),
    inhibit_rules: config.inhibitRules?.map(rule => compact({
      source_matchers: rule.sourceMatchers,
      target_matchers: rule.targetMatchers,
      equal: rule.equal,
    })),
  });
}

function renderRoute(route: AlertmanagerRoute): Record<string, unknown> {
  return compact({
    receiver: route.receiver,
    group_by: route.groupBy,
    group_wait: route.groupWait,
    group_interval: route.groupInterval,
    repeat_interval: route.repeatInterval,
    matchers: route.matchers,
    continue: route.continue,
    routes: route.routes?.map(renderRoute),
  });
}

function checkRoute(route: AlertmanagerRoute, at: string, receivers: Set<string>, where: string): void {
  if (route.receiver !== undefined && !receivers.has(route.receiver)) {
    throw new ConfigError(`${where}.${at}.receiver "${route.receiver}" is not one of the receivers (${[...receivers].join(', ')})`);
  }
  for (const key of ['groupWait', 'groupInterval', 'repeatInterval'] as const) {
    if (route[key] !== undefined) checkDuration(route[key]!, `${where}.${at}.${key}`);
  }
  route.routes?.forEach((child, i) => checkRoute(child, `${at}.routes[${i}]`, receivers, where));
}

function checkDuration(value: string, at: string): void {
  if (!isDuration(value)) throw new ConfigError(`${at}: ${JSON.stringify(value)} is not a duration (${DURATION_HINT})`);
}
