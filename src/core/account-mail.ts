// Owns the mailed steps of the account lifecycle (SPEC §5): email verification, forgotten-password reset and
// email change — who may ask, the per-address and per-IP limits on mail, issuing the one-time token and
// sending its link, and redeeming it. An SMTP outage fails a request the user is waiting on (503) and takes its
// token back; a reset mail is sent in the background so the answer never depends on whether the account exists.
import { publicUser } from './accounts.js';
import { addressSubject } from './client-address.js';
import { GatehouseError } from './errors.js';
import type { Gatehouse, Principal } from './gatehouse.js';
import { link, mailUnavailable, messages, requireMailer, type MailDeps, type MailMessage } from './mail.js';
import type { OneTimeTokens } from './one-time-tokens.js';
import type { EngineParts } from './parts.js';
import { consumeAttempt, type RateLimitRule } from './rate-limit.js';
import type { SessionContext } from './sessions.js';
import { requireRecentAuth } from './step-up.js';
import type { OneTimeTokenPurpose, UserRecord } from './store.js';

export type AccountMailMembers = Pick<
  Gatehouse,
  'requestEmailVerification' | 'verifyEmail' | 'forgotPassword' | 'resetPassword' | 'requestEmailChange' | 'confirmEmailChange'
>;

/**
 * Mails a verification link to an account that must prove its address before it may log in
 * (`GATEHOUSE_REQUIRE_VERIFIED_EMAIL`): at registration, and again at each login refused for it, so neither an
 * expired link nor an SMTP outage at registration can lock the account out. Best effort, within the mail
 * limits: a failure is reported to `onError` (the log), never to the caller, whose answer does not change.
 */
export type VerificationMailer = (user: UserRecord, context: SessionContext, now: number) => Promise<void>;

export function createAccountMail(
  parts: EngineParts,
  tokens: OneTimeTokens,
  mail: MailDeps,
  logoutAll: (userId: string) => Promise<void>,
): { members: AccountMailMembers; sendVerification: VerificationMailer } {
  const { config, store, clock, audit, accounts } = parts;
  const windowMs = config.rateLimitWindowSeconds * 1000;
  const ipRule: RateLimitRule = { name: 'mail-ip', limit: config.mailIpLimit, windowMs };
  const addressRule: RateLimitRule = { name: 'mail-address', limit: config.mailAddressLimit, windowMs };
  const hours = Math.round(config.verifyTtlSeconds / 3600);
  const minutes = Math.round(config.resetTtlSeconds / 60);

  /** Counts one mail-sending request against the client's address and each recipient. */
  async function limit(context: SessionContext, addresses: string[], now: number): Promise<void> {
    await consumeAttempt(store.rateLimits, ipRule, addressSubject(context.ip, config.rateLimitIpv6Prefix), now);
    for (const address of addresses) await consumeAttempt(store.rateLimits, addressRule, address, now);
  }

  async function signedInUser(principal: Principal): Promise<UserRecord> {
    const user = await store.users.findById(principal.userId);
    if (!user) throw new GatehouseError('unauthenticated', 'Not signed in, or the session has ended.');
    return user;
  }

  /**
   * Issues a token and sends what `compose` makes of its link; if any message fails, the token is taken back
   * (the store voided the older ones: the user asked for a new link anyway) and the caller gets 503.
   */
  async function issueAndSend(
    user: UserRecord,
    purpose: OneTimeTokenPurpose,
    data: string | null,
    ttlSeconds: number,
    now: number,
    compose: (token: string) => MailMessage[],
  ): Promise<void> {
    const mailer = requireMailer(mail);
    const { token } = await tokens.issue(user.id, purpose, data, ttlSeconds, now);
    try {
      for (const message of compose(token)) await mailer.send(message);
    } catch (error) {
      await store.oneTimeTokens.deleteByUser(user.id, [purpose]);
      throw mailUnavailable(error);
    }
  }

  const sendVerification: VerificationMailer = async (user, context, now) => {
    if (!mail.mailer || user.emailVerified) return;
    try {
      await limit(context, [user.email], now);
      await issueAndSend(user, 'verify_email', user.email, config.verifyTtlSeconds, now, (token) => [
        messages.verify(user.email, link(mail, 'verify-email', token), hours),
      ]);
    } catch (error) {
      if (!(error instanceof GatehouseError && error.code === 'rate_limited')) mail.onError(error); // enough links sent
    }
  };

  const members: AccountMailMembers = {
    async requestEmailVerification(principal, context) {
      requireMailer(mail);
      const now = clock();
      const user = await signedInUser(principal);
      await limit(context, [user.email], now);
      if (user.emailVerified) return; // nothing to prove; the answer is the same
      await issueAndSend(user, 'verify_email', user.email, config.verifyTtlSeconds, now, (token) => [
        messages.verify(user.email, link(mail, 'verify-email', token), hours),
      ]);
    },

    async verifyEmail(token) {
      const now = clock();
      const record = await tokens.redeem(token, 'verify_email', now);
      const user = await store.users.findById(record.userId);
      // The link proves the address it was sent to, not whatever the account holds now.
      if (!user || user.email !== record.data) throw new GatehouseError('invalid_token', 'The link is invalid or has expired; ask for a new one.');
      if (!user.emailVerified) {
        await store.users.setEmailVerified(user.id, true, now);
        await audit.recordAfter({ type: 'email.verified', userId: user.id }, now);
      }
      return publicUser({ ...user, emailVerified: true });
    },

    async forgotPassword(email, context) {
      const mailer = requireMailer(mail);
      const now = clock();
      const address = accounts.requireEmail(email);
      await limit(context, [address], now);
      // Everything that depends on whether the account exists happens after the answer has gone out (the next
      // turn of the event loop, not this one's microtasks): same body, same time.
      setImmediate(() => void (async () => {
        const user = await store.users.findByEmail(address);
        if (!user) return;
        const { token } = await tokens.issue(user.id, 'reset_password', null, config.resetTtlSeconds, now);
        try {
          await mailer.send(messages.reset(user.email, link(mail, 'reset-password', token), minutes));
        } catch (error) {
          await store.oneTimeTokens.deleteByUser(user.id, ['reset_password']); // no valid link without its mail
          throw mailUnavailable(error);
        }
      })().catch(mail.onError));
    },

    async resetPassword(token, newPassword, context) {
      const now = clock();
      if (typeof newPassword !== 'string' || newPassword === '') throw new GatehouseError('invalid_request', 'newPassword must be a string.');
      const record = await tokens.redeem(token, 'reset_password', now);
      const user = await store.users.findById(record.userId);
      if (!user) throw new GatehouseError('invalid_token', 'The link is invalid or has expired; ask for a new one.');
      let password: string;
      try {
        password = await accounts.acceptablePassword(user, newPassword);
      } catch (error) {
        // A refused password must not cost the user their link: issue it again under the same lifetime.
        await store.oneTimeTokens.issue({ ...record });
        throw error;
      }
      await accounts.setPassword(user, password, now);
      await store.oneTimeTokens.deleteByUser(user.id); // every other link, of every purpose
      // The link reached the mailbox: that proves the address too.
      if (!user.emailVerified) await store.users.setEmailVerified(user.id, true, now);
      await logoutAll(user.id);
      await audit.recordAfter({ type: 'password.reset', userId: user.id, ip: context.ip }, now);
    },

    async requestEmailChange(principal, newEmail, currentPassword, context) {
      requireMailer(mail);
      const now = clock();
      // Step-up first (SPEC §6): a stale proof costs no hash and counts no attempt.
      requireRecentAuth(config, principal, now);
      const user = await signedInUser(principal);
      const address = accounts.requireEmail(newEmail);
      await accounts.checkPassword({ email: user.email, password: currentPassword }, context, now);
      if (address === user.email) throw new GatehouseError('invalid_request', 'newEmail is already the email of this account.');
      await limit(context, [address, user.email], now);
      // Whether the new address is taken is told only at confirmation, to whoever holds its mailbox.
      await issueAndSend(user, 'change_email', address, config.verifyTtlSeconds, now, (token) => [
        messages.changeNotice(user.email, address), // first: no change can be confirmed that its owner was not told of
        messages.changeLink(address, link(mail, 'confirm-email', token), hours),
      ]);
    },

    async confirmEmailChange(token) {
      const now = clock();
      const record = await tokens.redeem(token, 'change_email', now);
      if (record.data === null) throw new GatehouseError('invalid_token', 'The link is invalid or has expired; ask for a new one.');
      const outcome = await store.users.updateEmail(record.userId, record.data, true, now);
      if (outcome === 'missing') throw new GatehouseError('invalid_token', 'The link is invalid or has expired; ask for a new one.');
      if (outcome === 'taken') throw new GatehouseError('email_taken', 'An account with this email already exists.');
      await store.oneTimeTokens.deleteByUser(record.userId); // links sent to the old address die with it
      await audit.recordAfter({ type: 'email.changed', userId: record.userId }, now);
      const user = await store.users.findById(record.userId);
      if (!user) throw new GatehouseError('invalid_token', 'The link is invalid or has expired; ask for a new one.');
      return publicUser(user);
    },
  };
  return { members, sendVerification };
}
