/**
 * The whole pipeline, really run on this machine: gitlab-ci-local's shell executor runs every job of
 * .gitlab-ci.yml (test, synth, validate, deploy) in a throw-away copy of the working tree, with the pinned builds
 * of scripts/tools/test-tools.sh standing in for the images' binaries (the machine's warm cache: the test:tools job
 * builds nothing), and the deploy job applying to the test cluster (support/kube-cluster.ts) with the pinned kubectl
 * for every call. That API server has no kubelet, so the deploy job applies everything and then fails at
 * `kubectl rollout status` (ROLLOUT_TIMEOUT 2 s here), naming every workload; a rollout that completes is shown on
 * real nodes by cluster-tests/deploy.cluster.test.ts, which runs the same scripts/ci/deploy.sh.
 *
 * Slow (about two minutes: four `npm ci`, the unit suite, synth, the real-binary suite), so it runs once
 * per `npm test` and not in the pipeline's own test job (`npm run test:unit` leaves it out). Needs git and
 * rsync (gitlab-ci-local copies the tree with it): scripts/ci/install-pipeline-tools.sh installs them.
 */
import * as fs from 'fs';
import * as path from 'path';
import { findObjects, readManifests, K8sObject } from '../../constructs/testing/manifests';
import { KubeCluster, serveCustomResources, startKubeCluster } from '../support/kube-cluster';
import { binary } from '../../testkit/binaries';
import { appChart } from '../real-binaries/charts';
import {
  Finished, REPO_ROOT, cleanEnv, exec, gitlabCiLocal, snapshotWorkingTree,
} from './helpers';

/** Set in the jobs of the run below: a nested test run must not start the pipeline again. */
const NESTED_RUN_VARIABLE = 'CDK8S_VMALERT_HA_PIPELINE_RUN';
const nested = process.env[NESTED_RUN_VARIABLE] === '1';

const JOBS = ['test:unit', 'test:tools', 'synth', 'validate:vmalert', 'validate:alertmanager', 'validate:kubernetes', 'validate:real-binaries', 'deploy'];
const KUBE_CONTEXT = 'monitoring/cluster-config:production';
const SMTP_PASSWORD = 'pipeline-run-Pw-8xQ';
/** CI/CD variables the synth job hands to the app; the manifests must show them. */
const NAMESPACE = 'alerting-ci';
const VMALERT_REPLICAS = 3;
const RUN_TIMEOUT_MS = 20 * 60_000;
/** No kubelet runs the Pods here, so every rollout waits this long and the deploy job then fails. */
const ROLLOUT_TIMEOUT = '2s';
const PASSING_JOBS = JOBS.filter((job) => job !== 'deploy');
const INSTALL_PIPELINE_TOOLS = path.join(REPO_ROOT, 'scripts', 'ci', 'install-pipeline-tools.sh');
const TEST_TOOLS = path.join(REPO_ROOT, 'scripts', 'tools', 'test-tools.sh');

let snapshot: string;
let cluster: KubeCluster;
let run: Finished;
/** Output lines of each job (`<job> > <line>` in gitlab-ci-local's output), stdout then stderr. */
let jobOutput: Map<string, string[]>;
let objects: K8sObject[];
/** This machine's cache of the pinned binaries (scripts/tools/test-tools.sh --cache-dir). */
let toolCache: string;

/** The lines a job printed, joined. */
function outputOf(job: string): string {
  return (jobOutput.get(job) ?? []).join('\n');
}

(nested ? describe.skip : describe)('the pipeline, run locally with gitlab-ci-local --force-shell-executor', () => {
  beforeAll(async () => {
    // gitlab-ci-local needs git and rsync: install them when missing, or fail saying how
    const tools = exec('sh', [INSTALL_PIPELINE_TOOLS], { timeoutMs: 10 * 60_000 });
    if (tools.code !== 0) throw new Error(`${INSTALL_PIPELINE_TOOLS} failed:\n${tools.stderr}${tools.stdout}`);
    toolCache = exec('bash', [TEST_TOOLS, '--cache-dir']).stdout.trim();
    snapshot = snapshotWorkingTree();
    cluster = await startKubeCluster({ contextName: KUBE_CONTEXT, restrictedNamespaces: [NAMESPACE] });
    // the scrape objects' kinds of the app, as a cluster with their operator serves them
    serveCustomResources(cluster, appChart().objects);
    run = gitlabCiLocal(
      snapshot,
      [
        // every job in the shell, each in its own copy of the tree (as on a runner), one at a time (2 cores)
        '--force-shell-executor', '--shell-isolation', '--concurrency', '1', '--no-color',
        '--variable', `${NESTED_RUN_VARIABLE}=1`,
        // the pinned binaries this machine has built already, as npm run pipeline:local does
        '--variable', `VMALERT_HA_TOOLS_CACHE=${toolCache}`,
        // npm test runs the e2e suite itself; running it twice would only add minutes
        '--variable', 'RUN_E2E=false',
        '--variable', `KUBE_CONTEXT=${KUBE_CONTEXT}`,
        '--variable', `ROLLOUT_TIMEOUT=${ROLLOUT_TIMEOUT}`,
        '--variable', `SMTP_PASSWORD=${SMTP_PASSWORD}`,
        '--variable', `ALERTING_NAMESPACE=${NAMESPACE}`,
        '--variable', `VMALERT_REPLICAS=${VMALERT_REPLICAS}`,
        // the app's SMTP defaults are example.com placeholders, which the deploy job refuses
        '--variable', 'SMTP_SMARTHOST=smtp.mail.internal:587',
        '--variable', 'SMTP_FROM=alertmanager@mail.internal',
        '--variable', 'SMTP_TO=oncall@mail.internal',
        '--variable', 'SMTP_USERNAME=alertmanager@mail.internal',
      ],
      cleanEnv({ PATH: `${path.dirname(binary('kubectl'))}:${process.env.PATH}`, KUBECONFIG: cluster.kubeconfig }),
      RUN_TIMEOUT_MS,
    );
    jobOutput = new Map();
    // a job's stdout lines come on gitlab-ci-local's stdout, its stderr lines (jest's summary) on its stderr
    for (const line of `${run.stdout}\n${run.stderr}`.split('\n')) {
      const match = /^(\S+)\s+> (.*)$/.exec(line);
      if (match) jobOutput.set(match[1], [...(jobOutput.get(match[1]) ?? []), match[2]]);
    }
    const dist = path.join(snapshot, 'dist'); // gitlab-ci-local copies the artifacts back into the tree
    objects = fs.existsSync(dist) ? readManifests(dist) : [];
  }, RUN_TIMEOUT_MS);

  afterAll(async () => {
    await cluster?.stop();
    // the copy holds a node_modules per job (over a gigabyte)
    if (snapshot) fs.rmSync(snapshot, { recursive: true, force: true });
  });

  test('every job passes up to the deploy job, which fails only because no kubelet completes a rollout', () => {
    const summary = run.stdout.split('\n').filter((line) => /^ (PASS|FAIL|WARN) /.test(line));
    const tail = `\n${run.stderr}\n${run.stdout.split('\n').slice(-80).join('\n')}`;
    expect(summary.map((line) => line.trim().split(/\s+/))).toEqual([...PASSING_JOBS.map((job) => ['PASS', job]), ['FAIL', 'deploy']]);
    expect(`exit code ${run.code === 0 ? 0 : 'non-zero'}${run.code === 0 ? tail : ''}`).toBe('exit code non-zero');
  });

  test('the test:tools job found every pinned binary in the warm cache and built none', () => {
    expect(outputOf('test:tools')).toContain(`test-tools: versions the tests run against (cache: ${toolCache})`);
    expect(outputOf('test:tools')).not.toContain('building');
  });

  test('the test job ran the unit suite, and it passed', () => {
    expect(outputOf('test:unit')).toMatch(/Tests: +\d+ passed, \d+ total/);
    expect(outputOf('test:unit')).not.toMatch(/Tests: .*failed/);
  });

  test('the synth job built dist/ from the CI/CD variables', () => {
    const deployments = findObjects(objects, 'Deployment');
    const statefulSets = findObjects(objects, 'StatefulSet');
    expect(deployments).toHaveLength(1);
    expect(statefulSets).toHaveLength(1);
    expect(deployments[0].metadata.namespace).toBe(NAMESPACE);
    expect(statefulSets[0].metadata.namespace).toBe(NAMESPACE);
    expect(deployments[0].spec.replicas).toBe(VMALERT_REPLICAS);
    // and no Secret of dist/ carries the SMTP password
    expect(fs.readFileSync(path.join(snapshot, 'dist', fs.readdirSync(path.join(snapshot, 'dist'))[0]), 'utf8')).not.toContain(SMTP_PASSWORD);
  });

  test('the validate jobs ran vmalert -dryRun, amtool check-config, the schema checks and the real-binary suite', () => {
    expect(outputOf('validate:vmalert')).toMatch(/validate-vmalert: 1 vmalert container\(s\) OK/);
    expect(outputOf('validate:alertmanager')).toContain("Checking 'alertmanager.yml'  SUCCESS");
    expect(outputOf('validate:kubernetes')).toMatch(/check-dist: dist: \d+ objects valid/);
    expect(outputOf('validate:real-binaries')).toMatch(/Tests: +\d+ passed, \d+ total/);
  });

  test('the deploy job applied dist/ to the cluster server-side, created the SMTP Secret and waited for every workload', () => {
    const deployment = `deployment/${findObjects(objects, 'Deployment')[0]?.metadata.name}`;
    const statefulSet = `statefulset/${findObjects(objects, 'StatefulSet')[0]?.metadata.name}`;
    expect(outputOf('deploy')).toContain(`deploy: context ${KUBE_CONTEXT}`);
    expect(outputOf('deploy')).toContain('deploy: applying the differences above');
    // every object of dist/ is in the cluster, applied by the pipeline's field manager
    expect(objects.length).toBeGreaterThan(0);
    for (const obj of objects) {
      const live = cluster.kubectl(['get', obj.kind, obj.metadata.name, `--namespace=${NAMESPACE}`, '--show-managed-fields', '-o', 'json']);
      expect(live.code).toBe(0);
      expect(JSON.parse(live.stdout).metadata.managedFields.map((f: any) => f.manager)).toContain('gitlab-ci-cdk8s-vmalert-ha');
    }
    const secret = JSON.parse(cluster.kubectl(['get', 'secret', 'alertmanager-smtp', `--namespace=${NAMESPACE}`, '-o', 'json']).stdout);
    expect(Buffer.from(secret.data.password, 'base64').toString('utf8')).toBe(SMTP_PASSWORD);
    // the real rollout status waited for both workloads; without a kubelet neither completes, and the job says so
    const waits = [...outputOf('deploy').matchAll(/^deploy: waiting for (\S+) in (\S+) \(timeout (\S+)\)$/gm)].map((m) => m.slice(1).join(' '));
    expect(waits).toEqual([statefulSet, deployment].map((ref) => `${ref} ${NAMESPACE} ${ROLLOUT_TIMEOUT}`));
    expect(outputOf('deploy')).toContain(`deploy.sh: rollout did not complete within ${ROLLOUT_TIMEOUT}: ${statefulSet} ${deployment}.`);
  });

  test('the SMTP password is in no job log', () => {
    const outputDir = path.join(snapshot, '.gitlab-ci-local', 'output');
    const logs = fs.readdirSync(outputDir).map((file) => fs.readFileSync(path.join(outputDir, file), 'utf8'));
    expect(logs.length).toBe(JOBS.length);
    for (const text of [...logs, run.stdout, run.stderr]) {
      expect(text).not.toContain(SMTP_PASSWORD);
      expect(text).not.toContain(Buffer.from(SMTP_PASSWORD).toString('base64'));
    }
  });
});
