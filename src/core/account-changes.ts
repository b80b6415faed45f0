// Owns the changes to an account that cut off credentials already handed out: a password change (every other
// session and family of the user ends) and role grants and removals (tokens already issued still claim a
// removed role, so they are refused from then on; sessions read roles afresh on each request).
import { auditClient } from './audit-trail.js';
import { GatehouseError } from './errors.js';
import type { Gatehouse } from './gatehouse.js';
import type { EngineParts } from './parts.js';
import { requireRecentAuth } from './step-up.js';

const ROLE = /^[a-z][a-z0-9_.:-]{0,63}$/;

export function requireRole(role: string): void {
  if (!ROLE.test(role)) throw new GatehouseError('invalid_request', 'A role is lower-case letters, digits and _.:- (up to 64).');
}

export function createAccountChanges(parts: EngineParts): Pick<Gatehouse, 'changePassword' | 'grantRole' | 'revokeRole'> {
  const { config, store, clock, audit, accounts, access } = parts;

  return {
    async changePassword(principal, current, next, context) {
      const now = clock();
      // Step-up first (SPEC §6): a stale proof costs no hash and counts no attempt.
      requireRecentAuth(config, principal, now);
      const user = await store.users.findById(principal.userId);
      if (!user) throw new GatehouseError('unauthenticated', 'Not signed in, or the session has ended.');
      await accounts.changePassword(user, current, next, context, now);
      const keep = principal.sessionId;
      const families = await store.refreshTokens.revokeFamiliesByUser(user.id, now, keep);
      const web = (await store.sessions.listByUser(user.id, now)).map((s) => s.id).filter((id) => id !== keep);
      await store.sessions.deleteByUser(user.id, keep);
      await store.oneTimeTokens.deleteByUser(user.id); // a new password voids every mailed link
      await access.sessions([...web, ...families], now);
      await audit.recordAfter({ type: 'password.changed', userId: user.id, sessionId: keep, ...auditClient(context) }, now);
    },

    async grantRole(email, role) {
      requireRole(role);
      const user = await store.users.findByEmail(accounts.requireEmail(email));
      if (!user) return false;
      const now = clock();
      if (!user.roles.includes(role)) await store.users.setRoles(user.id, [...user.roles, role], now);
      await audit.recordAfter({ type: 'role.granted', userId: user.id, role }, now);
      return true;
    },

    async revokeRole(email, role) {
      requireRole(role);
      const user = await store.users.findByEmail(accounts.requireEmail(email));
      if (!user) return false;
      if (user.roles.includes(role)) {
        const now = clock();
        await store.users.setRoles(user.id, user.roles.filter((r) => r !== role), now);
        // Tokens already issued still claim the role: cut them off as logout-all does, but keep the families.
        await access.user(user.id, now);
        await audit.recordAfter({ type: 'role.revoked', userId: user.id, role }, now);
      }
      return true;
    },
  };
}
