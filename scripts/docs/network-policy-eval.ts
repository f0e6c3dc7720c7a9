/**
 * A small NetworkPolicy evaluator over synthesized objects: which pod may open which port of which other pod,
 * by the Kubernetes rules for ingress (a pod no Ingress policy selects accepts everything; a selected pod accepts
 * what any of its policies' rules allow). matchLabels selectors only, which is all the constructs write.
 * Egress is not evaluated: the constructs never restrict it.
 */

type Manifest = Record<string, any>;

/** A pod, as far as policies see it. */
export interface PodRef {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** A namespace and its labels (Kubernetes adds kubernetes.io/metadata.name itself). */
export type NamespaceLabels = Readonly<Record<string, Readonly<Record<string, string>>>>;

export interface PortRef {
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP';
}

function matches(selector: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] } | undefined,
  labels: Readonly<Record<string, string>>): boolean {
  if (!selector) return true;
  if (selector.matchExpressions && selector.matchExpressions.length > 0) {
    throw new Error('matchExpressions are not supported by this evaluator');
  }
  return Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
}

function namespaceLabels(namespaces: NamespaceLabels, name: string): Record<string, string> {
  return { ...(namespaces[name] ?? {}), 'kubernetes.io/metadata.name': name };
}

function peerAdmits(peer: Manifest, policyNamespace: string, source: PodRef, namespaces: NamespaceLabels): boolean {
  if (peer.ipBlock) return false;
  const inNamespace = peer.namespaceSelector
    ? matches(peer.namespaceSelector, namespaceLabels(namespaces, source.namespace))
    : source.namespace === policyNamespace;
  return inNamespace && matches(peer.podSelector, source.labels);
}

function portAdmits(ports: Manifest[] | undefined, port: PortRef): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some(p => (p.protocol ?? 'TCP') === port.protocol && (p.port === undefined || p.port === port.port));
}

/** Whether `source` may connect to `port` of `target` under the NetworkPolicies among `objects`. */
export function ingressAllowed(objects: readonly Manifest[], source: PodRef, target: PodRef, port: PortRef,
  namespaces: NamespaceLabels = {}): boolean {
  const policies = objects.filter(o => o.kind === 'NetworkPolicy'
    && (o.metadata?.namespace ?? 'default') === target.namespace
    && (o.spec.policyTypes ?? ['Ingress']).includes('Ingress')
    && matches(o.spec.podSelector, target.labels));
  if (policies.length === 0) return true;
  return policies.some(policy => (policy.spec.ingress ?? []).some((rule: Manifest) =>
    portAdmits(rule.ports, port)
    && (!rule.from || rule.from.length === 0 || rule.from.some((peer: Manifest) => peerAdmits(peer, target.namespace, source, namespaces)))));
}

/** The pod of a synthesized Deployment or StatefulSet (its template's labels, its namespace). */
export function podOf(workload: Manifest): PodRef {
  return { namespace: workload.metadata.namespace ?? 'default', labels: workload.spec.template.metadata.labels ?? {} };
}

/** A row of a truth table: a named source pod. */
export interface TableSource {
  readonly name: string;
  readonly pod: PodRef;
}

/** A column of a truth table: a named target pod and port. */
export interface TableTarget {
  readonly name: string;
  readonly pod: PodRef;
  readonly port: PortRef;
}

/** A Markdown table: one row per source, one column per target, "yes"/"no". */
export function truthTable(objects: readonly Manifest[], sources: readonly TableSource[], targets: readonly TableTarget[],
  namespaces: NamespaceLabels = {}): string {
  return markdownTable(sources, targets, (source, target) => ingressAllowed(objects, source.pod, target.pod, target.port, namespaces));
}

/** The Markdown form of a truth table whose cells `allowed` decides (the evaluator above, or real connections). */
export function markdownTable<S extends TableSource, T extends TableTarget>(sources: readonly S[], targets: readonly T[],
  allowed: (source: S, target: T) => boolean): string {
  const header = `| from \\ to | ${targets.map(t => t.name).join(' | ')} |`;
  const rule = `|---|${targets.map(() => '---').join('|')}|`;
  const rows = sources.map(source => `| ${source.name} | ${targets.map(target => (allowed(source, target) ? 'yes' : 'no')).join(' | ')} |`);
  return [header, rule, ...rows].join('\n');
}
