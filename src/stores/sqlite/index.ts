// Owns the SQLite store: opening the file (permissions, pragmas) and handing it to the shared SQL store
// (stores/sql). Single-node deployments only. Every query is parameterized; no data is spliced into SQL.

import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, SqliteDialect, type SqliteDatabase, type SqliteStatement } from 'kysely';
import { loadOptional } from '../../core/optional-dependency.js';
import type { Store } from '../../core/store.js';
import { createSqlStore, migrateToLatest, type Database } from '../sql/index.js';
import { withReadCache } from './read-cache.js';

/**
 * An open better-sqlite3 `Database`, described by what the store uses of it, so that these public types need
 * no @types/better-sqlite3.
 */
export interface SqliteConnection extends SqliteDatabase {
  readonly open: boolean;
  pragma(source: string): unknown;
  prepare(sql: string): SqliteStatement & { get(...parameters: unknown[]): unknown };
}

/**
 * Either a file path (parent directories are created; `:memory:` works) or an open better-sqlite3
 * database. A passed-in database is owned by the store from then on: `close()` closes it.
 */
export type SqliteStoreOptions = ({ path: string } | { database: SqliteConnection }) & {
  /** Epoch milliseconds; spaces the read cache's checks for other processes' writes. Default `Date.now`. */
  clock?: () => number;
};

async function openDatabase(options: SqliteStoreOptions): Promise<SqliteConnection> {
  if ('database' in options) return options.database;
  const BetterSqlite3 = await loadOptional('better-sqlite3', 'The SQLite store', async () => (await import('better-sqlite3')).default);
  const { path } = options;
  if (path !== ':memory:' && path !== '' && !path.startsWith('file:')) {
    mkdirSync(dirname(path), { recursive: true });
    // Password hashes and sealed keys live here: readable by the owner only (WAL and SHM files follow it).
    closeSync(openSync(path, 'a', 0o600));
  }
  return new BetterSqlite3(path);
}

function applyPragmas(database: SqliteConnection): void {
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

/** Distinct statements kept prepared; ours are a few dozen, so only ad-hoc ones (migrations, tools) ever go. */
const STATEMENT_CACHE_SIZE = 256;

/**
 * The database as Kysely sees it, with each statement prepared once and reused: Kysely prepares every query
 * afresh, which cost a fifth of a session check. Safe to share: better-sqlite3 runs a statement to completion
 * synchronously and Kysely's driver uses one connection at a time (no store query streams).
 */
function withStatementCache(database: SqliteConnection): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => database.close(),
    prepare(sql) {
      let statement = statements.get(sql);
      if (!statement) {
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.clear();
        statement = database.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}

async function open(options: SqliteStoreOptions): Promise<{ db: Kysely<Database>; database: SqliteConnection }> {
  const database = await openDatabase(options);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
  try {
    applyPragmas(database);
    await migrateToLatest(db, 'sqlite');
  } catch (error) {
    await db.destroy().catch(() => {});
    if (database.open) database.close();
    throw error;
  }
  return { db, database };
}

/** The open, migrated database as Kysely (for tools such as `gatehouse migrate`); destroy it when done. */
export async function openSqliteDatabase(options: SqliteStoreOptions): Promise<Kysely<Database>> {
  return (await open(options)).db;
}

export async function createSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const { db, database } = await open(options);
  const store = createSqlStore(db, 'sqlite'); // destroying Kysely closes the better-sqlite3 database too
  // Session checks read from memory (read-cache.ts).
  return { ...store, ...withReadCache(database, store, options.clock ?? Date.now) };
}
