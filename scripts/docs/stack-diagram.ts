/**
 * A Mermaid flowchart of who talks to whom on which port, read from synthesized manifests only: the vmalert
 * Deployments' flags (datasource, remoteWrite, remoteRead, one -notifier.url per Alertmanager pod), the
 * Alertmanager StatefulSets' mesh flags and container ports, and the receivers of their alertmanager.yml.
 * Pure: no cdk8s, no files.
 */
import * as yaml from 'js-yaml';
import { Container, findObject, findObjects, flagValues, K8sObject, podSpecOf } from '../../constructs/testing/manifests';

/** vmalert's flags for the storage endpoints, in the order they are drawn. */
const ENDPOINT_FLAGS = ['datasource.url', 'remoteWrite.url', 'remoteRead.url'] as const;
const CONFIG_FILE_FLAG = 'config.file';

interface AlertmanagerSet {
  readonly id: string;
  readonly statefulSet: K8sObject;
  readonly podIds: Map<string, string>;
}

/** The Mermaid source (without the ```mermaid fence) of the stack the manifests describe. */
export function stackDiagram(objects: readonly K8sObject[]): string {
  const lines: string[] = ['flowchart LR'];
  const edges: string[] = [];
  const nodes = new Map<string, string>();
  const node = (key: string, shape: (label: string) => string, label: string): string => {
    if (!nodes.has(key)) {
      const id = `n${nodes.size}`;
      nodes.set(key, id);
      lines.push(`  ${id}${shape(label)}`);
    }
    return nodes.get(key)!;
  };

  const alertmanagers = findObjects(objects, 'StatefulSet').filter(s => alertmanagerContainer(s) !== undefined)
    .map((statefulSet, i): AlertmanagerSet => ({ id: `am${i}`, statefulSet, podIds: new Map() }));
  const vmalerts = findObjects(objects, 'Deployment').filter(d => vmalertContainer(d) !== undefined);
  if (vmalerts.length === 0 || alertmanagers.length === 0) {
    throw new Error(`stack diagram: the manifests need a vmalert Deployment and an Alertmanager StatefulSet; found ${vmalerts.length} and ${alertmanagers.length}`);
  }

  vmalerts.forEach((deployment, d) => {
    const replicas = deployment.spec.replicas ?? 1;
    lines.push(`  subgraph vm${d}["Deployment ${deployment.metadata.name}: ${replicas} identical vmalert replicas"]`);
    for (let r = 0; r < replicas; r++) lines.push(`    vm${d}r${r}["vmalert replica ${r + 1}"]`);
    lines.push('  end');
  });
  for (const am of alertmanagers) {
    const { name } = am.statefulSet.metadata;
    const replicas = am.statefulSet.spec.replicas ?? 1;
    lines.push(`  subgraph ${am.id}["StatefulSet ${name}: ${replicas} Alertmanager peers, headless Service ${am.statefulSet.spec.serviceName}"]`);
    for (let p = 0; p < replicas; p++) {
      const podId = `${am.id}p${p}`;
      am.podIds.set(`${name}-${p}.${am.statefulSet.spec.serviceName}`, podId);
      lines.push(`    ${podId}["${name}-${p}"]`);
    }
    lines.push('  end');
  }

  vmalerts.forEach((deployment, d) => {
    const args = vmalertContainer(deployment)!.args ?? [];
    for (const flag of ENDPOINT_FLAGS) {
      for (const url of flagValues(args, flag)) {
        const parsed = new URL(url);
        const target = node(`endpoint ${parsed.host}${parsed.pathname}`, label => `[("${label}")]`, `${parsed.host}<br/>${parsed.pathname}`);
        edges.push(`  vm${d} -->|"${flag.replace(/\.url$/, '')} :${portOf(parsed)}"| ${target}`);
      }
    }
    if (flagValues(args, 'notifier.config').length > 0) {
      throw new Error(`stack diagram: vmalert Deployment ${deployment.metadata.name} notifies through -notifier.config; draw it with -notifier.url (no replicaLabel)`);
    }
    for (const url of flagValues(args, 'notifier.url')) {
      const parsed = new URL(url);
      const podId = alertmanagers.map(am => am.podIds.get(parsed.hostname.split('.').slice(0, 2).join('.'))).find(id => id !== undefined)
        ?? node(`notifier ${parsed.host}`, label => `["${label}"]`, parsed.host);
      for (let r = 0; r < (deployment.spec.replicas ?? 1); r++) edges.push(`  vm${d}r${r} -->|":${portOf(parsed)}"| ${podId}`);
    }
  });

  for (const am of alertmanagers) {
    const container = alertmanagerContainer(am.statefulSet)!;
    const meshPort = flagValues(container.args ?? [], 'cluster.listen-address').map(a => a.slice(a.lastIndexOf(':') + 1))[0];
    if (meshPort !== undefined) {
      const protocols = (container.ports ?? []).filter((p: { containerPort: number }) => String(p.containerPort) === meshPort)
        .map((p: { protocol?: string }) => p.protocol ?? 'TCP');
      const pods = [...am.podIds.values()];
      pods.forEach((a, i) => pods.slice(i + 1).forEach(b => edges.push(`  ${a} <-->|"mesh :${meshPort} ${protocols.join('/')}"| ${b}`)));
    }
    const config = alertmanagerYml(objects, am.statefulSet, container);
    for (const receiver of config.receivers ?? []) {
      for (const email of receiver.email_configs ?? []) {
        const smarthost: string | undefined = email.smarthost ?? config.global?.smtp_smarthost;
        if (smarthost === undefined) continue;
        const target = node(`smtp ${smarthost}`, label => `[("${label}")]`, `SMTP relay<br/>${smarthost}`);
        edges.push(`  ${am.id} -->|"SMTP :${smarthost.slice(smarthost.lastIndexOf(':') + 1)}, receiver ${receiver.name}"| ${target}`);
      }
      for (const webhook of receiver.webhook_configs ?? []) {
        const where = webhook.url !== undefined ? new URL(webhook.url).host : `URL from Secret ${secretOfFile(am.statefulSet, webhook.url_file)}`;
        const target = node(`webhook ${receiver.name} ${where}`, label => `[["${label}"]]`, `webhook of receiver ${receiver.name}<br/>${where}`);
        edges.push(`  ${am.id} -->|"webhook, receiver ${receiver.name}"| ${target}`);
      }
    }
  }
  return [...lines, ...edges].join('\n');
}

function vmalertContainer(workload: K8sObject): Container | undefined {
  return podSpecOf(workload)?.containers.find(c => flagValues(c.args ?? [], 'datasource.url').length > 0);
}

function alertmanagerContainer(workload: K8sObject): Container | undefined {
  return podSpecOf(workload)?.containers.find(c => flagValues(c.args ?? [], 'cluster.listen-address').length > 0
    && flagValues(c.args ?? [], CONFIG_FILE_FLAG).length > 0);
}

function portOf(url: URL): string {
  return url.port || (url.protocol === 'https:' ? '443' : '80');
}

/** The Secret or ConfigMap mounted where a file lives. */
function mountedAt(statefulSet: K8sObject, file: string): { secret?: string; configMap?: string; key: string } {
  const podSpec = podSpecOf(statefulSet)!;
  const mount = alertmanagerContainer(statefulSet)!.volumeMounts
    ?.find((m: { mountPath: string }) => file.startsWith(`${m.mountPath}/`));
  const volume = podSpec.volumes?.find(v => v.name === mount?.name);
  if (!mount || !volume) throw new Error(`stack diagram: ${statefulSet.metadata.name}: nothing is mounted where ${file} is read`);
  return { secret: volume.secret?.secretName, configMap: volume.configMap?.name, key: file.slice(mount.mountPath.length + 1) };
}

function secretOfFile(statefulSet: K8sObject, file: string): string {
  const { secret, configMap } = mountedAt(statefulSet, file);
  return secret ?? `ConfigMap ${configMap}`;
}

/** alertmanager.yml as the pods read it: from the Secret or ConfigMap mounted where --config.file points. */
function alertmanagerYml(objects: readonly K8sObject[], statefulSet: K8sObject, container: Container): Record<string, any> {
  const file = flagValues(container.args ?? [], CONFIG_FILE_FLAG)[0];
  const { secret, configMap, key } = mountedAt(statefulSet, file);
  const source = secret !== undefined ? findObject(objects, 'Secret', secret) : findObject(objects, 'ConfigMap', configMap!);
  const text: string | undefined = source?.stringData?.[key] ?? source?.data?.[key];
  if (text === undefined) throw new Error(`stack diagram: ${statefulSet.metadata.name}: ${file} is not in the manifests`);
  return yaml.load(text) as Record<string, any>;
}
