// Owns the user's device list: every web session and token family still valid, newest first, and revoking one
// of them by id (only the user's own: another user's id is "no such session", its existence not disclosed),
// its access tokens denied at once.
import type { Gatehouse } from './gatehouse.js';
import type { EngineParts } from './parts.js';

export function createDevices(parts: EngineParts): Pick<Gatehouse, 'listSessions' | 'revokeSession'> {
  const { store, clock, audit, sessions, access } = parts;

  return {
    async listSessions(userId, currentSessionId) {
      const now = clock();
      const iso = (ms: number) => new Date(ms).toISOString();
      const web = (await store.sessions.listByUser(userId, now)).map((s) => ({
        id: s.id, mode: 'session' as const, createdAt: s.createdAt, lastActiveAt: s.lastActiveAt, expiresAt: s.expiresAt, userAgent: s.userAgent, ip: s.ip,
      }));
      const families = (await store.refreshTokens.listFamiliesByUser(userId, now)).map((f) => ({
        id: f.id, mode: f.mode, createdAt: f.createdAt, lastActiveAt: f.lastUsedAt, expiresAt: f.expiresAt, userAgent: f.userAgent, ip: f.ip,
      }));
      return [...web, ...families]
        .sort((a, b) => b.createdAt - a.createdAt)
        .map((s) => ({ ...s, createdAt: iso(s.createdAt), lastActiveAt: iso(s.lastActiveAt), expiresAt: iso(s.expiresAt), current: s.id === currentSessionId }));
    },

    async revokeSession(userId, sessionId) {
      const now = clock();
      const session = await store.sessions.get(sessionId);
      if (session?.userId === userId) {
        if (!(await sessions.revoke(sessionId))) return false;
      } else {
        const family = await store.refreshTokens.getFamily(sessionId);
        if (family?.userId !== userId || family.revokedAt !== null) return false;
        await store.refreshTokens.revokeFamily(sessionId, now);
      }
      await access.sessions([sessionId], now);
      await audit.recordAfter({ type: 'session.revoked', userId, sessionId }, now);
      return true;
    },
  };
}
