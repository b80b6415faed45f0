// The Hono adapter: the same API and the same rules through Hono on @hono/node-server, over a real socket (body
// limits, UTF-8 and JSON only, CSRF, roles and modes on the app's own routes, hybrid refresh, CORS, the client
// address behind trusted proxies only, the revocation feed a verifier follows). Each rule has its attack.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { serve, type ServerType } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono } from 'hono';
import { createGatehouse } from '../src/core/engine.js';
import type { Gatehouse, Principal } from '../src/core/gatehouse.js';
import { GatehouseError } from '../src/core/errors.js';
import { ConfigError } from '../src/core/option-table.js';
import { gatehouseHono, requireAuth, type GatehouseHonoOptions, type GatehouseVariables } from '../src/http/hono.js';
import { createMemoryStore } from '../src/stores/memory/index.js';
import { createVerifier } from '../src/verify/verifier.js';
import { createClient, errorCode, PASSWORD, type ApiResponse } from './helpers.js';
import { until } from './kit.js';

interface Running {
  server: ServerType;
  url: string;
  /** `https://127.0.0.1:port`: the origin a same-origin page sends (the cookies are Secure). */
  origin: string;
  close(): Promise<void>;
}

function listen(app: { fetch: (request: Request) => Response | Promise<Response> }): Promise<Running> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, ({ port }) =>
      resolve({
        server,
        url: `http://127.0.0.1:${port}`,
        origin: `https://127.0.0.1:${port}`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      }),
    );
  });
}

function assertError(response: ApiResponse, status: number, code: string): void {
  assert.equal(response.status, status, response.text);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(errorCode(response), code, response.text);
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('Hono adapter', () => {
  const ALLOWED = 'https://app.example';
  let gatehouse: Gatehouse;
  let running: Running;
  const refusals: GatehouseError[] = [];

  before(async () => {
    gatehouse = await createGatehouse({ store: createMemoryStore(), options: { allowedOrigins: [ALLOWED] } });
    const app = new Hono<{ Variables: GatehouseVariables }>();
    app.route('/', gatehouseHono(gatehouse, { onRefusal: (error) => refusals.push(error) }));
    app.get('/admin', requireAuth(gatehouse, { roles: ['admin'] }), (c) => c.json({ ok: true }));
    // c.get('principal') is typed (a Principal, not any and not optional): this would not type-check otherwise.
    const whoami = (principal: Principal) => ({ user: principal.userId, mode: principal.mode });
    app.post('/profile', requireAuth(gatehouse), (c) => c.json(whoami(c.get('principal'))));
    app.on('PROPPATCH', '/profile', requireAuth(gatehouse), (c) => c.json(whoami(c.get('principal'))));
    app.on(['GET', 'POST'], '/api/orders', requireAuth(gatehouse, { modes: ['token'] }), (c) => c.json(whoami(c.get('principal'))));
    app.get('/web', requireAuth(gatehouse, { modes: ['session', 'hybrid'] }), (c) => c.json(whoami(c.get('principal'))));
    app.notFound((c) => c.json({ app: 'not found' }, 404));
    running = await listen(app);
  });
  after(() => running.close());

  async function cookieUser(email: string, mode: 'session' | 'hybrid' = 'session') {
    const client = createClient(running, { browser: true });
    assert.equal((await client.post('/auth/register', { email, password: PASSWORD })).status, 201);
    const login = await client.post('/auth/login', { email, password: PASSWORD, mode });
    assert.equal(login.status, 200, login.text);
    return client;
  }

  async function accessToken(email: string): Promise<string> {
    const login = await createClient(running).post('/auth/login', { email, password: PASSWORD, mode: 'token' });
    assert.equal(login.status, 200, login.text);
    return (login.body as { access_token: string }).access_token;
  }

  it('serves register, login, me and logout with the SPEC cookies and headers', async () => {
    const client = createClient(running, { browser: true });
    assert.equal((await client.post('/auth/register', { email: 'hono@example.com', password: PASSWORD })).status, 201);
    const login = await client.post('/auth/login', { email: 'hono@example.com', password: PASSWORD });
    assert.equal(login.status, 200);
    assert.match(login.setCookies[0] ?? '', /^__Host-gh_session=.*; Path=\/; HttpOnly; Secure; SameSite=Lax$|^__Host-gh_session=.*; HttpOnly; Secure; SameSite=Lax$/);
    assert.ok(login.setCookies.some((cookie) => cookie.startsWith('__Host-gh_csrf=')), 'the CSRF cookie too');
    assert.equal(login.setCookies.length, 4, 'session, CSRF, and the other mode\'s two cleared: each its own Set-Cookie');
    const me = await client.get('/auth/me');
    assert.equal(me.status, 200);
    assert.equal((me.body as { auth: { mode: string } }).auth.mode, 'session');
    assert.equal(me.headers.get('cache-control'), 'no-store');
    assert.equal(me.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(me.headers.get('content-security-policy'), "default-src 'none'; frame-ancestors 'none'");
    assert.equal(me.headers.get('strict-transport-security'), 'max-age=31536000; includeSubDomains');
    const jwks = await client.get('/.well-known/jwks.json');
    assert.match(jwks.headers.get('cache-control') ?? '', /^public, max-age=\d+$/, 'the core\'s own headers win over the policy');
    assertError(await client.post('/auth/logout'), 403, 'csrf_failed');
    const logout = await client.post('/auth/logout', undefined, { headers: client.csrfHeaders() });
    assert.equal(logout.status, 204);
    assert.equal(logout.headers.get('x-content-type-options'), null, 'a header-only answer carries the essentials only');
    assert.equal(logout.headers.get('cache-control'), 'no-store');
    assertError(await client.get('/auth/me'), 401, 'unauthenticated');
  });

  it('reads the paging query of GET /auth/audit (?limit=, ?cursor=) and refuses a bad one', async () => {
    const client = createClient(running, { browser: true });
    assert.equal((await client.post('/auth/register', { email: 'audit-hono@example.com', password: PASSWORD })).status, 201);
    assert.equal((await client.post('/auth/login', { email: 'audit-hono@example.com', password: PASSWORD })).status, 200);
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

  it('refuses forms (415), oversized bodies (413, declared or streamed) and malformed JSON or UTF-8 (400) in the SPEC format', async () => {
    const client = createClient(running, { browser: true });
    const form = await client.request('POST', '/auth/login', { raw: 'a=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assertError(form, 415, 'unsupported_media_type');
    assert.equal(form.headers.get('cache-control'), 'no-store');
    const plain = await client.request('POST', '/auth/login', { raw: '{}', headers: { 'content-type': 'text/plain' } });
    assertError(plain, 415, 'unsupported_media_type');
    const json = JSON.stringify({ email: 'x@example.com', password: 'y'.repeat(20_000) });
    const big = await client.request('POST', '/auth/login', { raw: json, headers: { 'content-type': 'application/json' } });
    assertError(big, 413, 'payload_too_large');
    assert.equal(big.headers.get('x-content-type-options'), 'nosniff');
    // No Content-Length (chunked): counted as it arrives.
    const bytes = new TextEncoder().encode(json);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < bytes.length; at += 4096) controller.enqueue(bytes.slice(at, at + 4096));
        controller.close();
      },
    });
    const chunked = await fetch(`${running.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: stream, duplex: 'half' });
    assert.equal(chunked.status, 413);
    assert.equal(((await chunked.json()) as { error: { code: string } }).error.code, 'payload_too_large');
    assertError(await client.request('POST', '/auth/login', { raw: '{', headers: { 'content-type': 'application/json' } }), 400, 'invalid_request');
    assertError(await client.request('POST', '/auth/login', { raw: '[1]', headers: { 'content-type': 'application/json' } }), 400, 'invalid_request');
    const latin1 = new Uint8Array([...new TextEncoder().encode(`{"email":"u@example.com","password":"${PASSWORD}`), 0xff, 0xfe, ...new TextEncoder().encode('"}')]);
    const notUtf8 = await fetch(`${running.url}/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: latin1 });
    assert.equal(notUtf8.status, 400);
    assert.deepEqual(await notUtf8.json(), { error: { code: 'invalid_request', message: 'The body is not valid UTF-8.' } });
  });

  it('refuses a cross-site login and reports why to onRefusal only', async () => {
    const client = createClient(running, { browser: true });
    const response = await client.post('/auth/login', { email: 'hono@example.com', password: PASSWORD }, { headers: { origin: 'https://evil.example' } });
    assertError(response, 403, 'csrf_failed');
    assert.doesNotMatch(response.text, /evil/);
    assert.equal(refusals.at(-1)?.detail?.['origin'], 'https://evil.example');
  });

  it('answers CORS preflights for /auth/* and echoes only an allowed origin', async () => {
    const ok = await fetch(`${running.url}/auth/login`, { method: 'OPTIONS', headers: { origin: ALLOWED, 'access-control-request-method': 'POST' } });
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get('access-control-allow-origin'), ALLOWED);
    assert.equal(ok.headers.get('access-control-allow-credentials'), 'true');
    assert.match(ok.headers.get('access-control-allow-headers') ?? '', /X-CSRF-Token/);
    const evil = await fetch(`${running.url}/auth/login`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    assert.equal(evil.status, 204);
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
    const me = await createClient(running).get('/auth/me', { headers: { origin: ALLOWED } });
    assert.equal(me.headers.get('access-control-allow-origin'), ALLOWED);
    assert.equal((await createClient(running).get('/auth/me', { headers: { origin: 'https://evil.example' } })).headers.get('access-control-allow-origin'), null);
  });

  it('leaves paths the core does not have to the app (its own 404)', async () => {
    const client = createClient(running);
    for (const [method, path] of [['GET', '/auth/nope'], ['PUT', '/auth/login'], ['GET', '/auth/sessions/x/y']] as const) {
      const response = await client.request(method, path);
      assert.equal(response.status, 404);
      assert.deepEqual(response.body, { app: 'not found' });
    }
  });

  it("guards the app's own routes: CSRF for cookies (unknown methods too), roles, bearer tokens", async () => {
    const client = await cookieUser('own@example.com');
    assertError(await client.post('/profile', {}), 403, 'csrf_failed');
    assertError(await client.post('/profile', {}, { headers: { ...client.csrfHeaders(), origin: 'https://evil.example' } }), 403, 'csrf_failed');
    assertError(await client.post('/profile', {}, { headers: { 'x-csrf-token': 'A'.repeat(43) } }), 403, 'csrf_failed');
    assertError(await client.request('PROPPATCH', '/profile'), 403, 'csrf_failed');
    assert.equal((await client.request('PROPPATCH', '/profile', { headers: client.csrfHeaders() })).status, 200);
    const ok = await client.post('/profile', {}, { headers: client.csrfHeaders() });
    assert.equal(ok.status, 200);
    assert.equal((ok.body as { mode: string }).mode, 'session');
    assertError(await client.get('/admin'), 403, 'forbidden');
    await gatehouse.grantRole('own@example.com', 'admin');
    assert.equal((await client.get('/admin')).status, 200);

    const api = createClient(running);
    const token = await accessToken('own@example.com');
    // A bearer token is not ambient: no CSRF token, even from a foreign page.
    const viaBearer = await api.post('/profile', {}, { headers: { ...bearer(token), origin: 'https://evil.example' } });
    assert.equal(viaBearer.status, 200);
    assert.equal((viaBearer.body as { mode: string }).mode, 'token');
    const none = await api.get('/admin');
    assertError(none, 401, 'unauthenticated');
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="gatehouse"');
    const forged = await api.get('/admin', { headers: bearer(`${token.slice(0, -4)}AAAA`) });
    assertError(forged, 401, 'unauthenticated');
    assert.equal(forged.headers.get('www-authenticate'), 'Bearer realm="gatehouse", error="invalid_token"');
  });

  it('takes only the credential kinds a route names (modes), never falling back to another credential', async () => {
    const session = await cookieUser('modes@example.com');
    const token = await accessToken('modes@example.com');
    const api = createClient(running);
    assert.equal((await api.get('/api/orders', { headers: bearer(token) })).status, 200);
    assert.equal((await api.post('/api/orders', {}, { headers: bearer(token) })).status, 200);
    assertError(await session.get('/api/orders'), 401, 'unauthenticated');
    assertError(await session.post('/api/orders', {}, { headers: session.csrfHeaders() }), 401, 'unauthenticated');
    const hybrid = await cookieUser('modes-hybrid@example.com', 'hybrid');
    assertError(await hybrid.get('/api/orders'), 401, 'unauthenticated');
    assert.equal((await hybrid.get('/web')).status, 200);
    assert.equal((await session.get('/web')).status, 200);
    assertError(await api.get('/web', { headers: bearer(token) }), 401, 'unauthenticated');
    // A bearer token beside a valid session cookie: the bearer counts (one credential), so a cookie-only route
    // refuses it rather than falling back to the cookie.
    assertError(await session.get('/web', { headers: bearer(token) }), 401, 'unauthenticated');
    assert.throws(() => requireAuth(gatehouse, { modes: [] }), ConfigError);
    assert.throws(() => requireAuth(gatehouse, { modes: ['cookie' as 'session'] }), ConfigError);
  });

  it('refreshes a hybrid login from its cookie with the CSRF token, and only with it', async () => {
    const client = await cookieUser('hybrid@example.com', 'hybrid');
    assert.equal(((await client.get('/auth/me')).body as { auth: { mode: string } }).auth.mode, 'hybrid');
    assertError(await client.post('/auth/refresh'), 403, 'csrf_failed');
    assertError(await client.post('/auth/refresh', undefined, { headers: { ...client.csrfHeaders(), origin: 'https://evil.example' } }), 403, 'csrf_failed');
    const before = client.jar.get('__Host-gh_access');
    const refreshed = await client.post('/auth/refresh', undefined, { headers: client.csrfHeaders() });
    assert.equal(refreshed.status, 200, refreshed.text);
    assert.ok(refreshed.setCookies.some((cookie) => /^__Secure-gh_refresh=.+; Path=\/auth; .*HttpOnly; Secure; SameSite=Strict/.test(cookie)), refreshed.setCookies.join('\n'));
    assert.notEqual(client.jar.get('__Host-gh_access'), before);
    assert.equal((await client.get('/auth/me')).status, 200);
    assert.equal((await client.post('/auth/logout', undefined, { headers: client.csrfHeaders() })).status, 204);
    assertError(await client.get('/auth/me'), 401, 'unauthenticated');
  });

  it('answers a fault of requireAuth (a store that is down) with 503 in the SPEC format, and reports it', async () => {
    const faults: unknown[] = [];
    const down: Gatehouse = {
      ...gatehouse,
      authenticate: () => Promise.reject(new GatehouseError('unavailable', 'The store is unreachable.', { retryAfterSeconds: 1 })),
    };
    const app = new Hono().get('/x', requireAuth(down, { onFault: (error) => faults.push(error) }), (c) => c.text('reached'));
    const response = await app.request('/x', { headers: { cookie: '__Host-gh_session=a.b' } });
    assert.equal(response.status, 503);
    assert.equal(response.headers.get('retry-after'), '1');
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'unavailable');
    assert.equal(faults.length, 1);
  });
});

describe('Hono adapter after a middleware of the app read the body', () => {
  it('takes the body Hono kept: register and login work, a form is still 415', async () => {
    const gatehouse = await createGatehouse({ store: createMemoryStore() });
    const app = new Hono();
    app.use('/auth/*', async (c, next) => {
      if (c.req.method === 'POST') await c.req.text();
      await next();
    });
    app.route('/', gatehouseHono(gatehouse));
    const running = await listen(app);
    try {
      const client = createClient(running, { browser: true });
      assert.equal((await client.post('/auth/register', { email: 'read@example.com', password: PASSWORD })).status, 201);
      assert.equal((await client.post('/auth/login', { email: 'read@example.com', password: PASSWORD })).status, 200);
      const form = await client.request('POST', '/auth/login', { raw: 'email=a&password=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      assertError(form, 415, 'unsupported_media_type');
    } finally {
      await running.close();
    }
  });
});

describe('Hono adapter: the client address', () => {
  let gatehouse: Gatehouse;
  const servers: Running[] = [];

  before(async () => {
    gatehouse = await createGatehouse({ store: createMemoryStore() });
  });
  after(async () => {
    for (const server of servers) await server.close();
  });

  async function mount(options: GatehouseHonoOptions, engine = gatehouse): Promise<Running> {
    const running = await listen(new Hono().route('/', gatehouseHono(engine, options)));
    servers.push(running);
    return running;
  }

  /** The address the server recorded for a login that claimed to come through a proxy from `forwardedFor`. */
  async function recordedAddress(running: Running, email: string, forwardedFor: string): Promise<string> {
    const client = createClient(running, { browser: true });
    await client.post('/auth/register', { email, password: PASSWORD });
    const login = await client.post('/auth/login', { email, password: PASSWORD }, { headers: { 'x-forwarded-for': forwardedFor } });
    assert.equal(login.status, 200, login.text);
    const sessions = (await client.get('/auth/sessions')).body as { sessions: { ip: string; current: boolean }[] };
    return sessions.sessions.find((s) => s.current)?.ip ?? '';
  }

  it('ignores a spoofed X-Forwarded-For unless the peer is a trusted proxy', async () => {
    assert.equal(await recordedAddress(await mount({}), 'a1@example.com', '198.51.100.7'), '127.0.0.1');
    assert.equal(await recordedAddress(await mount({ trustProxy: ['10.0.0.0/8'] }), 'a2@example.com', '198.51.100.7'), '127.0.0.1');
    const behindProxy = await mount({ trustProxy: ['loopback'] });
    assert.equal(await recordedAddress(behindProxy, 'a3@example.com', '198.51.100.7'), '198.51.100.7');
    // What the client wrote before the address the trusted proxy appended is not believed.
    assert.equal(await recordedAddress(behindProxy, 'a4@example.com', '203.0.113.1, 198.51.100.8'), '198.51.100.8');
    const explicit = await mount({ trustProxy: ['loopback'], getConnInfo });
    assert.equal(await recordedAddress(explicit, 'a5@example.com', '198.51.100.9'), '198.51.100.9');
  });

  it('so a client cannot dodge the per-address login limit by rotating the header', async () => {
    const direct = await mount({}, await createGatehouse({ store: createMemoryStore(), options: { loginIpLimit: 3 } }));
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const attempt = await createClient(direct).post('/auth/login', { email: 'nobody@example.com', password: 'wrong password here' }, { headers: { 'x-forwarded-for': `203.0.113.${i}` } });
      statuses.push(attempt.status);
    }
    assert.deepEqual(statuses, [401, 401, 401, 429, 429], 'one address, however the header varies');
  });

  it('refuses a bad trustProxy entry when mounted', () => {
    assert.throws(() => gatehouseHono(gatehouse, { trustProxy: ['proxy.internal'] }), ConfigError);
  });
});

describe('Hono adapter: the revocation feed', () => {
  const FEED_TOKEN = 'hono-feed-token-0123456789abcdefghijklmnopqr';
  let gatehouse: Gatehouse;
  let running: Running;

  before(async () => {
    gatehouse = await createGatehouse({ store: createMemoryStore(), options: { revocationFeedToken: FEED_TOKEN } });
    running = await listen(new Hono().route('/', gatehouseHono(gatehouse)));
  });
  after(async () => {
    await gatehouse.close(); // ends the feed's streams, so the server can close
    await running.close();
  });

  it('serves GET /auth/revocations: a verifier following it refuses a token as soon as it is logged out', async () => {
    const { url } = running;
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
      assert.equal((await client.post('/auth/logout', undefined, { headers: bearer(token) })).status, 204);
      await until('the verifier to hear of the logout', async () => (await verifier.verify(token)) === null);
      assert.ok((verifier.staleness() ?? Infinity) < 5_000, 'fresh: it has had a snapshot or heartbeat');
    } finally {
      verifier.close();
    }
  });

  it('keeps the admission rules: the feed token, as a 401 in the SPEC format, never a stream', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong-token' }] as Record<string, string>[]) {
      const response = await fetch(`${running.url}/auth/revocations`, { headers });
      assert.equal(response.status, 401);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'unauthenticated');
    }
    const controller = new AbortController();
    const open = await fetch(`${running.url}/auth/revocations`, { headers: bearer(FEED_TOKEN), signal: controller.signal });
    assert.equal(open.status, 200);
    assert.equal(open.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    assert.equal(open.headers.get('cache-control'), 'no-store');
    assert.equal(open.headers.get('x-content-type-options'), 'nosniff');
    const reader = (open.body as ReadableStream<Uint8Array>).getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    assert.match(first, /^id: .+\nevent: snapshot\ndata: /);
    controller.abort();
    // HEAD: the headers, and an end; no subscription is held for a body nobody reads.
    const head = await fetch(`${running.url}/auth/revocations`, { method: 'HEAD', headers: bearer(FEED_TOKEN) });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  });
});
