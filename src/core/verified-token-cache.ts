// Owns the verified-token cache: access tokens that passed verifyAccessToken, remembered by the SHA-256 of the
// whole token so a repeat costs a hash and a Map lookup instead of an Ed25519 verify. It caches only what the
// signature and the claims prove: on every hit the clock checks run again and keyFor must hand back the very key
// object that verified (a retired, removed or replaced kid misses), so a hit gives exactly the verdict a full
// verification would. Revocation is not its business: callers check it on every request, hit or miss.
import { hash } from 'node:crypto';
import {
  isCurrent,
  isPromise,
  MAX_TOKEN_LENGTH,
  verifyAccessTokenDetailed,
  type AccessClaims,
  type MaybePromise,
  type TokenRules,
  type VerificationKey,
  type VerifiedToken,
} from './access-tokens.js';

export const DEFAULT_VERIFIED_TOKEN_CACHE_SIZE = 10_000;

export interface VerifiedTokenCacheOptions extends TokenRules {
  /** Our key for this kid at `now` (epoch ms), given the token's iat in ms; null (or a throw) when not trusted. */
  keyFor(kid: string, issuedAtMs: number, now: number): MaybePromise<VerificationKey | null>;
  /** The most tokens remembered (default 10 000; an odd number counts as the next even one); the least recently
   * used go first. 0 turns the cache off. */
  maxEntries?: number;
}

export interface VerifiedTokenCache {
  /** verifyAccessToken's verdict for `token` at `now` (epoch ms), from memory when the token was seen before. */
  verify(token: string, now: number): Promise<AccessClaims | null>;
  /** Tokens remembered now. */
  size(): number;
}

export function createVerifiedTokenCache(options: VerifiedTokenCacheOptions): VerifiedTokenCache {
  const { issuer, audience, maxTtlSeconds } = options;
  const maxEntries = options.maxEntries ?? DEFAULT_VERIFIED_TOKEN_CACHE_SIZE;
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 0) throw new RangeError('maxEntries must be a whole number, 0 or more.');
  // Two generations of SHA-256(token) → verified token, each at most half the bound: new entries go to the
  // current one; when it is full the previous one is dropped whole and the current one takes its place; a hit
  // in the previous one moves up. An LRU in O(1) without reordering a Map on every hit (V8 Maps slow down
  // badly when used as a queue: deleted slots pile up at the front until the next rehash).
  const generation = Math.ceil(maxEntries / 2);
  let current = new Map<string, VerifiedToken>();
  let previous = new Map<string, VerifiedToken>();

  function remember(id: string, entry: VerifiedToken): void {
    if (current.size >= generation) {
      previous = current;
      current = new Map();
    }
    current.set(id, entry);
  }

  function recall(id: string): VerifiedToken | undefined {
    const hit = current.get(id);
    if (hit) return hit;
    const old = previous.get(id);
    if (old) {
      previous.delete(id);
      remember(id, old);
    }
    return old;
  }

  function forget(id: string): void {
    current.delete(id);
    previous.delete(id);
  }

  /** Synchronous when keyFor is: a hit costs no promise of its own. */
  function stillTrusted(entry: VerifiedToken, now: number): MaybePromise<boolean> {
    try {
      const key = options.keyFor(entry.kid, entry.claims.iat * 1000, now);
      return isPromise(key) ? key.then((found) => found === entry.key, () => false) : key === entry.key;
    } catch {
      return false;
    }
  }

  return {
    async verify(token, now) {
      if (token.length > MAX_TOKEN_LENGTH) return null;
      const id = maxEntries > 0 ? hash('sha256', token, 'base64') : '';
      const entry = maxEntries > 0 ? recall(id) : undefined;
      if (entry) {
        // Past exp (or a clock set back before iat): drop it; a full verification would refuse it too.
        if (!isCurrent(entry, now)) {
          forget(id);
          return null;
        }
        const trusted = stillTrusted(entry, now);
        if (isPromise(trusted) ? await trusted : trusted) return copy(entry.claims);
        forget(id);
      }
      const pending = verifyAccessTokenDetailed(token, {
        issuer,
        audience,
        maxTtlSeconds,
        now,
        keyFor: (kid, issuedAtMs) => options.keyFor(kid, issuedAtMs, now),
      });
      const verified = isPromise(pending) ? await pending : pending;
      if (!verified) return null;
      if (maxEntries > 0) remember(id, verified);
      return copy(verified.claims);
    },
    size: () => current.size + previous.size,
  };
}

/** Callers get their own object: nothing they do to it reaches the cache. */
function copy(claims: AccessClaims): AccessClaims {
  return claims.amr === undefined ? { ...claims, roles: [...claims.roles] } : { ...claims, roles: [...claims.roles], amr: [...claims.amr] };
}
