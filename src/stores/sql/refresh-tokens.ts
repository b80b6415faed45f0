// Owns the SQL refresh-token store (SQLite and PostgreSQL): families and their tokens with row mappers, and
// rotation as one transaction with a guarded "mark spent", so a token is spent once however rotations race.

import type { Kysely, Selectable, Transaction } from 'kysely';
import { decodeAmr, encodeAmr } from '../../core/step-up.js';
import type { RefreshFamilyRecord, RefreshTokenRecord, RefreshTokenStore, RotateResult } from '../../core/store.js';
import type { Database, RefreshFamiliesTable, RefreshTokensTable } from './schema.js';

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
  authTime: row.auth_time,
  amr: decodeAmr(row.amr),
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
            auth_time: f.authTime,
            amr: encodeAmr(f.amr),
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
    async setFamilyProof(id, authTime, amr, now) {
      // One conditional write: a family revoked or expired meanwhile is left as it is.
      const result = await db
        .updateTable('refresh_families')
        .set({ auth_time: authTime, amr: encodeAmr(amr) })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .where('absolute_expires_at', '>', now)
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
