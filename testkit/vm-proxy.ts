/**
 * Stand-in for vmselect and vminsert: a small HTTP proxy that listens where `vmselect:8481` (or
 * `vminsert:8480`) resolves and rewrites the cluster paths to the single-node victoria-metrics paths:
 *   /select/<tenant>/prometheus/<rest>  ->  /prometheus/<rest>
 *   /insert/<tenant>/prometheus/<rest>  ->  /<rest>            (api/v1/write, api/v1/import/...)
 * Single-node victoria-metrics has no tenants: every tenant lands in the same storage.
 */
import * as http from 'http';
import { Socket } from 'net';
import { registerResource } from './lifecycle';

/** Cluster path prefixes and their single-node replacement. */
const PATH_RULES: ReadonlyArray<{ pattern: RegExp; replacement: string }> = [
  { pattern: /^\/select\/[^/]+\/prometheus(?=\/|$)/, replacement: '/prometheus' },
  { pattern: /^\/insert\/[^/]+\/prometheus(?=\/|$)/, replacement: '' },
];
/** Requests kept for inspection (e.g. which query parameters vmalert sends). */
const MAX_REMEMBERED_REQUESTS = 2000;

/** One proxied request, for assertions and failure logs. */
export interface ProxiedRequest {
  readonly time: number;
  readonly method: string;
  readonly from: string;
  readonly to: string;
  status?: number;
}

/** A running path-rewriting proxy. */
export class ClusterPathProxy {
  public readonly requests: ProxiedRequest[] = [];
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();

  private constructor(
    public readonly name: string,
    public readonly listenAddress: string,
    public readonly port: number,
    private readonly target: URL,
  ) {
    this.server = http.createServer((req, res) => this.forward(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /** Start a proxy on `address:port` forwarding to the single node at `target` (e.g. http://127.42.1.1:8428). */
  public static async start(name: string, address: string, port: number, target: string): Promise<ClusterPathProxy> {
    const proxy = new ClusterPathProxy(name, address, port, new URL(target));
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(port, address, () => resolve());
    });
    registerResource(name, { close: () => proxy.close(), logs: () => proxy.logText() });
    return proxy;
  }

  /** Stop listening and drop open keep-alive connections. */
  public close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** The remembered requests, one a line. */
  public logText(): string {
    return this.requests
      .map((r) => `${new Date(r.time).toISOString()} ${r.method} ${r.from} -> ${r.to} ${r.status ?? '(no answer)'}`)
      .join('\n');
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    const original = req.url ?? '/';
    const rewritten = rewriteClusterPath(original);
    const entry: ProxiedRequest = { time: Date.now(), method: req.method ?? 'GET', from: original, to: rewritten ?? '' };
    this.requests.push(entry);
    if (this.requests.length > MAX_REMEMBERED_REQUESTS) this.requests.shift();
    if (rewritten === undefined) {
      entry.status = 404;
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end(`${this.name}: ${original} is not a /select/<tenant>/prometheus or /insert/<tenant>/prometheus path\n`);
      return;
    }
    const upstream = http.request(
      {
        host: this.target.hostname,
        port: this.target.port,
        method: req.method,
        path: rewritten,
        headers: { ...req.headers, host: this.target.host },
      },
      (upstreamRes) => {
        entry.status = upstreamRes.statusCode;
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      entry.status = 502;
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`${this.name}: victoria-metrics at ${this.target.host} did not answer: ${err.message}\n`);
    });
    req.pipe(upstream);
  }
}

/** The single-node path for a cluster path, or undefined when it is not a select/insert path. */
export function rewriteClusterPath(url: string): string | undefined {
  for (const { pattern, replacement } of PATH_RULES) {
    if (pattern.test(url)) {
      const rest = url.replace(pattern, replacement);
      return rest.startsWith('/') ? rest : `/${rest}`;
    }
  }
  return undefined;
}
