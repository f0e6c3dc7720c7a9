/**
 * `up` after a run killed with SIGKILL (every process of the cluster, the `up` process too, nothing cleaned): the
 * namespaces, links, iptables chain, cgroups and state folder it left do not stop the next `up`.
 */
import { NODES } from '../scripts/cluster/layout';
import { down, leftovers, up } from '../scripts/cluster/lifecycle';
import { clusterPids, sleep } from '../scripts/cluster/system';
import { kubectl } from './support';

afterAll(async () => {
  await down();
});

test('up after SIGKILL of every cluster process starts a Ready cluster, and down then leaves nothing', async () => {
  // GIVEN a running cluster whose every process is killed with SIGKILL (as when a CI job is cancelled)
  await up({ log: () => undefined });
  const pids = clusterPids();
  expect(pids.length).toBeGreaterThanOrEqual(4 + NODES.length * 5);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // a short-lived process (a probe, a CNI call) already gone
    }
  }
  await sleep(1000);
  const left = leftovers();
  expect(left.join('\n')).toContain(`netns ${NODES[0].netns}`);
  expect(left.join('\n')).toContain('iptables chain VMHA-GUARD');

  // WHEN up runs again
  const t0 = Date.now();
  const summary = await up({ log: (l) => console.log(l) });
  console.log(`up after a killed run, to Ready: ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  // THEN the cluster is Ready with new processes, and down leaves nothing
  const ready = kubectl(['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status} {end}']);
  expect(ready.stdout.trim().split(' ').sort()).toEqual(NODES.map((n) => `${n.name}=True`));
  expect(summary.processes.map((p) => p.pid).filter((pid) => pids.includes(pid))).toEqual([]);
  await down();
  expect(leftovers()).toEqual([]);
});
