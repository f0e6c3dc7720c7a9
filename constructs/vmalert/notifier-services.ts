/**
 * Notifier URLs that point at a Service of an AlertmanagerCluster of the same app: the seed's original bug. A
 * ClusterIP Service sends each alert to one peer (and a headless one resolves to one), so a peer that gets no
 * alert cannot take over from the one that had it.
 */
import { Construct } from 'constructs';
import { AlertmanagerCluster } from '../alertmanager/alertmanager-cluster';

/** Every host name a Service answers to in the cluster, seen from a pod of `clientNamespace`. */
export function serviceHostNames(name: string, namespace: string, clientNamespace: string): string[] {
  const qualified = [`${name}.${namespace}`, `${name}.${namespace}.svc`, `${name}.${namespace}.svc.cluster.local`];
  return namespace === clientNamespace ? [name, ...qualified] : qualified;
}

/** The host of a URL, lowercased and without a trailing dot; undefined when it does not parse. */
export function urlHost(url: string): string | undefined {
  try {
    return new URL(url).hostname.toLowerCase().replace(/\.$/, '');
  } catch {
    return undefined;
  }
}

/**
 * One problem per notifier URL that names a Service of an AlertmanagerCluster anywhere in the app of `scope`
 * (whose objects run in `scope`'s namespace), with the fix: pass the cluster itself.
 */
export function knownServiceProblems(scope: Construct & { namespace: string }, urls: readonly string[]): string[] {
  const clusters = scope.node.root.node.findAll().filter((c): c is AlertmanagerCluster => c instanceof AlertmanagerCluster);
  const problems: string[] = [];
  urls.forEach((url, i) => {
    const host = urlHost(url);
    for (const cluster of clusters) {
      for (const service of [cluster.service, cluster.headlessService]) {
        if (host && serviceHostNames(service.name, cluster.namespace, scope.namespace).includes(host)) {
          problems.push(`notifiers[${i}] ${JSON.stringify(url)} is the Service "${service.name}" of the AlertmanagerCluster `
            + `"${cluster.node.path}": a Service hands each alert to one peer, so the others cannot deduplicate or take over. `
            + `Pass the cluster itself: notifiers: <the AlertmanagerCluster "${cluster.node.id}">, which gives every vmalert one URL per peer`);
        }
      }
    }
  });
  return problems;
}
