/**
 * The merge-request job diff:manifests (scripts/ci/diff-dist.sh): the target branch synthesized in a git worktree,
 * diffed against the merge request's dist/. Runs in a throw-away copy of the working tree with two branches, and
 * synthesizes twice through the cdk8s CLI (about 10 s), so it lives with the slower tests.
 */
import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT, checkoutNewBranch, exec, snapshotWorkingTree } from '../gitlab/helpers';

const DIFF_DIST_SCRIPT = path.join(REPO_ROOT, 'scripts', 'ci', 'diff-dist.sh');
const RULE_FILE = path.join('rules', 'victoriametrics.yml');
const GIT_IDENTITY = ['-c', 'user.name=diff-dist-test', '-c', 'user.email=diff-dist-test@example.com'];

jest.setTimeout(180_000);

let repo: string;

beforeAll(() => {
  // GIVEN a repository whose main branch is this working tree, with this checkout's node_modules
  repo = snapshotWorkingTree();
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(repo, 'node_modules'));
});

afterAll(() => {
  if (repo) fs.rmSync(repo, { recursive: true, force: true });
});

/** The cdk8s CLI would look up its newest version on npm (and print about it) at every synth. */
const ENV = { ...process.env, CDK8S_CHECK_UPGRADE: 'false' };

function inRepo(command: string, args: string[]) {
  const result = exec(command, args, { cwd: repo, env: ENV, timeoutMs: 150_000 });
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr}${result.stdout}`);
  return result;
}

function synth(): void {
  fs.rmSync(path.join(repo, 'dist'), { recursive: true, force: true });
  inRepo('npx', ['cdk8s', 'synth']);
}

function diffDist() {
  return exec('sh', [DIFF_DIST_SCRIPT, 'main', 'dist', '.build/mr-diff'], { cwd: repo, env: ENV, timeoutMs: 150_000 });
}

test('a merge request that changes a rule shows that change (and the checksum that rolls the pods) as a dist/ diff in the log and the artifact', () => {
  // GIVEN a merge-request branch that changes one rule's `for:` and its synthesized dist/
  checkoutNewBranch(repo, 'mr-rule-change');
  const rules = fs.readFileSync(path.join(repo, RULE_FILE), 'utf8');
  expect(rules).toContain('        for: 1m\n');
  fs.writeFileSync(path.join(repo, RULE_FILE), rules.replace('        for: 1m\n', '        for: 3m\n'));
  inRepo('git', [...GIT_IDENTITY, 'commit', '--quiet', '--all', '--message', 'rule: wait longer']);
  synth();

  // WHEN the diff:manifests job runs against the target branch main
  const result = diffDist();

  // THEN it succeeds (stderr holds only the app's own synth warnings) and the diff, in the log and in the artifact,
  // is that one line of the rules ConfigMap
  expect(result.stderr).not.toMatch(/error|diff-dist:/i);
  expect(result.code).toBe(0);
  const artifact = fs.readFileSync(path.join(repo, '.build', 'mr-diff', 'dist.diff'), 'utf8');
  expect(result.stdout).toContain(artifact);
  expect(result.stdout).toContain('diff-dist: 1 manifest file(s) change');
  const changed = artifact.split('\n').filter((line) => /^[-+](?![-+])/.test(line));
  expect(changed).toHaveLength(4);
  expect(changed[0]).toMatch(/^-\s+for: 1m$/);
  expect(changed[1]).toMatch(/^\+\s+for: 3m$/);
  // AND the rules checksum of the vmalert pod template, which rolls the pods onto the new rules
  expect(changed[2]).toMatch(/^-\s+cdk8s-vmalert-ha\/rules-checksum: [0-9a-f]{64}$/);
  expect(changed[3]).toMatch(/^\+\s+cdk8s-vmalert-ha\/rules-checksum: [0-9a-f]{64}$/);
  expect(artifact).toContain('--- main/alerting.k8s.yaml');
  expect(artifact).toContain('+++ merge-request/alerting.k8s.yaml');
  // AND the target's worktree is gone
  expect(inRepo('git', ['worktree', 'list']).stdout.trim().split('\n')).toHaveLength(1);
});

test('a merge request that changes nothing in the manifests says so', () => {
  // GIVEN a branch whose change does not reach dist/ (a comment in a rule file)
  inRepo('git', ['checkout', '--quiet', 'main']);
  checkoutNewBranch(repo, 'mr-comment-only');
  fs.appendFileSync(path.join(repo, RULE_FILE), '# a comment only\n');
  inRepo('git', [...GIT_IDENTITY, 'commit', '--quiet', '--all', '--message', 'rule: comment']);
  synth();
  // WHEN the job runs / THEN it reports no change and leaves an empty diff
  const result = diffDist();
  expect(result.code).toBe(0);
  expect(result.stdout).toContain('diff-dist: merging changes nothing in the manifests');
  expect(fs.readFileSync(path.join(repo, '.build', 'mr-diff', 'dist.diff'), 'utf8')).toBe('');
});
