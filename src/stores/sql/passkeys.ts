// Owns the SQL passkey store (SQLite and PostgreSQL) and its row mapper. The primary key on the credential id makes
// create atomic; recordUse is one conditional UPDATE (the counter compared in its WHERE), so of two concurrent uses
// of one counter value the database lets exactly one through: SQLite serialises writers, and PostgreSQL re-checks
// the WHERE of the second against the row the first wrote.

import type { Kysely, Selectable } from 'kysely';
import type { PasskeyRecord, PasskeyStore } from '../../core/store.js';
import type { Database, PasskeysTable } from './schema.js';

const toPasskey = (row: Selectable<PasskeysTable>): PasskeyRecord => ({
  id: row.id,
  userId: row.user_id,
  publicKey: row.public_key,
  counter: Number(row.counter),
  transports: JSON.parse(row.transports) as string[],
  deviceType: row.device_type,
  backedUp: Number(row.backed_up) === 1,
  name: row.name,
  createdAt: Number(row.created_at),
  lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
});

export function createPasskeyStore(db: Kysely<Database>): PasskeyStore {
  return {
    async create(passkey) {
      const row = await db
        .insertInto('passkeys')
        .values({
          id: passkey.id,
          user_id: passkey.userId,
          public_key: passkey.publicKey,
          counter: passkey.counter,
          transports: JSON.stringify(passkey.transports),
          device_type: passkey.deviceType,
          backed_up: passkey.backedUp ? 1 : 0,
          name: passkey.name,
          created_at: passkey.createdAt,
          last_used_at: passkey.lastUsedAt,
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .returning('id')
        .executeTakeFirst();
      return row !== undefined;
    },
    async findById(id) {
      const row = await db.selectFrom('passkeys').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toPasskey(row) : null;
    },
    async listByUser(userId) {
      const rows = await db.selectFrom('passkeys').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
      return rows.map(toPasskey);
    },
    async recordUse(id, counter, backedUp, now) {
      // A counter of 0 is accepted only over a stored 0 (an authenticator that does not count); any other must grow.
      const result = await db
        .updateTable('passkeys')
        .set({ counter, backed_up: backedUp ? 1 : 0, last_used_at: now })
        .where('id', '=', id)
        .where('counter', counter === 0 ? '=' : '<', counter)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
    async delete(userId, id) {
      const result = await db.deleteFrom('passkeys').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
    async deleteByUser(userId) {
      const result = await db.deleteFrom('passkeys').where('user_id', '=', userId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
