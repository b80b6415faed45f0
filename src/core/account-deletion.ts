// Owns deleting an account (SPEC §5, `DELETE /auth/account`): the current password again, then every session
// and token family ended the logout-all way (access tokens denied on every instance), every one-time token
// dropped, and the user removed. The order makes a failure safe to retry: the user row goes last.
import { GatehouseError } from './errors.js';
import type { Gatehouse } from './gatehouse.js';
import type { EngineParts } from './parts.js';

export function createAccountDeletion(parts: EngineParts, logoutAll: (userId: string) => Promise<void>): Pick<Gatehouse, 'deleteAccount'> {
  const { store, clock, audit, accounts } = parts;
  return {
    async deleteAccount(principal, currentPassword, context) {
      const now = clock();
      const user = await store.users.findById(principal.userId);
      if (!user) throw new GatehouseError('unauthenticated', 'Not signed in, or the session has ended.');
      await accounts.checkPassword({ email: user.email, password: currentPassword }, context, now);
      await logoutAll(user.id);
      await store.oneTimeTokens.deleteByUser(user.id);
      await store.users.delete(user.id);
      await audit.recordAfter({ type: 'account.deleted', userId: user.id, ip: context.ip }, now);
    },
  };
}
