// Owns passkey challenges (SPEC §6): single use, 5 minutes, and good on every instance and every backend without a
// table of their own. A challenge is sealed, not stored: its bytes are a SecretBox seal (AES-256-GCM under the
// secret every instance shares, bound to its own context) of {id, purpose, user, expiry}, so any instance can open
// and check one it did not issue, and nobody can forge one. Handing one out writes nothing (login options are
// unauthenticated: no row per anonymous request). Single use comes from the one atomic primitive every store has
// (memory, SQL, Redis), RateLimitStore.hit: the first hit on `passkey-challenge:<id>` counts 1, any later one more.
// Its window is the challenge's lifetime, so the mark outlives the challenge and upkeep then deletes it.
import type { RandomBytes } from './credentials.js';
import type { SecretBox } from './secret-box.js';
import type { RateLimitStore } from './store.js';

export const CHALLENGE_TTL_MS = 5 * 60 * 1000;
const CONTEXT = 'passkey-challenge v1';

export type ChallengePurpose = 'register' | 'login';

interface Claims {
  /** Random id: the single-use mark's key. */
  i: string;
  p: ChallengePurpose;
  /** The user registering; null for a login (the credential says who). */
  u: string | null;
  /** Expiry, epoch ms. */
  e: number;
}

export interface PasskeyChallenges {
  /** A new challenge's bytes, for the options the browser hands to the authenticator. */
  issue(purpose: ChallengePurpose, userId: string | null, now: number): Uint8Array<ArrayBuffer>;
  /**
   * Whether `challenge` (base64url, as clientDataJSON carries it) is one of ours, for this purpose and user, not
   * expired at `now`, and presented for the first time — which it no longer is after this call (even if the
   * ceremony then fails: a challenge is presented once).
   */
  redeem(challenge: string, purpose: ChallengePurpose, userId: string | null, now: number): Promise<boolean>;
}

function parseClaims(text: string): Claims | null {
  try {
    const value = JSON.parse(text) as Partial<Claims> | null;
    if (typeof value?.i !== 'string' || (value.p !== 'register' && value.p !== 'login') || typeof value.e !== 'number') return null;
    if (value.u !== null && typeof value.u !== 'string') return null;
    return { i: value.i, p: value.p, u: value.u, e: value.e };
  } catch {
    return null;
  }
}

export function createPasskeyChallenges(box: SecretBox, rateLimits: RateLimitStore, random: RandomBytes): PasskeyChallenges {
  return {
    issue(purpose, userId, now) {
      const claims: Claims = { i: Buffer.from(random(16)).toString('base64url'), p: purpose, u: userId, e: now + CHALLENGE_TTL_MS };
      return new Uint8Array(Buffer.from(box.seal(Buffer.from(JSON.stringify(claims)), CONTEXT), 'base64url'));
    },

    async redeem(challenge, purpose, userId, now) {
      if (!/^[A-Za-z0-9_-]{1,1024}$/.test(challenge)) return false;
      let claims: Claims | null;
      try {
        claims = parseClaims(box.open(challenge, CONTEXT).toString('utf8'));
      } catch {
        return false; // not sealed by this deployment's secret for this purpose, or altered
      }
      if (claims === null || claims.p !== purpose || claims.u !== userId || now > claims.e) return false;
      const { count } = await rateLimits.hit(`passkey-challenge:${claims.i}`, CHALLENGE_TTL_MS, now);
      return count === 1;
    },
  };
}
