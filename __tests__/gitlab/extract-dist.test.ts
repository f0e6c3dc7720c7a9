/**
 * scripts/ci/extract-dist.ts and scripts/ci/deploy-plan.ts: what the synth job hands to the validate and deploy
 * jobs, from a hand-made dist/ (fixtures/manifests).
 */
import * as fs from 'fs';
import * as path from 'path';
import { extractDist } from '../../scripts/ci/extract-dist';
import { deployPlan, renderDeployPlan } from '../../scripts/ci/deploy-plan';
import { K8sObject, findObjects, readManifests } from '../../constructs/testing/manifests';
import { tempDir } from './helpers';

const FIXTURE_DIST = path.join(__dirname, 'fixtures', 'manifests');

let out: string;

beforeEach(() => {
  out = tempDir('extract-dist');
});

afterEach(() => {
  fs.rmSync(out, { recursive: true, force: true });
});

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => fs.statSync(path.join(dir, f)).isFile())
    .sort();
}

/** A deep copy of the fixture's objects, for variations. */
function fixtureObjects(): K8sObject[] {
  return JSON.parse(JSON.stringify(readManifests(FIXTURE_DIST)));
}

describe('extractDist', () => {
  test('writes the vmalert arguments with -rule pointing at the extracted rule files, relative to the output directory', () => {
    // WHEN the fixture's dist/ is extracted
    const result = extractDist(FIXTURE_DIST, out);
    // THEN one argument file for the vmalert container, whose -rule glob matches the extracted rule file
    expect(result.argsFiles).toEqual(['vmalert-deployment-app-vmalert-c8cccccc-vmalert.args']);
    const args = fs.readFileSync(path.join(out, result.argsFiles[0]), 'utf8').trim().split('\n');
    expect(args).toContain('-rule=vmalert/deployment-app-vmalert-c8cccccc/etc/vmalert/rules/app-rules-c8a1b2c3/*.yml');
    expect(args).toContain('-httpListenAddr=:8880');
    expect(filesUnder(out)).toContain('vmalert/deployment-app-vmalert-c8cccccc/etc/vmalert/rules/app-rules-c8a1b2c3/victoriametrics.yml');
  });

  test('writes alertmanager.yml with the SMTP password file relative to it, holding a placeholder', () => {
    // WHEN the fixture's dist/ is extracted
    extractDist(FIXTURE_DIST, out);
    // THEN the password file path is relative and the placeholder exists there
    const config = fs.readFileSync(path.join(out, 'alertmanager.yml'), 'utf8');
    const passwordFile = 'alertmanager/etc/alertmanager/secrets/alertmanager-smtp/password';
    expect(config).toContain(`smtp_auth_password_file: ${passwordFile}`);
    expect(fs.readFileSync(path.join(out, passwordFile), 'utf8')).toBe('placeholder-secret-for-validation');
  });

  test('no file written holds the absolute output path, so later jobs find the files wherever their checkout is', () => {
    extractDist(FIXTURE_DIST, out);
    for (const file of filesUnder(out)) {
      expect(`${file}: ${fs.readFileSync(path.join(out, file), 'utf8').includes(out)}`).toBe(`${file}: false`);
    }
  });

  test('writes the deploy plan: namespace, the SMTP Secret to create, the workloads to watch', () => {
    const result = extractDist(FIXTURE_DIST, out);
    const lines = fs.readFileSync(path.join(out, result.deployPlan), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    expect(lines).toEqual([
      'namespace monitoring',
      'smtp-secret monitoring alertmanager-smtp password',
      'rollout monitoring statefulset/app-alertmanager-c8bbbbbb',
      'rollout monitoring deployment/app-vmalert-c8cccccc',
    ]);
  });

  test('a dist/ without a vmalert container fails, naming the directory', () => {
    // GIVEN manifests with only the Alertmanager part
    const dist = tempDir('dist-without-vmalert');
    try {
      const text = fs.readFileSync(path.join(FIXTURE_DIST, 'app.k8s.yaml'), 'utf8');
      fs.writeFileSync(path.join(dist, 'app.k8s.yaml'), text.slice(0, text.indexOf('kind: Deployment')).replace(/---\s*apiVersion: apps\/v1\s*$/, ''));
      // WHEN it is extracted THEN the error says what is missing
      expect(() => extractDist(dist, out)).toThrow(`${dist}: no container with -rule arguments; dist/ should hold the vmalert Deployment`);
    } finally {
      fs.rmSync(dist, { recursive: true, force: true });
    }
  });
});

describe('deployPlan', () => {
  const smtpFile = (objects: K8sObject[], file = '/etc/alertmanager/secrets/alertmanager-smtp/password') => {
    const workload = findObjects(objects, 'StatefulSet')[0];
    return [{ workload, container: workload.spec.template.spec.containers[0], file }];
  };

  test('a Secret another pod needs and dist/ lacks must exist (not filled from the SMTP password)', () => {
    // GIVEN vmalert reading a token from a Secret that is not in dist/
    const objects = fixtureObjects();
    findObjects(objects, 'Deployment')[0].spec.template.spec.containers[0].env = [
      { name: 'DATASOURCE_TOKEN', valueFrom: { secretKeyRef: { name: 'vmselect-token', key: 'token' } } },
    ];
    // WHEN the plan is made
    const plan = deployPlan(objects, smtpFile(objects));
    // THEN it lists both Secrets, only the SMTP one marked for SMTP_PASSWORD
    expect(plan.secrets).toEqual([
      { namespace: 'monitoring', name: 'alertmanager-smtp', keys: ['password'], smtpPassword: true },
      { namespace: 'monitoring', name: 'vmselect-token', keys: ['token'], smtpPassword: false },
    ]);
    expect(renderDeployPlan(plan, 'dist')).toContain('\nsecret monitoring vmselect-token token\n');
  });

  test('a Secret that dist/ contains is not required from the cluster', () => {
    // GIVEN dist/ holding the SMTP Secret itself
    const objects = fixtureObjects();
    objects.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'alertmanager-smtp', namespace: 'monitoring' }, stringData: { password: 'x' } });
    // WHEN the plan is made THEN no Secret is in it
    expect(deployPlan(objects, smtpFile(objects)).secrets).toEqual([]);
  });

  test('an SMTP password file outside every mounted Secret is an error naming the workload and the fix', () => {
    const objects = fixtureObjects();
    expect(() => deployPlan(objects, smtpFile(objects, '/etc/passwords/smtp'))).toThrow(
      'StatefulSet "app-alertmanager-c8bbbbbb": the SMTP password file /etc/passwords/smtp is not in a mounted Secret',
    );
  });

  test('scrape objects require their operator\'s CRD from the cluster', () => {
    // GIVEN dist/ with a VMPodScrape and a PodMonitor
    const objects = fixtureObjects();
    objects.push(
      { apiVersion: 'operator.victoriametrics.com/v1beta1', kind: 'VMPodScrape', metadata: { name: 'vmalert', namespace: 'monitoring' } },
      { apiVersion: 'monitoring.coreos.com/v1', kind: 'PodMonitor', metadata: { name: 'vmalert', namespace: 'monitoring' } },
    );
    // WHEN the plan is made
    const plan = deployPlan(objects, smtpFile(objects));
    // THEN both CRDs are listed, and none for the fixture alone
    expect(plan.crds).toEqual([
      { crd: 'vmpodscrapes.operator.victoriametrics.com', kind: 'VMPodScrape' },
      { crd: 'podmonitors.monitoring.coreos.com', kind: 'PodMonitor' },
    ]);
    expect(renderDeployPlan(plan, 'dist')).toContain('\ncrd - vmpodscrapes.operator.victoriametrics.com VMPodScrape\n');
    expect(deployPlan(fixtureObjects(), smtpFile(fixtureObjects())).crds).toEqual([]);
  });

  test('objects without a namespace are planned for the context\'s default namespace ("-")', () => {
    // GIVEN the fixture without namespaces
    const objects = fixtureObjects().filter((o) => o.kind !== 'Namespace');
    for (const o of objects) delete (o.metadata as { namespace?: string }).namespace;
    // WHEN the plan is rendered
    const text = renderDeployPlan(deployPlan(objects, smtpFile(objects)), 'dist');
    // THEN there is no namespace line and "-" stands for the namespace
    expect(text).not.toMatch(/^namespace /m);
    expect(text).toContain('\nsmtp-secret - alertmanager-smtp password\n');
    expect(text).toContain('\nrollout - deployment/app-vmalert-c8cccccc\n');
  });
});
