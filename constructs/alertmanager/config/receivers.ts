/**
 * Typed Alertmanager receivers whose secrets (URLs with tokens, keys, bot tokens, credentials) are only ever
 * Secret references, rendered as the `*_file` fields of the pinned Alertmanager. No cdk8s here.
 */
import type { SecretKeyRef } from '../../k8s/secret-refs';
import { alertmanagerSecretPath } from './secrets';
import { BasicAuthSettings, checkSecretKeyRef } from '../../k8s/secret-refs';
import { ConfigError } from '../../core/errors';
import { compact } from '../../core/objects';

/** A client certificate and its private key for mutual TLS, both from Secret keys. */
export interface TlsClientCertificate {
  /** The certificate (PEM), `tls_config.cert_file`. */
  readonly cert: SecretKeyRef;
  /** Its private key (PEM), `tls_config.key_file`. */
  readonly key: SecretKeyRef;
}

/** How Alertmanager authenticates to a receiver (`http_config`). Use one of basicAuth and bearerToken. */
export interface ReceiverHttpConfig {
  /**
   * Basic authentication; the password from a Secret key (`basic_auth.password_file`).
   * @default - none
   */
  readonly basicAuth?: BasicAuthSettings;
  /**
   * Bearer token from a Secret key (`authorization.credentials_file`).
   * @default - none
   */
  readonly bearerToken?: SecretKeyRef;
  /**
   * CA bundle of the receiver's server certificate, from a Secret key (`tls_config.ca_file`).
   * @default - the image's system CAs
   */
  readonly caCert?: SecretKeyRef;
  /**
   * Client certificate and key for mutual TLS, from Secret keys (`tls_config.cert_file` / `key_file`).
   * @default - none
   */
  readonly clientCert?: TlsClientCertificate;
  /**
   * Accept any server certificate: anyone on the path can read and change notifications. Test setups only.
   * @default false
   */
  readonly insecureSkipVerifyDangerous?: boolean;
}

/** Fields every typed receiver config shares. */
export interface ReceiverCommon {
  /**
   * Whether to notify when the alerts resolve.
   * @default true
   */
  readonly sendResolved?: boolean;
  /**
   * Authentication and TLS towards the receiver.
   * @default - none
   */
  readonly httpConfig?: ReceiverHttpConfig;
}

/** A webhook; its URL often carries a token, so it is a Secret key (`url_file`). */
export interface WebhookConfig extends ReceiverCommon {
  /** Secret key holding the URL that receives the POSTed alerts. */
  readonly url: SecretKeyRef;
  /**
   * Largest number of alerts in one message; 0 means all.
   * @default 0
   */
  readonly maxAlerts?: number;
}

/** A Slack incoming webhook. */
export interface SlackConfig extends ReceiverCommon {
  /** Secret key holding the incoming-webhook URL (`api_url_file`). */
  readonly apiUrl: SecretKeyRef;
  /**
   * Channel or user to post to.
   * @default - the webhook's own channel
   */
  readonly channel?: string;
}

/** A PagerDuty Events API v2 integration. */
export interface PagerDutyConfig extends ReceiverCommon {
  /** Secret key holding the integration's routing key (`routing_key_file`). */
  readonly routingKey: SecretKeyRef;
  /**
   * PagerDuty severity, e.g. "critical" or a template.
   * @default - Alertmanager's default ("error")
   */
  readonly severity?: string;
}

/** A Microsoft Teams Workflows (Power Automate) webhook, Alertmanager's `msteamsv2_configs`. */
export interface MsTeamsConfig extends ReceiverCommon {
  /** Secret key holding the workflow's webhook URL (`webhook_url_file`). */
  readonly webhookUrl: SecretKeyRef;
  /**
   * Message title (a template).
   * @default - Alertmanager's default template
   */
  readonly title?: string;
}

/** A Telegram bot posting to a chat. */
export interface TelegramConfig extends ReceiverCommon {
  /** Secret key holding the bot token (`bot_token_file`). */
  readonly botToken: SecretKeyRef;
  /** Chat ID to post to (not a secret). */
  readonly chatId: number;
  /**
   * Parse mode of the message: "HTML", "Markdown" or "MarkdownV2".
   * @default "HTML"
   */
  readonly parseMode?: 'HTML' | 'Markdown' | 'MarkdownV2';
}

/** The typed receiver configs of one receiver, as alertmanager.yml sections. */
export interface TypedReceiverConfigs {
  /**
   * Webhook targets (`webhook_configs`).
   * @default - none
   */
  readonly webhookConfigs?: WebhookConfig[];
  /**
   * Slack targets (`slack_configs`).
   * @default - none
   */
  readonly slackConfigs?: SlackConfig[];
  /**
   * PagerDuty targets (`pagerduty_configs`).
   * @default - none
   */
  readonly pagerdutyConfigs?: PagerDutyConfig[];
  /**
   * Microsoft Teams targets (`msteamsv2_configs`).
   * @default - none
   */
  readonly msteamsConfigs?: MsTeamsConfig[];
  /**
   * Telegram targets (`telegram_configs`).
   * @default - none
   */
  readonly telegramConfigs?: TelegramConfig[];
}

/** alertmanager.yml sections for a receiver's typed configs; `at` names the receiver in errors. */
export function renderTypedReceivers(receiver: TypedReceiverConfigs, at: string): Record<string, unknown> {
  const each = <T extends ReceiverCommon>(list: T[] | undefined, prop: string, render: (item: T, where: string) => Record<string, unknown>) =>
    list?.map((item, i) => {
      const where = `${at}.${prop}[${i}]`;
      return compact({ ...render(item, where), send_resolved: item.sendResolved ?? true, http_config: httpConfig(item.httpConfig, `${where}.httpConfig`) });
    });
  return compact({
    webhook_configs: each(receiver.webhookConfigs, 'webhookConfigs', (hook, where) => {
      if (hook.maxAlerts !== undefined && (!Number.isInteger(hook.maxAlerts) || hook.maxAlerts < 0)) {
        throw new ConfigError(`${where}.maxAlerts must be a whole number >= 0, got ${hook.maxAlerts}`);
      }
      return { url_file: secretFile(hook.url, `${where}.url`), max_alerts: hook.maxAlerts };
    }),
    slack_configs: each(receiver.slackConfigs, 'slackConfigs', (slack, where) => ({
      api_url_file: secretFile(slack.apiUrl, `${where}.apiUrl`), channel: slack.channel,
    })),
    pagerduty_configs: each(receiver.pagerdutyConfigs, 'pagerdutyConfigs', (pd, where) => ({
      routing_key_file: secretFile(pd.routingKey, `${where}.routingKey`), severity: pd.severity,
    })),
    msteamsv2_configs: each(receiver.msteamsConfigs, 'msteamsConfigs', (teams, where) => ({
      webhook_url_file: secretFile(teams.webhookUrl, `${where}.webhookUrl`), title: teams.title,
    })),
    telegram_configs: each(receiver.telegramConfigs, 'telegramConfigs', (tg, where) => {
      if (!Number.isInteger(tg.chatId)) throw new ConfigError(`${where}.chatId must be the numeric chat ID, got ${JSON.stringify(tg.chatId)}`);
      return { bot_token_file: secretFile(tg.botToken, `${where}.botToken`), chat_id: tg.chatId, parse_mode: tg.parseMode };
    }),
  });
}

function httpConfig(config: ReceiverHttpConfig | undefined, at: string): Record<string, unknown> | undefined {
  if (!config) return undefined;
  if (config.basicAuth && config.bearerToken) throw new ConfigError(`${at}: basicAuth and bearerToken are both set: keep one`);
  if (config.basicAuth && !config.basicAuth.username) throw new ConfigError(`${at}.basicAuth.username is required`);
  const tls = compact({
    ca_file: config.caCert && secretFile(config.caCert, `${at}.caCert`),
    cert_file: config.clientCert && secretFile(config.clientCert.cert, `${at}.clientCert.cert`),
    key_file: config.clientCert && secretFile(config.clientCert.key, `${at}.clientCert.key`),
    insecure_skip_verify: config.insecureSkipVerifyDangerous ? true : undefined,
  });
  return compact({
    basic_auth: config.basicAuth && { username: config.basicAuth.username, password_file: secretFile(config.basicAuth.password, `${at}.basicAuth.password`) },
    authorization: config.bearerToken && { type: 'Bearer', credentials_file: secretFile(config.bearerToken, `${at}.bearerToken`) },
    tls_config: Object.keys(tls).length > 0 ? tls : undefined,
  });
}

function secretFile(ref: SecretKeyRef, at: string): string {
  checkSecretKeyRef(ref, at);
  return alertmanagerSecretPath(ref);
}
