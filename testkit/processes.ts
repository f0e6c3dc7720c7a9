/**
 * Process supervisor for the end-to-end suite: start a binary, keep its output (memory + file), stop it
 * (SIGTERM, then SIGKILL after a grace period) and wait until it has really exited.
 *
 * Every started process is registered with the lifecycle registry (lifecycle.ts), so afterEach stops it
 * even when the test failed or timed out.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { registerResource } from './lifecycle';

/** Lines kept in memory per process (the log file has everything). */
const MAX_MEMORY_LINES = 4000;
/** Time a process gets to exit after SIGTERM before it is killed. */
const DEFAULT_STOP_GRACE_MS = 5_000;
/** Time to wait for the exit after SIGKILL; longer means the kernel is stuck, which we report. */
const KILL_WAIT_MS = 5_000;

/** How to start one process. */
export interface ProcessSpec {
  /** Name used in logs and error messages, e.g. the pod name. */
  readonly name: string;
  /** Absolute path of the binary (a pinned build from scripts/tools/test-tools.sh). */
  readonly command: string;
  readonly args: readonly string[];
  /** Environment of the process; PATH and HOME of the test runner are added. */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Directory for `<name>.log`; no file when omitted. */
  readonly logDir?: string;
}

/** How a process ended. */
export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A running (or exited) process started by {@link startProcess}. */
export class ManagedProcess {
  public readonly name: string;
  public readonly spec: ProcessSpec;
  /** Resolves once the process has exited (never rejects). */
  public readonly exited: Promise<ExitStatus>;
  public readonly logFile?: string;
  private readonly child: ChildProcess;
  private readonly lines: string[] = [];
  private exitStatus?: ExitStatus;
  private logStream?: fs.WriteStream;

  constructor(spec: ProcessSpec) {
    this.name = spec.name;
    this.spec = spec;
    if (spec.logDir) {
      fs.mkdirSync(spec.logDir, { recursive: true });
      this.logFile = path.join(spec.logDir, `${spec.name}.log`);
      this.logStream = fs.createWriteStream(this.logFile, { flags: 'a' });
      this.logStream.write(`$ ${spec.command} ${spec.args.join(' ')}\n`);
    }
    this.child = spawn(spec.command, [...spec.args], {
      cwd: spec.cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise<ExitStatus>((resolve) => {
      this.child.once('error', (err) => {
        this.record('supervisor', `failed to start ${spec.command}: ${err.message}`);
        this.exitStatus = { code: -1, signal: null };
        resolve(this.exitStatus);
      });
      this.child.once('exit', (code, signal) => {
        this.exitStatus = { code, signal };
        this.record('supervisor', `exited with code ${code} signal ${signal}`);
        resolve(this.exitStatus);
      });
    });
    this.pipe(this.child.stdout, 'out');
    this.pipe(this.child.stderr, 'err');
    registerResource(this.name, {
      close: () => this.stop(),
      logs: () => this.logText(),
    });
  }

  /** Operating-system process id (undefined when the binary could not be started). */
  public get pid(): number | undefined {
    return this.child.pid;
  }

  /** True until the process has exited. */
  public get running(): boolean {
    return this.exitStatus === undefined;
  }

  /** The exit status, once exited. */
  public get status(): ExitStatus | undefined {
    return this.exitStatus;
  }

  /** The captured output (last {@link MAX_MEMORY_LINES} lines). */
  public logText(): string {
    return this.lines.join('\n');
  }

  /** Lines of output matching `pattern`. */
  public grep(pattern: RegExp): string[] {
    return this.lines.filter((line) => pattern.test(line));
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. Idempotent. */
  public async stop(graceMs = DEFAULT_STOP_GRACE_MS): Promise<ExitStatus> {
    if (this.exitStatus) return this.exitStatus;
    this.child.kill('SIGTERM');
    const terminated = await withTimeout(this.exited, graceMs);
    if (terminated) return this.finish(terminated);
    this.record('supervisor', `still running ${graceMs} ms after SIGTERM: SIGKILL`);
    this.child.kill('SIGKILL');
    const killed = await withTimeout(this.exited, KILL_WAIT_MS);
    if (!killed) throw new Error(`process ${this.name} (pid ${this.pid}) did not exit after SIGKILL`);
    return this.finish(killed);
  }

  /** SIGKILL right away, as a node failure or OOM kill would; resolves when exited. */
  public async kill(): Promise<ExitStatus> {
    if (this.exitStatus) return this.exitStatus;
    this.child.kill('SIGKILL');
    const killed = await withTimeout(this.exited, KILL_WAIT_MS);
    if (!killed) throw new Error(`process ${this.name} (pid ${this.pid}) did not exit after SIGKILL`);
    return this.finish(killed);
  }

  private async finish(status: ExitStatus): Promise<ExitStatus> {
    await this.closeLog();
    return status;
  }

  private closeLog(): Promise<void> {
    const stream = this.logStream;
    this.logStream = undefined;
    return new Promise((resolve) => (stream ? stream.end(resolve) : resolve()));
  }

  private pipe(stream: NodeJS.ReadableStream | null, tag: string): void {
    if (!stream) return;
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) this.record(tag, line);
    });
    stream.on('end', () => {
      if (partial) this.record(tag, partial);
    });
  }

  private record(tag: string, line: string): void {
    const entry = `${new Date().toISOString()} [${this.name} ${tag}] ${line}`;
    this.lines.push(entry);
    if (this.lines.length > MAX_MEMORY_LINES) this.lines.shift();
    this.logStream?.write(entry + '\n');
  }
}

/** Start a process and register it for cleanup at the end of the test. */
export function startProcess(spec: ProcessSpec): ManagedProcess {
  if (!fs.existsSync(spec.command)) {
    throw new Error(
      `${spec.name}: binary ${spec.command} is missing; build the pinned test binaries with "npm run test:tools"`,
    );
  }
  return new ManagedProcess(spec);
}

/** The value of `promise` if it settles within `ms`, else undefined. */
export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
