// Owns the SQL audit store (SQLite and PostgreSQL): one row per audit event, the event's other fields as
// JSON text, listed newest first by (at, id) after a keyset position, and deleted by age.

import type { ExpressionBuilder, Kysely, Selectable } from 'kysely';
import type { AuditQuery, AuditRecord, AuditStore, JsonObject } from '../../core/store.js';
import type { AuditEventsTable, Database } from './schema.js';

const toRecord = (row: Selectable<AuditEventsTable>): AuditRecord => ({
  id: row.id,
  at: row.at,
  type: row.type,
  userId: row.user_id,
  sessionId: row.session_id,
  ip: row.ip,
  userAgent: row.user_agent,
  details: JSON.parse(row.details) as JsonObject,
});

export function createAuditStore(db: Kysely<Database>): AuditStore {
  /** Older than the position: an earlier time, or the same time and a smaller id. */
  const olderThan = ({ after }: AuditQuery) => (eb: ExpressionBuilder<Database, 'audit_events'>) =>
    after ? eb.or([eb('at', '<', after.at), eb.and([eb('at', '=', after.at), eb('id', '<', after.id)])]) : eb.lit(true);

  async function page(query: AuditQuery, userId?: string): Promise<AuditRecord[]> {
    let select = db.selectFrom('audit_events').selectAll().where(olderThan(query));
    if (userId !== undefined) select = select.where('user_id', '=', userId);
    const rows = await select.orderBy('at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
    return rows.map(toRecord);
  }

  return {
    async append(r) {
      await db
        .insertInto('audit_events')
        .values({
          id: r.id,
          at: r.at,
          type: r.type,
          user_id: r.userId,
          session_id: r.sessionId,
          ip: r.ip,
          user_agent: r.userAgent,
          details: JSON.stringify(r.details),
        })
        .execute();
    },
    listByUser: (userId, query) => page(query, userId),
    listAll: (query) => page(query),
    async deleteOlderThan(before) {
      const result = await db.deleteFrom('audit_events').where('at', '<', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async forgetUser(userId) {
      const result = await db
        .updateTable('audit_events')
        .set({ ip: null, user_agent: null })
        .where('user_id', '=', userId)
        .where((eb) => eb.or([eb('ip', 'is not', null), eb('user_agent', 'is not', null)]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
  };
}
