// Owns refresh tokens: opaque `id.secret` credentials (256-bit secret, stored hashed), grouped in families,
// single use and rotated at every refresh. The successor of a token is derived from its secret with a
// server key, so a retry inside the grace window gets the very same successor without any secret stored.
import { createHmac } from 'node:crypto';
import type { GatehouseConfig } from './config.js';
import { hashSecret, newSessionCredential, parseSessionToken, secretMatches, type RandomBytes } from './credentials.js';
import { GatehouseError } from './errors.js';
import type { SessionContext } from './sessions.js';
import type { RefreshFamilyRecord, RefreshTokenRecord, Store } from './store.js';

export interface IssuedRefreshToken {
  family: RefreshFamilyRecord;
  /** What the client holds: `id.secret`. */
  token: string;
}

export interface RefreshService {
  start(userId: string, mode: 'token' | 'hybrid', context: SessionContext, now: number): Promise<IssuedRefreshToken>;
  /**
   * Spends `presented` and returns its successor. Throws `unauthenticated` for an unknown, forged, expired or
   * revoked token, and `refresh_token_reused` when a spent token comes back after the grace window (the
   * family is then revoked).
   */
  rotate(presented: string, now: number): Promise<IssuedRefreshToken & { status: 'rotated' | 'retry' }>;
  /** The family a presented token belongs to, if the token is genuine (for rate limiting and logout). */
  familyOf(presented: string): Promise<string | null>;
}

const invalid = () => new GatehouseError('unauthenticated', 'The refresh token is invalid or expired.');

export function createRefreshService(deps: {
  store: Store;
  config: Readonly<GatehouseConfig>;
  random: RandomBytes;
  successorKey: Buffer;
}): RefreshService {
  const { store, config, random, successorKey } = deps;
  const idleMs = config.refreshTtlSeconds * 1000;
  const absoluteMs = config.refreshAbsoluteTtlSeconds * 1000;
  const graceMs = config.refreshGraceSeconds * 1000;

  function successorOf(secret: string): { id: string; secret: string } {
    const mac = (label: string) => createHmac('sha256', successorKey).update(`${label}\0${secret}`).digest();
    return { id: mac('id').subarray(0, 16).toString('base64url'), secret: mac('secret').toString('base64url') };
  }

  async function genuine(presented: string): Promise<{ record: RefreshTokenRecord; secret: string } | null> {
    const parsed = parseSessionToken(presented);
    if (!parsed) return null;
    const record = await store.refreshTokens.getToken(parsed.id);
    return record && secretMatches(parsed.secret, record.secretHash) ? { record, secret: parsed.secret } : null;
  }

  return {
    async start(userId, mode, context, now) {
      const familyId = Buffer.from(random(16)).toString('base64url');
      const credential = newSessionCredential(random);
      const family: RefreshFamilyRecord = {
        id: familyId,
        userId,
        mode,
        createdAt: now,
        lastUsedAt: now,
        expiresAt: Math.min(now + idleMs, now + absoluteMs),
        absoluteExpiresAt: now + absoluteMs,
        revokedAt: null,
        userAgent: context.userAgent?.slice(0, 512) ?? null,
        ip: context.ip,
      };
      const token: RefreshTokenRecord = {
        id: credential.id,
        familyId,
        secretHash: hashSecret(credential.secret),
        createdAt: now,
        usedAt: null,
        successorId: null,
      };
      await store.refreshTokens.createFamily(family, token);
      return { family, token: credential.token };
    },

    async rotate(presented, now) {
      const found = await genuine(presented);
      if (!found) throw invalid();
      const family = await store.refreshTokens.getFamily(found.record.familyId);
      if (!family) throw invalid();
      const next = successorOf(found.secret);
      const successor: RefreshTokenRecord = {
        id: next.id,
        familyId: family.id,
        secretHash: hashSecret(next.secret),
        createdAt: now,
        usedAt: null,
        successorId: null,
      };
      const familyExpiresAt = Math.min(now + idleMs, family.absoluteExpiresAt);
      const result = await store.refreshTokens.rotate(found.record.id, successor, now, graceMs, familyExpiresAt);
      if (result.status === 'reused') {
        throw new GatehouseError('refresh_token_reused', 'This refresh token was already used; the session has been ended.');
      }
      if (result.status === 'invalid') throw invalid();
      return { status: result.status, family: result.family, token: `${next.id}.${next.secret}` };
    },

    async familyOf(presented) {
      return (await genuine(presented))?.record.familyId ?? null;
    },
  };
}
