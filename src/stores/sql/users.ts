// Owns the SQL user store (SQLite and PostgreSQL) and its row mapper; the UNIQUE(email) constraint makes
// create atomic.

import { sql, type Kysely, type Selectable } from 'kysely';
import type { UserRecord, UserStore } from '../../core/store.js';
import type { Database, UsersTable } from './schema.js';

export const toUser = (row: Selectable<UsersTable>): UserRecord => ({
  id: row.id,
  email: row.email,
  passwordHash: row.password_hash,
  roles: JSON.parse(row.roles) as string[],
  emailVerified: Number(row.email_verified) === 1,
  disabledAt: row.disabled_at === null ? null : Number(row.disabled_at),
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** SQLite's SQLITE_CONSTRAINT_UNIQUE, PostgreSQL's 23505: two writers raced for one address. */
function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505';
}

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
          email_verified: user.emailVerified ? 1 : 0,
          disabled_at: user.disabledAt,
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
    async replacePasswordHash(id, expected, passwordHash, now) {
      const result = await db
        .updateTable('users')
        .set({ password_hash: passwordHash, updated_at: now })
        .where('id', '=', id)
        .where('password_hash', '=', expected)
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
    async setEmailVerified(id, verified, now) {
      const result = await db
        .updateTable('users')
        .set({ email_verified: verified ? 1 : 0, updated_at: now })
        .where('id', '=', id)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
    async updateEmail(id, email, emailVerified, now) {
      // Atomic: one UPDATE that writes only where no other user holds the address; the unique key backs it up.
      try {
        const result = await db
          .updateTable('users')
          .set({ email, email_verified: emailVerified ? 1 : 0, updated_at: now })
          .where('id', '=', id)
          .where((eb) => eb.not(eb.exists(eb.selectFrom('users as other').select('other.id').where('other.email', '=', email).where('other.id', '!=', id))))
          .executeTakeFirst();
        if (result.numUpdatedRows > 0n) return 'updated';
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        return 'taken';
      }
      const exists = await db.selectFrom('users').select('id').where('id', '=', id).executeTakeFirst();
      return exists ? 'taken' : 'missing';
    },
    async setDisabled(id, disabledAt, now) {
      const result = await db.updateTable('users').set({ disabled_at: disabledAt, updated_at: now }).where('id', '=', id).executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
    async search({ query, limit, afterEmail = null }) {
      // A plain substring: LIKE's wildcards and the escape character in the query are escaped, never interpreted.
      const pattern = `%${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      let select = db.selectFrom('users').selectAll().where(sql<boolean>`email like ${pattern} escape '\\'`);
      if (afterEmail !== null) select = select.where('email', '>', afterEmail);
      const rows = await select.orderBy('email').limit(limit).execute();
      return rows.map(toUser);
    },
    async delete(id) {
      const result = await db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
}
