/**
 * .gitlab-ci.yml against GitLab's CI schema and expanded (`gitlab-ci-local --preview`, `--list-json`): stages,
 * jobs, pinned images matching what the manifests deploy, the npm cache, the deploy rules.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ALERTMANAGER_IMAGE, VMALERT_IMAGE } from '../../constructs/core/constants';
import {
  REPO_ROOT, checkoutNewBranch, commitAll, exec, gitlabCiLocal, listedJobs, previewPipeline, repoWith, tempDir,
} from './helpers';

/** gitlab-ci-local needs only the pipeline file and the files its cache keys hash. */
const PIPELINE_FILES = ['.gitlab-ci.yml', 'package-lock.json', 'constructs/core/versions.ts', 'scripts/tools/test-tools.sh'];
const NODE_JOBS = ['test:unit', 'test:python', 'synth', 'validate:kubernetes', 'validate:real-binaries', 'validate:e2e', 'validate:api-server', 'diff:manifests'];
/** Jobs of branch pipelines (pipeline-changes.test.ts: which of them a change runs; the merge-request jobs). */
const ALL_JOBS = ['test:unit', 'test:tools', 'test:cluster-tools', 'test:python', 'synth', 'validate:vmalert', 'validate:alertmanager', 'validate:kubernetes', 'validate:real-binaries', 'validate:e2e', 'validate:api-server', 'deploy'];
const MERGE_REQUEST_JOBS = ['diff:manifests', 'diff:cluster'];
/** The jobs that run the pinned test binaries, taken from the test:tools job. */
const PINNED_BINARY_JOBS = ['validate:real-binaries', 'validate:e2e'];
/** A tag that names one release: digits and dots, optionally a v prefix and a -variant suffix. */
const PINNED_TAG = /:v?\d+\.\d+\.\d+(-[a-z0-9.]+)?$/;

let repo: string;
let pipeline: Record<string, any>;

beforeAll(() => {
  repo = repoWith(PIPELINE_FILES);
  pipeline = previewPipeline(repo);
});

afterAll(() => {
  fs.rmSync(repo, { recursive: true, force: true });
});

/** Image name of a job in the expanded pipeline. */
function imageOf(job: string): string {
  const image = pipeline[job].image;
  return typeof image === 'string' ? image : image.name;
}

describe('.gitlab-ci.yml', () => {
  test('is valid against GitLab\'s CI schema and runs test, synth, validate, deploy in that order', () => {
    // GIVEN the expanded pipeline (previewPipeline throws when the schema check fails)
    // THEN the stages and jobs are these
    expect(pipeline.stages).toEqual(['.pre', 'test', 'synth', 'validate', 'deploy', '.post']);
    const jobs = Object.keys(pipeline).filter((key) => pipeline[key]?.stage !== undefined);
    expect(jobs.sort()).toEqual([...ALL_JOBS, ...MERGE_REQUEST_JOBS].sort());
    expect(ALL_JOBS.map((job) => pipeline[job].stage)).toEqual(['test', 'test', 'test', 'test', 'synth', 'validate', 'validate', 'validate', 'validate', 'validate', 'validate', 'deploy']);
    expect(MERGE_REQUEST_JOBS.map((job) => pipeline[job].stage)).toEqual(['validate', 'validate']);
  });

  test('a schema error is reported (the check above is real)', () => {
    // GIVEN the pipeline with resource_group written as a list
    const broken = tempDir('gitlab-ci-broken');
    try {
      const text = fs.readFileSync(path.join(REPO_ROOT, '.gitlab-ci.yml'), 'utf8').replace('resource_group: production', 'resource_group: [production]');
      fs.writeFileSync(path.join(broken, '.gitlab-ci.yml'), text);
      fs.copyFileSync(path.join(REPO_ROOT, 'package-lock.json'), path.join(broken, 'package-lock.json'));
      commitAll(broken);
      // WHEN gitlab-ci-local expands it
      const result = gitlabCiLocal(broken, ['--preview']);
      // THEN it fails naming the property
      expect(result.code).not.toBe(0);
      expect(result.stderr + result.stdout).toContain("'resource_group' property type must be string");
    } finally {
      fs.rmSync(broken, { recursive: true, force: true });
    }
  });

  test('every job runs in a pinned image; vmalert and Alertmanager are the images the manifests deploy', () => {
    for (const job of [...ALL_JOBS, ...MERGE_REQUEST_JOBS]) {
      expect(`${job} ${imageOf(job)}`).toMatch(PINNED_TAG);
      // no Docker-in-Docker
      expect(pipeline[job].services ?? []).toEqual([]);
    }
    expect(imageOf('validate:vmalert')).toBe(VMALERT_IMAGE);
    expect(imageOf('validate:alertmanager')).toBe(ALERTMANAGER_IMAGE);
    // the images' entrypoints are the binaries; the job scripts need a shell
    expect(pipeline['validate:vmalert'].image.entrypoint).toEqual(['']);
    expect(pipeline['validate:alertmanager'].image.entrypoint).toEqual(['']);
    expect(pipeline.deploy.image.entrypoint).toEqual(['']);
    for (const job of NODE_JOBS) expect(imageOf(job)).toMatch(/^node:20\.\d+\.\d+-bookworm$/);
    expect(imageOf('test:tools')).toMatch(/^golang:\d+\.\d+\.\d+-bookworm$/);
  });

  test('test:tools builds the pinned binaries into a cache folder inside the project, cached and handed on', () => {
    const tools = pipeline['test:tools'];
    const folder: string = pipeline.variables.VMALERT_HA_TOOLS_CACHE;
    // the folder is relative to the project (GitLab caches and archives only what is inside it) and not in git
    expect(folder).toMatch(/^\.?[\w-]+$/);
    expect(fs.readFileSync(path.join(REPO_ROOT, '.gitignore'), 'utf8').split('\n')).toContain(`/${folder}/`);
    expect(tools.script).toEqual(['bash scripts/tools/test-tools.sh']);
    // a new version table or script gives a new cache; otherwise the job finds every binary and builds nothing
    const [cache] = tools.cache;
    expect(cache.key).toEqual({ files: ['constructs/core/versions.ts', 'scripts/tools/test-tools.sh'] });
    expect(cache.paths).toEqual(['$VMALERT_HA_TOOLS_CACHE/']);
    expect(cache.policy).toBe('pull-push');
    expect(tools.artifacts.paths).toEqual(['$VMALERT_HA_TOOLS_CACHE/']);
    // the jobs that run the binaries take that artifact; test-tools.sh there only checks it (their image has no Go)
    for (const job of PINNED_BINARY_JOBS) {
      expect(pipeline[job].dependencies).toEqual(['test:tools']);
      expect(pipeline[job].script[0]).toBe('npm run test:tools');
    }
    // no other job of a later stage downloads that artifact (GitLab's default is every earlier job's artifacts)
    const later = ALL_JOBS.filter((job) => pipeline[job].stage !== 'test' && ![...PINNED_BINARY_JOBS, 'validate:api-server'].includes(job));
    for (const job of later) expect(`${job}: ${JSON.stringify(pipeline[job].dependencies)}`).not.toMatch(/: (undefined|.*test:tools)/);
  });

  test('the test cluster\'s binaries are built by their own job and only the API-server suite downloads them', () => {
    // GIVEN every job checks or builds only VictoriaMetrics and Alertmanager (VMALERT_HA_TOOLS=vm-am) by default
    expect(pipeline.variables.VMALERT_HA_TOOLS).toBe('vm-am');
    // THEN test:cluster-tools builds the cluster's, with a cache of its own, and hands them on
    const cluster = pipeline['test:cluster-tools'];
    expect(cluster.variables.VMALERT_HA_TOOLS).toBe('cluster');
    expect(cluster.image).toEqual(pipeline['test:tools'].image);
    expect(cluster.script).toEqual(['bash scripts/tools/test-tools.sh']);
    expect(cluster.cache[0].key).toEqual({ prefix: 'cluster-tools', files: ['constructs/core/versions.ts', 'scripts/tools/test-tools.sh'] });
    expect(cluster.artifacts.paths).toEqual(['$VMALERT_HA_TOOLS_CACHE/']);
    // AND validate:api-server takes both artifacts and checks exactly their binaries (no Go in its image; the
    // nodes' binaries of VMALERT_HA_TOOLS=node are for the cluster of real nodes, which no GitLab job starts)
    const api = pipeline['validate:api-server'];
    expect(api.dependencies).toEqual(['test:tools', 'test:cluster-tools']);
    expect(api.variables.VMALERT_HA_TOOLS).toBe('vm-am,cluster');
    expect(api.script).toEqual(['npm run test:tools', 'npm run test:kubernetes']);
    // AND no job of a later stage but that one downloads the cluster's artifact (GitLab's default: all of them)
    const others = Object.keys(pipeline)
      .filter((job) => ![undefined, 'test'].includes(pipeline[job]?.stage) && job !== 'validate:api-server');
    expect(others.length).toBeGreaterThan(5);
    for (const job of others) expect(`${job}: ${JSON.stringify(pipeline[job].dependencies)}`).not.toContain('test:cluster-tools');
  });

  test('node jobs install with npm ci from an npm cache keyed on package-lock.json', () => {
    for (const job of NODE_JOBS) {
      const [cache] = pipeline[job].cache;
      expect(cache.key).toEqual({ files: ['package-lock.json'] });
      expect(cache.paths).toEqual(['.npm/']);
      expect(pipeline[job].before_script).toEqual(['npm ci --cache .npm --prefer-offline --no-audit --no-fund']);
    }
    // only the first job writes the cache back
    expect(pipeline['test:unit'].cache[0].policy).toBe('pull-push');
    expect(pipeline.synth.cache[0].policy).toBe('pull');
  });

  test('the jobs call npm scripts and files that exist', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
    const lines: string[] = ALL_JOBS.flatMap((job) => pipeline[job].script);
    const missing: string[] = [];
    for (const line of lines) {
      for (const [, script] of line.matchAll(/npm run (\S+)/g)) if (!pkg.scripts[script]) missing.push(`npm script ${script}`);
      for (const [file] of line.matchAll(/scripts\/\S+\.(?:sh|ts)/g)) if (!fs.existsSync(path.join(REPO_ROOT, file))) missing.push(file);
    }
    expect(missing).toEqual([]);
    // the unit job leaves the real-binary tests to the validate stage, which has the pinned binaries
    expect(pipeline['test:unit'].script).toContain('npm run test:unit');
    expect(pipeline['validate:real-binaries'].script).toEqual(['npm run test:tools', 'npm run test:real']);
    expect(pipeline['validate:e2e'].script).toEqual(['npm run test:tools', 'npm run test:browser', 'npm run test:e2e']);
  });

  test('test:python takes the pinned binaries from test:tools, stamps the project\'s URL into the packages and keeps them', () => {
    const job = pipeline['test:python'];
    expect(job.needs).toEqual([{ job: 'test:tools', artifacts: true, optional: false }]);
    expect(job.script).toEqual([
      'npm run test:tools', 'sh scripts/ci/ensure-python-venv.sh', 'npm pkg set repository.url="$CI_PROJECT_URL.git"', 'npm run test:python',
    ]);
    expect(job.artifacts.paths).toEqual(['dist-packages/']);
  });

  test('npm run pipeline:local runs every job but deploy, e2e and the API-server suite (and its tools), in the shell, one at a time, on the warm tool cache', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
    const command: string = pkg.scripts['pipeline:local'];
    // the machine's own cache of the pinned binaries, so the local test:tools job builds nothing
    const toolCache = '--variable "VMALERT_HA_TOOLS_CACHE=$(bash scripts/tools/test-tools.sh --cache-dir)"';
    expect(command).toContain(` ${toolCache} `);
    const words = command.replace(toolCache, '').split(/\s+/);
    expect(words.slice(0, 5)).toEqual(['gitlab-ci-local', '--force-shell-executor', '--shell-isolation', '--concurrency', '1']);
    expect(words.slice(5)).toEqual(ALL_JOBS.filter((job) => !['deploy', 'validate:e2e', 'test:cluster-tools', 'validate:api-server'].includes(job)));
  });

  test('the tests the test job runs need no real binary (its node image has no vmalert, amtool or vmalert-tool)', () => {
    // GIVEN every test file the test:unit job runs: npm run test:unit and npm run test:integration, as jest lists them
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
    expect(pipeline['test:unit'].script).toEqual(['npm run typecheck', 'npm run test:unit', 'npm run test:integration']);
    const testFiles = ['test:unit', 'test:integration'].flatMap((script) => {
      const args = (pkg.scripts[script] as string).split(/\s+/);
      expect(args[0]).toBe('jest');
      const listed = exec(process.execPath, [require.resolve('jest/bin/jest'), ...args.slice(1), '--listTests', '--json'], { cwd: REPO_ROOT });
      expect(listed.code).toBe(0);
      return (JSON.parse(listed.stdout) as string[]).map((f) => path.relative(REPO_ROOT, f));
    });
    // WHEN we look for lookups of a real tool through support/binaries.ts in them
    const needingBinaries = testFiles.filter((f) => /\bbinary\(\s*['"`]/.test(fs.readFileSync(path.join(REPO_ROOT, f), 'utf8')));
    // THEN there are none: such a test belongs in __tests__/real-binaries/ (the validate:real-binaries job)
    expect(testFiles.length).toBeGreaterThan(40);
    expect(testFiles).not.toContain('__tests__/gitlab/pipeline-run.test.ts');
    expect(needingBinaries).toEqual([]);
  });

  test('synth keeps dist/ and the extracted files as artifacts, and the validate and deploy jobs take them', () => {
    expect(pipeline.synth.script).toEqual(['npx cdk8s synth', 'npx ts-node scripts/ci/extract-dist.ts dist "$CI_EXTRACT_DIR"']);
    expect(pipeline.synth.artifacts.paths).toEqual(['dist/', '$CI_EXTRACT_DIR/']);
    for (const job of ['validate:vmalert', 'validate:alertmanager', 'validate:kubernetes', 'deploy']) {
      expect(pipeline[job].dependencies).toEqual(['synth']);
    }
  });

  test('deploy runs only on the default branch, one at a time, in an environment, through deploy.sh', () => {
    const deploy = pipeline.deploy;
    expect(deploy.rules).toEqual([{ if: '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH' }]);
    expect(deploy.resource_group).toBe('production');
    expect(deploy.environment).toEqual({ name: 'production', deployment_tier: 'production' });
    expect(deploy.script).toEqual(['sh scripts/ci/deploy.sh dist "$CI_EXTRACT_DIR/deploy-plan.txt"']);
    expect(deploy.interruptible).toBe(false);
  });

  test('the default branch gets every job; another branch gets all but deploy; RUN_E2E=false leaves out e2e', () => {
    // GIVEN the repository on main, then on a feature branch, with a change beyond rules/ (pipeline-changes.test.ts
    // shows what a rules-only change leaves out)
    fs.appendFileSync(path.join(repo, '.gitlab-ci.yml'), '\n# changed\n');
    // WHEN gitlab-ci-local lists the jobs it would run
    const onMain = listedJobs(repo);
    const withoutE2e = listedJobs(repo, ['--variable', 'RUN_E2E=false']);
    checkoutNewBranch(repo, 'feature/new-rule');
    const onFeature = listedJobs(repo);
    // THEN deploy is only on main, and the e2e job goes when asked
    expect(onMain).toEqual(ALL_JOBS);
    expect(onFeature).toEqual(ALL_JOBS.filter((job) => job !== 'deploy'));
    expect(withoutE2e).toEqual(ALL_JOBS.filter((job) => job !== 'validate:e2e'));
  });

});
