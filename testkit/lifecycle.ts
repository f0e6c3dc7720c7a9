/**
 * Per-test resource registry: processes, servers and timers started by a test register here, and the
 * afterEach hook installed by {@link useE2eLifecycle} stops all of them, checks that the test's loopback
 * addresses have no listening socket left, and prints the logs of a failed test's processes.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** Something a test started that must be stopped when the test ends. */
export interface Resource {
  /** Stop it; must be idempotent and must not throw for an already stopped resource. */
  close(): Promise<unknown>;
  /** Captured output, printed when the test fails. */
  logs?(): string;
}

/** A check run after every resource is closed (e.g. "no port left open"); throws to fail the test. */
export type AfterCleanupCheck = () => Promise<void>;

/** Set by testkit/failure-environment.js when the current test body or a beforeEach failed. */
const FAILURE_FLAG = '__E2E_CURRENT_TEST_FAILED__';
/** Root of the per-test working directories (data dirs, materialized volumes, logs). */
const WORK_ROOT = path.join(os.tmpdir(), 'cdk8s-vmalert-ha-e2e');
/** Lines of each process log printed for a failed test (the full log stays on disk). */
const FAILED_LOG_TAIL_LINES = 150;

const resources: Array<{ name: string; resource: Resource }> = [];
const checks: AfterCleanupCheck[] = [];
let currentWorkDir: string | undefined;

/** Register a resource of the current test. */
export function registerResource(name: string, resource: Resource): void {
  resources.push({ name, resource });
}

/** Register a check to run after the resources of the current test are closed. */
export function registerAfterCleanupCheck(check: AfterCleanupCheck): void {
  checks.push(check);
}

/** Name of the working directory outside jest (the benchmark, the playground). */
let outsideJestName = 'bench';

/** Outside jest: name the next working directory after `name` instead of "bench". */
export function nameWorkDir(name: string): void {
  outsideJestName = name;
}

/** The current test's working directory (created on first use, deleted after a passing test). */
export function testWorkDir(): string {
  if (!currentWorkDir) {
    // The benchmark and the playground reuse this module outside jest, where there is no `expect`.
    const testName = (typeof expect === 'undefined' ? undefined : expect.getState().currentTestName) ?? outsideJestName;
    const slug = testName.replace(/[^a-zA-Z0-9]+/g, '-').slice(0, 60);
    fs.mkdirSync(WORK_ROOT, { recursive: true });
    currentWorkDir = fs.mkdtempSync(path.join(WORK_ROOT, `${slug}-`));
  }
  return currentWorkDir;
}

/** Whether jest recorded a failure for the current test (see failure-environment.js). */
export function currentTestFailed(): boolean {
  return (globalThis as Record<string, unknown>)[FAILURE_FLAG] === true;
}

/**
 * Stop everything the current test started. Processes stop in parallel (each gets SIGTERM, then SIGKILL).
 * Returns the errors met on the way instead of stopping at the first.
 */
export async function closeAll(): Promise<string[]> {
  const errors: string[] = [];
  const all = resources.splice(0, resources.length).reverse();
  const results = await Promise.allSettled(all.map(({ resource }) => resource.close()));
  results.forEach((result, i) => {
    if (result.status === 'rejected') errors.push(`closing ${all[i].name}: ${String(result.reason)}`);
  });
  for (const check of checks.splice(0, checks.length)) {
    try {
      await check();
    } catch (err) {
      errors.push(String(err instanceof Error ? err.message : err));
    }
  }
  return errors;
}

/** The tail of every registered resource's logs, for a failure report. */
export function collectLogs(): string {
  return resources
    .filter(({ resource }) => resource.logs)
    .map(({ name, resource }) => {
      const lines = (resource.logs?.() ?? '').split('\n');
      const tail = lines.slice(-FAILED_LOG_TAIL_LINES).join('\n');
      return `----- ${name} (last ${Math.min(lines.length, FAILED_LOG_TAIL_LINES)} lines) -----\n${tail}`;
    })
    .join('\n');
}

/**
 * End the current test (or benchmark phase): stop everything, run the after-cleanup checks, remove the
 * working directory unless `keepWorkDir` (a failure: its logs and data are evidence). Returns the errors.
 */
export async function endTest(keepWorkDir: boolean): Promise<string[]> {
  const errors = await closeAll();
  if (!keepWorkDir && errors.length === 0 && currentWorkDir) {
    fs.rmSync(currentWorkDir, { recursive: true, force: true });
  }
  currentWorkDir = undefined;
  return errors;
}

/**
 * Install the afterEach hook of an end-to-end test file: print logs on failure, stop everything,
 * verify the ports are free, and remove the working directory of a passing test.
 */
export function useE2eLifecycle(): void {
  afterEach(async () => {
    const failed = currentTestFailed();
    if (failed) {
      const logs = collectLogs();
      if (currentWorkDir) fs.writeFileSync(path.join(currentWorkDir, 'failure.log'), logs + '\n');
      const where = currentWorkDir ? `\nfull logs and data: ${currentWorkDir} (failure.log, logs/)` : '';
      process.stderr.write(`\n===== logs of the failed test "${expect.getState().currentTestName}" =====\n`);
      process.stderr.write(logs + where + '\n');
    }
    const errors = await endTest(failed);
    if (errors.length > 0) {
      throw new Error(`cleanup after the test failed:\n${errors.join('\n')}`);
    }
  });
}
