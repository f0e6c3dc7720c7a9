/**
 * The deploy job's script (scripts/ci/deploy.sh) for real: the pinned kubectl against the test cluster
 * (support/kube-cluster.ts), with the app's dist/ as `cdk8s synth` writes it and the plan scripts/ci/extract-dist.ts
 * derives from it. Shown here: the diff, the server-side apply and its conflicts, the SMTP password Secret,
 * and the pruning of what dist/ no longer holds (ApplySet), sparing everything else in the namespace.
 *
 * Every kubectl call is the pinned kubectl, `rollout status` included. No kubelet runs the Pods here, so every
 * rollout stays incomplete: each deploy that gets that far waits ROLLOUT_TIMEOUT (2 s here) for every workload and
 * then fails naming all of them, which is what these tests check of that step. A rollout that completes is shown on
 * real nodes (cluster-tests/deploy.cluster.test.ts). The tests run in file order on one cluster; each says what it
 * starts from.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { loadAppConfig } from '../../app-config';
import { RulesConfigMap } from '../../constructs';
import { AlertingStack } from '../../main';
import { extractDist } from '../../scripts/ci/extract-dist';
import { K8sObject, findObjects, readManifests } from '../../constructs/testing/manifests';
import { KubeCluster, serveCustomResources, startKubeCluster } from '../support/kube-cluster';
import { RunResult, binary, run } from '../../testkit/binaries';
import { APP_RULES_DIR } from '../real-binaries/charts';

const REPO_ROOT = path.join(__dirname, '..', '..');
const DEPLOY_SCRIPT = path.join(REPO_ROOT, 'scripts', 'ci', 'deploy.sh');
const DIFF_CLUSTER_SCRIPT = path.join(REPO_ROOT, 'scripts', 'ci', 'diff-cluster.sh');
const KUBE_CONTEXT = 'monitoring/cluster-config:production';
const NAMESPACE = 'monitoring';
const FIELD_MANAGER = 'gitlab-ci-cdk8s-vmalert-ha';
const SMTP_PASSWORD = 'n0t-in-any-log-Zq7';
const SMTP_SECRET = 'alertmanager-smtp';
const APPLYSET_PARENT = 'cdk8s-vmalert-ha';
/** ROLLOUT_TIMEOUT of every deploy here: no rollout completes without a kubelet, so each waits this long. */
const ROLLOUT_TIMEOUT = '2s';
/** The app's SMTP settings as CI/CD variables: its defaults are example.com placeholders, which deploy.sh refuses. */
const SMTP_SETTINGS = {
  SMTP_SMARTHOST: 'smtp.mail.internal:587',
  SMTP_FROM: 'alertmanager@mail.internal',
  SMTP_TO: 'oncall@mail.internal',
  SMTP_USERNAME: 'alertmanager@mail.internal',
};

jest.setTimeout(180_000);

let cluster: KubeCluster;
let work: string;

beforeAll(async () => {
  cluster = await startKubeCluster({ contextName: KUBE_CONTEXT, restrictedNamespaces: [NAMESPACE] });
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-cluster-test-'));
  // the app's scrape objects (VMPodScrape by default), as a cluster with the VictoriaMetrics operator serves them
  expect(serveCustomResources(cluster, appDist().objects)).toEqual(['vmpodscrapes.operator.victoriametrics.com']);
}, 150_000);

afterAll(async () => {
  await cluster?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

interface Dist {
  readonly dir: string;
  readonly plan: string;
  readonly objects: K8sObject[];
}

let distCount = 0;
/** dist/ as `cdk8s synth` writes it (one file per chart), and the deploy plan the synth job extracts from it. */
function synthDist(build: (app: App) => void): Dist {
  distCount += 1;
  const dir = path.join(work, `dist-${distCount}`);
  const app = new App({ outdir: dir });
  build(app);
  app.synth();
  const ci = path.join(work, `ci-${distCount}`);
  const plan = path.join(ci, extractDist(dir, ci).deployPlan);
  return { dir, plan, objects: readManifests(dir) };
}

/** The app (main.ts) configured as the pipeline's CI/CD variables configure it, `env` on top. */
function appDist(env: NodeJS.ProcessEnv = {}): Dist {
  return synthDist((app) => new AlertingStack(app, 'alerting', loadAppConfig({ RULES_DIR: APP_RULES_DIR, ...SMTP_SETTINGS, ...env })));
}

interface DeployRun extends RunResult {
  /** The workloads the job waited for (`kubectl rollout status`), as `<kind>/<name> <namespace> <timeout>`. */
  readonly rollouts: string[];
}

function deploy(dist: Dist, env: NodeJS.ProcessEnv = {}): DeployRun {
  const result = run('sh', [DEPLOY_SCRIPT, dist.dir, dist.plan], {
    cwd: work,
    timeoutMs: 120_000,
    env: {
      PATH: `${path.dirname(binary('kubectl'))}:${process.env.PATH}`,
      HOME: work,
      KUBECONFIG: cluster.kubeconfig,
      KUBE_CONTEXT,
      SMTP_PASSWORD,
      ROLLOUT_TIMEOUT,
      ...env,
    },
  });
  const rollouts = [...result.stdout.matchAll(/^deploy: waiting for (\S+) in (\S+) \(timeout (\S+)\)$/gm)].map((m) => `${m[1]} ${m[2]} ${m[3]}`);
  return { ...result, rollouts };
}

/** The workloads of `dist` as deploy.sh names them: the StatefulSet, then the Deployment. */
function workloads(dist: Dist): string[] {
  return [`statefulset/${findObjects(dist.objects, 'StatefulSet')[0].metadata.name}`, `deployment/${findObjects(dist.objects, 'Deployment')[0].metadata.name}`];
}

/**
 * A deploy that applied everything and then waited for every workload with the real `kubectl rollout status`: here,
 * without a kubelet, each times out and the job fails naming all of them. No other error is on stderr.
 */
function expectAppliedThenAwaited(result: DeployRun, dist: Dist): void {
  const refs = workloads(dist);
  const namespace = findObjects(dist.objects, 'Deployment')[0].metadata.namespace;
  expect(result.rollouts).toEqual(refs.map((ref) => `${ref} ${namespace} ${ROLLOUT_TIMEOUT}`));
  expect(result.code).not.toBe(0);
  const [rolloutErrors, reason] = [result.stderr.split('\n').filter((l) => l === 'error: timed out waiting for the condition'),
    result.stderr.split('\n').filter((l) => l !== '' && l !== 'error: timed out waiting for the condition')];
  expect(rolloutErrors).toHaveLength(refs.length);
  expect(reason.join('\n')).toBe(`deploy.sh: rollout did not complete within ${ROLLOUT_TIMEOUT}: ${refs.join(' ')}. The previous pods keep serving; `
    + 'inspect with kubectl describe <workload>, kubectl get events, and fix or revert the change');
}

function getJson(args: string[]): any {
  const result = cluster.kubectl(['get', ...args, '-o', 'json']);
  if (result.code !== 0) throw new Error(`kubectl get ${args.join(' ')} failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

function exists(obj: { kind: string; metadata: { name: string; namespace?: string } }): boolean {
  return cluster.kubectl(['get', obj.kind, obj.metadata.name, `--namespace=${obj.metadata.namespace ?? NAMESPACE}`, '-o', 'name']).code === 0;
}

function secretPassword(namespace: string): string | undefined {
  const secret = getJson(['secret', SMTP_SECRET, `--namespace=${namespace}`]);
  return secret.data?.password === undefined ? undefined : Buffer.from(secret.data.password, 'base64').toString('utf8');
}

function managersOf(obj: K8sObject): string[] {
  const live = getJson([obj.kind, obj.metadata.name, `--namespace=${NAMESPACE}`, '--show-managed-fields']);
  return (live.metadata.managedFields ?? []).map((f: any) => `${f.manager}:${f.operation}`);
}

describe('scripts/ci/deploy.sh with the real kubectl against a real API server', () => {
  let app: Dist;

  test('first deploy: the Secret from SMTP_PASSWORD, the diff, every object of dist/ applied server-side, both workloads awaited', () => {
    // GIVEN the app's dist/ and a cluster holding only the (restricted) namespace
    app = appDist();
    expect(exists({ kind: 'Deployment', metadata: findObjects(app.objects, 'Deployment')[0].metadata })).toBe(false);

    // WHEN the deploy job runs
    const result = deploy(app);

    // THEN it shows the differences (kubectl diff output), applies them and waits for both workloads
    expectAppliedThenAwaited(result, app);
    expect(result.stdout).toContain('deploy: applying the differences above');
    expect(result.stdout).toMatch(/^\+kind: StatefulSet$/m);
    // AND every object of dist/ is in the cluster, owned by the pipeline's field manager through server-side apply
    for (const obj of app.objects) {
      expect(managersOf(obj)).toContain(`${FIELD_MANAGER}:Apply`);
    }
    // AND the SMTP password Secret holds the CI/CD variable, which no output shows
    expect(secretPassword(NAMESPACE)).toBe(SMTP_PASSWORD);
    for (const text of [result.stdout, result.stderr]) {
      expect(text).not.toContain(SMTP_PASSWORD);
      expect(text).not.toContain(Buffer.from(SMTP_PASSWORD).toString('base64'));
    }
    // AND the objects are members of the ApplySet whose parent records them (what a later deploy may prune)
    const parent = getJson(['configmap', APPLYSET_PARENT, `--namespace=${NAMESPACE}`]);
    const id = parent.metadata.labels['applyset.kubernetes.io/id'];
    expect(id).toMatch(/^applyset-/);
    for (const obj of app.objects) {
      expect(getJson([obj.kind, obj.metadata.name, `--namespace=${NAMESPACE}`]).metadata.labels['applyset.kubernetes.io/part-of']).toBe(id);
    }
  });

  test('a second deploy of the same dist/ finds no differences; a new SMTP_PASSWORD replaces the Secret', () => {
    // GIVEN the first deploy is in the cluster
    // WHEN the deploy job runs again with the same dist/ and a rotated password
    const rotated = 'r0tated-Pw-41';
    const result = deploy(app, { SMTP_PASSWORD: rotated });
    // THEN kubectl diff saw nothing to change in dist/ (the ApplySet label included)
    expectAppliedThenAwaited(result, app);
    expect(result.stdout).toContain('deploy: the cluster already matches');
    // AND the Secret holds the new password
    expect(secretPassword(NAMESPACE)).toBe(rotated);
  });

  test('a field another manager changed is a server-side apply conflict; the deploy takes it back', () => {
    // GIVEN someone scaled the vmalert Deployment by hand
    const deployment = findObjects(app.objects, 'Deployment')[0];
    const name = deployment.metadata.name;
    expect(cluster.kubectl(['scale', `deployment/${name}`, '--replicas=5', `--namespace=${NAMESPACE}`]).code).toBe(0);
    // AND a plain server-side apply of dist/ now conflicts, naming the other manager
    const plain = cluster.kubectl(['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '-f', app.dir]);
    expect(plain.code).not.toBe(0);
    expect(plain.stderr).toMatch(/conflict/i);
    expect(plain.stderr).toContain('.spec.replicas');

    // WHEN the deploy job runs
    const result = deploy(app);
    // THEN the diff showed the replicas going back, and the Deployment has dist/'s replicas again, owned by the pipeline
    expectAppliedThenAwaited(result, app);
    expect(result.stdout).toMatch(/^-\s+replicas: 5$/m);
    const live = getJson(['deployment', name, `--namespace=${NAMESPACE}`, '--show-managed-fields']);
    expect(live.spec.replicas).toBe(deployment.spec.replicas);
    const owners = live.metadata.managedFields
      .filter((f: any) => f.fieldsV1?.['f:spec']?.['f:replicas'] !== undefined)
      .map((f: any) => f.manager);
    expect(owners).toEqual([FIELD_MANAGER]);
  });

  test('a dist/ the API server refuses fails at kubectl diff, before anything is applied', () => {
    // GIVEN a dist/ with a changed vmalert replica count and one object the API server refuses (an invalid name)
    const changed = appDist({ VMALERT_REPLICAS: '3' });
    fs.writeFileSync(path.join(changed.dir, 'invalid.k8s.yaml'),
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Not_A_DNS_Name\n  namespace: ${NAMESPACE}\ndata: {}\n`);
    // WHEN the deploy job runs
    const result = deploy(changed);
    // THEN it fails naming kubectl diff and the server's reason
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('kubectl diff failed with exit code');
    expect(result.stderr).toContain('Not_A_DNS_Name');
    // AND nothing of it was applied: the Deployment keeps its replicas, no rollout was awaited
    const name = findObjects(changed.objects, 'Deployment')[0].metadata.name;
    expect(getJson(['deployment', name, `--namespace=${NAMESPACE}`]).spec.replicas).toBe(findObjects(app.objects, 'Deployment')[0].spec.replicas);
    expect(result.rollouts).toEqual([]);
  });

  test('every workload is awaited with the real rollout status; one that does not roll out fails the job, after waiting for every workload', () => {
    // GIVEN the app deployed, its Pods Pending (no kubelet runs them, so neither workload can complete its rollout)
    const pending = cluster.kubectl(['get', 'pods', `--namespace=${NAMESPACE}`, '-o', 'jsonpath={.items[*].status.phase}']);
    expect(new Set(pending.stdout.split(' '))).toEqual(new Set(['Pending']));
    // WHEN the deploy job runs with a ROLLOUT_TIMEOUT of 3 s
    const t0 = Date.now();
    const result = deploy(app, { ROLLOUT_TIMEOUT: '3s' });
    // THEN it waited the timeout for each workload in turn, both named in the failure, the StatefulSet first
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2 * 3000);
    expect(result.code).not.toBe(0);
    expect(result.rollouts).toEqual(workloads(app).map((ref) => `${ref} ${NAMESPACE} 3s`));
    expect(result.stderr).toContain(`rollout did not complete within 3s: ${workloads(app).join(' ')}`);
    expect(result.stdout).toMatch(/Waiting for .*rollout to finish/);
  });

  test('without KUBE_CONTEXT, or with dist/ spread over two namespaces, the job fails before touching the cluster', () => {
    // GIVEN no KUBE_CONTEXT / WHEN the deploy job runs / THEN it fails naming the variable
    const noContext = deploy(app, { KUBE_CONTEXT: '' });
    expect(noContext.code).not.toBe(0);
    expect(noContext.stderr).toContain('KUBE_CONTEXT is not set');

    // GIVEN a dist/ with an object in a second namespace (one ApplySet parent cannot track both)
    const spread = appDist();
    fs.writeFileSync(path.join(spread.dir, 'other.k8s.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: elsewhere\n  namespace: other-team\ndata: {}\n');
    const plan = path.join(work, 'spread-ci');
    const spreadDist = { ...spread, plan: path.join(plan, extractDist(spread.dir, plan).deployPlan) };
    // WHEN the deploy job runs
    const result = deploy(spreadDist);
    // THEN it fails naming both namespaces and the fix, before creating the second namespace
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('needs every object of');
    expect(result.stderr).toContain('monitoring other-team');
    expect(cluster.kubectl(['get', 'namespace', 'other-team']).code).not.toBe(0);
    expect(result.rollouts).toEqual([]);
  });

  test('a dist/ with placeholder addresses (the app\'s example.com defaults) is refused before the cluster is touched', () => {
    // GIVEN the app as a fresh checkout synthesizes it, without the SMTP CI/CD variables, into a new namespace
    const placeholders = synthDist((app) => new AlertingStack(app, 'alerting', loadAppConfig({
      RULES_DIR: APP_RULES_DIR, ALERTING_NAMESPACE: 'placeholder-test',
    })));
    // WHEN the deploy job runs
    const result = deploy(placeholders);
    // THEN it fails listing each placeholder and the variables to set
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('  global.smtp_smarthost "smtp.example.com:587"');
    expect(result.stderr).toContain('SMTP_SMARTHOST, SMTP_FROM, SMTP_TO');
    // AND the cluster was not touched: no namespace created, no rollout awaited
    expect(cluster.kubectl(['get', 'namespace', 'placeholder-test']).code).not.toBe(0);
    expect(result.rollouts).toEqual([]);
  });

  test('scrape objects whose CustomResourceDefinition the cluster lacks fail the job before the diff, naming it', () => {
    // GIVEN the app with prometheus-operator's PodMonitor, which this cluster does not serve
    const podMonitors = appDist({ SCRAPE_OBJECTS: 'PodMonitor' });
    expect(findObjects(podMonitors.objects, 'PodMonitor').length).toBeGreaterThan(0);
    const before = getJson(['configmap', APPLYSET_PARENT, `--namespace=${NAMESPACE}`]).metadata.resourceVersion;
    // WHEN the deploy job runs
    const result = deploy(podMonitors);
    // THEN it fails naming the CRD and SCRAPE_OBJECTS, and applied nothing
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('no CustomResourceDefinition podmonitors.monitoring.coreos.com');
    expect(result.stderr).toContain('SCRAPE_OBJECTS');
    expect(getJson(['configmap', APPLYSET_PARENT, `--namespace=${NAMESPACE}`]).metadata.resourceVersion).toBe(before);
    expect(result.rollouts).toEqual([]);
  });

  test('without SMTP_PASSWORD a missing Secret fails the job before anything of dist/ is applied, after creating the namespace', () => {
    // GIVEN the app in a namespace that does not exist yet, and no SMTP_PASSWORD
    const fresh = appDist({ ALERTING_NAMESPACE: 'alerting-new' });
    // WHEN the deploy job runs
    const result = deploy(fresh, { SMTP_PASSWORD: '' });
    // THEN it created the namespace, then failed naming the Secret and both ways to provide it
    expect(result.stdout).toContain('deploy: creating namespace alerting-new');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`Secret ${SMTP_SECRET} in namespace alerting-new (keys password) does not exist`);
    expect(result.stderr).toContain(`kubectl create secret generic ${SMTP_SECRET} -n alerting-new --from-file=password=`);
    // AND none of dist/ was applied
    expect(getJson(['all', '--namespace=alerting-new']).items).toEqual([]);

    // WHEN the Secret is created out of band and the job runs again, still without SMTP_PASSWORD
    const password = path.join(work, 'password');
    fs.writeFileSync(path.join(work, 'password'), 'out-of-band-Pw', { mode: 0o600 });
    expect(cluster.kubectl(['create', 'secret', 'generic', SMTP_SECRET, '--namespace=alerting-new', `--from-file=password=${password}`]).code).toBe(0);
    const again = deploy(fresh, { SMTP_PASSWORD: '' });
    // THEN it deploys and leaves the Secret as it was
    expectAppliedThenAwaited(again, fresh);
    expect(secretPassword('alerting-new')).toBe('out-of-band-Pw');
    expect(fresh.objects.every((obj) => exists(obj))).toBe(true);
  });
});

describe('pruning: the deploy removes what dist/ no longer holds, and nothing else', () => {
  /** Three rule files of about 700 bytes: with a 1 KiB budget, one ConfigMap part each. */
  function ruleFiles(count: number): string {
    const dir = fs.mkdtempSync(path.join(work, 'rules-'));
    for (let i = 1; i <= count; i += 1) {
      const rules = Array.from({ length: 6 }, (_, j) =>
        `      - alert: Part${i}Alert${j}\n        expr: up{job="job-${i}-${j}"} == 0\n        for: 5m\n        labels: { severity: warning }\n`);
      fs.writeFileSync(path.join(dir, `group-${i}.yml`), `groups:\n  - name: group-${i}\n    rules:\n${rules.join('')}`);
    }
    return dir;
  }

  /** The app plus a chart of extras in the same namespace: split rules, a dashboard ConfigMap, a NetworkPolicy. */
  function distWith(opts: { ruleFiles: number; dashboardId: string; networkPolicy: boolean }): Dist {
    const rulesDir = ruleFiles(opts.ruleFiles);
    return synthDist((app) => {
      new AlertingStack(app, 'alerting', loadAppConfig({ RULES_DIR: APP_RULES_DIR, ...SMTP_SETTINGS }));
      const extras = new Chart(app, 'extras', { namespace: NAMESPACE });
      RulesConfigMap.fromDirectory(extras, 'team-rules', rulesDir, { maxDataBytes: 1024 });
      new kplus.ConfigMap(extras, opts.dashboardId, { data: { 'dashboard.json': '{}' } });
      if (opts.networkPolicy) {
        new kplus.k8s.KubeNetworkPolicy(extras, 'deny-ingress', {
          spec: { podSelector: {}, policyTypes: ['Ingress'] },
        });
      }
    });
  }

  /** kubectl's name of an object in its output: networkpolicy.networking.k8s.io/<name>, configmap/<name>. */
  function refPattern(obj: K8sObject): string {
    return `${obj.kind.toLowerCase()}(\\.[a-z0-9.]+)?/${obj.metadata.name}`;
  }

  /** kind/name -> resourceVersion of everything in the namespace (any write changes one). */
  function resourceVersions(): Record<string, string> {
    const kinds = 'configmaps,secrets,services,deployments,statefulsets,poddisruptionbudgets,networkpolicies';
    const items: any[] = getJson([kinds, `--namespace=${NAMESPACE}`]).items;
    return Object.fromEntries(items.map((o) => [`${o.kind}/${o.metadata.name}`, o.metadata.resourceVersion]));
  }

  function diffCluster(dist: Dist): RunResult {
    return run('sh', [DIFF_CLUSTER_SCRIPT, dist.dir, dist.plan], {
      cwd: work,
      env: { PATH: `${path.dirname(binary('kubectl'))}:${process.env.PATH}`, HOME: work, KUBECONFIG: cluster.kubeconfig, KUBE_CONTEXT },
    });
  }

  test('the merge-request cluster diff of a dist/ for a namespace that does not exist yet says so, and creates nothing', () => {
    // GIVEN the app for a namespace the cluster does not have
    const fresh = appDist({ ALERTING_NAMESPACE: 'not-yet-deployed' });
    // WHEN diff:cluster runs / THEN it reports that the deploy would create everything, and leaves the cluster alone
    const result = diffCluster(fresh);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('diff-cluster: namespace not-yet-deployed does not exist yet');
    expect(cluster.kubectl(['get', 'namespace', 'not-yet-deployed']).code).not.toBe(0);
  });

  test('a dropped rule ConfigMap part, a renamed object and a removed NetworkPolicy are deleted; an unrelated object survives', () => {
    // GIVEN a deploy of the app with 3 rule ConfigMap parts, a dashboard ConfigMap and a NetworkPolicy
    const before = distWith({ ruleFiles: 3, dashboardId: 'dashboard', networkPolicy: true });
    const parts = findObjects(before.objects, 'ConfigMap').filter((cm) => /team-rules-part-\d/.test(cm.metadata.name));
    expect(parts).toHaveLength(3);
    const first = deploy(before);
    expectAppliedThenAwaited(first, before);
    expect(before.objects.every((obj) => exists(obj))).toBe(true);
    // AND an object in the same namespace that the pipeline does not manage (applied by someone else)
    const unrelated = { kind: 'ConfigMap', metadata: { name: 'someone-elses-settings', namespace: NAMESPACE } };
    expect(cluster.kubectl(['create', 'configmap', unrelated.metadata.name, `--namespace=${NAMESPACE}`, '--from-literal=a=b']).code).toBe(0);

    // WHEN dist/ shrinks: 2 rule files (the third part goes), the dashboard renamed, no NetworkPolicy
    const after = distWith({ ruleFiles: 2, dashboardId: 'dashboard-v2', networkPolicy: false });
    const gone = before.objects.filter((b) => !after.objects.some((a) => a.kind === b.kind && a.metadata.name === b.metadata.name));
    expect(gone.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'ConfigMap', 'NetworkPolicy']);

    // AND a merge request's diff:cluster job looks first
    const versionsBefore = resourceVersions();
    const preview = diffCluster(after);
    // THEN it shows the new dashboard and each object the deploy would prune, and changes nothing
    expect(preview.stderr).toBe('');
    expect(preview.code).toBe(0);
    expect(preview.stdout).toContain('diff-cluster: the deploy would make the changes above');
    expect(preview.stdout).toMatch(/^\+  name: extras-dashboard-v2-/m);
    for (const obj of gone) expect(preview.stdout).toMatch(new RegExp(`^would prune: ${refPattern(obj)}$`, 'm'));
    expect(resourceVersions()).toEqual(versionsBefore);

    // WHEN the deploy job runs
    const result = deploy(after);

    // THEN the deploy applies, reports each deletion and waits for the workloads
    expectAppliedThenAwaited(result, after);
    for (const obj of gone) {
      const ref = refPattern(obj);
      // the diff step announced it, before anything was applied
      expect(result.stdout).toMatch(new RegExp(`^would prune: ${ref}$`, 'm'));
      expect(result.stdout).toMatch(new RegExp(`^${ref} pruned$`, 'm'));
      expect(exists(obj)).toBe(false);
    }
    expect(result.stdout.indexOf('would prune:')).toBeLessThan(result.stdout.indexOf('deploy: applying the differences above'));
    // AND everything dist/ still holds is there, the renamed dashboard included
    expect(after.objects.every((obj) => exists(obj))).toBe(true);
    // AND nothing else was touched: the unrelated ConfigMap, the SMTP Secret (not part of dist/), the ApplySet parent
    expect(exists(unrelated)).toBe(true);
    expect(secretPassword(NAMESPACE)).toBeDefined();
    expect(exists({ kind: 'ConfigMap', metadata: { name: APPLYSET_PARENT, namespace: NAMESPACE } })).toBe(true);
  });
});
