/**
 * A real SMTP server on loopback (smtp-server) that keeps every mail it receives, parsed by mailparser.
 * It advertises neither AUTH nor STARTTLS: Alertmanager then sends without authenticating (Go refuses
 * PLAIN auth on an unencrypted connection to a non-localhost host) and, with smtp_require_tls: false,
 * without TLS.
 */
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { sleep } from './http';
import { registerResource } from './lifecycle';

/** The SMTP port a mail relay usually listens on; each sink has its own address, so it is free. */
export const SMTP_PORT = 25;

/** How long close() waits for SMTP sessions still open. */
const SINK_CLOSE_TIMEOUT_MS = 1_000;

/** One received email. */
export interface ReceivedMail {
  readonly receivedAt: number;
  readonly subject: string;
  /** The readable body: the text part, or the HTML part without tags (Alertmanager's default email is HTML only). */
  readonly body: string;
  /** The Subject header as it was on the wire (MIME encoded-words for non-ASCII text). */
  readonly rawSubject: string;
  readonly from: string;
  readonly to: string[];
  /** Envelope recipients (RCPT TO). */
  readonly recipients: string[];
  /** The HTML part as sent (decoded to a string from its charset), if any. */
  readonly html?: string;
  /** The text part as sent, if any. */
  readonly text?: string;
}

/** A running SMTP sink. */
export class SmtpSink {
  public readonly mails: ReceivedMail[] = [];
  private readonly events: string[] = [];
  private readonly server: SMTPServer;

  private constructor(
    public readonly address: string,
    public readonly port: number,
  ) {
    this.server = new SMTPServer({
      disabledCommands: ['AUTH', 'STARTTLS'],
      authOptional: true,
      logger: false,
      // Do not wait the default 30 s for open connections when the test closes the sink.
      closeTimeout: SINK_CLOSE_TIMEOUT_MS,
      onConnect: (session, callback) => {
        this.events.push(`${new Date().toISOString()} connect from ${session.remoteAddress}`);
        callback();
      },
      onData: (stream, session, callback) => {
        simpleParser(stream)
          .then((parsed) => {
            const mail: ReceivedMail = {
              receivedAt: Date.now(),
              subject: parsed.subject ?? '',
              body: parsed.text || htmlToText(typeof parsed.html === 'string' ? parsed.html : ''),
              rawSubject: parsed.headerLines.find((h) => h.key === 'subject')?.line ?? '',
              from: parsed.from?.text ?? '',
              to: addressList(parsed.to),
              recipients: session.envelope.rcptTo.map((r) => r.address),
              html: typeof parsed.html === 'string' ? parsed.html : undefined,
              text: parsed.text || undefined,
            };
            this.mails.push(mail);
            this.events.push(`${new Date(mail.receivedAt).toISOString()} mail to ${mail.recipients.join(',')}: ${mail.subject}`);
            callback();
          })
          .catch((err: Error) => callback(err));
      },
    });
  }

  /** Start listening on `address:port` (default port 25). */
  public static async start(address: string, port = SMTP_PORT): Promise<SmtpSink> {
    const sink = new SmtpSink(address, port);
    await new Promise<void>((resolve, reject) => {
      sink.server.once('error', reject);
      sink.server.listen(port, address, () => resolve());
    });
    registerResource(`smtp-sink ${address}:${port}`, { close: () => sink.close(), logs: () => sink.events.join('\n') });
    return sink;
  }

  /** Mails whose subject matches `pattern`. */
  public matching(pattern: RegExp): ReceivedMail[] {
    return this.mails.filter((m) => pattern.test(m.subject));
  }

  /**
   * Wait until at least one mail whose subject matches `pattern` has arrived, then keep listening for
   * `settleMs` more (a duplicate from another Alertmanager would arrive in that time) and return all matches.
   */
  public async waitForMails(pattern: RegExp, timeoutMs: number, settleMs: number): Promise<ReceivedMail[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.matching(pattern).length === 0) {
      if (Date.now() > deadline) {
        const seen = this.mails.map((m) => `  ${m.subject}`).join('\n') || '  (none)';
        throw new Error(`no mail with a subject matching ${pattern} within ${timeoutMs} ms; mails received:\n${seen}`);
      }
      await sleep(100);
    }
    await sleep(settleMs);
    return this.matching(pattern);
  }

  public close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Tags dropped, entities of the default template decoded, white space folded: enough to search for names. */
function htmlToText(html: string): string {
  return html
    .replace(/<style[\s\S]*?<\/style>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#34;|&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

type AddressField = { value: Array<{ address?: string }> } | Array<{ value: Array<{ address?: string }> }> | undefined;

function addressList(field: AddressField): string[] {
  const objects = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return objects.flatMap((o) => o.value.map((v) => v.address ?? '')).filter((a) => a !== '');
}
