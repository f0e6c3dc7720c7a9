/**
 * The cluster's side effects: running commands, starting daemons in their cgroup (and a node's namespaces), and
 * the sweep that ends every process of the cluster. Processes are found through the cgroups, not by name: every
 * daemon, shim and container of the cluster lives under CGROUP_PARENT in the pids hierarchy, so `down` ends them
 * all from any shell, after any crash of `up`.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CGROUP_PARENT } from './layout';
import { Command } from './network';

export const CGROUP_FS = '/sys/fs/cgroup';

/** Runs a command; throws with its output when it fails (unless `allowFailure`). */
export function sh(cmd: Command, opts: { allowFailure?: boolean; input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}):
{ code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(cmd[0], cmd.slice(1), {
    encoding: 'utf8', input: opts.input, env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 120_000,
  });
  const out = { code: result.status, stdout: result.stdout ?? '', stderr: (result.stderr ?? '') + (result.error ? String(result.error) : '') };
  if (out.code !== 0 && !opts.allowFailure) {
    throw new Error(`cluster: "${cmd.join(' ')}" failed (exit ${out.code}): ${out.stderr.trim() || out.stdout.trim()}`);
  }
  return out;
}

/**
 * cgroup v1 hierarchies mounted under /sys/fs/cgroup (cpu, memory, pids, name=systemd, ...), or [] on cgroup v2.
 * `withUnified` adds the hybrid layout's cgroup2 mount (unified), where runc and the kubelet create folders too:
 * daemons are not placed there, but the sweep and the cleanup look there.
 */
export function cgroupHierarchies(opts: { withUnified?: boolean } = {}): string[] {
  if (!fs.existsSync(CGROUP_FS)) return [];
  return fs.readdirSync(CGROUP_FS)
    .filter((d) => (opts.withUnified || d !== 'unified') && fs.existsSync(path.join(CGROUP_FS, d, 'cgroup.procs')));
}

/** Creates `rel` (e.g. vmalert-ha-cluster/node-a) in every hierarchy; cpuset folders inherit cpus and mems. */
export function ensureCgroup(rel: string): void {
  for (const h of cgroupHierarchies()) {
    let current = path.join(CGROUP_FS, h);
    for (const part of rel.split('/').filter(Boolean)) {
      const parent = current;
      current = path.join(current, part);
      if (!fs.existsSync(current)) fs.mkdirSync(current);
      if (h === 'cpuset') {
        for (const file of ['cpuset.cpus', 'cpuset.mems']) {
          const value = fs.readFileSync(path.join(current, file), 'utf8').trim();
          if (value === '') fs.writeFileSync(path.join(current, file), fs.readFileSync(path.join(parent, file), 'utf8'));
        }
      }
    }
  }
}

/** Every process in the cluster's cgroups (all hierarchies, all depths). */
export function clusterPids(): number[] {
  return cgroupPids(CGROUP_PARENT);
}

/** Every process in the cgroup `rel` (e.g. vmalert-ha-cluster/node-a-daemons) and below it, in every hierarchy. */
export function cgroupPids(rel: string): number[] {
  const pids = new Set<number>();
  for (const h of cgroupHierarchies({ withUnified: true })) {
    const walk = (dir: string) => {
      if (!fs.existsSync(dir)) return;
      try {
        for (const line of fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n')) {
          if (line.trim()) pids.add(Number(line));
        }
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) walk(path.join(dir, entry.name));
      } catch {
        // removed meanwhile
      }
    };
    walk(path.join(CGROUP_FS, h, rel));
  }
  return [...pids];
}

/**
 * SIGKILLs every process of the cluster's cgroups until none is left (new ones may be forked meanwhile: a kubelet
 * restarting a container), then removes the cgroups deepest first. Resolves to the number of processes ended.
 */
export async function killAllAndRemoveCgroups(extraPids: readonly number[] = [], timeoutMs = 30_000): Promise<number> {
  const ended = new Set<number>();
  const deadline = Date.now() + timeoutMs;
  for (const pid of extraPids) kill(pid, 'SIGKILL', ended);
  for (;;) {
    // Freezing first would stop forks; SIGKILL in rounds is enough for daemons that do not fork bombs.
    const pids = clusterPids();
    if (pids.length === 0) break;
    if (Date.now() > deadline) throw new Error(`cluster: processes ${pids.join(' ')} survived SIGKILL for ${timeoutMs / 1000} s`);
    for (const pid of pids) kill(pid, 'SIGKILL', ended);
    await sleep(200);
  }
  for (const h of cgroupHierarchies({ withUnified: true })) removeTree(path.join(CGROUP_FS, h, CGROUP_PARENT));
  return ended.size;
}

function removeTree(dir: string): void {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) removeTree(path.join(dir, entry.name));
  for (let i = 0; i < 50; i++) {
    try {
      fs.rmdirSync(dir);
      return;
    } catch (error) {
      // EBUSY while the kernel finishes reaping the last task
      if (i === 49) throw new Error(`cluster: cannot remove cgroup ${dir}: ${String(error)}`);
      spawnSync('sleep', ['0.1']);
    }
  }
}

function kill(pid: number, signal: NodeJS.Signals, ended: Set<number>): void {
  try {
    process.kill(pid, signal);
    ended.add(pid);
  } catch {
    // gone already
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A daemon to start: its log file and the cgroup (under CGROUP_PARENT) it runs in. */
export interface Daemon {
  readonly name: string;
  readonly argv: readonly string[];
  /** Relative cgroup, e.g. vmalert-ha-cluster/control-plane. */
  readonly cgroup: string;
  readonly logFile: string;
  /** Enter this process's network, mount and UTS namespaces first (a node's holder). */
  readonly enterPid?: number;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Starts a daemon detached from this process (it outlives `up`): a shell moves itself into the cgroup in every
 * hierarchy, then execs the binary, so everything it forks is in the cgroup too. Returns its pid.
 */
export function startDaemon(d: Daemon): number {
  ensureCgroup(d.cgroup);
  const procsFiles = cgroupHierarchies().map((h) => path.join(CGROUP_FS, h, d.cgroup, 'cgroup.procs'));
  const script = `for f in ${procsFiles.map((f) => `'${f}'`).join(' ')}; do echo $$ > "$f"; done; exec "$@"`;
  const inner = ['sh', '-c', script, d.name, ...d.argv];
  const argv = d.enterPid === undefined
    ? inner
    : ['nsenter', `--target=${d.enterPid}`, '--net', '--mount', '--uts', '--', ...inner];
  fs.mkdirSync(path.dirname(d.logFile), { recursive: true });
  const log = fs.openSync(d.logFile, 'a');
  const child = spawn(argv[0], argv.slice(1), { detached: true, stdio: ['ignore', log, log], env: d.env ?? process.env });
  fs.closeSync(log);
  child.unref();
  if (child.pid === undefined) throw new Error(`cluster: could not start ${d.name} (${d.argv[0]})`);
  return child.pid;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The last `bytes` of a log file, for error messages. */
export function tail(file: string, bytes = 3000): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.slice(-bytes);
  } catch {
    return '(no log)';
  }
}
