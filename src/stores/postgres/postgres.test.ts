// Owns the PostgreSQL store's tests: the shared conformance suite, each test in a schema of its own on the
// server named by GATEHOUSE_TEST_DATABASE_URL (skipped, saying so, when it is unset).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runStoreConformance } from '../../testing/conformance/index.js';
import { POSTGRES_URL, SKIP_POSTGRES, describeOrSkip, dropSchema, uniqueName } from '../../../test/support-services.js';
import { sql } from 'kysely';
import { createPostgresStore, openPostgresDatabase } from './index.js';

if (SKIP_POSTGRES) {
  describeOrSkip('postgres store', SKIP_POSTGRES, () => {});
} else {
  const url = POSTGRES_URL!;
  runStoreConformance('postgres', async () => {
    const schema = uniqueName('gh_conf');
    const store = await createPostgresStore({ connectionString: url, schema });
    return { store, cleanup: () => dropSchema(url, schema) };
  });

  describe('postgres store', () => {
    it('refuses a schema name that is not a plain identifier', async () => {
      await assert.rejects(createPostgresStore({ connectionString: url, schema: 'x; drop table users' }), /invalid schema name/);
    });

    it('starts twice on one schema at once (migrations take a lock) and keeps epoch milliseconds exact', async () => {
      const schema = uniqueName('gh_twice');
      try {
        const [a, b] = await Promise.all([
          createPostgresStore({ connectionString: url, schema }),
          createPostgresStore({ connectionString: url, schema }),
        ]);
        const at = 4_102_444_800_123; // 2100-01-01, past 32-bit seconds and int4 milliseconds
        await a.users.create({ id: 'u1', email: 'a@example.com', passwordHash: 'h', roles: [], emailVerified: false, disabledAt: null, createdAt: at, updatedAt: at });
        const user = await b.users.findById('u1');
        assert.equal(user?.createdAt, at);
        assert.equal(typeof user?.createdAt, 'number');
        await Promise.all([a.close(), b.close()]);
      } finally {
        await dropSchema(url, schema);
      }
    });

    it('keeps two deployments in one database apart, each in its own schema with its own migration tables', async () => {
      const [first, second] = [uniqueName('gh_first'), uniqueName('gh_second')];
      try {
        const a = await createPostgresStore({ connectionString: url, schema: first });
        const b = await createPostgresStore({ connectionString: url, schema: second }); // while the first exists
        await a.users.create({ id: 'u1', email: 'a@example.com', passwordHash: 'h', roles: [], emailVerified: false, disabledAt: null, createdAt: 1, updatedAt: 1 });
        assert.equal(await b.users.findById('u1'), null);
        await Promise.all([a.close(), b.close()]);
      } finally {
        await Promise.all([dropSchema(url, first), dropSchema(url, second)]);
      }
    });

    it('compares audit ids byte by byte (collation "C") whatever the database\'s collation, as the keyset order needs', async () => {
      const schema = uniqueName('gh_collate');
      try {
        const db = await openPostgresDatabase({ connectionString: url, schema });
        const { rows } = await sql<{ collation: string | null }>`select collation_name as collation from information_schema.columns
          where table_schema = ${schema} and table_name = 'audit_events' and column_name = 'id'`.execute(db);
        await db.destroy();
        assert.deepEqual(rows, [{ collation: 'C' }]);
      } finally {
        await dropSchema(url, schema);
      }
    });

    it('fails fast, not hanging, when the server cannot be reached', async () => {
      const started = Date.now();
      await assert.rejects(createPostgresStore({ connectionString: 'postgres://postgres@127.0.0.1:1/test', connectTimeoutMs: 1000 }));
      assert.ok(Date.now() - started < 3000);
    });
  });
}
