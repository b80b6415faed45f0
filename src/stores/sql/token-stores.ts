// Owns the SQL token stores (SQLite and PostgreSQL): signing keys, refresh-token families (with rotation) and revocations,
// with their row mappers.

import { sql } from 'kysely';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type {
  JsonObject,
  KeyStore,
  RefreshFamilyRecord,
  RefreshTokenRecord,
  RefreshTokenStore,
  RevocationRecord,
  RevocationStore,
  RotateResult,
  SigningKeyRecord,
} from '../../core/store.js';
import type { SqlDialect } from './migrations.js';
import type { Database, RefreshFamiliesTable, RefreshTokensTable, RevocationsTable, SigningKeysTable } from './schema.js';

const toKey = (row: Selectable<SigningKeysTable>): SigningKeyRecord => ({
  kid: row.kid,
  alg: row.alg,
  publicJwk: JSON.parse(row.public_jwk) as JsonObject,
  privateKeyEncrypted: row.private_key_encrypted,
  createdAt: row.created_at,
  activatesAt: row.activates_at,
  retiredAt: row.retired_at,
  expiresAt: row.expires_at,
});

const toFamily = (row: Selectable<RefreshFamiliesTable>): RefreshFamilyRecord => ({
  id: row.id,
  userId: row.user_id,
  mode: row.mode,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
  expiresAt: row.expires_at,
  absoluteExpiresAt: row.absolute_expires_at,
  revokedAt: row.revoked_at,
  userAgent: row.user_agent,
  ip: row.ip,
});

const toToken = (row: Selectable<RefreshTokensTable>): RefreshTokenRecord => ({
  id: row.id,
  familyId: row.family_id,
  secretHash: row.secret_hash,
  createdAt: row.created_at,
  usedAt: row.used_at,
  successorId: row.successor_id,
});

const tokenRow = (t: RefreshTokenRecord): RefreshTokensTable => ({
  id: t.id,
  family_id: t.familyId,
  secret_hash: t.secretHash,
  created_at: t.createdAt,
  used_at: t.usedAt,
  successor_id: t.successorId,
});

export function createKeyStore(db: Kysely<Database>): KeyStore {
  return {
    async list() {
      const rows = await db.selectFrom('signing_keys').selectAll().orderBy('created_at').orderBy('kid').execute();
      return rows.map(toKey);
    },
    async insert(key) {
      await db
        .insertInto('signing_keys')
        .values({
          kid: key.kid,
          alg: key.alg,
          public_jwk: JSON.stringify(key.publicJwk),
          private_key_encrypted: key.privateKeyEncrypted,
          created_at: key.createdAt,
          activates_at: key.activatesAt,
          retired_at: key.retiredAt,
          expires_at: key.expiresAt,
        })
        .execute();
    },
    async retire(kid, retiredAt, expiresAt) {
      const result = await db
        .updateTable('signing_keys')
        .set({ retired_at: retiredAt, expires_at: expiresAt })
        .where('kid', '=', kid)
        .where('retired_at', 'is', null)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
    async deleteExpired(now) {
      const result = await db
        .deleteFrom('signing_keys')
        .where('retired_at', 'is not', null)
        .where('expires_at', 'is not', null)
        .where('expires_at', '<=', now)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

/** The body of `rotate`, run inside one transaction. */
async function rotateIn(
  trx: Transaction<Database>,
  tokenId: string,
  successor: RefreshTokenRecord,
  now: number,
  graceMs: number,
  familyExpiresAt: number,
): Promise<RotateResult> {
  const readToken = async () =>
    trx.selectFrom('refresh_tokens').selectAll().where('id', '=', tokenId).executeTakeFirst();
  let token = await readToken();
  if (!token) return { status: 'invalid' };
  const familyRow = await trx.selectFrom('refresh_families').selectAll().where('id', '=', token.family_id).executeTakeFirst();
  if (!familyRow) return { status: 'invalid' };
  const family = toFamily(familyRow);
  if (family.revokedAt !== null || family.expiresAt <= now || family.absoluteExpiresAt <= now) return { status: 'invalid' };

  if (token.used_at === null) {
    if (successor.familyId !== family.id) throw new Error('sql store: the successor must belong to the same family');
    // Guarded "mark spent": even if two rotations of this token ever overlapped, only one can flip used_at.
    const spent = await trx
      .updateTable('refresh_tokens')
      .set({ used_at: now, successor_id: successor.id })
      .where('id', '=', tokenId)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    if (spent.numUpdatedRows === 1n) {
      await trx.insertInto('refresh_tokens').values(tokenRow(successor)).execute();
      await trx
        .updateTable('refresh_families')
        .set({ last_used_at: now, expires_at: familyExpiresAt })
        .where('id', '=', family.id)
        .execute();
      return { status: 'rotated', family: { ...family, lastUsedAt: now, expiresAt: familyExpiresAt } };
    }
    token = await readToken(); // lost the race: decide as a spent token
    if (!token) return { status: 'invalid' };
  }

  if (token.used_at !== null && now - token.used_at <= graceMs && token.successor_id === successor.id) {
    return { status: 'retry', family };
  }
  const revoked = await trx
    .updateTable('refresh_families')
    .set({ revoked_at: now })
    .where('id', '=', family.id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (revoked.numUpdatedRows === 0n) return { status: 'invalid' }; // revoked meanwhile
  return { status: 'reused', family: { ...family, revokedAt: now } };
}

export function createRefreshTokenStore(db: Kysely<Database>): RefreshTokenStore {
  const valid = (now: number) =>
    db
      .selectFrom('refresh_families')
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .where('absolute_expires_at', '>', now);

  return {
    async createFamily(f, token) {
      if (token.familyId !== f.id) throw new Error('sql store: the first token must belong to the new family');
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('refresh_families')
          .values({
            id: f.id,
            user_id: f.userId,
            mode: f.mode,
            created_at: f.createdAt,
            last_used_at: f.lastUsedAt,
            expires_at: f.expiresAt,
            absolute_expires_at: f.absoluteExpiresAt,
            revoked_at: f.revokedAt,
            user_agent: f.userAgent,
            ip: f.ip,
          })
          .execute();
        await trx.insertInto('refresh_tokens').values(tokenRow(token)).execute();
      });
    },
    async getToken(id) {
      const row = await db.selectFrom('refresh_tokens').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toToken(row) : null;
    },
    async getFamily(id) {
      const row = await db.selectFrom('refresh_families').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toFamily(row) : null;
    },
    async rotate(tokenId, successor, now, graceMs, familyExpiresAt) {
      // SQLite: Kysely holds its single connection for the whole transaction, so rotations run one after
      // another. PostgreSQL (READ COMMITTED): concurrent rotations of one token meet at the guarded UPDATE
      // in rotateIn; the loser waits for the winner's commit, updates nothing, and re-reads the spent token.
      return db.transaction().execute((trx) => rotateIn(trx, tokenId, successor, now, graceMs, familyExpiresAt));
    },
    async listFamiliesByUser(userId, now) {
      const rows = await valid(now)
        .selectAll()
        .where('user_id', '=', userId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .execute();
      return rows.map(toFamily);
    },
    async revokeFamily(id, now) {
      const result = await db
        .updateTable('refresh_families')
        .set({ revoked_at: now })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
    async revokeFamiliesByUser(userId, now, exceptId) {
      let query = db
        .updateTable('refresh_families')
        .set({ revoked_at: now })
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null);
      if (exceptId !== undefined) query = query.where('id', '!=', exceptId);
      const rows = await query.returning('id').execute();
      return rows.map((r) => r.id);
    },
    async deleteExpired(now) {
      // Tokens go with their family (ON DELETE CASCADE; foreign_keys is ON for this connection).
      const result = await db
        .deleteFrom('refresh_families')
        .where((eb) => eb.or([eb('expires_at', '<=', now), eb('absolute_expires_at', '<=', now)]))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

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
