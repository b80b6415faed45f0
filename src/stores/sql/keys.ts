// Owns the SQL signing-key store (SQLite and PostgreSQL) and its row mapper; private keys arrive sealed.

import type { Kysely, Selectable } from 'kysely';
import type { JsonObject, KeyStore, SigningKeyRecord } from '../../core/store.js';
import type { Database, SigningKeysTable } from './schema.js';

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
