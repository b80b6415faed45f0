// Owns `createVerifier` (gatehouse/verify): access-token checks for services that only verify, with no
// database — the server's JWKS fetched and cached (refetched on an unknown kid at most once per cooldown),
// pinned algorithm, issuer and audience, and a live revocation view fed by the server's revocation stream.
// It knows how stale that view may be and fails closed past a bound.
import { createRemoteJWKSet } from 'jose';
import { verifyAccessToken, type AccessClaims } from '../core/access-tokens.js';
import { GatehouseError } from '../core/errors.js';
import { createRevocationList, HEARTBEAT_MS } from '../core/revocation.js';
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

export interface Verifier {
  /** Claims of a genuine, current, unrevoked token; null otherwise. Throws `unavailable` when the revocation view is too stale. */
  verify(token: string): Promise<AccessClaims | null>;
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
    async verify(token) {
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
      return claims && !revocations.isRevoked(claims, now) ? claims : null;
    },
    staleness: () => (lastHeardAt === null ? null : clock() - lastHeardAt),
    ready: () => readyPromise,
    close() {
      feed?.close();
    },
  };
}
