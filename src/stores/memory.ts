// Owns the in-memory store: plain Maps implementing the store contracts, for tests and single-process dev.
// Records are copied on the way in and out, so callers never hold live references to stored state.

import type {
  KeyStore,
  RateLimitHit,
  RateLimitStore,
  RefreshFamilyRecord,
  RefreshTokenRecord,
  RefreshTokenStore,
  RevocationRecord,
  RevocationStore,
  SessionRecord,
  SessionStore,
  SigningKeyRecord,
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
    async updatePassword(id, passwordHash, now) {
      const user = byId.get(id);
      if (!user) return false;
      user.passwordHash = passwordHash;
      user.updatedAt = now;
      return true;
    },
    async setRoles(id, roles, now) {
      const user = byId.get(id);
      if (!user) return false;
      user.roles = copy(roles);
      user.updatedAt = now;
      return true;
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

function createKeyStore(): KeyStore {
  const keys = new Map<string, SigningKeyRecord>();

  return {
    async list() {
      // Map iteration is insertion order; the stable sort keeps it for equal createdAt.
      return [...keys.values()].sort((a, b) => a.createdAt - b.createdAt).map(copy);
    },
    async insert(key) {
      if (keys.has(key.kid)) throw new Error(`memory store: duplicate key id ${key.kid}`);
      keys.set(key.kid, copy(key));
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

const familyValid = (family: RefreshFamilyRecord, now: number): boolean =>
  family.revokedAt === null && family.expiresAt > now && family.absoluteExpiresAt > now;

function createRefreshTokenStore(): RefreshTokenStore {
  const families = new Map<string, RefreshFamilyRecord>();
  const tokens = new Map<string, RefreshTokenRecord>();
  const tokenIdsByFamily = new Map<string, Set<string>>();

  const insertToken = (token: RefreshTokenRecord): void => {
    if (tokens.has(token.id)) throw new Error(`memory store: duplicate refresh token id ${token.id}`);
    tokens.set(token.id, copy(token));
    tokenIdsByFamily.get(token.familyId)?.add(token.id);
  };

  return {
    async createFamily(family, token) {
      if (families.has(family.id)) throw new Error(`memory store: duplicate refresh family id ${family.id}`);
      if (token.familyId !== family.id) throw new Error('memory store: the first token must belong to the new family');
      if (tokens.has(token.id)) throw new Error(`memory store: duplicate refresh token id ${token.id}`);
      families.set(family.id, copy(family));
      tokenIdsByFamily.set(family.id, new Set());
      insertToken(token);
    },
    async getToken(id) {
      const token = tokens.get(id);
      return token ? copy(token) : null;
    },
    async getFamily(id) {
      const family = families.get(id);
      return family ? copy(family) : null;
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
        return { status: 'rotated', family: copy(family) };
      }
      if (now - token.usedAt <= graceMs && token.successorId === successor.id) {
        return { status: 'retry', family: copy(family) };
      }
      family.revokedAt = now;
      return { status: 'reused', family: copy(family) };
    },
    async listFamiliesByUser(userId, now) {
      return [...families.values()]
        .filter((f) => f.userId === userId && familyValid(f, now))
        .sort((a, b) => b.createdAt - a.createdAt)
        .map(copy);
    },
    async revokeFamily(id, now) {
      const family = families.get(id);
      if (!family || family.revokedAt !== null) return false;
      family.revokedAt = now;
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

function createRevocationStore(): RevocationStore {
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
          : copy(revocation),
      );
    },
    async list(now) {
      return [...revocations.values()].filter((r) => r.expiresAt > now).map(copy);
    },
    async changes(cursor, now) {
      const since = cursor ?? 0;
      const changed = [...revocations].filter(([key, r]) => r.expiresAt > now && (changedAt.get(key) ?? 0) > since);
      return { revocations: changed.map(([, r]) => copy(r)), cursor: sequence };
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

export function createMemoryStore(): Store {
  return {
    kind: 'memory',
    ephemeral: true,
    users: createUserStore(),
    sessions: createSessionStore(),
    rateLimits: createRateLimitStore(),
    keys: createKeyStore(),
    refreshTokens: createRefreshTokenStore(),
    revocations: createRevocationStore(),
    async ping() {},
    async close() {},
  };
}
