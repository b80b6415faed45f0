// Owns what operators and the outer layers ask of a running engine: readiness (store reachable, revocations
// live), the read-only view of revocations the feed streams to verifiers, signing-key rotation and listing for
// the CLI, the JWKS, periodic upkeep, and closing.
import type { Gatehouse, RevocationFeedSource, SigningKeySummary } from './gatehouse.js';
import type { EngineParts } from './parts.js';
import type { SigningKeyRecord } from './store.js';

type OperationMembers = Pick<Gatehouse, 'health' | 'revocationFeed' | 'rotateKeys' | 'listKeys' | 'jwks' | 'maintain' | 'close'>;

const summary = ({ kid, createdAt, activatesAt, retiredAt, expiresAt }: SigningKeyRecord): SigningKeySummary =>
  ({ kid, createdAt, activatesAt, retiredAt, expiresAt });

export function createOperations(parts: EngineParts): OperationMembers {
  const { store, clock, sessions, keys, revocations } = parts;
  type FeedListener = Parameters<RevocationFeedSource['subscribe']>[0];
  const feedListeners = new Set<FeedListener>();

  const revocationFeed: RevocationFeedSource = {
    get live() {
      return revocations.live;
    },
    now: () => clock(),
    snapshot: () => revocations.snapshot(clock()),
    subscribe(listener) {
      const unsubscribe = revocations.subscribe((revocation) => listener.revocation(revocation));
      feedListeners.add(listener);
      return () => {
        unsubscribe();
        feedListeners.delete(listener);
      };
    },
  };

  return {
    async health() {
      let reachable = true;
      try {
        await store.ping();
      } catch {
        reachable = false;
      }
      return { storeKind: store.kind, store: reachable, live: revocations.live };
    },

    revocationFeed,

    rotateKeys: async () => summary(await keys.rotate(clock())),
    listKeys: () => keys.list().map(summary),
    jwks: () => keys.jwks(clock()),

    async maintain() {
      const now = clock();
      await keys.maintain(now);
      revocations.prune(now);
      await store.revocations.deleteExpired(now);
      await store.sessions.deleteExpired(now);
      await store.refreshTokens.deleteExpired(now);
      await store.rateLimits.deleteExpired(now);
      await store.oneTimeTokens.deleteExpired(now);
      await store.mfa.deleteExpiredChallenges(now);
      await parts.audit.prune(now);
    },

    async close() {
      sessions.close();
      const listeners = [...feedListeners];
      feedListeners.clear();
      for (const listener of listeners) listener.closed();
      await revocations.close();
    },
  };
}
