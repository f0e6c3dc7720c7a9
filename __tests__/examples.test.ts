/**
 * Every example in examples/ is synthesized, validated against the Kubernetes schema and the cross-object checks
 * (scripts/ci/k8s-checks), and checked for what it is meant to show, so the examples never rot.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import * as yaml from 'js-yaml';
import { existingConfigChart, FILES_DIR, SMTP_SECRET } from '../examples/existing-config';
import { minimalChart } from '../examples/minimal';
import { CHAT_BRIDGE_URL_SECRET, twoVmalertGroupsChart } from '../examples/two-vmalert-groups';
import { ZH_TW_RULES_FILE, ZH_TW_TEMPLATE_FILE, zhTwAlertsChart } from '../examples/zh-tw-alerts';
import { checkManifests } from '../scripts/ci/k8s-checks';
import { findObjects, flagValues, K8sObject, parseManifests } from '../constructs/testing/manifests';

const REPO_ROOT = path.join(__dirname, '..');
const EXAMPLES_DIR = path.join(REPO_ROOT, 'examples');
const NAMESPACE = 'monitoring';
/** Running an example through ts-node compiles it first; generous on a shared 2-core machine. */
const RUN_TIMEOUT_MS = 60_000;

/** Testing.app() alone makes a /tmp/cdk8s.outdir.* per call and never removes it; nothing is written here. */
function testApp() {
  return Testing.app({ outdir: os.tmpdir() });
}

function synth(chart: Chart): K8sObject[] {
  return Testing.synth(chart) as K8sObject[];
}

function only(objects: K8sObject[], kind: string): K8sObject {
  const found = findObjects(objects, kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}: ${found.map(o => o.metadata.name).join(', ')}`);
  return found[0];
}

function containerOf(workload: K8sObject): K8sObject {
  return workload.spec.template.spec.containers[0];
}

/** The notifier URL of every pod of a StatefulSet, from the synthesized names (what vmalert must be given). */
function podUrls(statefulSet: K8sObject): string[] {
  const { name, namespace } = statefulSet.metadata;
  return Array.from({ length: statefulSet.spec.replicas }, (_, i) => `http://${name}-${i}.${statefulSet.spec.serviceName}.${namespace}.svc:9093`);
}

/** The rule groups in every ConfigMap a Deployment mounts. */
function mountedRuleNames(objects: K8sObject[], deployment: K8sObject): string[] {
  const configMaps = (deployment.spec.template.spec.volumes as Array<{ configMap?: { name: string } }>)
    .map(v => v.configMap?.name)
    .filter((name): name is string => name !== undefined);
  return configMaps.flatMap(name => {
    const configMap = findObjects(objects, 'ConfigMap').find(o => o.metadata.name === name);
    if (!configMap) throw new Error(`ConfigMap ${name} is mounted but not synthesized`);
    return Object.values(configMap.data as Record<string, string>).flatMap(text => {
      const doc = yaml.load(text) as { groups: Array<{ rules: Array<{ alert?: string; record?: string }> }> };
      return doc.groups.flatMap(g => g.rules.map(r => r.alert ?? r.record ?? ''));
    });
  });
}

function alertmanagerYml(objects: K8sObject[]): Record<string, any> {
  const secret = only(objects, 'Secret');
  return yaml.load(secret.stringData['alertmanager.yml']) as Record<string, any>;
}

describe('examples/minimal.ts', () => {
  const objects = synth(minimalChart(testApp()));

  test('passes the schema and cross checks, with the SMTP Secret created out of band', () => {
    // GIVEN the synthesized example / WHEN checked / THEN no errors
    expect(checkManifests(objects, { externalSecrets: ['smtp'] })).toEqual([]);
  });

  test('2 vmalert replicas notify each of the 3 Alertmanager pods', () => {
    // GIVEN
    const deployment = only(objects, 'Deployment');
    const statefulSet = only(objects, 'StatefulSet');
    // WHEN
    const notifiers = flagValues(containerOf(deployment).args, '-notifier.url');
    // THEN
    expect(deployment.spec.replicas).toBe(2);
    expect(statefulSet.spec.replicas).toBe(3);
    expect(notifiers).toEqual(podUrls(statefulSet));
    expect(deployment.metadata.namespace).toBe(NAMESPACE);
  });

  test('the rule is mounted and the password is only a file reference', () => {
    // GIVEN / WHEN
    const config = alertmanagerYml(objects);
    // THEN
    expect(mountedRuleNames(objects, only(objects, 'Deployment'))).toEqual(['TargetDown']);
    expect(config.global.smtp_auth_password_file).toBe('/etc/alertmanager/secrets/smtp/password');
    expect(JSON.stringify(config)).not.toMatch(/"(smtp_)?auth_password"/);
  });
});

describe('examples/two-vmalert-groups.ts', () => {
  const example = twoVmalertGroupsChart(testApp());
  const objects = synth(example.chart);
  const deployments = findObjects(objects, 'Deployment');
  const byTeam = (team: string) => {
    const found = deployments.find(d => flagValues(containerOf(d).args, '-external.label').includes(`team=${team}`));
    if (!found) throw new Error(`no vmalert Deployment with -external.label=team=${team}`);
    return found;
  };

  test('passes the schema and cross checks, with the webhook URL Secret created out of band', () => {
    // GIVEN the synthesized example / WHEN checked / THEN no errors
    expect(checkManifests(objects, { externalSecrets: [CHAT_BRIDGE_URL_SECRET.secretName] })).toEqual([]);
  });

  test('two vmalert Deployments share one Alertmanager cluster: both notify every pod', () => {
    // GIVEN
    const statefulSet = only(objects, 'StatefulSet');
    // WHEN
    const notifiers = deployments.map(d => flagValues(containerOf(d).args, '-notifier.url'));
    // THEN
    expect(deployments).toHaveLength(2);
    expect(notifiers).toEqual([podUrls(statefulSet), podUrls(statefulSet)]);
  });

  test('each vmalert mounts only its own rule set', () => {
    // GIVEN / WHEN
    const platformRules = mountedRuleNames(objects, byTeam('platform'));
    const appRules = mountedRuleNames(objects, byTeam('apps'));
    // THEN
    expect(platformRules).toEqual(['HighCPUUsage']);
    expect(appRules).toEqual(['job:http_requests_errors:ratio_rate5m', 'HighErrorRate']);
  });

  test('Alertmanager routes on the team label and each group gets its own dedup recommendation', () => {
    // GIVEN / WHEN
    const route = alertmanagerYml(objects).route;
    // THEN
    expect(route.routes).toEqual([{ receiver: 'apps', matchers: ['team="apps"'] }]);
    expect(flagValues(containerOf(byTeam('platform')).args, '-evaluationInterval')).toEqual(['30s']);
    expect(example.platform.recommendedDedupInterval).toBe('30s');
    expect(example.apps.recommendedDedupInterval).toBe('1m');
  });
});

describe('examples/existing-config.ts', () => {
  const objects = synth(existingConfigChart(testApp()));

  test('passes the schema and cross checks once the existing Secret is declared, and needs that Secret', () => {
    // GIVEN the synthesized example
    // WHEN checked with and without the out-of-band Secret
    const withSecret = checkManifests(objects, { externalSecrets: [SMTP_SECRET.secretName] });
    const withoutSecret = checkManifests(objects);
    // THEN only the missing Secret is reported
    expect(withSecret).toEqual([]);
    expect(withoutSecret).toHaveLength(1);
    expect(withoutSecret[0]).toContain(`Secret "${SMTP_SECRET.secretName}"`);
  });

  test('the existing alertmanager.yml is deployed unchanged and the existing Secret is mounted, not copied', () => {
    // GIVEN
    const original = yaml.load(fs.readFileSync(path.join(FILES_DIR, 'alertmanager.yml'), 'utf8'));
    const container = containerOf(only(objects, 'StatefulSet'));
    // WHEN
    const deployed = alertmanagerYml(objects);
    // THEN
    expect(deployed).toEqual(original);
    expect(deployed.global.smtp_auth_password_file).toBe(`/etc/alertmanager/secrets/${SMTP_SECRET.secretName}/${SMTP_SECRET.key}`);
    expect(container.volumeMounts).toContainEqual(expect.objectContaining({
      mountPath: `/etc/alertmanager/secrets/${SMTP_SECRET.secretName}`, readOnly: true,
    }));
    expect(findObjects(objects, 'Secret').map(s => s.metadata.name)).not.toContain(SMTP_SECRET.secretName);
  });

  test('the existing rule file is mounted into vmalert', () => {
    // GIVEN / WHEN
    const rules = mountedRuleNames(objects, only(objects, 'Deployment'));
    // THEN
    expect(rules).toEqual(['VmagentNoData', 'VmagentHighCPU']);
  });
});

describe('examples/zh-tw-alerts.ts', () => {
  const objects = synth(zhTwAlertsChart(testApp()));

  test('passes the schema and cross checks', () => {
    // GIVEN the synthesized example / WHEN checked / THEN no errors
    expect(checkManifests(objects)).toEqual([]);
  });

  test('the Chinese rules are mounted unchanged: the CPU rule and the absent() no-data rule', () => {
    // GIVEN the rule file as written
    const original = yaml.load(fs.readFileSync(ZH_TW_RULES_FILE, 'utf8')) as { groups: Array<{ rules: Array<{ annotations: Record<string, string> }> }> };
    // WHEN the mounted ConfigMap is read back
    const configMap = findObjects(objects, 'ConfigMap').find(o => Object.keys(o.data ?? {}).includes('rules.zh-TW.yml'))!;
    const mounted = yaml.load(configMap.data['rules.zh-TW.yml']) as typeof original;
    // THEN the annotations are the same Chinese strings
    expect(mountedRuleNames(objects, only(objects, 'Deployment'))).toEqual(['VictoriaMetricsHighCPU', 'VmagentNoData']);
    expect(mounted.groups.flatMap(g => g.rules.map(r => r.annotations))).toEqual(original.groups.flatMap(g => g.rules.map(r => r.annotations)));
    expect(mounted.groups[0].rules[0].annotations.summary).toBe('{{ $labels.job }}（{{ $labels.instance }}）CPU 使用率超過 10%');
  });

  test('the email receiver calls the mounted Chinese template for subject, text and HTML', () => {
    // GIVEN / WHEN
    const config = alertmanagerYml(objects);
    const templates = findObjects(objects, 'ConfigMap').find(o => Object.keys(o.data ?? {}).includes('email.zh-TW.tmpl'))!;
    // THEN the receiver calls the templates the file defines, and alertmanager.yml loads the file
    const email = config.receivers[0].email_configs[0];
    expect(email.headers).toEqual({ Subject: '{{ template "zh-TW.email.subject" . }}' });
    expect(email.text).toBe('{{ template "zh-TW.email.text" . }}');
    expect(email.html).toBe('{{ template "zh-TW.email.html" . }}');
    expect(templates.data['email.zh-TW.tmpl']).toBe(fs.readFileSync(ZH_TW_TEMPLATE_FILE, 'utf8'));
    for (const name of ['zh-TW.email.subject', 'zh-TW.email.text', 'zh-TW.email.html']) {
      expect(templates.data['email.zh-TW.tmpl']).toContain(`{{ define "${name}" }}`);
    }
    expect(config.templates).toEqual(['/etc/alertmanager/templates/*.tmpl']);
  });
});

describe('running an example directly', () => {
  test.each(['minimal', 'two-vmalert-groups', 'existing-config', 'secured-cluster', 'zh-tw-alerts'])('examples/%s.ts prints valid manifests', name => {
    // GIVEN the example file
    const file = path.join(EXAMPLES_DIR, `${name}.ts`);
    // WHEN it is executed the way its header says (type checking is tsc's job, hence --transpile-only)
    const output = execFileSync(process.execPath, [require.resolve('ts-node/dist/bin'), '--transpile-only', file], {
      cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
    });
    // THEN it prints parseable manifests with one vmalert Deployment per VmalertHa
    const objects = parseManifests(output, `${name}.ts output`);
    expect(findObjects(objects, 'StatefulSet')).toHaveLength(1);
    expect(findObjects(objects, 'Deployment').length).toBeGreaterThanOrEqual(1);
  }, RUN_TIMEOUT_MS);
});
