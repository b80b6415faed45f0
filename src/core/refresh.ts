// Owns refresh tokens: opaque `id.secret` credentials (256-bit secret, stored hashed), grouped in families,
// single use and rotated at every refresh. The successor of a token is derived from its secret with a
// server key, so a retry inside the grace window gets the very same successor without any secret stored.
import { createHmac } from 'node:crypto';
import type { GatehouseConfig } from './config.js';
import type { AuthProof } from './gatehouse.js';
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
  /** A new family for a user who proved who they are with `proof`. */
  start(userId: string, mode: 'token' | 'hybrid', context: SessionContext, proof: AuthProof, now: number): Promise<IssuedRefreshToken>;
  /**
   * The stored record of a presented token, if it is genuine (its secret matches): the one read of the token
   * that a refresh or a logout needs. Spent and revoked tokens are genuine too; `rotate` judges them.
   */
  find(presented: string): Promise<GenuineRefreshToken | null>;
  /**
   * Spends a token `find` returned and returns its successor. Throws `unauthenticated` for an expired or revoked
   * one, and `refresh_token_reused` when a spent token comes back after the grace window (the family is then
   * revoked).
   */
  rotate(found: GenuineRefreshToken, now: number): Promise<IssuedRefreshToken & { status: 'rotated' | 'retry' }>;
}

/** A presented refresh token whose secret matched its stored record. */
export interface GenuineRefreshToken {
  record: RefreshTokenRecord;
  /** The presented secret (its successor is derived from it). */
  secret: string;
}

/** The one refusal for a refresh token that is not genuine, expired or revoked: which of them is not said. */
export const invalidRefreshToken = () => new GatehouseError('unauthenticated', 'The refresh token is invalid or expired.');

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

  return {
    async start(userId, mode, context, proof, now) {
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
        authTime: proof.authTime,
        amr: [...proof.amr],
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

    async find(presented) {
      const parsed = parseSessionToken(presented);
      if (!parsed) return null;
      const record = await store.refreshTokens.getToken(parsed.id);
      return record && secretMatches(parsed.secret, record.secretHash) ? { record, secret: parsed.secret } : null;
    },

    async rotate(found, now) {
      const family = await store.refreshTokens.getFamily(found.record.familyId);
      if (!family) throw invalidRefreshToken();
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
      if (result.status === 'invalid') throw invalidRefreshToken();
      return { status: result.status, family: result.family, token: `${next.id}.${next.secret}` };
    },
  };
}
