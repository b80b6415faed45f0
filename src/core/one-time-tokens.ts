// Owns the one-time tokens mailed for the account lifecycle (SPEC §5): their `id.secret` form (128-bit id,
// 256-bit secret), issuing one (only the secret's SHA-256 kept; older ones of the purpose voided by the
// store), and redeeming one: an atomic consume, then purpose, secret and expiry checked, every failure the
// same `400 invalid_token`.
import { hashSecret, newSessionCredential, parseSessionToken, safeEqual, type RandomBytes } from './credentials.js';
import { GatehouseError } from './errors.js';
import type { OneTimeTokenPurpose, OneTimeTokenRecord, OneTimeTokenStore } from './store.js';

export interface OneTimeTokens {
  /** A new token for the user and purpose, valid `ttlSeconds`; the older ones of that purpose are void. */
  issue(userId: string, purpose: OneTimeTokenPurpose, data: string | null, ttlSeconds: number, now: number): Promise<{ token: string; id: string }>;
  /** The token's record, spent; throws `invalid_token` for an unknown, used, expired, forged or wrong-purpose one. */
  redeem(token: string, purpose: OneTimeTokenPurpose, now: number): Promise<OneTimeTokenRecord>;
}

const invalid = () => new GatehouseError('invalid_token', 'The link is invalid or has expired; ask for a new one.');

export function createOneTimeTokens(store: OneTimeTokenStore, random: RandomBytes): OneTimeTokens {
  return {
    async issue(userId, purpose, data, ttlSeconds, now) {
      const { id, secret, token } = newSessionCredential(random);
      await store.issue({ id, secretHash: hashSecret(secret), userId, purpose, data, createdAt: now, expiresAt: now + ttlSeconds * 1000 });
      return { token, id };
    },

    async redeem(token, purpose, now) {
      const parsed = parseSessionToken(token);
      if (!parsed) throw invalid();
      // Spent whatever follows: a token presented with the wrong secret or purpose is burnt, never retried.
      const record = await store.consume(parsed.id);
      if (!record) throw invalid();
      const genuine = safeEqual(hashSecret(parsed.secret), record.secretHash);
      if (!genuine || record.purpose !== purpose || record.expiresAt <= now) throw invalid();
      return record;
    },
  };
}
