// Owns the in-memory store: plain Maps implementing the store contracts, for tests and single-process dev.
// Records are copied on the way in and out, so callers never hold live references to stored state.

import type {
  RateLimitHit,
  RateLimitStore,
  SessionRecord,
  SessionStore,
  Store,
  UserRecord,
  UserStore,
} from '../core/store.js';

const copy = <T>(value: T): T => structuredClone(value);

const isValid = (session: SessionRecord, now: number): boolean =>
  session.expiresAt > now && session.absoluteExpiresAt > now;

function createUserStore(): UserStore {
  const byId = new Map<string, UserRecord>();
  const idByEmail = new Map<string, string>();

  return {
    async create(user) {
      if (idByEmail.has(user.email)) return null;
      if (byId.has(user.id)) throw new Error(`memory store: duplicate user id ${user.id}`);
      const stored = copy(user);
      byId.set(stored.id, stored);
      idByEmail.set(stored.email, stored.id);
      return copy(stored);
    },
    async findById(id) {
      const user = byId.get(id);
      return user ? copy(user) : null;
    },
    async findByEmail(email) {
      const id = idByEmail.get(email);
      const user = id === undefined ? undefined : byId.get(id);
      return user ? copy(user) : null;
    },
  };
}

function createSessionStore(): SessionStore {
  const sessions = new Map<string, SessionRecord>();

  return {
    async create(session) {
      if (sessions.has(session.id)) throw new Error(`memory store: duplicate session id ${session.id}`);
      sessions.set(session.id, copy(session));
    },
    async get(id) {
      const session = sessions.get(id);
      return session ? copy(session) : null;
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
      session.data = data === null ? null : copy(data);
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
        .map(copy);
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

function createRateLimitStore(): RateLimitStore {
  const windows = new Map<string, RateLimitHit>();

  return {
    async hit(key, windowMs, now) {
      const current = windows.get(key);
      const next: RateLimitHit =
        !current || current.resetAt <= now
          ? { count: 1, resetAt: now + windowMs }
          : { count: current.count + 1, resetAt: current.resetAt };
      windows.set(key, next);
      return { ...next };
    },
    async reset(key) {
      windows.delete(key);
    },
    async deleteExpired(now) {
      let deleted = 0;
      for (const [key, window] of windows) {
        if (window.resetAt <= now) {
          windows.delete(key);
          deleted++;
        }
      }
      return deleted;
    },
  };
}

export function createMemoryStore(): Store {
  return {
    kind: 'memory',
    users: createUserStore(),
    sessions: createSessionStore(),
    rateLimits: createRateLimitStore(),
    async ping() {},
    async close() {},
  };
}
