// Owns the in-memory one-time-token store: tokens by id. A Map delete in one synchronous step is the atomic
// read-and-delete; records are copied on the way in and out.

import type { OneTimeTokenRecord, OneTimeTokenStore } from '../../core/store.js';

export function createOneTimeTokenStore(): OneTimeTokenStore {
  const byId = new Map<string, OneTimeTokenRecord>();

  function deleteWhere(match: (token: OneTimeTokenRecord) => boolean): number {
    let count = 0;
    for (const [id, token] of byId) {
      if (match(token)) {
        byId.delete(id);
        count++;
      }
    }
    return count;
  }

  return {
    async issue(token) {
      if (byId.has(token.id)) throw new Error(`memory store: duplicate one-time token id ${token.id}`);
      deleteWhere((t) => t.userId === token.userId && t.purpose === token.purpose);
      byId.set(token.id, structuredClone(token));
    },
    async consume(id) {
      const token = byId.get(id);
      if (!token) return null;
      byId.delete(id);
      return structuredClone(token);
    },
    async deleteByUser(userId, purposes) {
      return deleteWhere((t) => t.userId === userId && (purposes === undefined || purposes.includes(t.purpose)));
    },
    async deleteExpired(now) {
      return deleteWhere((t) => t.expiresAt <= now);
    },
  };
}
