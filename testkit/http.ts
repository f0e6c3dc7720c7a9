/**
 * Small HTTP and polling helpers for talking to the processes under test (Node 20's global fetch).
 */

/** Per-request timeout: a process that hangs must fail the poll, not the whole test timeout. */
const REQUEST_TIMEOUT_MS = 5_000;
/** Default pause between two polls. */
const DEFAULT_POLL_MS = 250;

/** GET `url` and parse JSON; throws with the URL and status on a non-2xx answer. */
export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const body = await res.text();
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}: ${body.slice(0, 500)}`);
  return JSON.parse(body) as T;
}

/** GET `url` as text; throws with the URL and status on a non-2xx answer. */
export async function getText(url: string): Promise<string> {
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
