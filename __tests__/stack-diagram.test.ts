import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { loadAppConfig } from '../app-config';
import { AlertmanagerCluster, AlertmanagerConfig, RulesConfigMap, VmalertHa } from '../constructs';
import { AlertingStack } from '../main';
import { findObjects, K8sObject } from '../constructs/testing/manifests';
import { READMES } from '../scripts/docs/readme-parts';
import { stackDiagram } from '../scripts/docs/stack-diagram';
import { BEGIN, END, readmeDiagram, withDiagram } from '../scripts/docs/readme-diagram';

const CONFIG: AlertmanagerConfig = {
  global: { smtpSmarthost: 'mail.internal:25', smtpFrom: 'am@example.com', smtpRequireTls: false },
  route: { receiver: 'email' },
  receivers: [{ name: 'email', emailConfigs: [{ to: 'oncall@example.com' }] }],
};

function appObjects(env: Record<string, string>): K8sObject[] {
  return Testing.synth(new AlertingStack(Testing.app({ outdir: os.tmpdir() }), 'alerting', loadAppConfig(env))) as K8sObject[];
}

function stack(vmalertReplicas: number, alertmanagerReplicas: number, replicaLabel?: string): K8sObject[] {
  const chart = Testing.chart();
  const alertmanager = new AlertmanagerCluster(chart, 'am', { replicas: alertmanagerReplicas, config: CONFIG });
  const rules = new RulesConfigMap(chart, 'rules', { groups: [{ name: 'g', rules: [{ alert: 'A', expr: 'up == 0' }] }] });
  new VmalertHa(chart, 'vmalert', {
    replicas: vmalertReplicas, datasourceUrl: 'http://vmselect:8481/select/0/prometheus', notifiers: alertmanager, rules, replicaLabel,
  });
  return Testing.synth(chart) as K8sObject[];
}

const edges = (diagram: string, label: string) => diagram.split('\n').filter(l => l.includes(`|"${label}"|`));

describe('stackDiagram', () => {
  test('the app: every vmalert replica reaches every Alertmanager pod on :9093, the pods mesh on :9094 TCP/UDP', () => {
    // GIVEN the reference app with a heartbeat Secret
    const objects = appObjects({ HEARTBEAT_URL_SECRET: 'hb' });
    const [statefulSet] = findObjects(objects, 'StatefulSet');
    // WHEN drawn
    const diagram = stackDiagram(objects);
    // THEN 2 x 3 notifier arrows, one per replica and pod, and one mesh arrow per pair of pods
    expect(diagram.startsWith('flowchart LR\n')).toBe(true);
    expect(edges(diagram, ':9093')).toHaveLength(6);
    expect(edges(diagram, 'mesh :9094 TCP/UDP')).toHaveLength(3);
    for (let p = 0; p < 3; p++) expect(diagram).toContain(`am0p${p}["${statefulSet.metadata.name}-${p}"]`);
    for (const r of [0, 1]) for (const p of [0, 1, 2]) expect(diagram).toContain(`vm0r${r} -->|":9093"| am0p${p}`);
  });

  test('the app: datasource, remoteWrite and remoteRead endpoints, SMTP and the heartbeat receiver', () => {
    // GIVEN / WHEN
    const diagram = stackDiagram(appObjects({ HEARTBEAT_URL_SECRET: 'hb' }));
    // THEN the storage endpoints come from vmalert's flags, SMTP and the webhook from alertmanager.yml
    expect(diagram).toContain('n0[("vmselect:8481<br/>/select/0/prometheus")]');
    expect(diagram).toContain('vm0 -->|"datasource :8481"| n0');
    expect(diagram).toContain('vm0 -->|"remoteRead :8481"| n0');
    expect(diagram).toContain('vm0 -->|"remoteWrite :8480"| n1');
    expect(diagram).toMatch(/n\d\[\("SMTP relay<br\/>smtp\.example\.com:587"\)\]/);
    expect(diagram).toMatch(/am0 -->\|"SMTP :587, receiver email"\|/);
    expect(diagram).toMatch(/n\d\[\["webhook of receiver heartbeat<br\/>URL from Secret hb"\]\]/);
  });

  test('the picture follows the manifests: 3 vmalert replicas and 5 peers give 15 notifier and 10 mesh arrows, no webhook', () => {
    // GIVEN / WHEN
    const diagram = stackDiagram(stack(3, 5));
    // THEN
    expect(edges(diagram, ':9093')).toHaveLength(15);
    expect(edges(diagram, 'mesh :9094 TCP/UDP')).toHaveLength(10);
    expect(diagram).toContain('SMTP :25, receiver email');
    expect(diagram).not.toContain('webhook');
    expect(diagram).not.toContain('remoteWrite');
  });

  test('vmalert notifying through -notifier.config (replicaLabel) is refused with the Deployment named', () => {
    // GIVEN / WHEN / THEN
    expect(() => stackDiagram(stack(2, 3, 'replica'))).toThrow(/vmalert Deployment .*vmalert.* notifies through -notifier.config/);
  });

  test('manifests without the stack are refused', () => {
    expect(() => stackDiagram([])).toThrow('stack diagram: the manifests need a vmalert Deployment and an Alertmanager StatefulSet; found 0 and 0');
  });
});

describe('the READMEs', () => {
  const diagram = readmeDiagram();

  test.each(READMES.filter(f => fs.existsSync(f)).map(f => [path.basename(f), f]))('%s shows the current stack diagram (npm run docs)', (_name, file) => {
    // GIVEN the committed README / WHEN the diagram is redrawn into it / THEN nothing changes
    const readme = fs.readFileSync(file, 'utf8');
    expect(readme).toContain(BEGIN);
    expect(withDiagram(readme, diagram, file)).toBe(readme);
  });

  test('a README without the markers is refused with the fix', () => {
    expect(() => withDiagram('# x\n', diagram, '/x/README.md')).toThrow(`README.md has no "${BEGIN}" ... "${END}" section`);
  });
});
