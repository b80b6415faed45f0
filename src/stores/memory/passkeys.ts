// Owns the in-memory passkey store: passkeys by credential id. The counter check-and-set runs in one synchronous
// step (no await between the read and the write), which is what makes it atomic here; records are copied on the
// way in and out.

import type { PasskeyRecord, PasskeyStore } from '../../core/store.js';

export function createPasskeyStore(): PasskeyStore {
  const byId = new Map<string, PasskeyRecord>();

  return {
    async create(passkey) {
      if (byId.has(passkey.id)) return false;
      byId.set(passkey.id, structuredClone(passkey));
      return true;
    },
    async findById(id) {
      const passkey = byId.get(id);
      return passkey ? structuredClone(passkey) : null;
    },
    async listByUser(userId) {
      return [...byId.values()]
        .filter((p) => p.userId === userId)
        .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .map((p) => structuredClone(p));
    },
    async recordUse(id, counter, backedUp, now) {
      const passkey = byId.get(id);
      if (!passkey) return false;
      if (!(counter > passkey.counter || (counter === 0 && passkey.counter === 0))) return false;
      byId.set(id, { ...passkey, counter, backedUp, lastUsedAt: now });
      return true;
    },
    async delete(userId, id) {
      const passkey = byId.get(id);
      if (!passkey || passkey.userId !== userId) return false;
      byId.delete(id);
      return true;
    },
    async deleteByUser(userId) {
      let count = 0;
      for (const [id, passkey] of byId) {
        if (passkey.userId === userId) {
          byId.delete(id);
          count++;
        }
      }
      return count;
    },
  };
}
