// Owns mail as the engine sees it: the `Mailer` port (an SMTP transport or a development outbox is plugged in
// from outside core, server/mail.ts), what the engine needs besides it (where links point, where background
// failures are reported), and the text of each message. Links carry the token in the fragment, so it never
// reaches a server log or a Referer.
import { GatehouseError } from './errors.js';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Sends one message; rejects when it could not be handed to the mail server (never resolves half-sent). */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

export interface MailDeps {
  /** null: mail is not configured, and the mail-sending operations throw `not_configured` (501). */
  mailer: Mailer | null;
  /** The origin (and path prefix) links point at, e.g. `https://auth.example.com`; read when a link is made. */
  linkBase: () => string;
  /** A mail sent in the background (password reset) failed: for the operator's log. */
  onError: (error: unknown) => void;
}

export function requireMailer(mail: MailDeps): Mailer {
  if (!mail.mailer) throw new GatehouseError('not_configured', 'Mail is not configured on this server (GATEHOUSE_SMTP_URL).');
  return mail.mailer;
}

/** An SMTP failure is the mail server's outage, not the client's fault: 503, nothing left behind. */
export function mailUnavailable(cause: unknown): GatehouseError {
  return new GatehouseError('unavailable', 'The mail server is unavailable; try again shortly.', { cause, retryAfterSeconds: 30 });
}

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

function message(to: string, subject: string, lines: string[], link?: string): MailMessage {
  const text = [...lines, ...(link ? ['', link] : [])].join('\n');
  const paragraphs = lines.map((line) => `<p>${escapeHtml(line)}</p>`);
  const anchor = link ? [`<p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p>`] : [];
  return { to, subject, text: `${text}\n`, html: [...paragraphs, ...anchor].join('\n') };
}

export function link(mail: MailDeps, page: 'verify-email' | 'reset-password' | 'confirm-email', token: string): string {
  return `${mail.linkBase().replace(/\/+$/, '')}/${page}#token=${token}`;
}

export const messages = {
  verify: (to: string, url: string, hours: number) =>
    message(to, 'Confirm your email address', [
      'Follow this link to confirm your email address.',
      `It works once, for ${hours} hours. If you did not ask for it, ignore this message.`,
    ], url),
  reset: (to: string, url: string, minutes: number) =>
    message(to, 'Reset your password', [
      'Follow this link to choose a new password; every device signed in to your account will be signed out.',
      `It works once, for ${minutes} minutes. If you did not ask for it, ignore this message: your password stays as it is.`,
    ], url),
  changeLink: (to: string, url: string, hours: number) =>
    message(to, 'Confirm your new email address', [
      'Follow this link to make this the email address of your account.',
      `It works once, for ${hours} hours. If you did not ask for it, ignore this message.`,
    ], url),
  changeNotice: (to: string, newAddress: string) =>
    message(to, 'Your email address is being changed', [
      `Someone signed in to your account asked to change its email address to ${newAddress}.`,
      'If it was not you, change your password now: the change happens only once the new address confirms it.',
    ]),
};
