/** URLs with credentials in the app's environment (GitLab CI/CD variables) never reach dist/. */
import * as fs from 'fs';
import { main } from '../main';
import { temporaryDirectories } from './support/temp';

const tempDir = temporaryDirectories();

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
