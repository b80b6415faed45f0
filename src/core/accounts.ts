// Owns accounts: registration (email and password rules, hashing), the password check behind login and
// password change (rate-limited per address — per network for IPv6 — and per account, same work for unknown
// emails), re-hashing at login a hash made with older parameters, and the public view of a user.
import { randomUUID } from 'node:crypto';
import { auditClient as client, type AuditTrail } from './audit-trail.js';
import { addressSubject } from './client-address.js';
import type { GatehouseConfig } from './config.js';
import type { RandomBytes } from './credentials.js';
import { canonicalEmail } from './email.js';
import { GatehouseError } from './errors.js';
import { normalizePassword, passwordProblem, type PasswordHasher } from './password.js';
import { clearAttempts, consumeAttempt, type RateLimitRule } from './rate-limit.js';
import type { SessionContext } from './sessions.js';
import type { Store, UserRecord } from './store.js';

/** What a user looks like to clients: nothing secret. */
export interface PublicUser {
  id: string;
  email: string;
  roles: string[];
  emailVerified: boolean;
  createdAt: string;
}

export function publicUser(user: UserRecord): PublicUser {
  return { id: user.id, email: user.email, roles: [...user.roles], emailVerified: user.emailVerified, createdAt: new Date(user.createdAt).toISOString() };
}

export interface Accounts {
  register(input: { email: string; password: string }, context: SessionContext, now: number): Promise<UserRecord>;
  /**
   * The user whose password this is; throws `invalid_credentials` or `rate_limited`. A right password clears the
   * account's failed attempts, unless `keepFailures` (a login that may still need its second factor: the caller
   * clears them once the login is complete, so wrong codes count against the same limit).
   */
  checkPassword(input: { email: string; password: string }, context: SessionContext, now: number, options?: { keepFailures?: boolean }): Promise<UserRecord>;
  /** Counts one attempt against the account's failed-login limit (a second-factor code); throws `rate_limited` past it. */
  countAttempt(email: string, context: SessionContext, now: number): Promise<void>;
  /** Clears the account's failed attempts (a login completed). */
  clearFailures(email: string): Promise<void>;
  /** Verifies the current password, then stores the new one. */
  changePassword(user: UserRecord, current: string, next: string, context: SessionContext, now: number): Promise<void>;
  requireEmail(email: string): string;
  /** The password, normalized, if the policy accepts it for this user; throws `invalid_request` otherwise. */
  acceptablePassword(user: UserRecord, password: string): Promise<string>;
  /** Stores a password `acceptablePassword` returned (a reset: no current password to check). */
  setPassword(user: UserRecord, password: string, now: number): Promise<void>;
}

export async function createAccounts(deps: {
  store: Store;
  config: Readonly<GatehouseConfig>;
  hasher: PasswordHasher;
  random: RandomBytes;
  audit: AuditTrail;
}): Promise<Accounts> {
  const { store, config, hasher, audit } = deps;
  const windowMs = config.rateLimitWindowSeconds * 1000;
  const ipRule: RateLimitRule = { name: 'auth-ip', limit: config.loginIpLimit, windowMs };
  const addressOf = (context: SessionContext) => addressSubject(context.ip, config.rateLimitIpv6Prefix);
  const accountRule: RateLimitRule = { name: 'login-account', limit: config.loginAccountLimit, windowMs };
  // Unknown emails are checked against this hash, so they cost what a real account costs.
  const dummyHash = await hasher.hash(Buffer.from(deps.random(32)).toString('base64url'));

  function requireEmail(email: string): string {
    const canonical = canonicalEmail(email);
    if (canonical === null) throw new GatehouseError('invalid_request', 'email is not a valid address.');
    return canonical;
  }

  /** The one password policy (password.ts), for the account with this (canonical) email. */
  async function requireAcceptable(password: string, email: string): Promise<string> {
    const normalized = normalizePassword(password);
    const problem = await passwordProblem(normalized, { minLength: config.passwordMinLength, email });
    if (problem) throw new GatehouseError('invalid_request', problem);
    return normalized;
  }

  /**
   * After a login verified `password` against a hash made with older parameters: stores a hash with the current
   * ones, only if the stored hash is still the one verified (a password changed meanwhile stays). A failure is
   * audited and never fails the login.
   */
  async function upgradeHash(user: UserRecord, password: string, context: SessionContext, now: number): Promise<UserRecord> {
    try {
      if (!(await hasher.needsRehash?.(user.passwordHash))) return user;
      const passwordHash = await hasher.hash(password);
      if (await store.users.replacePasswordHash(user.id, user.passwordHash, passwordHash, now)) return { ...user, passwordHash, updatedAt: now };
    } catch {
      await audit.recordAfter({ type: 'password.rehash_failed', userId: user.id, ...client(context) }, now);
    }
    return user;
  }

  async function limited(context: SessionContext, email: string, now: number): Promise<void> {
    await audited(context, now, async () => {
      await consumeAttempt(store.rateLimits, ipRule, addressOf(context), now);
      await consumeAttempt(store.rateLimits, accountRule, email, now);
    });
  }

  const limitedAccount = (context: SessionContext, email: string, now: number) =>
    audited(context, now, () => consumeAttempt(store.rateLimits, accountRule, email, now));

  async function audited(context: SessionContext, now: number, count: () => Promise<void>): Promise<void> {
    try {
      await count();
    } catch (error) {
      // A refusal is audited; a store that is down is not a rate limit (it answers 503 as it is).
      if (error instanceof GatehouseError && error.code === 'rate_limited') {
        await audit.recordOrFail({ type: 'login.failed', reason: 'rate_limited', userId: null, ...client(context) }, now);
      }
      throw error;
    }
  }

  return {
    requireEmail,

    acceptablePassword: (user, password) => requireAcceptable(password, user.email),

    async setPassword(user, password, now) {
      await store.users.updatePassword(user.id, await hasher.hash(password), now);
      await clearAttempts(store.rateLimits, accountRule, user.email);
    },

    async register(input, context, now) {
      const email = requireEmail(input.email);
      // Rate-limited before the strength estimate: it is synchronous CPU work, like the hash after it.
      await consumeAttempt(store.rateLimits, ipRule, addressOf(context), now);
      const password = await requireAcceptable(input.password, email);
      const user: UserRecord = {
        id: randomUUID(),
        email,
        passwordHash: await hasher.hash(password),
        roles: [],
        emailVerified: false,
        disabledAt: null,
        createdAt: now,
        updatedAt: now,
      };
      const created = await store.users.create(user);
      if (!created) {
        // The owner of the address sees someone tried (GET /auth/audit); the trail is told, not the caller.
        const owner = await store.users.findByEmail(email);
        if (owner) await audit.recordAfter({ type: 'register.refused', reason: 'email_taken', userId: owner.id, ...client(context) }, now);
        throw new GatehouseError('email_taken', 'An account with this email already exists.');
      }
      await audit.recordAfter({ type: 'user.registered', userId: created.id, ...client(context) }, now);
      return created;
    },

    countAttempt: (email, context, now) => limitedAccount(context, email, now),

    clearFailures: (email) => clearAttempts(store.rateLimits, accountRule, email),

    async checkPassword(input, context, now, options = {}) {
      const email = requireEmail(input.email);
      await limited(context, email, now);
      const user = await store.users.findByEmail(email);
      const password = normalizePassword(input.password);
      const valid = await hasher.verify(user?.passwordHash ?? dummyHash, password);
      if (!user || !valid) {
        await audit.recordOrFail({ type: 'login.failed', reason: 'invalid_credentials', userId: user?.id ?? null, ...client(context) }, now);
        throw new GatehouseError('invalid_credentials', 'Email or password is incorrect.');
      }
      if (user.disabledAt !== null) {
        // Only after the password, and the same answer as a wrong one: nobody learns that the account is disabled.
        await audit.recordOrFail({ type: 'login.failed', reason: 'account_disabled', userId: user.id, ...client(context) }, now);
        throw new GatehouseError('invalid_credentials', 'Email or password is incorrect.');
      }
      if (!options.keepFailures) await clearAttempts(store.rateLimits, accountRule, email);
      return upgradeHash(user, password, context, now);
    },

    async changePassword(user, current, next, context, now) {
      await limited(context, user.email, now);
      if (!(await hasher.verify(user.passwordHash, normalizePassword(current)))) {
        await audit.recordOrFail({ type: 'login.failed', reason: 'invalid_credentials', userId: user.id, ...client(context) }, now);
        throw new GatehouseError('invalid_credentials', 'The current password is incorrect.');
      }
      await clearAttempts(store.rateLimits, accountRule, user.email);
      // Checked once the current password is: retrying weak ones never locks the account's logins.
      const password = await requireAcceptable(next, user.email);
      await store.users.updatePassword(user.id, await hasher.hash(password), now);
    },
  };
}
