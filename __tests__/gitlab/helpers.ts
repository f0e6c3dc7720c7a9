/**
 * Helpers of the pipeline tests: throw-away git repositories for gitlab-ci-local (it reads the branch and
 * remote from git, and copies only tracked files into its build directories), and running it.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as yaml from 'js-yaml';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const GITLAB_CI_LOCAL = path.join(REPO_ROOT, 'node_modules', '.bin', 'gitlab-ci-local');
/** A remote URL of the shape GitLab gives; gitlab-ci-local derives CI_PROJECT_* from it. */
const REMOTE_URL = 'https://gitlab.example.com/monitoring/cdk8s-vmalert-ha.git';
const DEFAULT_BRANCH = 'main';
/** Identity for the throw-away commits, so the tests do not depend on the machine's git config. */
const GIT_IDENTITY = ['-c', 'user.name=pipeline-test', '-c', 'user.email=pipeline-test@example.com'];

/** Output of one finished process. */
export interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion; never throws on a non-zero exit. */
export function exec(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Finished {
  const result = spawnSync(command, [...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 60_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.error) throw new Error(`${command} ${args.join(' ')}: ${result.error.message}`);
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function git(cwd: string, ...args: string[]): string {
  const result = exec('git', [...GIT_IDENTITY, ...args], { cwd });
  if (result.code !== 0) throw new Error(`git ${args.join(' ')} in ${cwd} failed: ${result.stderr}`);
  return result.stdout;
}

/**
 * Makes `dir` a git repository on branch main with everything in it committed, and an `origin` whose HEAD
 * is main (so gitlab-ci-local finds CI_DEFAULT_BRANCH without a warning).
 */
export function commitAll(dir: string): void {
  git(dir, 'init', '--quiet', '--initial-branch', DEFAULT_BRANCH);
  git(dir, 'add', '--all');
  git(dir, 'commit', '--quiet', '--no-verify', '--message', 'snapshot for the pipeline tests');
  git(dir, 'remote', 'add', 'origin', REMOTE_URL);
  git(dir, 'update-ref', `refs/remotes/origin/${DEFAULT_BRANCH}`, 'HEAD');
  git(dir, 'symbolic-ref', 'refs/remotes/origin/HEAD', `refs/remotes/origin/${DEFAULT_BRANCH}`);
}

/** Switches the repository in `dir` to a new branch. */
export function checkoutNewBranch(dir: string, branch: string): void {
  git(dir, 'checkout', '--quiet', '-b', branch);
}

/** A fresh temporary directory. */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
}

/** A temporary repository holding only the given files of this repository (as they are in the working tree). */
export function repoWith(files: readonly string[]): string {
  const dir = tempDir('gitlab-ci');
  for (const file of files) copyInto(dir, file);
  commitAll(dir);
  return dir;
}

/**
 * A temporary repository holding the working tree as it is now: tracked files and untracked files git
 * does not ignore (so uncommitted work is what runs), without node_modules, dist/ or other build output.
 */
export function snapshotWorkingTree(): string {
  const listed = exec('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT });
  if (listed.code !== 0) throw new Error(`git ls-files in ${REPO_ROOT} failed: ${listed.stderr}`);
  const dir = tempDir('pipeline-run');
  for (const file of new Set(listed.stdout.split('\0').filter(Boolean))) {
    if (fs.existsSync(path.join(REPO_ROOT, file))) copyInto(dir, file); // skips files deleted but not yet staged
  }
  commitAll(dir);
  return dir;
}

function copyInto(dir: string, file: string): void {
  const target = path.join(dir, file);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(path.join(REPO_ROOT, file), target);
  fs.chmodSync(target, fs.statSync(path.join(REPO_ROOT, file)).mode);
}

/**
 * The environment of the test process without what the outer jest and npm put there (JEST_*, npm_*), so a
 * job's own `npm ci` and jest start as they would on a runner.
 */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(JEST_|npm_|INIT_CWD$|NODE_ENV$)/.test(key)) env[key] = value;
  }
  return { ...env, ...extra };
}

/** Runs gitlab-ci-local in `cwd`. */
export function gitlabCiLocal(cwd: string, args: readonly string[], env?: NodeJS.ProcessEnv, timeoutMs?: number): Finished {
  return exec(GITLAB_CI_LOCAL, args, { cwd, env: env ?? cleanEnv(), timeoutMs });
}

/** The expanded pipeline (`gitlab-ci-local --preview`) of the repository in `cwd`; throws if it is invalid. */
export function previewPipeline(cwd: string): Record<string, any> {
  const result = gitlabCiLocal(cwd, ['--preview']);
  if (result.code !== 0) throw new Error(`gitlab-ci-local --preview failed:\n${result.stderr}${result.stdout}`);
  return yaml.load(result.stdout) as Record<string, any>;
}

/** Job names `gitlab-ci-local --list-json` would run in the repository in `cwd` (jobs with when: never left out). */
export function listedJobs(cwd: string, extraArgs: readonly string[] = []): string[] {
  const result = gitlabCiLocal(cwd, ['--list-json', ...extraArgs]);
  if (result.code !== 0) throw new Error(`gitlab-ci-local --list-json failed:\n${result.stderr}${result.stdout}`);
  const jobs = JSON.parse(result.stdout) as Array<{ name: string; when: string }>;
  return jobs.filter((job) => job.when !== 'never').map((job) => job.name);
}
