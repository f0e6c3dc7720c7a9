import { Chart } from 'cdk8s';
import { Construct } from 'constructs';

/**
 * The namespace objects of a construct go to: the prop, else the chart's, else "default". It is written into every
 * object, because cluster DNS names (notifier URLs, peers) depend on it and must agree with where objects land.
 */
export function resolveNamespace(scope: Construct, explicit?: string): string {
  return explicit ?? Chart.of(scope).namespace ?? 'default';
}
