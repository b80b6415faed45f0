// Owns the SQL schema history shared by SQLite and PostgreSQL: named, in-code Kysely migrations applied in
// key order on open. Never change what a shipped migration does; add a new one.

import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

export type SqlDialect = 'sqlite' | 'postgres';

/** Epoch milliseconds: SQLite's INTEGER is 64-bit already; PostgreSQL's integer is 32-bit, so bigint. */
const msType = (dialect: SqlDialect) => (dialect === 'postgres' ? 'bigint' : 'integer');

function migrations(dialect: SqlDialect): Record<string, Migration> {
  const ms = msType(dialect);
  return {
    '0001_initial': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema
          .createTable('users')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('email', 'text', (c) => c.notNull().unique())
          .addColumn('password_hash', 'text', (c) => c.notNull())
          .addColumn('roles', 'text', (c) => c.notNull()) // JSON array
          .addColumn('created_at', ms, (c) => c.notNull())
          .addColumn('updated_at', ms, (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('sessions')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('secret_hash', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('created_at', ms, (c) => c.notNull())
          .addColumn('last_active_at', ms, (c) => c.notNull())
          .addColumn('expires_at', ms, (c) => c.notNull())
          .addColumn('absolute_expires_at', ms, (c) => c.notNull())
          .addColumn('user_agent', 'text')
          .addColumn('ip', 'text')
          .addColumn('data', 'text') // JSON object or NULL
          .execute();
        await db.schema.createIndex('sessions_user_id_idx').on('sessions').column('user_id').execute();
        await db.schema.createIndex('sessions_expires_at_idx').on('sessions').column('expires_at').execute();

        await db.schema
          .createTable('rate_limits')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('count', 'integer', (c) => c.notNull())
          .addColumn('reset_at', ms, (c) => c.notNull())
          .execute();
      },
      async down(db: Kysely<unknown>): Promise<void> {
        await db.schema.dropTable('rate_limits').execute();
        await db.schema.dropTable('sessions').execute();
        await db.schema.dropTable('users').execute();
      },
    },

    '0002_tokens': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema
          .createTable('signing_keys')
          .addColumn('kid', 'text', (c) => c.primaryKey())
          .addColumn('alg', 'text', (c) => c.notNull())
          .addColumn('public_jwk', 'text', (c) => c.notNull()) // JSON object
          .addColumn('private_key_encrypted', 'text', (c) => c.notNull())
          .addColumn('created_at', ms, (c) => c.notNull())
          .addColumn('activates_at', ms, (c) => c.notNull())
          .addColumn('retired_at', ms)
          .addColumn('expires_at', ms)
          .execute();

        await db.schema
          .createTable('refresh_families')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('mode', 'text', (c) => c.notNull())
          .addColumn('created_at', ms, (c) => c.notNull())
          .addColumn('last_used_at', ms, (c) => c.notNull())
          .addColumn('expires_at', ms, (c) => c.notNull())
          .addColumn('absolute_expires_at', ms, (c) => c.notNull())
          .addColumn('revoked_at', ms)
          .addColumn('user_agent', 'text')
          .addColumn('ip', 'text')
          .execute();
        await db.schema.createIndex('refresh_families_user_id_idx').on('refresh_families').column('user_id').execute();

        await db.schema
          .createTable('refresh_tokens')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('family_id', 'text', (c) => c.notNull().references('refresh_families.id').onDelete('cascade'))
          .addColumn('secret_hash', 'text', (c) => c.notNull())
          .addColumn('created_at', ms, (c) => c.notNull())
          .addColumn('used_at', ms)
          .addColumn('successor_id', 'text')
          .execute();
        await db.schema.createIndex('refresh_tokens_family_id_idx').on('refresh_tokens').column('family_id').execute();

        await db.schema
          .createTable('revocations')
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('subject', 'text', (c) => c.notNull())
          .addColumn('revoked_at', ms, (c) => c.notNull())
          .addColumn('expires_at', ms, (c) => c.notNull())
          .addPrimaryKeyConstraint('revocations_pk', ['kind', 'subject'])
          .execute();
      },
      async down(db: Kysely<unknown>): Promise<void> {
        await db.schema.dropTable('revocations').execute();
        await db.schema.dropTable('refresh_tokens').execute();
        await db.schema.dropTable('refresh_families').execute();
        await db.schema.dropTable('signing_keys').execute();
      },
    },

    // When each revocation was last written, by the database's clock: what `RevocationStore.changes` reads from.
    '0003_revocation_changes': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema.alterTable('revocations').addColumn('changed_at', ms, (c) => c.notNull().defaultTo(0)).execute();
        await db.schema.createIndex('revocations_changed_at_idx').on('revocations').column('changed_at').execute();
      },
      async down(db: Kysely<unknown>): Promise<void> {
        await db.schema.dropIndex('revocations_changed_at_idx').execute();
        await db.schema.alterTable('revocations').dropColumn('changed_at').execute();
      },
    },

    // The audit trail (SPEC §7). No foreign key to users: the rows outlive the account. Rows are paged newest
    // first by (at, id); on PostgreSQL the id compares byte by byte (collation "C"), as on SQLite.
    '0004_audit': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema
          .createTable('audit_events')
          .addColumn('id', 'text', (c) => (dialect === 'postgres' ? c.modifyFront(sql`collate "C"`) : c).primaryKey())
          .addColumn('at', ms, (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text')
          .addColumn('session_id', 'text')
          .addColumn('ip', 'text')
          .addColumn('user_agent', 'text')
          .addColumn('details', 'text', (c) => c.notNull()) // JSON object
          .execute();
        await db.schema.createIndex('audit_events_user_idx').on('audit_events').columns(['user_id', 'at', 'id']).execute();
        await db.schema.createIndex('audit_events_at_idx').on('audit_events').columns(['at', 'id']).execute();
      },
      async down(db: Kysely<unknown>): Promise<void> {
        await db.schema.dropTable('audit_events').execute();
      },
    },

    // Mailed single-use tokens (verify email, reset password, change email; SPEC §5), and whether a user's
    // address is proven. Existing users start unverified.
    '0005_one_time_tokens': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema
          .alterTable('users')
          .addColumn('email_verified', 'integer', (c) => c.notNull().defaultTo(0)) // 0 or 1 on both dialects
          .execute();
        await db.schema
          .createTable('one_time_tokens')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('secret_hash', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('purpose', 'text', (c) => c.notNull())
          .addColumn('data', 'text')
          .addColumn('created_at', ms, (c) => c.notNull())
          .addColumn('expires_at', ms, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('one_time_tokens_user_idx').on('one_time_tokens').columns(['user_id', 'purpose']).execute();
        await db.schema.createIndex('one_time_tokens_expires_at_idx').on('one_time_tokens').column('expires_at').execute();
      },
      async down(db: Kysely<unknown>): Promise<void> {
        await db.schema.dropTable('one_time_tokens').execute();
        await db.schema.alterTable('users').dropColumn('email_verified').execute();
      },
    },

    // Administrators disable accounts (SPEC §7): when, or NULL while enabled. Existing users stay enabled.
    '0006_user_disabled': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema.alterTable('users').addColumn('disabled_at', ms).execute();
      },
      async down(db: Kysely<unknown>): Promise<void> {
        await db.schema.alterTable('users').dropColumn('disabled_at').execute();
      },
    },

    // Step-up (SPEC §6): when and how the user last proved who they are, on each session and token family
    // (auth_time in epoch ms; amr as space-separated RFC 8176 values, e.g. `pwd otp`). Rows from before it knew
    // only passwords: they take their login's time and `pwd`.
    '0007_auth_proof': {
      async up(db: Kysely<unknown>): Promise<void> {
        for (const table of ['sessions', 'refresh_families']) {
          await db.schema.alterTable(table).addColumn('auth_time', ms, (c) => c.notNull().defaultTo(0)).execute();
          await db.schema.alterTable(table).addColumn('amr', 'text', (c) => c.notNull().defaultTo('pwd')).execute();
          await sql`update ${sql.table(table)} set auth_time = created_at`.execute(db);
        }
      },
      async down(db: Kysely<unknown>): Promise<void> {
        for (const table of ['refresh_families', 'sessions']) {
          await db.schema.alterTable(table).dropColumn('amr').execute();
          await db.schema.alterTable(table).dropColumn('auth_time').execute();
        }
      },
    },

    // Second factors (SPEC §6): a TOTP factor per user (its secret sealed by the engine; pending until enabled;
    // the last time step used, for replay), its recovery codes (keyed hashes only), and logins waiting for their
    // second step. All gone with their user.
    '0008_mfa': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema
          .createTable('mfa_totp')
          .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
          .addColumn('secret_sealed', 'text', (c) => c.notNull())
          .addColumn('created_at', ms, (c) => c.notNull())
          .addColumn('enabled_at', ms)
          .addColumn('last_used_step', ms) // 30 s steps since 1970: small, but bigint like every time
          .execute();
        await db.schema
          .createTable('mfa_recovery_codes')
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('code_hash', 'text', (c) => c.notNull())
          .addColumn('created_at', ms, (c) => c.notNull())
          .addPrimaryKeyConstraint('mfa_recovery_codes_pk', ['user_id', 'code_hash'])
          .execute();
        await db.schema
          .createTable('mfa_challenges')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('secret_hash', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('mode', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull())
          .addColumn('created_at', ms, (c) => c.notNull())
          .addColumn('expires_at', ms, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('mfa_challenges_user_id_idx').on('mfa_challenges').column('user_id').execute();
        await db.schema.createIndex('mfa_challenges_expires_at_idx').on('mfa_challenges').column('expires_at').execute();
      },
      async down(db: Kysely<unknown>): Promise<void> {
        await db.schema.dropTable('mfa_challenges').execute();
        await db.schema.dropTable('mfa_recovery_codes').execute();
        await db.schema.dropTable('mfa_totp').execute();
      },
    },

    // Passkeys (WebAuthn credentials, SPEC §6): one row per credential, its id as the authenticator made it
    // (base64url, unique across users), gone with its user. The signature counter reaches 2^32 - 1: bigint on
    // PostgreSQL.
    '0009_passkeys': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema
          .createTable('passkeys')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('public_key', 'text', (c) => c.notNull())
          .addColumn('counter', dialect === 'postgres' ? 'bigint' : 'integer', (c) => c.notNull())
          .addColumn('transports', 'text', (c) => c.notNull()) // JSON array
          .addColumn('device_type', 'text', (c) => c.notNull())
          .addColumn('backed_up', 'integer', (c) => c.notNull()) // 0 or 1 on both dialects
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('created_at', ms, (c) => c.notNull())
          .addColumn('last_used_at', ms)
          .execute();
        await db.schema.createIndex('passkeys_user_id_idx').on('passkeys').columns(['user_id', 'created_at']).execute();
      },
      async down(db: Kysely<unknown>): Promise<void> {
        await db.schema.dropTable('passkeys').execute();
      },
    },

    // Upkeep by index (issue 19): deleteExpired on sessions and refresh families is `expires_at <= now OR
    // absolute_expires_at <= now`, which without an index on each side scans the whole table (0.5-0.8 s every
    // minute at 10⁶ SQLite sessions, stalling every request of the process). With one, both dialects search the
    // two indexes and merge (SQLite's MULTI-INDEX OR, PostgreSQL's BitmapOr); holding expires_at as well lets
    // the active-session count (/metrics) read the index alone.
    '0010_expiry_indexes': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema.createIndex('sessions_absolute_expiry_idx').on('sessions').columns(['absolute_expires_at', 'expires_at']).execute();
        await db.schema.createIndex('refresh_families_expires_at_idx').on('refresh_families').column('expires_at').execute();
        await db.schema.createIndex('refresh_families_absolute_expiry_idx').on('refresh_families').columns(['absolute_expires_at', 'expires_at']).execute();
      },
      async down(db: Kysely<unknown>): Promise<void> {
        await db.schema.dropIndex('refresh_families_absolute_expiry_idx').execute();
        await db.schema.dropIndex('refresh_families_expires_at_idx').execute();
        await db.schema.dropIndex('sessions_absolute_expiry_idx').execute();
      },
    },
  };
}

export function migrationProvider(dialect: SqlDialect): MigrationProvider {
  return {
    async getMigrations() {
      return migrations(dialect);
    },
  };
}
