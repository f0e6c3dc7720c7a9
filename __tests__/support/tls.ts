/**
 * A throwaway certificate authority for tests, made with openssl: a CA, server certificates and client certificates;
 * and bcrypt hashes of test passwords. Everything is made at test time: no key is ever committed.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** PEM files of one certificate. */
export interface IssuedCert {
  readonly cert: string;
  readonly key: string;
  /** Paths of the same PEM files. */
  readonly certFile: string;
  readonly keyFile: string;
}

/** A CA in `dir` that issues certificates valid for one day. */
export class TestCa {
  public readonly certFile: string;
  private readonly keyFile: string;

  constructor(private readonly dir: string, subject = '/CN=cdk8s-vmalert-ha test CA') {
    fs.mkdirSync(dir, { recursive: true });
    this.certFile = path.join(dir, 'ca.crt');
    this.keyFile = path.join(dir, 'ca.key');
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', subject,
      '-keyout', this.keyFile, '-out', this.certFile]);
  }

  /** The CA certificate, PEM. */
  public get cert(): string {
    return fs.readFileSync(this.certFile, 'utf8');
  }

  /** A certificate for `name`, with the DNS names and IPs given as subject alternative names. */
  public issue(name: string, altNames: { dns?: string[]; ip?: string[] } = {},
    usage: 'serverAuth' | 'clientAuth' | 'serverAuth,clientAuth' = 'serverAuth'): IssuedCert {
    const keyFile = path.join(this.dir, `${name}.key`);
    const csrFile = path.join(this.dir, `${name}.csr`);
    const certFile = path.join(this.dir, `${name}.crt`);
    const extFile = path.join(this.dir, `${name}.ext`);
    const san = [...(altNames.dns ?? []).map(d => `DNS:${d}`), ...(altNames.ip ?? []).map(i => `IP:${i}`)];
    fs.writeFileSync(extFile, [`extendedKeyUsage=${usage}`, ...(san.length > 0 ? [`subjectAltName=${san.join(',')}`] : [])].join('\n'));
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', keyFile, '-out', csrFile]);
    openssl(['x509', '-req', '-in', csrFile, '-CA', this.certFile, '-CAkey', this.keyFile, '-CAcreateserial', '-days', '1',
      '-extfile', extFile, '-out', certFile]);
    return { cert: fs.readFileSync(certFile, 'utf8'), key: fs.readFileSync(keyFile, 'utf8'), certFile, keyFile };
  }
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
}

/**
 * The bcrypt hash of `password` (cost 10), as `htpasswd -B` writes it, through the C library's crypt(3) (Python's
 * crypt module; libxcrypt has bcrypt). The password reaches python on stdin, never in its argv.
 */
export function bcryptHash(password: string): string {
  const script = 'import crypt, sys; print(crypt.crypt(sys.stdin.read(), crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << 10)))';
  const hash = execFileSync('python3', ['-W', 'ignore', '-c', script], { input: password, encoding: 'utf8', timeout: 30_000 }).trim();
  if (!/^\$2[aby]\$10\$[./A-Za-z0-9]{53}$/.test(hash)) throw new Error(`python3's crypt made no bcrypt hash (got ${JSON.stringify(hash.slice(0, 7))}...)`);
  return hash;
}
