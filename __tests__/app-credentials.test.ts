/** URLs with credentials in the app's environment (GitLab CI/CD variables) never reach dist/. */
import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { loadAppConfig } from '../app-config';
import { AlertingStack, main } from '../main';
import { temporaryDirectories } from './support/temp';

const tempDir = temporaryDirectories();
const RULES_DIR = path.join(__dirname, '..', 'rules');

describe('credentials in the environment\'s URLs', () => {
  let stderr: string;
  beforeEach(() => {
    stderr = '';
    jest.spyOn(process.stderr, 'write').mockImplementation(chunk => {
      stderr += String(chunk);
      return true;
    });
  });
  afterEach(() => jest.restoreAllMocks());

  test.each([
    ['DATASOURCE_URL', 'https://vmalert:MARKER-pw-1@vmauth:8427/select/0/prometheus', 'a user name and password', 'datasourceAuth'],
    ['REMOTE_WRITE_URL', 'https://vmauth:8427/insert/0/prometheus?authKey=MARKER-pw-2', 'a "authKey" query parameter', 'remoteWriteAuth'],
    ['REMOTE_READ_URL', 'https://MARKER-token-3@vmauth:8427/select/0/prometheus', 'a user name', 'remoteReadAuth'],
  ])('%s with credentials: one message naming the variable and the prop, the value not echoed, nothing written', (env, url, what, prop) => {
    // GIVEN
    const outdir = tempDir('synth-');
    // WHEN
    const code = main({ CDK8S_OUTDIR: outdir, [env]: url });
    // THEN
    expect(code).toBe(1);
    expect(stderr).toContain(`error: ${env} carries ${what}: it would be written into dist/`);
    expect(stderr).toContain(`VmalertHa's ${prop} prop`);
    expect(stderr).not.toContain('MARKER');
    expect(fs.readdirSync(outdir)).toEqual([]);
  });
});

describe('VM_AUTH: the app authenticates to the storage from one out-of-band Secret', () => {
  test.each([
    ['basic', ['-datasource.basicAuth.username=vmalert', '-datasource.basicAuth.passwordFile=/etc/vmalert/secrets/vm-creds/pw',
      '-remoteWrite.basicAuth.passwordFile=/etc/vmalert/secrets/vm-creds/pw', '-remoteRead.basicAuth.passwordFile=/etc/vmalert/secrets/vm-creds/pw']],
    ['bearer', ['-datasource.bearerTokenFile=/etc/vmalert/secrets/vm-creds/pw', '-remoteWrite.bearerTokenFile=/etc/vmalert/secrets/vm-creds/pw',
      '-remoteRead.bearerTokenFile=/etc/vmalert/secrets/vm-creds/pw']],
  ])('VM_AUTH=%s', (mode, expected) => {
    // GIVEN / WHEN
    const stack = new AlertingStack(Testing.app({ outdir: tempDir('app-') }), 'alerting',
      loadAppConfig({ VM_AUTH: mode, VM_AUTH_SECRET: 'vm-creds', VM_AUTH_SECRET_KEY: 'pw', RULES_DIR: RULES_DIR }));
    // THEN
    expect(stack.vmalert.args).toEqual(expect.arrayContaining(expected));
    const volumes = (Testing.synth(stack) as Array<Record<string, any>>).find(o => o.kind === 'Deployment')!.spec.template.spec.volumes;
    expect(volumes.filter((v: Record<string, any>) => v.secret?.secretName === 'vm-creds')).toHaveLength(1);
  });

  test('none by default; anything else is an error naming the variable', () => {
    const stack = new AlertingStack(Testing.app({ outdir: tempDir('app-') }), 'alerting', loadAppConfig({ RULES_DIR }));
    expect(stack.vmalert.args.filter(a => /basicAuth|bearerToken/.test(a))).toEqual([]);
    expect(() => loadAppConfig({ VM_AUTH: 'token' })).toThrow('VM_AUTH="token": must be one of none, basic, bearer');
  });
});
