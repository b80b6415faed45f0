// Owns the SQLite store's tests: the shared conformance suite on a temp file, plus what only a real
// database can show (durability across reopen, WAL, idempotent and upgrade migrations, foreign keys and
// ON DELETE CASCADE).

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import type {
  RefreshFamilyRecord,
  RefreshTokenRecord,
  RevocationRecord,
  SessionRecord,
  SigningKeyRecord,
  UserRecord,
} from '../../core/store.js';
import { runStoreConformance } from '../../testing/conformance/index.js';
import { createSqliteStore } from './index.js';
import { migrationProvider } from '../sql/migrations.js';

const tempDir = () => mkdtemp(join(tmpdir(), 'gatehouse-sqlite-'));

runStoreConformance('sqlite', async () => {
  const dir = await tempDir();
  const store = await createSqliteStore({ path: join(dir, 'gatehouse.db') });
  return { store, cleanup: () => rm(dir, { recursive: true, force: true }) };
});

const T0 = 1_700_000_000_000;
const user: UserRecord = {
  id: 'usr_1', email: 'a@example.com', passwordHash: '$argon2id$x', roles: ['admin'], emailVerified: false, disabledAt: null, createdAt: T0, updatedAt: T0,
};
const session: SessionRecord = {
  id: 'ses_1', secretHash: 'h', userId: user.id, createdAt: T0, lastActiveAt: T0, expiresAt: T0 + 1000,
  absoluteExpiresAt: T0 + 5000, userAgent: null, ip: '::1', data: { n: [1, { k: 'v' }] }, authTime: T0 - 10, amr: ['pwd', 'hwk'],
};
const key: SigningKeyRecord = {
  kid: 'key_1', alg: 'EdDSA', publicJwk: { kty: 'OKP', crv: 'Ed25519', x: 'abc', kid: 'key_1' }, privateKeyEncrypted: 'enc',
  createdAt: T0, activatesAt: T0 + 1000, retiredAt: null, expiresAt: null,
};
const family: RefreshFamilyRecord = {
  id: 'fam_1', userId: user.id, mode: 'token', createdAt: T0, lastUsedAt: T0, expiresAt: T0 + 1000,
  absoluteExpiresAt: T0 + 5000, revokedAt: null, userAgent: 'ua', ip: null, authTime: T0 - 10, amr: ['otp'],
};
const token: RefreshTokenRecord = {
  id: 'rt_1', familyId: family.id, secretHash: 'h1', createdAt: T0, usedAt: null, successorId: null,
};
const successor: RefreshTokenRecord = { ...token, id: 'rt_2', secretHash: 'h2', createdAt: T0 + 10 };
const revocation: RevocationRecord = { kind: 'user', subject: user.id, revokedAt: T0, expiresAt: T0 + 1000 };

describe('sqlite store', () => {
  let dir: string;
  let file: string;

  beforeEach(async () => {
    dir = await tempDir();
    file = join(dir, 'nested', 'dir', 'gatehouse.db'); // parent directories are created on open
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps users, sessions and rate limits across close and reopen', async () => {
    const first = await createSqliteStore({ path: file });
    await first.users.create(user);
    await first.sessions.create(session);
    await first.rateLimits.hit('k', 60_000, T0);
    await first.rateLimits.hit('k', 60_000, T0);
    await first.close();

    const second = await createSqliteStore({ path: file });
    assert.deepEqual(await second.users.findByEmail(user.email), user);
    assert.deepEqual(await second.sessions.get(session.id), session);
    assert.deepEqual(await second.rateLimits.hit('k', 60_000, T0), { count: 3, resetAt: T0 + 60_000 });
    await second.close();
  });

  it('keeps signing keys, refresh families and tokens, and revocations across close and reopen', async () => {
    const first = await createSqliteStore({ path: file });
    await first.users.create(user);
    await first.keys.insert(key);
    await first.refreshTokens.createFamily(family, token);
    assert.equal((await first.refreshTokens.rotate(token.id, successor, T0 + 10, 0, T0 + 1010)).status, 'rotated');
    await first.revocations.add(revocation);
    await first.close();

    const second = await createSqliteStore({ path: file });
    assert.deepEqual(await second.keys.list(), [key]);
    assert.deepEqual(await second.refreshTokens.getFamily(family.id), { ...family, lastUsedAt: T0 + 10, expiresAt: T0 + 1010 });
    assert.deepEqual(await second.refreshTokens.getToken(token.id), { ...token, usedAt: T0 + 10, successorId: successor.id });
    assert.deepEqual(await second.refreshTokens.getToken(successor.id), successor);
    assert.deepEqual(await second.revocations.list(T0), [revocation]);
    await second.close();
  });

  it('upgrades a 0001-only database to the latest schema, keeping its data', async () => {
    const old = join(dir, 'upgrade.db');
    const raw = new BetterSqlite3(old);
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: raw }) });
    const { error } = await new Migrator({ db, provider: migrationProvider('sqlite') }).migrateTo('0001_initial');
    assert.equal(error, undefined);
    raw.prepare("INSERT INTO users VALUES ('usr_1', 'a@example.com', '$argon2id$x', '[\"admin\"]', ?, ?)").run(T0, T0);
    await db.destroy();

    const store = await createSqliteStore({ path: old });
    assert.deepEqual(await store.users.findById(user.id), user);
    await store.refreshTokens.createFamily(family, token);
    assert.deepEqual(await store.refreshTokens.getFamily(family.id), family);
    await store.close();
  });

  it('uses WAL journal mode and enforces foreign keys', async () => {
    const store = await createSqliteStore({ path: file });
    await store.close();
    const raw = new BetterSqlite3(file);
    try {
      assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
    } finally {
      raw.close();
    }
    const store2 = await createSqliteStore({ path: file });
    await assert.rejects(store2.sessions.create({ ...session, userId: 'usr_missing' }));
    await store2.close();
  });

  it('reopens an already-migrated file without re-running migrations', async () => {
    await (await createSqliteStore({ path: file })).close();
    await (await createSqliteStore({ path: file })).close();
    const raw = new BetterSqlite3(file);
    try {
      const rows = raw.prepare('SELECT name FROM kysely_migration ORDER BY name').all();
      assert.deepEqual(rows, [{ name: '0001_initial' }, { name: '0002_tokens' }, { name: '0003_revocation_changes' }, { name: '0004_audit' }, { name: '0005_one_time_tokens' }, { name: '0006_user_disabled' }, { name: '0007_auth_proof' }, { name: '0008_mfa' }, { name: '0009_passkeys' }, { name: '0010_expiry_indexes' }]);
    } finally {
      raw.close();
    }
  });

  it('deletes a user\'s sessions when the user row is deleted (cascade)', async () => {
    const raw = new BetterSqlite3(join(dir, 'cascade.db'));
    const store = await createSqliteStore({ database: raw });
    await store.users.create(user);
    await store.sessions.create(session);
    assert.equal(raw.prepare('DELETE FROM users WHERE id = ?').run(user.id).changes, 1);
    assert.equal(await store.sessions.get(session.id), null);
    assert.equal(await store.sessions.countActive(T0), 0);
    await store.close();
    assert.equal(raw.open, false, 'close() closes a passed-in database');
  });

  it('deletes a user\'s refresh families and their tokens when the user row is deleted (cascade)', async () => {
    const raw = new BetterSqlite3(join(dir, 'cascade-tokens.db'));
    const store = await createSqliteStore({ database: raw });
    await store.users.create(user);
    await store.refreshTokens.createFamily(family, token);
    assert.equal((await store.refreshTokens.rotate(token.id, successor, T0 + 10, 0, T0 + 1010)).status, 'rotated');
    assert.equal(raw.prepare('DELETE FROM users WHERE id = ?').run(user.id).changes, 1);
    assert.equal(await store.refreshTokens.getFamily(family.id), null);
    assert.equal(await store.refreshTokens.getToken(token.id), null);
    assert.equal(await store.refreshTokens.getToken(successor.id), null);
    assert.equal((raw.prepare('SELECT count(*) AS n FROM refresh_tokens').get() as { n: number }).n, 0);
    await store.close();
  });

  it('rejects a refresh family for an unknown user (foreign key), storing nothing', async () => {
    const store = await createSqliteStore({ path: file });
    await assert.rejects(store.refreshTokens.createFamily({ ...family, userId: 'usr_missing' }, token));
    assert.equal(await store.refreshTokens.getFamily(family.id), null);
    assert.equal(await store.refreshTokens.getToken(token.id), null);
    await store.close();
  });

  it('finds expired sessions and refresh families by index, and counts active sessions from one (issue 19)', async () => {
    // At 10⁶ sessions a full scan took 0.5-0.8 s, every minute of upkeep and every /metrics scrape, and
    // better-sqlite3 runs it on the event loop: every request of the process waited. The plans of the store's own
    // statements, recorded as it prepares them, must search indexes.
    const raw = new BetterSqlite3(join(dir, 'plans.db'));
    const prepared: string[] = [];
    const recording = new Proxy(raw, {
      get(target, property) {
        if (property === 'prepare') {
          return (sql: string) => {
            prepared.push(sql);
            return target.prepare(sql);
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const store = await createSqliteStore({ database: recording });
    try {
      await store.sessions.deleteExpired(T0);
      await store.refreshTokens.deleteExpired(T0);
      await store.sessions.countActive(T0);
      const plan = (pattern: RegExp) => {
        const sql = prepared.find((text) => pattern.test(text));
        assert.ok(sql, `the store prepared a statement matching ${String(pattern)}`);
        const parameters = Array.from({ length: sql.split('?').length - 1 }, () => T0);
        return (raw.prepare(`explain query plan ${sql}`).all(...parameters) as { detail: string }[]).map((row) => row.detail);
      };
      for (const table of ['sessions', 'refresh_families']) {
        const steps = plan(new RegExp(`^delete from "${table}"`));
        assert.ok(!steps.some((step) => step === `SCAN ${table}`), `${table}: ${steps.join(' | ')}`);
      }
      const count = plan(/^select count\(\*\) as "n" from "sessions"/);
      assert.ok(count.some((step) => step.includes('COVERING INDEX')), count.join(' | '));
    } finally {
      await store.close();
    }
  });

  it('works in memory', async () => {
    const store = await createSqliteStore({ path: ':memory:' });
    await store.ping();
    assert.equal(store.kind, 'sqlite');
    await store.close();
  });
});
