/**
 * Resources of vmalert and Alertmanager from the expected rule count and alert volume, by a linear model fitted to
 * what `npm run bench:scale` measured with the pinned binaries (docs/sizing-measurements.json, docs/sizing.md).
 * The default resources of VmalertHa and AlertmanagerCluster are this model at {@link DEFAULT_SIZING_WORKLOAD};
 * __tests__/sizing.test.ts refits the model from the recorded measurements and fails when either drifts.
 */
import { DURATION_HINT, isDuration, parseDuration } from '../core/duration';
import { ConfigError } from '../core/errors';
import type { ResourceSettings } from './workload';

/** What one vmalert replica and one Alertmanager peer carry. */
export interface SizingWorkload {
  /** Rules, alerting and recording, that every vmalert replica evaluates. */
  readonly rules: number;
  /** Alerts firing at once at the worst moment (a storm), over all rules. */
  readonly firingAlerts: number;
  /**
   * Evaluation interval of the groups: CPU for the rules grows as it shrinks.
   * @default "1m" (VmalertHa's evaluationInterval)
   */
  readonly evaluationInterval?: string;
}

/**
 * The fitted model: peak RSS in MiB and CPU in cores, each a base plus a cost per 1,000 rules and per 1,000 firing
 * alerts, at the bench's 30 s evaluation interval.
 */
export const SIZING_MODEL = {
  evaluationInterval: '30s',
  vmalert: {
    baseMiB: 17.9,
    miBPerThousandRules: 26.4,
    miBPerThousandAlerts: 15.5,
    baseCores: 0.0083,
    coresPerThousandRules: 0.0058,
    coresPerThousandAlerts: 0.0044,
  },
  alertmanager: {
    baseMiB: 39.8,
    miBPerThousandRules: 0.4,
    miBPerThousandAlerts: 12.5,
    baseCores: 0.0022,
    coresPerThousandRules: 0,
    coresPerThousandAlerts: 0.0034,
  },
} as const;

/**
 * Headroom over the model: the memory request is 1.5 x the predicted peak RSS (Go's heap grows in steps and a storm
 * comes on top), the memory limit 4 x (an OOM kill in a storm loses the alerts a peer held), the CPU request 2 x the
 * mean use (evaluations come in bursts every interval).
 */
export const SIZING_HEADROOM = { memoryRequest: 1.5, memoryLimit: 4, cpuRequest: 2 } as const;

/** The workload the defaults are sized for: 2,000 rules every 30 s (4,000 every minute) and a storm of 2,000 firing alerts. */
export const DEFAULT_SIZING_WORKLOAD: Required<SizingWorkload> = { rules: 2000, firingAlerts: 2000, evaluationInterval: '30s' };

/** Memory is requested in steps of 16 MiB, CPU in steps of 5 millicores. */
const MEMORY_STEP_MIB = 16;
const CPU_STEP_MILLIS = 5;
/** VmalertHa's default evaluation interval, used when the workload names none. */
const DEFAULT_INTERVAL = '1m';

type Component = keyof Omit<typeof SIZING_MODEL, 'evaluationInterval'>;

/** Requests and limit for `component` carrying `workload`. */
export function sizedResources(component: Component, workload: SizingWorkload, owner = `ResourceSizing.${component}`): Required<ResourceSettings> {
  for (const key of ['rules', 'firingAlerts'] as const) {
    const value = workload[key];
    if (!Number.isInteger(value) || value < 0) throw new ConfigError(`${owner}: ${key} must be a whole number >= 0, got ${value}`);
  }
  const interval = workload.evaluationInterval ?? DEFAULT_INTERVAL;
  if (!isDuration(interval) || parseDuration(interval) === 0) {
    throw new ConfigError(`${owner}: evaluationInterval ${JSON.stringify(interval)} is not a positive duration (${DURATION_HINT})`);
  }
  const intervalMs = parseDuration(interval);
  const model = SIZING_MODEL[component];
  const rulesK = workload.rules / 1000;
  const alertsK = workload.firingAlerts / 1000;
  const peakMiB = model.baseMiB + model.miBPerThousandRules * rulesK + model.miBPerThousandAlerts * alertsK;
  // Rules cost CPU per evaluation: at twice the interval, half the CPU.
  const perEvaluation = parseDuration(SIZING_MODEL.evaluationInterval) / intervalMs;
  const cores = model.baseCores + (model.coresPerThousandRules * rulesK + model.coresPerThousandAlerts * alertsK) * perEvaluation;
  return {
    cpuMillis: roundUp(cores * SIZING_HEADROOM.cpuRequest * 1000, CPU_STEP_MILLIS),
    memoryMiB: roundUp(peakMiB * SIZING_HEADROOM.memoryRequest, MEMORY_STEP_MIB),
    memoryLimitMiB: roundUp(peakMiB * SIZING_HEADROOM.memoryLimit, MEMORY_STEP_MIB),
  };
}

/**
 * Resources for an expected workload, from what the pinned binaries used in `npm run bench:scale` (docs/sizing.md),
 * with the headroom that page states. Pass the result as `resources` of VmalertHa or AlertmanagerCluster.
 */
export class ResourceSizing {
  /** Requests and memory limit of each vmalert replica (every replica evaluates every rule). */
  public static vmalert(workload: SizingWorkload): ResourceSettings {
    return sizedResources('vmalert', workload);
  }

  /** Requests and memory limit of each Alertmanager peer (every peer holds every alert). */
  public static alertmanager(workload: SizingWorkload): ResourceSettings {
    return sizedResources('alertmanager', workload);
  }

  private constructor() {}
}

/** `value` rounded up to a multiple of `step`, at least one step. */
function roundUp(value: number, step: number): number {
  return Math.max(step, Math.ceil(value / step) * step);
}
