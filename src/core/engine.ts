// Owns the engine: `createGatehouse` wires users, passwords, sessions and rate limits over an injected
// store, clock, randomness and audit sink, and exposes the operations the HTTP layer and embedding apps call.
import { randomUUID } from 'node:crypto';
import type { AuditSink } from './audit.js';
import { resolveConfig, type GatehouseConfig, type GatehouseOptions } from './config.js';
import { csrfMatches, csrfTokenFor, defaultRandom, type RandomBytes } from './credentials.js';
import { canonicalEmail } from './email.js';
import { GatehouseError } from './errors.js';
import {
  boundHasher,
  createArgon2Hasher,
  normalizePassword,
  passwordProblem,
  type PasswordHasher,
} from './password.js';
import { clearAttempts, consumeAttempt, type RateLimitRule } from './rate-limit.js';
import { createSessionService, type NewSession, type SessionContext, type ValidSession } from './sessions.js';
import type { JsonObject, Store, UserRecord } from './store.js';
import { guardStore } from './store-guard.js';

export type Clock = () => number;

/** What a user looks like to clients: nothing secret. */
export interface PublicUser {
  id: string;
  email: string;
  roles: string[];
  createdAt: string;
}

export interface SessionSummary {
  id: string;
  mode: 'session';
  createdAt: string;
  lastActiveAt: string;
  expiresAt: string;
  userAgent: string | null;
  ip: string | null;
  current: boolean;
}

export interface GatehouseDeps {
  store: Store;
  /** Options, resolved with the defaults; or an already-resolved config. */
  options?: GatehouseOptions;
  config?: Readonly<GatehouseConfig>;
  /** Epoch milliseconds; read once per operation. Default `Date.now`. */
  clock?: Clock;
  random?: RandomBytes;
  /** Default: argon2id with OWASP parameters. */
  hasher?: PasswordHasher;
  audit?: AuditSink;
}

export interface Gatehouse {
  readonly config: Readonly<GatehouseConfig>;
  readonly store: Store;
  readonly clock: Clock;
  /** Creates an account. Throws `invalid_request` (bad email or password), `email_taken`, `rate_limited`. */
  register(input: { email: string; password: string }, context: SessionContext): Promise<PublicUser>;
  /**
   * Checks the password and opens a new session (always a new id). Throws `invalid_credentials` for a wrong
   * password and an unknown email alike, after the same amount of hashing, or `rate_limited`.
   */
  login(
    input: { email: string; password: string },
    context: SessionContext,
  ): Promise<{ user: PublicUser; session: NewSession }>;
  /** The session a cookie token names, or null (unknown, forged, expired). Renews it when due. */
  validateSession(token: string): Promise<ValidSession | null>;
  /** The CSRF token bound to this session. */
  csrfToken(session: ValidSession): string;
  /** True when `presented` is the CSRF token bound to this session. */
  checkCsrf(session: ValidSession, presented: string): boolean;
  getUser(userId: string): Promise<PublicUser | null>;
  logout(session: ValidSession): Promise<void>;
  /** Ends every session of the user; returns how many. */
  logoutAll(userId: string): Promise<number>;
  listSessions(userId: string, currentSessionId: string | null): Promise<SessionSummary[]>;
  /** Revokes one of the user's own sessions; false when there is no such session of theirs. */
  revokeSession(userId: string, sessionId: string): Promise<boolean>;
  /** Keeps a small JSON bag on the session (at most `sessionDataMaxBytes` serialised). */
  setSessionData(sessionId: string, data: JsonObject | null): Promise<boolean>;
  /** Deletes expired sessions and rate-limit windows. */
  sweep(): Promise<void>;
}

export async function createGatehouse(deps: GatehouseDeps): Promise<Gatehouse> {
  const config = deps.config ?? resolveConfig({ options: deps.options ?? {} });
  const store = guardStore(deps.store);
  const clock = deps.clock ?? Date.now;
  const random = deps.random ?? defaultRandom;
  const audit = deps.audit ?? (() => {});
  const hasher = boundHasher(deps.hasher ?? createArgon2Hasher(), config.hashConcurrency, config.hashQueueLimit);
  const sessions = createSessionService({ store, config, random, audit });

  const windowMs = config.rateLimitWindowSeconds * 1000;
  const ipRule: RateLimitRule = { name: 'auth-ip', limit: config.loginIpLimit, windowMs };
  const accountRule: RateLimitRule = { name: 'login-account', limit: config.loginAccountLimit, windowMs };

  // Unknown emails are checked against this hash, so they cost what a real account costs.
  const dummyHash = await hasher.hash(Buffer.from(random(32)).toString('base64url'));

  function publicUser(user: UserRecord): PublicUser {
    return { id: user.id, email: user.email, roles: [...user.roles], createdAt: new Date(user.createdAt).toISOString() };
  }

  function requireEmail(email: string): string {
    const canonical = canonicalEmail(email);
    if (canonical === null) throw new GatehouseError('invalid_request', 'email is not a valid address.');
    return canonical;
  }

  return {
    config,
    store,
    clock,

    async register(input, context) {
      const now = clock();
      const email = requireEmail(input.email);
      const password = normalizePassword(input.password);
      const problem = passwordProblem(password, config.passwordMinLength);
      if (problem) throw new GatehouseError('invalid_request', `${problem}.`);
      await consumeAttempt(store.rateLimits, ipRule, context.ip ?? 'unknown', now);
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
      return publicUser(created);
    },

    async login(input, context) {
      const now = clock();
      const email = requireEmail(input.email);
      try {
        await consumeAttempt(store.rateLimits, ipRule, context.ip ?? 'unknown', now);
        await consumeAttempt(store.rateLimits, accountRule, email, now);
      } catch (error) {
        audit({ type: 'login.failed', reason: 'rate_limited', userId: null, ip: context.ip });
        throw error;
      }
      const user = await store.users.findByEmail(email);
      const password = normalizePassword(input.password);
      const valid = await hasher.verify(user?.passwordHash ?? dummyHash, password);
      if (!user || !valid) {
        audit({ type: 'login.failed', reason: 'invalid_credentials', userId: user?.id ?? null, ip: context.ip });
        throw new GatehouseError('invalid_credentials', 'Email or password is incorrect.');
      }
      await clearAttempts(store.rateLimits, accountRule, email);
      const session = await sessions.create(user.id, context, now);
      audit({ type: 'login.succeeded', userId: user.id, sessionId: session.session.id, mode: 'session', ip: context.ip });
      return { user: publicUser(user), session };
    },

    validateSession: (token) => sessions.validate(token, clock()),

    csrfToken: (session) => csrfTokenFor(session.secret),

    checkCsrf: (session, presented) => csrfMatches(session.secret, presented),

    async getUser(userId) {
      const user = await store.users.findById(userId);
      return user ? publicUser(user) : null;
    },

    async logout({ session }) {
      if (await sessions.revoke(session.id)) audit({ type: 'logout', userId: session.userId, sessionId: session.id });
    },

    async logoutAll(userId) {
      const count = await store.sessions.deleteByUser(userId);
      audit({ type: 'sessions.revoked_all', userId, count });
      return count;
    },

    async listSessions(userId, currentSessionId) {
      const records = await store.sessions.listByUser(userId, clock());
      return records.map((s) => ({
        id: s.id,
        mode: 'session' as const,
        createdAt: new Date(s.createdAt).toISOString(),
        lastActiveAt: new Date(s.lastActiveAt).toISOString(),
        expiresAt: new Date(s.expiresAt).toISOString(),
        userAgent: s.userAgent,
        ip: s.ip,
        current: s.id === currentSessionId,
      }));
    },

    async revokeSession(userId, sessionId) {
      const session = await store.sessions.get(sessionId);
      if (!session || session.userId !== userId) return false;
      const revoked = await sessions.revoke(sessionId);
      if (revoked) audit({ type: 'session.revoked', userId, sessionId });
      return revoked;
    },

    setSessionData: (sessionId, data) => sessions.setData(sessionId, data),

    async sweep() {
      const now = clock();
      await store.sessions.deleteExpired(now);
      await store.rateLimits.deleteExpired(now);
    },
  };
}
