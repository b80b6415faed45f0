// Owns the per-user cap on logins (GATEHOUSE_MAX_SESSIONS_PER_USER, SPEC §7): once a login has made the user's
// web sessions and token families more than the cap, the least recently used ones end — a session deleted, a
// family revoked, the access tokens of both denied at once — each audited as `session.evicted`. Counting reads
// only the user's own lists, never every row.
import type { EngineParts } from './parts.js';

interface Held {
  id: string;
  mode: 'session' | 'token' | 'hybrid';
  lastUsedAt: number;
}

export interface SessionCap {
  /** Ends the user's least recently used sessions and families beyond the cap, never `keepId` (the new login). */
  enforce(userId: string, keepId: string, now: number): Promise<void>;
}

export function createSessionCap(parts: Pick<EngineParts, 'config' | 'store' | 'sessions' | 'access' | 'audit'>): SessionCap {
  const { config, store, sessions, access, audit } = parts;

  return {
    async enforce(userId, keepId, now) {
      const max = config.maxSessionsPerUser;
      const [web, families] = await Promise.all([
        store.sessions.listByUser(userId, now),
        store.refreshTokens.listFamiliesByUser(userId, now),
      ]);
      if (web.length + families.length <= max) return;
      const held: Held[] = [
        ...web.map((s) => ({ id: s.id, mode: 'session' as const, lastUsedAt: s.lastActiveAt })),
        ...families.map((f) => ({ id: f.id, mode: f.mode, lastUsedAt: f.lastUsedAt })),
      ].filter((h) => h.id !== keepId);
      // Least recently used first; ties go by id, so every instance picks the same one.
      held.sort((a, b) => a.lastUsedAt - b.lastUsedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const excess = held.slice(0, web.length + families.length - max);
      const ended: Held[] = [];
      for (const victim of excess) {
        const done = victim.mode === 'session'
          ? await sessions.revoke(victim.id)
          : await store.refreshTokens.revokeFamily(victim.id, now);
        if (done) ended.push(victim);
      }
      if (ended.length === 0) return;
      await access.sessions(ended.map((v) => v.id), now);
      for (const victim of ended) {
        await audit.recordAfter({ type: 'session.evicted', userId, sessionId: victim.id, mode: victim.mode }, now);
      }
    },
  };
}
