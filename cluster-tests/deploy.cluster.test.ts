/**
 * The app deployed the way users deploy it, on the local cluster of real nodes: `npm run synth` writes dist/,
 * scripts/extract-dist.ts the plan, and scripts/ci/deploy.sh applies it with the pinned kubectl (server-side, as
 * an ApplySet with pruning) and waits with a real `kubectl rollout status`, into a namespace where Pod Security
 * `restricted` is enforced. Storage (victoria-metrics behind the vmselect/vminsert path rewriting of the e2e suite)
 * and an SMTP sink run on the host's side of the pod network, behind selectorless Services of the namespace.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { NODES } from '../scripts/cluster/layout';
import { ClusterSummary, down, leftovers, up } from '../scripts/cluster/lifecycle';
import { tool } from '../scripts/cluster/tools';
import { extractDist } from '../scripts/ci/extract-dist';
import { readManifests } from '../constructs/testing/manifests';
import { KubeCluster, restrictedNamespaceLabels, serveCustomResources } from '../__tests__/support/kube-cluster';
import {
  apply, eventually, kubectl, kubectlJson, meshAndNotifiersReady, standInServices, startStandIns, stopStandInsAndCluster,
} from './support';

const ROOT = path.join(__dirname, '..');
const NAMESPACE = 'monitoring';
const SMTP_PASSWORD = 'cluster-test-Pw-83';
const SMTP_SETTINGS = {
  SMTP_SMARTHOST: `smtp-sink.${NAMESPACE}.svc.cluster.local:25`,
  SMTP_FROM: 'alertmanager@mail.internal',
  SMTP_TO: 'oncall@mail.internal',
  SMTP_USERNAME: 'alertmanager@mail.internal',
  SMTP_REQUIRE_TLS: 'false',
};

let summary: ClusterSummary;
let work: string;
const closers: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  summary = await up({ log: (l) => console.log(l) });
  console.log(`cluster start to Ready: ${(summary.readyMs / 1000).toFixed(1)} s`);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-real-cluster-'));
  // The app's datasource, remote write and SMTP relay answer, as in production (the scenarios with email counting are
  // in scenarios.cluster.test.ts, with shortened timings).
  await startStandIns(work, closers, { dedupInterval: '30s' });
});

afterAll(() => stopStandInsAndCluster(closers, work));

test('npm run synth + deploy.sh (real kubectl, ApplySet, real rollout status) into a restricted namespace: every pod Running and Ready', () => {
  // GIVEN dist/ from `npm run synth` with the SMTP settings as CI/CD variables, and its plan
  const dist = path.join(work, 'dist');
  const synth = spawnSync('npm', ['run', 'synth'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...SMTP_SETTINGS, CDK8S_OUTDIR: dist } });
  expect(synth.status).toBe(0);
  const plan = path.join(work, 'ci', extractDist(dist, path.join(work, 'ci')).deployPlan);
  const objects = readManifests(dist);
  // AND the namespace, labelled so Pod Security Admission enforces `restricted`, with the stand-ins' Services
  apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE, labels: restrictedNamespaceLabels() } }]);
  apply(standInServices(NAMESPACE));
  serveCustomResources({ kubectl: (args: readonly string[], opts?: { input?: string }) => kubectl(args, opts?.input) } as unknown as KubeCluster, objects);
  const kubeconfig = path.join(work, 'kubeconfig');
  fs.copyFileSync(summary.kubeconfig, kubeconfig);
  const kubectlDir = path.dirname(tool('kubectl'));

  // WHEN the deploy job runs
  const t0 = Date.now();
  const result = spawnSync('sh', [path.join(ROOT, 'scripts', 'ci', 'deploy.sh'), dist, plan], {
    cwd: work, encoding: 'utf8', timeout: 900_000,
    env: { PATH: `${kubectlDir}:${process.env.PATH}`, HOME: work, KUBECONFIG: kubeconfig, KUBE_CONTEXT: 'vmalert-ha-cluster', SMTP_PASSWORD },
  });
  const deployMs = Date.now() - t0;
  console.log(`deploy to all Ready (deploy.sh incl. rollout status): ${(deployMs / 1000).toFixed(1)} s\n${result.stdout}`);

  // THEN it succeeded, having waited for both workloads with the real rollout status
  expect(result.stderr).not.toMatch(/error|forbidden|violates PodSecurity/i);
  expect(result.status).toBe(0);
  expect(result.stdout).toMatch(/successfully rolled out/);
  // AND every pod of the namespace is Running and Ready, on real nodes
  const pods = kubectlJson(['-n', NAMESPACE, 'get', 'pods']).items as Array<Record<string, any>>;
  expect(pods.length).toBe(5);
  for (const pod of pods) {
    expect([pod.metadata.name, pod.status.phase]).toEqual([pod.metadata.name, 'Running']);
    expect(pod.status.conditions.find((c: { type: string }) => c.type === 'Ready').status).toBe('True');
    expect(NODES.map((n) => n.name)).toContain(pod.spec.nodeName);
  }
  // AND the SMTP password is in no output
  expect(result.stdout + result.stderr).not.toContain(SMTP_PASSWORD);
});

test('each Alertmanager reports 3 cluster members; each vmalert lists every Alertmanager pod as a healthy notifier', async () => {
  const { alertmanagers, vmalerts, notifierAddresses } = await meshAndNotifiersReady(NAMESPACE);
  expect(alertmanagers).toHaveLength(3);
  expect(vmalerts).toHaveLength(2);
  for (const vmalert of vmalerts) {
    for (const am of alertmanagers) expect(notifierAddresses[vmalert].join(' ')).toContain(am);
  }
});

test('the scheduler places the 3 Alertmanagers in 3 zones and the 2 vmalerts on 2 nodes, as the manifests ask', () => {
  const pods = kubectlJson(['-n', NAMESPACE, 'get', 'pods']).items as Array<Record<string, any>>;
  const zoneOf = new Map(NODES.map((n) => [n.name, n.zone]));
  const placement = (app: string) => pods.filter((p) => p.metadata.labels['app.kubernetes.io/name'] === app).map((p) => p.spec.nodeName as string);
  expect(placement('alertmanager').map((n) => zoneOf.get(n)).sort()).toEqual(['a', 'b', 'c']);
  expect(new Set(placement('vmalert')).size).toBe(2);
});

test('kubectl drain of a node honours both PodDisruptionBudgets: never two vmalert or two Alertmanager pods unready at once', async () => {
  // GIVEN the node that runs a vmalert and an Alertmanager
  const pods = () => kubectlJson(['-n', NAMESPACE, 'get', 'pods']).items as Array<Record<string, any>>;
  const app = (p: Record<string, any>) => p.metadata.labels['app.kubernetes.io/name'] as string;
  const ready = (p: Record<string, any>) => p.status.conditions?.find((c: { type: string }) => c.type === 'Ready')?.status === 'True'
    && !p.metadata.deletionTimestamp;
  const node = pods().find((p) => app(p) === 'vmalert')!.spec.nodeName as string;
  // WHEN it is drained, while the unready pods of each workload are counted every second
  const worst = { vmalert: 0, alertmanager: 0 };
  let draining = true;
  const watcher = (async () => {
    while (draining) {
      const now = pods();
      for (const name of ['vmalert', 'alertmanager'] as const) {
        const expected = name === 'vmalert' ? 2 : 3;
        worst[name] = Math.max(worst[name], expected - now.filter((p) => app(p) === name && ready(p)).length);
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  const t0 = Date.now();
  // (asynchronous, so the counting goes on while kubectl drain evicts through the PDBs)
  const drain = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(tool('kubectl'), [`--kubeconfig=${summary.kubeconfig}`, 'drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=600s'],
      { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += String(d); });
    child.on('exit', (code) => resolve({ code, stderr }));
  });
  await eventually('every pod Ready again', () => {
    const now = pods();
    return now.filter((p) => app(p) === 'vmalert' && ready(p)).length === 2 && now.filter((p) => app(p) === 'alertmanager' && ready(p)).length === 3 ? true : undefined;
  }, 600_000);
  draining = false;
  await watcher;
  console.log(`drain of ${node} to all Ready again: ${((Date.now() - t0) / 1000).toFixed(1)} s; most unready at once: ${JSON.stringify(worst)}`);
  // THEN the drain succeeded, nothing runs on the node, and at most one pod of each workload was ever down
  expect(drain.stderr).not.toMatch(/error/i);
  expect(drain.code).toBe(0);
  expect(pods().filter((p) => p.spec.nodeName === node)).toEqual([]);
  expect(worst.vmalert).toBe(1);
  expect(worst.alertmanager).toBeLessThanOrEqual(1);
  expect(kubectl(['uncordon', node]).code).toBe(0);
});

test('down leaves nothing', async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await down();
  expect(leftovers()).toEqual([]);
});
