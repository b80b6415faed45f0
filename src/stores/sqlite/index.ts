// Owns the SQLite store: opening the file (pragmas, migrations) and assembling the Kysely-backed store
// contracts (account-stores.ts, token-stores.ts). Single-node deployments only. Every query is
// parameterized; no data is ever spliced into SQL.

import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import type { Store } from '../../core/store.js';
import { createRateLimitStore, createSessionStore, createUserStore } from './account-stores.js';
import { migrationProvider } from './migrations.js';
import type { Database } from './schema.js';
import { createKeyStore, createRefreshTokenStore, createRevocationStore } from './token-stores.js';

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
