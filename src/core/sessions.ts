// Owns server-side web sessions: creation with a fresh credential, validation (constant-time secret check,
// idle and absolute expiry), sliding renewal that writes at most once per interval, the session's JSON bag,
// listing and revocation; with other instances sharing the sessions, a brief row cache (session-cache.ts).
import type { AuditTrail } from './audit-trail.js';
import type { GatehouseConfig } from './config.js';
import {
  csrfTokenFor,
  hashSecret,
  newSessionCredential,
  parseSessionToken,
  secretMatches,
  type RandomBytes,
} from './credentials.js';
import { GatehouseError } from './errors.js';
import type { RevocationList } from './revocation.js';
import { createSessionCache } from './session-cache.js';
import type { AuthMethod, AuthProof } from './gatehouse.js';
import type { JsonObject, SessionRecord, Store } from './store.js';

/** Renewal writes at most this often per session (or every half idle period, if shorter). */
const MAX_TOUCH_INTERVAL_MS = 5 * 60 * 1000;

export interface NewSession {
  session: SessionRecord;
  /** The credential for the cookie: `id.secret`. */
  token: string;
  csrfToken: string;
}

export interface ValidSession {
  session: SessionRecord;
  /** The secret part of the presented token, for CSRF checks. */
  secret: string;
}

export interface SessionContext {
  ip: string | null;
  userAgent: string | null;
}

export interface SessionService {
  /** A new session for a user who proved who they are with `proof`. */
  create(userId: string, context: SessionContext, proof: AuthProof, now: number): Promise<NewSession>;
  /** The session for a presented token, renewed if due; null when unknown, forged or expired. */
  validate(token: string, now: number): Promise<ValidSession | null>;
  /** Deletes the session; returns false when it was already gone. */
  revoke(sessionId: string): Promise<boolean>;
  setData(sessionId: string, data: JsonObject | null): Promise<boolean>;
  /** Renews the session's proof (a reauthentication); false when the session is gone. */
  setProof(sessionId: string, authTime: number, amr: AuthMethod[]): Promise<boolean>;
  close(): void;
}

export function createSessionService(deps: {
  store: Store;
  config: Readonly<GatehouseConfig>;
  random: RandomBytes;
  audit: AuditTrail;
  /** Given when other instances share the sessions (see session-cache.ts); with config.sessionCacheMs > 0,
   * rows are kept in memory that long. */
  revocations?: RevocationList;
}): SessionService {
  const { store, config, random, audit } = deps;
  const idleMs = config.sessionIdleTtlSeconds * 1000;
  const absoluteMs = config.sessionAbsoluteTtlSeconds * 1000;
  const touchIntervalMs = Math.min(MAX_TOUCH_INTERVAL_MS, idleMs / 2);
  const cache = deps.revocations && config.sessionCacheMs > 0
    ? createSessionCache({
      revocations: deps.revocations,
      // Under the renewal interval (the config allows 10 s, the interval is at least 30 s): a row read when no
      // renewal was due has more than that left before its idle expiry, so a copy never looks expired early.
      maxAgeMs: Math.min(config.sessionCacheMs, touchIntervalMs),
    })
    : undefined;
  const read = (id: string, now: number) =>
    cache ? (cache.get(id, now) ?? cache.read(id, now, () => store.sessions.get(id))) : store.sessions.get(id);
  /** A write of this instance to a session: its cached row goes, before and after. */
  const changing = <T>(id: string, write: Promise<T>) => {
    cache?.forget(id);
    return write.finally(() => cache?.forget(id));
  };

  return {
    async create(userId, context, proof, now) {
      const credential = newSessionCredential(random);
      const session: SessionRecord = {
        id: credential.id,
        secretHash: hashSecret(credential.secret),
        userId,
        createdAt: now,
        lastActiveAt: now,
        expiresAt: Math.min(now + idleMs, now + absoluteMs),
        absoluteExpiresAt: now + absoluteMs,
        userAgent: context.userAgent?.slice(0, 512) ?? null,
        ip: context.ip,
        data: null,
        authTime: proof.authTime,
        amr: [...proof.amr],
      };
      await store.sessions.create(session);
      return { session, token: credential.token, csrfToken: csrfTokenFor(credential.secret) };
    },

    async validate(token, now) {
      const parsed = parseSessionToken(token);
      if (!parsed) return null;
      const session = await read(parsed.id, now);
      if (!session || !secretMatches(parsed.secret, session.secretHash)) return null;
      if (now >= session.expiresAt || now >= session.absoluteExpiresAt) {
        if (await changing(session.id, store.sessions.delete(session.id))) {
          await audit.recordAfter({ type: 'session.expired', userId: session.userId, sessionId: session.id }, now);
        }
        return null;
      }
      if (now - session.lastActiveAt >= touchIntervalMs) {
        const expiresAt = Math.min(now + idleMs, session.absoluteExpiresAt);
        if (!(await changing(session.id, store.sessions.touch(session.id, now, expiresAt)))) return null;
        session.lastActiveAt = now;
        session.expiresAt = expiresAt;
      }
      return { session, secret: parsed.secret };
    },

    revoke: (sessionId) => changing(sessionId, store.sessions.delete(sessionId)),

    async setData(sessionId, data) {
      const size = data === null ? 0 : Buffer.byteLength(JSON.stringify(data));
      if (size > config.sessionDataMaxBytes) {
        throw new GatehouseError(
          'invalid_request',
          `Session data is ${size} bytes; the limit is ${config.sessionDataMaxBytes}.`,
        );
      }
      return changing(sessionId, store.sessions.setData(sessionId, data));
    },

    setProof: (sessionId, authTime, amr) => changing(sessionId, store.sessions.setProof(sessionId, authTime, amr)),

    close: () => cache?.close(),
  };
}
