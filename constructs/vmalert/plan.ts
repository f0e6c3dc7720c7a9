/**
 * VmalertHa's plan: every prop resolved and checked once, in the order the checks have always run, before any
 * Kubernetes object exists. The construct builds its objects from the plan and decides nothing itself. No cdk8s here.
 */
import {
  VMALERT_CONFIGMAPS_DIR, VMALERT_EXTRA_DIR, VMALERT_NOTIFIER_DIR, VMALERT_NOTIFIER_FILE, VMALERT_RULES_DIR, VMALERT_SECRETS_DIR,
  VMALERT_TEMPLATES_DIR,
} from '../core/constants';
import {
  flagDurationHint, formatDuration, formatGoDuration, isFlagDuration, parseFlagDuration, recommendedDedupInterval,
} from '../core/duration';
import { ConfigError } from '../core/errors';
import { isPrometheusLabelName } from '../core/prometheus-labels';
import { urlProblem } from '../core/url';
import { ResolvedMount, resolveMounts } from '../k8s/mounts';
import { checkReplicas } from '../k8s/replicas';
import type { RulesConfigMap } from '../rules/configmap';
import { isAlertingRule, RuleGroup } from '../rules/rules';
import { ruleDurationMs, templateProblem } from '../rules/syntax';
import { externalLabelProblems, extraArgsProblems, renderNotifierConfig } from './args';
import {
  AuthVolume, checkEndpointAuth, checkUrlCredentials, credentialArgProblems, EndpointAuth, endpointAuthFlags, httpAuthFlags,
  notifierConfigAuth,
} from './endpoint-auth';
import { extraArgFormProblems, vmalertPathPrefix } from './flag-values';
import type { VmalertHaProps } from './props';
import { vmalertWebTlsFiles, VmalertWebTlsFiles } from './tls';
import { ruleTemplateFiles } from './rule-templates';

/** Variables of the vmalert container's environment (Downward API): what `$(...)` in its arguments can refer to. */
export const VMALERT_CONTAINER_ENV = ['POD_NAME', 'POD_NAMESPACE'] as const;

const DEFAULT_LOOKBACK_MS = 3600_000;
/** Time for the second evaluation's query and remote write, on top of two intervals. */
const RESTORE_SETTLE_MARGIN_SECONDS = 10;
/** vmselect's default -search.latencyOffset: queries see nothing younger, so evaluating later than this gains nothing. */
export const DEFAULT_EVAL_DELAY = '30s';
/** vmalert's evaluation interval unless the props set one. */
export const DEFAULT_EVALUATION_INTERVAL = '1m';

/** How vmalert reaches the Alertmanagers: one `-notifier.url` per pod, or a notifier config file. */
export interface NotifierPlan {
  /** Every Alertmanager URL, checked. */
  readonly urls: string[];
  /**
   * The `-notifier.config` file, when `replicaLabel` is set: it drops that label before notifying and holds the
   * notifier auth; undefined for `-notifier.url` flags.
   */
  readonly configFile?: { readonly path: string; readonly content: string };
}

/** Everything VmalertHa builds from, resolved from its props. */
export interface VmalertPlan {
  readonly owner: string;
  readonly replicas: number;
  readonly rules: RulesConfigMap[];
  readonly groups: RuleGroup[];
  readonly evaluationInterval: string;
  readonly evalDelay: string;
  readonly recommendedDedupInterval: string;
  /** The rollout's minReadySeconds: two evaluations of the slowest group and a margin (see restoreSettleSeconds). */
  readonly minReadySeconds: number;
  readonly remoteReadLookback?: string;
  readonly notifier: NotifierPlan;
  /** External labels as written, the replica label (`$(POD_NAME)`) included. */
  readonly externalLabels: Readonly<Record<string, string>>;
  /** `-http.pathPrefix` of `extraArgs`, normalized; "" when there is none. Probes and links follow it. */
  readonly pathPrefix: string;
  readonly extraArgs: string[];
  /** Auth flags of every endpoint and of vmalert's own API; secrets only as file paths. */
  readonly authArgs: string[];
  /** The Secrets and ConfigMaps those files are in (the web TLS Secrets included). */
  readonly authVolumes: AuthVolume[];
  /** HTTPS on vmalert's own port, when `webTls` is set. */
  readonly webTls?: VmalertWebTlsFiles;
  /** Template file name -> text, for the `-rule.templates` ConfigMap; empty without templates. */
  readonly ruleTemplates: Record<string, string>;
  readonly externalAlertSource?: string;
  readonly notifierBlackhole: boolean;
  readonly extraMounts: ResolvedMount[];
  /** Plain variables of the container beyond the Downward API's. */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * The plan for `props`. `clusterUrls` are the notifier URLs of an AlertmanagerCluster given as `notifiers`
 * (undefined for a list of URLs): the construct tells the two apart, the plan never sees the cluster.
 */
export function planVmalert(id: string, props: VmalertHaProps, clusterUrls: readonly string[] | undefined): VmalertPlan {
  const owner = `VmalertHa "${id}"`;
  const replicas = props.replicas ?? 2;
  checkReplicas(owner, replicas);
  const evaluationInterval = props.evaluationInterval ?? DEFAULT_EVALUATION_INTERVAL;
  const evaluationIntervalMs = isFlagDuration(evaluationInterval) ? parseFlagDuration(evaluationInterval) : NaN;
  if (!Number.isInteger(evaluationIntervalMs) || evaluationIntervalMs <= 0) {
    throw new ConfigError(`${owner}: evaluationInterval ${JSON.stringify(evaluationInterval)} is not a positive whole number of `
      + `milliseconds as vmalert's -evaluationInterval reads it (${flagDurationHint(evaluationInterval)})`);
  }
  const evalDelay = props.evalDelay ?? DEFAULT_EVAL_DELAY;
  if (!isFlagDuration(evalDelay)) {
    throw new ConfigError(`${owner}: evalDelay ${JSON.stringify(evalDelay)} is not a duration that -rule.evalDelay accepts (${flagDurationHint(evalDelay)})`);
  }
  checkUrl(owner, 'datasourceUrl', props.datasourceUrl);
  if (props.remoteWriteUrl !== undefined) checkUrl(owner, 'remoteWriteUrl', props.remoteWriteUrl);
  if (props.remoteReadUrl !== undefined) checkUrl(owner, 'remoteReadUrl', props.remoteReadUrl);
  if (props.externalUrl !== undefined) checkUrl(owner, 'externalUrl', props.externalUrl);
  for (const [prop, authProp] of [['datasourceUrl', 'datasourceAuth'], ['remoteWriteUrl', 'remoteWriteAuth'], ['remoteReadUrl', 'remoteReadAuth']] as const) {
    const url = props[prop];
    if (url !== undefined) checkUrlCredentials(owner, prop, url, authProp);
    const auth = props[authProp];
    if (auth !== undefined) {
      if (url === undefined) throw new ConfigError(`${owner}: ${authProp} is set but ${prop} is not: set ${prop} or drop ${authProp}`);
      checkEndpointAuth(auth, `${owner}: ${authProp}`, [url]);
    }
  }
  if (props.remoteReadUrl && !props.remoteWriteUrl) {
    throw new ConfigError(`${owner}: remoteReadUrl restores the alert state that vmalert writes through remoteWriteUrl: set remoteWriteUrl too`);
  }

  const rules = Array.isArray(props.rules) ? props.rules : [props.rules];
  if (rules.length === 0) throw new ConfigError(`${owner}: rules is empty: give at least one RulesConfigMap`);
  const groups = rules.flatMap(r => r.groups);
  const duplicate = groups.map(g => g.name).find((name, i, names) => names.indexOf(name) !== i);
  if (duplicate) throw new ConfigError(`${owner}: group "${duplicate}" is defined in more than one rules ConfigMap: rename one`);
  const recording = groups.flatMap(g => g.rules.filter(r => !isAlertingRule(r)).map(r => `${g.name}/${(r as { record: string }).record}`));
  if (recording.length > 0 && !props.remoteWriteUrl) {
    throw new ConfigError(`${owner}: recording rules (${recording.slice(0, 3).join(', ')}) need remoteWriteUrl to store their results: set it`);
  }

  const notifierUrls = clusterUrls ? [...clusterUrls] : [...(props.notifiers as string[])];
  const notifierBlackhole = props.notifierBlackhole ?? false;
  if (notifierBlackhole) checkBlackhole(owner, props, notifierUrls);
  else if (notifierUrls.length === 0) {
    throw new ConfigError(`${owner}: notifiers is empty: give the AlertmanagerCluster or one URL per Alertmanager pod (or set notifierBlackhole to notify nobody)`);
  }
  notifierUrls.forEach((url, i) => checkUrl(owner, `notifiers[${i}]`, url));
  notifierUrls.forEach((url, i) => checkUrlCredentials(owner, `notifiers[${i}]`, url, 'notifierAuth'));
  if (props.notifierAuth) checkEndpointAuth(props.notifierAuth, `${owner}: notifierAuth`, notifierUrls);

  const env = checkEnv(owner, props.env ?? {});
  const externalLabels = props.externalLabels ?? {};
  for (const name of Object.keys(externalLabels)) checkLabelName(owner, name);
  // The one place replicaLabel is read: it decides the notifier mode, the notifier auth and the replica's label.
  const replica = props.replicaLabel ? planReplicaLabel(owner, props.replicaLabel, externalLabels, notifierUrls, props.notifierAuth) : undefined;
  const labelProblems = externalLabelProblems(externalLabels, [...VMALERT_CONTAINER_ENV, ...Object.keys(env)]);
  if (labelProblems.length > 0) throw new ConfigError(labelProblems.map(p => `${owner}: ${p}`).join('\n'));
  if (replica) checkReplicaLabelConflict(owner, replica.label, externalLabels);

  const groupIntervalsMs = groups.map(g => (g.interval === undefined ? 0 : ruleDurationMs(g.interval) ?? 0));
  const dedupInterval = recommendedDedupInterval([
    formatDuration(evaluationIntervalMs),
    ...groupIntervalsMs.filter(ms => ms > 0).map(formatDuration),
  ]);
  const extraArgs = props.extraArgs ?? [];
  const argProblems = vmalertExtraArgsProblems(extraArgs, dedupInterval, props.newerFlags);
  if (argProblems.length > 0) throw new ConfigError(argProblems.map(p => `${owner}: extraArgs: ${p}`).join('\n'));

  const notifierAuth = replica ? { args: [], volumes: replica.authVolumes } : endpointAuthFlags('notifier', props.notifierAuth);
  const auth = [
    endpointAuthFlags('datasource', props.datasourceAuth),
    endpointAuthFlags('remoteWrite', props.remoteWriteAuth),
    endpointAuthFlags('remoteRead', props.remoteReadAuth),
    notifierAuth,
    httpAuthFlags(props.httpAuth, `${owner}: httpAuth`),
  ];
  const webTls = vmalertWebTlsFiles(owner, props.webTls);
  return {
    owner,
    replicas,
    rules,
    groups,
    evaluationInterval,
    evalDelay,
    recommendedDedupInterval: dedupInterval,
    minReadySeconds: restoreSettleSeconds(Math.max(evaluationIntervalMs, ...groupIntervalsMs)),
    remoteReadLookback: props.remoteReadUrl ? lookbackFor(owner, groups, props.remoteReadLookback) : undefined,
    notifier: { urls: notifierUrls, configFile: replica?.configFile },
    externalLabels: replica?.externalLabels ?? externalLabels,
    // Probes and links follow -http.pathPrefix: without it in their paths vmalert answers 400 and liveness kills the pods.
    pathPrefix: vmalertPathPrefix(extraArgs),
    extraArgs,
    authArgs: auth.flatMap(a => a.args),
    authVolumes: [...auth.flatMap(a => a.volumes), ...(webTls?.volumes ?? [])],
    webTls,
    ruleTemplates: ruleTemplateFiles(owner, props.ruleTemplates ?? []),
    externalAlertSource: checkAlertSource(owner, props.externalAlertSource),
    notifierBlackhole,
    extraMounts: resolveMounts(owner, props.extraMounts ?? [], VMALERT_EXTRA_DIR,
      [VMALERT_RULES_DIR, VMALERT_SECRETS_DIR, VMALERT_CONFIGMAPS_DIR, VMALERT_NOTIFIER_DIR, VMALERT_TEMPLATES_DIR]),
    env,
  };
}

/** With `notifierBlackhole` vmalert refuses any notifier (`only one of -notifier.blackhole, -notifier.url and -notifier.config`). */
function checkBlackhole(owner: string, props: VmalertHaProps, notifierUrls: readonly string[]): void {
  const conflicts = [
    notifierUrls.length > 0 && `notifiers (${notifierUrls.length} URL${notifierUrls.length > 1 ? 's' : ''}): give notifiers: []`,
    props.replicaLabel !== undefined && 'replicaLabel (it only shapes notifications): drop it',
    props.notifierAuth !== undefined && 'notifierAuth: drop it',
  ].filter((c): c is string => typeof c === 'string');
  if (conflicts.length > 0) {
    throw new ConfigError(`${owner}: notifierBlackhole sends no notification, so it cannot go with ${conflicts.join('; ')} `
      + '(vmalert exits: only one of -notifier.blackhole, -notifier.url and -notifier.config)');
  }
}

/** Names of variables that hold secrets, which belong in a Secret mounted as a file. */
const SECRET_LIKE = /PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|CREDENTIAL|PRIVATE_?KEY/i;

function checkEnv(owner: string, env: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  for (const [name, value] of Object.entries(env)) {
    const at = `${owner}: env.${name}`;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new ConfigError(`${at}: not a variable name (letters, digits and "_", not starting with a digit)`);
    if ((VMALERT_CONTAINER_ENV as readonly string[]).includes(name)) throw new ConfigError(`${at}: set by the construct (Downward API): choose another name`);
    if (SECRET_LIKE.test(name)) {
      throw new ConfigError(`${at}: looks like a secret, and an environment variable is readable in the manifests and dist/: put it in a `
        + 'Kubernetes Secret, mount it with extraMounts: [{ secretName }] and point a *File flag at it');
    }
    if (typeof value !== 'string') throw new ConfigError(`${at}: must be text, got ${JSON.stringify(value)}`);
  }
  return env;
}

/** `-external.alert.source`, checked: one line, and a Go template vmalert can execute on every alert. */
function checkAlertSource(owner: string, source: string | undefined): string | undefined {
  if (source === undefined) return undefined;
  const at = `${owner}: externalAlertSource ${JSON.stringify(source)}`;
  if (source.trim() === '' || /[\u0000-\u001f\u007f]/.test(source)) throw new ConfigError(`${at}: must be one line of text (a link relative to externalUrl)`);
  // vmalert parses the whole value as a template (a label value only when it holds both "{{" and "}}").
  const problem = source.includes('{{') && !source.includes('}}') ? 'template: unclosed action: add "}}"' : templateProblem(source);
  if (problem) throw new ConfigError(`${at}: ${problem}: every alert's source link would fail to render`);
  return source;
}

/**
 * Every problem of user-supplied vmalert arguments, in one pass over three rule sets, reporting the first set that
 * finds any: the form of each argument, credentials written inline, then the flag names (unknown, misplaced on
 * vmalert, or set by the construct).
 */
export function vmalertExtraArgsProblems(extraArgs: readonly string[], dedupInterval: string, newerFlags?: readonly string[]): string[] {
  const checks = [
    () => extraArgFormProblems(extraArgs),
    () => credentialArgProblems(extraArgs),
    () => extraArgsProblems(extraArgs, dedupInterval, newerFlags),
  ];
  for (const check of checks) {
    const problems = check();
    if (problems.length > 0) return problems;
  }
  return [];
}

/** What `replicaLabel` changes: the label itself, a notifier file that drops it and carries the notifier auth. */
interface ReplicaLabelPlan {
  readonly label: string;
  readonly configFile: { readonly path: string; readonly content: string };
  readonly authVolumes: AuthVolume[];
  /** The external labels with the replica label set to the pod name. */
  readonly externalLabels: Readonly<Record<string, string>>;
}

/**
 * With `replicaLabel`, `-notifier.config` replaces the `-notifier.*` flags (vmalert refuses both): the file sends to
 * every URL, drops the label from each alert first, and holds the notifier auth.
 */
function planReplicaLabel(owner: string, label: string, externalLabels: Readonly<Record<string, string>>, urls: readonly string[],
  auth: EndpointAuth | undefined): ReplicaLabelPlan {
  checkLabelName(owner, label);
  const fileAuth = notifierConfigAuth(auth);
  return {
    label,
    configFile: { path: `${VMALERT_NOTIFIER_DIR}/${VMALERT_NOTIFIER_FILE}`, content: renderNotifierConfig(urls, [label], fileAuth.config) },
    authVolumes: fileAuth.volumes,
    externalLabels: { ...externalLabels, [label]: '$(POD_NAME)' },
  };
}

function checkReplicaLabelConflict(owner: string, label: string, externalLabels: Readonly<Record<string, string>>): void {
  if (label in externalLabels) throw new ConfigError(`${owner}: replicaLabel "${label}" is also in externalLabels: use one of them`);
}

function checkLabelName(owner: string, name: string): void {
  if (!isPrometheusLabelName(name)) {
    throw new ConfigError(`${owner}: ${JSON.stringify(name)} is not a valid label name (letters, digits and "_", not starting with a digit or "__")`);
  }
}

function checkUrl(owner: string, prop: string, value: string): void {
  const problem = urlProblem(value);
  if (problem) throw new ConfigError(`${owner}: ${prop} ${JSON.stringify(value)} ${problem} (e.g. http://vmselect:8481/select/0/prometheus)`);
}

/**
 * How long a new replica must stay ready before the rollout goes on. vmalert's first evaluation writes
 * ALERTS_FOR_STATE with a fresh activeAt before it restores the old one (restore runs after the first evaluation, so
 * that only active alerts are restored), and a replica restoring right then would read that fresh value: the `for:`
 * timer would restart. By two evaluations after start (the first comes within one interval, at the group's fixed
 * phase) every written activeAt is the restored one; the margin covers the second evaluation's query and write.
 */
function restoreSettleSeconds(longestIntervalMs: number): number {
  return Math.ceil((2 * longestIntervalMs) / 1000) + RESTORE_SETTLE_MARGIN_SECONDS;
}

/** The restore lookback: the prop, checked to cover the longest `for:`, or that longest `for:` and at least 1h. */
function lookbackFor(owner: string, groups: readonly RuleGroup[], explicit?: string): string {
  const longestFor = Math.max(0, ...groups.flatMap(g => g.rules)
    .filter(isAlertingRule)
    .map(r => (r.for ? ruleDurationMs(r.for) ?? 0 : 0)));
  // vmalert's -remoteRead.lookback is a Go duration: 24h, never 1d.
  if (explicit === undefined) return formatGoDuration(Math.max(DEFAULT_LOOKBACK_MS, longestFor));
  if (!isFlagDuration(explicit)) {
    throw new ConfigError(`${owner}: remoteReadLookback ${JSON.stringify(explicit)} is not a duration that -remoteRead.lookback accepts (${flagDurationHint(explicit)})`);
  }
  if (parseFlagDuration(explicit) < longestFor) {
    throw new ConfigError(`${owner}: remoteReadLookback ${explicit} is shorter than the longest for: (${formatDuration(longestFor)}): `
      + 'state of that alert could not be restored after a restart; raise it');
  }
  return explicit;
}
