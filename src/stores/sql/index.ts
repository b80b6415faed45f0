// Owns what the SQL backends share once a Kysely instance is open: migrating to the latest schema and
// assembling the store contracts, one file per contract beside this one. Opening connections is the
// dialect's own business (stores/sqlite, stores/postgres).

import { Migrator, sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Store } from '../../core/store.js';
import { createAuditStore } from './audit.js';
import { createKeyStore } from './keys.js';
import { createMfaStore } from './mfa.js';
import { migrationProvider, type SqlDialect } from './migrations.js';
import { createOneTimeTokenStore } from './one-time-tokens.js';
import { createPasskeyStore } from './passkeys.js';
import { createRateLimitStore } from './rate-limits.js';
import { createRefreshTokenStore } from './refresh-tokens.js';
import { createRevocationStore } from './revocations.js';
import type { Database } from './schema.js';
import { createSessionStore } from './sessions.js';
import { createUserStore } from './users.js';

export type { Database } from './schema.js';
export type { SqlDialect } from './migrations.js';

/** `schema` (PostgreSQL) keeps the migrator's own tables beside the store's, not wherever it first finds them. */
export async function migrateToLatest(db: Kysely<Database>, dialect: SqlDialect, schema?: string): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider(dialect), ...(schema !== undefined && { migrationTableSchema: schema }) });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error !== undefined || failed) {
    const name = failed ? ` (${failed.migrationName})` : '';
    throw new Error(`${dialect} store: migration failed${name}`, { cause: error });
  }
}

/** The Store over an open, migrated database; `close` destroys the Kysely instance (and its connections). */
export function createSqlStore(db: Kysely<Database>, kind: SqlDialect): Store {
  return {
    kind,
    users: createUserStore(db),
    sessions: createSessionStore(db),
    rateLimits: createRateLimitStore(db),
    keys: createKeyStore(db),
    refreshTokens: createRefreshTokenStore(db),
    revocations: createRevocationStore(db, kind),
    audit: createAuditStore(db),
    oneTimeTokens: createOneTimeTokenStore(db),
    mfa: createMfaStore(db),
    passkeys: createPasskeyStore(db),
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy();
    },
  };
}
