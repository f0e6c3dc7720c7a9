/**
 * A real vmauth (the pinned binary) standing where the manifests' storage host resolves, in front of the single-node
 * victoria-metrics: the test gives its users (credentials, routes) and optionally a TLS certificate.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { binary } from './binaries';
import { waitFor } from './http';
import { ManagedProcess, startProcess } from './processes';

/** How vmauth is set up; `users` gets the victoria-metrics URL to route to. */
export interface VmauthOptions {
  /** vmauth's `users:` list, built for the storage at `vmUrl` (e.g. url_prefix: vmUrl). */
  readonly users: (vmUrl: string) => unknown[];
  /** Serve https with this certificate (PEM files). */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
}

const START_TIMEOUT_MS = 20_000;

/** A running vmauth. */
export class Vmauth {
  private constructor(public readonly name: string, public readonly process: ManagedProcess, public readonly url: string) {}

  /** Start it on `address:port` and wait until /health answers. */
  public static async start(name: string, address: string, port: number, vmUrl: string, options: VmauthOptions, workDir: string): Promise<Vmauth> {
    const configFile = path.join(workDir, `${name.replace(/[^A-Za-z0-9.-]/g, '_')}.auth.yml`);
    fs.writeFileSync(configFile, yaml.dump({ users: options.users(vmUrl) }));
    const args = [`-auth.config=${configFile}`, `-httpListenAddr=${address}:${port}`, '-loggerLevel=WARN'];
    if (options.tls) args.push('-tls', `-tlsCertFile=${options.tls.certFile}`, `-tlsKeyFile=${options.tls.keyFile}`);
    const proc = startProcess({ name, command: binary('vmauth'), args, logDir: workDir });
    const url = `${options.tls ? 'https' : 'http'}://${address}:${port}`;
    await waitFor(`${name} /health at ${url}`, async () => {
      if (!proc.running) throw new Error(`${name} exited: ${proc.logText()}`);
      return (await healthStatus(`${url}/health`)) === 200 ? true : undefined;
    }, { timeoutMs: START_TIMEOUT_MS });
    return new Vmauth(name, proc, url);
  }

  /** `vmauth_user_requests_total` of a user, by its `username` or `name`. */
  public async userRequests(username: string): Promise<number> {
    const text = await new Promise<string>((resolve, reject) => {
      https.get(`${this.url}/metrics`, { rejectUnauthorized: false }, res => {
        let body = '';
        res.on('data', c => { body += String(c); });
        res.on('end', () => resolve(body));
      }).on('error', reject);
    });
    const line = text.split('\n').find(l => l.startsWith(`vmauth_user_requests_total{username="${username}"} `));
    return line ? Number(line.split(' ').pop()) : 0;
  }
}

/** Status of GET `url`; the test's own probe, so the server certificate is not checked here. */
function healthStatus(url: string): Promise<number | undefined> {
  return new Promise(resolve => {
    const onResponse = (res: http.IncomingMessage) => {
      res.resume();
      resolve(res.statusCode);
    };
    const req = url.startsWith('https:')
      ? https.get(url, { rejectUnauthorized: false, timeout: 2_000 }, onResponse)
      : http.get(url, { timeout: 2_000 }, onResponse);
    req.on('error', () => resolve(undefined));
  });
}
