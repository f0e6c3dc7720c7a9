import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { COMPONENT_LABEL, NAME_LABEL } from '../core/constants';
import { ConfigError } from '../core/errors';
import { resolveNamespace } from '../k8s/namespace';
import { labelKeyProblem, labelValueProblem } from '../k8s/names';
import { DashboardPanel, renderDashboards } from './dashboards';

/** Options for {@link GrafanaDashboards}. */
export interface GrafanaDashboardsProps {
  /**
   * Namespace of the ConfigMap: one the Grafana sidecar watches.
   * @default - the chart's namespace, else "default"
   */
  readonly namespace?: string;
  /**
   * Label the Grafana dashboard sidecar selects ConfigMaps by (kube-prometheus-stack's and the Grafana chart's
   * `sidecar.dashboards.label`).
   * @default "grafana_dashboard"
   */
  readonly sidecarLabel?: string;
  /**
   * Value of `sidecarLabel` (`sidecar.dashboards.labelValue`).
   * @default "1"
   */
  readonly sidecarLabelValue?: string;
  /**
   * Grafana folder, written as the `grafana_folder` annotation (the sidecar's `folderAnnotation`).
   * @default - no annotation: the sidecar's default folder
   */
  readonly folder?: string;
  /**
   * Panels appended to the vmalert dashboard. `vmalert_*` and `alertmanager_*` names in their queries must be
   * metrics the pinned binaries expose.
   * @default - none
   */
  readonly vmalertPanels?: DashboardPanel[];
  /**
   * Panels appended to the Alertmanager cluster dashboard, checked like `vmalertPanels`.
   * @default - none
   */
  readonly alertmanagerPanels?: DashboardPanel[];
}

/**
 * Grafana dashboards for vmalert and the Alertmanager cluster, in one ConfigMap labelled for the Grafana
 * dashboard sidecar (`grafana_dashboard: "1"` unless set otherwise): create it to opt in. The dashboards select
 * their data source and the scrape `job` with variables, so they fit the scrape jobs of {@link SelfMonitoringScrape}
 * or any other.
 */
export class GrafanaDashboards extends Construct {
  /** The ConfigMap holding `vmalert.json` and `alertmanager-cluster.json`. */
  public readonly configMap: kplus.ConfigMap;
  /** The dashboards' uids, in the order of the files. */
  public readonly uids: string[];

  constructor(scope: Construct, id: string, props: GrafanaDashboardsProps = {}) {
    super(scope, id);
    const owner = `GrafanaDashboards "${id}"`;
    const label = props.sidecarLabel ?? 'grafana_dashboard';
    const value = props.sidecarLabelValue ?? '1';
    const keyProblem = labelKeyProblem(label);
    if (keyProblem) throw new ConfigError(`${owner}: sidecarLabel ${JSON.stringify(label)} ${keyProblem}`);
    const valueProblem = labelValueProblem(value);
    if (valueProblem) throw new ConfigError(`${owner}: sidecarLabelValue ${JSON.stringify(value)} ${valueProblem}`);
    const dashboards = renderDashboards(owner, props.vmalertPanels, props.alertmanagerPanels);
    this.uids = dashboards.map(d => d.uid);
    this.configMap = new kplus.ConfigMap(this, 'Resource', {
      metadata: {
        namespace: resolveNamespace(this, props.namespace),
        labels: { [NAME_LABEL]: 'grafana-dashboards', [COMPONENT_LABEL]: 'dashboards', [label]: value },
        ...(props.folder !== undefined ? { annotations: { grafana_folder: props.folder } } : {}),
      },
      data: Object.fromEntries(dashboards.map(d => [d.fileName, `${JSON.stringify(d.model, null, 2)}\n`])),
    });
  }
}
