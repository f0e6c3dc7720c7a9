import { Testing } from 'cdk8s';
import * as yaml from 'js-yaml';
import { AlertmanagerCluster, RulesConfigMap, VmalertHa, VmalertHaProps } from '../constructs';
import { argsOf, CPU_GROUP, EMAIL_CONFIG, firstContainer, flagValues, Manifest, ofKind, only, synth } from './support/synth';

const VMAUTH = 'https://vmauth.monitoring.svc:8427';
const DATASOURCE = `${VMAUTH}/select/0/prometheus`;
const REMOTE_WRITE = `${VMAUTH}/insert/0/prometheus`;
const READ_PASSWORD = { secretName: 'vmalert-read', key: 'password' };

function stack(props: Partial<VmalertHaProps> = {}) {
  const chart = Testing.chart();
  const am = new AlertmanagerCluster(chart, 'am', { replicas: 3, config: EMAIL_CONFIG, namespace: 'monitoring' });
  const rules = new RulesConfigMap(chart, 'rules', { groups: [CPU_GROUP], namespace: 'monitoring' });
  new VmalertHa(chart, 'vmalert', { datasourceUrl: DATASOURCE, notifiers: am, rules, namespace: 'monitoring', ...props });
  return synth(chart);
}

function build(props: Partial<VmalertHaProps>) {
  return () => stack(props);
}

const podSpec = (objects: Manifest[]) => only(objects, 'Deployment').spec.template.spec;

describe('VmalertHa endpoint auth', () => {
  test('each endpoint reads its credentials from files of mounted Secrets', () => {
    // GIVEN / WHEN
    const objects = stack({
      datasourceAuth: { basicAuth: { username: 'vmalert-read', password: READ_PASSWORD }, tls: { ca: { configMapName: 'vm-ca', key: 'ca.crt' } } },
      remoteReadUrl: DATASOURCE,
      remoteReadAuth: { basicAuth: { username: 'vmalert-read', password: READ_PASSWORD }, tls: { ca: { configMapName: 'vm-ca', key: 'ca.crt' } } },
      remoteWriteUrl: REMOTE_WRITE,
      remoteWriteAuth: { bearerToken: { secretName: 'vmalert-write', key: 'token' }, tls: { ca: { configMapName: 'vm-ca', key: 'ca.crt' } } },
      notifierAuth: { bearerToken: { secretName: 'am-token', key: 'token' } },
    });
    // THEN
    const args = argsOf(objects, 'Deployment');
    expect(flagValues(args, '-datasource.basicAuth.passwordFile')).toEqual(['/etc/vmalert/secrets/vmalert-read/password']);
    expect(flagValues(args, '-remoteRead.basicAuth.passwordFile')).toEqual(['/etc/vmalert/secrets/vmalert-read/password']);
    expect(flagValues(args, '-remoteWrite.bearerTokenFile')).toEqual(['/etc/vmalert/secrets/vmalert-write/token']);
    expect(flagValues(args, '-notifier.bearerTokenFile')).toEqual(['/etc/vmalert/secrets/am-token/token']);
    expect(flagValues(args, '-datasource.tlsCAFile')).toEqual(['/etc/vmalert/configmaps/vm-ca/ca.crt']);
    // one volume per Secret/ConfigMap, mounted whole (no subPath: the kubelet refreshes a rotated Secret in place)
    const spec = podSpec(objects);
    const authVolumes = spec.volumes.filter((v: Manifest) => v.name.startsWith('auth-'));
    expect(authVolumes.map((v: Manifest) => v.secret?.secretName ?? v.configMap?.name).sort())
      .toEqual(['am-token', 'vm-ca', 'vmalert-read', 'vmalert-write']);
    const mounts = firstContainer(only(objects, 'Deployment')).volumeMounts.filter((m: Manifest) => m.name.startsWith('auth-'));
    expect(mounts.map((m: Manifest) => m.mountPath).sort()).toEqual([
      '/etc/vmalert/configmaps/vm-ca', '/etc/vmalert/secrets/am-token', '/etc/vmalert/secrets/vmalert-read', '/etc/vmalert/secrets/vmalert-write',
    ]);
    expect(mounts.every((m: Manifest) => m.readOnly === true && m.subPath === undefined)).toBe(true);
    // the referenced Secrets are the operator's: the chart creates none of them
    expect(ofKind(objects, 'Secret').map(s => s.metadata.name)).not.toEqual(expect.arrayContaining(['vmalert-read']));
  });

  test('with a replica label the notifier auth goes into the notifier config file, not the flags', () => {
    // GIVEN / WHEN
    const objects = stack({ replicaLabel: 'replica', notifierAuth: { basicAuth: { username: 'vmalert', password: { secretName: 'am-creds', key: 'pw' } } } });
    // THEN
    const args = argsOf(objects, 'Deployment');
    expect(args.filter(a => a.startsWith('-notifier.') && !a.startsWith('-notifier.config='))).toEqual([]);
    const configMap = ofKind(objects, 'ConfigMap').find(c => c.data?.['notifier.yml']);
    expect(yaml.load(configMap!.data['notifier.yml'])).toMatchObject({
      basic_auth: { username: 'vmalert', password_file: '/etc/vmalert/secrets/am-creds/pw' },
      static_configs: [{ targets: expect.any(Array) }],
    });
    expect(podSpec(objects).volumes.some((v: Manifest) => v.secret?.secretName === 'am-creds')).toBe(true);
  });

  test('httpAuth protects the UI and API with a password file; the probes stay on the open /health and /-/ready', () => {
    // GIVEN / WHEN
    const objects = stack({ httpAuth: { username: 'ops', password: { secretName: 'vmalert-ui', key: 'password' } } });
    // THEN
    const args = argsOf(objects, 'Deployment');
    expect(flagValues(args, '-httpAuth.username')).toEqual(['ops']);
    expect(flagValues(args, '-httpAuth.password')).toEqual(['file:///etc/vmalert/secrets/vmalert-ui/password']);
    const container = firstContainer(only(objects, 'Deployment'));
    expect([container.livenessProbe.httpGet.path, container.readinessProbe.httpGet.path]).toEqual(['/health', '/-/ready']);
  });

  test.each([
    [{ datasourceUrl: 'https://vmalert:S3cret@vmauth:8427/select/0/prometheus' }, 'datasourceUrl carries a user name and password: it would be stored in the Deployment\'s args and in dist/. Remove it from the URL and set datasourceAuth'],
    [{ remoteWriteUrl: 'https://vmauth:8427/insert/0/prometheus?token=abc' }, 'remoteWriteUrl carries a "token" query parameter'],
    [{ notifiers: ['http://u:p@am-0.am:9093'] }, 'notifiers[0] carries a user name and password'],
    [{ extraArgs: ['-datasource.basicAuth.password=S3cret'] }, 'extraArgs: -datasource.basicAuth.password carries a secret in the Deployment\'s args'],
    [{ extraArgs: ['-httpAuth.password=S3cret'] }, 'extraArgs: -httpAuth.password carries a secret in the Deployment\'s args (visible in kubectl and dist/): remove it and use the "httpAuth.password" prop'],
    [{ datasourceAuth: { bearerToken: 'S3cret' as never } }, 'datasourceAuth.bearerToken is an inline secret'],
    [{ remoteReadAuth: { bearerToken: { secretName: 's', key: 'k' } } }, 'remoteReadAuth is set but remoteReadUrl is not'],
    [{ datasourceUrl: 'http://vmselect:8481/select/0/prometheus', datasourceAuth: { tls: { serverName: 'x' } } }, 'datasourceAuth.tls is set but http://vmselect:8481/select/0/prometheus is not https'],
  ])('%j is a synth error naming the typed prop', (props, message) => {
    expect(build(props as Partial<VmalertHaProps>)).toThrow(`VmalertHa "vmalert": ${message}`);
  });

  test('no planted secret value reaches any synthesized object', () => {
    // GIVEN marker values only the operator's Secrets would hold; every door refers to them by name
    const marker = 'MARKER-7f3a9c';
    const objects = stack({
      datasourceAuth: { basicAuth: { username: 'vmalert', password: { secretName: 'vm-creds', key: 'password' } } },
      remoteWriteUrl: REMOTE_WRITE,
      remoteWriteAuth: { bearerToken: { secretName: 'vm-creds', key: 'token' } },
      notifierAuth: { oauth2: { clientId: 'vmalert', clientSecret: { secretName: 'idp', key: 'secret' }, tokenUrl: 'https://idp/token' } },
      httpAuth: { username: 'ops', password: { secretName: 'vmalert-ui', key: 'password' } },
    });
    // WHEN the whole output is serialized
    const text = JSON.stringify(objects);
    // THEN no marker, and no inline-secret flag of vmalert
    expect(text).not.toContain(marker);
    const args = argsOf(objects, 'Deployment');
    expect(args.filter(a => /\.(password|bearerToken|clientSecret)=/.test(a) && !a.startsWith('-httpAuth.password=file://'))).toEqual([]);
  });
});
