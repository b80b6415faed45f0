// Owns the SQLite store: opening the file (pragmas, migrations) and the Kysely queries behind each store
// contract. Single-node deployments only. Every query is parameterized; no data is ever spliced into SQL.

import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import type { Selectable, Transaction } from 'kysely';
import type {
  JsonObject,
  KeyStore,
  RateLimitStore,
  RefreshFamilyRecord,
  RefreshTokenRecord,
  RefreshTokenStore,
  RevocationStore,
  RotateResult,
  SessionRecord,
  SessionStore,
  SigningKeyRecord,
  Store,
  UserRecord,
  UserStore,
} from '../../core/store.js';
import { migrationProvider } from './migrations.js';
import type {
  Database,
  RefreshFamiliesTable,
  RefreshTokensTable,
  SessionsTable,
  SigningKeysTable,
  UsersTable,
} from './schema.js';

/**
 * Either a file path (parent directories are created; `:memory:` works) or an open better-sqlite3
 * database. A passed-in database is owned by the store from then on: `close()` closes it.
 */
export type SqliteStoreOptions = { path: string } | { database: BetterSqlite3.Database };

function openDatabase(options: SqliteStoreOptions): BetterSqlite3.Database {
  if ('database' in options) return options.database;
  const { path } = options;
  if (path !== ':memory:' && path !== '' && !path.startsWith('file:')) {
    mkdirSync(dirname(path), { recursive: true });
    // Password hashes and sealed keys live here: readable by the owner only (WAL and SHM files follow it).
    closeSync(openSync(path, 'a', 0o600));
  }
  return new BetterSqlite3(path);
}

function applyPragmas(database: BetterSqlite3.Database): void {
  // WAL with synchronous=NORMAL: a committed transaction is in the WAL file before the commit returns,
  // so it survives a crash or kill -9 of this process. Only an OS crash or power loss can roll back the
  // last few commits (never corrupt the file); that trade buys much faster writes than FULL.
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  // Off by default in SQLite; sessions and refresh families (from users) and refresh tokens (from their
  // family) rely on ON DELETE CASCADE.
  database.pragma('foreign_keys = ON');
  // Wait (up to 5 s) instead of failing with SQLITE_BUSY when another connection holds the write lock.
  database.pragma('busy_timeout = 5000');
}

async function migrateToLatest(db: Kysely<Database>): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error !== undefined || failed) {
    const name = failed ? ` (${failed.migrationName})` : '';
    throw new Error(`sqlite store: migration failed${name}`, { cause: error });
  }
}

const toUser = (row: Selectable<UsersTable>): UserRecord => ({
  id: row.id,
  email: row.email,
  passwordHash: row.password_hash,
  roles: JSON.parse(row.roles) as string[],
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const toSession = (row: Selectable<SessionsTable>): SessionRecord => ({
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

const encodeData = (data: JsonObject | null): string | null => (data === null ? null : JSON.stringify(data));

function createUserStore(db: Kysely<Database>): UserStore {
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

function createSessionStore(db: Kysely<Database>): SessionStore {
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

function createRateLimitStore(db: Kysely<Database>): RateLimitStore {
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

function createKeyStore(db: Kysely<Database>): KeyStore {
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
    if (successor.familyId !== family.id) throw new Error('sqlite store: the successor must belong to the same family');
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

function createRefreshTokenStore(db: Kysely<Database>): RefreshTokenStore {
  const valid = (now: number) =>
    db
      .selectFrom('refresh_families')
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .where('absolute_expires_at', '>', now);

  return {
    async createFamily(f, token) {
      if (token.familyId !== f.id) throw new Error('sqlite store: the first token must belong to the new family');
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
      // Kysely's SQLite driver holds its single connection for the whole transaction, so concurrent
      // rotations run one after another; the guarded UPDATE in rotateIn is a second line of defence.
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

function createRevocationStore(db: Kysely<Database>): RevocationStore {
  return {
    async add(r) {
      // In ON CONFLICT DO UPDATE the bare table name reads the stored row; two-argument max() is scalar.
      await db
        .insertInto('revocations')
        .values({ kind: r.kind, subject: r.subject, revoked_at: r.revokedAt, expires_at: r.expiresAt })
        .onConflict((oc) =>
          oc.columns(['kind', 'subject']).doUpdateSet({
            revoked_at: sql<number>`max(revocations.revoked_at, excluded.revoked_at)`,
            expires_at: sql<number>`max(revocations.expires_at, excluded.expires_at)`,
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
      return rows.map((row) => ({ kind: row.kind, subject: row.subject, revokedAt: row.revoked_at, expiresAt: row.expires_at }));
    },
    async deleteExpired(now) {
      const result = await db.deleteFrom('revocations').where('expires_at', '<=', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export async function createSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const database = openDatabase(options);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  try {
    applyPragmas(database);
    await migrateToLatest(db);
  } catch (error) {
    await db.destroy().catch(() => {});
    if (database.open) database.close();
    throw error;
  }

  return {
    kind: 'sqlite',
    users: createUserStore(db),
    sessions: createSessionStore(db),
    rateLimits: createRateLimitStore(db),
    keys: createKeyStore(db),
    refreshTokens: createRefreshTokenStore(db),
    revocations: createRevocationStore(db),
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy(); // closes the better-sqlite3 database too
    },
  };
}
