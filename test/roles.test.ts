// Tests for an embedding app: its own Fastify routes behind `requireAuth` — 401 without a credential, 403
// without the role (cookie and bearer alike), roles granted only by the operator (never by register or login
// bodies), CSRF on the app's own cookie-authenticated POSTs, and the one-credential rule (a bearer header
// alone decides; an invalid one never falls back to the cookie).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { decodeJwt } from 'jose';
import { createGatehouse } from '../src/core/engine.js';
import type { Gatehouse } from '../src/core/gatehouse.js';
import { engineInternals } from '../src/core/internals.js';
import { gatehouseFastify, requireAuth } from '../src/http/fastify.js';
import { createMemoryStore } from '../src/stores/memory/index.js';
import { createClient, errorCode, fakeClock, PASSWORD, type ApiResponse, type Client } from './helpers.js';

describe('an embedding app with requireAuth and roles', () => {
  let app: FastifyInstance;
  let gatehouse: Gatehouse;
  let server: { url: string; origin: string };
  let counter = 0;

  before(async () => {
    gatehouse = await createGatehouse({ store: createMemoryStore(), options: { issuer: 'embedding-app', audience: 'embedding-app' }, clock: fakeClock() });
    app = Fastify({ logger: false });
    await app.register(gatehouseFastify, { gatehouse });
    app.get('/admin', { preHandler: requireAuth(gatehouse, { roles: ['admin'] }) }, async (request) => ({
      admin: true,
      userId: request.principal?.userId,
    }));
    app.get('/profile', { preHandler: requireAuth(gatehouse) }, async (request) => ({
      userId: request.principal?.userId,
      mode: request.principal?.mode,
    }));
    app.post('/profile', { preHandler: requireAuth(gatehouse) }, async (request) => ({
      updated: true,
      userId: request.principal?.userId,
      mode: request.principal?.mode,
    }));
    app.get('/api/orders', { preHandler: requireAuth(gatehouse, { modes: ['token'] }) }, async (request) => ({ mode: request.principal?.mode }));
    app.get('/web', { preHandler: requireAuth(gatehouse, { modes: ['session', 'hybrid'] }) }, async (request) => ({ mode: request.principal?.mode }));
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    // Cookies are Secure (no insecure mode): the page a browser would send them from is https on this host.
    server = { url: address, origin: address.replace(/^http:/, 'https:') };
  });
  after(() => app.close());

  /** A browser-like client that registered and signed in with a cookie session. */
  async function cookieUser(email = `user${++counter}@example.com`) {
    const client = createClient(server, { browser: true });
    const registered = await client.post('/auth/register', { email, password: PASSWORD });
    assert.equal(registered.status, 201, registered.text);
    const login = await client.post('/auth/login', { email, password: PASSWORD });
    assert.equal(login.status, 200, login.text);
    const userId = (login.body as { user: { id: string } }).user.id;
    return { client, email, userId };
  }

  async function tokenLogin(email: string, extra: Record<string, unknown> = {}): Promise<string> {
    const client = createClient(server);
    const login = await client.post('/auth/login', { email, password: PASSWORD, mode: 'token', ...extra });
    assert.equal(login.status, 200, login.text);
    return (login.body as { access_token: string }).access_token;
  }

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  function assertError(response: ApiResponse, status: number, code: string) {
    assert.equal(response.status, status, response.text);
    assert.match(response.headers.get('content-type') ?? '', /application\/json/);
    assert.equal(errorCode(response), code);
  }

  it('no credential: 401 unauthenticated on every protected route', async () => {
    const anonymous = createClient(server);
    assertError(await anonymous.get('/admin'), 401, 'unauthenticated');
    assertError(await anonymous.get('/profile'), 401, 'unauthenticated');
    assertError(await anonymous.post('/profile'), 401, 'unauthenticated');
    const forged = await anonymous.get('/profile', { headers: { cookie: '__Host-gh_session=forged.value' } });
    assertError(forged, 401, 'unauthenticated');
    // The RFC 6750 challenge, as on the Gatehouse routes: for a request with no credential, not for a bad cookie.
    assert.equal((await anonymous.get('/admin')).headers.get('www-authenticate'), 'Bearer realm="gatehouse"');
    assert.equal(forged.headers.get('www-authenticate'), null);
  });

  it('a signed-in user without the role: 403 forbidden, with a cookie session and with a bearer token', async () => {
    const { client, email, userId } = await cookieUser();
    const profile = await client.get('/profile');
    assert.equal(profile.status, 200, profile.text);
    assert.deepEqual(profile.body, { userId, mode: 'session' });
    assertError(await client.get('/admin'), 403, 'forbidden');

    const token = await tokenLogin(email);
    const anonymous = createClient(server);
    const bearerProfile = await anonymous.get('/profile', { headers: bearer(token) });
    assert.deepEqual(bearerProfile.body, { userId, mode: 'token' });
    assertError(await anonymous.get('/admin', { headers: bearer(token) }), 403, 'forbidden');
  });

  it('after grantRole: a new token login and the existing cookie session reach /admin', async () => {
    const { client, email, userId } = await cookieUser();
    const oldToken = await tokenLogin(email);
    assertError(await client.get('/admin'), 403, 'forbidden');

    assert.equal(await gatehouse.grantRole(email, 'admin'), true);

    const newToken = await tokenLogin(email);
    assert.deepEqual(decodeJwt(newToken)['roles'], ['admin']);
    const viaToken = await createClient(server).get('/admin', { headers: bearer(newToken) });
    assert.equal(viaToken.status, 200, viaToken.text);
    assert.deepEqual(viaToken.body, { admin: true, userId });

    // Session roles are read from the user on every request: the session opened before the grant has it now.
    const viaCookie = await client.get('/admin');
    assert.equal(viaCookie.status, 200, viaCookie.text);
    assert.deepEqual(viaCookie.body, { admin: true, userId });

    // An access token carries the roles it was issued with.
    assertError(await createClient(server).get('/admin', { headers: bearer(oldToken) }), 403, 'forbidden');

    // Unknown emails and malformed roles are refused by grantRole.
    assert.equal(await gatehouse.grantRole('nobody@example.com', 'admin'), false);
    await assert.rejects(gatehouse.grantRole(email, 'Admin Role!'), { code: 'invalid_request' });
  });

  it('users cannot give themselves roles through register or login bodies', async () => {
    const email = `climber${++counter}@example.com`;
    const client = createClient(server, { browser: true });
    const registered = await client.post('/auth/register', { email, password: PASSWORD, roles: ['admin'] });
    assert.equal(registered.status, 201, registered.text);
    assert.deepEqual((registered.body as { user: { roles: string[] } }).user.roles, []);

    const login = await client.post('/auth/login', { email, password: PASSWORD, roles: ['admin'] });
    assert.equal(login.status, 200, login.text);
    assert.deepEqual((login.body as { user: { roles: string[] } }).user.roles, []);
    assertError(await client.get('/admin'), 403, 'forbidden');

    const token = await tokenLogin(email, { roles: ['admin'], role: 'admin' });
    assert.deepEqual(decodeJwt(token)['roles'], []);
    assertError(await createClient(server).get('/admin', { headers: bearer(token) }), 403, 'forbidden');
    assert.deepEqual((await engineInternals(gatehouse).store.users.findByEmail(email))?.roles, []);
  });

  it("the app's own cookie-authenticated POST needs the CSRF token and its origin; a bearer POST needs neither", async () => {
    const { client, email, userId } = await cookieUser();

    assertError(await client.post('/profile'), 403, 'csrf_failed');
    assertError(await client.post('/profile', undefined, { headers: { 'x-csrf-token': 'A'.repeat(43) } }), 403, 'csrf_failed');
    assertError(
      await client.post('/profile', undefined, { headers: { ...client.csrfHeaders(), origin: 'https://evil.example' } }),
      403,
      'csrf_failed',
    );
    // Another spelling of loopback is another origin (the request went to 127.0.0.1).
    const localhost = server.url.replace('127.0.0.1', 'localhost');
    assertError(await client.post('/profile', undefined, { headers: { ...client.csrfHeaders(), origin: localhost } }), 403, 'csrf_failed');
    assertError(
      await client.post('/profile', undefined, { headers: { ...client.csrfHeaders(), origin: undefined, 'sec-fetch-site': 'cross-site' } }),
      403,
      'csrf_failed',
    );

    const ok = await client.post('/profile', undefined, { headers: client.csrfHeaders() });
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(ok.body, { updated: true, userId, mode: 'session' });
    const okJson = await client.post('/profile', { name: 'x' }, { headers: client.csrfHeaders() });
    assert.equal(okJson.status, 200, okJson.text);

    const token = await tokenLogin(email);
    const api = createClient(server);
    const viaBearer = await api.post('/profile', undefined, { headers: bearer(token) });
    assert.equal(viaBearer.status, 200, viaBearer.text);
    assert.deepEqual(viaBearer.body, { updated: true, userId, mode: 'token' });
    // Even from a foreign page: a bearer token is not ambient, so there is nothing to forge.
    const foreign = await api.post('/profile', { name: 'y' }, { headers: { ...bearer(token), origin: 'https://evil.example' } });
    assert.equal(foreign.status, 200, foreign.text);
  });

  it('modes: a route takes only the credential kinds it names, and never falls back from the one that counts', async () => {
    const { client, email } = await cookieUser();
    const token = await tokenLogin(email);
    assertError(await client.get('/api/orders'), 401, 'unauthenticated');
    assert.deepEqual((await createClient(server).get('/api/orders', { headers: bearer(token) })).body, { mode: 'token' });
    assert.deepEqual((await client.get('/web')).body, { mode: 'session' });
    assertError(await createClient(server).get('/web', { headers: bearer(token) }), 401, 'unauthenticated');
    // Bearer beside a valid cookie: the bearer counts, so the cookie-only route refuses rather than use the cookie.
    assertError(await client.get('/web', { headers: bearer(token) }), 401, 'unauthenticated');
    assert.throws(() => requireAuth(gatehouse, { modes: [] }), /modes must name one or more of session, token, hybrid/);
  });

  it('a bearer header alone decides: valid bearer for A + cookie for B is A; an invalid bearer never falls back to the cookie', async () => {
    const a = await cookieUser();
    const b: { client: Client; email: string; userId: string } = await cookieUser();
    const tokenA = await tokenLogin(a.email);
    assert.notEqual(a.userId, b.userId);

    const mixed = await b.client.get('/profile', { headers: bearer(tokenA) });
    assert.equal(mixed.status, 200, mixed.text);
    assert.deepEqual(mixed.body, { userId: a.userId, mode: 'token' });
    // An unsafe request too: judged as A's bearer request, so B's missing CSRF token does not matter.
    const mixedPost = await b.client.post('/profile', undefined, { headers: bearer(tokenA) });
    assert.deepEqual(mixedPost.body, { updated: true, userId: a.userId, mode: 'token' });

    const tampered = `${tokenA.slice(0, -4)}${tokenA.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    for (const authorization of [`Bearer ${tampered}`, 'Bearer not-a-jwt', 'Basic dXNlcjpwYXNz', 'Bearer', '']) {
      const response = await b.client.get('/profile', { headers: { authorization } });
      assertError(response, 401, 'unauthenticated');
      assert.equal(response.headers.get('www-authenticate'), 'Bearer realm="gatehouse", error="invalid_token"', 'the RFC 6750 challenge');
    }
    // B's cookie on its own still works: the 401s above were about the header, not the session.
    assert.deepEqual((await b.client.get('/profile')).body, { userId: b.userId, mode: 'session' });

    // After A logs out, A's token is revoked: the request is 401 even though B's cookie is valid.
    const logout = await createClient(server).post('/auth/logout', undefined, { headers: bearer(tokenA) });
    assert.equal(logout.status, 204, logout.text);
    assertError(await b.client.get('/profile', { headers: bearer(tokenA) }), 401, 'unauthenticated');
  });
});
