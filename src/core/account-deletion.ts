// Owns deleting an account (SPEC §5, `DELETE /auth/account`): the current password again, then every session
// and token family ended the logout-all way (access tokens denied on every instance), every one-time token
// dropped, the audit trail's rows of the user stripped of addresses and user agents, and the user removed. The
// order makes a failure safe to retry: the user row goes last.
import { GatehouseError } from './errors.js';
import type { Gatehouse } from './gatehouse.js';
import type { EngineParts } from './parts.js';
import { requireRecentAuth } from './step-up.js';

export function createAccountDeletion(parts: EngineParts, logoutAll: (userId: string) => Promise<void>): Pick<Gatehouse, 'deleteAccount'> {
  const { config, store, clock, audit, accounts } = parts;
  return {
    async deleteAccount(principal, currentPassword, context) {
      const now = clock();
      // Step-up first (SPEC §6): a stale proof costs no hash and counts no attempt.
      requireRecentAuth(config, principal, now);
      const user = await store.users.findById(principal.userId);
      if (!user) throw new GatehouseError('unauthenticated', 'Not signed in, or the session has ended.');
      await accounts.checkPassword({ email: user.email, password: currentPassword }, context, now);
      await logoutAll(user.id);
      await store.oneTimeTokens.deleteByUser(user.id);
      await store.mfa.deleteByUser(user.id); // its factors (SPEC §5); SQL cascades too, other stores may not
      await store.passkeys.deleteByUser(user.id); // as the factors
      // The trail keeps only the user id (SPEC §5): no address or user agent of theirs, this event's included.
      await audit.forget(user.id);
      await store.users.delete(user.id);
      await audit.recordAfter({ type: 'account.deleted', userId: user.id }, now);
    },
  };
}
