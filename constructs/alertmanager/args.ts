/** The Alertmanager command line, its route prefix and the check of extra flags. No cdk8s here. */
import { ALERTMANAGER_FLAGS } from './flags';
import { flagDurationHint, isFlagDuration, parseFlagDuration } from '../core/duration';
import { ConfigError } from '../core/errors';
import { ifSet, TableFlag, tableArgs, tableProps } from '../core/flag-table';
import { VERSIONS } from '../core/versions';

/** Everything the Alertmanager command line is built from.
 *
 * Internal input of a pure builder; not part of the jsii API.
 * @jsii ignore
 */
export interface AlertmanagerArgsInput {
  readonly configFile: string;
  readonly storagePath: string;
  readonly retention: string;
  readonly webPort: number;
  readonly meshPort: number;
  /** Stable DNS name of every peer, this pod's own included (Alertmanager ignores itself). */
  readonly peerHosts: readonly string[];
  /** How long to keep trying to reach a peer that left before forgetting it. */
  readonly reconnectTimeout: string;
  /** Environment variable holding the pod IP, expanded by the kubelet in args. */
  readonly podIpEnv: string;
  /**
   * URL under which Alertmanager is reached from outside, used in links of notifications.
   * @default - none
   */
  readonly externalUrl?: string;
  /**
   * Path every endpoint is served under ("/" for none), from {@link alertmanagerRoutePrefix}.
   * @default "/"
   */
  readonly routePrefix?: string;
  /**
   * `--cluster.label`: peers only accept gossip carrying the same label.
   * @default - no label
   */
  readonly clusterLabel?: string;
  /**
   * `--cluster.peer-timeout`: the n-th peer waits n times this before it notifies.
   * @default - Alertmanager's default
   */
  readonly peerTimeout?: string;
  /**
   * `--cluster.settle-timeout`: how long a starting peer waits for the gossip to settle before notifying.
   * @default - Alertmanager's default
   */
  readonly settleTimeout?: string;
  /**
   * `--web.config.file`: TLS and basic auth of the web port.
   * @default - plain HTTP, no authentication
   */
  readonly webConfigFile?: string;
  /**
   * `--cluster.tls-config`: mutual TLS between the peers.
   * @default - plain gossip
   */
  readonly meshTlsConfigFile?: string;
  /**
   * Further flags, appended last; check them with {@link alertmanagerExtraArgsProblems}.
   * @default - none
   */
  readonly extraArgs?: readonly string[];
}

/** Whether the peers form a mesh: a single peer runs without clustering. */
const meshed = (input: AlertmanagerArgsInput) => input.peerHosts.length > 1;
/** Brackets make "<ip>:<port>" unambiguous for IPv6 pod IPs; Go accepts them around IPv4 too. */
const podAddress = (input: AlertmanagerArgsInput) => `[$(${input.podIpEnv})]:${input.meshPort}`;
const whenMeshed = (input: AlertmanagerArgsInput, values: readonly string[]) => (meshed(input) ? values : []);

/**
 * The flags the construct writes, in order, with the AlertmanagerCluster prop that sets each: the one source of
 * {@link alertmanagerArgs} and of {@link ALERTMANAGER_MANAGED_FLAGS}.
 */
const ALERTMANAGER_FLAG_TABLE: readonly TableFlag<AlertmanagerArgsInput>[] = [
  { name: 'config.file', prop: 'config', values: i => [i.configFile] },
  { name: 'storage.path', prop: 'storage', values: i => [i.storagePath] },
  { name: 'data.retention', prop: 'retention', values: i => [i.retention] },
  { name: 'web.listen-address', prop: '(fixed port 9093)', values: i => [`:${i.webPort}`] },
  { name: 'web.config.file', prop: 'web', values: i => ifSet(i.webConfigFile) },
  { name: 'web.external-url', prop: 'externalUrl', values: i => ifSet(i.externalUrl) },
  // Always explicit, so the probes and the notifier URLs are built from the same prefix Alertmanager serves under.
  { name: 'web.route-prefix', prop: 'routePrefix', values: i => [i.routePrefix ?? '/'] },
  // An empty listen address disables the mesh: a lone peer would otherwise wait for gossip that never comes.
  { name: 'cluster.listen-address', prop: 'replicas', values: i => [meshed(i) ? podAddress(i) : ''] },
  { name: 'cluster.advertise-address', prop: '(the pod IP)', values: i => whenMeshed(i, [podAddress(i)]) },
  { name: 'cluster.peer', prop: 'replicas', values: i => whenMeshed(i, i.peerHosts.map(host => `${host}:${i.meshPort}`)) },
  { name: 'cluster.reconnect-timeout', prop: 'reconnectTimeout', values: i => whenMeshed(i, [i.reconnectTimeout]) },
  { name: 'cluster.peer-timeout', prop: 'peerTimeout', values: i => whenMeshed(i, ifSet(i.peerTimeout)) },
  { name: 'cluster.settle-timeout', prop: 'settleTimeout', values: i => whenMeshed(i, ifSet(i.settleTimeout)) },
  { name: 'cluster.label', prop: 'clusterLabel', values: i => whenMeshed(i, ifSet(i.clusterLabel)) },
  { name: 'cluster.tls-config', prop: 'meshTls', values: i => whenMeshed(i, ifSet(i.meshTlsConfigFile)) },
];

/** Flags {@link alertmanagerArgs} writes, with the AlertmanagerCluster prop that sets each. */
export const ALERTMANAGER_MANAGED_FLAGS: Readonly<Record<string, string>> = tableProps(ALERTMANAGER_FLAG_TABLE);

/** The pinned Alertmanager's default of a flag, from the generated catalogue. */
export function alertmanagerFlagDefault(name: string): string {
  const value = ALERTMANAGER_FLAGS[name]?.default;
  if (value === undefined) throw new Error(`alertmanager --help shows no default for --${name}`);
  return value;
}

/** Alertmanager's arguments, in a stable order: the construct's flags, then `extraArgs`. */
export function alertmanagerArgs(input: AlertmanagerArgsInput): string[] {
  return [...tableArgs(ALERTMANAGER_FLAG_TABLE, input, '--'), ...(input.extraArgs ?? [])];
}

/**
 * The path Alertmanager serves every endpoint under: `explicit` when given, else the path of `externalUrl`
 * (what Alertmanager itself does), else "/". Without a trailing slash, except "/" itself.
 */
export function alertmanagerRoutePrefix(owner: string, externalUrl?: string, explicit?: string): string {
  let prefix = '/';
  if (explicit !== undefined) {
    if (!/^\/[A-Za-z0-9._~\-/]*$/.test(explicit) || explicit.includes('//')) {
      throw new ConfigError(`${owner}: routePrefix ${JSON.stringify(explicit)} must be a URL path starting with "/", e.g. "/alertmanager"`);
    }
    prefix = explicit;
  } else if (externalUrl !== undefined) {
    prefix = new URL(externalUrl).pathname;
  }
  return prefix.length > 1 ? prefix.replace(/\/+$/, '') : '/';
}

/** `path` ("/-/ready") under a route prefix ("/alertmanager" gives "/alertmanager/-/ready"). */
export function prefixedPath(routePrefix: string, path: string): string {
  return routePrefix === '/' ? path : `${routePrefix}${path}`;
}

/** Milliseconds of a duration prop that reaches flag `--<flag>`, or a ConfigError naming the prop and the spelling to use. */
export function alertmanagerFlagDurationMs(owner: string, prop: string, flag: string, value: string): number {
  if (!isFlagDuration(value, 'kingpin')) {
    throw new ConfigError(`${owner}: ${prop} ${JSON.stringify(value)} is not a duration that Alertmanager's --${flag} accepts `
      + `(${flagDurationHint(value, 'kingpin')})`);
  }
  return parseFlagDuration(value, 'kingpin');
}

/**
 * Problems with user-supplied Alertmanager arguments: not `--name[=value]`, not a flag of the pinned Alertmanager
 * (it would exit with "unknown long flag"), a value-taking flag without its value, or a flag the construct sets.
 */
export function alertmanagerExtraArgsProblems(extraArgs: readonly string[], managed = ALERTMANAGER_MANAGED_FLAGS): string[] {
  const problems: string[] = [];
  for (const arg of extraArgs) {
    const match = /^(--?)([^=\s]+)(=.*)?$/s.exec(arg);
    if (!match) {
      problems.push(`${JSON.stringify(arg)} is not a flag: write each flag with its value as one argument, e.g. "--web.timeout=30s"`);
      continue;
    }
    const [, dashes, written, value] = match;
    const negated = written.startsWith('no-') && ALERTMANAGER_FLAGS[written.slice(3)]?.boolean ? written.slice(3) : undefined;
    const name = negated ?? written;
    const flag = ALERTMANAGER_FLAGS[name];
    if (!flag) {
      problems.push(`--${written} is not a flag of Alertmanager ${VERSIONS.alertmanager} (it would exit with "unknown long flag"): `
        + 'check the spelling against `alertmanager --help`');
    } else if (dashes === '-') {
      problems.push(`-${written}: Alertmanager's long flags take two dashes: write --${written}${value ?? ''}`);
    } else if (managed[name]) {
      problems.push(managed[name].startsWith('(')
        ? `--${name} is set by the construct ${managed[name]}: remove it from extraArgs`
        : `--${name} is set by the construct: use the "${managed[name]}" prop instead of extraArgs`);
    } else if (!flag.boolean && value === undefined) {
      problems.push(`--${name} takes a value: write it in the same argument, e.g. --${name}=${flag.default || '<value>'}`);
    } else if (negated && value !== undefined) {
      problems.push(`--${written} takes no value: write --${written} or --${name}=${value.slice(1)}`);
    }
  }
  return problems;
}
