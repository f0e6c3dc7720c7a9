/**
 * Locating and running the real binaries the tests prove our output with (vmalert, amtool, promtool,
 * prometheus-alertmanager, victoria-metrics, vmagent). A missing binary is a failing test with the
 * install command in its message, never a skipped one.
 */
import { spawnSync, SpawnSyncOptions } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** Which Debian package ships each binary (install-test-tools.sh installs all three). */
const DEBIAN_PACKAGE: Record<string, string> = {
  'vmalert': 'victoria-metrics',
  'victoria-metrics': 'victoria-metrics',
  'vmagent': 'victoria-metrics',
  'prometheus-alertmanager': 'prometheus-alertmanager',
  'amtool': 'prometheus-alertmanager',
  'promtool': 'prometheus',
};

/** The tools' own runs are short; a hung binary should fail the test, not the whole job. */
const DEFAULT_TIMEOUT_MS = 60_000;

/** Output of one finished process. */
export interface RunResult {
  /** Exit code; null when the process was killed by a signal (or timed out). */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options for {@link run}. */
export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** @default 60000 */
  readonly timeoutMs?: number;
  /** Text written to the process's standard input. */
  readonly input?: string;
}

/**
 * Absolute path of `name` on PATH. Throws an Error saying how to install it when it is missing.
 */
export function binary(name: string): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.resolve(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  const pkg = DEBIAN_PACKAGE[name];
  const debian = pkg ? ` (Debian package "${pkg}": apt-get install -y --no-install-recommends ${pkg})` : '';
  throw new Error(
    `${name} is not on PATH; the real-binary tests need it. ` +
      `Run "bash scripts/install-test-tools.sh" as root (npm run test:tools)${debian}.`,
  );
}

/** Runs `bin` with `args` to completion and returns its exit code and output. Never throws on a non-zero exit. */
export function run(bin: string, args: readonly string[], opts: RunOptions = {}): RunResult {
  const spawnOpts: SpawnSyncOptions = {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    input: opts.input,
    timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  };
  const result = spawnSync(bin, [...args], spawnOpts);
  if (result.error && (result.error as NodeJS.ErrnoException).code !== 'ETIMEDOUT') {
    throw new Error(`could not run ${bin}: ${result.error.message}`);
  }
  return {
    code: result.status,
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
  };
}

function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
