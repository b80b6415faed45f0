// The Express adapter: the same API and the same rules through express (body limits, JSON only, CSRF and
// roles on the app's own routes, the revocation feed a verifier follows), over a real socket.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { createGatehouse } from '../src/core/engine.js';
import type { Gatehouse } from '../src/core/gatehouse.js';
import { gatehouseExpress, requireAuth } from '../src/http/express.js';
import { createMemoryStore } from '../src/stores/memory/index.js';
import { createVerifier } from '../src/verify/verifier.js';
import { createClient, errorCode, PASSWORD } from './helpers.js';
import { until } from './kit.js';

describe('Express adapter', () => {
  let gatehouse: Gatehouse;
  let server: Server;
  let target: { url: string; origin: string };

  before(async () => {
    gatehouse = await createGatehouse({ store: createMemoryStore() });
    const app = express();
    app.use(gatehouseExpress(gatehouse));
    app.get('/admin', requireAuth(gatehouse, { roles: ['admin'] }), (_req, res) => res.json({ ok: true }));
    // res.locals.principal is typed (a Principal), not any: this line would not type-check otherwise.
    app.post('/profile', requireAuth(gatehouse), (_req, res) => res.json({ user: res.locals.principal?.userId }));
    app.get('/api/orders', requireAuth(gatehouse, { modes: ['token'] }), (_req, res) => res.json({ mode: res.locals.principal?.mode }));
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    target = { url: `http://127.0.0.1:${port}`, origin: `https://127.0.0.1:${port}` };
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('serves register, login, me and logout with the SPEC cookies and headers', async () => {
    const client = createClient(target, { browser: true });
    assert.equal((await client.post('/auth/register', { email: 'ex@example.com', password: PASSWORD })).status, 201);
    const login = await client.post('/auth/login', { email: 'ex@example.com', password: PASSWORD });
    assert.equal(login.status, 200);
    assert.match(login.setCookies[0] ?? '', /^__Host-gh_session=.*; HttpOnly; Secure; SameSite=Lax$/);
    const me = await client.get('/auth/me');
    assert.equal(me.status, 200);
    assert.equal(me.headers.get('cache-control'), 'no-store');
    assert.equal(me.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(errorCode(await client.post('/auth/logout')), 'csrf_failed');
    assert.equal((await client.post('/auth/logout', undefined, { headers: client.csrfHeaders() })).status, 204);
    assert.equal((await client.get('/auth/me')).status, 401);
  });

  it('reads the paging query of GET /auth/audit (?limit=, ?cursor=) and refuses a bad one', async () => {
    const client = createClient(target, { browser: true });
    assert.equal((await client.post('/auth/register', { email: 'audit-ex@example.com', password: PASSWORD })).status, 201);
    assert.equal((await client.post('/auth/login', { email: 'audit-ex@example.com', password: PASSWORD })).status, 200);
    type Page = { events: { type: string }[]; next: string | null };
    const first = await client.get('/auth/audit?limit=1');
    assert.equal(first.status, 200, first.text);
    const { events, next } = first.body as Page;
    assert.deepEqual(events.map((e) => e.type), ['login.succeeded']);
    assert.ok(next);
    const second = (await client.get(`/auth/audit?limit=1&cursor=${encodeURIComponent(next)}`)).body as Page;
    assert.deepEqual(second.events.map((e) => e.type), ['user.registered']);
    assert.equal(second.next, null);
    assert.equal(errorCode(await client.get('/auth/audit?limit=0')), 'invalid_request');
  });

  it('refuses forms (415), oversized bodies (413) and malformed JSON (400) in the SPEC format', async () => {
    const client = createClient(target, { browser: true });
    const form = await client.request('POST', '/auth/login', { raw: 'a=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(errorCode(form), 'unsupported_media_type');
    const big = await client.request('POST', '/auth/login', { raw: JSON.stringify({ x: 'y'.repeat(20_000) }), headers: { 'content-type': 'application/json' } });
    assert.equal(big.status, 413);
    assert.equal(errorCode(big), 'payload_too_large');
    const bad = await client.request('POST', '/auth/login', { raw: '{', headers: { 'content-type': 'application/json' } });
    assert.equal(errorCode(bad), 'invalid_request');
  });

  it("guards the app's own routes: CSRF for cookies, roles, bearer tokens", async () => {
    const client = createClient(target, { browser: true });
    await client.post('/auth/register', { email: 'own@example.com', password: PASSWORD });
    await client.post('/auth/login', { email: 'own@example.com', password: PASSWORD });
    assert.equal(errorCode(await client.post('/profile', {})), 'csrf_failed');
    assert.equal(errorCode(await client.post('/profile', {}, { headers: { ...client.csrfHeaders(), origin: 'https://evil.example' } })), 'csrf_failed');
    assert.equal((await client.post('/profile', {}, { headers: client.csrfHeaders() })).status, 200);
    assert.equal(errorCode(await client.get('/admin')), 'forbidden');
    await gatehouse.grantRole('own@example.com', 'admin');
    assert.equal((await client.get('/admin')).status, 200);
    const tokens = (await client.post('/auth/login', { email: 'own@example.com', password: PASSWORD, mode: 'token' })).body as { access_token: string };
    const bearer = createClient(target);
    assert.equal((await bearer.post('/profile', {}, { headers: { authorization: `Bearer ${tokens.access_token}` } })).status, 200);
    const none = await bearer.get('/admin');
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
  });

  it('takes only the credential kinds a route names (modes): a cookie session on a token-only route is a 401', async () => {
    const client = createClient(target, { browser: true });
    await client.post('/auth/register', { email: 'modes@example.com', password: PASSWORD });
    await client.post('/auth/login', { email: 'modes@example.com', password: PASSWORD });
    assert.equal(errorCode(await client.get('/api/orders')), 'unauthenticated');
    const tokens = (await client.post('/auth/login', { email: 'modes@example.com', password: PASSWORD, mode: 'token' })).body as { access_token: string };
    const api = await createClient(target).get('/api/orders', { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.deepEqual([api.status, api.body], [200, { mode: 'token' }]);
  });
});

describe('Express adapter after the app\'s own express.json()', () => {
  let server: Server;
  let target: { url: string; origin: string };

  before(async () => {
    const gatehouse = await createGatehouse({ store: createMemoryStore() });
    const app = express();
    app.use(express.json(), express.urlencoded({ extended: false }));
    app.use(gatehouseExpress(gatehouse));
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    target = { url: `http://127.0.0.1:${port}`, origin: `https://127.0.0.1:${port}` };
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('takes the body the app already parsed: register, login and logout work', async () => {
    const client = createClient(target, { browser: true });
    assert.equal((await client.post('/auth/register', { email: 'parsed@example.com', password: PASSWORD })).status, 201);
    assert.equal((await client.post('/auth/login', { email: 'parsed@example.com', password: PASSWORD })).status, 200);
    assert.equal((await client.post('/auth/logout', undefined, { headers: client.csrfHeaders() })).status, 204);
  });

  it('still refuses a form the app parsed (415) and a JSON array (400)', async () => {
    const client = createClient(target, { browser: true });
    const form = await client.request('POST', '/auth/login', { raw: 'email=a&password=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(errorCode(form), 'unsupported_media_type');
    const array = await client.request('POST', '/auth/login', { raw: '[1]', headers: { 'content-type': 'application/json' } });
    assert.equal(errorCode(array), 'invalid_request');
  });

  it('refuses a body that is not UTF-8 when it reads the bytes itself', async () => {
    const gatehouse = await createGatehouse({ store: createMemoryStore() });
    const app = express().use(gatehouseExpress(gatehouse));
    const own = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => own.once('listening', resolve));
    try {
      const { port } = own.address() as AddressInfo;
      const body = new Uint8Array([...Buffer.from(`{"email":"u@example.com","password":"${PASSWORD}`), 0xff, 0xfe, ...Buffer.from('"}')]);
      const response = await fetch(`http://127.0.0.1:${port}/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      assert.equal(response.status, 400);
      assert.deepEqual(await response.json(), { error: { code: 'invalid_request', message: 'The body is not valid UTF-8.' } });
    } finally {
      await new Promise<void>((resolve) => own.close(() => resolve()));
    }
  });
});

describe('Express adapter: the revocation feed', () => {
  const FEED_TOKEN = 'express-feed-token-0123456789abcdefghijklmnop';
  let gatehouse: Gatehouse;
  let server: Server;
  let url: string;

  before(async () => {
    gatehouse = await createGatehouse({ store: createMemoryStore(), options: { revocationFeedToken: FEED_TOKEN } });
    server = express().use(gatehouseExpress(gatehouse)).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await gatehouse.close(); // ends the feed's streams, so the server can close
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('serves GET /auth/revocations: a verifier following it refuses a token as soon as it is logged out', async () => {
    const verifier = createVerifier({
      jwksUrl: `${url}/.well-known/jwks.json`,
      issuer: gatehouse.config.issuer,
      audience: gatehouse.config.audience,
      revocationsUrl: `${url}/auth/revocations`,
      revocationsHeaders: { authorization: `Bearer ${FEED_TOKEN}` },
    });
    try {
      await verifier.ready();
      const client = createClient({ url, origin: url });
      assert.equal((await client.post('/auth/register', { email: 'feed@example.com', password: PASSWORD })).status, 201);
      const login = await client.post('/auth/login', { email: 'feed@example.com', password: PASSWORD, mode: 'token' });
      const token = (login.body as { access_token: string }).access_token;
      assert.ok(await verifier.verify(token), 'a live token verifies');
      assert.equal((await client.post('/auth/logout', undefined, { headers: { authorization: `Bearer ${token}` } })).status, 204);
      await until('the verifier to hear of the logout', async () => (await verifier.verify(token)) === null);
      assert.ok((verifier.staleness() ?? Infinity) < 5_000, 'fresh: it has had a snapshot or heartbeat');
    } finally {
      verifier.close();
    }
  });

  it('keeps the admission rules: the feed token, as a 401 in the SPEC format, never a stream', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong-token' }] as Record<string, string>[]) {
      const response = await fetch(`${url}/auth/revocations`, { headers });
      assert.equal(response.status, 401);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'unauthenticated');
    }
    const controller = new AbortController();
    const open = await fetch(`${url}/auth/revocations`, { headers: { authorization: `Bearer ${FEED_TOKEN}` }, signal: controller.signal });
    assert.equal(open.status, 200);
    assert.equal(open.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    assert.equal(open.headers.get('cache-control'), 'no-store');
    assert.equal(open.headers.get('x-content-type-options'), 'nosniff');
    controller.abort();
  });
});
