/**
 * The deploy job's script (scripts/ci/deploy.sh) against a fake kubectl on PATH that records its calls:
 * order of the calls, diff exit codes, rollout failures, the SMTP password Secret.
 * The plan it reads is written by scripts/extract-dist.ts from a hand-made dist/ (fixtures/manifests).
 */
import * as fs from 'fs';
import * as path from 'path';
import { extractDist } from '../../scripts/extract-dist';
import { findObjects, readManifests } from '../../scripts/lib/manifests';
import { Finished, REPO_ROOT, exec, fakeKubectlBin, kubectlCalls, tempDir } from './helpers';

const DEPLOY_SCRIPT = path.join(REPO_ROOT, 'scripts', 'ci', 'deploy.sh');
const FIXTURE_DIST = path.join(__dirname, 'fixtures', 'manifests');
const KUBE_CONTEXT = 'monitoring/cluster-config:production';
const SMTP_PASSWORD = 'n0t-in-any-log-Zq7';
const FIELD_MANAGER = 'gitlab-ci-cdk8s-vmalert-ha';
const NAMESPACE = 'monitoring';

let work: string;
let bin: string;
let plan: string;
let deploymentRef: string;
let statefulSetRef: string;

beforeAll(() => {
  work = tempDir('deploy-test');
  bin = fakeKubectlBin();
  plan = path.join(work, 'ci', extractDist(FIXTURE_DIST, path.join(work, 'ci')).deployPlan);
  const objects = readManifests(FIXTURE_DIST);
  deploymentRef = `deployment/${findObjects(objects, 'Deployment')[0].metadata.name}`;
  statefulSetRef = `statefulset/${findObjects(objects, 'StatefulSet')[0].metadata.name}`;
});

afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
  fs.rmSync(bin, { recursive: true, force: true });
});

interface DeployRun extends Finished {
  /** Every kubectl call, in order. */
  readonly calls: string[];
  /** What the fake kubectl read from the --from-file of `create secret` ("key=content" lines). */
  readonly secretData: string;
}

let runCount = 0;
/** Runs deploy.sh on the fixture with the fake kubectl first on PATH. */
function deploy(env: NodeJS.ProcessEnv = {}): DeployRun {
  runCount += 1;
  const log = path.join(work, `kubectl-${runCount}.log`);
  const secretData = path.join(work, `secret-data-${runCount}`);
  const result = exec('sh', [DEPLOY_SCRIPT, FIXTURE_DIST, plan], {
    cwd: work,
    env: {
      PATH: `${bin}:${process.env.PATH}`,
      HOME: work,
      FAKE_KUBECTL_LOG: log,
      FAKE_KUBECTL_SECRET_DATA: secretData,
      KUBE_CONTEXT,
      SMTP_PASSWORD,
      ...env,
    },
  });
  return {
    ...result,
    calls: kubectlCalls(log),
    secretData: fs.existsSync(secretData) ? fs.readFileSync(secretData, 'utf8') : '',
  };
}

/** The kubectl verb(s) of each call: "config use-context", "diff", "rollout status", ... */
function verbs(calls: readonly string[]): string[] {
  return calls.map((call) => {
    const [first, second] = call.split(' ');
    return ['config', 'rollout', 'get', 'create'].includes(first) ? `${first} ${second}` : first;
  });
}

describe('scripts/ci/deploy.sh', () => {
  test('selects the agent context, shows the diff, applies server-side, then waits for both workloads', () => {
    // GIVEN a cluster where the namespace and the SMTP Secret exist and dist/ differs (diff exits 1)
    // WHEN the deploy job runs
    const run = deploy({ FAKE_KUBECTL_DIFF_EXIT: '1' });

    // THEN it succeeds, and the calls come in this order
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(verbs(run.calls)).toEqual([
      'config use-context',
      'get namespace',
      'create secret',
      'apply',
      'diff',
      'apply',
      'rollout status',
      'rollout status',
    ]);
    expect(run.calls[0]).toBe(`config use-context ${KUBE_CONTEXT}`);
    expect(run.calls[4]).toBe(`diff --server-side --field-manager=${FIELD_MANAGER} --force-conflicts -f ${FIXTURE_DIST}`);
    expect(run.calls[5]).toBe(`apply --server-side --field-manager=${FIELD_MANAGER} --force-conflicts -f ${FIXTURE_DIST}`);
    // AND the workloads waited for are the ones of dist/, in their namespace, with a timeout
    expect(run.calls.slice(6)).toEqual([
      `rollout status ${statefulSetRef} --namespace=${NAMESPACE} --timeout=10m`,
      `rollout status ${deploymentRef} --namespace=${NAMESPACE} --timeout=10m`,
    ]);
    expect(run.stdout).toContain('deploy: applying the differences above');
    expect(run.stdout).toContain('deploy: done');
  });

  test('a cluster already matching dist/ (diff exit 0) is applied and watched the same way', () => {
    // GIVEN no differences
    // WHEN the deploy job runs
    const run = deploy({ FAKE_KUBECTL_DIFF_EXIT: '0' });
    // THEN it succeeds and still applies and waits
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('the cluster already matches');
    expect(verbs(run.calls).slice(-4)).toEqual(['diff', 'apply', 'rollout status', 'rollout status']);
  });

  test('a failing kubectl diff (exit code above 1) stops the job before anything is applied', () => {
    // GIVEN kubectl diff fails (e.g. the API server rejects an object)
    // WHEN the deploy job runs
    const run = deploy({ FAKE_KUBECTL_DIFF_EXIT: '2' });
    // THEN the job fails naming the exit code, and dist/ is never applied
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('kubectl diff failed with exit code 2');
    expect(run.calls.filter((call) => call.startsWith('apply') && call.endsWith(`-f ${FIXTURE_DIST}`))).toEqual([]);
    expect(verbs(run.calls)).not.toContain('rollout status');
  });

  test('the job fails when a rollout does not complete, after waiting for every workload', () => {
    // GIVEN the Alertmanager StatefulSet does not roll out within the timeout
    // WHEN the deploy job runs with a shorter timeout
    const run = deploy({ FAKE_KUBECTL_ROLLOUT_FAIL: statefulSetRef, ROLLOUT_TIMEOUT: '3m' });
    // THEN it fails naming the workload, after also checking the Deployment
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`rollout did not complete within 3m: ${statefulSetRef}`);
    expect(run.calls.slice(-2)).toEqual([
      `rollout status ${statefulSetRef} --namespace=${NAMESPACE} --timeout=3m`,
      `rollout status ${deploymentRef} --namespace=${NAMESPACE} --timeout=3m`,
    ]);
  });

  test('the vmalert Deployment failing its rollout fails the job too', () => {
    // GIVEN the Deployment does not roll out
    // WHEN the deploy job runs
    const run = deploy({ FAKE_KUBECTL_ROLLOUT_FAIL: deploymentRef });
    // THEN the job fails naming it
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`rollout did not complete within 10m: ${deploymentRef}`);
  });

  test('the SMTP password Secret is created from SMTP_PASSWORD through a file, and the password is never printed', () => {
    // GIVEN the masked CI/CD variable SMTP_PASSWORD
    // WHEN the deploy job runs
    const run = deploy();

    // THEN kubectl received the password as the Secret's "password" key, from a file
    expect(run.secretData).toBe(`password=${SMTP_PASSWORD}\n`);
    const create = run.calls.find((call) => call.startsWith('create secret'));
    expect(create).toMatch(/^create secret generic alertmanager-smtp --namespace=monitoring --from-file=password=\S+ --dry-run=client -o yaml$/);
    // AND the Secret is applied server-side before dist/ is diffed, so the new pods find it
    const applySecret = run.calls.findIndex((call) => call.startsWith('apply') && call.endsWith('secret.yaml'));
    expect(applySecret).toBeGreaterThan(-1);
    expect(applySecret).toBeLessThan(run.calls.findIndex((call) => call.startsWith('diff')));
    // AND neither the password nor its base64 form is in the job log or on any kubectl command line
    const base64 = Buffer.from(SMTP_PASSWORD).toString('base64');
    for (const text of [run.stdout, run.stderr, run.calls.join('\n')]) {
      expect(text).not.toContain(SMTP_PASSWORD);
      expect(text).not.toContain(base64);
    }
    // AND the temporary files holding it are gone
    const tempFile = create!.replace(/^.*--from-file=password=(\S+).*$/, '$1');
    expect(fs.existsSync(tempFile)).toBe(false);
  });

  test('without SMTP_PASSWORD an existing Secret (created out of band) is used as it is', () => {
    // GIVEN no SMTP_PASSWORD, and the Secret exists in the cluster
    // WHEN the deploy job runs
    const run = deploy({ SMTP_PASSWORD: '' });
    // THEN it checks the Secret exists, never writes it, and deploys
    expect(run.code).toBe(0);
    expect(run.calls).toContain(`get secret alertmanager-smtp --namespace=${NAMESPACE} -o name`);
    expect(verbs(run.calls)).not.toContain('create secret');
  });

  test('without SMTP_PASSWORD a missing Secret fails the job before anything is applied, saying how to fix it', () => {
    // GIVEN no SMTP_PASSWORD and no Secret in the cluster
    // WHEN the deploy job runs
    const run = deploy({ SMTP_PASSWORD: '', FAKE_KUBECTL_MISSING: 'secret/alertmanager-smtp' });
    // THEN it fails naming the Secret and both ways to provide it
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('Secret alertmanager-smtp in namespace monitoring (keys password) does not exist');
    expect(run.stderr).toContain('SMTP_PASSWORD');
    expect(run.stderr).toContain('kubectl create secret generic alertmanager-smtp -n monitoring --from-file=password=');
    expect(verbs(run.calls)).not.toContain('diff');
    expect(verbs(run.calls)).not.toContain('apply');
  });

  test('a scrape object whose CRD the cluster lacks fails the job before the diff, naming the CRD and SCRAPE_OBJECTS', () => {
    // GIVEN dist/ with a VMPodScrape, and its plan
    const dist = path.join(work, 'dist-with-scrape');
    fs.mkdirSync(dist, { recursive: true });
    fs.copyFileSync(path.join(FIXTURE_DIST, 'app.k8s.yaml'), path.join(dist, 'app.k8s.yaml'));
    fs.writeFileSync(path.join(dist, 'scrape.k8s.yaml'), [
      'apiVersion: operator.victoriametrics.com/v1beta1', 'kind: VMPodScrape', 'metadata:', '  name: vmalert', `  namespace: ${NAMESPACE}`, '',
    ].join('\n'));
    const scrapePlan = path.join(work, 'ci-scrape', extractDist(dist, path.join(work, 'ci-scrape')).deployPlan);
    const run = (missing: string) => {
      const log = path.join(work, `kubectl-crd-${missing ? 'missing' : 'present'}.log`);
      const result = exec('sh', [DEPLOY_SCRIPT, dist, scrapePlan], {
        cwd: work,
        env: { PATH: `${bin}:${process.env.PATH}`, HOME: work, FAKE_KUBECTL_LOG: log, FAKE_KUBECTL_MISSING: missing, KUBE_CONTEXT, SMTP_PASSWORD },
      });
      return { ...result, calls: kubectlCalls(log) };
    };
    // WHEN the cluster lacks the CRD
    const missing = run('crd/vmpodscrapes.operator.victoriametrics.com');
    // THEN the job fails before the diff, saying what to do
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('dist/ holds VMPodScrape objects but the cluster has no CustomResourceDefinition vmpodscrapes.operator.victoriametrics.com');
    expect(missing.stderr).toContain('SCRAPE_OBJECTS');
    expect(verbs(missing.calls)).not.toContain('diff');
    // AND with the CRD installed it is checked, then the diff and apply follow
    const present = run('');
    expect(present.code).toBe(0);
    expect(verbs(present.calls).slice(-5)).toEqual(['get crd', 'diff', 'apply', 'rollout status', 'rollout status']);
  });

  test('a namespace that does not exist yet is created before the diff', () => {
    // GIVEN a cluster without the namespace
    // WHEN the deploy job runs
    const run = deploy({ FAKE_KUBECTL_MISSING: `namespace/${NAMESPACE}` });
    // THEN it creates it right after selecting the context
    expect(run.code).toBe(0);
    expect(run.calls.slice(1, 3)).toEqual([`get namespace ${NAMESPACE} -o name`, `create namespace ${NAMESPACE}`]);
  });

  test('without KUBE_CONTEXT the job fails before calling kubectl, naming the variable', () => {
    // GIVEN the CI/CD variable KUBE_CONTEXT is not set
    // WHEN the deploy job runs
    const run = deploy({ KUBE_CONTEXT: '' });
    // THEN it fails with what to set, and kubectl was never called
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('KUBE_CONTEXT is not set');
    expect(run.calls).toEqual([]);
  });

  test('a dist/ with placeholder addresses (example.com) is refused before kubectl is called, naming them', () => {
    // GIVEN the fixture dist/ as a fresh checkout synthesizes it: the SMTP settings still example.com placeholders
    const placeholderDist = path.join(work, 'placeholder-dist');
    fs.mkdirSync(placeholderDist, { recursive: true });
    const manifest = fs.readFileSync(path.join(FIXTURE_DIST, 'app.k8s.yaml'), 'utf8');
    fs.writeFileSync(path.join(placeholderDist, 'app.k8s.yaml'), manifest.replace(/mail\.internal/g, 'example.com'));
    const placeholderPlan = path.join(work, 'placeholder-ci', extractDist(placeholderDist, path.join(work, 'placeholder-ci')).deployPlan);
    // WHEN the deploy job runs on it
    const log = path.join(work, 'kubectl-placeholder.log');
    const run = exec('sh', [DEPLOY_SCRIPT, placeholderDist, placeholderPlan], {
      cwd: work,
      env: { PATH: `${bin}:${process.env.PATH}`, HOME: work, FAKE_KUBECTL_LOG: log, KUBE_CONTEXT, SMTP_PASSWORD },
    });
    // THEN it fails listing each placeholder and the variables to set, and never touched the cluster
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('  global.smtp_smarthost "smtp.example.com:587"');
    expect(run.stderr).toContain('  receivers[0].email_configs[0].to "oncall@example.com"');
    expect(run.stderr).toContain('SMTP_SMARTHOST, SMTP_FROM, SMTP_TO');
    expect(kubectlCalls(log)).toEqual([]);
  });

  test('the plan of the real-address fixture has no placeholder line', () => {
    expect(fs.readFileSync(plan, 'utf8')).not.toContain('placeholder ');
  });
});
