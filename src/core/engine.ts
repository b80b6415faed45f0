// Owns the engine: `createGatehouse` wires accounts, sessions, tokens, keys and revocation over an injected
// store, clock, randomness, secret and audit sink, and exposes the operations the HTTP layer and embedding
// apps call. Every operation reads the clock once.
import type { AccessClaims } from './access-tokens.js';
import { createAccounts, publicUser, type PublicUser } from './accounts.js';
import type { AuditSink } from './audit.js';
import { ConfigError, resolveConfig, type GatehouseConfig, type GatehouseOptions, type LoginMode } from './config.js';
import { createHmac } from 'node:crypto';
import { csrfMatches, csrfTokenFor, defaultRandom, safeEqual, type RandomBytes } from './credentials.js';
import { GatehouseError } from './errors.js';
import { CLOCK_TOLERANCE_SECONDS, createKeyRing, type KeyRing, type PublicJwk } from './keys.js';
import { boundHasher, createArgon2Hasher, loadArgon2, type PasswordHasher } from './password.js';
import { consumeAttempt } from './rate-limit.js';
import { createRefreshService } from './refresh.js';
import { createRevocationList, type RevocationList } from './revocation.js';
import { createSecretBox } from './secret-box.js';
import { createSessionService, type NewSession, type SessionContext, type ValidSession } from './sessions.js';
import type { JsonObject, RevocationRecord, Store } from './store.js';
import { guardStore } from './store-guard.js';
import { createTokenService } from './tokens.js';

export type { PublicUser } from './accounts.js';
export type Clock = () => number;

/** Who is making a request, however they proved it. */
export type Principal =
  | { mode: 'session'; userId: string; sessionId: string; roles: string[]; expiresAt: number; session: ValidSession }
  | { mode: 'token' | 'hybrid'; userId: string; sessionId: string; roles: string[]; expiresAt: number; claims: AccessClaims };

export interface TokenPair {
  accessToken: string;
  /** Seconds. */
  expiresIn: number;
  refreshToken: string;
  /** Seconds until the family's idle expiry. */
  refreshExpiresIn: number;
  /** The family id (the tokens' `sid`). */
  sessionId: string;
}

export interface SessionLogin {
  mode: 'session';
  user: PublicUser;
  session: NewSession;
}

export interface TokenLogin {
  mode: 'token';
  user: PublicUser;
  tokens: TokenPair;
}

/** Hybrid: the same tokens, for HttpOnly cookies, plus the CSRF token bound to the family. */
export interface HybridLogin {
  mode: 'hybrid';
  user: PublicUser;
  tokens: TokenPair;
  csrfToken: string;
}

export type LoginResult = SessionLogin | TokenLogin | HybridLogin;

export interface SessionSummary {
  id: string;
  mode: 'session' | 'token' | 'hybrid';
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
  /**
   * Encrypts signing keys at rest and keys derived secrets. Default: config.secret; without one, only the memory
   * store starts (with an ephemeral secret): any other store is refused, as its keys would not open next time.
   */
  secret?: string;
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
  readonly keys: KeyRing;
  readonly revocations: RevocationList;
  /** Creates an account. Throws `invalid_request` (bad email or password), `email_taken`, `rate_limited`. */
  register(input: { email: string; password: string }, context: SessionContext): Promise<PublicUser>;
  /**
   * Checks the password and opens a new session or token family (always new ids). Throws `invalid_credentials`
   * for a wrong password and an unknown email alike, after the same amount of hashing, or `rate_limited`.
   */
  login(input: { email: string; password: string }, context: SessionContext, mode?: 'session'): Promise<SessionLogin>;
  login(input: { email: string; password: string }, context: SessionContext, mode: 'token'): Promise<TokenLogin>;
  login(input: { email: string; password: string }, context: SessionContext, mode: 'hybrid'): Promise<HybridLogin>;
  login(input: { email: string; password: string }, context: SessionContext, mode: LoginMode): Promise<LoginResult>;
  /** The session a cookie token names, or null (unknown, forged, expired). Renews it when due. */
  validateSession(token: string): Promise<ValidSession | null>;
  authenticateSession(token: string): Promise<Principal | null>;
  /** A bearer access token: signature, claims and revocation; null when any fails. */
  authenticateBearer(token: string): Promise<Principal | null>;
  /** The same checks for an access token carried in the hybrid cookie (the principal's mode is `hybrid`). */
  authenticateAccessCookie(token: string): Promise<Principal | null>;
  /** The CSRF token bound to a token family (hybrid mode). */
  familyCsrfToken(familyId: string): string;
  checkFamilyCsrf(familyId: string, presented: string): boolean;
  /** The family of a genuine refresh token, or null. */
  familyOfRefreshToken(refreshToken: string): Promise<string | null>;
  /** Revokes a family and denies its access tokens (hybrid logout from the refresh cookie alone). */
  endFamily(familyId: string): Promise<void>;
  /**
   * A short-lived access token (≤ `exchangeTtlSeconds`, never past the session's expiry) carrying the cookie
   * session's id as `sid`, for calling other services; it is revoked with its session.
   */
  exchange(principal: Principal): Promise<{ accessToken: string; expiresIn: number }>;
  /** Verifies an access token for an embedding service: claims, or null (revocation included). */
  verifyAccessToken(token: string): Promise<AccessClaims | null>;
  /** Rotates a refresh token. Throws `unauthenticated`, `refresh_token_reused` or `rate_limited`. */
  refresh(refreshToken: string): Promise<TokenPair>;
  csrfToken(session: ValidSession): string;
  checkCsrf(session: ValidSession, presented: string): boolean;
  getUser(userId: string): Promise<PublicUser | null>;
  /** Ends what the principal authenticated with: the session, or the access token and its family. */
  logout(principal: Principal): Promise<void>;
  /** Ends every session and family of the user, access tokens included. */
  logoutAll(userId: string): Promise<void>;
  listSessions(userId: string, currentSessionId: string | null): Promise<SessionSummary[]>;
  /** Revokes one of the user's own sessions or families; false when there is no such one of theirs. */
  revokeSession(userId: string, sessionId: string): Promise<boolean>;
  /** Changes the password and revokes every other session and family of the user. */
  changePassword(principal: Principal, current: string, next: string, context: SessionContext): Promise<void>;
  /** Adds a role (roles are never set by users themselves). Returns false for an unknown email. */
  grantRole(email: string, role: string): Promise<boolean>;
  /**
   * Removes a role. Access tokens issued before it are refused from then on (a refresh gets one without it);
   * sessions see it on their next request. Returns false for an unknown email; true if the user lacked the role.
   */
  revokeRole(email: string, role: string): Promise<boolean>;
  /** Keeps a small JSON bag on the session (at most `sessionDataMaxBytes` serialised). */
  setSessionData(sessionId: string, data: JsonObject | null): Promise<boolean>;
  jwks(): { keys: PublicJwk[] };
  /** Periodic upkeep: key schedule, expired sessions, families, revocations and rate-limit windows. */
  maintain(): Promise<void>;
  /** Stops listening for other instances' revocations (the store is the caller's to close). */
  close(): Promise<void>;
}

const ROLE = /^[a-z][a-z0-9_.:-]{0,63}$/;
/** How long start-up waits for the revocation bus; past it the instance starts not ready (503, /readyz). */
const BUS_START_TIMEOUT_MS = 3000;

async function waitUntilLive(revocations: RevocationList, timeoutMs: number): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !revocations.live && Date.now() < deadline; ) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Without a configured secret, only a store that forgets everything at exit may seal its keys with a throwaway
 * one: a durable store would keep keys that no later start can open.
 */
function throwawaySecret(store: Store, random: RandomBytes): string {
  if (!store.ephemeral) {
    throw new ConfigError([
      `secret: the ${store.kind} store keeps the signing keys sealed with the secret, so it needs the same one on every start: ` +
        'pass `secret` (at least 32 random characters, e.g. from GATEHOUSE_SECRET) to createGatehouse or createServer, or set it in the config',
    ]);
  }
  return Buffer.from(random(32)).toString('base64url');
}

export async function createGatehouse(deps: GatehouseDeps): Promise<Gatehouse> {
  const config = deps.config ?? resolveConfig({ options: deps.options ?? {} });
  const store = guardStore(deps.store);
  const clock = deps.clock ?? Date.now;
  const random = deps.random ?? defaultRandom;
  const audit = deps.audit ?? (() => {});
  const secret = deps.secret ?? config.secret ?? throwawaySecret(deps.store, random);
  const box = createSecretBox(secret);
  if (!deps.hasher) await loadArgon2(); // a missing argon2 package is reported now, not at the first login
  const hasher = boundHasher(deps.hasher ?? createArgon2Hasher(), config.hashConcurrency, config.hashQueueLimit);
  const accounts = await createAccounts({ store, config, hasher, random, audit });
  const keys = await createKeyRing({ store: store.keys, box, config, random });
  const revocations = createRevocationList(store.revocations, store.revocationBus && { bus: store.revocationBus, clock });
  // Sessions shared with other instances (a bus) are cached briefly, kept correct by the revocation feed.
  const sessions = createSessionService({ store, config, random, audit, ...(store.revocationBus ? { revocations } : {}) });
  const tokens = createTokenService({ config, ring: keys, revocations, random });
  const refreshTokens = createRefreshService({ store, config, random, successorKey: box.subKey('refresh-successor v1') });
  // An access token still verifies for the clock tolerance past its exp, so a revocation covering it must last as long.
  const csrfKey = box.subKey('family-csrf v1');
  const accessTtlMs = (config.accessTtlSeconds + CLOCK_TOLERANCE_SECONDS) * 1000;
  const refreshRule = { name: 'refresh-family', limit: config.refreshFamilyLimit, windowMs: config.rateLimitWindowSeconds * 1000 };

  await keys.maintain(clock());
  await revocations.load(clock());
  await waitUntilLive(revocations, BUS_START_TIMEOUT_MS);

  function requireMode(mode: LoginMode): void {
    if (!config.modes.includes(mode)) {
      throw new GatehouseError('invalid_request', `mode must be one of: ${config.modes.join(', ')}.`);
    }
  }

  async function tokenPair(user: { id: string; roles: string[] }, familyId: string, familyExpiresAt: number, refreshToken: string, now: number): Promise<TokenPair> {
    const { token, claims } = await tokens.issue({ userId: user.id, roles: user.roles }, familyId, now);
    return {
      accessToken: token,
      expiresIn: claims.exp - claims.iat,
      refreshToken,
      refreshExpiresIn: Math.max(0, Math.floor((familyExpiresAt - now) / 1000)),
      sessionId: familyId,
    };
  }

  async function tokenPrincipal(token: string, mode: 'token' | 'hybrid'): Promise<Principal | null> {
    const claims = await tokens.authenticate(token, clock());
    if (!claims) return null;
    return { mode, userId: claims.sub, sessionId: claims.sid, roles: claims.roles, expiresAt: claims.exp * 1000, claims };
  }

  /** What denies every access token of these sessions/families until the last one has expired. */
  const sidRevocations = (ids: readonly string[], now: number): RevocationRecord[] =>
    ids.map((id) => ({ kind: 'sid', subject: id, revokedAt: now, expiresAt: now + accessTtlMs }));
  // Operations do every other durable step before their revocations, and revoke them in one call: a failed
  // publish (503) comes after all of it is stored, so nothing is left half done and a retry is harmless.
  const revokeSids = (ids: readonly string[], now: number) => revocations.revoke(...sidRevocations(ids, now));

  const gatehouse: Gatehouse = {
    config,
    store,
    clock,
    keys,
    revocations,

    async register(input, context) {
      return publicUser(await accounts.register(input, context, clock()));
    },

    login: (async (input: { email: string; password: string }, context: SessionContext, mode: LoginMode = 'session'): Promise<LoginResult> => {
      requireMode(mode);
      const now = clock();
      const user = await accounts.checkPassword(input, context, now);
      if (mode === 'session') {
        const session = await sessions.create(user.id, context, now);
        audit({ type: 'login.succeeded', userId: user.id, sessionId: session.session.id, mode, ip: context.ip });
        return { mode, user: publicUser(user), session };
      }
      const issued = await refreshTokens.start(user.id, mode, context, now);
      audit({ type: 'login.succeeded', userId: user.id, sessionId: issued.family.id, mode, ip: context.ip });
      const tokens = await tokenPair(user, issued.family.id, issued.family.expiresAt, issued.token, now);
      if (mode === 'hybrid') return { mode, user: publicUser(user), tokens, csrfToken: gatehouse.familyCsrfToken(issued.family.id) };
      return { mode, user: publicUser(user), tokens };
    }) as Gatehouse['login'],

    validateSession: (token) => sessions.validate(token, clock()),

    async authenticateSession(token) {
      const valid = await sessions.validate(token, clock());
      if (!valid) return null;
      const user = await store.users.findById(valid.session.userId);
      if (!user) return null;
      const { session } = valid;
      return { mode: 'session', userId: user.id, sessionId: session.id, roles: user.roles, expiresAt: session.expiresAt, session: valid };
    },

    authenticateBearer: (token) => tokenPrincipal(token, 'token'),
    authenticateAccessCookie: (token) => tokenPrincipal(token, 'hybrid'),

    familyCsrfToken: (familyId) => createHmac('sha256', csrfKey).update(familyId).digest('base64url'),
    checkFamilyCsrf: (familyId, presented) => safeEqual(gatehouse.familyCsrfToken(familyId), presented),
    familyOfRefreshToken: (refreshToken) => refreshTokens.familyOf(refreshToken),

    async endFamily(familyId) {
      const now = clock();
      const family = await store.refreshTokens.getFamily(familyId);
      await store.refreshTokens.revokeFamily(familyId, now);
      await revokeSids([familyId], now);
      if (family) audit({ type: 'logout', userId: family.userId, sessionId: familyId });
    },

    async exchange(principal) {
      if (principal.mode !== 'session') {
        throw new GatehouseError('invalid_request', 'Only a cookie session can be exchanged for a token.');
      }
      const now = clock();
      const remaining = Math.floor((principal.expiresAt - now) / 1000);
      const ttl = Math.min(config.exchangeTtlSeconds, remaining);
      if (ttl < 1) throw new GatehouseError('unauthenticated', 'The session has ended.');
      const { token, claims } = await tokens.issue({ userId: principal.userId, roles: principal.roles }, principal.sessionId, now, ttl);
      return { accessToken: token, expiresIn: claims.exp - claims.iat };
    },

    verifyAccessToken: (token) => tokens.authenticate(token, clock()),

    async refresh(refreshToken) {
      const now = clock();
      const familyId = await refreshTokens.familyOf(refreshToken);
      if (familyId) await consumeAttempt(store.rateLimits, refreshRule, familyId, now);
      try {
        const rotated = await refreshTokens.rotate(refreshToken, now);
        const user = await store.users.findById(rotated.family.userId);
        if (!user) throw new GatehouseError('unauthenticated', 'The refresh token is invalid or expired.');
        return await tokenPair(user, rotated.family.id, rotated.family.expiresAt, rotated.token, now);
      } catch (error) {
        if (error instanceof GatehouseError && error.code === 'refresh_token_reused' && familyId) {
          await revokeSids([familyId], now);
          const family = await store.refreshTokens.getFamily(familyId);
          audit({ type: 'refresh.reused', userId: family?.userId ?? null, sessionId: familyId });
        }
        throw error;
      }
    },

    csrfToken: (session) => csrfTokenFor(session.secret),
    checkCsrf: (session, presented) => csrfMatches(session.secret, presented),

    async getUser(userId) {
      const user = await store.users.findById(userId);
      return user ? publicUser(user) : null;
    },

    async logout(principal) {
      const now = clock();
      if (principal.mode === 'session') {
        const { userId, sessionId } = principal;
        if (await sessions.revoke(sessionId)) audit({ type: 'logout', userId, sessionId });
        await revokeSids([sessionId], now); // tokens exchanged from this session die with it
        return;
      }
      const { claims } = principal;
      // The family first: once the access token is denied, this logout cannot be retried with it.
      await store.refreshTokens.revokeFamily(claims.sid, now);
      const jti: RevocationRecord = { kind: 'jti', subject: claims.jti, revokedAt: now, expiresAt: claims.exp * 1000 + 5000 };
      await revocations.revoke(jti, ...sidRevocations([claims.sid], now));
      audit({ type: 'logout', userId: claims.sub, sessionId: claims.sid });
    },

    async logoutAll(userId) {
      const now = clock();
      const families = await store.refreshTokens.revokeFamiliesByUser(userId, now);
      const web = (await store.sessions.listByUser(userId, now)).map((s) => s.id);
      const count = await store.sessions.deleteByUser(userId);
      const cutoff: RevocationRecord = { kind: 'user', subject: userId, revokedAt: now, expiresAt: now + accessTtlMs };
      await revocations.revoke(...sidRevocations([...web, ...families], now), cutoff);
      audit({ type: 'sessions.revoked_all', userId, count: count + families.length });
    },

    async listSessions(userId, currentSessionId) {
      const now = clock();
      const iso = (ms: number) => new Date(ms).toISOString();
      const web = (await store.sessions.listByUser(userId, now)).map((s) => ({
        id: s.id, mode: 'session' as const, createdAt: s.createdAt, lastActiveAt: s.lastActiveAt, expiresAt: s.expiresAt, userAgent: s.userAgent, ip: s.ip,
      }));
      const families = (await store.refreshTokens.listFamiliesByUser(userId, now)).map((f) => ({
        id: f.id, mode: f.mode, createdAt: f.createdAt, lastActiveAt: f.lastUsedAt, expiresAt: f.expiresAt, userAgent: f.userAgent, ip: f.ip,
      }));
      return [...web, ...families]
        .sort((a, b) => b.createdAt - a.createdAt)
        .map((s) => ({ ...s, createdAt: iso(s.createdAt), lastActiveAt: iso(s.lastActiveAt), expiresAt: iso(s.expiresAt), current: s.id === currentSessionId }));
    },

    async revokeSession(userId, sessionId) {
      const now = clock();
      const session = await store.sessions.get(sessionId);
      if (session?.userId === userId) {
        if (!(await sessions.revoke(sessionId))) return false;
      } else {
        const family = await store.refreshTokens.getFamily(sessionId);
        if (family?.userId !== userId || family.revokedAt !== null) return false;
        await store.refreshTokens.revokeFamily(sessionId, now);
      }
      await revokeSids([sessionId], now);
      audit({ type: 'session.revoked', userId, sessionId });
      return true;
    },

    async changePassword(principal, current, next, context) {
      const now = clock();
      const user = await store.users.findById(principal.userId);
      if (!user) throw new GatehouseError('unauthenticated', 'Not signed in, or the session has ended.');
      await accounts.changePassword(user, current, next, context, now);
      const keep = principal.sessionId;
      const families = await store.refreshTokens.revokeFamiliesByUser(user.id, now, keep);
      const web = (await store.sessions.listByUser(user.id, now)).map((s) => s.id).filter((id) => id !== keep);
      await store.sessions.deleteByUser(user.id, keep);
      await revokeSids([...web, ...families], now);
      audit({ type: 'password.changed', userId: user.id, sessionId: keep });
    },

    async grantRole(email, role) {
      if (!ROLE.test(role)) throw new GatehouseError('invalid_request', 'A role is lower-case letters, digits and _.:- (up to 64).');
      const user = await store.users.findByEmail(accounts.requireEmail(email));
      if (!user) return false;
      if (!user.roles.includes(role)) await store.users.setRoles(user.id, [...user.roles, role], clock());
      audit({ type: 'role.granted', userId: user.id, role });
      return true;
    },

    async revokeRole(email, role) {
      if (!ROLE.test(role)) throw new GatehouseError('invalid_request', 'A role is lower-case letters, digits and _.:- (up to 64).');
      const user = await store.users.findByEmail(accounts.requireEmail(email));
      if (!user) return false;
      if (user.roles.includes(role)) {
        const now = clock();
        await store.users.setRoles(user.id, user.roles.filter((r) => r !== role), now);
        // Tokens already issued still claim the role: cut them off as logout-all does, but keep the families.
        await revocations.revoke({ kind: 'user', subject: user.id, revokedAt: now, expiresAt: now + accessTtlMs });
        audit({ type: 'role.revoked', userId: user.id, role });
      }
      return true;
    },

    setSessionData: (sessionId, data) => sessions.setData(sessionId, data),

    jwks: () => keys.jwks(clock()),

    async maintain() {
      const now = clock();
      await keys.maintain(now);
      revocations.prune(now);
      await store.revocations.deleteExpired(now);
      await store.sessions.deleteExpired(now);
      await store.refreshTokens.deleteExpired(now);
      await store.rateLimits.deleteExpired(now);
    },

    async close() {
      sessions.close();
      await revocations.close();
    },
  };
  return gatehouse;
}
