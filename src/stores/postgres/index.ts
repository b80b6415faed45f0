// Owns the PostgreSQL store: the connection pool (size, connect and statement timeouts, bigint parsing, an
// optional schema) and handing it to the shared SQL store (stores/sql), so SQLite and PostgreSQL run the same
// queries and migrations. Every query is parameterized; no data is spliced into SQL.

import { Kysely, PostgresDialect, sql } from 'kysely';
import type Pg from 'pg';
import { loadOptional } from '../../core/optional-dependency.js';
import type { Store } from '../../core/store.js';
import { createSqlStore, migrateToLatest, type Database } from '../sql/index.js';
import { POSTGRES_DEFAULTS } from './defaults.js';

export { POSTGRES_DEFAULTS } from './defaults.js';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database` */
  connectionString: string;
  /** Schema that holds every table (created when missing). Default: the server's search_path (`public`). */
  schema?: string;
  /** Connections in the pool. Default 10. */
  poolSize?: number;
  /** Longest a statement may run, server-side (and, plus a second, client-side). Default 5000 ms. */
  statementTimeoutMs?: number;
  /** Longest to wait for a connection (a new one, or a free one from a full pool). Default 5000 ms. */
  connectTimeoutMs?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const INT8_OID = 20;

type PgModule = typeof Pg;

/** pg, loaded on first use (an optional dependency). */
const loadPg = (): Promise<PgModule> => loadOptional('pg', 'The PostgreSQL store', async () => (await import('pg')).default);

/** Epoch milliseconds are bigint columns; they fit a double exactly (pg hands int8 out as strings otherwise). */
const typesOf = (pg: PgModule) => ({
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): unknown =>
    oid === INT8_OID && format !== 'binary' ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format ?? 'text')) as PgModule['types']['getTypeParser'],
});

/**
 * Kysely's migrator looks for its own tables through a catalog query over every schema of the database; another
 * schema dropped during that query (another deployment, or a test, cleaning up) fails it with 3F000. Ours is not
 * affected, so the migration is simply tried again.
 */
function droppedMeanwhile(error: unknown, ours: string): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    const other = /schema "([^"]+)" does not exist/.exec(e.message)?.[1];
    if (code === '3F000' || (other !== undefined && other !== ours)) return other !== ours;
  }
  return false;
}

/** The longest a migration (its wait for the migration lock included) may take before start-up fails. */
const MIGRATION_TIMEOUT_MS = 120_000;

function createPool(pg: PgModule, options: PostgresStoreOptions): Pg.Pool {
  const { schema, statementTimeoutMs = POSTGRES_DEFAULTS.statementTimeoutMs, connectTimeoutMs = POSTGRES_DEFAULTS.connectTimeoutMs } = options;
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? POSTGRES_DEFAULTS.poolSize,
    connectionTimeoutMillis: connectTimeoutMs,
    statement_timeout: statementTimeoutMs,
    query_timeout: statementTimeoutMs + 1000, // a server that stops answering mid-query
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    types: typesOf(pg),
    ...(schema !== undefined && { options: `-c search_path=${schema}` }),
  });
  // An idle connection dropped by the server (restart, failover) is reported here; the pool discards it and
  // the next query opens a new one. Unhandled, the event would end the process.
  pool.on('error', () => {});
  // A connection dropped while checked out (a query in flight) errors on the client itself: the query fails
  // (→ 503) and the pool discards the client; unhandled, that event too would end the process.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

async function createSchema(pg: PgModule, options: PostgresStoreOptions & { schema: string }): Promise<void> {
  const client = new pg.Client({ connectionString: options.connectionString, connectionTimeoutMillis: options.connectTimeoutMs ?? POSTGRES_DEFAULTS.connectTimeoutMs });
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${options.schema}`); // name checked against SCHEMA_NAME
  } catch (error) {
    // Two instances starting at once can race on the catalog; the schema exists either way.
    if ((error as { code?: string }).code !== '23505') throw error;
  } finally {
    await client.end();
  }
}

/** The pool, with the schema created and migrated, as Kysely (for tools such as `gatehouse migrate`). */
export async function openPostgresDatabase(options: PostgresStoreOptions): Promise<Kysely<Database>> {
  const { schema } = options;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) throw new Error(`postgres store: invalid schema name ${JSON.stringify(schema)}`);
  const pg = await loadPg();
  if (schema !== undefined) await createSchema(pg, { ...options, schema });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: createPool(pg, options) }) });
  try {
    // The migrator's own tables go where the store's go: the given schema, else the first of the search_path
    // (Kysely left alone would take kysely_migration from any schema of the database, e.g. another deployment's).
    const current = (await sql<{ schema: string | null; path: string }>`select current_schema() as schema, current_setting('search_path') as path`.execute(db)).rows[0];
    const migrationSchema = schema ?? current?.schema ?? undefined;
    if (migrationSchema === undefined) {
      throw new Error(`postgres store: no schema on the search_path (${current?.path ?? '?'}) exists to hold the tables; create one, or pass a schema`);
    }
    // Kysely's migrator holds one advisory lock for the whole database: instances (and stores of other schemas)
    // starting together wait their turn. That wait and the DDL itself are not requests: they run on a connection
    // of their own with a long timeout, not the pool's statement timeout, which a busy start-up could exceed.
    const migrationDb = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: createPool(pg, { ...options, poolSize: 1, statementTimeoutMs: MIGRATION_TIMEOUT_MS }) }),
    });
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          await migrateToLatest(migrationDb, 'postgres', migrationSchema);
          break;
        } catch (error) {
          if (attempt >= 3 || !droppedMeanwhile(error, migrationSchema)) throw error;
        }
      }
    } finally {
      await migrationDb.destroy();
    }
  } catch (error) {
    await db.destroy().catch(() => {});
    throw error;
  }
  return db;
}

export async function createPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  return createSqlStore(await openPostgresDatabase(options), 'postgres');
}
