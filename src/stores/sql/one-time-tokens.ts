// Owns the SQL one-time-token store (SQLite and PostgreSQL): issue replaces the user's older tokens of the
// purpose in one transaction, and consume is one `DELETE … RETURNING` (atomic read-and-delete).

import type { Kysely, Selectable } from 'kysely';
import type { OneTimeTokenRecord, OneTimeTokenStore } from '../../core/store.js';
import type { Database, OneTimeTokensTable } from './schema.js';

const toToken = (row: Selectable<OneTimeTokensTable>): OneTimeTokenRecord => ({
  id: row.id,
  secretHash: row.secret_hash,
  userId: row.user_id,
  purpose: row.purpose,
  data: row.data,
  createdAt: Number(row.created_at),
  expiresAt: Number(row.expires_at),
});

export function createOneTimeTokenStore(db: Kysely<Database>): OneTimeTokenStore {
  return {
    async issue(token) {
      await db.transaction().execute(async (tx) => {
        await tx.deleteFrom('one_time_tokens').where('user_id', '=', token.userId).where('purpose', '=', token.purpose).execute();
        await tx
          .insertInto('one_time_tokens')
          .values({
            id: token.id,
            secret_hash: token.secretHash,
            user_id: token.userId,
            purpose: token.purpose,
            data: token.data,
            created_at: token.createdAt,
            expires_at: token.expiresAt,
          })
          .execute();
      });
    },
    async consume(id) {
      const row = await db.deleteFrom('one_time_tokens').where('id', '=', id).returningAll().executeTakeFirst();
      return row ? toToken(row) : null;
    },
    async deleteByUser(userId, purposes) {
      if (purposes !== undefined && purposes.length === 0) return 0;
      let query = db.deleteFrom('one_time_tokens').where('user_id', '=', userId);
      if (purposes !== undefined) query = query.where('purpose', 'in', [...purposes]);
      const result = await query.executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async deleteExpired(now) {
      const result = await db.deleteFrom('one_time_tokens').where('expires_at', '<=', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
