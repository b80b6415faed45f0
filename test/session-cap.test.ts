// GATEHOUSE_MAX_SESSIONS_PER_USER on each store (memory, SQLite, memory+Redis when GATEHOUSE_TEST_REDIS_URL is
// set): with a cap of 3, a fourth login across the modes ends the least recently used session or family at
// once (its refresh token and access token refused, or its session cookie), the others still work, and the
// trail has `session.evicted`.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { resolveConfig } from '../src/core/config.js';
import { createGatehouse } from '../src/core/engine.js';
import type { Store } from '../src/core/store.js';
import { createMemoryStore } from '../src/stores/memory/index.js';
import { createRedisBackend, withRedis } from '../src/stores/redis/index.js';
import { createSqliteStore } from '../src/stores/sqlite/index.js';
import { fakeClock, PASSWORD } from './helpers.js';
import { dropPrefix, REDIS_URL, SKIP_REDIS, uniqueName } from './support-services.js';
import { opened } from './kit.js';

const SECRET = 'session-cap-test-secret-0123456789abcdefgh';
const CONTEXT = { ip: '127.0.0.1', userAgent: 'session-cap-test' };
const MINUTE = 60_000;

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cap-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const stores: { name: string; skip?: string | false; open: () => Promise<{ store: Store; cleanup: () => Promise<void> }> }[] = [
  { name: 'memory', open: async () => ({ store: createMemoryStore(), cleanup: async () => {} }) },
  { name: 'sqlite', open: async () => ({ store: await createSqliteStore({ path: join(dir, `${uniqueName('cap')}.db`) }), cleanup: async () => {} }) },
  {
    name: 'memory+redis',
    skip: SKIP_REDIS,
    open: async () => {
      const prefix = `${uniqueName('ghcap')}:`;
      const store = withRedis(createMemoryStore(), await createRedisBackend({ url: REDIS_URL!, prefix }));
      return { store, cleanup: () => dropPrefix(REDIS_URL!, prefix) };
    },
  },
];

describe('the default cap', () => {
  it('is 100 and read from GATEHOUSE_MAX_SESSIONS_PER_USER', () => {
    assert.equal(resolveConfig().maxSessionsPerUser, 100);
    assert.equal(resolveConfig({ env: { GATEHOUSE_MAX_SESSIONS_PER_USER: '3' } }).maxSessionsPerUser, 3);
    assert.throws(() => resolveConfig({ env: { GATEHOUSE_MAX_SESSIONS_PER_USER: '0' } }), /GATEHOUSE_MAX_SESSIONS_PER_USER/);
  });
});

for (const { name, skip, open } of stores) {
  describe(`max sessions per user (${name})`, { skip }, () => {
    it('ends the least recently used session or family past the cap, at once and audited', async () => {
      const { store, cleanup } = await open();
      const clock = fakeClock();
      const gatehouse = await createGatehouse({ store, clock, secret: SECRET, options: { maxSessionsPerUser: 3 } });
      try {
        const user = await gatehouse.register({ email: 'cap@example.com', password: PASSWORD }, CONTEXT);
        const login = { email: 'cap@example.com', password: PASSWORD };
        const a = opened(await gatehouse.login(login, CONTEXT, 'session'));
        clock.advance(1000);
        const b = opened(await gatehouse.login(login, CONTEXT, 'token'));
        clock.advance(1000);
        const c = opened(await gatehouse.login(login, CONTEXT, 'hybrid'));

        // Later use of a and c (a past the renewal interval, so its lastActiveAt moves): b is the least recently used.
        clock.advance(10 * MINUTE);
        assert.ok(await gatehouse.validateSession(a.session.token));
        const cPair = await gatehouse.refresh(c.tokens.refreshToken);
        clock.advance(MINUTE);
        assert.equal((await gatehouse.listSessions(user.id, null)).length, 3, 'at the cap nothing was ended');

        const d = opened(await gatehouse.login(login, CONTEXT, 'session'));
        // b, token mode: its access token (not yet expired) and its refresh token are refused at once.
        assert.equal(await gatehouse.authenticateBearer(b.tokens.accessToken), null);
        await assert.rejects(gatehouse.refresh(b.tokens.refreshToken), { code: 'unauthenticated' });
        // The others still work.
        assert.ok(await gatehouse.validateSession(a.session.token));
        assert.ok(await gatehouse.authenticateBearer(cPair.accessToken));
        assert.ok(await gatehouse.validateSession(d.session.token));
        const listed = (await gatehouse.listSessions(user.id, null)).map((s) => s.id).sort();
        assert.deepEqual(listed, [a.session.session.id, c.tokens.sessionId, d.session.session.id].sort());

        const events = (await gatehouse.listAuditEvents(user.id, { limit: 100 })).events;
        const evicted = events.filter((e) => e.type === 'session.evicted');
        assert.equal(evicted.length, 1);
        assert.equal(evicted[0]?.sessionId, b.tokens.sessionId);
        assert.equal(evicted[0]?.details.mode, 'token');

        // Next: c is used again, so the web session a (last active at 10 min) is now the least recently used.
        clock.advance(MINUTE);
        const cPair2 = await gatehouse.refresh(cPair.refreshToken);
        const e = opened(await gatehouse.login(login, CONTEXT, 'token'));
        assert.equal(await gatehouse.validateSession(a.session.token), null, 'the evicted session cookie is refused');
        assert.ok(await gatehouse.authenticateBearer(cPair2.accessToken));
        assert.ok(await gatehouse.authenticateBearer(e.tokens.accessToken));
        assert.ok(await gatehouse.validateSession(d.session.token));
        const after = (await gatehouse.listAuditEvents(user.id, { limit: 100 })).events.filter((ev) => ev.type === 'session.evicted');
        assert.deepEqual(after.map((ev) => [ev.sessionId, ev.details.mode]), [[a.session.session.id, 'session'], [b.tokens.sessionId, 'token']]);
      } finally {
        await gatehouse.close();
        await store.close();
        await cleanup();
      }
    });
  });
}
