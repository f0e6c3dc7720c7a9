/**
 * The public API of cdk8s-vmalert-ha, by name: the constructs, their props, the value types a user writes for them,
 * and the few helpers that build such values. Everything else in constructs/ is internal; tests import it from its
 * own module. __tests__/public-api.test.ts fails when this list changes without API.md and CHANGELOG.md saying so.
 */

// The constructs and their props
export { VmalertHa } from './vmalert/vmalert-ha';
export type { VmalertHaProps } from './vmalert/props';
export { RuleTemplates } from './vmalert/rule-templates';
export type { RuleTemplate } from './vmalert/rule-templates';
export { AlertmanagerCluster } from './alertmanager/alertmanager-cluster';
export type { AlertmanagerClusterProps, AlertmanagerStorage } from './alertmanager/props';
export type {
  AlertmanagerMeshTlsSettings, AlertmanagerWebSettings, AlertmanagerWebTlsSettings, AlertmanagerWebUser,
} from './alertmanager/web-config';
export { RulesConfigMap } from './rules/configmap';
export type { RulesConfigMapOptions, RulesConfigMapPart, RulesConfigMapProps, SelfMonitoringRulesOptions } from './rules/configmap';
export { RuleObjectKind, RuleObjects } from './rules/rule-objects';
export type { RuleObjectsOptions, RuleObjectsProps } from './rules/rule-objects';
export { SelfMonitoringScrape, VMAGENT_SCRAPE_CONFIG_FILE } from './self-monitoring/scrape';
export type { ScrapeObjectKind, SelfMonitoringScrapeProps } from './self-monitoring/scrape';
export { GrafanaDashboards } from './dashboards/grafana-dashboards';
export type { GrafanaDashboardsProps } from './dashboards/grafana-dashboards';
export type { DashboardPanel } from './dashboards/dashboards';

// Alertmanager configuration
// AlertmanagerConfig, AlertmanagerConfigFile and the option, route, receiver and rule types of alertmanager.yml
export * from './alertmanager/config/types';
export type {
  MsTeamsConfig, PagerDutyConfig, ReceiverCommon, ReceiverHttpConfig, SlackConfig, TelegramConfig, TlsClientCertificate, TypedReceiverConfigs,
  WebhookConfig,
} from './alertmanager/config/receivers';
export { NotificationTemplates } from './alertmanager/config/templates';
export type { AlertmanagerMount, NotificationTemplate } from './alertmanager/config/templates';
export type { TeamRouteProps } from './alertmanager/config/team-routes';

// Rules
export type { AlertingRule, RecordingRule, Rule, RuleCommon, RuleFile, RuleGroup, RuleGroupType } from './rules/rules';

// Self-monitoring: alert rules on the stack, its scrape jobs, the dead man's switch
export { selfMonitoringGroups } from './self-monitoring/self-monitoring';
export type { SelfMonitoringOptions } from './self-monitoring/self-monitoring';
export { selfMonitoringJobOptions } from './self-monitoring/scrape-config';
export type { PodScrapeTarget, ScrapeJobNames, ScrapeJobs, SelfMonitoringJobOptions } from './self-monitoring/scrape-config';
export { SelfMonitoring } from './self-monitoring/self-monitoring-static';
export { DeadMansSwitch, withDeadMansSwitch } from './self-monitoring/dead-mans-switch';
export type { DeadMansSwitchOptions } from './self-monitoring/dead-mans-switch';

// Endpoints, credentials and Kubernetes references
export { tenantUrls, VictoriaMetricsTenant } from './vmalert/tenant-urls';
export type { TenantEndpoints, TenantUrls } from './vmalert/tenant-urls';
export type { EndpointAuth, EndpointTlsSettings, HttpAuthSettings, OAuth2Settings } from './vmalert/endpoint-auth';
export type { VmalertWebTlsSettings } from './vmalert/tls';
export type { BasicAuthSettings, ConfigMapKeyRef, SecretKeyRef } from './k8s/secret-refs';
export type { ExtraMount } from './k8s/mounts';
export type { PodSettings, PodToleration, ProbeSettings, ResourceSettings } from './k8s/workload';
export { ResourceSizing } from './k8s/sizing';
export type { SizingWorkload } from './k8s/sizing';
export { IngressPolicy } from './k8s/network-policy';
export type { UiIngressAuth, UiIngressProps } from './k8s/ui-ingress';
export type { IngressPolicyProps, NetworkPeer, NetworkPolicySettings, PolicyPort } from './k8s/network-policy';

// The real vmalert and amtool on a synthesized chart (cdk8s-vmalert-ha/testing has the same as functions)
export { RealTools } from './testing/index';
export type { RealToolCheck, RealToolsOptions } from './testing/index';

// Pinned images and the error every check throws
export { ALERTMANAGER_IMAGE, VMALERT_IMAGE } from './core/versions';
export { ConfigError } from './core/errors';
