// Owns the tests of the SQLite read cache: this process's writes are seen by the very next read, another
// process's (a second connection to the file, as the CLI is) within CHANGE_CHECK_INTERVAL_MS of the store's
// clock (a fake one here, moved by the test), and what is returned is the caller's own to change.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import type { SessionRecord, Store, UserRecord } from '../../core/store.js';
import { createSqliteStore } from './index.js';
import { CHANGE_CHECK_INTERVAL_MS } from './read-cache.js';

const T0 = 1_700_000_000_000;
const user = (id: string): UserRecord => ({ id, email: `${id}@example.com`, passwordHash: 'h', roles: ['reader'], emailVerified: false, disabledAt: null, createdAt: T0, updatedAt: T0 });
const session = (id: string, userId: string): SessionRecord => ({
  id, secretHash: 'h', userId, createdAt: T0, lastActiveAt: T0, expiresAt: T0 + 60_000,
  absoluteExpiresAt: T0 + 120_000, userAgent: null, ip: null, data: null, authTime: T0, amr: ['pwd'],
});

describe('sqlite read cache', () => {
  let dir: string;
  let store: Store;
  let other: BetterSqlite3.Database;
  let now = T0;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-cache-'));
    const path = join(dir, 'gatehouse.db');
    store = await createSqliteStore({ path, clock: () => now });
    other = new BetterSqlite3(path); // another process's connection, as `gatehouse roles grant` opens
    other.pragma('busy_timeout = 5000');
  });
  after(async () => {
    other.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Creates a user with one session and reads both, so they are cached. */
  async function cached(id: string) {
    await store.users.create(user(id));
    await store.sessions.create(session(`s_${id}`, id));
    assert.ok(await store.users.findById(id));
    assert.ok(await store.sessions.get(`s_${id}`));
  }

  it("sees this process's own writes on the very next read", async () => {
    await cached('own');
    await store.users.setRoles('own', ['admin'], T0 + 1);
    assert.deepEqual((await store.users.findById('own'))?.roles, ['admin']);
    await store.users.updatePassword('own', 'h2', T0 + 2);
    assert.equal((await store.users.findById('own'))?.passwordHash, 'h2');
    await store.sessions.touch('s_own', T0 + 10, T0 + 70_000);
    assert.equal((await store.sessions.get('s_own'))?.expiresAt, T0 + 70_000);
    await store.sessions.setData('s_own', { theme: 'dark' });
    assert.deepEqual((await store.sessions.get('s_own'))?.data, { theme: 'dark' });
    await store.sessions.delete('s_own');
    assert.equal(await store.sessions.get('s_own'), null);

    await store.sessions.create(session('s_own2', 'own'));
    await store.sessions.create(session('s_own3', 'own'));
    assert.ok(await store.sessions.get('s_own2'));
    assert.ok(await store.sessions.get('s_own3'));
    await store.sessions.deleteByUser('own', 's_own3');
    assert.equal(await store.sessions.get('s_own2'), null);
    assert.ok(await store.sessions.get('s_own3'));
    await store.sessions.deleteExpired(T0 + 200_000);
    assert.equal(await store.sessions.get('s_own3'), null);
  });

  it("sees another process's role change and session deletion within the check interval", async () => {
    await cached('elsewhere');
    other.prepare("update users set roles = '[]' where id = ?").run('elsewhere');
    other.prepare('delete from sessions where id = ?').run('s_elsewhere');
    // The check is driven by the store's clock, not by a timer: until it moves, the cached rows are served;
    // once the interval has passed since the last check, the next read must look.
    assert.deepEqual((await store.users.findById('elsewhere'))?.roles, ['reader'], 'served from memory while the clock stands');
    now += CHANGE_CHECK_INTERVAL_MS;
    assert.deepEqual((await store.users.findById('elsewhere'))?.roles, [], 'the role removed by another process is gone');
    assert.equal(await store.sessions.get('s_elsewhere'), null, 'the session deleted by another process is gone');
  });

  it('hands each caller a record of its own', async () => {
    await cached('mine');
    const first = await store.sessions.get('s_mine');
    first!.expiresAt = 0;
    const user = await store.users.findById('mine');
    user!.roles.push('admin');
    assert.equal((await store.sessions.get('s_mine'))?.expiresAt, T0 + 60_000);
    assert.deepEqual((await store.users.findById('mine'))?.roles, ['reader']);
  });
});
