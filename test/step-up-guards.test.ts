// requireAuth's step-up options (SPEC §6: "the library's route guard takes { maxAge, amr }") in each adapter —
// Fastify, Express, Hono — over a real socket: a proof older than `maxAge` seconds, or made with none of `amr`, is
// 403 reauthentication_required; POST /auth/reauthenticate (mounted by the same adapter) lets the request through;
// a bad option is refused when the guard is built. The engine's own requireRecentAuth is checked as a library call.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { serve } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { createGatehouse } from '../src/core/engine.js';
import type { GatehouseError } from '../src/core/errors.js';
import type { Gatehouse } from '../src/core/gatehouse.js';
import { ConfigError } from '../src/core/option-table.js';
import type { RequireAuthOptions } from '../src/http/authenticate.js';
import * as expressAdapter from '../src/http/express.js';
import * as fastifyAdapter from '../src/http/fastify.js';
import * as honoAdapter from '../src/http/hono.js';
import { createMemoryStore } from '../src/stores/memory/index.js';
import { createClient, errorCode, fakeClock, PASSWORD, type FakeClock } from './helpers.js';

const MINUTE = 60_000;

interface Target {
  url: string;
  origin: string;
  close(): Promise<void>;
}

/** The app's own routes every adapter mounts, beside the Gatehouse API. */
const GUARDED: [path: string, options: RequireAuthOptions][] = [
  ['/recent', { maxAge: 300 }],
  ['/second-factor', { amr: ['otp', 'hwk'] }],
  ['/recent-password', { maxAge: 300, amr: ['pwd'], roles: [] }],
];

async function fastifyApp(gatehouse: Gatehouse): Promise<Target> {
  const app = Fastify();
  await app.register(fastifyAdapter.gatehouseFastify, { gatehouse });
  for (const [path, options] of GUARDED) {
    app.get(path, { preHandler: fastifyAdapter.requireAuth(gatehouse, options) }, async (request) => ({ user: request.principal?.userId }));
  }
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, origin: url.replace(/^http:/, 'https:'), close: () => app.close() };
}

async function expressApp(gatehouse: Gatehouse): Promise<Target> {
  const app = express();
  app.use(expressAdapter.gatehouseExpress(gatehouse));
  for (const [path, options] of GUARDED) {
    app.get(path, expressAdapter.requireAuth(gatehouse, options), (_req, res) => res.json({ user: res.locals.principal?.userId }));
  }
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    origin: `https://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function honoApp(gatehouse: Gatehouse): Promise<Target> {
  const app = new Hono<{ Variables: honoAdapter.GatehouseVariables }>();
  app.route('/', honoAdapter.gatehouseHono(gatehouse));
  for (const [path, options] of GUARDED) {
    app.get(path, honoAdapter.requireAuth(gatehouse, options), (c) => c.json({ user: c.get('principal').userId }));
  }
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, ({ port }) =>
      resolve({
        url: `http://127.0.0.1:${port}`,
        origin: `https://127.0.0.1:${port}`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      }),
    );
  });
}

const ADAPTERS = [
  ['Fastify', fastifyApp, fastifyAdapter.requireAuth],
  ['Express', expressApp, expressAdapter.requireAuth],
  ['Hono', honoApp, honoAdapter.requireAuth],
] as const;

for (const [name, start, requireAuth] of ADAPTERS) {
  describe(`requireAuth({ maxAge, amr }) in the ${name} adapter`, () => {
    let clock: FakeClock;
    let gatehouse: Gatehouse;
    let target: Target;

    before(async () => {
      clock = fakeClock();
      gatehouse = await createGatehouse({ store: createMemoryStore(), clock });
      target = await start(gatehouse);
    });
    after(async () => {
      await target.close();
      await gatehouse.close();
    });

    it('session cookie: maxAge refuses an old proof until reauthentication; amr wants one of its methods', async () => {
      const client = createClient(target, { browser: true });
      const email = `guard-${randomUUID()}@example.com`;
      assert.equal((await client.post('/auth/register', { email, password: PASSWORD })).status, 201);
      assert.equal((await client.post('/auth/login', { email, password: PASSWORD })).status, 200);
      assert.equal((await client.get('/recent')).status, 200);
      assert.equal((await client.get('/recent-password')).status, 200);
      const weak = await client.get('/second-factor');
      assert.equal(weak.status, 403, weak.text);
      assert.equal(errorCode(weak), 'reauthentication_required');

      clock.advance(5 * MINUTE + 1000);
      for (const path of ['/recent', '/recent-password']) {
        const stale = await client.get(path);
        assert.equal(stale.status, 403, `${path}: ${stale.text}`);
        assert.equal(errorCode(stale), 'reauthentication_required');
      }
      const renewed = await client.post('/auth/reauthenticate', { password: PASSWORD }, { headers: client.csrfHeaders() });
      assert.equal(renewed.status, 200, renewed.text);
      assert.equal((await client.get('/recent')).status, 200);
      assert.equal((await client.get('/recent-password')).status, 200);
      assert.equal(errorCode(await client.get('/second-factor')), 'reauthentication_required', 'a password is no second factor');
    });

    it('bearer token: the token\'s auth_time counts; the reauthentication\'s fresh token passes', async () => {
      const client = createClient(target);
      const email = `guard-token-${randomUUID()}@example.com`;
      assert.equal((await client.post('/auth/register', { email, password: PASSWORD })).status, 201);
      const login = await client.post('/auth/login', { email, password: PASSWORD, mode: 'token' });
      const { access_token: first } = login.body as { access_token: string };
      const auth = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
      assert.equal((await client.get('/recent', auth(first))).status, 200);
      clock.advance(6 * MINUTE);
      assert.equal(errorCode(await client.get('/recent', auth(first))), 'reauthentication_required');
      const renewed = await client.post('/auth/reauthenticate', { password: PASSWORD }, auth(first));
      const { access_token: fresh } = renewed.body as { access_token: string };
      assert.equal((await client.get('/recent', auth(fresh))).status, 200);
      assert.equal(errorCode(await client.get('/recent', auth(first))), 'reauthentication_required', 'the old token keeps its old proof');
      assert.equal((await client.get('/nowhere', auth(fresh))).status, 404);
    });

    it('refuses a bad option when the guard is built', () => {
      for (const options of [{ maxAge: -1 }, { maxAge: Number.NaN }, { amr: [] }, { amr: ['sms' as 'otp'] }]) {
        assert.throws(() => requireAuth(gatehouse, options), ConfigError, JSON.stringify(options));
      }
    });
  });
}

describe('Gatehouse.requireRecentAuth (the library call)', () => {
  it('defaults to stepUpMaxAgeSeconds; a requirement checks only what it names', async () => {
    const clock = fakeClock();
    const gatehouse = await createGatehouse({ store: createMemoryStore(), clock, options: { stepUpMaxAgeSeconds: 120 } });
    try {
      const email = `library-${randomUUID()}@example.com`;
      await gatehouse.register({ email, password: PASSWORD }, { ip: null, userAgent: null });
      const login = await gatehouse.login({ email, password: PASSWORD }, { ip: null, userAgent: null }, 'token');
      assert.ok(!('mfaRequired' in login));
      const principal = await gatehouse.authenticateBearer(login.tokens.accessToken);
      assert.ok(principal);
      assert.deepEqual([principal.authTime, principal.amr], [Math.floor(clock() / 1000) * 1000, ['pwd']]);
      const code = (fn: () => void) => {
        try {
          fn();
          return null;
        } catch (error) {
          return (error as GatehouseError).code;
        }
      };
      assert.equal(code(() => gatehouse.requireRecentAuth(principal)), null);
      assert.equal(code(() => gatehouse.requireRecentAuth(principal, { amr: ['hwk'] })), 'reauthentication_required');
      clock.advance(121_000);
      assert.equal(code(() => gatehouse.requireRecentAuth(principal)), 'reauthentication_required');
      assert.equal(code(() => gatehouse.requireRecentAuth(principal, { amr: ['pwd'] })), null, 'no maxAge: any age');
      assert.equal(code(() => gatehouse.requireRecentAuth(principal, { maxAge: 3600 })), null);
      await assert.rejects(gatehouse.changePassword(principal, PASSWORD, 'a completely different passphrase 42', { ip: null, userAgent: null }), { code: 'reauthentication_required' });
      const renewed = await gatehouse.reauthenticate(principal, { password: PASSWORD }, { ip: null, userAgent: null });
      assert.equal(renewed.mode, 'token');
      assert.equal(renewed.authTime, clock());
      const fresh = renewed.mode === 'token' ? await gatehouse.authenticateBearer(renewed.accessToken) : null;
      assert.ok(fresh);
      assert.equal(code(() => gatehouse.requireRecentAuth(fresh)), null);
      await gatehouse.changePassword(fresh, PASSWORD, 'a completely different passphrase 42', { ip: null, userAgent: null });
    } finally {
      await gatehouse.close();
    }
  });
});
