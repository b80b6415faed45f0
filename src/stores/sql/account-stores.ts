// Owns the SQL account stores (SQLite and PostgreSQL): users, sessions and rate limits, with their row mappers.

import { sql } from 'kysely';
import type { Kysely, Selectable } from 'kysely';
import type {
  JsonObject,
  RateLimitStore,
  SessionRecord,
  SessionStore,
  UserRecord,
  UserStore,
} from '../../core/store.js';
import type { Database, SessionsTable, UsersTable } from './schema.js';

export const toUser = (row: Selectable<UsersTable>): UserRecord => ({
  id: row.id,
  email: row.email,
  passwordHash: row.password_hash,
  roles: JSON.parse(row.roles) as string[],
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export const toSession = (row: Selectable<SessionsTable>): SessionRecord => ({
  id: row.id,
  secretHash: row.secret_hash,
  userId: row.user_id,
  createdAt: row.created_at,
  lastActiveAt: row.last_active_at,
  expiresAt: row.expires_at,
  absoluteExpiresAt: row.absolute_expires_at,
  userAgent: row.user_agent,
  ip: row.ip,
  data: row.data === null ? null : (JSON.parse(row.data) as JsonObject),
});

const encodeData = (data: JsonObject | null): string | null => (data === null ? null : JSON.stringify(data));

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

export function createSessionStore(db: Kysely<Database>): SessionStore {
  const valid = (now: number) =>
    db.selectFrom('sessions').where('expires_at', '>', now).where('absolute_expires_at', '>', now);

  return {
    async create(s) {
      await db
        .insertInto('sessions')
        .values({
          id: s.id,
          secret_hash: s.secretHash,
          user_id: s.userId,
          created_at: s.createdAt,
          last_active_at: s.lastActiveAt,
          expires_at: s.expiresAt,
          absolute_expires_at: s.absoluteExpiresAt,
          user_agent: s.userAgent,
          ip: s.ip,
          data: encodeData(s.data),
        })
        .execute();
    },
    async get(id) {
      const row = await db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toSession(row) : null;
    },
    async touch(id, lastActiveAt, expiresAt) {
      const result = await db
        .updateTable('sessions')
        .set({ last_active_at: lastActiveAt, expires_at: expiresAt })
        .where('id', '=', id)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
    async setData(id, data) {
      const result = await db
        .updateTable('sessions')
        .set({ data: encodeData(data) })
        .where('id', '=', id)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
    async delete(id) {
      const result = await db.deleteFrom('sessions').where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
    async deleteByUser(userId, exceptId) {
      let query = db.deleteFrom('sessions').where('user_id', '=', userId);
      if (exceptId !== undefined) query = query.where('id', '!=', exceptId);
      const result = await query.executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async listByUser(userId, now) {
      const rows = await valid(now)
        .selectAll()
        .where('user_id', '=', userId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .execute();
      return rows.map(toSession);
    },
    async countActive(now) {
      const row = await valid(now)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async deleteExpired(now) {
      const result = await db
        .deleteFrom('sessions')
        .where((eb) => eb.or([eb('expires_at', '<=', now), eb('absolute_expires_at', '<=', now)]))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export function createRateLimitStore(db: Kysely<Database>): RateLimitStore {
  return {
    async hit(key, windowMs, now) {
      // One atomic upsert: a fresh key or an ended window starts at 1; otherwise count + 1 in the same
      // window. In ON CONFLICT DO UPDATE both CASEs read the row's old values.
      const resetAt = now + windowMs;
      const row = await db
        .insertInto('rate_limits')
        .values({ key, count: 1, reset_at: resetAt })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet({
            count: sql<number>`CASE WHEN rate_limits.reset_at <= ${now} THEN 1 ELSE rate_limits.count + 1 END`,
            reset_at: sql<number>`CASE WHEN rate_limits.reset_at <= ${now} THEN ${resetAt} ELSE rate_limits.reset_at END`,
          }),
        )
        .returning(['count', 'reset_at'])
        .executeTakeFirstOrThrow();
      return { count: row.count, resetAt: row.reset_at };
    },
    async reset(key) {
      await db.deleteFrom('rate_limits').where('key', '=', key).execute();
    },
    async deleteExpired(now) {
      const result = await db.deleteFrom('rate_limits').where('reset_at', '<=', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
