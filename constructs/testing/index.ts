/**
 * Checks a synthesized chart with the real tools, for use in a library user's tests (`cdk8s-vmalert-ha/testing`):
 * `vmalert -dryRun` on every vmalert container's rule files with that container's own arguments, and
 * `amtool check-config` on the Alertmanager configuration, each reading the files exactly as the pod would mount
 * them. This catches what only the real parsers know: MetricsQL syntax, RE2 regular expressions, template functions
 * and variables, flags the image's vmalert does not have.
 *
 * The binaries are not bundled: pass their paths, or set VMALERT_BIN and AMTOOL_BIN. Use the versions the chart
 * deploys (see VERSIONS), or whichever your images run.
 *
 * The package's entry point exports {@link RealTools}, the same checks as static methods on a cdk8s Chart, for every
 * language jsii publishes to.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Chart } from 'cdk8s';
import {
  allContainers, Container, containerArgs, expandEnvRefs, extractAlertmanagerConfig, extractRuleFiles, isAlertmanager, K8sObject,
  rewriteArgPaths, workloadsOf,
} from './manifests';
import { VERSIONS } from '../core/versions';

/** Options for {@link RealTools} (and the `checkWithRealTools` and `assertRealToolsAccept` functions of `cdk8s-vmalert-ha/testing`). */
export interface RealToolsOptions {
  /**
   * Path of the vmalert binary.
   * @default - the VMALERT_BIN environment variable, else `vmalert` on PATH
   */
  readonly vmalertBin?: string;
  /**
   * Path of the amtool binary.
   * @default - the AMTOOL_BIN environment variable, else `amtool` on PATH
   */
  readonly amtoolBin?: string;
  /**
   * Values for `$(NAME)` references in container arguments, as the kubelet would expand them.
   * @default - each container's own `env` values; Downward API fields get stand-ins (pod name `<workload>-0`, the
   * namespace, 127.0.0.1)
   */
  readonly env?: Record<string, string>;
  /**
   * Skip `amtool check-config` (a chart without an Alertmanager is fine either way).
   * @default false
   */
  readonly skipAmtool?: boolean;
  /**
   * Longest run of one tool, in milliseconds.
   * @default 60000
   */
  readonly timeoutMs?: number;
}

/** One run of a real tool on the chart. */
export interface RealToolCheck {
  /** What was checked, e.g. `vmalert -dryRun of Deployment "rules-vmalert", container "vmalert"`. */
  readonly subject: string;
  /** The command line, with paths into a temporary copy of the mounted files. */
  readonly command: string[];
  /**
   * Exit code.
   * @default - none: the tool was killed (a timeout)
   */
  readonly exitCode?: number;
  /** What the tool printed, without vmalert's one line per flag at start-up. */
  readonly output: string;
  /** Whether the tool accepted it. */
  readonly ok: boolean;
}

/** Anything `chart.toJson()` gives: a cdk8s Chart, or its list of manifests. */
export type ChartOrManifests = { toJson(): unknown[] } | readonly unknown[];

/**
 * Runs `vmalert -dryRun` for every container with `-rule` arguments and `amtool check-config` for the first
 * Alertmanager, and returns every run. Throws only when a binary cannot be started.
 */
export function checkWithRealTools(chart: ChartOrManifests, options: RealToolsOptions = {}): RealToolCheck[] {
  const objects = (Array.isArray(chart) ? chart : (chart as { toJson(): unknown[] }).toJson()) as K8sObject[];
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-vmalert-ha-check-'));
  try {
    const checks: RealToolCheck[] = [];
    const rules = extractRuleFiles(objects, path.join(workDir, 'vmalert'));
    for (const { workload, container, mirror } of rules.containers) {
      const env = { ...containerEnv(workload, container), ...options.env };
      const args = ['-dryRun', ...expandEnvRefs(rewriteArgPaths(containerArgs(container), mirror), env)];
      checks.push(runTool(`vmalert -dryRun of ${workload.kind} "${workload.metadata.name}", container "${container.name}"`,
        toolPath(options.vmalertBin, 'VMALERT_BIN', 'vmalert', VERSIONS.victoriaMetrics), args, options));
    }
    if (!options.skipAmtool && hasAlertmanager(objects)) {
      const alertmanager = extractAlertmanagerConfig(objects, path.join(workDir, 'alertmanager'));
      checks.push(runTool(`amtool check-config of ${alertmanager.workload.kind} "${alertmanager.workload.metadata.name}"`,
        toolPath(options.amtoolBin, 'AMTOOL_BIN', 'amtool', VERSIONS.alertmanager), ['check-config', alertmanager.configFile], options));
    }
    return checks;
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

/**
 * Throws an Error naming every refusal with the tool's own output, or when the chart holds no vmalert at all;
 * returns the checks when the real tools accept everything. For a test: `assertRealToolsAccept(chart)`.
 */
export function assertRealToolsAccept(chart: ChartOrManifests, options: RealToolsOptions = {}): RealToolCheck[] {
  const checks = checkWithRealTools(chart, options);
  if (!checks.some(check => check.subject.startsWith('vmalert'))) {
    throw new Error('no vmalert container with -rule arguments in the chart: nothing for vmalert -dryRun to check');
  }
  const failed = checks.filter(check => !check.ok);
  if (failed.length > 0) {
    throw new Error(failed.map(check => `${check.subject} refused it (exit ${check.exitCode}):\n${check.output.trim()}`).join('\n\n'));
  }
  return checks;
}

/**
 * The real-tool checks of a synthesized chart as static methods (what `cdk8s-vmalert-ha/testing` gives TypeScript as
 * functions), for tests in any language: `vmalert -dryRun` on every vmalert container's rule files with its own
 * arguments, and `amtool check-config` on the Alertmanager configuration.
 *
 * @example
 * RealTools.assertAccept(chart, { vmalertBin: '/usr/local/bin/vmalert', amtoolBin: '/usr/local/bin/amtool' });
 */
export class RealTools {
  /**
   * Runs `vmalert -dryRun` for every container with `-rule` arguments and `amtool check-config` for the first
   * Alertmanager, and returns every run. Throws only when a binary cannot be started.
   */
  public static check(chart: Chart, options: RealToolsOptions = {}): RealToolCheck[] {
    return checkWithRealTools(chart, options);
  }

  /**
   * Throws an Error naming every refusal with the tool's own output, or when the chart holds no vmalert at all;
   * returns the checks when the real tools accept everything.
   */
  public static assertAccept(chart: Chart, options: RealToolsOptions = {}): RealToolCheck[] {
    return assertRealToolsAccept(chart, options);
  }

  private constructor() {}
}

function runTool(subject: string, bin: string, args: string[], options: RealToolsOptions): RealToolCheck {
  const result = spawnSync(bin, args, { encoding: 'utf8', timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 });
  if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error(`${subject}: cannot run ${bin} (not found): install it or give its path (see RealToolsOptions)`);
  }
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.split('\n').filter(line => !/\/flag\.go:\d+\t/.test(line)).join('\n');
  return { subject, command: [bin, ...args], exitCode: result.status ?? undefined, output, ok: result.status === 0 };
}

function toolPath(explicit: string | undefined, envName: string, name: string, version: string): string {
  const chosen = explicit ?? process.env[envName];
  if (chosen !== undefined && chosen !== '') {
    if (!fs.existsSync(chosen)) throw new Error(`${name}: ${chosen} does not exist (from ${explicit ? 'the options' : envName})`);
    return chosen;
  }
  const onPath = (process.env.PATH ?? '').split(path.delimiter).map(dir => path.join(dir, name)).find(file => fs.existsSync(file));
  if (!onPath) {
    throw new Error(`${name} was not found: set ${envName} or pass its path in the options (the chart deploys ${name} ${version})`);
  }
  return onPath;
}

/** The container's env as the kubelet sets it, with stand-ins for Downward API fields. */
function containerEnv(workload: K8sObject, container: Container): Record<string, string> {
  const standIns: Record<string, string> = {
    'metadata.name': `${workload.metadata.name}-0`,
    'metadata.namespace': workload.metadata.namespace ?? 'default',
    'status.podIP': '127.0.0.1',
    'status.hostIP': '127.0.0.1',
    'spec.nodeName': 'node-0',
  };
  return Object.fromEntries((container.env ?? []).flatMap(variable => {
    if (variable.value !== undefined) return [[variable.name, variable.value]];
    const field = variable.valueFrom?.fieldRef?.fieldPath as string | undefined;
    return field && standIns[field] ? [[variable.name, standIns[field]]] : [];
  }));
}

function hasAlertmanager(objects: readonly K8sObject[]): boolean {
  return workloadsOf(objects).some(({ podSpec }) => allContainers(podSpec).some(isAlertmanager));
}
