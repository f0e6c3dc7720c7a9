/**
 * The test cluster helper itself (support/kube-cluster.ts): the pinned control plane starts in seconds, serves the
 * pinned Kubernetes version with Pod Security labels on the namespaces asked for, and leaves nothing behind.
 */
import * as fs from 'fs';
import * as path from 'path';
import { VERSIONS } from '../../constructs/core/versions';
import { binary, portIsFree, run } from '../../testkit/binaries';
import { restrictedNamespaceLabels, startKubeCluster } from '../support/kube-cluster';

/** Startup is about 3 s and shutdown about 1 s on 2 busy cores; these bounds catch a hang, not jitter. */
const MAX_STARTUP_MS = 30_000;
const MAX_SHUTDOWN_MS = 10_000;

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('the test cluster starts fast, runs the pinned Kubernetes, and stopping it leaves no process, port or file', async () => {
  // GIVEN / WHEN a cluster with one restricted namespace starts
  const cluster = await startKubeCluster({ restrictedNamespaces: ['monitoring'] });
  const dir = path.dirname(cluster.kubeconfig);
  const port = Number(new URL(cluster.server).port);
  let stopMs: number | undefined;
  try {
    // THEN it was ready quickly, on loopback, and the API server is the version of constructs/core/versions.ts
    console.log(`test cluster: started in ${cluster.startupMs} ms`);
    expect(cluster.startupMs).toBeLessThan(MAX_STARTUP_MS);
    expect(new URL(cluster.server).hostname).toBe('127.0.0.1');
    const version = JSON.parse(cluster.kubectl(['version', '-o', 'json']).stdout);
    expect(version.serverVersion.gitVersion).toBe(VERSIONS.kubernetes);
    expect(version.clientVersion.gitVersion).toBe(VERSIONS.kubernetes);
    expect(run(binary('kube-controller-manager'), ['--version']).stdout.trim()).toBe(`Kubernetes ${VERSIONS.kubernetes}`);
    expect(run(binary('etcd'), ['--version']).stdout).toContain(`etcd Version: ${VERSIONS.etcd.replace(/^v/, '')}\n`);
    // AND the namespace carries the Pod Security labels that make the API server enforce "restricted"
    const ns = JSON.parse(cluster.kubectl(['get', 'namespace', 'monitoring', '-o', 'json']).stdout);
    expect(ns.metadata.labels).toMatchObject(restrictedNamespaceLabels());
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    // AND etcd, kube-apiserver and kube-controller-manager are running
    expect(cluster.pids).toHaveLength(3);
    expect(cluster.pids.every(isRunning)).toBe(true);
  } finally {
    // WHEN it is stopped
    stopMs = await cluster.stop();
  }
  // THEN it stopped quickly, and no process, listening port or temporary file is left
  console.log(`test cluster: stopped in ${stopMs} ms`);
  expect(stopMs).toBeLessThan(MAX_SHUTDOWN_MS);
  expect(cluster.pids.filter(isRunning)).toEqual([]);
  expect(await portIsFree('127.0.0.1', port)).toBe(true);
  expect(fs.existsSync(dir)).toBe(false);
}, 120_000);
