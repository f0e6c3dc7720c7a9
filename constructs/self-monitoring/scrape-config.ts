/**
 * How a scraper finds the vmalert and Alertmanager pods: the relabeling rules of a vmagent scrape config
 * (`kubernetes_sd_configs` role pod), and the `job` label the operator scrape objects set. No cdk8s here;
 * `SelfMonitoringScrape` wraps these in Kubernetes objects.
 *
 * The job label every setup produces and the job selectors of the self-monitoring rules both come from
 * {@link ScrapeJobs}: the rules take {@link selfMonitoringJobOptions} of the same value.
 */
import * as yaml from 'js-yaml';
import { METRICS_PATH } from '../core/constants';
import { ConfigError } from '../core/errors';
import { escapeRegex } from '../core/regex';
import { RuleGroup } from '../rules/rules';
import { SELF_MONITORING_DEFAULTS, SelfMonitoringOptions } from './self-monitoring';

/** The `job` label of each component's targets. */
export interface ScrapeJobs {
  /**
   * Job label of the vmalert targets.
   * @default 'vmalert'
   */
  readonly vmalert?: string;
  /**
   * Job label of the Alertmanager targets.
   * @default 'alertmanager'
   */
  readonly alertmanager?: string;
}

/** The job label of each component's targets, with the defaults of {@link ScrapeJobs} filled in. */
export interface ScrapeJobNames {
  /** Job label of the vmalert targets. */
  readonly vmalert: string;
  /** Job label of the Alertmanager targets. */
  readonly alertmanager: string;
}

/** One set of pods to scrape on one named container port. */
export interface PodScrapeTarget {
  /** Value of the `job` label of these targets. */
  readonly job: string;
  /** Namespace of the pods. */
  readonly namespace: string;
  /** Labels that select exactly these pods (the workload's selector). */
  readonly podLabels: Readonly<Record<string, string>>;
  /** Name of the container port that serves `/metrics`. */
  readonly portName: string;
  /**
   * HTTP path of the metrics.
   * @default '/metrics'
   */
  readonly path?: string;
}

/** A relabeling rule in the operators' camelCase (VMPodScrape `relabelConfigs`, PodMonitor `relabelings`). */
export interface RelabelRule {
  /**
   * What to do.
   * @default 'replace'
   */
  readonly action?: 'replace' | 'keep' | 'drop';
  /**
   * Labels whose values, joined by ";", are matched.
   * @default - none
   */
  readonly sourceLabels?: string[];
  /**
   * Anchored regular expression.
   * @default '(.*)'
   */
  readonly regex?: string;
  /**
   * Label to write (replace).
   * @default - none
   */
  readonly targetLabel?: string;
  /**
   * Value to write (replace).
   * @default '$1'
   */
  readonly replacement?: string;
}

/**
 * The operators' scrape object kinds: apiVersion, the endpoint's relabeling field, and the CustomResourceDefinition
 * a cluster must have for `kubectl apply` to accept them.
 */
export const SCRAPE_OBJECT_TYPES = {
  VMPodScrape: { apiVersion: 'operator.victoriametrics.com/v1beta1', relabelField: 'relabelConfigs', crd: 'vmpodscrapes.operator.victoriametrics.com' },
  PodMonitor: { apiVersion: 'monitoring.coreos.com/v1', relabelField: 'relabelings', crd: 'podmonitors.monitoring.coreos.com' },
} as const;
/** Pods in these phases have stopped for good; a target for them would only report up == 0. */
const FINISHED_POD_PHASES = '(Failed|Succeeded)';
/** Prefix of vmagent job names, so ours cannot collide with the user's own jobs. */
const JOB_NAME_PREFIX = 'cdk8s-vmalert-ha';

/** The jobs with defaults applied; a blank name is an error naming the option. */
export function resolveScrapeJobs(jobs: ScrapeJobs = {}, where = 'ScrapeJobs'): Required<ScrapeJobs> {
  const resolved = {
    vmalert: jobs.vmalert ?? SELF_MONITORING_DEFAULTS.vmalertJob,
    alertmanager: jobs.alertmanager ?? SELF_MONITORING_DEFAULTS.alertmanagerJob,
  };
  for (const [key, value] of Object.entries(resolved)) {
    if (typeof value !== 'string' || value.trim() === '' || value !== value.trim()) {
      throw new ConfigError(`${where}: jobs.${key} ${JSON.stringify(value)} must be a non-empty job name without surrounding spaces`);
    }
  }
  if (resolved.vmalert === resolved.alertmanager) {
    throw new ConfigError(`${where}: jobs.vmalert and jobs.alertmanager are both "${resolved.vmalert}": the self-monitoring rules tell the components apart by job; give them different names`);
  }
  return resolved;
}

/** The job options of {@link SelfMonitoringOptions} that select exactly a set of scrape jobs. */
export interface SelfMonitoringJobOptions {
  /** `vmalertJob` of the self-monitoring options: the vmalert job name as a regular expression matching only it. */
  readonly vmalertJob: string;
  /** `alertmanagerJob` of the self-monitoring options: the Alertmanager job name as a regular expression matching only it. */
  readonly alertmanagerJob: string;
}

/** The self-monitoring options that select exactly these jobs (`job=~"<escaped name>"`). */
export function selfMonitoringJobOptions(jobs: ScrapeJobs = {}): SelfMonitoringJobOptions {
  const resolved = resolveScrapeJobs(jobs);
  return { vmalertJob: escapeRegex(resolved.vmalert), alertmanagerJob: escapeRegex(resolved.alertmanager) };
}

/**
 * The job regular expressions that self-monitoring groups select, read from their `*NotScraped` alerts
 * (`absent(up{job=~"..."})`); a component without such an alert is left out.
 */
export function selfMonitoringJobSelectors(groups: readonly RuleGroup[]): { vmalert?: string; alertmanager?: string } {
  const found: { vmalert?: string; alertmanager?: string } = {};
  for (const rule of groups.flatMap(g => g.rules)) {
    if (!('alert' in rule)) continue;
    const component = NOT_SCRAPED_ALERTS[rule.alert];
    const match = component && /\bjob=~("(?:[^"\\]|\\.)*")/.exec(rule.expr);
    if (component && match) found[component] = JSON.parse(match[1]) as string;
  }
  return found;
}

const NOT_SCRAPED_ALERTS: Record<string, 'vmalert' | 'alertmanager'> = {
  VmalertNotScraped: 'vmalert',
  AlertmanagerNotScraped: 'alertmanager',
};

/** The rule that sets the `job` label: the last relabeling of every setup, so it wins over the operators' default. */
export function jobRelabeling(job: string): RelabelRule {
  return { targetLabel: 'job', replacement: job };
}

/**
 * Target relabeling for `kubernetes_sd_configs` role pod that keeps exactly the target's pods (running, with every
 * selector label) and its one port, adds `namespace`, `pod` and `container`, and sets `job`.
 */
export function podTargetRelabeling(target: PodScrapeTarget): RelabelRule[] {
  return [
    { action: 'drop', sourceLabels: ['__meta_kubernetes_pod_phase'], regex: FINISHED_POD_PHASES },
    ...Object.entries(target.podLabels).sort(([a], [b]) => a.localeCompare(b)).map(([name, value]): RelabelRule => ({
      action: 'keep', sourceLabels: [`__meta_kubernetes_pod_label_${sanitizeLabelName(name)}`], regex: escapeRegex(value),
    })),
    { action: 'keep', sourceLabels: ['__meta_kubernetes_pod_container_port_name'], regex: escapeRegex(target.portName) },
    { sourceLabels: ['__meta_kubernetes_namespace'], targetLabel: 'namespace' },
    { sourceLabels: ['__meta_kubernetes_pod_name'], targetLabel: 'pod' },
    { sourceLabels: ['__meta_kubernetes_pod_container_name'], targetLabel: 'container' },
    jobRelabeling(target.job),
  ];
}

/** vmagent's `job_name` for a target: unique, and distinct from the `job` label it writes. */
export function vmagentJobName(target: PodScrapeTarget): string {
  return `${JOB_NAME_PREFIX}/${target.namespace}/${target.job}`;
}

/** A list of vmagent scrape configs (the format of a `scrape_config_files` entry) that scrape the targets. */
export function vmagentScrapeConfigs(targets: readonly PodScrapeTarget[], scrapeInterval?: string): Array<Record<string, unknown>> {
  return targets.map(target => ({
    job_name: vmagentJobName(target),
    ...(scrapeInterval ? { scrape_interval: scrapeInterval } : {}),
    metrics_path: target.path ?? METRICS_PATH,
    kubernetes_sd_configs: [{ role: 'pod', namespaces: { names: [target.namespace] } }],
    relabel_configs: podTargetRelabeling(target).map(toSnakeCase),
  }));
}

/** The scrape configs as a YAML file for vmagent's `scrape_config_files`. */
export function renderVmagentScrapeConfigs(targets: readonly PodScrapeTarget[], scrapeInterval?: string): string {
  return yaml.dump(vmagentScrapeConfigs(targets, scrapeInterval), { lineWidth: -1, noRefs: true });
}

/** Prometheus' relabeling keys for a rule. */
export function toSnakeCase(rule: RelabelRule): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (rule.action !== undefined) out.action = rule.action;
  if (rule.sourceLabels !== undefined) out.source_labels = rule.sourceLabels;
  if (rule.regex !== undefined) out.regex = rule.regex;
  if (rule.targetLabel !== undefined) out.target_label = rule.targetLabel;
  if (rule.replacement !== undefined) out.replacement = rule.replacement;
  return out;
}

/** A pod label name as service discovery writes it into `__meta_kubernetes_pod_label_<name>`. */
export function sanitizeLabelName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, '_');
}
