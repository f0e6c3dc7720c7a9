/** alertmanager.yml: checking and rendering the typed settings or a loaded file with js-yaml. No cdk8s here. */
import * as yaml from 'js-yaml';
import { renderTypedReceivers } from './receivers';
import { alertmanagerSecretPath, findInlineSecrets, inlineSecretsMessage, secretFileRefs } from './secrets';
import { AlertmanagerConfig, AlertmanagerConfigFile, AlertmanagerGlobalConfig, AlertmanagerReceiver, AlertmanagerRoute } from './types';
import { ALERTMANAGER_SECRETS_DIR } from '../../core/constants';
import { isDuration, DURATION_HINT } from '../../core/duration';
import { ConfigError } from '../../core/errors';
import { compact } from '../../core/objects';
import { checkSecretKeyRef, SecretKeyRef } from '../../k8s/secret-refs';

export * from './types';

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

/** Keys whose typed prop is not their camelCase form. */
const RENAMED_PROPS: Readonly<Record<string, string>> = { msteamsv2_configs: 'msteamsConfigs' };

/**
 * A path inside the alertmanager.yml document (`receivers[0].email_configs[1].smarthost`) as the typed props the
 * user wrote (`receivers[0].emailConfigs[1].smarthost`): keys in camelCase, a `*_file` field as the Secret key
 * prop it comes from (`smtp_auth_password_file` -> `smtpAuthPassword`).
 */
export function typedConfigPath(documentPath: string): string {
  return documentPath.replace(/[A-Za-z][A-Za-z0-9_]*/g, key => RENAMED_PROPS[key]
    ?? key.replace(/_file$/, '').replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()));
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
    receivers: config.receivers.map((receiver, i) => renderReceiver(receiver, `${where}.receivers[${i}]`, global)),
    inhibit_rules: config.inhibitRules?.map(rule => compact({
      source_matchers: rule.sourceMatchers,
      target_matchers: rule.targetMatchers,
      equal: rule.equal,
    })),
  });
}

/** One typed receiver as alertmanager.yml writes it; `at` names it in errors, `global` supplies SMTP defaults. */
export function renderReceiver(receiver: AlertmanagerReceiver, at: string, global: AlertmanagerGlobalConfig | undefined): Record<string, unknown> {
  return compact({
    name: receiver.name,
    email_configs: receiver.emailConfigs?.map((email, j) => {
      const emailAt = `${at}.emailConfigs[${j}]`;
      if (!email.to) throw new ConfigError(`${emailAt}.to is required: the recipient address`);
      if (email.authPassword !== undefined) checkSecretKeyRef(email.authPassword, `${emailAt}.authPassword`);
      if (!(email.smarthost ?? global?.smtpSmarthost)) throw new ConfigError(`${emailAt}: no SMTP server: set smarthost here or global.smtpSmarthost`);
      if (!(email.from ?? global?.smtpFrom)) throw new ConfigError(`${emailAt}: no sender: set from here or global.smtpFrom`);
      if (email.subject !== undefined && Object.keys(email.headers ?? {}).some(h => h.toLowerCase() === 'subject')) {
        throw new ConfigError(`${emailAt}: subject and headers.Subject both set the subject: keep one`);
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
    ...renderTypedReceivers(receiver, at),
  });
}

/** A route of the typed tree in alertmanager.yml's keys. */
export function renderRoute(route: AlertmanagerRoute): Record<string, unknown> {
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
