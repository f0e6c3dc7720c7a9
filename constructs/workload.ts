import { ApiObject, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { NON_ROOT_UID, ZONE_TOPOLOGY_KEY } from './constants';
import { ConfigError } from './errors';
import { INT32_MAX } from './k8s-names';

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

/** Checks a replica count prop. */
export function checkReplicas(owner: string, replicas: number): void {
  if (!Number.isInteger(replicas) || replicas < 1) {
    throw new ConfigError(`${owner}: replicas must be a whole number >= 1, got ${replicas}`);
  }
  if (replicas > INT32_MAX) {
    throw new ConfigError(`${owner}: replicas ${replicas} is above ${INT32_MAX}: Kubernetes stores it as int32 and refuses the object`);
  }
}
