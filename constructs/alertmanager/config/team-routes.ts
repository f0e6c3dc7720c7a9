/**
 * Team routes: receivers and a sub-route that another construct (another team's chart) adds to an
 * AlertmanagerCluster's alertmanager.yml, confined to the alerts that carry the team's label. The cluster adds
 * the enforced matcher the way the operators confine AlertmanagerConfig objects to their namespace; anything
 * that would route alerts outside it, or reach another team's receivers, is refused. No cdk8s here.
 */
import { renderReceiver, renderRoute } from './alertmanager-config';
import type { AlertmanagerReceiver, AlertmanagerRoute } from './types';
import { ConfigError } from '../../core/errors';
import { alertmanagerDocumentProblems, matcherLabelNames } from '../checks';

/** Options for {@link AlertmanagerCluster.addTeamRoute}. */
export interface TeamRouteProps {
  /** The team: names its route in errors, and is the enforced label's value unless `matchValue` is set. */
  readonly team: string;
  /**
   * The label that confines the team's route: the cluster adds `<matchLabel>="<matchValue>"` to it, so only
   * alerts carrying that label reach it. Use "namespace" to confine by the namespace the alert comes from.
   * @default "team"
   */
  readonly matchLabel?: string;
  /**
   * The value of `matchLabel` the team's alerts carry.
   * @default - the team name
   */
  readonly matchValue?: string;
  /** The team's receivers. Their names must be unused by the cluster's config and by other teams. */
  readonly receivers: AlertmanagerReceiver[];
  /**
   * The team's route. Its `receiver` (required) and every receiver below it must be one of the team's
   * `receivers`; no matcher may test `matchLabel` (the cluster sets it), and `continue` must stay false on it
   * (the team's alerts end here; its child routes may continue among themselves).
   */
  readonly route: AlertmanagerRoute;
}

/** A team's part of alertmanager.yml, checked on its own. */
export interface TeamRouteDocument {
  /** `AlertmanagerCluster "am": team "payments"`, for errors. */
  readonly where: string;
  readonly team: string;
  /** The enforced matcher, e.g. `team="payments"`. */
  readonly matcher: string;
  readonly route: Record<string, unknown>;
  readonly receivers: Array<Record<string, unknown>>;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * The team's route and receivers in alertmanager.yml's keys, with the enforced matcher first; throws naming team,
 * route and prop. `global` is the config's `global:` section (SMTP defaults for email receivers).
 */
export function teamRouteDocument(owner: string, props: TeamRouteProps, global?: unknown): TeamRouteDocument {
  const team = props.team;
  if (typeof team !== 'string' || team.trim() === '') throw new ConfigError(`${owner}: addTeamRoute: team must be a non-empty name`);
  const where = `${owner}: team "${team}"`;
  const label = props.matchLabel ?? 'team';
  if (!LABEL_NAME.test(label)) {
    throw new ConfigError(`${where}: matchLabel ${JSON.stringify(label)} is not a label name (letters, digits and _, not starting with a digit)`);
  }
  const value = props.matchValue ?? team;
  // eslint-disable-next-line no-control-regex
  if (value === '' || /[\u0000-\u001f]/.test(value)) {
    throw new ConfigError(`${where}: matchValue ${JSON.stringify(value)} must be a non-empty label value without control characters`);
  }
  if (!Array.isArray(props.receivers) || props.receivers.length === 0) {
    throw new ConfigError(`${where}: receivers must list at least one receiver for the team's route`);
  }
  const own = new Set<string>();
  props.receivers.forEach((receiver, i) => {
    if (!receiver.name) throw new ConfigError(`${where}: receivers[${i}].name is required: routes refer to it`);
    if (own.has(receiver.name)) throw new ConfigError(`${where}: receivers[${i}].name "${receiver.name}" is defined twice (rename one)`);
    own.add(receiver.name);
  });
  if (!props.route || !props.route.receiver) {
    throw new ConfigError(`${where}: route.receiver is required: without it the route would use the cluster's default receiver`);
  }
  if (props.route.continue) {
    throw new ConfigError(`${where}: route.continue is true: the team's alerts would go on to the routes after it (other teams' and `
      + 'the cluster\'s own); remove it (child routes may continue among themselves)');
  }
  checkTeamRoute(props.route, 'route', own, label, where);
  const matcher = `${label}=${JSON.stringify(value)}`;
  const rendered = renderRoute(props.route);
  // Email receivers may rely on the cluster's global SMTP settings, as the config's own receivers do.
  const globals = (typeof global === 'object' && global !== null ? global : {}) as Record<string, unknown>;
  const smtp = { smtpSmarthost: globals.smtp_smarthost as string | undefined, smtpFrom: globals.smtp_from as string | undefined };
  return {
    where,
    team,
    matcher,
    route: { ...rendered, matchers: [matcher, ...(props.route.matchers ?? [])] },
    receivers: props.receivers.map((receiver, i) => renderReceiver(receiver, `${where}: receivers[${i}]`, smtp)),
  };
}

/**
 * The document with every team's route placed first under the top-level route (in the order added, before the
 * config's own child routes) and its receivers appended. Refuses a receiver name already taken, a team whose
 * matcher another team already routes, and anything Alertmanager would refuse in a team's part.
 */
export function withTeamRoutes(document: Record<string, unknown>, teams: readonly TeamRouteDocument[]): Record<string, unknown> {
  if (teams.length === 0) return document;
  const owners = new Map<string, string>();
  for (const receiver of asList(document.receivers)) owners.set(String((receiver as Record<string, unknown>).name), 'the cluster\'s config');
  const matchers = new Map<string, string>();
  for (const team of teams) {
    team.receivers.forEach((receiver, i) => {
      const name = String(receiver.name);
      const taken = owners.get(name);
      if (taken) {
        throw new ConfigError(`${team.where}: receivers[${i}].name "${name}" is already a receiver of ${taken}; `
          + `rename it (e.g. "${team.team}-${name}")`);
      }
      owners.set(name, `team "${team.team}"`);
    });
    const other = matchers.get(team.matcher);
    if (other) {
      throw new ConfigError(`${team.where}: route matcher ${team.matcher} is already team "${other}"'s: the first route would take `
        + 'every alert and this one would never match; give the team its own matchValue or add its receivers to that team');
    }
    matchers.set(team.matcher, team.team);
    const part = { global: document.global, route: { receiver: team.route.receiver, routes: [team.route] }, receivers: team.receivers };
    const problems = alertmanagerDocumentProblems(part).map(p => p.replace(/^route\.routes\[0\]/, 'route'));
    if (problems.length > 0) throw new ConfigError(problems.map(p => `${team.where}: ${p}`).join('\n'));
  }
  const route = document.route as Record<string, unknown>;
  return {
    ...document,
    route: { ...route, routes: [...teams.map(t => t.route), ...asList(route.routes)] },
    receivers: [...asList(document.receivers), ...teams.flatMap(t => t.receivers)],
  };
}

/**
 * `route.routes[0].routes[1]` of the merged document as the team's own path
 * (`AlertmanagerCluster "am": team "payments": route.routes[1]`), or as the config's path when no team's.
 */
export function describeRoutePath(owner: string, at: string, teams: readonly TeamRouteDocument[]): string {
  const match = /^route\.routes\[(\d+)\](.*)$/.exec(at);
  const index = match ? Number(match[1]) : -1;
  return match && index < teams.length ? `${teams[index].where}: route${match[2]}` : `${owner}: config ${at}`;
}

function checkTeamRoute(route: AlertmanagerRoute, at: string, receivers: ReadonlySet<string>, label: string, where: string): void {
  if (route.receiver !== undefined && !receivers.has(route.receiver)) {
    throw new ConfigError(`${where}: ${at}.receiver "${route.receiver}" is not one of the team's receivers (${[...receivers].join(', ')}); `
      + 'a team routes only to its own receivers');
  }
  (route.matchers ?? []).forEach((matcher, i) => {
    const names = typeof matcher === 'string' ? matcherLabelNames(matcher) : undefined;
    if (!names) {
      throw new ConfigError(`${where}: ${at}.matchers[${i}] ${JSON.stringify(matcher)} is not a matcher (write name="value", name!="value", `
        + 'name=~"regex" or name!~"regex")');
    }
    if (names.includes(label)) {
      throw new ConfigError(`${where}: ${at}.matchers[${i}] ${JSON.stringify(matcher)} tests "${label}", the label the cluster confines `
        + `the team by: it could only contradict the enforced ${label} matcher or repeat it; remove it`);
    }
  });
  route.routes?.forEach((child, i) => checkTeamRoute(child, `${at}.routes[${i}]`, receivers, label, where));
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
