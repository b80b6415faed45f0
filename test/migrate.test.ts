// `gatehouse migrate` as a real process: a SQLite deployment's users, keys, sessions, refresh families and
// revocations copied into PostgreSQL, after which a server on PostgreSQL (same secret) accepts the old
// passwords, session cookies, access and refresh tokens and still refuses the revoked token; a second run
// copies nothing twice; its own schema works beside another deployment's Kysely tables; a failed migration says
// why (never the password); bad use exits 2.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { createPostgresStore } from '../src/stores/postgres/index.js';
import { ROOT } from './kit.js';
import { bearer, createClient, fakeClock, register, signedIn, startTestServer, tokenLogin } from './helpers.js';
import { POSTGRES_URL, SKIP_POSTGRES, describeOrSkip, dropSchema, uniqueName } from './support-services.js';

const SECRET = 'migrate-test-secret-0123456789abcdefghij';

/** A row with every value as text, so SQLite's and PostgreSQL's (bigint as a string) compare. */
const asText = (row: Record<string, unknown>) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === null ? null : String(v as string | number)]));

function gatehouse(args: readonly string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('GATEHOUSE_')));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, env: { ...clean, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The test database's URL with every table in `schema` (as an operator would point the CLI at one). */
const searchPath = (schema: string) => `${POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;

/** A new schema, with `contents` (SQL) run in it. */
async function createSchema(schema: string, contents?: string): Promise<void> {
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
    if (contents) await admin.query(`SET search_path = ${schema}; ${contents}`);
  } finally {
    await admin.end();
  }
}

describeOrSkip('gatehouse migrate', SKIP_POSTGRES, () => {
  it('copies a SQLite deployment into PostgreSQL, where every credential keeps working', async () => {
    const clock = fakeClock();
    const schema = uniqueName('gh_migrate');
    await createSchema(schema);
    const target = searchPath(schema);
    try {
      const before = await startTestServer({ store: 'sqlite', clock, options: { secret: SECRET } });
      const { client, email } = await signedIn(before);
      const tokens = await tokenLogin(before, email);
      const revoked = await tokenLogin(before, email);
      assert.equal((await createClient(before).post('/auth/logout', undefined, bearer(revoked.access_token))).status, 204);
      await register(before);
      // The columns and tables added since 0.1: a verified and a disabled user, a mailed link, the audit trail.
      const owner = await before.store.users.findByEmail(email);
      const other = await before.store.users.findByEmail(await register(before));
      assert.ok(owner && other);
      assert.ok(await before.store.users.setEmailVerified(owner.id, true, clock()));
      assert.ok(await before.store.users.setDisabled(other.id, clock(), clock()));
      await before.store.oneTimeTokens.issue({
        id: 'migrate-link', secretHash: 'migrate-link-hash', userId: owner.id, purpose: 'reset_password', data: null, createdAt: clock(), expiresAt: clock() + 60_000,
      });
      // A passkey with its signature counter (2^32 - 1 needs PostgreSQL's bigint).
      assert.ok(await before.store.passkeys.create({
        id: 'migrate-passkey', userId: owner.id, publicKey: 'pQECAyYgASFYIA', counter: 2 ** 32 - 1, transports: ['internal', 'hybrid'],
        deviceType: 'multiDevice', backedUp: true, name: 'Phone', createdAt: clock(), lastUsedAt: clock(),
      }));
      const sqlite = `sqlite:${before.dbPath!}`;
      await before.server.close(); // the file stays until before.close()

      try {
        const first = await gatehouse(['migrate', sqlite], { GATEHOUSE_DATABASE_URL: target });
        assert.equal(first.code, 0, first.stderr);
        assert.match(first.stdout, /Copied 3 users, 1 signing_keys, 1 sessions, 2 refresh_families, 2 refresh_tokens, \d+ revocations, \d+ audit_events, 1 one_time_tokens, .*1 passkeys/);
        assert.doesNotMatch(first.stdout, /password/);
        assert.doesNotMatch(first.stdout + first.stderr, /deprecated/i, 'no library warning (Kysely\'s orderBy([…]) was one)');

        const again = await gatehouse(['migrate', sqlite], { GATEHOUSE_DATABASE_URL: target });
        assert.equal(again.code, 0, again.stderr);
        {
          // Every row of these tables, every column, as the SQLite file has it (before a server writes more).
          const check = new pg.Client({ connectionString: target });
          await check.connect();
          const source = new BetterSqlite3(before.dbPath, { readonly: true });
          try {
            // Sessions and families with their step-up proof (auth_time, amr).
            for (const [table, key] of [['users', 'id'], ['audit_events', 'id'], ['one_time_tokens', 'id'], ['sessions', 'id'], ['refresh_families', 'id'], ['passkeys', 'id']] as const) {
              const copied = (await check.query<Record<string, unknown>>(`select * from ${table}`)).rows.map(asText);
              const original = (source.prepare(`select * from ${table}`).all() as Record<string, unknown>[]).map(asText);
              const byKey = (a: Record<string, string | null>, b: Record<string, string | null>) => ((a[key] ?? '') < (b[key] ?? '') ? -1 : 1);
              assert.ok(original.length > 0, table);
              assert.deepEqual(copied.sort(byKey), original.sort(byKey), table);
            }
          } finally {
            source.close();
          }
          await check.end();
        }

        const after = await startTestServer({ store: await createPostgresStore({ connectionString: POSTGRES_URL!, schema }), clock, options: { secret: SECRET } });
        try {
          const moved = createClient(after);
          for (const [name, value] of client.jar) moved.jar.set(name, value);
          assert.equal((await moved.get('/auth/me')).status, 200, 'the session cookie');
          assert.equal((await createClient(after).get('/auth/me', bearer(tokens.access_token))).status, 200, 'the access token');
          assert.equal((await createClient(after).get('/auth/me', bearer(revoked.access_token))).status, 401, 'the revoked token');
          assert.equal((await createClient(after).post('/auth/refresh', { refresh_token: tokens.refresh_token })).status, 200, 'the refresh token');
          assert.equal((await createClient(after).post('/auth/refresh', { refresh_token: revoked.refresh_token })).status, 401);
          await tokenLogin(after, email); // the password
          const check = new pg.Client({ connectionString: target });
          await check.connect();
          const users = await check.query<{ n: number }>('select count(*)::int as n from users');
          assert.equal(users.rows[0]!.n, 3, 'the second run copied nothing twice');
          await check.end();
          assert.equal((await after.store.users.findById(other.id))?.disabledAt, clock(), 'still disabled');
          assert.equal((await after.store.users.findById(owner.id))?.emailVerified, true, 'still verified');
          assert.equal((await after.store.oneTimeTokens.consume('migrate-link'))?.userId, owner.id, 'the mailed link');
          assert.equal((await after.store.passkeys.findById('migrate-passkey'))?.counter, 2 ** 32 - 1, 'the passkey and its counter');
        } finally {
          await after.close();
        }
      } finally {
        await before.close();
      }
    } finally {
      await dropSchema(POSTGRES_URL!, schema);
    }
  });

  it('migrates into its own schema although another schema of the database already holds Kysely\'s tables', async () => {
    const [other, mine] = [uniqueName('gh_other'), uniqueName('gh_mine')];
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-migrate-'));
    try {
      // Another deployment on the same database (kysely_migration and kysely_migration_lock in its schema).
      await (await createPostgresStore({ connectionString: POSTGRES_URL!, schema: other })).close();
      await createSchema(mine);
      const result = await gatehouse(['migrate', `sqlite:${join(dir, 'gatehouse.db')}`], { GATEHOUSE_DATABASE_URL: searchPath(mine) });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /Copied 0 users/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await dropSchema(POSTGRES_URL!, other);
      await dropSchema(POSTGRES_URL!, mine);
    }
  });

  it('says why a migration failed, without the password', async () => {
    const schema = uniqueName('gh_taken');
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-migrate-'));
    try {
      // A schema where something else already has a users table: the first migration cannot create its own.
      await createSchema(schema, 'CREATE TABLE users (name text)');
      const url = new URL(searchPath(schema));
      url.password = 'not-the-password-4242';
      const result = await gatehouse(['migrate', `sqlite:${join(dir, 'gatehouse.db')}`], { GATEHOUSE_DATABASE_URL: url.href });
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /migration failed \(0001_initial\): relation "users" already exists/);
      assert.ok(!result.stderr.includes('not-the-password-4242'), result.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await dropSchema(POSTGRES_URL!, schema);
    }
  });

  it('exits 2 on bad use and 1 on a source it cannot read, naming the problem', async () => {
    const same = await gatehouse(['migrate', 'sqlite:/tmp/x.db'], { GATEHOUSE_DATABASE_URL: 'sqlite:/tmp/x.db' });
    assert.equal(same.code, 2);
    assert.match(same.stderr, /source is the configured database/);
    const missing = await gatehouse(['migrate'], {});
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /migrate: missing SOURCE_URL/);
    assert.match(missing.stderr, /gatehouse migrate SOURCE_URL/);
    const notSql = await gatehouse(['migrate', 'redis://127.0.0.1:6379'], { GATEHOUSE_DATABASE_URL: `${POSTGRES_URL}` });
    assert.equal(notSql.code, 1);
    assert.match(notSql.stderr, /not a SQL database URL/);
  });
});
