// Owns the in-memory refresh-token store: families, their tokens, and rotation (atomic: nothing in it awaits).
// Records are copied on the way in and out, so callers never hold live references to stored state.

import type { RefreshFamilyRecord, RefreshTokenRecord, RefreshTokenStore } from '../../core/store.js';

const familyValid = (family: RefreshFamilyRecord, now: number): boolean =>
  family.revokedAt === null && family.expiresAt > now && family.absoluteExpiresAt > now;

export function createRefreshTokenStore(): RefreshTokenStore {
  const families = new Map<string, RefreshFamilyRecord>();
  const tokens = new Map<string, RefreshTokenRecord>();
  const tokenIdsByFamily = new Map<string, Set<string>>();

  const insertToken = (token: RefreshTokenRecord): void => {
    if (tokens.has(token.id)) throw new Error(`memory store: duplicate refresh token id ${token.id}`);
    tokens.set(token.id, structuredClone(token));
    tokenIdsByFamily.get(token.familyId)?.add(token.id);
  };

  return {
    async createFamily(family, token) {
      if (families.has(family.id)) throw new Error(`memory store: duplicate refresh family id ${family.id}`);
      if (token.familyId !== family.id) throw new Error('memory store: the first token must belong to the new family');
      if (tokens.has(token.id)) throw new Error(`memory store: duplicate refresh token id ${token.id}`);
      families.set(family.id, structuredClone(family));
      tokenIdsByFamily.set(family.id, new Set());
      insertToken(token);
    },
    async getToken(id) {
      const token = tokens.get(id);
      return token ? structuredClone(token) : null;
    },
    async getFamily(id) {
      const family = families.get(id);
      return family ? structuredClone(family) : null;
    },
    // Atomic because nothing in here awaits: no other call can run between the reads and the writes.
    async rotate(tokenId, successor, now, graceMs, familyExpiresAt) {
      const token = tokens.get(tokenId);
      const family = token ? families.get(token.familyId) : undefined;
      if (!token || !family || !familyValid(family, now)) return { status: 'invalid' };
      if (token.usedAt === null) {
        if (successor.familyId !== family.id) throw new Error('memory store: the successor must belong to the same family');
        insertToken(successor);
        token.usedAt = now;
        token.successorId = successor.id;
        family.lastUsedAt = now;
        family.expiresAt = familyExpiresAt;
        return { status: 'rotated', family: structuredClone(family) };
      }
      if (now - token.usedAt <= graceMs && token.successorId === successor.id) {
        return { status: 'retry', family: structuredClone(family) };
      }
      family.revokedAt = now;
      return { status: 'reused', family: structuredClone(family) };
    },
    async listFamiliesByUser(userId, now) {
      return [...families.values()]
        .filter((f) => f.userId === userId && familyValid(f, now))
        .sort((a, b) => b.createdAt - a.createdAt)
        .map((record) => structuredClone(record));
    },
    async revokeFamily(id, now) {
      const family = families.get(id);
      if (!family || family.revokedAt !== null) return false;
      family.revokedAt = now;
      return true;
    },
    async setFamilyProof(id, authTime, amr, now) {
      const family = families.get(id);
      if (!family || !familyValid(family, now)) return false;
      family.authTime = authTime;
      family.amr = [...amr];
      return true;
    },
    async revokeFamiliesByUser(userId, now, exceptId) {
      const revoked: string[] = [];
      for (const family of families.values()) {
        if (family.userId === userId && family.id !== exceptId && family.revokedAt === null) {
          family.revokedAt = now;
          revoked.push(family.id);
        }
      }
      return revoked;
    },
    async deleteExpired(now) {
      let deleted = 0;
      for (const [id, family] of families) {
        if (family.expiresAt <= now || family.absoluteExpiresAt <= now) {
          for (const tokenId of tokenIdsByFamily.get(id) ?? []) tokens.delete(tokenId);
          tokenIdsByFamily.delete(id);
          families.delete(id);
          deleted++;
        }
      }
      return deleted;
    },
  };
}
