import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import { AlertmanagerCluster } from '../alertmanager/alertmanager-cluster';
import { ALERTMANAGER_WEB_PORT, COMPONENT_LABEL, METRICS_PATH, VMALERT_HTTP_PORT } from '../core/constants';
import { DURATION_HINT, isDuration } from '../core/duration';
import { ConfigError } from '../core/errors';
import { isLabelKey, isLabelValue } from '../k8s/names';
import { RulesConfigMap } from '../rules/configmap';
import {
  jobRelabeling, PodScrapeTarget, RelabelRule, renderVmagentScrapeConfigs, resolveScrapeJobs, SCRAPE_OBJECT_TYPES,
  ScrapeJobNames, ScrapeJobs, selfMonitoringJobSelectors,
} from './scrape-config';
import { VmalertHa } from '../vmalert/vmalert-ha';

/** Which scrape objects tell the cluster's scraper about the vmalert and Alertmanager pods. */
export type ScrapeObjectKind = 'VMPodScrape' | 'PodMonitor' | 'none';
/** The accepted {@link ScrapeObjectKind} values. */
export const SCRAPE_OBJECT_KINDS: readonly ScrapeObjectKind[] = ['VMPodScrape', 'PodMonitor', 'none'];

/** Options for {@link SelfMonitoringScrape}. */
export interface SelfMonitoringScrapeProps {
  /** The vmalert replicas to scrape. */
  readonly vmalert: VmalertHa;
  /** The Alertmanager peers to scrape. */
  readonly alertmanager: AlertmanagerCluster;
  /**
   * `VMPodScrape` for the VictoriaMetrics operator's vmagent, `PodMonitor` for prometheus-operator, `none` for a
   * vmagent without an operator (use {@link SelfMonitoringScrape.vmagentScrapeConfigs}, always in a ConfigMap too).
   * @default 'VMPodScrape'
   */
  readonly objects?: ScrapeObjectKind;
  /**
   * The `job` label of the targets. Pass the same jobs to the self-monitoring rules with
   * `selfMonitoringJobOptions(jobs)`; synth fails when their selectors would not match.
   * @default { vmalert: 'vmalert', alertmanager: 'alertmanager' }
   */
  readonly jobs?: ScrapeJobs;
  /**
   * Scrape interval of these targets.
   * @default - the scraper's own interval
   */
  readonly scrapeInterval?: string;
  /**
   * Labels of the scrape objects and the ConfigMap, e.g. what the VMAgent's `podScrapeSelector` or the Prometheus'
   * `podMonitorSelector` selects.
   * @default - none
   */
  readonly objectLabels?: Record<string, string>;
}

/**
 * `spec` of a VMPodScrape (operator.victoriametrics.com/v1beta1) or a PodMonitor (monitoring.coreos.com/v1), the
 * fields set here. The two CRDs agree on these except the name of the relabeling list.
 *
 * Internal output of a pure builder; not part of the jsii API.
 * @jsii ignore
 */
export interface PodScrapeObjectSpec {
  /** Labels of the pods to scrape. */
  readonly selector: { readonly matchLabels: Record<string, string> };
  /** Namespaces of the pods. */
  readonly namespaceSelector: { readonly matchNames: string[] };
  /** One endpoint: the named port and path, and the relabeling that sets `job`. */
  readonly podMetricsEndpoints: Array<{
    readonly port: string;
    readonly path: string;
    readonly interval?: string;
    /** VMPodScrape's name for the target relabeling. */
    readonly relabelConfigs?: RelabelRule[];
    /** PodMonitor's name for the target relabeling. */
    readonly relabelings?: RelabelRule[];
  }>;
}

/** The vmagent scrape-config file in the ConfigMap (a `scrape_config_files` entry). */
export const VMAGENT_SCRAPE_CONFIG_FILE = 'scrape-configs.yml';

/**
 * Scrape wiring for the self-monitoring rules: a VMPodScrape or PodMonitor per component, and a ConfigMap with the
 * equivalent vmagent scrape configs (`kubernetes_sd_configs` role pod) for a vmagent without an operator. Every setup
 * keeps exactly the workload's pods and their metrics port, and sets the `job` label from {@link jobs}.
 */
export class SelfMonitoringScrape extends Construct {
  /** The job label of each component's targets. */
  public readonly jobs: ScrapeJobNames;
  /** What is scraped: one target per component. */
  public readonly targets: PodScrapeTarget[];
  /** The vmagent scrape configs as YAML (a list, for `scrape_config_files`). */
  public readonly vmagentScrapeConfigs: string;
  /** The ConfigMap holding {@link vmagentScrapeConfigs} as `scrape-configs.yml`. */
  public readonly configMap: kplus.ConfigMap;
  /** The VMPodScrape or PodMonitor objects (none with `objects: 'none'`). */
  public readonly scrapeObjects: ApiObject[];

  constructor(scope: Construct, id: string, props: SelfMonitoringScrapeProps) {
    super(scope, id);
    const owner = `SelfMonitoringScrape "${id}"`;
    const kind = props.objects ?? 'VMPodScrape';
    if (!SCRAPE_OBJECT_KINDS.includes(kind)) {
      throw new ConfigError(`${owner}: objects ${JSON.stringify(kind)} is not one of ${SCRAPE_OBJECT_KINDS.join(', ')}`);
    }
    // The scrape objects and the vmagent config scrape plain HTTP: against an HTTPS port every target would be down.
    const securedPorts = [
      ...(props.vmalert.args.includes('-tls=true') ? ['vmalert webTls'] : []),
      ...(props.alertmanager.web?.tls ? ['AlertmanagerCluster web.tls'] : []),
    ];
    if (securedPorts.length > 0) {
      throw new ConfigError(`${owner}: ${securedPorts.join(' and ')} serve HTTPS, which these scrape objects do not scrape yet `
        + '(every target would be down): scrape those pods with your own VMPodScrape/PodMonitor (scheme https, the CA, and '
        + 'basic auth for Alertmanager\'s basicAuthUsers), or leave TLS off these ports');
    }
    if (props.scrapeInterval !== undefined && !isDuration(props.scrapeInterval)) {
      throw new ConfigError(`${owner}: scrapeInterval ${JSON.stringify(props.scrapeInterval)} is not a duration (${DURATION_HINT})`);
    }
    for (const [key, value] of Object.entries(props.objectLabels ?? {})) {
      if (!isLabelKey(key) || !isLabelValue(value)) {
        throw new ConfigError(`${owner}: objectLabels ${JSON.stringify(key)}: ${JSON.stringify(value)} is not a Kubernetes label `
          + '(key: [prefix/]name of letters, digits, "-", "_", "."; value: up to 63 such characters, starting and ending alphanumeric)');
      }
    }
    this.jobs = resolveScrapeJobs(props.jobs, owner);
    this.targets = [
      target(owner, this.jobs.vmalert, props.vmalert.namespace, props.vmalert.deployment, VMALERT_HTTP_PORT),
      target(owner, this.jobs.alertmanager, props.alertmanager.namespace, props.alertmanager.statefulSet, ALERTMANAGER_WEB_PORT),
    ];
    this.vmagentScrapeConfigs = renderVmagentScrapeConfigs(this.targets, props.scrapeInterval);
    const labels = { ...props.objectLabels, [COMPONENT_LABEL]: 'scrape-config' };
    this.configMap = new kplus.ConfigMap(this, 'vmagent-config', {
      metadata: { namespace: props.vmalert.namespace, labels },
      data: { [VMAGENT_SCRAPE_CONFIG_FILE]: this.vmagentScrapeConfigs },
    });
    this.scrapeObjects = kind === 'none' ? [] : this.targets.map(t => new ApiObject(this, t.job, {
      apiVersion: SCRAPE_OBJECT_TYPES[kind].apiVersion,
      kind,
      spec: podScrapeObjectSpec(kind, t, props.scrapeInterval),
      metadata: { namespace: t.namespace, labels: { ...props.objectLabels, [COMPONENT_LABEL]: `${componentOf(t, this.jobs)}-scrape` } },
    }));

    this.node.addValidation({ validate: () => jobMismatches(owner, this.node.root, this.jobs) });
  }
}

/** The VMPodScrape or PodMonitor spec that scrapes a target. */
export function podScrapeObjectSpec(kind: 'VMPodScrape' | 'PodMonitor', t: PodScrapeTarget, interval?: string): PodScrapeObjectSpec {
  return {
    selector: { matchLabels: { ...t.podLabels } },
    namespaceSelector: { matchNames: [t.namespace] },
    podMetricsEndpoints: [{
      port: t.portName,
      path: t.path ?? METRICS_PATH,
      ...(interval ? { interval } : {}),
      [SCRAPE_OBJECT_TYPES[kind].relabelField]: [jobRelabeling(t.job)],
    }],
  };
}

function target(owner: string, job: string, namespace: string, workload: kplus.Deployment | kplus.StatefulSet, port: number): PodScrapeTarget {
  const portName = workload.containers.flatMap(c => c.ports).find(p => p.number === port)?.name;
  if (!portName) throw new ConfigError(`${owner}: ${workload.node.path} has no named container port ${port} to scrape`);
  return { job, namespace, podLabels: { ...workload.matchLabels }, portName };
}

function componentOf(t: PodScrapeTarget, jobs: Required<ScrapeJobs>): string {
  return t.job === jobs.vmalert ? 'vmalert' : 'alertmanager';
}

/** Self-monitoring rules anywhere in the app whose job selectors would not match the jobs these objects set. */
function jobMismatches(owner: string, root: IConstruct, jobs: Required<ScrapeJobs>): string[] {
  const rulesMaps = root.node.findAll().filter((c): c is RulesConfigMap => c instanceof RulesConfigMap);
  return rulesMaps.flatMap(rules => {
    const selectors = selfMonitoringJobSelectors(rules.groups);
    return (['vmalert', 'alertmanager'] as const)
      .filter(component => selectors[component] !== undefined && !new RegExp(`^(?:${selectors[component]})$`).test(jobs[component]))
      .map(component => `${owner}: the ${component} targets get job="${jobs[component]}", but the self-monitoring rules `
        + `"${rules.node.path}" select job=~"${selectors[component]}": their alerts would never see these metrics. `
        + 'Pass the same jobs to both (RulesConfigMap.selfMonitoring(..., selfMonitoringJobOptions(jobs))).');
  });
}
