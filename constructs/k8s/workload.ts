import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { LABEL_PREFIX, NON_ROOT_UID, ZONE_TOPOLOGY_KEY } from '../core/constants';
import { ConfigError } from '../core/errors';
import { compact } from '../core/objects';
import { isLabelKey, isLabelValue, isObjectName } from './names';

/** Pod-level security context: a numeric non-root uid, so the kubelet can verify runAsNonRoot. */
export const POD_SECURITY_CONTEXT: kplus.PodSecurityContextProps = {
  ensureNonRoot: true,
  user: NON_ROOT_UID,
  group: NON_ROOT_UID,
  fsGroup: NON_ROOT_UID,
};

/** Container-level security context: nothing beyond what the process needs. */
export const CONTAINER_SECURITY_CONTEXT: kplus.ContainerSecurityContextProps = {
  ensureNonRoot: true,
  user: NON_ROOT_UID,
  group: NON_ROOT_UID,
  privileged: false,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: [kplus.Capability.ALL] },
  seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
};

/** Resource requests and limits in plain numbers, for props. */
export interface ResourceSettings {
  /**
   * CPU request in millicores. No CPU limit is set: throttling an alerting process delays alerts.
   * @default - per component
   */
  readonly cpuMillis?: number;
  /**
   * Memory request in MiB.
   * @default - per component
   */
  readonly memoryMiB?: number;
  /**
   * Memory limit in MiB.
   * @default - per component
   */
  readonly memoryLimitMiB?: number;
}

/** cdk8s-plus resources from settings, falling back to the component's defaults. */
export function containerResources(owner: string, settings: ResourceSettings | undefined, defaults: Required<ResourceSettings>): kplus.ContainerResources {
  const merged = { ...defaults, ...settings };
  for (const [key, value] of Object.entries(merged)) {
    if (!Number.isInteger(value) || value <= 0) throw new ConfigError(`${owner}: resources.${key} must be a positive whole number, got ${value}`);
  }
  if (merged.memoryLimitMiB < merged.memoryMiB) {
    throw new ConfigError(`${owner}: resources.memoryLimitMiB (${merged.memoryLimitMiB}) is below memoryMiB (${merged.memoryMiB})`);
  }
  return {
    cpu: { request: kplus.Cpu.millis(merged.cpuMillis) },
    memory: { request: Size.mebibytes(merged.memoryMiB), limit: Size.mebibytes(merged.memoryLimitMiB) },
  };
}

/**
 * Spreads replicas over nodes (preferred anti-affinity) and zones (topology spread, best effort so that a cluster
 * with one zone still schedules them), and keeps all but one running through voluntary disruptions.
 */
export function spreadAndProtect(scope: Construct, workload: kplus.Deployment | kplus.StatefulSet, replicas: number, namespace: string): void {
  workload.scheduling.spread({ topology: kplus.Topology.HOSTNAME, weight: 100 });
  ApiObject.of(workload).addJsonPatch(JsonPatch.add('/spec/template/spec/topologySpreadConstraints', [{
    maxSkew: 1,
    topologyKey: ZONE_TOPOLOGY_KEY,
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector: { matchLabels: workload.matchLabels },
  }]));
  if (replicas > 1) {
    new kplus.k8s.KubePodDisruptionBudget(scope, 'pdb', {
      metadata: { namespace },
      spec: { maxUnavailable: kplus.k8s.IntOrString.fromNumber(1), selector: { matchLabels: workload.matchLabels } },
    });
  }
}

/** A toleration of a node taint. */
export interface PodToleration {
  /**
   * Taint key; with operator "Exists" and no key, every taint is tolerated.
   * @default - every key
   */
  readonly key?: string;
  /**
   * "Equal" compares `value`; "Exists" only needs the key.
   * @default "Equal"
   */
  readonly operator?: 'Equal' | 'Exists';
  /**
   * Taint value, with operator "Equal".
   * @default - empty
   */
  readonly value?: string;
  /**
   * Taint effect to tolerate.
   * @default - every effect
   */
  readonly effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  /**
   * With effect "NoExecute": how long the pod stays on a node after the taint appears.
   * @default - forever
   */
  readonly tolerationSeconds?: number;
}

/** Overrides of one HTTP probe's timing; unset fields keep the construct's values. */
export interface ProbeSettings {
  /**
   * Seconds after the container starts before the first probe.
   * @default - per component
   */
  readonly initialDelaySeconds?: number;
  /**
   * Seconds between probes.
   * @default - per component
   */
  readonly periodSeconds?: number;
  /**
   * Seconds after which one probe counts as failed.
   * @default 1
   */
  readonly timeoutSeconds?: number;
  /**
   * Consecutive failures before the probe acts (restart or not ready).
   * @default - per component
   */
  readonly failureThreshold?: number;
}

/** Scheduling and pod metadata settings shared by the vmalert Deployment and the Alertmanager StatefulSet. */
export interface PodSettings {
  /**
   * Node taints the pods tolerate, e.g. a dedicated monitoring node pool.
   * @default - none
   */
  readonly tolerations?: PodToleration[];
  /**
   * Node labels a node must have to run the pods.
   * @default - any node
   */
  readonly nodeSelector?: Record<string, string>;
  /**
   * PriorityClass of the pods: alerting should outrank the workloads it watches when nodes run short.
   * @default - the cluster's default priority
   */
  readonly priorityClassName?: string;
  /**
   * Secrets (docker-registry type, same namespace) used to pull the image from a private registry.
   * @default - none
   */
  readonly imagePullSecrets?: string[];
  /**
   * Extra labels on the pods (not on the selector).
   * @default - none
   */
  readonly labels?: Record<string, string>;
  /**
   * Extra annotations on the pods.
   * @default - none
   */
  readonly annotations?: Record<string, string>;
  /**
   * Timing of the liveness probe.
   * @default - per component
   */
  readonly livenessProbe?: ProbeSettings;
  /**
   * Timing of the readiness probe.
   * @default - per component
   */
  readonly readinessProbe?: ProbeSettings;
}

/** Checks a map of label (or annotation) keys and, for labels, values. */
export function checkLabelMap(owner: string, prop: string, map: Record<string, string>, values: boolean): void {
  for (const [key, value] of Object.entries(map)) {
    if (!isLabelKey(key)) {
      throw new ConfigError(`${owner}: ${prop} key ${JSON.stringify(key)} is not a valid Kubernetes key (e.g. "team" or "example.com/team")`);
    }
    if (typeof value !== 'string' || (values && !isLabelValue(value))) {
      throw new ConfigError(`${owner}: ${prop}.${key} ${JSON.stringify(value)} is not a valid label value (up to 63 letters, digits, "-", "_", ".")`);
    }
  }
}

/**
 * How a probe reaches the container: an HTTP(S) GET of the path, or, when the port asks every request for
 * credentials the kubelet cannot send without writing them into the manifest, a TCP connect to the port.
 */
export type ProbeTransport = 'http' | 'https' | 'tcp';

/** A kplus HTTP probe with the component's timing, overridden field by field. */
export function httpProbe(owner: string, prop: string, path: string, port: number,
  defaults: { periodSeconds: number; failureThreshold?: number }, override: ProbeSettings = {}, transport: ProbeTransport = 'http'): kplus.Probe {
  const merged: ProbeSettings = { ...defaults, ...override };
  for (const [key, value] of Object.entries(merged)) {
    if (value !== undefined && (!Number.isInteger(value) || value < (key === 'initialDelaySeconds' ? 0 : 1))) {
      throw new ConfigError(`${owner}: pod.${prop}.${key} must be a whole number of ${key.endsWith('Threshold') ? 'tries' : 'seconds'} `
        + `(>= ${key === 'initialDelaySeconds' ? 0 : 1}), got ${value}`);
    }
  }
  const timing = {
    port,
    periodSeconds: Duration.seconds(merged.periodSeconds!),
    ...(merged.initialDelaySeconds !== undefined ? { initialDelaySeconds: Duration.seconds(merged.initialDelaySeconds) } : {}),
    ...(merged.timeoutSeconds !== undefined ? { timeoutSeconds: Duration.seconds(merged.timeoutSeconds) } : {}),
    ...(merged.failureThreshold !== undefined ? { failureThreshold: merged.failureThreshold } : {}),
  };
  if (transport === 'tcp') return kplus.Probe.fromTcpSocket(timing);
  // The kubelet does not verify the certificate of an HTTPS probe: a self-signed or private-CA one is fine.
  return kplus.Probe.fromHttpGet(path, { ...timing, ...(transport === 'https' ? { scheme: kplus.ConnectionScheme.HTTPS } : {}) });
}

/**
 * Applies {@link PodSettings} (all but the probes, which go through {@link httpProbe}) to a workload's pod template.
 * Labels and annotations the construct sets itself are refused, so selectors and rollout checksums stay intact.
 */
export function applyPodSettings(owner: string, workload: kplus.Deployment | kplus.StatefulSet, settings: PodSettings = {}): void {
  const own = workload.podMetadata.toJson() as { labels?: Record<string, string>; annotations?: Record<string, string> };
  const ownLabels = own.labels ?? {};
  const ownAnnotations = own.annotations ?? {};
  for (const [prop, map, existing, values] of [
    ['labels', settings.labels, ownLabels, true], ['annotations', settings.annotations, ownAnnotations, false],
  ] as const) {
    if (!map) continue;
    checkLabelMap(owner, `pod.${prop}`, map, values);
    const taken = Object.keys(map).find(key => key in existing || key.startsWith(`${LABEL_PREFIX}/`) || key.startsWith('cdk8s.io/'));
    if (taken) throw new ConfigError(`${owner}: pod.${prop}.${taken} is set by the construct: choose another key`);
  }
  for (const [key, value] of Object.entries(settings.labels ?? {})) workload.podMetadata.addLabel(key, value);
  for (const [key, value] of Object.entries(settings.annotations ?? {})) workload.podMetadata.addAnnotation(key, value);
  if (settings.nodeSelector) checkLabelMap(owner, 'pod.nodeSelector', settings.nodeSelector, true);
  const patches: JsonPatch[] = [];
  const add = (field: string, value: unknown) => patches.push(JsonPatch.add(`/spec/template/spec/${field}`, value));
  if (settings.tolerations && settings.tolerations.length > 0) add('tolerations', settings.tolerations.map(t => tolerationSpec(owner, t)));
  if (settings.nodeSelector && Object.keys(settings.nodeSelector).length > 0) add('nodeSelector', settings.nodeSelector);
  if (settings.priorityClassName !== undefined) {
    if (!isObjectName(settings.priorityClassName)) {
      throw new ConfigError(`${owner}: pod.priorityClassName ${JSON.stringify(settings.priorityClassName)} is not a valid object name`);
    }
    add('priorityClassName', settings.priorityClassName);
  }
  if (settings.imagePullSecrets && settings.imagePullSecrets.length > 0) {
    const bad = settings.imagePullSecrets.find(name => !isObjectName(name));
    if (bad !== undefined) throw new ConfigError(`${owner}: pod.imagePullSecrets: ${JSON.stringify(bad)} is not a valid Secret name`);
    add('imagePullSecrets', settings.imagePullSecrets.map(name => ({ name })));
  }
  if (patches.length > 0) ApiObject.of(workload).addJsonPatch(...patches);
}

function tolerationSpec(owner: string, toleration: PodToleration): Record<string, unknown> {
  if (toleration.operator === 'Exists' && toleration.value) {
    throw new ConfigError(`${owner}: pod.tolerations: operator "Exists" takes no value (got ${JSON.stringify(toleration.value)}): drop value or use "Equal"`);
  }
  if (toleration.tolerationSeconds !== undefined && toleration.effect !== 'NoExecute') {
    throw new ConfigError(`${owner}: pod.tolerations: tolerationSeconds only applies to effect "NoExecute"`);
  }
  if (!toleration.key && toleration.operator !== 'Exists') {
    throw new ConfigError(`${owner}: pod.tolerations: a toleration without a key needs operator "Exists" (it then tolerates every taint)`);
  }
  return compact({ ...toleration });
}
