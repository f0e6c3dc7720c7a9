/**
 * Stands in for vmagent's Kubernetes pod discovery (`kubernetes_sd_configs` role pod) and nothing else: the
 * generated scrape configs run unchanged except that their `kubernetes_sd_configs` become `static_configs`
 * with one target per container port of every pod in the discovered namespaces, carrying the
 * `__meta_kubernetes_*` labels the API server would give it. The relabeling then decides, as in a cluster.
 */
import * as yaml from 'js-yaml';
import { VMAGENT_SCRAPE_CONFIG_FILE } from '../constructs';
import { K8sObject, podSpecOf } from '../constructs/testing/manifests';
import { RunningPod } from './stack';

/** A pod as the discovery sees it. */
export interface DiscoveredPod {
  readonly name: string;
  readonly namespace: string;
  readonly ip: string;
  /** Pod phase: Running, Pending, Succeeded, Failed. */
  readonly phase: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly containers: ReadonlyArray<{ readonly name: string; readonly ports: ReadonlyArray<{ name?: string; containerPort: number; protocol?: string }> }>;
}

type ScrapeConfig = Record<string, any>;

/** The scrape configs of the ConfigMap that SelfMonitoringScrape synthesized. */
export function generatedScrapeConfigs(objects: readonly K8sObject[]): ScrapeConfig[] {
  const configMaps = objects.filter((o) => o.kind === 'ConfigMap' && typeof (o as any).data?.[VMAGENT_SCRAPE_CONFIG_FILE] === 'string');
  if (configMaps.length !== 1) throw new Error(`expected one ConfigMap with ${VMAGENT_SCRAPE_CONFIG_FILE}, found ${configMaps.length}`);
  return yaml.load((configMaps[0] as any).data[VMAGENT_SCRAPE_CONFIG_FILE]) as ScrapeConfig[];
}

/** A running pod of the stack as discovery lists it: the workload template's labels and containers. */
export function discoveredPod(pod: RunningPod, overrides: Partial<DiscoveredPod> = {}): DiscoveredPod {
  const template = (pod.workload.spec as any).template;
  return {
    name: pod.name,
    namespace: pod.workload.metadata.namespace ?? 'default',
    ip: pod.address,
    phase: 'Running',
    labels: { ...(template.metadata?.labels ?? {}) },
    containers: podSpecOf(pod.workload)!.containers.map((c) => ({ name: c.name, ports: c.ports ?? [] })),
    ...overrides,
  };
}

/** `scrapeConfigs` with pod discovery replaced by the static targets of `pods`. */
export function withStaticPodDiscovery(scrapeConfigs: readonly ScrapeConfig[], pods: readonly DiscoveredPod[]): ScrapeConfig[] {
  return scrapeConfigs.map((config) => {
    const { kubernetes_sd_configs: sdConfigs, ...rest } = config;
    if (!Array.isArray(sdConfigs) || sdConfigs.some((sd: any) => sd.role !== 'pod')) {
      throw new Error(`scrape config ${config.job_name}: expected kubernetes_sd_configs with role pod only`);
    }
    const namespaces = sdConfigs.flatMap((sd: any) => sd.namespaces?.names ?? []);
    const visible = pods.filter((p) => namespaces.length === 0 || namespaces.includes(p.namespace));
    return { ...rest, static_configs: visible.flatMap(podTargetGroups) };
  });
}

/** One target group per container port, labelled as role pod discovery labels it. */
function podTargetGroups(pod: DiscoveredPod): Array<{ targets: string[]; labels: Record<string, string> }> {
  const podLabels: Record<string, string> = {
    __meta_kubernetes_namespace: pod.namespace,
    __meta_kubernetes_pod_name: pod.name,
    __meta_kubernetes_pod_ip: pod.ip,
    __meta_kubernetes_pod_phase: pod.phase,
    __meta_kubernetes_pod_ready: pod.phase === 'Running' ? 'true' : 'false',
  };
  for (const [name, value] of Object.entries(pod.labels)) {
    const sanitized = name.replace(/[^a-zA-Z0-9_]/g, '_');
    podLabels[`__meta_kubernetes_pod_label_${sanitized}`] = value;
    podLabels[`__meta_kubernetes_pod_labelpresent_${sanitized}`] = 'true';
  }
  return pod.containers.flatMap((container) => container.ports.map((port) => ({
    targets: [`${pod.ip}:${port.containerPort}`],
    labels: {
      ...podLabels,
      __meta_kubernetes_pod_container_name: container.name,
      __meta_kubernetes_pod_container_port_name: port.name ?? '',
      __meta_kubernetes_pod_container_port_number: String(port.containerPort),
      __meta_kubernetes_pod_container_port_protocol: port.protocol ?? 'TCP',
    },
  })));
}
