import * as yaml from 'js-yaml';
import { ConfigError, selfMonitoringGroups, selfMonitoringJobOptions } from '../constructs';
import { escapeRegex } from '../constructs/core/regex';
import { podTargetRelabeling, PodScrapeTarget, renderVmagentScrapeConfigs, resolveScrapeJobs, selfMonitoringJobSelectors, toSnakeCase, vmagentScrapeConfigs } from '../constructs/self-monitoring/scrape-config';

const VMALERT: PodScrapeTarget = {
  job: 'vmalert',
  namespace: 'monitoring',
  podLabels: { 'cdk8s.io/metadata.addr': 'alerting-vmalert-c8030d4f' },
  portName: 'http',
};

describe('podTargetRelabeling', () => {
  test('keeps running pods with every selector label on the named port, then sets namespace, pod, container and job', () => {
    // GIVEN a target selected by two labels, one with regex characters in its value
    const target = { ...VMALERT, podLabels: { 'app.kubernetes.io/name': 'vmalert', 'cdk8s.io/metadata.addr': 'a.b+c' } };
    // WHEN
    const rules = podTargetRelabeling(target);
    // THEN
    expect(rules).toEqual([
      { action: 'drop', sourceLabels: ['__meta_kubernetes_pod_phase'], regex: '(Failed|Succeeded)' },
      { action: 'keep', sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_name'], regex: 'vmalert' },
      { action: 'keep', sourceLabels: ['__meta_kubernetes_pod_label_cdk8s_io_metadata_addr'], regex: 'a\\.b\\+c' },
      { action: 'keep', sourceLabels: ['__meta_kubernetes_pod_container_port_name'], regex: 'http' },
      { sourceLabels: ['__meta_kubernetes_namespace'], targetLabel: 'namespace' },
      { sourceLabels: ['__meta_kubernetes_pod_name'], targetLabel: 'pod' },
      { sourceLabels: ['__meta_kubernetes_pod_container_name'], targetLabel: 'container' },
      { targetLabel: 'job', replacement: 'vmalert' },
    ]);
  });
});

describe('vmagentScrapeConfigs', () => {
  test('one job per target: role pod discovery limited to its namespace, a unique job_name, snake_case relabeling', () => {
    // WHEN
    const [config] = vmagentScrapeConfigs([VMALERT], '30s');
    // THEN
    expect(config).toMatchObject({
      job_name: 'cdk8s-vmalert-ha/monitoring/vmalert',
      scrape_interval: '30s',
      metrics_path: '/metrics',
      kubernetes_sd_configs: [{ role: 'pod', namespaces: { names: ['monitoring'] } }],
    });
    expect((config.relabel_configs as any[]).at(-1)).toEqual({ target_label: 'job', replacement: 'vmalert' });
    expect((config.relabel_configs as any[])[0]).toEqual({ action: 'drop', source_labels: ['__meta_kubernetes_pod_phase'], regex: '(Failed|Succeeded)' });
  });

  test('renders a YAML list, the format of a scrape_config_files entry; no scrape_interval unless given', () => {
    const parsed = yaml.load(renderVmagentScrapeConfigs([VMALERT, { ...VMALERT, job: 'alertmanager', portName: 'web' }])) as any[];
    expect(Array.isArray(parsed)).toBe(true);
    expect(parsed.map(c => c.job_name)).toEqual(['cdk8s-vmalert-ha/monitoring/vmalert', 'cdk8s-vmalert-ha/monitoring/alertmanager']);
    expect(parsed.every(c => !('scrape_interval' in c))).toBe(true);
  });

  test('toSnakeCase writes only the keys that are set', () => {
    expect(toSnakeCase({ targetLabel: 'job', replacement: 'x' })).toEqual({ target_label: 'job', replacement: 'x' });
  });
});

describe('job names: one source for the scrape and the rules', () => {
  test('the rules select exactly the job the scrape sets, regex characters escaped', () => {
    // GIVEN job names with regex characters
    const jobs = { vmalert: 'vmalert.ha', alertmanager: 'am(1)' };
    // WHEN the self-monitoring rules take selfMonitoringJobOptions of them
    const groups = selfMonitoringGroups(selfMonitoringJobOptions(jobs));
    // THEN the selectors read back match those jobs and nothing else
    const selectors = selfMonitoringJobSelectors(groups);
    expect(selectors).toEqual({ vmalert: 'vmalert\\.ha', alertmanager: 'am\\(1\\)' });
    expect(new RegExp(`^(?:${selectors.vmalert})$`).test('vmalert.ha')).toBe(true);
    expect(new RegExp(`^(?:${selectors.vmalert})$`).test('vmalertXha')).toBe(false);
  });

  test('defaults are the self-monitoring defaults', () => {
    expect(resolveScrapeJobs()).toEqual({ vmalert: 'vmalert', alertmanager: 'alertmanager' });
    expect(selfMonitoringJobSelectors(selfMonitoringGroups())).toEqual({ vmalert: 'vmalert', alertmanager: 'alertmanager' });
  });

  test.each([
    [{ vmalert: '' }, 'jobs.vmalert "" must be a non-empty job name'],
    [{ alertmanager: ' am' }, 'jobs.alertmanager " am" must be a non-empty job name without surrounding spaces'],
    [{ vmalert: 'x', alertmanager: 'x' }, 'jobs.vmalert and jobs.alertmanager are both "x"'],
  ])('bad jobs %j', (jobs, message) => {
    expect(() => resolveScrapeJobs(jobs, 'Where')).toThrow(ConfigError);
    expect(() => resolveScrapeJobs(jobs, 'Where')).toThrow(`Where: ${message}`);
  });

  test('escapeRegex escapes every RE2 metacharacter', () => {
    const text = 'a.b*c+d?e^f$g{h}i(j)k|l[m]n\\o';
    expect(new RegExp(`^${escapeRegex(text)}$`).test(text)).toBe(true);
  });
});
