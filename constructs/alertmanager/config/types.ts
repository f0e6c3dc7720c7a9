/**
 * The alertmanager.yml types a user writes, and loading an existing file. constructs/index.ts re-exports this module
 * whole: `AlertmanagerConfig` is both an interface and the value holding `fromFile`, and jsii keeps both meanings
 * only through `export *`. No cdk8s here.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'js-yaml';
import type { TypedReceiverConfigs } from './receivers';
import { ConfigError } from '../../core/errors';
import type { SecretKeyRef } from '../../k8s/secret-refs';

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

/** An existing alertmanager.yml, loaded with {@link AlertmanagerConfigFile.fromFile}. */
export class AlertmanagerConfigFile {
  /**
   * An existing alertmanager.yml. No secret may be inline (checked by key: passwords, tokens, webhook and Slack
   * URLs, routing keys, http_config credentials): each is a `*_file` field pointing at
   * `/etc/alertmanager/secrets/<secret>/<key>`, and the cluster mounts every Secret such a path names. Use
   * `smtpAuthPassword` to set the global SMTP password file. Other files it refers to (templates) must exist in
   * the container.
   */
  public static fromFile(file: string, options: AlertmanagerConfigFileOptions = {}): AlertmanagerConfigFile {
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
  }

  /** @param document the parsed file, as Alertmanager reads it (snake_case keys) */
  constructor(
    public readonly source: string,
    public readonly document: Record<string, unknown>,
    public readonly options: AlertmanagerConfigFileOptions = {},
  ) {}
}

/**
 * Factories for Alertmanager configs, in TypeScript: `AlertmanagerConfig.fromFile` is
 * {@link AlertmanagerConfigFile.fromFile} (the name other jsii languages use).
 * @jsii ignore
 */
export const AlertmanagerConfig = {
  /** An existing alertmanager.yml: see {@link AlertmanagerConfigFile.fromFile}. */
  fromFile(file: string, options: AlertmanagerConfigFileOptions = {}): AlertmanagerConfigFile {
    return AlertmanagerConfigFile.fromFile(file, options);
  },
};
