// Owns accounts: registration (email and password rules, hashing), the password check behind login and
// password change (rate-limited per address — per network for IPv6 — and per account, same work for unknown
// emails), and the public view of a user.
import { randomUUID } from 'node:crypto';
import type { AuditSink } from './audit.js';
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
  createdAt: string;
}

export function publicUser(user: UserRecord): PublicUser {
  return { id: user.id, email: user.email, roles: [...user.roles], createdAt: new Date(user.createdAt).toISOString() };
}

export interface Accounts {
  register(input: { email: string; password: string }, context: SessionContext, now: number): Promise<UserRecord>;
  /** The user whose password this is; throws `invalid_credentials` or `rate_limited`. */
  checkPassword(input: { email: string; password: string }, context: SessionContext, now: number): Promise<UserRecord>;
  /** Verifies the current password, then stores the new one. */
  changePassword(user: UserRecord, current: string, next: string, context: SessionContext, now: number): Promise<void>;
  requireEmail(email: string): string;
}

export async function createAccounts(deps: {
  store: Store;
  config: Readonly<GatehouseConfig>;
  hasher: PasswordHasher;
  random: RandomBytes;
  audit: AuditSink;
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

  function requireAcceptable(password: string): string {
    const normalized = normalizePassword(password);
    const problem = passwordProblem(normalized, config.passwordMinLength);
    if (problem) throw new GatehouseError('invalid_request', `${problem}.`);
    return normalized;
  }

  async function limited(context: SessionContext, email: string, now: number): Promise<void> {
    try {
      await consumeAttempt(store.rateLimits, ipRule, addressOf(context), now);
      await consumeAttempt(store.rateLimits, accountRule, email, now);
    } catch (error) {
      audit({ type: 'login.failed', reason: 'rate_limited', userId: null, ip: context.ip });
      throw error;
    }
  }

  return {
    requireEmail,

    async register(input, context, now) {
      const email = requireEmail(input.email);
      const password = requireAcceptable(input.password);
      await consumeAttempt(store.rateLimits, ipRule, addressOf(context), now);
      const user: UserRecord = {
        id: randomUUID(),
        email,
        passwordHash: await hasher.hash(password),
        roles: [],
        createdAt: now,
        updatedAt: now,
      };
      const created = await store.users.create(user);
      if (!created) throw new GatehouseError('email_taken', 'An account with this email already exists.');
      audit({ type: 'user.registered', userId: created.id, ip: context.ip });
      return created;
    },

    async checkPassword(input, context, now) {
      const email = requireEmail(input.email);
      await limited(context, email, now);
      const user = await store.users.findByEmail(email);
      const valid = await hasher.verify(user?.passwordHash ?? dummyHash, normalizePassword(input.password));
      if (!user || !valid) {
        audit({ type: 'login.failed', reason: 'invalid_credentials', userId: user?.id ?? null, ip: context.ip });
        throw new GatehouseError('invalid_credentials', 'Email or password is incorrect.');
      }
      await clearAttempts(store.rateLimits, accountRule, email);
      return user;
    },

    async changePassword(user, current, next, context, now) {
      const password = requireAcceptable(next);
      await limited(context, user.email, now);
      if (!(await hasher.verify(user.passwordHash, normalizePassword(current)))) {
        audit({ type: 'login.failed', reason: 'invalid_credentials', userId: user.id, ip: context.ip });
        throw new GatehouseError('invalid_credentials', 'The current password is incorrect.');
      }
      await clearAttempts(store.rateLimits, accountRule, user.email);
      await store.users.updatePassword(user.id, await hasher.hash(password), now);
    },
  };
}
