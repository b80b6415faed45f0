// Test helpers for mail: a real SMTP server (the smtp-server package) on a free loopback port that parses each
// message with mailparser, and reading the one-time token out of a mailed link's fragment.
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort, until } from './kit.js';

export interface ReceivedMail {
  to: string;
  from: string;
  subject: string;
  text: string;
}

export interface MailCatcher {
  url: string;
  inbox: ReceivedMail[];
  /** The next mail to `to` not taken yet (waits for it). */
  next(to: string, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

export async function startMailCatcher(): Promise<MailCatcher> {
  const inbox: ReceivedMail[] = [];
  const taken = new Set<ReceivedMail>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then((parsed) => {
        const to = Array.isArray(parsed.to) ? parsed.to.map((a) => a.text).join(', ') : (parsed.to?.text ?? '');
        inbox.push({ to, from: parsed.from?.text ?? '', subject: parsed.subject ?? '', text: parsed.text ?? '' });
        callback();
      }, (error: Error) => callback(error));
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `smtp://127.0.0.1:${port}`,
    inbox,
    async next(to, timeoutMs = 5000) {
      const mail = await until(`a mail to ${to}`, () => inbox.find((m) => m.to.includes(to) && !taken.has(m)), { timeoutMs });
      taken.add(mail);
      return mail;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The token in a mailed link: `…/page#token=…`, and the link's page. */
export function linkToken(mail: ReceivedMail): { page: string; token: string; url: string } {
  const match = /(https?:\/\/\S+)\/([a-z-]+)#token=([A-Za-z0-9_.-]+)/.exec(mail.text);
  if (!match) throw new Error(`no link in: ${mail.text}`);
  return { url: `${match[1]}/${match[2]}#token=${match[3]}`, page: match[2] ?? '', token: match[3] ?? '' };
}
