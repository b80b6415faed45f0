// Owns the SQLite store's tests: the shared conformance suite on a temp file, plus what only a real
// database can show (durability across reopen, WAL, idempotent migrations, ON DELETE CASCADE).

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import type { SessionRecord, UserRecord } from '../../core/store.js';
import { runStoreConformance } from '../../testing/conformance.js';
import { createSqliteStore } from './index.js';

const tempDir = () => mkdtemp(join(tmpdir(), 'gatehouse-sqlite-'));

runStoreConformance('sqlite', async () => {
  const dir = await tempDir();
  const store = await createSqliteStore({ path: join(dir, 'gatehouse.db') });
  return { store, cleanup: () => rm(dir, { recursive: true, force: true }) };
});

const T0 = 1_700_000_000_000;
const user: UserRecord = {
  id: 'usr_1', email: 'a@example.com', passwordHash: '$argon2id$x', roles: ['admin'], createdAt: T0, updatedAt: T0,
};
const session: SessionRecord = {
  id: 'ses_1', secretHash: 'h', userId: user.id, createdAt: T0, lastActiveAt: T0, expiresAt: T0 + 1000,
  absoluteExpiresAt: T0 + 5000, userAgent: null, ip: '::1', data: { n: [1, { k: 'v' }] },
};

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
      assert.deepEqual(rows, [{ name: '0001_initial' }]);
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

  it('works in memory', async () => {
    const store = await createSqliteStore({ path: ':memory:' });
    await store.ping();
    assert.equal(store.kind, 'sqlite');
    await store.close();
  });
});
