/**
 * A dead man's switch: the Watchdog alert always fires while the whole alerting path works (vmalert evaluates,
 * the datasource answers, Alertmanager routes), and its own route sends it to a heartbeat URL every interval
 * (healthchecks.io, Cronitor and similar services). When the heartbeats stop, that service pages you. No cdk8s here.
 */
import { AlertmanagerConfig, AlertmanagerReceiver, AlertmanagerRoute } from '../alertmanager/config/alertmanager-config';
import type { SecretKeyRef } from '../k8s/secret-refs';
import { DURATION_HINT, formatDuration, isDuration, parseDuration } from '../core/duration';
import { ConfigError } from '../core/errors';
import { compact } from '../core/objects';
import { AlertingRule } from '../rules/rules';

/** Name of the always-firing alert; the heartbeat route matches it. */
export const WATCHDOG_ALERT = 'Watchdog';
/** Its severity: it is not a problem, and must not match routes that select on severity. */
export const WATCHDOG_SEVERITY = 'none';

/** Options for {@link withDeadMansSwitch}. */
export interface DeadMansSwitchOptions {
  /**
   * Secret key holding the heartbeat URL (Alertmanager's webhook `url_file`): the URL usually carries a token.
   * @default - none: Watchdog goes to a receiver that sends nothing (it still stays out of your other receivers)
   */
  readonly urlSecret?: SecretKeyRef;
  /**
   * How often a heartbeat is sent while alerting works. Your heartbeat service should expect one per interval and
   * alert after a few are missed. Must exceed the Alertmanager peers' wait ((replicas - 1) x 15s).
   * @default '1m'
   */
  readonly interval?: string;
  /**
   * Name of the heartbeat receiver.
   * @default 'heartbeat'
   */
  readonly receiverName?: string;
  /**
   * How long Alertmanager waits before the first heartbeat after it (re)starts.
   * @default '10s'
   */
  readonly groupWait?: string;
}

export const DEAD_MANS_SWITCH_DEFAULTS = { interval: '1m', receiverName: 'heartbeat', groupWait: '10s' } as const;

/** The always-firing alert (`vector(1)`): vmalert sends it on every evaluation while it can query the datasource. */
export function watchdogRule(labels: Record<string, string> = {}): AlertingRule {
  return {
    alert: WATCHDOG_ALERT,
    expr: 'vector(1)',
    labels: { ...labels, severity: WATCHDOG_SEVERITY },
    annotations: {
      summary: 'The alerting pipeline works (dead man\'s switch)',
      description: 'This alert always fires while vmalert evaluates rules against the datasource and Alertmanager routes '
        + 'them. Alertmanager sends it to the heartbeat receiver every interval; the heartbeat service alerts when it stops.',
      action: 'Nothing while it fires. When the heartbeat service reports it missing: check that the vmalert pods run and '
        + 'evaluate (VmalertRuleEvaluationErrors, their logs), that the datasource answers, that the Alertmanager pods '
        + 'run, and that they reach the heartbeat URL (AlertmanagerNotificationsFailed with integration="webhook").',
    },
  };
}

/**
 * The heartbeat route: Watchdog only, grouped with nothing else, first among the top-level route's children so no
 * other route takes it, and repeated every interval.
 */
export function heartbeatRoute(options: DeadMansSwitchOptions = {}, owner = 'deadMansSwitch'): AlertmanagerRoute {
  const o = resolve(options, owner);
  const intervalMs = parseDuration(o.interval);
  return {
    receiver: o.receiverName,
    matchers: [`alertname="${WATCHDOG_ALERT}"`],
    groupBy: ['alertname'],
    groupWait: o.groupWait,
    groupInterval: o.interval,
    repeatInterval: formatDuration(heartbeatRepeatMs(intervalMs)),
    continue: false,
  };
}

/**
 * repeat_interval of the heartbeat route, a little below the interval. Alertmanager repeats only on group_interval
 * ticks, and only when the last send was logged more than repeat_interval before the tick; it logs after sending, so
 * repeat_interval == group_interval would skip every second tick. Alertmanager logs a harmless warning about
 * repeat_interval < group_interval at start. Peers tick in their own phases: a peer whose tick falls between
 * repeat_interval and the interval after the last heartbeat sends the next one, so gaps range from the repeat
 * interval to the interval plus the peers' wait (15s per peer ahead of it).
 */
export function heartbeatRepeatMs(intervalMs: number): number {
  const margin = Math.min(HEARTBEAT_SEND_MARGIN_MS, intervalMs / 4);
  return Math.max(1000, Math.floor((intervalMs - margin) / 1000) * 1000);
}

/** Time a heartbeat send may take (logged after it returns) without skipping the next tick. */
const HEARTBEAT_SEND_MARGIN_MS = 10_000;

/** The heartbeat receiver: a webhook that reads its URL from the Secret file, without resolved notifications. */
export function heartbeatReceiver(options: DeadMansSwitchOptions = {}, owner = 'deadMansSwitch'): AlertmanagerReceiver {
  const o = resolve(options, owner);
  if (!options.urlSecret) return { name: o.receiverName };
  return { name: o.receiverName, webhookConfigs: [{ url: options.urlSecret, sendResolved: false }] };
}

/** `config` with the heartbeat route placed first under its top-level route and the heartbeat receiver added. */
export function withDeadMansSwitch(config: AlertmanagerConfig, options: DeadMansSwitchOptions = {}, owner = 'deadMansSwitch'): AlertmanagerConfig {
  const receiver = heartbeatReceiver(options, owner);
  if (config.receivers.some(r => r.name === receiver.name)) {
    throw new ConfigError(`${owner}: the config already has a receiver named "${receiver.name}": set receiverName to another name`);
  }
  return {
    ...config,
    route: { ...config.route, routes: [heartbeatRoute(options, owner), ...(config.route.routes ?? [])] },
    receivers: [...config.receivers, receiver],
  };
}

function resolve(options: DeadMansSwitchOptions, owner: string): Required<Omit<DeadMansSwitchOptions, 'urlSecret'>> {
  const o = { ...DEAD_MANS_SWITCH_DEFAULTS, ...compact(options) };
  for (const key of ['interval', 'groupWait'] as const) {
    if (!isDuration(o[key])) throw new ConfigError(`${owner}: ${key} ${JSON.stringify(o[key])} is not a duration (${DURATION_HINT})`);
  }
  if (parseDuration(o.interval) < 2000) throw new ConfigError(`${owner}: interval ${o.interval} is too short: use at least 2s (1m is usual)`);
  if (typeof o.receiverName !== 'string' || o.receiverName.trim() === '') throw new ConfigError(`${owner}: receiverName must be a non-empty string`);
  return o;
}

/**
 * {@link withDeadMansSwitch} as a static method, for the languages jsii publishes to (Python, Java, Go, .NET), which
 * have no free functions.
 *
 * @example
 * new AlertmanagerCluster(chart, 'alertmanager', { config: DeadMansSwitch.addTo(config, { interval: '2m' }) });
 */
export class DeadMansSwitch {
  /**
   * `config` with the heartbeat route placed first under its top-level route and the heartbeat receiver added.
   * @param owner the name error messages start with
   */
  public static addTo(config: AlertmanagerConfig, options: DeadMansSwitchOptions = {}, owner?: string): AlertmanagerConfig {
    return withDeadMansSwitch(config, options, owner);
  }

  private constructor() {}
}
