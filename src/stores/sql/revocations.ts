// Owns the SQL revocation store (SQLite and PostgreSQL): revocations by (kind, subject), and the `changes`
// feed stamped by the database's own clock.

import { sql } from 'kysely';
import type { Kysely, Selectable } from 'kysely';
import type { RevocationRecord, RevocationStore } from '../../core/store.js';
import type { SqlDialect } from './migrations.js';
import type { Database, RevocationsTable } from './schema.js';

/**
 * `changes` also re-reads this far behind its cursor. A write stamped before a read began but committed after
 * it (so that read could not see it) is caught by the next read unless its one-row statement ran longer than
 * this — far past the statement timeout (5 s by default).
 */
const CHANGES_OVERLAP_MS = 60_000;

/** The database's own clock (epoch ms): stamps and cursors of `changes`, whatever the instances' clocks say. */
const databaseClock = (dialect: SqlDialect) =>
  dialect === 'postgres'
    ? sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`
    : sql<number>`cast((julianday('now') - 2440587.5) * 86400000 as integer)`;

export function createRevocationStore(db: Kysely<Database>, dialect: SqlDialect): RevocationStore {
  const clock = databaseClock(dialect);
  const toRevocation = (row: Selectable<RevocationsTable>): RevocationRecord => ({
    kind: row.kind, subject: row.subject, revokedAt: row.revoked_at, expiresAt: row.expires_at,
  });
  return {
    async add(r) {
      // In ON CONFLICT DO UPDATE the table name reads the stored row and `excluded` the new one; CASE rather
      // than max()/greatest() so one statement serves SQLite and PostgreSQL.
      await db
        .insertInto('revocations')
        .values({ kind: r.kind, subject: r.subject, revoked_at: r.revokedAt, expires_at: r.expiresAt, changed_at: clock })
        .onConflict((oc) =>
          oc.columns(['kind', 'subject']).doUpdateSet({
            revoked_at: sql<number>`CASE WHEN excluded.revoked_at > revocations.revoked_at THEN excluded.revoked_at ELSE revocations.revoked_at END`,
            expires_at: sql<number>`CASE WHEN excluded.expires_at > revocations.expires_at THEN excluded.expires_at ELSE revocations.expires_at END`,
            changed_at: clock,
          }),
        )
        .execute();
    },
    async list(now) {
      const rows = await db
        .selectFrom('revocations')
        .selectAll()
        .where('expires_at', '>', now)
        .orderBy('kind')
        .orderBy('subject')
        .execute();
      return rows.map(toRevocation);
    },
    async changes(cursor, now) {
      // The clock first: whatever commits after the read below was stamped at most one statement before it.
      const { rows: [stamp] } = await sql<{ now: number | string }>`select ${clock} as now`.execute(db);
      let query = db.selectFrom('revocations').selectAll().where('expires_at', '>', now);
      if (cursor !== null) query = query.where('changed_at', '>=', cursor - CHANGES_OVERLAP_MS);
      const rows = await query.execute();
      return { revocations: rows.map(toRevocation), cursor: Number(stamp?.now) };
    },
    async deleteExpired(now) {
      const result = await db.deleteFrom('revocations').where('expires_at', '<=', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
