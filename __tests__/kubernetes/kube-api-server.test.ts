/**
 * The synthesized manifests against a real control plane (support/kube-cluster.ts: the pinned etcd,
 * kube-apiserver and kube-controller-manager): what only the API server and the controllers see.
 * - every object of the app and of each example is accepted by server-side apply, dry run and real;
 * - the Deployment and StatefulSet controllers create Pods that Pod Security Admission `restricted` admits
 *   (no kubelet runs, so the Pods stay Pending; their creation is the admission);
 * - a StatefulSet name too long for its `controller-revision-hash` label passes the API server and every schema,
 *   and then the controller can never create a Pod, as in production; the name AlertmanagerCluster writes instead
 *   gets its Pods.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, Chart, Testing } from 'cdk8s';
import * as yaml from 'js-yaml';
import { AlertmanagerCluster } from '../../constructs';
import { STATEFULSET_NAME_MAX } from '../../constructs/k8s/names';
import { existingConfigChart } from '../../examples/existing-config';
import { minimalChart } from '../../examples/minimal';
import { twoVmalertGroupsChart } from '../../examples/two-vmalert-groups';
import { SECURED_PATTERNS, securedClusterChart } from '../../examples/secured-cluster';
import { zhTwAlertsChart } from '../../examples/zh-tw-alerts';
import { K8sObject, findObjects } from '../../constructs/testing/manifests';
import { KubeCluster, serveCustomResources, startKubeCluster } from '../support/kube-cluster';
import { appChart } from '../real-binaries/charts';

const NAMESPACE = 'monitoring';
const FIELD_MANAGER = 'kube-api-server-test';
/** The Pods of every workload appear within this; the controllers react in well under a second when idle. */
const CONTROLLER_TIMEOUT_MS = 60_000;

jest.setTimeout(180_000);

let cluster: KubeCluster;
let work: string;

beforeAll(async () => {
  cluster = await startKubeCluster({ restrictedNamespaces: [NAMESPACE] });
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'kube-api-server-test-'));
  // the scrape objects' kinds, as a cluster with the VictoriaMetrics operator serves them
  console.log(`serving ${serveCustomResources(cluster, charts().flatMap((c) => c.objects)).join(', ')}`);
  console.log(`test cluster ready in ${cluster.startupMs} ms`);
}, 150_000);

afterAll(async () => {
  const stopMs = await cluster?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
  console.log(`test cluster stopped in ${stopMs} ms`);
});

function testApp() {
  return Testing.app({ outdir: os.tmpdir() });
}

/** The app and every example, synthesized as their users do. */
function charts(): Array<{ name: string; objects: K8sObject[] }> {
  return [
    { name: 'app (main.ts)', objects: appChart().objects },
    { name: 'examples/minimal.ts', objects: Testing.synth(minimalChart(testApp())) as K8sObject[] },
    { name: 'examples/existing-config.ts', objects: Testing.synth(existingConfigChart(testApp())) as K8sObject[] },
    { name: 'examples/two-vmalert-groups.ts', objects: Testing.synth(twoVmalertGroupsChart(testApp()).chart) as K8sObject[] },
    { name: 'examples/zh-tw-alerts.ts', objects: Testing.synth(zhTwAlertsChart(testApp())) as K8sObject[] },
    ...SECURED_PATTERNS.map((pattern) => ({
      name: `examples/secured-cluster.ts (${pattern})`,
      objects: Testing.synth(securedClusterChart(pattern, testApp())) as K8sObject[],
    })),
  ];
}

function manifestFile(name: string, objects: readonly K8sObject[]): string {
  const file = path.join(work, `${name.replace(/[^a-z0-9]+/gi, '-')}.yaml`);
  fs.writeFileSync(file, objects.map((o) => yaml.dump(o, { noRefs: true })).join('---\n'));
  return file;
}

function apply(file: string, extra: string[] = []) {
  return cluster.kubectl(['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, ...extra, '-f', file]);
}

function getJson(args: string[]): any {
  const result = cluster.kubectl(['get', ...args, '-o', 'json']);
  if (result.code !== 0) throw new Error(`kubectl get ${args.join(' ')} failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

function podsOf(workload: K8sObject): any[] {
  const selector = Object.entries(workload.spec.selector.matchLabels as Record<string, string>)
    .map(([k, v]) => `${k}=${v}`).join(',');
  return getJson(['pods', `--namespace=${NAMESPACE}`, `--selector=${selector}`]).items;
}

/** Events the controllers recorded about one object. */
function eventsAbout(kind: string, name: string): Array<{ reason: string; message: string; type: string }> {
  return getJson(['events', `--namespace=${NAMESPACE}`, `--field-selector=involvedObject.kind=${kind},involvedObject.name=${name}`]).items;
}

/** Every FailedCreate event in the namespace: a controller could not create a Pod (or a ReplicaSet). */
function failedCreates(): Array<{ involvedObject: { name: string }; message: string }> {
  return getJson(['events', `--namespace=${NAMESPACE}`, '--field-selector=reason=FailedCreate']).items;
}

async function eventually<T>(probe: () => T, done: (value: T) => boolean, timeoutMs = CONTROLLER_TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = probe();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    value = probe();
  }
  return value;
}

describe('the synthesized objects on a real API server (Kubernetes of constructs/core/versions.ts)', () => {
  const synthesized = charts();

  test.each(synthesized.map((c) => [c.name, c] as const))('%s: every object passes server-side apply, dry run then real', (_name, chart) => {
    // GIVEN the chart's objects in one manifest, in a namespace enforcing Pod Security "restricted"
    const file = manifestFile(chart.name, chart.objects);

    // WHEN they are applied server-side as a dry run
    const dryRun = apply(file, ['--dry-run=server']);
    // THEN the API server accepts every object, without a Pod Security warning about the workloads
    expect(dryRun.stderr).toBe('');
    expect(dryRun.code).toBe(0);
    // AND the dry run stored nothing
    const first = chart.objects[0];
    expect(cluster.kubectl(['get', first.kind, first.metadata.name, `--namespace=${NAMESPACE}`]).code).not.toBe(0);

    // WHEN they are applied for real
    const real = apply(file);
    // THEN each object exists as synthesized
    expect(real.stderr).toBe('');
    expect(real.code).toBe(0);
    for (const obj of chart.objects) {
      const live = getJson([obj.kind, obj.metadata.name, `--namespace=${NAMESPACE}`]);
      expect(live.metadata.labels ?? {}).toMatchObject(obj.metadata.labels ?? {});
    }
    // AND applying them again would change nothing (what the server stores is what we write)
    const again = cluster.kubectl(['diff', '--server-side', `--field-manager=${FIELD_MANAGER}`, '-f', file]);
    expect({ code: again.code, diff: again.stdout }).toEqual({ code: 0, diff: '' });
  });

  test.each(synthesized.map((c) => [c.name, c] as const))('%s: the controllers create every Pod, and Pod Security "restricted" admits them', async (_name, chart) => {
    // GIVEN the chart's workloads were applied (previous test) to the restricted namespace
    const workloads = [...findObjects(chart.objects, 'Deployment'), ...findObjects(chart.objects, 'StatefulSet')];
    expect(workloads.length).toBeGreaterThanOrEqual(2);

    for (const workload of workloads) {
      // WHEN the Deployment / StatefulSet controller has acted
      const want = workload.spec.replicas ?? 1;
      const pods = await eventually(() => podsOf(workload), (p) => p.length >= want);
      // THEN it created one Pod per replica (admission rejecting a Pod would leave a FailedCreate event instead)
      const failures = failedCreates().filter((e) => e.involvedObject.name === workload.metadata.name ||
        e.involvedObject.name.startsWith(`${workload.metadata.name}-`)).map((e) => e.message);
      expect({ workload: workload.metadata.name, pods: pods.length, failures }).toEqual({
        workload: workload.metadata.name, pods: want, failures: [],
      });
      // AND every Pod runs as the template says: non-root, no privilege escalation, no capabilities, RuntimeDefault seccomp
      for (const pod of pods) {
        expect(pod.metadata.namespace).toBe(NAMESPACE);
        expect(pod.spec.securityContext?.runAsNonRoot ?? pod.spec.containers.every((c: any) => c.securityContext?.runAsNonRoot)).toBe(true);
        for (const c of pod.spec.containers) {
          expect(c.securityContext?.allowPrivilegeEscalation).toBe(false);
          expect(c.securityContext?.capabilities?.drop).toContain('ALL');
        }
      }
    }
  });

  test('Pod Security "restricted" is really enforced there: a workload without a security context gets no Pods', async () => {
    // GIVEN the app's Deployment with its security contexts removed, under another name
    const deployment = JSON.parse(JSON.stringify(findObjects(appChart().objects, 'Deployment')[0]));
    deployment.metadata.name = 'no-security-context';
    deployment.spec.selector.matchLabels = { probe: 'no-security-context' };
    deployment.spec.template.metadata.labels = { probe: 'no-security-context' };
    delete deployment.spec.template.spec.securityContext;
    for (const c of deployment.spec.template.spec.containers) delete c.securityContext;

    // WHEN it is applied
    const result = apply(manifestFile('no-security-context', [deployment]));
    // THEN the API server warns at apply time
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/would violate PodSecurity "restricted:latest"/);
    // AND the ReplicaSet controller's Pod creation is refused by admission
    const rs = await eventually(
      () => getJson(['replicasets', `--namespace=${NAMESPACE}`, '--selector=probe=no-security-context']).items,
      (items: any[]) => items.length > 0);
    const events = await eventually(
      () => eventsAbout('ReplicaSet', rs[0].metadata.name).filter((e) => e.reason === 'FailedCreate'),
      (e) => e.length > 0);
    expect(events[0].message).toMatch(/violates PodSecurity "restricted:latest"/);
    expect(podsOf(deployment)).toEqual([]);
  });

  test('a StatefulSet name over 52 characters gets no Pod from its controller; AlertmanagerCluster shortens it, and then it does', async () => {
    // GIVEN the Alertmanager cluster of a chart "platform-monitoring-production" with the id "alertmanager-cluster"
    const chart = new Chart(testApp(), 'platform-monitoring-production', { namespace: NAMESPACE });
    new AlertmanagerCluster(chart, 'alertmanager-cluster', {
      config: { route: { receiver: 'null' }, receivers: [{ name: 'null' }] },
    });
    const objects = Testing.synth(chart) as K8sObject[];
    const statefulSet = findObjects(objects, 'StatefulSet')[0];
    // AND the name cdk8s generates for that StatefulSet's path: 54 characters
    const apiObject = chart.node.findAll().find((c): c is ApiObject => c instanceof ApiObject && c.kind === 'StatefulSet')!;
    const generated = chart.generateObjectName(apiObject);
    expect(generated).toHaveLength(54);
    console.log(`generated StatefulSet name (${generated.length}): ${generated}; synthesized (${statefulSet.metadata.name.length}): ${statefulSet.metadata.name}`);

    // WHEN the StatefulSet is applied under the generated name (its own pod labels, so the two sets stay apart)
    const long = JSON.parse(JSON.stringify(statefulSet));
    long.metadata.name = generated;
    long.spec.selector.matchLabels.variant = 'generated-name';
    long.spec.template.metadata.labels.variant = 'generated-name';
    const result = apply(manifestFile('generated-name', [long]));
    // THEN schemas and the API server see nothing wrong
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    // AND the StatefulSet controller fails to create its first Pod: the controller-revision-hash label is too long
    const events = await eventually(
      () => eventsAbout('StatefulSet', generated).filter((e) => e.reason === 'FailedCreate'),
      (e) => e.length > 0);
    expect(events[0].type).toBe('Warning');
    // (the label value is `<name>-<revision hash>`: 54 + 1 + 9 characters here)
    expect(events[0].message).toContain(`Pod "${generated}-0" is invalid: metadata.labels: Invalid value: "${generated}-`);
    expect(events[0].message).toMatch(/must be no more than 63 (characters|bytes)/);
    expect(podsOf(long)).toEqual([]);
    expect(getJson(['statefulset', generated, `--namespace=${NAMESPACE}`]).status.replicas ?? 0).toBe(0);

    // WHEN the chart is applied as synthesized: AlertmanagerCluster shortened the name to fit
    expect(statefulSet.metadata.name.length).toBeLessThanOrEqual(STATEFULSET_NAME_MAX);
    const synthesized = apply(manifestFile('shortened-name', objects));
    expect(synthesized.stderr).toBe('');
    expect(synthesized.code).toBe(0);
    // THEN the controller creates every Pod
    const pods = await eventually(() => podsOf(statefulSet), (p) => p.length >= statefulSet.spec.replicas);
    expect(pods.map((p) => p.metadata.name).sort()).toEqual(
      Array.from({ length: statefulSet.spec.replicas }, (_, i) => `${statefulSet.metadata.name}-${i}`));
  });
});
