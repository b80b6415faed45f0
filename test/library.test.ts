// The library as an embedding app uses it: a durable store without a secret is refused at construction (its
// keys, sealed with a throwaway secret, would not open on the next start), with a secret the second start on
// the same SQLite file works, the memory store still starts without one; and revokeRole: sessions and new
// tokens lose the role, access tokens issued before are refused, the refresh family lives on.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, resolveConfig } from '../src/core/config.js';
import { createGatehouse } from '../src/core/engine.js';
import { resolveServerConfig } from '../src/server/config.js';
import { createServer } from '../src/server/server.js';
import { createMemoryStore } from '../src/stores/memory/index.js';
import { createSqliteStore } from '../src/stores/sqlite/index.js';
import { fakeClock, PASSWORD } from './helpers.js';
import { opened } from './kit.js';

const SECRET = 'library-test-secret-0123456789abcdefghijkl';
const CONTEXT = { ip: '127.0.0.1', userAgent: 'library-test' };

describe('the library on a durable store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-library-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Rejects like createGatehouse/createServer without a secret: a ConfigError saying what to pass. */
  function refusedForSecret(error: unknown): boolean {
    assert.ok(error instanceof ConfigError, String(error));
    assert.match(error.message, /sqlite store/);
    assert.match(error.message, /pass `secret`/);
    assert.match(error.message, /GATEHOUSE_SECRET/);
    return true;
  }

  it('refuses createGatehouse and createServer without a secret, before writing a key', async () => {
    const path = join(dir, 'refused.db');
    const store = await createSqliteStore({ path });
    try {
      await assert.rejects(createGatehouse({ store }), refusedForSecret);
      const config = resolveServerConfig({ options: { port: 0, logLevel: 'silent' } });
      await assert.rejects(createServer({ config, store }), refusedForSecret);
      assert.deepEqual(await store.keys.list(), [], 'no key was sealed with a throwaway secret');
    } finally {
      await store.close();
    }
  });

  it('starts again on the same file with the same secret, and accepts the first start\'s tokens', async () => {
    const path = join(dir, 'twice.db');
    const first = await createSqliteStore({ path });
    let accessToken: string;
    try {
      const gatehouse = await createGatehouse({ store: first, secret: SECRET });
      await gatehouse.register({ email: 'ada@example.com', password: PASSWORD }, CONTEXT);
      ({ tokens: { accessToken } } = opened(await gatehouse.login({ email: 'ada@example.com', password: PASSWORD }, CONTEXT, 'token')));
      await gatehouse.close();
    } finally {
      await first.close();
    }
    const second = await createSqliteStore({ path });
    try {
      // The secret can come from the config too (resolveConfig({ env: process.env }) reads GATEHOUSE_SECRET).
      const gatehouse = await createGatehouse({ store: second, config: resolveConfig({ env: { GATEHOUSE_SECRET: SECRET } }) });
      assert.ok(await gatehouse.verifyAccessToken(accessToken), 'the key sealed on the first start opens on the second');
      await gatehouse.close();
    } finally {
      await second.close();
    }
  });

  it('starts the memory store without a secret (nothing outlives the process)', async () => {
    const gatehouse = await createGatehouse({ store: createMemoryStore() });
    assert.equal(gatehouse.listKeys().length, 1);
    await gatehouse.close();
  });
});

describe('revokeRole', () => {
  it('takes the role from sessions and new tokens, refuses older access tokens, keeps the refresh family', async () => {
    const clock = fakeClock();
    const gatehouse = await createGatehouse({ store: createMemoryStore(), clock });
    const email = 'root@example.com';
    await gatehouse.register({ email, password: PASSWORD }, CONTEXT);
    assert.equal(await gatehouse.grantRole(email, 'admin'), true);
    const { session } = opened(await gatehouse.login({ email, password: PASSWORD }, CONTEXT));
    const { tokens } = opened(await gatehouse.login({ email, password: PASSWORD }, CONTEXT, 'token'));
    assert.deepEqual((await gatehouse.authenticateBearer(tokens.accessToken))?.roles, ['admin']);

    clock.advance(2000); // the cut-off is to the second, as for logout-all
    assert.equal(await gatehouse.revokeRole(email, 'admin'), true);
    assert.equal(await gatehouse.authenticateBearer(tokens.accessToken), null, 'the token still claiming admin is refused');
    assert.deepEqual((await gatehouse.authenticateSession(session.token))?.roles, [], 'the session lost it');
    const refreshed = await gatehouse.refresh(tokens.refreshToken);
    assert.deepEqual((await gatehouse.authenticateBearer(refreshed.accessToken))?.roles, [], 'the family lives on, without the role');

    assert.equal(await gatehouse.revokeRole(email, 'admin'), true, 'revoking a role not held is harmless');
    assert.equal(await gatehouse.revokeRole('nobody@example.com', 'admin'), false);
    await assert.rejects(gatehouse.revokeRole(email, 'Not A Role!'), /role/i);
    await gatehouse.close();
  });
});
