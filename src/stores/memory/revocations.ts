// Owns the in-memory revocation store: revocations by (kind, subject), each stamped for the `changes` cursor.
// Records are copied on the way in and out, so callers never hold live references to stored state.

import type { RevocationRecord, RevocationStore } from '../../core/store.js';

export function createRevocationStore(): RevocationStore {
  const revocations = new Map<string, RevocationRecord>();
  /** The `changes` cursor: each add stamps its row with the next number. */
  const changedAt = new Map<string, number>();
  let sequence = 0;
  // A NUL byte cannot appear in a kind, so the composite key is unambiguous.
  const keyOf = (r: Pick<RevocationRecord, 'kind' | 'subject'>) => `${r.kind}\u0000${r.subject}`;

  return {
    async add(revocation) {
      const key = keyOf(revocation);
      const current = revocations.get(key);
      changedAt.set(key, ++sequence);
      revocations.set(
        key,
        current
          ? {
              ...current,
              revokedAt: Math.max(current.revokedAt, revocation.revokedAt),
              expiresAt: Math.max(current.expiresAt, revocation.expiresAt),
            }
          : structuredClone(revocation),
      );
    },
    async list(now) {
      return [...revocations.values()].filter((r) => r.expiresAt > now).map((record) => structuredClone(record));
    },
    async changes(cursor, now) {
      const since = cursor ?? 0;
      const changed = [...revocations].filter(([key, r]) => r.expiresAt > now && (changedAt.get(key) ?? 0) > since);
      return { revocations: changed.map(([, r]) => structuredClone(r)), cursor: sequence };
    },
    async deleteExpired(now) {
      let deleted = 0;
      for (const [key, revocation] of revocations) {
        if (revocation.expiresAt <= now) {
          revocations.delete(key);
          changedAt.delete(key);
          deleted++;
        }
      }
      return deleted;
    },
  };
}
