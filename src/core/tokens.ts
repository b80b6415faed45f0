// Owns token mode's access side: minting access tokens with the current signing key, and authenticating a
// bearer token — signature and claims (access-tokens.ts, remembered by verified-token-cache.ts), then
// revocation on the in-memory fast path.
import type { KeyObject } from 'node:crypto';
import { issueAccessToken, type AccessClaims, type MaybePromise } from './access-tokens.js';
import type { GatehouseConfig } from './config.js';
import { GatehouseError } from './errors.js';
import type { AuthProof } from './gatehouse.js';
import type { RandomBytes } from './credentials.js';
import type { KeyRing } from './keys.js';
import type { RevocationList } from './revocation.js';
import { createVerifiedTokenCache } from './verified-token-cache.js';

const KEY_RELOAD_INTERVAL_MS = 1000;

export interface TokenService {
  /** An access token for the subject, carrying the session's or family's `sessionId` and proof (`auth_time`, `amr`). */
  issue(subject: { userId: string; roles: readonly string[]; proof: AuthProof }, sessionId: string, now: number, ttlSeconds?: number): Promise<{ token: string; claims: AccessClaims }>;
  /** The claims of a genuine, current, unrevoked access token; null otherwise. */
  authenticate(token: string, now: number): Promise<AccessClaims | null>;
  /** Signature and claims only, without the revocation check. */
  verify(token: string, now: number): Promise<AccessClaims | null>;
}

export function createTokenService(deps: {
  config: Readonly<GatehouseConfig>;
  ring: KeyRing;
  revocations: RevocationList;
  random: RandomBytes;
}): TokenService {
  const { config, ring, revocations, random } = deps;

  // A kid this instance has not seen may be a key another instance created (two instances starting on an
  // empty database both make one): re-read the store, at most once a second of the engine's clock (one set back
  // starts over), however many such tokens come.
  // Synchronous for a known kid, so a cached token costs no promise of its own.
  let lastReload = 0;
  let reloading: Promise<void> | undefined;
  function keyFor(kid: string, issuedAtMs: number, now: number): MaybePromise<KeyObject | null> {
    const key = ring.verificationKey(kid, issuedAtMs, now);
    if (key || ring.list().some((k) => k.kid === kid)) return key;
    if (now - lastReload >= KEY_RELOAD_INTERVAL_MS || now < lastReload) {
      lastReload = now;
      reloading ??= ring.reload().catch(() => {}).finally(() => (reloading = undefined)); // unreadable: the kid stays unknown
    }
    return reloading ? reloading.then(() => ring.verificationKey(kid, issuedAtMs, now)) : null;
  }

  // Repeat tokens skip the signature check (verified-token-cache.ts); revocation is still checked every time.
  const cache = createVerifiedTokenCache({
    issuer: config.issuer,
    audience: config.audience,
    maxTtlSeconds: config.accessTtlSeconds,
    maxEntries: config.verifiedTokenCacheSize,
    keyFor,
  });
  const verify = (token: string, now: number) => cache.verify(token, now);

  return {
    issue(subject, sessionId, now, ttlSeconds = config.accessTtlSeconds) {
      return issueAccessToken({
        issuer: config.issuer,
        audience: config.audience,
        subject: subject.userId,
        sessionId,
        roles: subject.roles,
        proof: subject.proof,
        jti: Buffer.from(random(16)).toString('base64url'),
        now,
        ttlSeconds: Math.min(ttlSeconds, config.accessTtlSeconds),
        key: ring.signingKey(now),
      });
    },
    verify,
    async authenticate(token, now) {
      // Another instance's revocation may have been missed: refuse to answer rather than pass it unchecked.
      if (!revocations.live) {
        throw new GatehouseError('unavailable', 'Revocations from other instances cannot be checked right now; try again shortly.', { retryAfterSeconds: 1 });
      }
      const claims = await verify(token, now);
      return claims && !revocations.isRevoked(claims, now) ? claims : null;
    },
  };
}
