/**
 * Small HTTP and polling helpers for talking to the processes under test (Node 20's global fetch; node:https when
 * the test trusts its own CA or sends basic auth).
 */
import * as http from 'http';
import * as https from 'https';

/** How a test reaches pods that serve HTTPS with its own CA, or ask for basic auth. */
export interface HttpClient {
  /** PEM of the CA that signed the pods' certificates. */
  readonly ca?: string;
  /** Name the certificates carry when the URL's host (a loopback address) is not on them. */
  readonly serverName?: string;
  /** Basic auth credentials sent with every request. */
  readonly basicAuth?: { readonly username: string; readonly password: string };
}

/** GET `url` with `client`'s CA and credentials: the status and the body. */
export function request(url: string, client: HttpClient = {}): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  const headers: Record<string, string> = client.basicAuth
    ? { authorization: `Basic ${Buffer.from(`${client.basicAuth.username}:${client.basicAuth.password}`).toString('base64')}` } : {};
  return new Promise((resolve, reject) => {
    const options = { headers, timeout: REQUEST_TIMEOUT_MS, ...(target.protocol === 'https:' ? { ca: client.ca, servername: client.serverName } : {}) };
    const req = (target.protocol === 'https:' ? https : http).get(target, options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
  });
}

/** Per-request timeout: a process that hangs must fail the poll, not the whole test timeout. */
const REQUEST_TIMEOUT_MS = 5_000;
/** Default pause between two polls. */
const DEFAULT_POLL_MS = 250;

/** GET `url` and parse JSON; throws with the URL and status on a non-2xx answer. */
export async function getJson<T>(url: string, client?: HttpClient): Promise<T> {
  return JSON.parse(await getText(url, client)) as T;
}

/** GET `url` as text; throws with the URL and status on a non-2xx answer. */
export async function getText(url: string, client?: HttpClient): Promise<string> {
  if (client) {
    const { status, body } = await request(url, client);
    if (status < 200 || status > 299) throw new Error(`GET ${url}: HTTP ${status}: ${body.slice(0, 500)}`);
    return body;
  }
  const res = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const body = await res.text();
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}: ${body.slice(0, 500)}`);
  return body;
}

/** POST `body` to `url`; throws with the URL and status on a non-2xx answer. */
export async function postText(url: string, body: string, contentType = 'text/plain'): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'content-type': contentType },
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  if (!res.ok) throw new Error(`POST ${url}: HTTP ${res.status}: ${(await res.text()).slice(0, 500)}`);
}

export interface WaitOptions {
  /** Give up after this many milliseconds. */
  readonly timeoutMs: number;
  readonly pollMs?: number;
}

/**
 * Call `probe` until it returns a value other than undefined; errors thrown by `probe` count as "not
 * yet" (the process may still be starting). On timeout, throws naming `what` and the last error.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError = '';
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
      lastError = '';
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${what}${lastError ? `: ${lastError}` : ''}`);
    }
    await sleep(options.pollMs ?? DEFAULT_POLL_MS);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
