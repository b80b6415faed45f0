// Owns choosing the store from the configuration: GATEHOUSE_DATABASE_URL picks SQLite (the default),
// PostgreSQL or memory; GATEHOUSE_REDIS_URL, when set, moves sessions, refresh families and rate limits to
// Redis and publishes revocations to every instance.
import type { Store } from '../core/store.js';
import { createMemoryStore } from '../stores/memory/index.js';
import type { Kysely } from 'kysely';
import { createPostgresStore, openPostgresDatabase } from '../stores/postgres/index.js';
import { createRedisBackend, withRedis } from '../stores/redis/index.js';
import type { Database } from '../stores/sql/index.js';
import { createSqliteStore, openSqliteDatabase } from '../stores/sqlite/index.js';
import type { ServerConfig } from './config.js';

export type StoreConfig = Pick<
  ServerConfig,
  'databaseUrl' | 'databasePoolSize' | 'databaseStatementTimeoutMs' | 'redisUrl' | 'redisPrefix' | 'redisCommandTimeoutMs'
>;

export async function openDatabase(config: Pick<StoreConfig, 'databaseUrl'> & Partial<StoreConfig>): Promise<Store> {
  const url = config.databaseUrl;
  if (url === 'memory:') return createMemoryStore();
  if (url.startsWith('sqlite:')) return createSqliteStore({ path: url.slice('sqlite:'.length) });
  if (isPostgres(url)) {
    return createPostgresStore({
      connectionString: url,
      poolSize: config.databasePoolSize,
      statementTimeoutMs: config.databaseStatementTimeoutMs,
    });
  }
  throw new Error(`Unsupported database URL scheme: ${url.split(':')[0] ?? ''}`);
}

const isPostgres = (url: string) => /^postgres(ql)?:\/\//.test(url);

/** A SQL database (sqlite: or postgres://), migrated, as Kysely: for `gatehouse migrate`. */
export async function openSqlDatabase(url: string): Promise<Kysely<Database>> {
  if (url.startsWith('sqlite:')) return openSqliteDatabase({ path: url.slice('sqlite:'.length) });
  if (isPostgres(url)) return openPostgresDatabase({ connectionString: url });
  throw new Error(`not a SQL database URL (sqlite:PATH or postgres://…): ${url.split(':')[0] ?? ''}`);
}

export async function openStore(config: StoreConfig): Promise<Store> {
  const store = await openDatabase(config);
  if (config.redisUrl === null) return store;
  try {
    const redis = await createRedisBackend({ url: config.redisUrl, prefix: config.redisPrefix, commandTimeoutMs: config.redisCommandTimeoutMs });
    return withRedis(store, redis);
  } catch (error) {
    await store.close();
    throw error;
  }
}
