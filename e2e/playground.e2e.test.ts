/**
 * `npm run playground` as a user runs it, checked in a real browser: the playground (with a rules directory
 * whose CPU alert speaks Chinese) starts, the CPU alert fires by itself and its email arrives; headless
 * Chromium (Debian's, driven by playwright-core; scripts/tools/ensure-chromium.sh installs it) shows the email in the
 * list and renders it; Ctrl-C (SIGINT) leaves no process, no bound port and no temporary directory, and a
 * second start on the same port works at once; the page draws the stack's diagram with no network. The full-page
 * screenshot is docs/playground.png, the picture of docs/playground.md.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Browser, chromium } from 'playwright-core';
import { getJson, waitFor } from '../testkit/http';
import { registerResource, useE2eLifecycle } from '../testkit/lifecycle';
import { boundSockets } from '../testkit/loopback';

useE2eLifecycle();

const ROOT = path.resolve(__dirname, '..');
const CHROMIUM = '/usr/bin/chromium';
/** The picture of docs/playground.md; rewritten only when UPDATE_DOCS=1, so a test run leaves the tracked file alone. */
const SCREENSHOT = process.env.UPDATE_DOCS === '1' ? path.join(ROOT, 'docs', 'playground.png') : path.join(os.tmpdir(), 'playground-screenshot.png');
/** Until the URLs are printed: synth and start (the binaries are built by `npm run test:tools` before the e2e). */
const START_TIMEOUT_MS = 120_000;
/** The promise: an email within 3 minutes once the binaries are built. */
const FIRST_EMAIL_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 30_000;
const CHINESE_SUMMARY = 'CPU 使用率過高';

/** A rules directory of the user's: the app's CPU rule with Chinese annotations. */
function userRules(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'playground-rules-'));
  fs.writeFileSync(path.join(dir, 'cpu.yml'), `groups:
  - name: cpu
    rules:
      - alert: VictoriaMetricsHighCPU
        expr: rate(process_cpu_seconds_total{job=~"vminsert|vmselect|vmstorage|vmagent|vmalert"}[5m]) * 100 > 10
        for: 1m
        labels:
          severity: warning
        annotations:
          summary: '${CHINESE_SUMMARY}：{{ $labels.job }}'
          description: '{{ $labels.job }} 的 CPU 使用率為 {{ $value | printf "%.1f" }}%'
`);
  return dir;
}

/** A playground process and what it printed. */
interface Playground {
  readonly child: ChildProcess;
  readonly output: string[];
  readonly exited: Promise<number | null>;
}

function startPlayground(args: readonly string[]): Playground {
  const child = spawn(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--transpile-only', 'scripts/playground/index.ts', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => output.push(...chunk.split('\n').filter((l) => l !== '')));
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  registerResource('playground', {
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      await exited;
    },
    logs: () => output.join('\n'),
  });
  return { child, output, exited };
}

/** The value after `prefix` on a printed line, once printed. */
function printed(playground: Playground, prefix: string): Promise<string> {
  return waitFor(`the playground to print "${prefix}"`, async () => {
    if (playground.child.exitCode !== null) throw new Error(`the playground exited (${playground.child.exitCode}):\n${playground.output.join('\n')}`);
    const line = playground.output.find((l) => l.startsWith(prefix));
    return line?.slice(prefix.length).trim();
  }, { timeoutMs: START_TIMEOUT_MS, pollMs: 250 });
}

/** Processes whose command line mentions `text` (e.g. the playground's temporary directory). */
function processesMentioning(text: string): string[] {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((pid) => {
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      return cmdline.includes(text) ? [`${pid}: ${cmdline}`] : [];
    } catch {
      return []; // exited meanwhile
    }
  });
}

let browser: Browser | undefined;
afterAll(async () => browser?.close());

test('npm run playground: the first email shows in the browser, Chinese intact; Ctrl-C leaves nothing behind; a second start works', async () => {
  // GIVEN the user's rules directory
  const rules = userRules();
  // WHEN the playground starts with it, the mail page on any free port
  const playground = startPlayground(['--rules', rules, '--port', '0']);
  const mailUrl = await printed(playground, 'mail:');
  const workDir = await printed(playground, 'temporary directory:');
  const startedAt = Date.now();
  // THEN it tells on screen that it shortened the timings
  expect(playground.output.join('\n')).toMatch(/shorter timings than the app.*cpu\.yml: VictoriaMetricsHighCPU for: 1m -> 15s/);
  // AND one URL per vmalert replica and per Alertmanager pod (the pinned Alertmanager has no web UI: its view
  // on the mail page reads its API), on loopback, and each answers
  const urlOf = (line: string) => line.replace(/^\S+ \S+: (\S+).*$/, '$1');
  const uiLines = playground.output.filter((l) => /^(vmalert|alertmanager) \S+: http:\/\//.test(l));
  expect(uiLines.filter((l) => l.startsWith('vmalert '))).toHaveLength(2);
  expect(uiLines.filter((l) => l.startsWith('alertmanager '))).toHaveLength(3);
  for (const line of uiLines) {
    expect(new URL(urlOf(line)).hostname).toMatch(/^127\./);
    expect((await fetch(urlOf(line))).status).toBe(200);
  }
  expect(new URL(mailUrl).hostname).toBe('127.0.0.1');

  // WHEN the load makes the CPU alert fire by itself
  const mails = await waitFor('the first email', async () => {
    const list = await getJson<Array<{ subject: string; status?: string }>>(`${mailUrl}api/mails`);
    return list.length > 0 ? list : undefined;
  }, { timeoutMs: FIRST_EMAIL_TIMEOUT_MS, pollMs: 1_000 });
  process.stdout.write(`first email ${((Date.now() - startedAt) / 1000).toFixed(0)} s after the URLs were printed: ${mails[0].subject}\n`);
  expect(mails[0]).toMatchObject({ status: 'FIRING', subject: expect.stringMatching(/^\[FIRING:1\] VictoriaMetricsHighCPU vmstorage\b/) });

  // AND vmagent, with the generated scrape configs, scrapes both vmalert replicas, the three Alertmanager peers and itself
  const vmui = playground.output.find((l) => l.startsWith('victoria-metrics (vmui): '))!;
  const up = await getJson<{ data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } }>(
    `${new URL(urlOf(vmui)).origin}/api/v1/query?query=${encodeURIComponent('up == 1')}`);
  const jobs = up.data.result.map((s) => s.metric.job).sort();
  expect(jobs).toEqual(['alertmanager', 'alertmanager', 'alertmanager', 'vmagent', 'vmalert', 'vmalert']);

  // THEN headless Chromium lists it on the mail page and renders it as the recipient sees it
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1000, height: 640 } });
  const requested: string[] = [];
  page.on('request', (request) => requested.push(request.url()));
  await page.goto(mailUrl);
  const rows = page.locator('tr.mail-row');
  expect(await rows.count()).toBe(mails.length);
  expect(await rows.first().innerText()).toMatch(/FIRING\s+\[FIRING:1\] VictoriaMetricsHighCPU vmstorage/);
  const rendered = await page.frameLocator('iframe').first().locator('body').innerText();
  expect(rendered).toContain(`${CHINESE_SUMMARY}：vmstorage`);
  expect(rendered).toMatch(/vmstorage 的 CPU 使用率為 \d+\.\d%/);
  // AND it links every vmalert and Alertmanager UI, and lists the pods of the stack
  const anchors = page.locator('a');
  const links = await Promise.all(Array.from({ length: await anchors.count() }, (_, i) => anchors.nth(i).getAttribute('href')));
  for (const line of uiLines) expect(links.map((l) => new URL(l ?? '', mailUrl).href)).toContain(urlOf(line));
  expect(await page.locator('text=Alertmanager peer (StatefulSet)').count()).toBe(3);
  // AND it draws the picture of the stack from the synthesized manifests: every Alertmanager pod, notified on
  // :9093 by the vmalert replicas, with mermaid served by the page's own server and nothing from the network
  const diagram = page.locator('#stack-diagram svg');
  await diagram.waitFor({ timeout: 30_000 });
  const drawn = await diagram.textContent();
  const alertmanagerPods = uiLines.filter((l) => l.startsWith('alertmanager ')).map((l) => l.split(' ')[1].replace(/:$/, ''));
  for (const pod of alertmanagerPods) expect(drawn).toContain(pod);
  expect(drawn).toContain(':9093');
  expect(drawn).toMatch(/2 identical vmalert replicas/);
  expect(requested).toContain(new URL('/mermaid.min.js', mailUrl).href);
  expect(requested.filter((url) => !url.startsWith(mailUrl))).toEqual([]);
  fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
  // The picture for docs/playground.md: the list and the email, scrolled to its (Chinese) annotations.
  await page.frameLocator('iframe').first().locator('text=Annotations').scrollIntoViewIfNeeded();
  await page.locator('h2:has-text("Emails received")').evaluate((h: any) => h.scrollIntoView());
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  expect(fs.statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
  // AND an Alertmanager pod's view shows the alert it holds and the whole mesh
  await page.goto(new URL((await page.locator('a.alertmanager').first().getAttribute('href')) ?? '', mailUrl).href);
  const view = await page.locator('body').innerText();
  expect(view).toMatch(/mesh: ready, 3 peers/);
  expect(view).toContain('VictoriaMetricsHighCPU');
  const loopbackPrefix = new URL(urlOf(uiLines[0])).hostname.split('.').slice(0, 3).join('.') + '.';
  const mailPort = Number(new URL(mailUrl).port);

  // WHEN the user presses Ctrl-C
  playground.child.kill('SIGINT');
  const code = await waitFor('the playground to exit', async () => (playground.child.exitCode !== null ? playground.child.exitCode : undefined),
    { timeoutMs: STOP_TIMEOUT_MS, pollMs: 200 });
  // THEN it exits cleanly, no process of it is left, no port is bound, and its temporary directory is gone
  expect(code).toBe(0);
  expect(playground.output).toContain('stopped: no process left, every port free, temporary directory removed');
  expect(processesMentioning(workDir)).toEqual([]);
  expect(boundSockets().filter((s) => s.address.startsWith(loopbackPrefix) || (s.address === '127.0.0.1' && s.port === mailPort))).toEqual([]);
  expect(fs.existsSync(workDir)).toBe(false);

  // WHEN it starts again at once, on the same mail port
  const again = startPlayground(['--rules', rules, '--port', String(mailPort)]);
  // THEN it comes up and serves the (empty) page there
  expect(await printed(again, 'mail:')).toBe(mailUrl);
  expect(await getJson(`${mailUrl}api/mails`)).toEqual([]);
  again.child.kill('SIGINT');
  expect(await again.exited).toBe(0);
  fs.rmSync(rules, { recursive: true, force: true });
}, 480_000);
