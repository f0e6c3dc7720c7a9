import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { parseArgs } from '../../scripts/playground/index';
import { escapeHtml, mailStatus, mailSummaries, PageModel, renderAlertmanager, renderPage } from '../../scripts/playground/mail-page';
import { copyRulesWithShortFor, describeShortening, shortenRuleFor } from '../../scripts/playground/rules';
import { statusLines, StatusWriter } from '../../scripts/playground/status';
import { temporaryDirectories } from '../support/temp';

const tempDir = temporaryDirectories();

const RULES = {
  groups: [{
    name: 'cpu',
    rules: [
      { alert: 'Slow', expr: 'up == 0', for: '5m' },
      { alert: 'Quick', expr: 'up == 0', for: '10s' },
      { alert: 'Immediate', expr: 'up == 0' },
      { record: 'job:up:sum', expr: 'sum by (job) (up)' },
    ],
  }],
};

function model(overrides: Partial<PageModel> = {}): PageModel {
  return {
    mails: () => [],
    links: [{ label: 'vmalert vmalert-abc', url: 'http://127.42.1.8:8880/vmalert/' }],
    pods: [{ name: 'am-0', role: 'Alertmanager peer (StatefulSet)', listens: '127.42.1.5:9093' }],
    notes: ['shorter timings'],
    alertmanagers: ['am-0'],
    alertmanagerView: async () => { throw new Error('not used'); },
    ...overrides,
  };
}

describe('playground rules', () => {
  test('only a for: above the playground\'s is shortened, and each change is reported', () => {
    // WHEN
    const { doc, changes } = shortenRuleFor(RULES, '15s', 'cpu.yml');
    // THEN
    const rules = (doc as typeof RULES).groups[0].rules;
    expect(rules.map((r) => r.for)).toEqual(['15s', '10s', undefined, undefined]);
    expect(changes.map(describeShortening)).toEqual(['cpu.yml: Slow for: 5m -> 15s']);
    // AND the input is left as it was
    expect(RULES.groups[0].rules[0].for).toBe('5m');
  });

  test('a directory is copied with the shortened files rewritten and other files as they were', () => {
    // GIVEN
    const source = tempDir('pg-rules-');
    const target = path.join(tempDir('pg-out-'), 'rules');
    fs.writeFileSync(path.join(source, 'cpu.yml'), yaml.dump(RULES));
    fs.writeFileSync(path.join(source, 'quick.yaml'), '# kept as written\ngroups: []\n');
    fs.writeFileSync(path.join(source, 'README.md'), 'not a rule file');
    // WHEN
    const changes = copyRulesWithShortFor(source, target, '15s');
    // THEN
    expect(fs.readdirSync(target).sort()).toEqual(['cpu.yml', 'quick.yaml']);
    expect((yaml.load(fs.readFileSync(path.join(target, 'cpu.yml'), 'utf8')) as typeof RULES).groups[0].rules[0].for).toBe('15s');
    expect(fs.readFileSync(path.join(target, 'quick.yaml'), 'utf8')).toBe('# kept as written\ngroups: []\n');
    expect(changes).toHaveLength(1);
  });

  test('a missing rules directory is an error naming the option', () => {
    expect(() => copyRulesWithShortFor('/nonexistent/rules', os.tmpdir(), '15s')).toThrow(/--rules \/nonexistent\/rules: not a directory/);
  });
});

describe('playground command line', () => {
  test('--rules and --port are read; bad values name the option', () => {
    expect(parseArgs(['--rules', 'my-rules', '--port', '0'])).toEqual({ rules: path.resolve('my-rules'), port: 0 });
    expect(parseArgs([]).port).toBe(8025);
    expect(() => parseArgs(['--port', 'x'])).toThrow(/--port x: give a port number/);
    expect(() => parseArgs(['--rules'])).toThrow(/--rules needs a value/);
    expect(() => parseArgs(['--verbose'])).toThrow(/unknown argument --verbose/);
  });
});

describe('playground mail page', () => {
  const firing = {
    receivedAt: Date.UTC(2026, 0, 2, 3, 4, 5), subject: '[FIRING:1] VictoriaMetricsHighCPU vmstorage', from: 'am@x.test', to: ['you@x.test'],
    html: '<p>CPU 使用率过高</p>', text: 'CPU 使用率过高 <b>',
  };

  test('the status of an email comes from Alertmanager\'s subject', () => {
    expect(mailStatus('[FIRING:2] X')).toBe('FIRING');
    expect(mailStatus('[RESOLVED] X')).toBe('RESOLVED');
    expect(mailStatus('Hello')).toBeUndefined();
    expect(mailSummaries([firing])).toEqual([{ id: 0, subject: firing.subject, receivedAt: '2026-01-02T03:04:05.000Z', status: 'FIRING' }]);
  });

  test('the page lists each email with time and status, frames its HTML, escapes its text, and links the UIs', () => {
    // WHEN
    const html = renderPage(model({ mails: () => [firing] }));
    // THEN
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain('2026-01-02 03:04:05 UTC');
    expect(html).toContain('<span class="FIRING">FIRING</span>');
    expect(html).toContain('<iframe title="HTML of email 0" sandbox src="/mail/0.html">');
    expect(html).toContain('<pre>CPU 使用率过高 &lt;b&gt;</pre>');
    expect(html).toContain('href="http://127.42.1.8:8880/vmalert/"');
    expect(html).toContain('href="/alertmanager/am-0"');
    expect(html).toContain('<td>am-0</td><td>Alertmanager peer (StatefulSet)</td>');
  });

  test('an empty page says when the first email comes', () => {
    expect(renderPage(model())).toMatch(/None yet/);
  });

  test('an Alertmanager view shows its mesh, alerts and emails sent', () => {
    const html = renderAlertmanager({
      name: 'am-0', apiUrl: 'http://127.42.1.5:9093/api/v2/', clusterStatus: 'ready', peers: ['A', 'B', 'C'],
      alerts: [{ labels: { alertname: 'Watchdog', severity: 'none' }, state: 'active', startsAt: '2026-01-02T03:04:05Z' }],
      silences: 0, emailsSent: 2,
    });
    expect(html).toContain('mesh: <b>ready</b>, 3 peers (A, B, C)');
    expect(html).toContain('<td>Watchdog</td><td>active</td>');
    expect(html).toContain('emails sent by this peer: <b>2</b>');
  });

  test('escapeHtml escapes markup and quotes', () => {
    expect(escapeHtml('<a href="x">\'&')).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;');
  });
});

describe('playground status', () => {
  const snapshot = { podsUp: 7, podsTotal: 7, pending: ['B', 'A', 'A'], firing: [], emails: 1, lastSubject: '[FIRING:1] X' };

  test('lines name pods, pending and firing alerts and emails', () => {
    expect(statusLines(snapshot)).toEqual([
      'pods up: 7/7', 'alerts pending: 3: A, B', 'alerts firing: 0', 'emails received: 1 (last: [FIRING:1] X)',
    ]);
  });

  function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; written: string[] } {
    const written: string[] = [];
    const stream = { isTTY, columns: 80, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
    return { stream, written };
  }

  test('on a terminal the status is redrawn in place', () => {
    const { stream, written } = fakeStream(true);
    const writer = new StatusWriter(stream);
    writer.write(snapshot);
    writer.write({ ...snapshot, emails: 2 });
    expect(written[0].startsWith('\x1b[2K')).toBe(true);
    expect(written[1].startsWith('\x1b[4A\x1b[2Kpods up: 7/7\n')).toBe(true);
  });

  test('elsewhere one plain line is printed per change', () => {
    const { stream, written } = fakeStream(false);
    const writer = new StatusWriter(stream);
    writer.write(snapshot);
    writer.write(snapshot);
    writer.write({ ...snapshot, emails: 2 });
    expect(written).toHaveLength(2);
    expect(written[0]).toBe('status: pods up: 7/7 | alerts pending: 3: A, B | alerts firing: 0 | emails received: 1 (last: [FIRING:1] X)\n');
    expect(written.join('')).not.toContain('\x1b');
  });
});
