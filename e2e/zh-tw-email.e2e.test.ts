/**
 * Chinese alert texts reach the mailbox intact: the CPU rule of examples/files/rules.zh-TW.yml fires in the real
 * vmalert replicas, the meshed Alertmanagers render the example's Chinese email template, and the mail, parsed
 * with mailparser (MIME encoded-words, transfer encoding and charset undone), carries the rendered text exactly.
 */
import { useE2eLifecycle } from '../testkit/lifecycle';
import { vmalertAlerts } from '../testkit/probes';
import { DUPLICATE_WINDOW_MS, EMAIL_TIMEOUT_MS, IDLE_CPU_RATE, INCIDENT_CPU_RATE, startChartStack, subjects } from '../testkit/scenario';
import { MAIL_TO } from '../testkit/test-chart';
import { waitFor } from '../testkit/http';

useE2eLifecycle();

const SUMMARY = 'vmstorage（vmstorage-0:8482）CPU 使用率超過 10%';
/** The description with the value as the mail shows it: the value is whatever the 30s average was at that evaluation. */
function description(value: string): string {
  return `vmstorage 在 vmstorage-0:8482 上的 CPU 使用率已連續超過一分鐘高於單一核心的 10%（目前為 ${value}%，5 分鐘平均）。請檢查該元件的負載，必要時調整叢集設定或擴充資源。`;
}
const FIRING_SUBJECT = `【告警】${SUMMARY}`;
const RESOLVED_SUBJECT = `【已恢復】${SUMMARY}`;
/** Patterns that find the mails; the assertions then compare whole strings. */
const FIRING = /^【告警】/;
const RESOLVED = /^【已恢復】/;

test('a rule with a Chinese summary and description fires; the decoded Subject and bodies carry the rendered Chinese text exactly', async () => {
  // GIVEN the test chart with the Chinese CPU rule and the Chinese email template
  const { stack } = await startChartStack({ zhTw: true });

  // WHEN vmstorage uses 50% of a core
  stack.feeder.setRate('vmstorage', INCIDENT_CPU_RATE);
  const firing = await stack.smtp.waitForMails(FIRING, EMAIL_TIMEOUT_MS, 0);

  // THEN vmalert rendered the Chinese summary
  const rendered = await waitFor('vmalert to fire', async () => {
    const alerts = (await vmalertAlerts(stack.vmalerts[0].url)).filter((a) => a.state === 'firing');
    return alerts.length > 0 ? alerts : undefined;
  }, { timeoutMs: 15_000 });
  expect(rendered.map((a) => a.annotations.summary)).toEqual([SUMMARY]);
  // AND the decoded Subject is the template's prefix and that summary, character for character
  const [mail] = firing;
  const text = mail.text ?? '';
  const html = mail.html ?? '';
  expect(mail.subject).toBe(FIRING_SUBJECT);
  expect(mail.recipients).toEqual([MAIL_TO]);
  // AND on the wire the Subject was MIME-encoded (plain ASCII), so the decoding is what made it Chinese again
  expect(mail.rawSubject).toMatch(/^Subject: =\?UTF-8\?/i);
  expect(mail.rawSubject).not.toContain('告警');
  // AND the text body holds the rendered summary and description, whose value is the 30s average above 10%
  const value = /目前為 (\d+\.\d)%/.exec(text)?.[1];
  expect(Number(value)).toBeGreaterThan(10);
  expect(text).toContain(`摘要：${SUMMARY}\n`);
  expect(text).toContain(`說明：${description(value!)}\n`);
  expect(text).toContain('狀態：告警中\n告警：VictoriaMetricsHighCPU（嚴重度：warning）\n');
  // AND the HTML body holds the same strings
  expect(html).toContain(`<h2>${SUMMARY}</h2>`);
  expect(html).toContain(`<p>${description(value!)}</p>`);
  expect(html).toContain(`<title>${FIRING_SUBJECT}</title>`);

  // WHEN vmstorage goes back to 1%
  stack.feeder.setRate('vmstorage', IDLE_CPU_RATE);
  await stack.smtp.waitForMails(RESOLVED, EMAIL_TIMEOUT_MS, DUPLICATE_WINDOW_MS);

  // THEN one resolved mail with the Chinese subject followed the firing one, and nothing else
  expect(subjects(stack.smtp.mails)).toEqual([FIRING_SUBJECT, RESOLVED_SUBJECT]);
  expect(stack.smtp.mails[1].text ?? '').toContain('狀態：已恢復\n');
  // Reported so the run log shows what arrived.
  process.stdout.write(`decoded subject: ${mail.subject}\nraw subject: ${mail.rawSubject}\ntext body:\n${text}\n`);
});
