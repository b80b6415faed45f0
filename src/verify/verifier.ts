// Owns `createVerifier` (gatehouse/verify): access-token checks for services that only verify, with no
// database — the server's JWKS fetched and cached (refetched on an unknown kid at most once per cooldown),
// pinned algorithm, issuer and audience, and a live revocation view fed by the server's revocation stream.
// It knows how stale that view may be and fails closed past a bound. It also reads the token's step-up proof
// (`auth_time`, `amr`) and, when asked, demands a recent or strong enough one (SPEC §6).
import { createRemoteJWKSet } from 'jose';
import { verifyAccessToken, type AccessClaims } from '../core/access-tokens.js';
import { GatehouseError } from '../core/errors.js';
import type { AuthMethod } from '../core/gatehouse.js';
import { createRevocationList, HEARTBEAT_MS } from '../core/revocation.js';
import { checkProofRequirement, isAuthMethod, requireProof, type ProofRequirement } from '../core/step-up.js';
import type { RevocationRecord } from '../core/store.js';
import { connectSse } from './sse.js';

export interface VerifierOptions {
  /** e.g. `https://auth.example.com/.well-known/jwks.json` */
  jwksUrl: string;
  issuer: string;
  audience: string;
  /**
   * The server's revocation feed, e.g. `https://auth.example.com/auth/revocations`. `null` turns revocation
   * checks off (a logout is then honoured only when the access token expires): it must be said explicitly.
   */
  revocationsUrl: string | null;
  /** Headers for the feed request, e.g. `{ authorization: 'Bearer <feed token>' }`. */
  revocationsHeaders?: Record<string, string>;
  /**
   * With no heartbeat (or snapshot) from a live server for longer than this, `verify` fails closed with
   * `unavailable`. Default 30 s.
   */
  maxStalenessMs?: number;
  /** An unknown kid refetches the JWKS at most once per this period. Default 30 s. */
  jwksCooldownMs?: number;
  /** The longest access-token lifetime to accept, in seconds. Default 3600. */
  maxTtlSeconds?: number;
  /** Epoch milliseconds. */
  clock?: () => number;
  fetch?: typeof fetch;
}

/** The claims of a verified token, and its step-up proof read from them. */
export type VerifiedClaims = AccessClaims & {
  /** When the user last proved who they are (epoch ms, from `auth_time`); null for a token without one. */
  authTime: number | null;
  /** How (from `amr`: `pwd`, `otp`, `hwk`); values this version does not know are left out. */
  amr: AuthMethod[];
};

/** What `verify` may demand of the token's proof (as `requireAuth`'s options of the same names). */
export interface VerifyRequirement extends ProofRequirement {
  /** Seconds: the user proved who they are at most this long ago (`auth_time`). */
  maxAge?: number | undefined;
  /** The proof includes at least one of these methods. */
  amr?: readonly AuthMethod[] | undefined;
}

export interface Verifier {
  /**
   * Claims of a genuine, current, unrevoked token; null otherwise. With `require`, a genuine token whose proof
   * is older than `maxAge` or made with none of `amr` throws `reauthentication_required` (answer 403: the user
   * should reauthenticate at the server, not sign in afresh). Throws `unavailable` when the revocation view is
   * too stale.
   */
  verify(token: string, require?: VerifyRequirement): Promise<VerifiedClaims | null>;
  /** Milliseconds since the last heartbeat or snapshot; null before the first snapshot (or without a feed). */
  staleness(): number | null;
  /** Resolves once the first revocation snapshot has arrived (at once without a feed). */
  ready(): Promise<void>;
  close(): void;
}

const NO_STORE = { add: async () => {}, list: async () => [], changes: async () => ({ revocations: [], cursor: 0 }), deleteExpired: async () => 0 };

export function createVerifier(options: VerifierOptions): Verifier {
  const clock = options.clock ?? Date.now;
  const maxStalenessMs = options.maxStalenessMs ?? 30_000;
  const jwks = createRemoteJWKSet(new URL(options.jwksUrl), { cooldownDuration: options.jwksCooldownMs ?? 30_000 });
  const revocations = createRevocationList(NO_STORE);
  let lastHeardAt: number | null = null;
  let markReady: () => void = () => {};
  const readyPromise = new Promise<void>((resolve) => {
    markReady = resolve;
  });

  const feed = options.revocationsUrl === null ? null : connectSse({
    url: options.revocationsUrl,
    headers: options.revocationsHeaders ?? {},
    // A healthy feed is never silent longer than a heartbeat: replace a connection silent for a few (or for
    // the staleness bound, if shorter) instead of waiting minutes on a half-open one while failing closed.
    idleTimeoutMs: Math.min(maxStalenessMs, 3 * HEARTBEAT_MS),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    onEvent(event) {
      // Only a snapshot or a heartbeat says "nothing else was missed": a server sends them only while it is
      // itself live (listening to every instance's revocations). Revocation events alone prove nothing.
      if (event.event === 'snapshot') {
        revocations.reset((JSON.parse(event.data) as RevocationRecord[]));
        lastHeardAt = clock();
        markReady();
      } else if (event.event === 'heartbeat') {
        lastHeardAt = clock();
      } else if (event.event === 'revocation') {
        revocations.apply(JSON.parse(event.data) as RevocationRecord);
      }
      revocations.prune(clock());
    },
  });
  if (!feed) markReady();

  return {
    async verify(token, require) {
      if (require !== undefined) checkProofRequirement(require);
      const now = clock();
      if (feed && (lastHeardAt === null || now - lastHeardAt > maxStalenessMs)) {
        throw new GatehouseError('unavailable', 'The revocation feed is unreachable; tokens cannot be checked.', { retryAfterSeconds: 1 });
      }
      const claims = await verifyAccessToken(token, {
        issuer: options.issuer,
        audience: options.audience,
        now,
        maxTtlSeconds: options.maxTtlSeconds ?? 3600,
        keyFor: (kid) => jwks({ alg: 'EdDSA', kid }),
      });
      if (!claims || revocations.isRevoked(claims, now)) return null;
      const verified: VerifiedClaims = {
        ...claims,
        authTime: claims.auth_time === undefined ? null : claims.auth_time * 1000,
        amr: (claims.amr ?? []).filter(isAuthMethod),
      };
      // A token without auth_time has no proof to show: it meets no age requirement.
      if (require !== undefined) requireProof({ authTime: verified.authTime ?? Number.NEGATIVE_INFINITY, amr: verified.amr }, require, now);
      return verified;
    },
    staleness: () => (lastHeardAt === null ? null : clock() - lastHeardAt),
    ready: () => readyPromise,
    close() {
      feed?.close();
    },
  };
}
