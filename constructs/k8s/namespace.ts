import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { ConfigError } from '../core/errors';
import { dns1123LabelProblem } from './names';

/**
 * The namespace objects of a construct go to: the prop, else the chart's, else "default". It is written into every
 * object, because cluster DNS names (notifier URLs, peers) depend on it and must agree with where objects land.
 * An empty or invalid namespace is refused here, naming where it came from: it would otherwise surface later as a
 * broken DNS name (`<service>..svc`) or an API server error.
 */
export function resolveNamespace(scope: Construct, explicit?: string): string {
  const chart = Chart.of(scope);
  const namespace = explicit ?? chart.namespace ?? 'default';
  const problem = dns1123LabelProblem(namespace);
  if (problem) {
    const source = explicit !== undefined ? `the namespace prop of ${scope.node.path}` : `the namespace of chart "${chart.node.id}"`;
    throw new ConfigError(`namespace ${JSON.stringify(namespace)} (from ${source}) ${problem}: Kubernetes refuses it and `
      + 'service DNS names (<service>.<namespace>.svc) would break; use e.g. "monitoring"');
  }
  return namespace;
}
