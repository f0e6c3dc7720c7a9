import { tenantUrls } from '../constructs';
import { checkEndpointAuth, credentialArgProblems, credentialsInUrl, endpointAuthFlags, httpAuthFlags, notifierConfigAuth } from '../constructs/vmalert/endpoint-auth';
import { VMALERT_FLAGS } from '../constructs/vmalert/flags';

const HTTPS = ['https://vmauth.example.com/select/0/prometheus'];

describe('endpointAuthFlags', () => {
  test('basic auth: the user name inline, the password as a file of the mounted Secret', () => {
    // GIVEN / WHEN
    const flags = endpointAuthFlags('datasource', { basicAuth: { username: 'vmalert', password: { secretName: 'vm-creds', key: 'password' } } });
    // THEN
    expect(flags).toEqual({
      args: ['-datasource.basicAuth.username=vmalert', '-datasource.basicAuth.passwordFile=/etc/vmalert/secrets/vm-creds/password'],
      volumes: [{ kind: 'secret', name: 'vm-creds', dir: '/etc/vmalert/secrets/vm-creds' }],
    });
  });

  test('bearer token, OAuth2, mutual TLS with a CA from a ConfigMap, server name and headers', () => {
    // GIVEN
    const tls = {
      ca: { configMapName: 'vm-ca', key: 'ca.crt' },
      clientCert: { secretName: 'vmalert-tls', key: 'tls.crt' },
      clientKey: { secretName: 'vmalert-tls', key: 'tls.key' },
      serverName: 'vmauth.internal',
    };
    // WHEN
    const bearer = endpointAuthFlags('remoteWrite', { bearerToken: { secretName: 'vm-write', key: 'token' }, tls, headers: { 'X-Team': 'a' } });
    const oauth = endpointAuthFlags('remoteRead', {
      oauth2: { clientId: 'vmalert', clientSecret: { secretName: 'idp', key: 'secret' }, tokenUrl: 'https://idp/token', scopes: ['read', 'write'] },
    });
    // THEN
    expect(bearer.args).toEqual([
      '-remoteWrite.bearerTokenFile=/etc/vmalert/secrets/vm-write/token',
      '-remoteWrite.tlsCAFile=/etc/vmalert/configmaps/vm-ca/ca.crt',
      '-remoteWrite.tlsCertFile=/etc/vmalert/secrets/vmalert-tls/tls.crt',
      '-remoteWrite.tlsKeyFile=/etc/vmalert/secrets/vmalert-tls/tls.key',
      '-remoteWrite.tlsServerName=vmauth.internal',
      '-remoteWrite.headers=X-Team:a',
    ]);
    expect(bearer.volumes.map(v => `${v.kind}/${v.name}`)).toEqual(['secret/vm-write', 'configMap/vm-ca', 'secret/vmalert-tls']);
    expect(oauth.args).toEqual([
      '-remoteRead.oauth2.clientID=vmalert',
      '-remoteRead.oauth2.clientSecretFile=/etc/vmalert/secrets/idp/secret',
      '-remoteRead.oauth2.tokenUrl=https://idp/token',
      '-remoteRead.oauth2.scopes=read;write',
    ]);
  });

  test('the notifier-config form points at the same files as the flags', () => {
    // GIVEN
    const auth = { basicAuth: { username: 'am', password: { secretName: 'am-creds', key: 'pw' } }, tls: { insecureSkipVerifyDangerous: true } };
    // WHEN
    const { config, volumes } = notifierConfigAuth(auth);
    // THEN
    expect(config).toEqual({
      basic_auth: { username: 'am', password_file: '/etc/vmalert/secrets/am-creds/pw' },
      tls_config: { insecure_skip_verify: true },
    });
    expect(volumes).toEqual([{ kind: 'secret', name: 'am-creds', dir: '/etc/vmalert/secrets/am-creds' }]);
    expect(endpointAuthFlags('notifier', auth).args).toContain('-notifier.tlsInsecureSkipVerify=true');
  });

  test('vmalert\'s own API: the password in vmalert\'s file:// form', () => {
    expect(httpAuthFlags({ username: 'ops', password: { secretName: 'ui', key: 'pw' } }, 'httpAuth').args)
      .toEqual(['-httpAuth.username=ops', '-httpAuth.password=file:///etc/vmalert/secrets/ui/pw']);
  });
});

describe('checkEndpointAuth', () => {
  test.each([
    [{ bearerToken: 'abc' }, /bearerToken is an inline secret: put it in a Kubernetes Secret/],
    [{ basicAuth: { username: 'u', password: 73317331 } }, /basicAuth.password is an inline secret/],
    [{ basicAuth: { username: 'u', password: { secretName: 's', key: 'k' } }, bearerToken: { secretName: 's', key: 't' } }, /basicAuth and bearerToken are both set/],
    [{ headers: { Authorization: 'Bearer abc' } }, /headers.Authorization looks like a credential: .*Use bearerToken/],
    [{ headers: { 'X-Api-Key': 'abc' } }, /headers.X-Api-Key looks like a credential/],
    [{ headers: { 'X-Team': 'a^^b' } }, /must be a string without "\^\^"/],
    [{ tls: { clientCert: { secretName: 's', key: 'tls.crt' } } }, /clientCert and clientKey go together/],
    [{ bearerToken: { secretName: 'Bad_Name', key: 'k' } }, /bearerToken.secretName "Bad_Name" is not a DNS-1123 subdomain .*: no such Secret can exist; use its real name/],
    [{ bearerToken: { secretName: 's', key: '..' } }, /bearerToken.key "\.\." must not be "\." or start with "\.\." .*: no such Secret key can exist; use its real key/],
    [{ oauth2: { clientId: 'c', clientSecret: { secretName: 's', key: 'k' }, tokenUrl: 'https://id:pw@idp/token' } }, /tokenUrl carries a user name and password/],
  ])('%j is refused', (auth, message) => {
    expect(() => checkEndpointAuth(auth as never, 'VmalertHa "v": datasourceAuth', HTTPS)).toThrow(message);
  });

  test('tls needs an https URL', () => {
    expect(() => checkEndpointAuth({ tls: { serverName: 'vm' } }, 'datasourceAuth', ['http://vmselect:8481/select/0/prometheus']))
      .toThrow('datasourceAuth.tls is set but http://vmselect:8481/select/0/prometheus is not https');
  });

  test('a complete, consistent setting passes', () => {
    expect(() => checkEndpointAuth({
      basicAuth: { username: 'u', password: { secretName: 's', key: 'k' } },
      tls: { ca: { secretName: 'ca', key: 'ca.crt' } },
      headers: { 'X-Team': 'a' },
    }, 'datasourceAuth', HTTPS)).not.toThrow();
  });
});

describe('credentials in the wrong place', () => {
  test.each([
    ['http://user:pass@vmselect:8481/select/0/prometheus', 'a user name and password'],
    ['http://vmauth:8427/select/0/prometheus?authKey=abc', 'a "authKey" query parameter'],
    ['http://vmselect:8481/select/0/prometheus', undefined],
  ])('credentialsInUrl(%s)', (url, expected) => {
    expect(credentialsInUrl(url)).toBe(expected);
  });

  test('every password- or token-carrying flag in extraArgs points at its typed prop', () => {
    // GIVEN
    const extraArgs = [
      '-datasource.basicAuth.password=p', '-remoteWrite.bearerToken=t', '-notifier.oauth2.clientSecret=s',
      '-httpAuth.password=p', '--remoteRead.headers=Authorization:Bearer t', '-metricsAuthKey=k',
      '-datasource.tlsCAFile=/x', '-rule.resendDelay=1m', '-pushmetrics.header=Authorization: Bearer t', '-pushmetrics.header=X-Team: a',
      '-pushmetrics.url=https://u:p@push/api/v1/import/prometheus',
    ];
    // WHEN
    const problems = credentialArgProblems(extraArgs);
    // THEN
    expect(problems).toEqual([
      expect.stringContaining('-datasource.basicAuth.password carries a secret in the Deployment\'s args (visible in kubectl and dist/): remove it and use the "datasourceAuth.basicAuth.password" prop'),
      expect.stringContaining('"remoteWriteAuth.bearerToken" prop'),
      expect.stringContaining('"notifierAuth.oauth2.clientSecret" prop'),
      expect.stringContaining('"httpAuth.password" prop'),
      expect.stringContaining('"remoteReadAuth.headers (non-secret values) or remoteReadAuth.bearerToken" prop'),
      expect.stringContaining('-metricsAuthKey carries a secret'),
      '-datasource.tlsCAFile is set by the auth props: use "datasourceAuth" instead of extraArgs',
      expect.stringContaining('-pushmetrics.header carries a credential header in the Deployment\'s args'),
      expect.stringContaining('-pushmetrics.url has a URL carrying a user name and password, which would be in the Deployment\'s args and dist/: remove it'),
    ]);
  });
});

describe('tenantUrls', () => {
  test('the tenant goes into the cluster paths', () => {
    expect(tenantUrls({ vmselectUrl: 'https://vmauth:8427/', vminsertUrl: 'https://vmauth:8427', tenant: '42:7' })).toEqual({
      datasourceUrl: 'https://vmauth:8427/select/42:7/prometheus',
      remoteReadUrl: 'https://vmauth:8427/select/42:7/prometheus',
      remoteWriteUrl: 'https://vmauth:8427/insert/42:7/prometheus',
    });
  });

  test.each(['team-a', '1:2:3', '4294967296', ''])('tenant %j is refused', tenant => {
    expect(() => tenantUrls({ vmselectUrl: 'http://vmselect:8481', vminsertUrl: 'http://vminsert:8480', tenant }))
      .toThrow(/is not a VictoriaMetrics tenant: write "<accountID>" or "<accountID>:<projectID>"/);
  });
});

describe('the flags match the pinned vmalert', () => {
  test('every flag the auth builders can write is in the generated vmalert -help catalogue', () => {
    // GIVEN every option on every endpoint, and httpAuth
    const ref = (key: string) => ({ secretName: 's', key });
    const tls = { ca: ref('ca'), clientCert: ref('crt'), clientKey: ref('key'), serverName: 'vm', insecureSkipVerifyDangerous: true };
    const endpoints = ['datasource', 'remoteWrite', 'remoteRead', 'notifier'] as const;
    const args = [
      ...endpoints.flatMap(e => endpointAuthFlags(e, { basicAuth: { username: 'u', password: ref('pw') }, tls, headers: { 'X-Team': 'a' } }).args),
      ...endpoints.flatMap(e => endpointAuthFlags(e, { oauth2: { clientId: 'c', clientSecret: ref('cs'), tokenUrl: 'https://idp/token', scopes: ['a'] } }).args),
      ...endpoints.flatMap(e => endpointAuthFlags(e, { bearerToken: ref('t') }).args),
      ...httpAuthFlags({ username: 'ops', password: ref('ui') }, 'httpAuth').args,
    ];
    // WHEN / THEN
    const names = args.map(a => /^-([^=]+)=/.exec(a)![1]);
    expect(names.length).toBeGreaterThan(40);
    expect(names.filter(name => !VMALERT_FLAGS.has(name))).toEqual([]);
  });
});
