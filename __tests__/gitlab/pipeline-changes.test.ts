/**
 * Which jobs .gitlab-ci.yml runs for which change (gitlab-ci-local `--list-json` evaluates `rules:changes` against
 * origin/main): a rules-only change skips the jobs that only test code (e2e, the API-server suite) but keeps every
 * rule check; merge requests get the manifests diff, and the cluster diff when the agent's context is set.
 */
import * as fs from 'fs';
import * as path from 'path';
import { checkoutNewBranch, gitlabCiLocal, listedJobs, previewPipeline, repoWith } from './helpers';

const PIPELINE_FILES = ['.gitlab-ci.yml', 'package-lock.json', 'rules/victoriametrics.yml', 'constructs/core/versions.ts', 'scripts/tools/test-tools.sh'];
/** The jobs that check rules with the real vmalert, vmalert-tool and amtool, and produce what deploy applies. */
const RULE_CHECKS = ['synth', 'validate:vmalert', 'validate:alertmanager', 'validate:kubernetes', 'validate:real-binaries'];
const CODE_ONLY = ['validate:e2e', 'test:cluster-tools', 'test:python', 'validate:api-server'];
const MR = ['--variable', 'CI_PIPELINE_SOURCE=merge_request_event', '--variable', 'CI_MERGE_REQUEST_TARGET_BRANCH_NAME=main'];

const repos: string[] = [];
afterAll(() => {
  for (const repo of repos) fs.rmSync(repo, { recursive: true, force: true });
});

/**
 * The jobs of a merge-request pipeline. gitlab-ci-local warns (on stdout, before the JSON) that CI_PIPELINE_SOURCE
 * is predefined; GitLab sets it to merge_request_event itself.
 */
function mergeRequestJobs(repo: string, extra: string[] = []): string[] {
  const result = gitlabCiLocal(repo, ['--list-json', ...MR, ...extra]);
  if (result.code !== 0) throw new Error(`gitlab-ci-local --list-json failed:\n${result.stderr}${result.stdout}`);
  const jobs = JSON.parse(result.stdout.slice(result.stdout.search(/^\[\s*[{\]]/m))) as Array<{ name: string; when: string }>;
  return jobs.filter((job) => job.when !== 'never').map((job) => job.name);
}

/** A repository on a new branch whose working tree changes `file` (gitlab-ci-local diffs it against origin/main). */
function branchChanging(file: string): string {
  const repo = repoWith(PIPELINE_FILES);
  repos.push(repo);
  checkoutNewBranch(repo, 'change');
  fs.appendFileSync(path.join(repo, file), '\n// changed\n'.replace('//', file.endsWith('.ts') ? '//' : '#'));
  return repo;
}

describe('.gitlab-ci.yml: jobs per change', () => {
  test('a change to rules/ only runs every rule check but neither e2e nor the API-server suite', () => {
    // GIVEN a branch that changes a rule file only / WHEN gitlab-ci-local lists the jobs
    const jobs = listedJobs(branchChanging('rules/victoriametrics.yml'));
    // THEN the rule checks run, the code-only jobs do not
    expect(jobs).toEqual(expect.arrayContaining(RULE_CHECKS));
    for (const job of CODE_ONLY) expect(jobs).not.toContain(job);
  });

  test('a change to the version table runs e2e and the API-server suite too', () => {
    const jobs = listedJobs(branchChanging('constructs/core/versions.ts'));
    expect(jobs).toEqual(expect.arrayContaining([...RULE_CHECKS, ...CODE_ONLY]));
  });

  test('a change to the lock file runs them too', () => {
    const repo = branchChanging('package-lock.json');
    expect(listedJobs(repo)).toEqual(expect.arrayContaining(CODE_ONLY));
  });

  test('a merge request gets the manifests diff; the cluster diff only with the agent context, and never a deploy', () => {
    // GIVEN a merge-request pipeline of a rules-only change
    const repo = branchChanging('rules/victoriametrics.yml');
    // WHEN gitlab-ci-local lists its jobs without and with KUBE_CONTEXT
    const without = mergeRequestJobs(repo);
    const withContext = mergeRequestJobs(repo, ['--variable', 'KUBE_CONTEXT=monitoring/cluster-config:production']);
    // THEN diff:manifests runs in both, diff:cluster only with the context, deploy in neither
    expect(without).toContain('diff:manifests');
    expect(without).not.toContain('diff:cluster');
    expect(withContext).toEqual(expect.arrayContaining(['diff:manifests', 'diff:cluster']));
    expect([...without, ...withContext]).not.toContain('deploy');
    // AND branch pipelines have neither diff job
    expect(listedJobs(repo)).not.toEqual(expect.arrayContaining(['diff:manifests']));
  });

  test('the diff jobs take dist/ from synth and keep the manifests diff as a merge-request artifact', () => {
    const pipeline = previewPipeline(branchChanging('rules/victoriametrics.yml'));
    expect(pipeline['diff:manifests'].dependencies).toEqual(['synth']);
    expect(pipeline['diff:manifests'].script).toEqual(['sh scripts/ci/diff-dist.sh "$CI_MERGE_REQUEST_TARGET_BRANCH_NAME" dist .build/mr-diff']);
    expect(pipeline['diff:manifests'].artifacts).toMatchObject({ expose_as: 'manifests diff', paths: ['.build/mr-diff/'] });
    expect(pipeline['diff:cluster'].dependencies).toEqual(['synth']);
    expect(pipeline['diff:cluster'].script).toEqual(['sh scripts/ci/diff-cluster.sh dist "$CI_EXTRACT_DIR/deploy-plan.txt"']);
    // the cluster diff runs where deploy runs: the same kubectl image
    expect(pipeline['diff:cluster'].image).toEqual(pipeline.deploy.image);
  });
});
