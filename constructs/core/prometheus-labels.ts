/** The Prometheus label-name grammar, which vmalert and Alertmanager share. No cdk8s here. */

const PROMETHEUS_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Whether `name` is a label name a user may set: `[a-zA-Z_][a-zA-Z0-9_]*`, and not `__`-prefixed (reserved). */
export function isPrometheusLabelName(name: string): boolean {
  return PROMETHEUS_LABEL_NAME.test(name) && !name.startsWith('__');
}
