/**
 * An HTTP server on loopback that records every request it gets: the heartbeat service (healthchecks.io,
 * Opsgenie heartbeat, Cronitor) that Alertmanager's heartbeat webhook pings.
 */
import * as http from 'http';
import { AddressInfo } from 'net';
import { registerResource } from './lifecycle';

/** One request received. */
export interface WebhookRequest {
  readonly receivedAt: number;
  readonly method: string;
  readonly path: string;
  /** The JSON body (Alertmanager's webhook payload), or undefined when it is not JSON. */
  readonly body: any;
}

/** A running webhook sink. */
export class WebhookSink {
  private constructor(public readonly url: string, public readonly requests: readonly WebhookRequest[]) {}

  /** Listen on `address` (an ephemeral port) and register for cleanup. */
  public static async start(address: string): Promise<WebhookSink> {
    const requests: WebhookRequest[] = [];
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        requests.push({ receivedAt: Date.now(), method: req.method ?? '', path: req.url ?? '', body });
        res.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, address, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const sink = new WebhookSink(`http://${address}:${port}`, requests);
    registerResource(`webhook sink ${sink.url}`, {
      close: () => new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
      logs: () => requests.map((r) => `${new Date(r.receivedAt).toISOString()} ${r.method} ${r.path}`).join('\n'),
    });
    return sink;
  }
}
