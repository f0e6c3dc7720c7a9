/**
 * AlertmanagerCluster's plan: every prop resolved and checked once, in the order the checks have always run, and
 * alertmanager.yml rendered, before any Kubernetes object exists. The construct builds its objects from the plan.
 * No cdk8s here.
 */
import { ALERTMANAGER_TEMPLATES_DIR } from '../core/constants';
import { DURATION_HINT, formatDuration, isDuration, parseDuration } from '../core/duration';
import { ConfigError } from '../core/errors';
import { urlProblem } from '../core/url';
import { checkReplicas } from '../k8s/replicas';
import type { SecretKeyRef } from '../k8s/secret-refs';
import {
  alertmanagerExtraArgsProblems, alertmanagerFlagDefault, alertmanagerFlagDurationMs, alertmanagerRoutePrefix,
} from './args';
import { alertmanagerDocumentProblems, effectiveRoutes, retentionProblem } from './checks';
import {
  AlertmanagerConfigFile, alertmanagerConfigDocument, dumpAlertmanagerConfig, typedConfigPath,
} from './config/alertmanager-config';
import { secretFileRefs } from './config/secrets';
import { resolveAlertmanagerMounts, strayTemplateGlobs, templateFiles, withTemplates } from './config/templates';
import { teamRouteDocument, TeamRouteDocument, TeamRouteProps, withTeamRoutes } from './config/team-routes';
import type { ResolvedMount } from '../k8s/mounts';
import type { AlertmanagerClusterProps } from './props';
import { checkMeshTlsSettings, checkWebSettings, renderWebConfig, webAndMeshSecretRefs } from './web-config';

const DEFAULT_EMPTYDIR_MIB = 256;

/** Everything AlertmanagerCluster builds from, resolved from its props. */
export interface AlertmanagerPlan {
  readonly owner: string;
  readonly replicas: number;
  readonly retention: string;
  readonly reconnectTimeout: string;
  readonly peerTimeout: string;
  readonly settleTimeout: string;
  /** Size of the emptyDir that holds silences and the notification log without `storage`. */
  readonly emptyDirMiB: number;
  readonly routePrefix: string;
  readonly extraArgs: string[];
  /** Template file name -> content, for the templates ConfigMap. */
  readonly templates: Record<string, string>;
  readonly extraMounts: ResolvedMount[];
  /** alertmanager.yml as written to the config Secret. */
  readonly configText: string;
  /** The Secret keys alertmanager.yml and the web and mesh TLS files read: each Secret is mounted under the secrets directory. */
  readonly secretRefs: SecretKeyRef[];
  /** The `--web.config.file` content, when `web` is set. */
  readonly webConfigText?: string;
  /** Whether the web port serves HTTPS. */
  readonly webTls: boolean;
  /**
   * Whether every request to the web port needs credentials the kubelet cannot present without writing them into
   * the manifest (basic auth, or a client certificate): the probes then check the TCP port.
   */
  readonly webNeedsCredentials: boolean;
}

/**
 * The plan for `props` and the team routes added so far; throws a ConfigError naming the prop (or the team, its
 * route and prop) and the fix for anything Alertmanager would refuse.
 */
export function planAlertmanager(id: string, props: AlertmanagerClusterProps, teamRoutes: readonly TeamRouteProps[] = []): AlertmanagerPlan {
  const owner = `AlertmanagerCluster "${id}"`;
  const replicas = props.replicas ?? 3;
  checkReplicas(owner, replicas);
  const retention = props.retention ?? '120h';
  const reconnectTimeout = props.reconnectTimeout ?? '5m';
  const peerTimeout = props.peerTimeout ?? alertmanagerFlagDefault('cluster.peer-timeout');
  const settleTimeout = props.settleTimeout ?? alertmanagerFlagDefault('cluster.settle-timeout');
  for (const [name, flag, value] of [
    ['retention', 'data.retention', retention], ['reconnectTimeout', 'cluster.reconnect-timeout', reconnectTimeout],
    ['settleTimeout', 'cluster.settle-timeout', settleTimeout],
  ]) {
    alertmanagerFlagDurationMs(owner, name, flag, value);
  }
  const peerTimeoutMs = alertmanagerFlagDurationMs(owner, 'peerTimeout', 'cluster.peer-timeout', peerTimeout);
  if (peerTimeoutMs === 0) throw new ConfigError(`${owner}: peerTimeout must be above 0s: peers would all notify at once`);
  if (props.storage && (!Number.isInteger(props.storage.sizeGiB) || props.storage.sizeGiB < 1)) {
    throw new ConfigError(`${owner}: storage.sizeGiB must be a whole number >= 1, got ${props.storage.sizeGiB}`);
  }
  const emptyDirMiB = props.emptyDirSizeLimitMiB ?? DEFAULT_EMPTYDIR_MIB;
  if (!Number.isInteger(emptyDirMiB) || emptyDirMiB < 1) {
    throw new ConfigError(`${owner}: emptyDirSizeLimitMiB must be a whole number >= 1, got ${emptyDirMiB}`);
  }
  if (props.storage && props.emptyDirSizeLimitMiB !== undefined) {
    throw new ConfigError(`${owner}: emptyDirSizeLimitMiB applies to the emptyDir, which storage replaces: set one of them`);
  }
  const externalUrlProblem = props.externalUrl === undefined ? undefined : urlProblem(props.externalUrl);
  if (externalUrlProblem) {
    throw new ConfigError(`${owner}: externalUrl ${JSON.stringify(props.externalUrl)} ${externalUrlProblem} `
      + '(Alertmanager refuses to start; e.g. https://alerts.example.com/alertmanager)');
  }
  const routePrefix = alertmanagerRoutePrefix(owner, props.externalUrl, props.routePrefix);
  const extraArgs = props.extraArgs ?? [];
  const argProblems = alertmanagerExtraArgsProblems(extraArgs);
  if (argProblems.length > 0) throw new ConfigError(argProblems.map(p => `${owner}: extraArgs: ${p}`).join('\n'));
  if (props.web) checkWebSettings(owner, props.web);
  if (props.meshTls) checkMeshTlsSettings(owner, props.meshTls, replicas);
  const templates = templateFiles(owner, props.templates ?? []);
  const extraMounts = resolveAlertmanagerMounts(owner, props.extraMounts ?? []);

  // Secret files may also live in Secrets mounted by extraMounts (never in a ConfigMap one).
  const secretMountDirs = extraMounts.filter(m => m.kind === 'secret').map(m => m.mountPath);
  const ownDocument = alertmanagerConfigDocument(props.config, owner, secretMountDirs);
  const templateDirs = [...extraMounts.map(m => m.mountPath), ...(Object.keys(templates).length > 0 ? [ALERTMANAGER_TEMPLATES_DIR] : [])];
  const strayGlobs = strayTemplateGlobs(ownDocument, templateDirs);
  if (strayGlobs.length > 0) {
    const source = props.config instanceof AlertmanagerConfigFile ? props.config.source : `${owner}: config`;
    throw new ConfigError(`${source}: template globs point where nothing is mounted: ${strayGlobs.join(', ')}; Alertmanager would find no `
      + 'template there and every notification using one fails: pass the files as templates (NotificationTemplates.fromFile), mounted at '
      + `${ALERTMANAGER_TEMPLATES_DIR} and listed for you, or mount a ConfigMap with extraMounts: { configMapName } and point into it`);
  }
  // A typed config's problems name the props the user wrote; a file's, the keys in the file.
  const typed = !(props.config instanceof AlertmanagerConfigFile);
  const where = props.config instanceof AlertmanagerConfigFile ? `${props.config.source} ` : `${owner}: config.`;
  const configProblems = alertmanagerDocumentProblems(ownDocument);
  if (configProblems.length > 0) throw new ConfigError(configProblems.map(p => `${where}${typed ? typedProblem(p) : p}`).join('\n'));
  const teams = teamRoutes.map(team => teamRouteDocument(owner, team, ownDocument.global));
  const merged = withTeamRoutes(ownDocument, teams);
  const document = Object.keys(templates).length > 0 ? withTemplates(merged) : merged;
  checkGroupIntervals(document, replicas, peerTimeout, peerTimeoutMs, typed, at => routeSettingName(owner, at, typed, teams));
  const shortRetention = retentionProblem(retention, document);
  if (shortRetention) throw new ConfigError(`${owner}: ${shortRetention}`);
  return {
    owner,
    replicas,
    retention,
    reconnectTimeout,
    peerTimeout,
    settleTimeout,
    emptyDirMiB,
    routePrefix,
    extraArgs,
    templates,
    extraMounts,
    configText: dumpAlertmanagerConfig(document),
    // Derived from the rendered file paths: what is mounted is exactly what the config reads.
    secretRefs: [...secretFileRefs(merged, secretMountDirs).refs, ...webAndMeshSecretRefs(props.web, props.meshTls)],
    webConfigText: props.web ? renderWebConfig(props.web) : undefined,
    webTls: props.web?.tls !== undefined,
    webNeedsCredentials: (props.web?.basicAuthUsers ?? []).length > 0 || props.web?.tls?.clientCa !== undefined,
  };
}

/** A problem `<document path>: <what>` with its path named as the typed props. */
function typedProblem(problem: string): string {
  const colon = problem.indexOf(':');
  return colon < 0 ? problem : `${typedConfigPath(problem.slice(0, colon))}${problem.slice(colon)}`;
}

/**
 * A group_interval at or below the longest peer wait lets a peer that is still waiting its turn send a stale
 * [FIRING] after another peer already sent [RESOLVED].
 */
function checkGroupIntervals(document: Record<string, unknown>, replicas: number, peerTimeout: string, peerTimeoutMs: number,
  typed: boolean, name: (at: string) => string): void {
  const longestWait = (replicas - 1) * peerTimeoutMs;
  for (const { at, groupInterval: value, groupIntervalSet } of effectiveRoutes(document)) {
    const field = name(`${at}.group_interval`);
    if (!isDuration(value)) throw new ConfigError(`${field} ${JSON.stringify(value)} is not a duration (${DURATION_HINT})`);
    if (replicas > 1 && parseDuration(value) <= longestWait) {
      const source = groupIntervalSet ? '' : ` (inherited or Alertmanager's default: set ${typed ? 'groupInterval' : 'group_interval'} explicitly)`;
      throw new ConfigError(`${field} ${value}${source} must be above ${formatDuration(longestWait)} `
        + `(${replicas - 1} peers x the ${peerTimeout} peer timeout): a peer still waiting its turn could send a stale [FIRING] `
        + 'after another sent [RESOLVED]; raise it (or lower peerTimeout)');
    }
  }
}

/**
 * A route setting's path (`route.routes[2].group_interval`) as the user wrote it: a team's route (team routes come
 * first) by its team, the cluster's own routes by the typed prop or the file's key, counted without the team routes.
 */
function routeSettingName(owner: string, path: string, typed: boolean, teams: readonly TeamRouteDocument[]): string {
  const child = /^route\.routes\[(\d+)\](.*)$/.exec(path);
  const index = child ? Number(child[1]) : -1;
  if (child && index < teams.length) return `${teams[index].where}: ${typedConfigPath(`route${child[2]}`)}`;
  const own = child ? `route.routes[${index - teams.length}]${child[2]}` : path;
  return typed ? `${owner}: config.${typedConfigPath(own)}` : `${owner}: config ${own}`;
}
