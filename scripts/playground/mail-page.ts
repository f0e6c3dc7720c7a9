/**
 * The playground's web page, served next to the SMTP catcher on loopback: the emails received (subject, time,
 * FIRING/RESOLVED), each rendered as the recipient sees it (the HTML part in a sandboxed frame, the text part as
 * text), links to the vmalert and Alertmanager UIs, and the stack: its Mermaid diagram (drawn in the browser by the
 * mermaid bundle this server serves from node_modules, so the page needs no network) and its pods. Pages are built
 * by pure functions; the server only routes.
 */
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';

/** An email as the page shows it. */
export interface PageMail {
  readonly receivedAt: number;
  readonly subject: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly html?: string;
  readonly text?: string;
}

/** A link to a UI, e.g. one Alertmanager pod's. */
export interface PageLink {
  readonly label: string;
  readonly url: string;
}

/** One row of the stack table: a pod (or stand-in) and where it listens. */
export interface PagePod {
  readonly name: string;
  readonly role: string;
  readonly listens: string;
}

/**
 * What one Alertmanager pod holds, read from its API: the pinned build has no web UI (upstream's UI is built by
 * npm for releases and is not in the Go module), so the page shows this instead.
 */
export interface AlertmanagerView {
  readonly name: string;
  /** Base URL of the pod's API (`.../api/v2/`). */
  readonly apiUrl: string;
  readonly clusterStatus: string;
  readonly peers: readonly string[];
  readonly alerts: ReadonlyArray<{ readonly labels: Readonly<Record<string, string>>; readonly state: string; readonly startsAt: string }>;
  readonly silences: number;
  /** `alertmanager_notifications_total{integration="email"}`: emails this peer sent. */
  readonly emailsSent: number;
}

/** What the page shows; read on every request, so new emails appear without a restart. */
export interface PageModel {
  mails(): readonly PageMail[];
  /** Alertmanager pod names, each with a view at `/alertmanager/<name>`. */
  readonly alertmanagers: readonly string[];
  alertmanagerView(name: string): Promise<AlertmanagerView>;
  readonly links: readonly PageLink[];
  readonly pods: readonly PagePod[];
  /** Mermaid source of the stack (scripts/docs/stack-diagram.ts), drawn as a picture by the browser. */
  readonly diagram: string;
  /** Lines about what the playground changed (shortened timings, simulated load). */
  readonly notes: readonly string[];
}

/** FIRING or RESOLVED from Alertmanager's subject (`[FIRING:1] ...`), or undefined for another email. */
export function mailStatus(subject: string): 'FIRING' | 'RESOLVED' | undefined {
  const match = /^\[(FIRING|RESOLVED)\b/.exec(subject);
  return match ? (match[1] as 'FIRING' | 'RESOLVED') : undefined;
}

/** Text as HTML text or attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; max-width: 1100px; }
h1 { font-size: 1.4em; margin: 0 0 .3em; } h2 { font-size: 1.1em; margin: 1.2em 0 .4em; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: .25em .6em; text-align: left; font-size: .9em; }
.FIRING { color: #fff; background: #c0392b; padding: 0 .4em; border-radius: 3px; }
.RESOLVED { color: #fff; background: #27ae60; padding: 0 .4em; border-radius: 3px; }
.notes { color: #555; font-size: .85em; } .mail { border: 1px solid #bbb; margin: .8em 0; padding: .5em; }
iframe { width: 100%; height: 460px; border: 1px solid #ddd; background: #fff; }
pre { white-space: pre-wrap; background: #f6f6f6; padding: .5em; font-size: .85em; }
pre.mermaid { background: #fff; }
`;

/** Where the page loads mermaid's browser bundle from: this server, never a CDN. */
export const MERMAID_PATH = '/mermaid.min.js';

/** The whole page. */
export function renderPage(model: PageModel): string {
  const mails = model.mails();
  const rows = mails.map((mail, i) => {
    const status = mailStatus(mail.subject);
    return `<tr class="mail-row"><td>${new Date(mail.receivedAt).toISOString().replace('T', ' ').slice(0, 19)} UTC</td>`
      + `<td>${status ? `<span class="${status}">${status}</span>` : ''}</td>`
      + `<td><a href="#mail-${i}">${escapeHtml(mail.subject)}</a></td></tr>`;
  }).join('\n');
  const bodies = mails.map((mail, i) => `<div class="mail" id="mail-${i}">
<div><b>${escapeHtml(mail.subject)}</b><br>From: ${escapeHtml(mail.from)} &nbsp; To: ${escapeHtml(mail.to.join(', '))}</div>
${mail.html ? `<iframe title="HTML of email ${i}" sandbox src="/mail/${i}.html"></iframe>` : ''}
${mail.text ? `<details><summary>text part</summary><pre>${escapeHtml(mail.text)}</pre></details>` : ''}
</div>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>cdk8s-vmalert-ha playground</title><style>${STYLE}</style></head>
<body>
<h1>cdk8s-vmalert-ha playground</h1>
<div class="notes">${model.notes.map((n) => escapeHtml(n)).join('<br>')}</div>
<h2>UIs</h2>
<ul>${model.links.map((l) => `<li><a href="${escapeHtml(l.url)}">${escapeHtml(l.label)}</a> <code>${escapeHtml(l.url)}</code></li>`).join('')}
${model.alertmanagers.map((name) => `<li><a class="alertmanager" href="/alertmanager/${encodeURIComponent(name)}">alertmanager ${escapeHtml(name)}</a> (its alerts, mesh and emails, read from its API)</li>`).join('')}</ul>
<h2>Emails received (<span id="count">${mails.length}</span>)</h2>
${mails.length === 0 ? '<p>None yet: the CPU alert fires a minute or two after the load starts.</p>' : `<table><tr><th>received</th><th>status</th><th>subject</th></tr>\n${rows}</table>`}
${bodies}
<h2>The stack</h2>
<p class="notes">Drawn from the manifests the playground synthesized: who talks to whom, on which port.</p>
<pre class="mermaid" id="stack-diagram">${escapeHtml(model.diagram)}</pre>
<table><tr><th>pod</th><th>role</th><th>listens on</th></tr>
${model.pods.map((p) => `<tr><td>${escapeHtml(p.name)}</td><td>${escapeHtml(p.role)}</td><td><code>${escapeHtml(p.listens)}</code></td></tr>`).join('\n')}
</table>
<script src="${MERMAID_PATH}"></script>
<script>
mermaid.initialize({ startOnLoad: true, securityLevel: 'strict', theme: 'neutral' });
setInterval(async () => {
  try {
    const mails = await (await fetch('/api/mails')).json();
    if (mails.length !== ${mails.length}) location.reload();
  } catch (e) { /* the playground stopped */ }
}, 3000);
</script>
</body></html>
`;
}

/** One Alertmanager pod's view: cluster, alerts, silences, emails sent. */
export function renderAlertmanager(view: AlertmanagerView): string {
  const alerts = view.alerts.map((a) => `<tr><td>${escapeHtml(a.labels.alertname ?? '')}</td><td>${escapeHtml(a.state)}</td>`
    + `<td>${escapeHtml(a.startsAt)}</td><td><code>${escapeHtml(Object.entries(a.labels).map(([k, v]) => `${k}=${v}`).join(' '))}</code></td></tr>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5"><title>${escapeHtml(view.name)}</title><style>${STYLE}</style></head>
<body>
<p><a href="/">&larr; playground</a></p>
<h1>Alertmanager ${escapeHtml(view.name)}</h1>
<p class="notes">Read from the pod's API (<a href="${escapeHtml(view.apiUrl)}status">${escapeHtml(view.apiUrl)}</a>): the pinned build carries no web UI.</p>
<p>mesh: <b>${escapeHtml(view.clusterStatus)}</b>, ${view.peers.length} peers (${escapeHtml(view.peers.join(', '))}) &nbsp; silences: ${view.silences} &nbsp; emails sent by this peer: <b>${view.emailsSent}</b></p>
<h2>Alerts (${view.alerts.length})</h2>
<table><tr><th>alertname</th><th>state</th><th>since</th><th>labels</th></tr>
${alerts}
</table>
</body></html>
`;
}

/** The mail list as JSON (for the page's refresh and for scripts). */
export function mailSummaries(mails: readonly PageMail[]): Array<{ id: number; subject: string; receivedAt: string; status?: string }> {
  return mails.map((m, id) => ({ id, subject: m.subject, receivedAt: new Date(m.receivedAt).toISOString(), status: mailStatus(m.subject) }));
}

/** A running page server. */
export class MailPage {
  private constructor(private readonly server: http.Server, public readonly url: string) {}

  /** Listen on `host:port` (port 0: any free port). */
  public static async start(model: PageModel, host: string, port: number): Promise<MailPage> {
    const server = http.createServer((req, res) => {
      route(model, req.url ?? '/', res).catch((err: Error) => send(res, 502, 'text/plain', `${err.message}\n`));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE'
        ? new Error(`mail page: ${host}:${port} is in use (another playground?); choose another with --port N, or --port 0 for any`)
        : err));
      server.listen(port, host, () => resolve());
    });
    const address = server.address() as AddressInfo;
    return new MailPage(server, `http://${host}:${address.port}/`);
  }

  public close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

async function route(model: PageModel, url: string, res: http.ServerResponse): Promise<void> {
  const path = url.split('?')[0];
  const alertmanager = /^\/alertmanager\/([^/]+)$/.exec(path);
  if (alertmanager && model.alertmanagers.includes(decodeURIComponent(alertmanager[1]))) {
    return send(res, 200, 'text/html', renderAlertmanager(await model.alertmanagerView(decodeURIComponent(alertmanager[1]))));
  }
  const mails = model.mails();
  const part = /^\/mail\/(\d+)\.(html|txt)$/.exec(path);
  if (path === '/') return send(res, 200, 'text/html', renderPage(model));
  if (path === MERMAID_PATH) {
    res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'max-age=3600' });
    return void res.end(mermaidBundle());
  }
  if (path === '/api/mails') return send(res, 200, 'application/json', JSON.stringify(mailSummaries(mails)));
  if (part && mails[Number(part[1])]) {
    const mail = mails[Number(part[1])];
    const body = part[2] === 'html' ? mail.html : mail.text;
    if (body !== undefined) return send(res, 200, part[2] === 'html' ? 'text/html' : 'text/plain', body);
  }
  send(res, 404, 'text/plain', `not found: ${path}\n`);
}

let bundle: Buffer | undefined;
/** mermaid's self-contained browser build (global `mermaid`), read once. */
function mermaidBundle(): Buffer {
  bundle ??= fs.readFileSync(require.resolve('mermaid/dist/mermaid.min.js'));
  return bundle;
}

/** Always UTF-8, declared: the emails' Chinese (or any non-ASCII) text stays intact. */
function send(res: http.ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' });
  res.end(body, 'utf8');
}
