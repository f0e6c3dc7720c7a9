/**
 * npm run cluster -- up | down | status
 *
 * A local Kubernetes cluster of three real nodes on this machine (see docs/real-cluster.md): etcd, kube-apiserver,
 * kube-controller-manager and kube-scheduler on the host; per node a network, mount and UTS namespace with
 * containerd, the kubelet, kube-proxy and kube-router's NetworkPolicy controller. Needs root.
 */
import { describe, down, leftovers, status, up } from './lifecycle';

async function main(argv: string[]): Promise<number> {
  const command = argv[0];
  switch (command) {
    case 'up': {
      const summary = await up();
      console.log(describe(summary));
      console.log(`\nkubectl --kubeconfig ${summary.kubeconfig} get pods -A -o wide`);
      return 0;
    }
    case 'down': {
      await down({ log: console.log });
      const left = leftovers();
      if (left.length) {
        console.error(`cluster: still present after down: ${left.join('; ')}`);
        return 1;
      }
      return 0;
    }
    case 'status':
      return status();
    default:
      console.error('usage: npm run cluster -- up | down | status');
      return 2;
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code), (error: Error) => {
  console.error(error.message);
  process.exit(1);
});
