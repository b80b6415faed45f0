// Owns what ending a session or family means for the access tokens it issued: `sid` revocations for the ended
// ones, a `jti` one for a logged-out token, a per-user cut-off for logout-all and role removal. An access token
// still verifies for the clock tolerance past its `exp`, so each revocation lasts that much longer than what it
// covers. Operations do every other durable step first and revoke in one call: a failed publish (503) comes
// after all of it is stored, so nothing is left half done and a retry is harmless.
import type { AccessClaims } from './access-tokens.js';
import type { GatehouseConfig } from './config.js';
import { CLOCK_TOLERANCE_SECONDS } from './keys.js';
import type { RevocationList } from './revocation.js';
import type { RevocationRecord } from './store.js';

/** How long past its `exp` an access token still verifies, so how long past it a revocation must hold. */
const CLOCK_TOLERANCE_MS = CLOCK_TOLERANCE_SECONDS * 1000;

export interface AccessRevoker {
  /** Denies every access token of these sessions/families until the last one could have expired. */
  sessions(ids: readonly string[], now: number): Promise<void>;
  /** Denies this token at once, and every other token of its family. */
  token(claims: AccessClaims, now: number): Promise<void>;
  /** Denies every token of the user issued before `now` (and of the ended `ids`, issued in the same second). */
  user(userId: string, now: number, ids?: readonly string[]): Promise<void>;
}

export function createAccessRevoker(revocations: RevocationList, config: Readonly<GatehouseConfig>): AccessRevoker {
  const accessTtlMs = config.accessTtlSeconds * 1000 + CLOCK_TOLERANCE_MS;
  const sid = (ids: readonly string[], now: number): RevocationRecord[] =>
    ids.map((id) => ({ kind: 'sid', subject: id, revokedAt: now, expiresAt: now + accessTtlMs }));
  return {
    sessions: (ids, now) => revocations.revoke(...sid(ids, now)),
    token(claims, now) {
      const jti: RevocationRecord = { kind: 'jti', subject: claims.jti, revokedAt: now, expiresAt: claims.exp * 1000 + CLOCK_TOLERANCE_MS };
      return revocations.revoke(jti, ...sid([claims.sid], now));
    },
    user(userId, now, ids = []) {
      const cutoff: RevocationRecord = { kind: 'user', subject: userId, revokedAt: now, expiresAt: now + accessTtlMs };
      return revocations.revoke(...sid(ids, now), cutoff);
    },
  };
}
