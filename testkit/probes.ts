/**
 * Read-only views of the processes under test: vmalert's alerts, an Alertmanager's alerts, cluster
 * peers and notification counters.
 */
import { getJson, getText, HttpClient, waitFor } from './http';

/** One alert as vmalert's /api/v1/alerts lists it. */
export interface VmalertAlert {
  readonly name: string;
  readonly state: 'pending' | 'firing' | 'inactive';
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  /** RFC 3339 time the alert became active (pending); restored from ALERTS_FOR_STATE after a restart. */
  readonly activeAt: string;
  readonly value: string;
}

/** Alerts of the vmalert at `baseUrl` (e.g. http://127.42.1.5:8880). */
export async function vmalertAlerts(baseUrl: string, client?: HttpClient): Promise<VmalertAlert[]> {
  const res = await getJson<{ data: { alerts: VmalertAlert[] | null } }>(`${baseUrl}/api/v1/alerts`, client);
  return res.data.alerts ?? [];
}

/** One alert as Alertmanager's /api/v2/alerts lists it. */
export interface AlertmanagerAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly status: { readonly state: string };
  readonly fingerprint: string;
}

/** Alerts an Alertmanager peer holds (active ones only by default, as the API does). */
export async function alertmanagerAlerts(baseUrl: string): Promise<AlertmanagerAlert[]> {
  return getJson<AlertmanagerAlert[]>(`${baseUrl}/api/v2/alerts`);
}

/** The cluster part of Alertmanager's /api/v2/status. */
export interface ClusterStatus {
  readonly name: string;
  /** "ready", "settling" or "disabled". */
  readonly status: string;
  readonly peers: Array<{ readonly name: string; readonly address: string }>;
}

export async function alertmanagerClusterStatus(baseUrl: string, client?: HttpClient): Promise<ClusterStatus> {
  const res = await getJson<{ cluster: ClusterStatus }>(`${baseUrl}/api/v2/status`, client);
  return res.cluster;
}

/**
 * The peer's cluster status once it sees `members` members and its mesh has settled ("ready"): until then a peer holds
 * its notifications back (GossipSettleStage, about 10 s), which shifts every flush it makes.
 */
export async function settledClusterStatus(baseUrl: string, members: number, timeoutMs: number): Promise<ClusterStatus> {
  return waitFor(`Alertmanager ${baseUrl} to settle with ${members} members`, async () => {
    const status = await alertmanagerClusterStatus(baseUrl);
    return status.peers.length === members && status.status === 'ready' ? status : undefined;
  }, { timeoutMs, pollMs: 250 });
}

/** `alertmanager_notifications_total{integration="email"}` of one peer: how many emails it sent. */
export async function emailNotificationsSent(baseUrl: string, client?: HttpClient): Promise<number> {
  return metricValue(await getText(`${baseUrl}/metrics`, client), 'alertmanager_notifications_total', { integration: 'email' });
}

/** `alertmanager_notifications_failed_total{integration="email"}` of one peer. */
export async function emailNotificationsFailed(baseUrl: string, client?: HttpClient): Promise<number> {
  return metricValue(await getText(`${baseUrl}/metrics`, client), 'alertmanager_notifications_failed_total', {
    integration: 'email',
  });
}

/**
 * The sum of the samples of `name` whose labels include `labels`, from a Prometheus text exposition.
 * 0 when no sample matches (counters that never moved may be absent).
 */
export function metricValue(exposition: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of exposition.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const sampleLabels = parseLabels(match[2] ?? '');
    if (Object.entries(labels).every(([k, v]) => sampleLabels[k] === v)) sum += Number(match[3]);
  }
  return sum;
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const m of text.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]] = m[2];
  return labels;
}
