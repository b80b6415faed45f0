// Owns the SQL user store (SQLite and PostgreSQL) and its row mapper; the UNIQUE(email) constraint makes
// create atomic.

import type { Kysely, Selectable } from 'kysely';
import type { UserRecord, UserStore } from '../../core/store.js';
import type { Database, UsersTable } from './schema.js';

export const toUser = (row: Selectable<UsersTable>): UserRecord => ({
  id: row.id,
  email: row.email,
  passwordHash: row.password_hash,
  roles: JSON.parse(row.roles) as string[],
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export function createUserStore(db: Kysely<Database>): UserStore {
  return {
    async create(user) {
      // Atomic: the UNIQUE(email) constraint decides, never a read-then-write.
      const row = await db
        .insertInto('users')
        .values({
          id: user.id,
          email: user.email,
          password_hash: user.passwordHash,
          roles: JSON.stringify(user.roles),
          created_at: user.createdAt,
          updated_at: user.updatedAt,
        })
        .onConflict((oc) => oc.column('email').doNothing())
        .returningAll()
        .executeTakeFirst();
      return row ? toUser(row) : null;
    },
    async findById(id) {
      const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toUser(row) : null;
    },
    async findByEmail(email) {
      const row = await db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
      return row ? toUser(row) : null;
    },
    async updatePassword(id, passwordHash, now) {
      const result = await db
        .updateTable('users')
        .set({ password_hash: passwordHash, updated_at: now })
        .where('id', '=', id)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
    async setRoles(id, roles, now) {
      const result = await db
        .updateTable('users')
        .set({ roles: JSON.stringify(roles), updated_at: now })
        .where('id', '=', id)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
  };
}
