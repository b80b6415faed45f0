// The login's second step (SPEC §6) through each framework adapter (Fastify, Express, Hono), over a real socket:
// they share the route table (http/routes.ts), so a login of a user with TOTP on sets no cookie in any mode and
// `POST /auth/login/mfa` sets the mode's cookies (or answers the tokens) as `POST /auth/login` does.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { serve } from '@hono/node-server';
import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import { generateHOTP } from '@oslojs/otp';
import express from 'express';
import Fastify from 'fastify';
import { createGatehouse } from '../src/core/engine.js';
import type { Gatehouse } from '../src/core/gatehouse.js';
import { gatehouseExpress } from '../src/http/express.js';
import { gatehouseFastify } from '../src/http/fastify.js';
import { gatehouseHono } from '../src/http/hono.js';
import { createMemoryStore } from '../src/stores/memory/index.js';
import { createClient, fakeClock, PASSWORD, type FakeClock } from './helpers.js';
import { opened } from './kit.js';

const CONTEXT = { ip: '127.0.0.1', userAgent: null };

interface Mounted {
  url: string;
  close(): Promise<void>;
}

const ADAPTERS: Record<string, (gatehouse: Gatehouse) => Promise<Mounted>> = {
  async fastify(gatehouse) {
    const app = Fastify();
    await app.register(gatehouseFastify, { gatehouse });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return { url, close: () => app.close() };
  },
  async express(gatehouse) {
    const server = express().use(gatehouseExpress(gatehouse)).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((done) => server.close(() => done())) };
  },
  async hono(gatehouse) {
    const app = gatehouseHono(gatehouse);
    return new Promise((resolve) => {
      const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, ({ port }) =>
        resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((done) => server.close(() => done())) }),
      );
    });
  },
};

for (const [name, mount] of Object.entries(ADAPTERS)) {
  describe(`the MFA login step through ${name}`, () => {
    let clock: FakeClock;
    let gatehouse: Gatehouse;
    let mounted: Mounted;
    let secret: string;
    const email = `mfa-${name}@example.com`;
    const code = () => generateHOTP(decodeBase32IgnorePadding(secret), BigInt(Math.floor(clock() / 30_000)), 6);

    before(async () => {
      clock = fakeClock();
      gatehouse = await createGatehouse({ store: createMemoryStore(), clock });
      mounted = await mount(gatehouse);
      // TOTP turned on through the library: the engine's own API, no HTTP.
      await gatehouse.register({ email, password: PASSWORD }, CONTEXT);
      const login = opened(await gatehouse.login({ email, password: PASSWORD }, CONTEXT, 'token'));
      const principal = await gatehouse.authenticateBearer(login.tokens.accessToken);
      assert.ok(principal);
      ({ secret } = await gatehouse.setupTotp(principal));
      assert.equal((await gatehouse.enableTotp(principal, code(), CONTEXT)).recoveryCodes.length, 10);
    });
    after(async () => {
      await mounted.close();
      await gatehouse.close();
    });

    for (const mode of ['session', 'token', 'hybrid'] as const) {
      it(`${mode}: no cookie at the first step, the mode's answer at the second`, async () => {
        clock.advance(30_000); // each login takes the next step's code
        const server = { url: mounted.url, origin: mounted.url.replace(/^http:/, 'https:') };
        const browser = createClient(server, { browser: true });
        const first = await browser.post('/auth/login', { email, password: PASSWORD, mode });
        assert.equal(first.status, 200, first.text);
        assert.deepEqual(first.setCookies, []);
        const { mfaRequired, mfaToken } = first.body as { mfaRequired: boolean; mfaToken: string };
        assert.equal(mfaRequired, true);
        const done = await browser.post('/auth/login/mfa', { mfaToken, code: code() });
        assert.equal(done.status, 200, done.text);
        const cookies = done.setCookies.map((c) => c.split('=')[0]);
        if (mode === 'token') {
          assert.equal(typeof (done.body as { access_token?: string }).access_token, 'string');
          assert.deepEqual(cookies, []);
        } else {
          assert.ok(cookies.includes(mode === 'session' ? '__Host-gh_session' : '__Host-gh_access'), cookies.join());
          assert.ok(cookies.includes('__Host-gh_csrf'));
        }
      });
    }
  });
}
