/**
 * TLS and basic auth on Alertmanager's web port and mesh and on vmalert's port: the generated web and mesh files,
 * the flags, the probes, the notifier URLs, the mounted Secrets, and who the NetworkPolicies let in on which port.
 * The pinned binaries run the same settings in e2e/secured-endpoints.e2e.test.ts.
 */
import { Chart, Testing } from 'cdk8s';
import * as yaml from 'js-yaml';
import { AlertmanagerCluster, AlertmanagerClusterProps, RulesConfigMap, SelfMonitoringScrape, VmalertHa, VmalertHaProps } from '../constructs';
import { renderMeshTlsConfig, renderWebConfig } from '../constructs/alertmanager/web-config';
import { ingressAllowed, podOf, PodRef } from '../scripts/docs/network-policy-eval';
import { argsOf, CPU_GROUP, EMAIL_CONFIG, firstContainer, flagValues, Manifest, ofKind, only, synth } from './support/synth';

const CERT = { secretName: 'am-tls', key: 'tls.crt' };
const KEY = { secretName: 'am-tls', key: 'tls.key' };
const CA = { secretName: 'am-ca', key: 'ca.crt' };
const HASH = `$2y$10$${'b'.repeat(53)}`;
const MESH_TLS = { cert: { secretName: 'am-mesh', key: 'tls.crt' }, key: { secretName: 'am-mesh', key: 'tls.key' }, ca: CA };
const WEB = { tls: { cert: CERT, key: KEY }, basicAuthUsers: [{ username: 'vmalert', passwordHash: HASH }] };
const NOTIFIER_AUTH = { tls: { ca: CA }, basicAuth: { username: 'vmalert', password: { secretName: 'am-password', key: 'password' } } };
const VMALERT_TLS = { cert: { secretName: 'vmalert-tls', key: 'tls.crt' }, key: { secretName: 'vmalert-tls', key: 'tls.key' } };

function secured(am: Partial<AlertmanagerClusterProps> = { web: WEB, meshTls: MESH_TLS },
  vm: Partial<VmalertHaProps> = { notifierAuth: NOTIFIER_AUTH, webTls: VMALERT_TLS }) {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'monitoring', disableResourceNameHashes: true });
  const cluster = new AlertmanagerCluster(chart, 'am', { config: EMAIL_CONFIG, ...am });
  const rules = new RulesConfigMap(chart, 'rules', { groups: [CPU_GROUP] });
  new VmalertHa(chart, 'vmalert', { datasourceUrl: 'http://vmselect:8481', notifiers: cluster, rules, ...vm });
  const objects = synth(chart);
  return { objects, cluster };
}

/** The files of the Alertmanager config Secret, by key. */
function configFiles(objects: Manifest[]): Record<string, string> {
  const secret = ofKind(objects, 'Secret').find(s => s.stringData?.['alertmanager.yml'] !== undefined)!;
  return secret.stringData;
}

function probes(workload: Manifest): Manifest[] {
  const container = firstContainer(workload);
  return [container.livenessProbe, container.readinessProbe];
}

describe('Alertmanager web TLS and basic auth', () => {
  test('the web config holds only mounted file paths and bcrypt hashes, in the config Secret, passed as --web.config.file', () => {
    // GIVEN web TLS with a client CA and a user / WHEN synthesized
    const { objects } = secured({ web: { ...WEB, tls: { ...WEB.tls, clientCa: CA } } },
      { notifierAuth: { ...NOTIFIER_AUTH, tls: { ca: CA, clientCert: CERT, clientKey: KEY } } });
    // THEN
    const web = yaml.load(configFiles(objects)['web-config.yml']);
    expect(web).toEqual({
      tls_server_config: {
        cert_file: '/etc/alertmanager/secrets/am-tls/tls.crt',
        key_file: '/etc/alertmanager/secrets/am-tls/tls.key',
        client_auth_type: 'RequireAndVerifyClientCert',
        client_ca_file: '/etc/alertmanager/secrets/am-ca/ca.crt',
      },
      basic_auth_users: { vmalert: HASH },
    });
    expect(flagValues(argsOf(objects, 'StatefulSet'), '--web.config.file')).toEqual(['/etc/alertmanager/config/web-config.yml']);
    // no ConfigMap holds the hash
    expect(ofKind(objects, 'ConfigMap').filter(c => JSON.stringify(c).includes(HASH))).toEqual([]);
    // every Secret the files name is mounted, whole, where the paths point
    const mounts = firstContainer(only(objects, 'StatefulSet')).volumeMounts.map((m: Manifest) => m.mountPath);
    expect(mounts).toEqual(expect.arrayContaining(['/etc/alertmanager/secrets/am-tls', '/etc/alertmanager/secrets/am-ca']));
  });

  test('with TLS the probes use HTTPS and the notifier URLs https://; with basic auth or a client CA the probes check the TCP port', () => {
    const tlsOnly = secured({ web: { tls: WEB.tls } }, { notifierAuth: { tls: { ca: CA } } });
    expect(probes(only(tlsOnly.objects, 'StatefulSet')).map(p => p.httpGet)).toEqual([
      { path: '/-/healthy', port: 9093, scheme: 'HTTPS' }, { path: '/-/ready', port: 9093, scheme: 'HTTPS' },
    ]);
    expect(tlsOnly.cluster.notifierUrls).toEqual([0, 1, 2].map(i => `https://test-am-${i}.test-am-mesh.monitoring.svc:9093`));
    expect(flagValues(argsOf(tlsOnly.objects, 'Deployment'), '-notifier.url')).toEqual(tlsOnly.cluster.notifierUrls);
    // basic auth: Alertmanager answers 401 to /-/ready without credentials, and the kubelet can only send them inline
    const withUsers = secured({ web: WEB });
    expect(probes(only(withUsers.objects, 'StatefulSet'))).toEqual([
      expect.objectContaining({ tcpSocket: { port: 9093 } }), expect.objectContaining({ tcpSocket: { port: 9093 } }),
    ]);
    expect(probes(only(withUsers.objects, 'StatefulSet')).some(p => p.httpGet !== undefined)).toBe(false);
    // a client CA: the kubelet presents no certificate, so an HTTPS probe would fail the handshake
    const withClientCa = secured({ web: { tls: { ...WEB.tls, clientCa: CA } } },
      { notifierAuth: { tls: { ca: CA, clientCert: CERT, clientKey: KEY } } });
    expect(probes(only(withClientCa.objects, 'StatefulSet')).map(p => p.tcpSocket)).toEqual([{ port: 9093 }, { port: 9093 }]);
  });

  test('vmalert notifies with the CA and the password file; no password or hash reaches its args', () => {
    const { objects } = secured();
    const args = argsOf(objects, 'Deployment');
    expect(args).toEqual(expect.arrayContaining([
      '-notifier.tlsCAFile=/etc/vmalert/secrets/am-ca/ca.crt',
      '-notifier.basicAuth.username=vmalert',
      '-notifier.basicAuth.passwordFile=/etc/vmalert/secrets/am-password/password',
    ]));
    expect(args.join(' ')).not.toContain(HASH);
  });

  test('with replicaLabel the notifier config file carries the https scheme, the CA and the password file', () => {
    // GIVEN a replica label: vmalert notifies through -notifier.config instead of -notifier.* flags
    const { objects } = secured({ web: WEB }, { notifierAuth: NOTIFIER_AUTH, replicaLabel: 'replica' });
    // WHEN the notifier ConfigMap is read
    const notifier = ofKind(objects, 'ConfigMap').find(c => c.data?.['notifier.yml'] !== undefined)!;
    // THEN
    expect(yaml.load(notifier.data['notifier.yml'])).toMatchObject({
      scheme: 'https',
      tls_config: { ca_file: '/etc/vmalert/secrets/am-ca/ca.crt' },
      basic_auth: { username: 'vmalert', password_file: '/etc/vmalert/secrets/am-password/password' },
    });
    expect(argsOf(objects, 'Deployment').filter(a => a.startsWith('-notifier.'))).toEqual(['-notifier.config=/etc/vmalert/notifier/notifier.yml']);
  });

  test('changing the web config rolls the pods (config checksum)', () => {
    const checksum = (objects: Manifest[]) => only(objects, 'StatefulSet').spec.template.metadata.annotations['cdk8s-vmalert-ha/config-checksum'];
    const a = secured({ web: WEB });
    const b = secured({ web: { ...WEB, basicAuthUsers: [{ username: 'vmalert', passwordHash: `$2y$10$${'c'.repeat(53)}` }] } });
    expect(checksum(a.objects)).not.toEqual(checksum(b.objects));
  });
});

describe('Alertmanager mesh TLS', () => {
  test('the peers serve and present the same certificate, ask each other for one signed by the CA, and check the headless Service name', () => {
    const { objects, cluster } = secured();
    expect(cluster.meshTlsServerName).toBe('test-am-mesh.monitoring.svc');
    expect(yaml.load(configFiles(objects)['cluster-tls-config.yml'])).toEqual({
      tls_server_config: {
        cert_file: '/etc/alertmanager/secrets/am-mesh/tls.crt',
        key_file: '/etc/alertmanager/secrets/am-mesh/tls.key',
        client_auth_type: 'RequireAndVerifyClientCert',
        client_ca_file: '/etc/alertmanager/secrets/am-ca/ca.crt',
      },
      tls_client_config: {
        ca_file: '/etc/alertmanager/secrets/am-ca/ca.crt',
        cert_file: '/etc/alertmanager/secrets/am-mesh/tls.crt',
        key_file: '/etc/alertmanager/secrets/am-mesh/tls.key',
        server_name: 'test-am-mesh.monitoring.svc',
      },
    });
    expect(flagValues(argsOf(objects, 'StatefulSet'), '--cluster.tls-config')).toEqual(['/etc/alertmanager/config/cluster-tls-config.yml']);
  });

  test('without web or meshTls nothing changes: no file, no flag, HTTP probes, http:// URLs', () => {
    const { objects, cluster } = secured({}, {});
    expect(Object.keys(configFiles(objects))).toEqual(['alertmanager.yml']);
    expect(argsOf(objects, 'StatefulSet').filter(a => /web\.config|tls-config/.test(a))).toEqual([]);
    expect(probes(only(objects, 'StatefulSet')).map(p => p.httpGet.scheme)).toEqual(['HTTP', 'HTTP']);
    expect(cluster.notifierUrls.every(url => url.startsWith('http://'))).toBe(true);
  });

  test('the rendered files are plain YAML of paths: a Secret name with YAML syntax stays a string', () => {
    const odd = { secretName: 'a.b', key: 'x:y' };
    expect(yaml.load(renderWebConfig({ tls: { cert: odd, key: KEY } }))).toEqual({
      tls_server_config: { cert_file: '/etc/alertmanager/secrets/a.b/x:y', key_file: '/etc/alertmanager/secrets/am-tls/tls.key' },
    });
    expect((yaml.load(renderMeshTlsConfig({ ...MESH_TLS, key: odd }, 'mesh.ns.svc')) as Manifest).tls_client_config.key_file)
      .toBe('/etc/alertmanager/secrets/a.b/x:y');
  });
});

describe('vmalert web TLS', () => {
  test('-tls with the mounted certificate and key; HTTPS probes; an https:// external URL', () => {
    const { objects } = secured();
    const deployment = only(objects, 'Deployment');
    const args = argsOf(objects, 'Deployment');
    expect(args).toEqual(expect.arrayContaining([
      '-tls=true', '-tlsCertFile=/etc/vmalert/secrets/vmalert-tls/tls.crt', '-tlsKeyFile=/etc/vmalert/secrets/vmalert-tls/tls.key',
    ]));
    expect(flagValues(args, '-external.url')).toEqual(['https://test-vmalert-service.monitoring.svc:8880']);
    expect(probes(deployment).map(p => p.httpGet)).toEqual([
      { path: '/health', port: 8880, scheme: 'HTTPS' }, { path: '/-/ready', port: 8880, scheme: 'HTTPS' },
    ]);
    const volumes = deployment.spec.template.spec.volumes.filter((v: Manifest) => v.secret?.secretName === 'vmalert-tls');
    expect(volumes).toHaveLength(1);
  });
});

describe('who reaches which port, with TLS on the web ports and the mesh (NetworkPolicy truth table)', () => {
  const { objects } = secured();
  const am = podOf(only(objects, 'StatefulSet'));
  const vmalert = podOf(only(objects, 'Deployment'));
  const stranger: PodRef = { namespace: 'monitoring', labels: { app: 'other' } };
  const TCP = (port: number) => ({ port, protocol: 'TCP' as const });
  const UDP = (port: number) => ({ port, protocol: 'UDP' as const });
  const rows: Array<[string, PodRef, PodRef, { port: number; protocol: 'TCP' | 'UDP' }, boolean]> = [
    ['vmalert -> Alertmanager 9093/TCP (HTTPS notifications)', vmalert, am, TCP(9093), true],
    ['a peer -> Alertmanager 9094/TCP (mesh over TLS)', am, am, TCP(9094), true],
    ['a peer -> Alertmanager 9094/UDP (unused: the TLS mesh is TCP only)', am, am, UDP(9094), false],
    ['vmalert -> Alertmanager 9094/TCP', vmalert, am, TCP(9094), false],
    ['another pod -> Alertmanager 9093/TCP', stranger, am, TCP(9093), false],
    ['another pod -> Alertmanager 9094/TCP', stranger, am, TCP(9094), false],
    ['another pod -> vmalert 8880/TCP (HTTPS UI)', stranger, vmalert, TCP(8880), false],
    ['Alertmanager -> vmalert 8880/TCP', am, vmalert, TCP(8880), false],
  ];
  test.each(rows)('%s', (_name, from, to, port, allowed) => {
    expect(ingressAllowed(objects, from, to, port)).toBe(allowed);
  });

  test('plain gossip keeps 9094/UDP open to the peers', () => {
    const plain = secured({}, {}).objects;
    const plainAm = podOf(only(plain, 'StatefulSet'));
    expect(ingressAllowed(plain, plainAm, plainAm, UDP(9094))).toBe(true);
  });
});

test('the self-monitoring scrape refuses HTTPS ports it would scrape as plain HTTP, naming them', () => {
  // GIVEN a stack with TLS on vmalert's and Alertmanager's ports
  const chart = new Chart(Testing.app(), 'test', { namespace: 'monitoring' });
  const alertmanager = new AlertmanagerCluster(chart, 'am', { config: EMAIL_CONFIG, web: { tls: WEB.tls } });
  const rules = new RulesConfigMap(chart, 'rules', { groups: [CPU_GROUP] });
  const vmalert = new VmalertHa(chart, 'vmalert', {
    datasourceUrl: 'http://vmselect:8481', notifiers: alertmanager, rules, notifierAuth: { tls: { ca: CA } }, webTls: VMALERT_TLS,
  });
  // WHEN / THEN
  expect(() => new SelfMonitoringScrape(chart, 'scrape', { vmalert, alertmanager })).toThrow(
    'SelfMonitoringScrape "scrape": vmalert webTls and AlertmanagerCluster web.tls serve HTTPS, which these scrape objects do not scrape yet');
});
