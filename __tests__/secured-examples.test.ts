/**
 * examples/secured-cluster.ts and the page docs/secured-endpoints.md: every pattern synthesizes, passes the schema
 * and cross checks with its Secrets created out of band, carries its credentials as file flags only, and the page's
 * blocks (English and Traditional Chinese) are the example's code, word for word.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { EXTERNAL_OBJECTS, SECURED_PATTERNS, SecuredPattern, securedClusterChart } from '../examples/secured-cluster';
import { checkManifests } from '../scripts/ci/k8s-checks';
import { findObjects, flagValues, K8sObject } from '../constructs/testing/manifests';

const REPO_ROOT = path.join(__dirname, '..');
const EXAMPLE_FILE = path.join(REPO_ROOT, 'examples', 'secured-cluster.ts');

function synthPattern(pattern: SecuredPattern): { objects: K8sObject[]; args: string[] } {
  const objects = Testing.synth(securedClusterChart(pattern, Testing.app({ outdir: os.tmpdir() }))) as K8sObject[];
  const deployment = findObjects(objects, 'Deployment')[0];
  return { objects, args: deployment.spec.template.spec.containers[0].args };
}

/** `// #region name` ... `// #endregion` blocks of a source file, dedented. */
function sourceRegions(text: string): Map<string, string> {
  const regions = new Map<string, string>();
  for (const m of text.matchAll(/^( *)\/\/ #region ([\w-]+)\n([\s\S]*?)^\s*\/\/ #endregion/gm)) {
    const indent = m[1].length;
    regions.set(m[2], m[3].replace(/\n$/, '').split('\n').map(line => (line.trim() ? line.slice(indent) : '')).join('\n'));
  }
  return regions;
}

/** Page code blocks announced by `<!-- region: examples/secured-cluster.ts#name -->`. */
function pageRegions(text: string): Map<string, string> {
  return new Map([...text.matchAll(/<!-- region: examples\/secured-cluster\.ts#([\w-]+) -->\n```ts\n([\s\S]*?)\n```/g)].map(m => [m[1], m[2]]));
}

describe.each(SECURED_PATTERNS.map(p => [p]))('pattern %s', pattern => {
  const { objects, args } = synthPattern(pattern);

  test('passes the schema and cross checks with its Secrets and ConfigMaps created out of band, and needs them', () => {
    const { secrets, configMaps } = EXTERNAL_OBJECTS[pattern];
    const external = { externalSecrets: [...secrets, 'oncall-webhook'], externalConfigMaps: configMaps };
    expect(checkManifests(objects, external)).toEqual([]);
    if (secrets.length > 0) expect(checkManifests(objects, { ...external, externalSecrets: ['oncall-webhook'] })).not.toEqual([]);
  });

  test('no secret value flag; every credential flag points at a mounted file', () => {
    expect(args.filter(a => /\.(password|bearerToken|clientSecret|headers)=/.test(a))).toEqual([]);
    const fileFlags = args.filter(a => /(passwordFile|bearerTokenFile|tlsCAFile|tlsCertFile|tlsKeyFile)=/.test(a));
    const mounts: string[] = findObjects(objects, 'Deployment')[0].spec.template.spec.containers[0].volumeMounts.map((m: { mountPath: string }) => m.mountPath);
    for (const flag of fileFlags) {
      const file = flag.slice(flag.indexOf('=') + 1);
      expect({ flag, mounted: mounts.some(m => file.startsWith(`${m}/`)) }).toEqual({ flag, mounted: true });
    }
  });
});

test('each pattern carries what it is meant to show', () => {
  const basic = synthPattern('vmauth-basic-auth').args;
  expect(flagValues(basic, '-datasource.basicAuth.passwordFile')).toEqual(['/etc/vmalert/secrets/vmalert-vmauth/password']);
  expect(flagValues(basic, '-remoteWrite.basicAuth.username')).toEqual(['vmalert']);
  const bearer = synthPattern('bearer-token').args;
  expect(flagValues(bearer, '-remoteWrite.bearerTokenFile')).toEqual(['/etc/vmalert/secrets/vmalert-token/token']);
  const mtls = synthPattern('mutual-tls').args;
  expect(flagValues(mtls, '-datasource.tlsCertFile')).toEqual(['/etc/vmalert/secrets/vmalert-client-tls/tls.crt']);
  expect(flagValues(mtls, '-datasource.tlsKeyFile')).toEqual(['/etc/vmalert/secrets/vmalert-client-tls/tls.key']);
  expect(flagValues(mtls, '-datasource.tlsCAFile')).toEqual(['/etc/vmalert/configmaps/vm-ca/ca.crt']);
  expect(flagValues(mtls, '-datasource.tlsServerName')).toEqual(['vmauth.monitoring.svc']);
  const tenant = synthPattern('tenant-urls').args;
  expect([flagValues(tenant, '-datasource.url'), flagValues(tenant, '-remoteWrite.url')])
    .toEqual([['http://vmselect:8481/select/42:7/prometheus'], ['http://vminsert:8480/insert/42:7/prometheus']]);
  const perTenant = synthPattern('vmauth-per-tenant').args;
  expect(flagValues(perTenant, '-datasource.url')).toEqual(['http://vmauth:8427']);
  expect(flagValues(perTenant, '-datasource.basicAuth.username')).toEqual(['tenant-42']);
  const everyPort = synthPattern('tls-every-port');
  expect(flagValues(everyPort.args, '-tlsCertFile')).toEqual(['/etc/vmalert/secrets/vmalert-web-tls/tls.crt']);
  expect(flagValues(everyPort.args, '-notifier.url').every(url => url.startsWith('https://'))).toBe(true);
  expect(flagValues(everyPort.args, '-notifier.basicAuth.passwordFile')).toEqual(['/etc/vmalert/secrets/alertmanager-vmalert/password']);
  const amArgs: string[] = findObjects(everyPort.objects, 'StatefulSet')[0].spec.template.spec.containers[0].args;
  expect(amArgs.filter(a => /^--(web\.config\.file|cluster\.tls-config)=/.test(a)).length).toBe(2);
});

test.each(['docs/secured-endpoints.md', 'docs/zh-TW/secured-endpoints.md'])('%s shows each pattern as the example file has it', page => {
  const regions = sourceRegions(fs.readFileSync(EXAMPLE_FILE, 'utf8'));
  const shown = pageRegions(fs.readFileSync(path.join(REPO_ROOT, page), 'utf8'));
  expect([...regions.keys()].sort()).toEqual([...SECURED_PATTERNS].sort());
  expect(Object.fromEntries(shown)).toEqual(Object.fromEntries(regions));
});
