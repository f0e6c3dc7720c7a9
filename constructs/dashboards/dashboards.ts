/**
 * Grafana dashboards for vmalert and the Alertmanager cluster, written as typed panels and rendered to the
 * dashboard JSON model Grafana's file provisioning and its dashboard sidecar load. Every query names metrics of
 * the pinned binaries' catalogue (metric-catalogue.ts); a panel naming another `vmalert_*` or `alertmanager_*`
 * metric is refused. No cdk8s here.
 */
import { VERSIONS } from '../core/versions';
import { ConfigError } from '../core/errors';
import { ALERTMANAGER_METRICS, VMALERT_METRICS } from './metric-catalogue';

/** A panel a user adds to one of the dashboards. */
export interface DashboardPanel {
  /** Panel title. */
  readonly title: string;
  /**
   * PromQL/MetricsQL queries, one series set each. `$job` is the dashboard's job variable (a regex: use `=~`) and
   * `$__rate_interval` Grafana's rate window.
   */
  readonly queries: string[];
  /**
   * What the panel shows, as a tooltip.
   * @default - none
   */
  readonly description?: string;
  /**
   * Grafana unit of the values, e.g. "s", "bytes", "ops", "short".
   * @default "short"
   */
  readonly unit?: string;
  /**
   * Legend of each series, a Grafana template such as "{{instance}}".
   * @default - Grafana's default (the series labels)
   */
  readonly legend?: string;
}

/** One dashboard: its file name in the ConfigMap, its uid and its Grafana JSON model. */
export interface RenderedDashboard {
  readonly fileName: string;
  readonly uid: string;
  readonly model: Record<string, unknown>;
}

/** Panel of a built-in dashboard: a stat shows one current number, a time series a history. */
interface PanelSpec extends DashboardPanel {
  readonly stat?: boolean;
}

interface DashboardSpec {
  readonly uid: string;
  readonly fileName: string;
  readonly title: string;
  /** Metric the job variable lists the `job` label values of. */
  readonly jobMetric: string;
  readonly panels: readonly PanelSpec[];
}

const RATE = '$__rate_interval';
const VMALERT = 'job=~"$job"';
const AM = 'job=~"$job"';

const VMALERT_DASHBOARD: DashboardSpec = {
  uid: 'cdk8s-vmalert-ha-vmalert',
  fileName: 'vmalert.json',
  title: 'vmalert (cdk8s-vmalert-ha)',
  jobMetric: 'vmalert_iteration_total',
  panels: [
    { stat: true, title: 'Firing alerts', queries: [`sum(max by (alertname, group) (vmalert_alerts_firing{${VMALERT}}))`],
      description: 'Alerts firing now. Every replica evaluates every rule, so the count is taken once per rule.' },
    { stat: true, title: 'Pending alerts', queries: [`sum(max by (alertname, group) (vmalert_alerts_pending{${VMALERT}}))`] },
    { stat: true, title: 'Replicas evaluating', queries: [`count(vmalert_config_last_reload_successful{${VMALERT}})`],
      description: 'vmalert pods reporting; each evaluates every rule.' },
    { stat: true, title: 'Replicas with a failed config reload', queries: [`count(vmalert_config_last_reload_successful{${VMALERT}} == 0) or vector(0)`] },
    { title: 'Group evaluations per second', unit: 'ops', legend: '{{group}}',
      queries: [`sum by (group) (rate(vmalert_iteration_total{${VMALERT}}[${RATE}]))`] },
    { title: 'Group evaluation time (p99)', unit: 's', legend: '{{group}}',
      queries: [`max by (group) (vmalert_iteration_duration_seconds{${VMALERT}, quantile="0.99"})`],
      description: 'Longer than the group interval means evaluations are skipped.' },
    { title: 'Missed evaluations', legend: '{{group}}',
      queries: [`sum by (group) (increase(vmalert_iteration_missed_total{${VMALERT}}[${RATE}]))`] },
    { title: 'Rule errors per second', unit: 'ops', legend: '{{group}}',
      queries: [
        `sum by (group) (rate(vmalert_alerting_rules_errors_total{${VMALERT}}[${RATE}]))`,
        `sum by (group) (rate(vmalert_recording_rules_errors_total{${VMALERT}}[${RATE}]))`,
      ] },
    { title: 'Alerts sent per Alertmanager pod', unit: 'ops', legend: '{{addr}}',
      queries: [`sum by (addr) (rate(vmalert_alerts_sent_total{${VMALERT}}[${RATE}]))`],
      description: 'Every replica sends every alert to every Alertmanager pod; the mesh deduplicates.' },
    { title: 'Alert send errors per Alertmanager pod', unit: 'ops', legend: '{{addr}}',
      queries: [`sum by (addr) (rate(vmalert_alerts_send_errors_total{${VMALERT}}[${RATE}]))`] },
    { title: 'Remote write: rows sent and dropped', unit: 'rows/s',
      queries: [
        `sum(rate(vmalert_remotewrite_sent_rows_total{${VMALERT}}[${RATE}]))`,
        `sum(rate(vmalert_remotewrite_dropped_rows_total{${VMALERT}}[${RATE}]))`,
      ] },
    { title: 'Datasource dial errors', unit: 'ops', queries: [`sum(rate(vmalert_datasource_dial_errors_total{${VMALERT}}[${RATE}]))`] },
    { title: 'Resident memory', unit: 'bytes', legend: '{{instance}}', queries: [`process_resident_memory_bytes{${VMALERT}}`] },
  ],
};

const ALERTMANAGER_DASHBOARD: DashboardSpec = {
  uid: 'cdk8s-vmalert-ha-alertmanager',
  fileName: 'alertmanager-cluster.json',
  title: 'Alertmanager cluster (cdk8s-vmalert-ha)',
  jobMetric: 'alertmanager_cluster_members',
  panels: [
    { stat: true, title: 'Smallest mesh size seen by a peer', queries: [`min(alertmanager_cluster_members{${AM}})`],
      description: 'Below the replica count: a peer does not see all others and may send duplicates.' },
    { stat: true, title: 'Failed peers', queries: [`max(alertmanager_cluster_failed_peers{${AM}})`] },
    { stat: true, title: 'Distinct configs', queries: [`count(count by (config_hash) (alertmanager_config_hash{${AM}}))`],
      description: 'Above 1 while a rollout is under way; otherwise the peers disagree on alertmanager.yml.' },
    { stat: true, title: 'Active alerts', queries: [`max(alertmanager_alerts{${AM}, state="active"})`] },
    { title: 'Mesh members per peer', legend: '{{instance}}', queries: [`alertmanager_cluster_members{${AM}}`] },
    { title: 'Mesh health score (0 is healthy)', legend: '{{instance}}', queries: [`alertmanager_cluster_health_score{${AM}}`] },
    { title: 'Notifications per integration', unit: 'ops', legend: '{{integration}}',
      queries: [`sum by (integration) (rate(alertmanager_notifications_total{${AM}}[${RATE}]))`] },
    { title: 'Failed notifications per integration', unit: 'ops', legend: '{{integration}}',
      queries: [`sum by (integration) (rate(alertmanager_notifications_failed_total{${AM}}[${RATE}]))`] },
    { title: 'Notifications sent per peer', unit: 'ops', legend: '{{instance}}',
      queries: [`sum by (instance) (rate(alertmanager_notifications_total{${AM}}[${RATE}]))`],
      description: 'Normally the first peer in the mesh order sends; the others wait their turn and find it sent.' },
    { title: 'Notification latency (p99)', unit: 's', legend: '{{integration}}',
      queries: [`histogram_quantile(0.99, sum by (le, integration) (rate(alertmanager_notification_latency_seconds_bucket{${AM}}[${RATE}])))`] },
    { title: 'Alerts received per second', unit: 'ops', legend: '{{status}}',
      queries: [`sum by (status) (rate(alertmanager_alerts_received_total{${AM}}[${RATE}]))`] },
    { title: 'Silences', legend: '{{state}}', queries: [`max by (state) (alertmanager_silences{${AM}})`] },
    { title: 'Gossip messages received per peer', unit: 'ops', legend: '{{instance}}',
      queries: [`sum by (instance) (rate(alertmanager_cluster_messages_received_total{${AM}}[${RATE}]))`] },
    { title: 'Resident memory', unit: 'bytes', legend: '{{instance}}', queries: [`process_resident_memory_bytes{${AM}}`] },
  ],
};

const KNOWN = new Set([...VMALERT_METRICS, ...ALERTMANAGER_METRICS]);
/** Names a query selects that the catalogue must know: the binaries' own prefixes. */
const OWN_METRIC = /\b(?:vmalert|alertmanager)_[a-zA-Z0-9_]+\b/g;
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };
const STAT_WIDTH = 6;
const STAT_HEIGHT = 4;
const SERIES_WIDTH = 12;
const SERIES_HEIGHT = 8;

/** The `vmalert_*` and `alertmanager_*` names in a query. */
export function ownMetricNames(query: string): string[] {
  return [...new Set(query.match(OWN_METRIC) ?? [])];
}

/** The built-in dashboards' queries, each with the dashboard it belongs to (for the tests). */
export function builtInQueries(): Array<{ dashboard: string; title: string; query: string }> {
  return [VMALERT_DASHBOARD, ALERTMANAGER_DASHBOARD].flatMap(d =>
    d.panels.flatMap(p => p.queries.map(query => ({ dashboard: d.fileName, title: p.title, query }))));
}

/**
 * Both dashboards with the user's panels appended. Refuses a panel without title or queries, and a query naming a
 * `vmalert_*` or `alertmanager_*` metric the pinned binaries do not expose (a typo, or a name from another
 * version), naming the prop, panel and metric.
 */
export function renderDashboards(owner: string, vmalertPanels: readonly DashboardPanel[] = [],
  alertmanagerPanels: readonly DashboardPanel[] = []): RenderedDashboard[] {
  checkPanels(`${owner}: vmalertPanels`, vmalertPanels);
  checkPanels(`${owner}: alertmanagerPanels`, alertmanagerPanels);
  return [
    renderDashboard({ ...VMALERT_DASHBOARD, panels: [...VMALERT_DASHBOARD.panels, ...vmalertPanels] }),
    renderDashboard({ ...ALERTMANAGER_DASHBOARD, panels: [...ALERTMANAGER_DASHBOARD.panels, ...alertmanagerPanels] }),
  ];
}

function checkPanels(where: string, panels: readonly DashboardPanel[]): void {
  panels.forEach((panel, i) => {
    const at = `${where}[${i}]`;
    if (!panel.title) throw new ConfigError(`${at}.title is required: the panel's heading`);
    if (!Array.isArray(panel.queries) || panel.queries.length === 0) throw new ConfigError(`${at} ("${panel.title}").queries must list at least one query`);
    panel.queries.forEach((query, j) => {
      const unknown = ownMetricNames(query).filter(name => !KNOWN.has(name));
      if (unknown.length > 0) {
        throw new ConfigError(`${at} ("${panel.title}").queries[${j}]: ${unknown.map(n => `${n}${suggestion(n)}`).join(', ')} `
          + `${unknown.length === 1 ? 'is not a metric' : 'are not metrics'} the pinned vmalert ${VERSIONS.victoriaMetrics} or Alertmanager `
          + `${VERSIONS.alertmanager} exposes: the panel would stay empty`);
      }
    });
  });
}

/** ` (did you mean x?)` for the catalogued name closest to `name`, if one is close. */
function suggestion(name: string): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const known of KNOWN) {
    const distance = editDistance(name, known);
    if (distance < bestDistance) {
      best = known;
      bestDistance = distance;
    }
  }
  return best !== undefined && bestDistance <= Math.max(3, Math.floor(name.length / 5)) ? ` (did you mean ${best}?)` : '';
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

function renderDashboard(spec: DashboardSpec): RenderedDashboard {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  const panels = spec.panels.map((panel, i) => {
    const [w, h] = panel.stat ? [STAT_WIDTH, STAT_HEIGHT] : [SERIES_WIDTH, SERIES_HEIGHT];
    if (x + w > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const gridPos = { x, y, w, h };
    x += w;
    rowHeight = Math.max(rowHeight, h);
    return {
      id: i + 1,
      type: panel.stat ? 'stat' : 'timeseries',
      title: panel.title,
      ...(panel.description ? { description: panel.description } : {}),
      datasource: DATASOURCE,
      gridPos,
      fieldConfig: { defaults: { unit: panel.unit ?? 'short' }, overrides: [] },
      options: panel.stat ? { reduceOptions: { calcs: ['lastNotNull'] } } : { legend: { displayMode: 'list', placement: 'bottom' } },
      targets: panel.queries.map((expr, j) => ({
        refId: String.fromCharCode(65 + j),
        datasource: DATASOURCE,
        expr,
        ...(panel.legend ? { legendFormat: panel.legend } : {}),
      })),
    };
  });
  return {
    fileName: spec.fileName,
    uid: spec.uid,
    model: {
      uid: spec.uid,
      title: spec.title,
      tags: ['cdk8s-vmalert-ha', 'alerting'],
      editable: false,
      schemaVersion: 39,
      time: { from: 'now-6h', to: 'now' },
      refresh: '1m',
      templating: {
        list: [
          { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus' },
          {
            name: 'job', label: 'Job', type: 'query', datasource: DATASOURCE, refresh: 2, includeAll: true, multi: true, allValue: '.+',
            definition: `label_values(${spec.jobMetric}, job)`,
            query: { query: `label_values(${spec.jobMetric}, job)`, refId: 'job' },
          },
        ],
      },
      panels,
    },
  };
}
