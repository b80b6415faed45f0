// Owns the in-memory user store: users by id, and ids by canonical email (which makes create atomic).
// Records are copied on the way in and out, so callers never hold live references to stored state.

import type { UserRecord, UserStore } from '../../core/store.js';

export function createUserStore(): UserStore {
  const byId = new Map<string, UserRecord>();
  const idByEmail = new Map<string, string>();

  return {
    async create(user) {
      if (idByEmail.has(user.email)) return null;
      if (byId.has(user.id)) throw new Error(`memory store: duplicate user id ${user.id}`);
      const stored = structuredClone(user);
      byId.set(stored.id, stored);
      idByEmail.set(stored.email, stored.id);
      return structuredClone(stored);
    },
    async findById(id) {
      const user = byId.get(id);
      return user ? structuredClone(user) : null;
    },
    async findByEmail(email) {
      const id = idByEmail.get(email);
      const user = id === undefined ? undefined : byId.get(id);
      return user ? structuredClone(user) : null;
    },
    async updatePassword(id, passwordHash, now) {
      const user = byId.get(id);
      if (!user) return false;
      user.passwordHash = passwordHash;
      user.updatedAt = now;
      return true;
    },
    async replacePasswordHash(id, expected, passwordHash, now) {
      const user = byId.get(id);
      if (user?.passwordHash !== expected) return false;
      user.passwordHash = passwordHash;
      user.updatedAt = now;
      return true;
    },
    async setRoles(id, roles, now) {
      const user = byId.get(id);
      if (!user) return false;
      user.roles = structuredClone(roles);
      user.updatedAt = now;
      return true;
    },
    async setEmailVerified(id, verified, now) {
      const user = byId.get(id);
      if (!user) return false;
      user.emailVerified = verified;
      user.updatedAt = now;
      return true;
    },
    async updateEmail(id, email, emailVerified, now) {
      const user = byId.get(id);
      if (!user) return 'missing';
      const holder = idByEmail.get(email);
      if (holder !== undefined && holder !== id) return 'taken';
      idByEmail.delete(user.email);
      idByEmail.set(email, id);
      Object.assign(user, { email, emailVerified, updatedAt: now });
      return 'updated';
    },
    async setDisabled(id, disabledAt, now) {
      const user = byId.get(id);
      if (!user) return false;
      user.disabledAt = disabledAt;
      user.updatedAt = now;
      return true;
    },
    async search({ query, limit, afterEmail = null }) {
      const emails = [...idByEmail.keys()].filter((email) => email.includes(query) && (afterEmail === null || email > afterEmail)).sort();
      return emails.slice(0, limit).flatMap((email) => {
        const user = byId.get(idByEmail.get(email) ?? '');
        return user ? [structuredClone(user)] : [];
      });
    },
    async delete(id) {
      const user = byId.get(id);
      if (!user) return false;
      byId.delete(id);
      idByEmail.delete(user.email);
      return true;
    },
  };
}
