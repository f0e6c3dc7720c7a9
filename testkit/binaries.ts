/**
 * Locating and running the real binaries the tests prove our output with. The pinned ones (vmalert, vmagent,
 * vmauth, victoria-metrics, vmalert-tool, alertmanager, amtool) are built by scripts/tools/test-tools.sh from the upstream
 * Go modules at the tags of constructs/core/versions.ts; anything else (bash, kubectl stand-ins) comes from PATH.
 * A missing binary is a failing test with the command to build it in its message, never a skipped one.
 */
import { ChildProcess, spawn, spawnSync, SpawnSyncOptions } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';

const TEST_TOOLS_SCRIPT = path.join(__dirname, '..', 'scripts', 'tools', 'test-tools.sh');

/** The tools' own runs are short; a hung binary should fail the test, not the whole job. */
const DEFAULT_TIMEOUT_MS = 60_000;
/** A cold build of every pinned binary takes minutes on 2 cores; a warm cache answers at once. */
const BUILD_TIMEOUT_MS = 30 * 60_000;

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

let pinnedPaths: ReadonlyMap<string, string> | undefined;

/**
 * Name -> absolute path of every pinned binary, as scripts/tools/test-tools.sh reports them (building what is
 * missing). Throws with the script's own error when a build fails.
 */
export function pinnedBinaries(): ReadonlyMap<string, string> {
  if (pinnedPaths) return pinnedPaths;
  const result = spawnSync('bash', [TEST_TOOLS_SCRIPT, '--paths'], { encoding: 'utf8', timeout: BUILD_TIMEOUT_MS });
  if (result.status !== 0) {
    throw new Error(
      `scripts/tools/test-tools.sh could not provide the pinned binaries (exit ${result.status}):\n${result.stderr}` +
        'Rerun "npm run test:tools" and read its message.',
    );
  }
  pinnedPaths = new Map(
    result.stdout.trim().split('\n').map((line) => line.split('\t') as [string, string]),
  );
  return pinnedPaths;
}

/**
 * Absolute path of the pinned binary `name`, or of `name` on PATH for a tool we do not pin. Throws an Error
 * saying how to get it when it is missing.
 */
export function binary(name: string): string {
  const pinned = pinnedBinaries().get(name);
  if (pinned) {
    if (isExecutableFile(pinned)) return pinned;
    throw new Error(`${name}: ${pinned} is missing; build the pinned binaries with "npm run test:tools".`);
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.resolve(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  throw new Error(
    `${name} is neither a pinned test binary (${[...pinnedBinaries().keys()].join(', ')}) nor on PATH; ` +
      'the pinned ones are built by "npm run test:tools".',
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

/** A long-running real binary started by {@link start}. */
export interface StartedProcess {
  readonly process: ChildProcess;
  /** stdout and stderr so far, interleaved; for failure messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after a grace period; resolves once the process has exited. */
  stop(): Promise<void>;
}

/** How long a stopped process gets to exit on SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 5_000;

/**
 * Starts `bin` in the background. Callers stop it in `finally`/`afterAll`; only loopback addresses
 * belong in its arguments.
 */
export function start(bin: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): StartedProcess {
  const child = spawn(bin, [...args], { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk) => { output += String(chunk); });
  child.stderr?.on('data', (chunk) => { output += String(chunk); });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  return {
    process: child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** A TCP port free on `host` right now (the kernel picks it). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Whether TCP `port` can be bound on `host` right now. */
export async function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** GET `url` once: the status code, or undefined when nothing answers. */
export function httpStatus(url: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

/** Interval between readiness polls. */
const POLL_INTERVAL_MS = 200;

/**
 * Polls `url` until it answers 200, the process exits, or `timeoutMs` passes. Returns the last
 * status seen (200 on success) so the caller asserts on it with the process output as context.
 */
export async function pollUntilOk(url: string, proc: StartedProcess, timeoutMs = 20_000): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  let status: number | undefined;
  while (Date.now() < deadline) {
    status = await httpStatus(url);
    if (status === 200) return status;
    if (proc.process.exitCode !== null || proc.process.signalCode !== null) return status;
    await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
  }
  return status;
}
