// Owns the in-memory session store: session records by id, valid while neither expiry has passed.
// Records are copied on the way in and out, so callers never hold live references to stored state.

import type { SessionRecord, SessionStore } from '../../core/store.js';

const isValid = (session: SessionRecord, now: number): boolean =>
  session.expiresAt > now && session.absoluteExpiresAt > now;

export function createSessionStore(): SessionStore {
  const sessions = new Map<string, SessionRecord>();

  return {
    async create(session) {
      if (sessions.has(session.id)) throw new Error(`memory store: duplicate session id ${session.id}`);
      sessions.set(session.id, structuredClone(session));
    },
    async get(id) {
      const session = sessions.get(id);
      return session ? structuredClone(session) : null;
    },
    async touch(id, lastActiveAt, expiresAt) {
      const session = sessions.get(id);
      if (!session) return false;
      session.lastActiveAt = lastActiveAt;
      session.expiresAt = expiresAt;
      return true;
    },
    async setData(id, data) {
      const session = sessions.get(id);
      if (!session) return false;
      session.data = data === null ? null : structuredClone(data);
      return true;
    },
    async setProof(id, authTime, amr) {
      const session = sessions.get(id);
      if (!session) return false;
      session.authTime = authTime;
      session.amr = [...amr];
      return true;
    },
    async delete(id) {
      return sessions.delete(id);
    },
    async deleteByUser(userId, exceptId) {
      let deleted = 0;
      for (const [id, session] of sessions) {
        if (session.userId === userId && id !== exceptId) {
          sessions.delete(id);
          deleted++;
        }
      }
      return deleted;
    },
    async listByUser(userId, now) {
      return [...sessions.values()]
        .filter((s) => s.userId === userId && isValid(s, now))
        .sort((a, b) => b.createdAt - a.createdAt)
        .map((record) => structuredClone(record));
    },
    async countActive(now) {
      let count = 0;
      for (const session of sessions.values()) if (isValid(session, now)) count++;
      return count;
    },
    async deleteExpired(now) {
      let deleted = 0;
      for (const [id, session] of sessions) {
        if (!isValid(session, now)) {
          sessions.delete(id);
          deleted++;
        }
      }
      return deleted;
    },
  };
}
