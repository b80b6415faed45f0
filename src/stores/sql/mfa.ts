// Owns the SQL second-factor store (SQLite and PostgreSQL): TOTP factors, recovery-code hashes and logins waiting
// for their second step, each atomic step one guarded statement — the time step a compare-and-set UPDATE, a
// recovery code a DELETE, an attempt an UPDATE … RETURNING — and enabling one transaction.

import { sql, type Kysely, type Selectable } from 'kysely';
import type { MfaChallengeRecord, MfaStore, TotpFactorRecord } from '../../core/store.js';
import type { Database, MfaChallengesTable, MfaTotpTable } from './schema.js';

const toFactor = (row: Selectable<MfaTotpTable>): TotpFactorRecord => ({
  userId: row.user_id,
  secretSealed: row.secret_sealed,
  createdAt: Number(row.created_at),
  enabledAt: row.enabled_at === null ? null : Number(row.enabled_at),
  lastUsedStep: row.last_used_step === null ? null : Number(row.last_used_step),
});

const toChallenge = (row: Selectable<MfaChallengesTable>): MfaChallengeRecord => ({
  id: row.id,
  secretHash: row.secret_hash,
  userId: row.user_id,
  mode: row.mode,
  attempts: Number(row.attempts),
  createdAt: Number(row.created_at),
  expiresAt: Number(row.expires_at),
});

export function createMfaStore(db: Kysely<Database>): MfaStore {
  return {
    async getTotp(userId) {
      const row = await db.selectFrom('mfa_totp').selectAll().where('user_id', '=', userId).executeTakeFirst();
      return row ? toFactor(row) : null;
    },

    async setPendingTotp(factor) {
      // One statement: insert, or replace a pending factor; a factor that is on is left as it is (no row back).
      const row = await db
        .insertInto('mfa_totp')
        .values({ user_id: factor.userId, secret_sealed: factor.secretSealed, created_at: factor.createdAt, enabled_at: null, last_used_step: null })
        .onConflict((oc) =>
          oc
            .column('user_id')
            .doUpdateSet({ secret_sealed: factor.secretSealed, created_at: factor.createdAt, enabled_at: null, last_used_step: null })
            .where('mfa_totp.enabled_at', 'is', null),
        )
        .returning('user_id')
        .executeTakeFirst();
      return row !== undefined;
    },

    async enableTotp(userId, secretSealed, step, enabledAt, recoveryCodeHashes) {
      return db.transaction().execute(async (trx) => {
        // Guarded: only the pending factor of this secret; a concurrent enable finds it on and changes nothing.
        const enabled = await trx
          .updateTable('mfa_totp')
          .set({ enabled_at: enabledAt, last_used_step: step })
          .where('user_id', '=', userId)
          .where('enabled_at', 'is', null)
          .where('secret_sealed', '=', secretSealed)
          .executeTakeFirst();
        if (enabled.numUpdatedRows === 0n) return false;
        await trx.deleteFrom('mfa_recovery_codes').where('user_id', '=', userId).execute();
        if (recoveryCodeHashes.length > 0) {
          await trx
            .insertInto('mfa_recovery_codes')
            .values(recoveryCodeHashes.map((codeHash) => ({ user_id: userId, code_hash: codeHash, created_at: enabledAt })))
            .execute();
        }
        return true;
      });
    },

    async useTotpStep(userId, step) {
      const result = await db
        .updateTable('mfa_totp')
        .set({ last_used_step: step })
        .where('user_id', '=', userId)
        .where('enabled_at', 'is not', null)
        .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', step)]))
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async useRecoveryCode(userId, codeHash) {
      const result = await db.deleteFrom('mfa_recovery_codes').where('user_id', '=', userId).where('code_hash', '=', codeHash).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async countRecoveryCodes(userId) {
      const row = await db
        .selectFrom('mfa_recovery_codes')
        .select(sql<number | string>`count(*)`.as('count'))
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return Number(row?.count ?? 0);
    },

    async deleteByUser(userId) {
      return db.transaction().execute(async (trx) => {
        await trx.deleteFrom('mfa_challenges').where('user_id', '=', userId).execute();
        await trx.deleteFrom('mfa_recovery_codes').where('user_id', '=', userId).execute();
        const removed = await trx.deleteFrom('mfa_totp').where('user_id', '=', userId).executeTakeFirst();
        return removed.numDeletedRows > 0n;
      });
    },

    async createChallenge(challenge) {
      await db
        .insertInto('mfa_challenges')
        .values({
          id: challenge.id,
          secret_hash: challenge.secretHash,
          user_id: challenge.userId,
          mode: challenge.mode,
          attempts: challenge.attempts,
          created_at: challenge.createdAt,
          expires_at: challenge.expiresAt,
        })
        .execute();
    },

    async claimChallengeAttempt(id, maxAttempts, now) {
      const row = await db
        .updateTable('mfa_challenges')
        .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
        .where('id', '=', id)
        .where('expires_at', '>', now)
        .where('attempts', '<', maxAttempts)
        .returningAll()
        .executeTakeFirst();
      return row ? toChallenge(row) : null;
    },

    async consumeChallenge(id) {
      const row = await db.deleteFrom('mfa_challenges').where('id', '=', id).returningAll().executeTakeFirst();
      return row ? toChallenge(row) : null;
    },

    async deleteExpiredChallenges(now) {
      const result = await db.deleteFrom('mfa_challenges').where('expires_at', '<=', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
