/**
 * Runs a command and measures its wall time, the peak memory of its whole process tree (npx, the cdk8s CLI, the
 * shell and the app it starts) by polling /proc, and the tree's CPU time through GNU time. Linux only.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** How often the tree's memory is sampled. Short-lived helpers below this may be missed; the big ones live longer. */
const SAMPLE_INTERVAL_MS = 5;
const PAGE_SIZE = 4096;
/**
 * GNU time (Debian package "time") reports user + system CPU of a command and every descendant it waited for: unlike
 * wall time, it hardly moves when other work shares the CPU.
 */
export const GNU_TIME = '/usr/bin/time';

/** One measured run. */
export interface TreeRun {
  readonly wallMs: number;
  /** Largest sum of the resident set sizes of all processes of the tree at one moment. */
  readonly peakTreeRssBytes: number;
  /** Largest resident set size of any single process of the tree. */
  readonly peakProcessRssBytes: number;
  /** User + system CPU time of the tree; undefined without GNU time. */
  readonly cpuMs?: number;
  readonly code: number | null;
  readonly output: string;
}

/** Options for {@link measureTree}. */
export interface MeasureOptions {
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** Runs `command` with `args` (no shell) to completion, sampling the memory of it and all its descendants. */
export function measureTree(command: string, args: readonly string[], options: MeasureOptions): Promise<TreeRun> {
  return new Promise((resolve, reject) => {
    const cpuFile = fs.existsSync(GNU_TIME) ? path.join(os.tmpdir(), `bench-cpu-${process.pid}-${Date.now()}`) : undefined;
    const [bin, binArgs]: [string, string[]] = cpuFile ? [GNU_TIME, ['-f', '%U %S', '-o', cpuFile, command, ...args]] : [command, [...args]];
    const started = process.hrtime.bigint();
    const child = spawn(bin, binArgs, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', chunk => { output += chunk; });
    child.stderr.on('data', chunk => { output += chunk; });
    let peakTree = 0;
    let peakProcess = 0;
    const sample = () => {
      if (child.pid === undefined) return;
      const sizes = descendantsOf(child.pid).map(rssOf);
      peakTree = Math.max(peakTree, sizes.reduce((sum, size) => sum + size, 0));
      peakProcess = Math.max(peakProcess, ...sizes);
    };
    const timer = setInterval(sample, SAMPLE_INTERVAL_MS);
    sample();
    child.on('error', error => {
      clearInterval(timer);
      reject(error);
    });
    child.on('close', code => {
      clearInterval(timer);
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      resolve({
        wallMs,
        peakTreeRssBytes: peakTree,
        peakProcessRssBytes: peakProcess,
        cpuMs: cpuFile ? readCpuMs(cpuFile) : undefined,
        code,
        output,
      });
    });
  });
}

/** Reads and removes GNU time's output: its last line is "<user seconds> <system seconds>". */
function readCpuMs(file: string): number | undefined {
  try {
    const [user, system] = fs.readFileSync(file, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
    return (user + system) * 1000;
  } catch {
    return undefined;
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/** `pid` and every process below it, through /proc/<pid>/task/<tid>/children. */
export function descendantsOf(pid: number): number[] {
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift()!;
    found.push(next);
    let tasks: string[];
    try {
      tasks = fs.readdirSync(`/proc/${next}/task`);
    } catch {
      continue; // exited between two reads
    }
    for (const task of tasks) {
      try {
        const children = fs.readFileSync(`/proc/${next}/task/${task}/children`, 'utf8').trim();
        if (children) queue.push(...children.split(/\s+/).map(Number));
      } catch {
        // the thread or process exited meanwhile
      }
    }
  }
  return found;
}

/** Resident set size of a process in bytes; 0 once it has exited. */
export function rssOf(pid: number): number {
  try {
    return Number(fs.readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * PAGE_SIZE;
  } catch {
    return 0;
  }
}
