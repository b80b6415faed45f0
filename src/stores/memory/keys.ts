// Owns the in-memory signing-key store: key records by kid, listed oldest first.
// Records are copied on the way in and out, so callers never hold live references to stored state.

import type { KeyStore, SigningKeyRecord } from '../../core/store.js';

export function createKeyStore(): KeyStore {
  const keys = new Map<string, SigningKeyRecord>();

  return {
    async list() {
      // Map iteration is insertion order; the stable sort keeps it for equal createdAt.
      return [...keys.values()].sort((a, b) => a.createdAt - b.createdAt).map((record) => structuredClone(record));
    },
    async insert(key) {
      if (keys.has(key.kid)) throw new Error(`memory store: duplicate key id ${key.kid}`);
      keys.set(key.kid, structuredClone(key));
    },
    async retire(kid, retiredAt, expiresAt) {
      const key = keys.get(kid);
      if (!key || key.retiredAt !== null) return false;
      key.retiredAt = retiredAt;
      key.expiresAt = expiresAt;
      return true;
    },
    async deleteExpired(now) {
      let deleted = 0;
      for (const [kid, key] of keys) {
        if (key.retiredAt !== null && key.expiresAt !== null && key.expiresAt <= now) {
          keys.delete(kid);
          deleted++;
        }
      }
      return deleted;
    },
  };
}
