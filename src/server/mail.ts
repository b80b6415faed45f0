// Owns the server's mail transports behind core's `Mailer`: SMTP through nodemailer (GATEHOUSE_SMTP_URL,
// smtp:// or smtps://, with bounded timeouts so an outage fails a request rather than hanging it), and the
// development outbox used without SMTP outside production (each message a log line with its link and an .eml
// file in <data dir>/outbox/). In production without SMTP there is no mailer: the mail endpoints answer 501.
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Transporter } from 'nodemailer';
import type * as Nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import type { Mailer } from '../core/mail.js';
import { redactUrlPassword } from '../core/option-table.js';
import type { ServerConfig } from './config.js';

const CONNECT_TIMEOUT_MS = 5000;
const SOCKET_TIMEOUT_MS = 15_000;

type CreateTransport = typeof Nodemailer.createTransport;
let nodemailerModule: Promise<CreateTransport> | undefined;

/** nodemailer, loaded at the first message: a server that sends none (or `gatehouse/server` merely imported) never loads it. */
function loadNodemailer(): Promise<CreateTransport> {
  nodemailerModule ??= import('nodemailer').then((module) => module.createTransport);
  return nodemailerModule;
}

export function createSmtpMailer(url: string, from: string): Mailer {
  const parsed = new URL(url);
  const secure = parsed.protocol === 'smtps:';
  let transport: Transporter | undefined;
  const options = {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port ? Number(parsed.port) : secure ? 465 : 587,
    secure,
    ...(parsed.username ? { auth: { user: decodeURIComponent(parsed.username), pass: decodeURIComponent(parsed.password) } } : {}),
    connectionTimeout: CONNECT_TIMEOUT_MS,
    greetingTimeout: CONNECT_TIMEOUT_MS,
    socketTimeout: SOCKET_TIMEOUT_MS,
  };
  const where = redactUrlPassword(url);
  return {
    async send(message) {
      try {
        transport ??= (await loadNodemailer())(options);
        await transport.sendMail({ from, ...message });
      } catch (error) {
        // Nodemailer's errors name the server's reply, never the password; the URL is shown redacted.
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(`SMTP at ${where}: ${reason}`, { cause: error });
      }
    },
  };
}

/** Development only: the message goes to the log (its link included) and to `<dir>/<time>-<random>.eml`. */
export function createOutboxMailer(dir: string, from: string, log: Logger): Mailer {
  let composer: Transporter | undefined;
  return {
    async send(message) {
      composer ??= (await loadNodemailer())({ streamTransport: true, buffer: true, newline: 'unix' });
      const info = await composer.sendMail({ from, ...message });
      const raw = info.message as unknown;
      await mkdir(dir, { recursive: true });
      const file = join(dir, `${Date.now()}-${randomBytes(4).toString('hex')}.eml`);
      await writeFile(file, Buffer.isBuffer(raw) ? raw : String(raw), { mode: 0o600 });
      const link = /https?:\/\/\S+#token=\S+/.exec(message.text)?.[0] ?? null;
      log.info({ mail: { to: message.to, subject: message.subject, link, file } }, 'mail written to the development outbox');
    },
  };
}

/** The mailer the server's configuration calls for, and the start-up warning when there is none. */
export function serverMailer(config: Readonly<ServerConfig>, log: Logger): { mailer: Mailer | null; warning: string | null } {
  if (config.smtpUrl !== null) return { mailer: createSmtpMailer(config.smtpUrl, config.mailFrom), warning: null };
  if (!config.production) {
    return { mailer: createOutboxMailer(join(config.dataDir, 'outbox'), config.mailFrom, log), warning: null };
  }
  return {
    mailer: null,
    warning: 'GATEHOUSE_SMTP_URL is not set: email verification, password reset and email change answer 501 not_configured',
  };
}
