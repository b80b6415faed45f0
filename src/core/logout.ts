// Owns ending logins: what a principal's logout ends (its session, or its access token and family), which of
// the credentials a request presents may end what (the one-credential rule, plus a hybrid refresh cookie with
// the family's CSRF token when the access cookie has expired), a new login ending the browser's previous
// one, and logout-all.
import { GatehouseError } from './errors.js';
import type { Gatehouse, Principal } from './gatehouse.js';
import type { HybridFamilies } from './hybrid.js';
import type { EngineParts } from './parts.js';
import type { Principals } from './principals.js';

type LogoutMembers = Pick<Gatehouse, 'logout' | 'logoutWith' | 'endPreviousLogin' | 'logoutAll'>;

export function createLogout(parts: EngineParts, principals: Principals, families: HybridFamilies): LogoutMembers {
  const { store, clock, audit, sessions, access } = parts;

  async function end(principal: Principal, now: number): Promise<void> {
    if (principal.mode === 'session') {
      const { userId, sessionId } = principal;
      const ended = await sessions.revoke(sessionId);
      await access.sessions([sessionId], now); // tokens exchanged from this session die with it
      // After the change: a logout is done once the session is gone, whatever becomes of its row.
      if (ended) await audit.recordAfter({ type: 'logout', userId, sessionId }, now);
      return;
    }
    const { claims } = principal;
    // The family first: once the access token is denied, this logout cannot be retried with it.
    await store.refreshTokens.revokeFamily(claims.sid, now);
    await access.token(claims, now);
    await audit.recordAfter({ type: 'logout', userId: claims.sub, sessionId: claims.sid }, now);
  }

  return {
    logout: (principal) => end(principal, clock()),

    async logoutWith(presented, csrf) {
      const now = clock();
      const { refreshCookie } = presented;
      const onlyHybridCookies = (presented.bearer ?? null) === null && presented.sessionCookie === undefined && refreshCookie !== undefined;
      if (onlyHybridCookies) {
        const principal = presented.accessCookie === undefined ? null : await principals.token(presented.accessCookie, 'hybrid', now);
        if (principal) {
          principals.passCsrf(principal, csrf);
          await end(principal, now);
          return principal.mode;
        }
        // The access cookie has expired (or is gone): the refresh cookie, with its family's CSRF token, still ends it.
        if (!(await families.endFromCookie(refreshCookie, now, csrf))) {
          throw new GatehouseError('unauthenticated', 'Not signed in, or the session has ended.');
        }
        return 'hybrid';
      }
      const principal = await principals.authenticate(presented, csrf, now);
      await end(principal, now);
      return principal.mode;
    },

    async endPreviousLogin({ sessionCookie, refreshCookie }) {
      const now = clock();
      const old = sessionCookie ? await principals.session(sessionCookie, now) : null;
      if (old) await end(old, now);
      if (refreshCookie) await families.endFromCookie(refreshCookie, now);
    },

    async logoutAll(userId) {
      const now = clock();
      const families = await store.refreshTokens.revokeFamiliesByUser(userId, now);
      const web = (await store.sessions.listByUser(userId, now)).map((s) => s.id);
      const count = await store.sessions.deleteByUser(userId);
      await access.user(userId, now, [...web, ...families]);
      await audit.recordAfter({ type: 'sessions.revoked_all', userId, count: count + families.length }, now);
    },
  };
}
