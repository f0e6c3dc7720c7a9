/** The vmalert command line and notifier config, built from typed settings. No cdk8s here. */
import * as yaml from 'js-yaml';
import { ConfigError } from '../core/errors';
import { escapeRegex } from '../core/regex';
import { ifSet, TableFlag, tableArgs, tableProps } from '../core/flag-table';
import { arrayFlagItem } from './flag-values';
import { VERSIONS } from '../core/versions';
import { MISPLACED_VMALERT_FLAGS, VMALERT_FLAGS } from './flags';

/** Everything the vmalert command line is built from.
 *
 * Internal input of a pure builder; not part of the jsii API.
 * @jsii ignore
 */
export interface VmalertArgsInput {
  readonly datasourceUrl: string;
  /** `-rule` values: files or globs. */
  readonly ruleFiles: readonly string[];
  /** One URL per Alertmanager pod; used as `-notifier.url` unless `notifierConfigFile` is set. */
  readonly notifierUrls: readonly string[];
  /** Path of a notifier config file; replaces the `-notifier.url` flags (vmalert refuses both). */
  readonly notifierConfigFile?: string;
  readonly remoteWriteUrl?: string;
  readonly remoteReadUrl?: string;
  readonly remoteReadLookback?: string;
  readonly evaluationInterval: string;
  /** `-rule.evalDelay`: how far behind now every group evaluates. */
  readonly evalDelay: string;
  readonly externalUrl?: string;
  readonly externalLabels: Readonly<Record<string, string>>;
  readonly httpPort: number;
  /**
   * HTTPS on `httpPort`: the mounted certificate and key files.
   * @default - plain HTTP
   */
  readonly webTls?: { readonly certFile: string; readonly keyFile: string };
  /** Auth flags of the endpoints and of vmalert's own API (endpoint-auth.ts); secrets only as file paths. */
  readonly authArgs?: readonly string[];
  readonly extraArgs: readonly string[];
}

/**
 * The flags the construct writes, in order, with the prop that sets each: the one source of {@link vmalertArgs}
 * and of {@link VMALERT_MANAGED_FLAGS}.
 */
const VMALERT_FLAG_TABLE: readonly TableFlag<VmalertArgsInput>[] = [
  { name: 'datasource.url', prop: 'datasourceUrl', values: i => [i.datasourceUrl] },
  { name: 'rule', prop: 'rules', values: i => i.ruleFiles },
  // vmalert refuses -notifier.url beside -notifier.config: one or the other.
  { name: 'notifier.config', prop: 'notifiers / replicaLabel', values: i => ifSet(i.notifierConfigFile) },
  { name: 'notifier.url', prop: 'notifiers', values: i => (i.notifierConfigFile ? [] : i.notifierUrls.map(arrayFlagItem)) },
  { name: 'remoteWrite.url', prop: 'remoteWriteUrl', values: i => ifSet(i.remoteWriteUrl) },
  { name: 'remoteRead.url', prop: 'remoteReadUrl', values: i => ifSet(i.remoteReadUrl) },
  { name: 'remoteRead.lookback', prop: 'remoteReadLookback', values: i => (i.remoteReadUrl ? ifSet(i.remoteReadLookback) : []) },
  { name: 'evaluationInterval', prop: 'evaluationInterval', values: i => [i.evaluationInterval] },
  { name: 'rule.evalDelay', prop: 'evalDelay', values: i => [i.evalDelay] },
  { name: 'external.url', prop: 'externalUrl', values: i => ifSet(i.externalUrl) },
  {
    name: 'external.label',
    prop: 'externalLabels / replicaLabel',
    values: i => Object.entries(i.externalLabels).map(([name, value]) => arrayFlagItem(`${name}=${value}`)),
  },
  { name: 'httpListenAddr', prop: '(fixed port 8880)', values: i => [`:${i.httpPort}`] },
  { name: 'tls', prop: 'webTls', values: i => (i.webTls ? ['true'] : []) },
  { name: 'tlsCertFile', prop: 'webTls', values: i => ifSet(i.webTls?.certFile) },
  { name: 'tlsKeyFile', prop: 'webTls', values: i => ifSet(i.webTls?.keyFile) },
];

/** Flags the construct sets, with the prop to use instead: `extraArgs` may not repeat them. */
export const VMALERT_MANAGED_FLAGS: Readonly<Record<string, string>> = tableProps(VMALERT_FLAG_TABLE);

/** vmalert's arguments, in a stable order: the construct's flags, then auth flags, then `extraArgs`. */
export function vmalertArgs(input: VmalertArgsInput): string[] {
  return [...tableArgs(VMALERT_FLAG_TABLE, input, '-'), ...(input.authArgs ?? []), ...input.extraArgs];
}

/** Variables whose value differs from pod to pod: the Downward API's pod name, IP and node, and the hostname. */
const PER_POD_VARIABLES = ['POD_NAME', 'POD_IP', 'HOSTNAME', 'NODE_NAME'];

/**
 * Problems with external label values: a value that differs per pod (`$(POD_NAME)`, vmalert's `%{HOSTNAME}`)
 * makes every replica send its own alert, and a `$(VAR)` the container does not define reaches vmalert
 * literally (the kubelet leaves unknown references as they are).
 */
export function externalLabelProblems(labels: Readonly<Record<string, string>>, containerEnv: readonly string[]): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(labels)) {
    const references = [...value.matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)|%\{([A-Za-z_][A-Za-z0-9_]*)\}/g)]
      .map(m => ({ text: m[0], variable: m[1] ?? m[2] }));
    const perPod = references.find(r => PER_POD_VARIABLES.includes(r.variable));
    if (perPod) {
      problems.push(`externalLabels.${name} = ${JSON.stringify(value)} differs per pod (${perPod.text}): every replica would send its own `
        + 'alert (one incident mailed as [FIRING:2]) and lose its for: state on each rollout. For a per-pod label set '
        + `replicaLabel: ${JSON.stringify(name)}, which drops it before notifying`);
      continue;
    }
    const undefinedRef = references.find(r => r.text.startsWith('$(') && !containerEnv.includes(r.variable));
    if (undefinedRef) {
      problems.push(`externalLabels.${name} = ${JSON.stringify(value)} refers to ${undefinedRef.text}, which the vmalert container does not `
        + `define (it has ${containerEnv.join(', ')}): the kubelet would pass it literally`);
    }
  }
  return problems;
}

/** The flag name of a command-line argument: "-a.b=c" and "--a.b" both give "a.b"; undefined for a bare value. */
export function flagName(arg: string): string | undefined {
  const match = /^--?([^=\s]+)/.exec(arg);
  return match ? match[1] : undefined;
}

/**
 * Problems with user-supplied vmalert arguments: flags vmalert does not have (with the component they belong on,
 * where known) and flags the construct already sets from typed props.
 */
export function extraArgsProblems(extraArgs: readonly string[], dedupInterval: string, newerFlags: readonly string[] = [],
  managedFlags: Readonly<Record<string, string>> = VMALERT_MANAGED_FLAGS): string[] {
  const problems: string[] = [];
  for (const arg of extraArgs) {
    // A bare value has no name to look up; extraArgFormProblems (flag-values.ts) refuses it first.
    const name = flagName(arg);
    if (name === undefined) continue;
    if (MISPLACED_VMALERT_FLAGS[name]) {
      const value = name === 'dedup.minScrapeInterval' ? `=${dedupInterval} (the recommendedDedupInterval of these rules)` : '';
      problems.push(`-${name} is not a vmalert flag: vmalert would exit with "flag provided but not defined". `
        + `It belongs on ${MISPLACED_VMALERT_FLAGS[name]}: set -${name}${value} there and remove it from extraArgs`);
    } else if (!VMALERT_FLAGS.has(name) && !newerFlags.includes(name)) {
      problems.push(`-${name} is not a vmalert flag (vmalert would exit with "flag provided but not defined"): `
        + `check the spelling against \`vmalert -help\`; a flag of a vmalert newer than the pinned ${VERSIONS.victoriaMetrics} goes in newerFlags`);
    } else if (managedFlags[name]) {
      problems.push(`-${name} is set by the construct: use the "${managedFlags[name]}" prop instead of extraArgs`);
    }
  }
  return problems;
}

/**
 * A vmalert `-notifier.config` file that sends to every URL and drops `dropLabels` from each alert first, so that
 * replicas that differ only in those labels still send identical alerts.
 */
export function renderNotifierConfig(notifierUrls: readonly string[], dropLabels: readonly string[],
  httpClientConfig: Readonly<Record<string, unknown>> = {}): string {
  // The URLs were checked with the other props (plan.ts); here they are only taken apart.
  const parsed = notifierUrls.map(raw => new URL(raw));
  const scheme = parsed[0]?.protocol.replace(/:$/, '') ?? 'http';
  const pathPrefix = parsed[0]?.pathname.replace(/\/$/, '') ?? '';
  // One notifier config has one scheme and one path prefix for all its targets.
  const odd = parsed.find(url => url.protocol.replace(/:$/, '') !== scheme || url.pathname.replace(/\/$/, '') !== pathPrefix);
  if (odd) {
    throw new ConfigError(`notifier URLs must share one scheme and path when a replica label is dropped: ${odd.href} differs from ${parsed[0].href}`);
  }
  const config = {
    scheme,
    ...(pathPrefix ? { path_prefix: pathPrefix } : {}),
    ...httpClientConfig,
    static_configs: [{ targets: parsed.map(url => url.host) }],
    ...(dropLabels.length > 0
      ? { alert_relabel_configs: dropLabels.map(label => ({ action: 'labeldrop', regex: escapeRegex(label) })) }
      : {}),
  };
  return yaml.dump(config, { lineWidth: -1 });
}
