// Owns the SQL session store (SQLite and PostgreSQL) and its row mapper; the data bag is JSON in a TEXT column.

import type { Kysely, Selectable } from 'kysely';
import { decodeAmr, encodeAmr } from '../../core/step-up.js';
import type { JsonObject, SessionRecord, SessionStore } from '../../core/store.js';
import type { Database, SessionsTable } from './schema.js';

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
  authTime: row.auth_time,
  amr: decodeAmr(row.amr),
});

const encodeData = (data: JsonObject | null): string | null => (data === null ? null : JSON.stringify(data));

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
          auth_time: s.authTime,
          amr: encodeAmr(s.amr),
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
    async setProof(id, authTime, amr) {
      const result = await db
        .updateTable('sessions')
        .set({ auth_time: authTime, amr: encodeAmr(amr) })
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
