import { Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ConfigError } from '../core/errors';
import { checkLabelMap } from './workload';

/**
 * Pods allowed in, by labels: `podLabels` alone means pods of the policy's namespace, `namespaceLabels` alone every
 * pod of those namespaces, both together the matching pods of the matching namespaces. Every namespace carries
 * `kubernetes.io/metadata.name: <its name>`.
 */
export interface NetworkPeer {
  /**
   * Labels of the namespaces allowed in; `{}` is every namespace.
   * @default - the policy's own namespace
   */
  readonly namespaceLabels?: Record<string, string>;
  /**
   * Labels of the pods allowed in; `{}` is every pod.
   * @default - every pod of the selected namespaces
   */
  readonly podLabels?: Record<string, string>;
}

/** The ingress NetworkPolicy of a workload. Egress is never restricted by it. */
export interface NetworkPolicySettings {
  /**
   * Whether to create the NetworkPolicy. Without one, every pod of the cluster reaches the workload.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * More pods allowed to the API/UI port (Alertmanager 9093: UI, amtool, an ingress controller; vmalert 8880:
   * the scraper of its metrics, the UI).
   * @default - none
   */
  readonly allowFrom?: NetworkPeer[];
}

/** A port a rule opens. */
export interface PolicyPort {
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP';
}

/** Options for {@link IngressPolicy}. */
export interface IngressPolicyProps {
  /** Namespace of the NetworkPolicy and of the pods it protects. */
  readonly namespace: string;
  /** Labels of the pods the policy applies to. */
  readonly podSelector: Record<string, string>;
  /** Labels of the NetworkPolicy object. */
  readonly labels: Record<string, string>;
}

/** The namespace label every namespace has (Kubernetes >= 1.22), used to name a namespace in a selector. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/**
 * An Ingress-only NetworkPolicy on the pods of `podSelector`. Peers can be added until synthesis; a rule left
 * without peers is dropped (an ingress rule without `from` would admit every source).
 */
export class IngressPolicy extends Construct {
  private readonly rules: Array<{ ports: readonly PolicyPort[]; peers: Array<Record<string, unknown>> }> = [];

  constructor(scope: Construct, id: string, props: IngressPolicyProps) {
    super(scope, id);
    new kplus.k8s.KubeNetworkPolicy(this, 'Resource', {
      metadata: { namespace: props.namespace, labels: props.labels },
      spec: {
        podSelector: { matchLabels: props.podSelector },
        policyTypes: ['Ingress'],
        ingress: Lazy.any({
          produce: () => {
            const rules = this.rules.filter(rule => rule.peers.length > 0).map(rule => ({
              from: rule.peers,
              ports: rule.ports.map(p => ({ port: kplus.k8s.IntOrString.fromNumber(p.port), protocol: p.protocol })),
            }));
            // No rules: left out, which admits nothing just the same. The API server stores an empty list as absent,
            // so writing [] would make every server-side apply a change.
            return rules.length > 0 ? rules : undefined;
          },
        }),
      },
    });
  }

  /**
   * Opens `ports` to `peers`; returns the rule's peer list, to which more can be added.
   *
   * TypeScript only: the returned list is shared and added to later, which a copy in another language would not be.
   * @jsii ignore
   */
  public allow(ports: readonly PolicyPort[], peers: Array<Record<string, unknown>> = []): Array<Record<string, unknown>> {
    const rule = { ports, peers: [...peers] };
    this.rules.push(rule);
    return rule.peers;
  }
}

/** The `from` entry of pods with `podLabels` in namespace `namespace`, seen from a policy in `policyNamespace`. */
export function podsPeer(podLabels: Record<string, string>, namespace: string, policyNamespace: string): Record<string, unknown> {
  return {
    podSelector: { matchLabels: podLabels },
    ...(namespace === policyNamespace ? {} : { namespaceSelector: labelSelector({ [NAMESPACE_NAME_LABEL]: namespace }) }),
  };
}

/** The `from` entries of configured peers, checked; `prop` names them in errors. */
export function networkPeers(owner: string, peers: readonly NetworkPeer[] = [], prop = 'networkPolicy.allowFrom'): Array<Record<string, unknown>> {
  return peers.map((peer, i) => {
    const at = peers.length === 1 && prop !== 'networkPolicy.allowFrom' ? prop : `${prop}[${i}]`;
    if (peer.namespaceLabels === undefined && peer.podLabels === undefined) {
      throw new ConfigError(`${owner}: ${at} selects nothing: set podLabels (pods of this namespace), namespaceLabels, or both`);
    }
    if (peer.namespaceLabels) checkLabelMap(owner, `${at}.namespaceLabels`, peer.namespaceLabels, true);
    if (peer.podLabels) checkLabelMap(owner, `${at}.podLabels`, peer.podLabels, true);
    return {
      ...(peer.namespaceLabels ? { namespaceSelector: labelSelector(peer.namespaceLabels) } : {}),
      ...(peer.podLabels ? { podSelector: labelSelector(peer.podLabels) } : {}),
    };
  });
}

/**
 * A label selector matching `labels`; `{}` (everything) without `matchLabels` when there are none. The API server
 * stores an empty `matchLabels` as absent, so writing it would make every server-side apply a change (a new
 * generation, a diff on every deploy).
 */
function labelSelector(labels: Record<string, string>): { matchLabels?: Record<string, string> } {
  return Object.keys(labels).length === 0 ? {} : { matchLabels: labels };
}
