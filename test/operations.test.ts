// The session-management API (list, revoke one, logout-all), and operations: /healthz, /readyz, /metrics,
// logs free of secrets, failing closed with 503 when the store is down, and a bug in the store a 500, not a 503.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMemoryStore } from '../src/stores/memory/index.js';
import { createClient, errorCode, PASSWORD, signedIn, startTestServer } from './helpers.js';

describe('session management', () => {
  it('lists the caller’s sessions without secrets, revokes one at once, and only the caller’s own', async () => {
    const server = await startTestServer();
    try {
      const { client: laptop, email } = await signedIn(server);
      const phone = createClient(server, { browser: true });
      await phone.post('/auth/login', { email, password: PASSWORD }, { headers: { 'user-agent': 'Phone/1.0' } });
      const stranger = await signedIn(server);

      const listed = await laptop.get('/auth/sessions');
      const { sessions } = listed.body as { sessions: { id: string; current: boolean; userAgent: string | null }[] };
      assert.equal(sessions.length, 2);
      assert.equal(sessions.filter((s) => s.current).length, 1);
      assert.deepEqual(Object.keys(sessions[0]!).sort(), ['createdAt', 'current', 'expiresAt', 'id', 'ip', 'lastActiveAt', 'mode', 'userAgent']);
      for (const cookie of [...laptop.jar.values(), ...phone.jar.values()]) {
        assert.ok(!listed.text.includes(cookie.split('.').at(-1)!), 'no secret or CSRF token in the list');
      }
      const phoneSession = sessions.find((s) => !s.current)!;
      assert.equal(phoneSession.userAgent, 'Phone/1.0');

      const strangerId = (stranger.client.jar.get('__Host-gh_session') ?? '').split('.')[0]!;
      const foreign = await laptop.delete(`/auth/sessions/${strangerId}`, { headers: laptop.csrfHeaders() });
      assert.equal(foreign.status, 404);
      assert.equal(errorCode(foreign), 'not_found');
      assert.equal((await stranger.client.get('/auth/me')).status, 200, "another user's session is untouched");

      const revoked = await laptop.delete(`/auth/sessions/${phoneSession.id}`, { headers: laptop.csrfHeaders() });
      assert.equal(revoked.status, 204);
      assert.equal((await phone.get('/auth/me')).status, 401, 'revoked at once');
      assert.equal((await laptop.get('/auth/me')).status, 200);

      await phone.post('/auth/login', { email, password: PASSWORD });
      const all = await laptop.post('/auth/logout-all', undefined, { headers: laptop.csrfHeaders() });
      assert.equal(all.status, 204);
      assert.equal((await laptop.get('/auth/me')).status, 401);
      assert.equal((await phone.get('/auth/me')).status, 401);
      assert.equal((await stranger.client.get('/auth/me')).status, 200);
    } finally {
      await server.close();
    }
  });

  it('expires sessions when idle and at the absolute limit (injected clock)', async () => {
    const server = await startTestServer({ options: { sessionIdleTtlSeconds: 3600, sessionAbsoluteTtlSeconds: 4 * 3600 } });
    try {
      const { client } = await signedIn(server);
      const start = server.clock();
      // Active every 50 minutes: the idle window keeps sliding, but never past 4 hours from login.
      while (server.clock() - start + 50 * 60_000 < 4 * 3600_000) {
        server.clock.advance(50 * 60_000);
        assert.equal((await client.get('/auth/me')).status, 200, 'activity within the idle window renews');
      }
      server.clock.set(start + 4 * 3600_000);
      assert.equal((await client.get('/auth/me')).status, 401, 'absolute expiry holds despite activity');
      const { client: idle } = await signedIn(server);
      server.clock.advance(3600_000);
      assert.equal((await idle.get('/auth/me')).status, 401, 'idle expiry');
    } finally {
      await server.close();
    }
  });
});

describe('operations', () => {
  it('serves /healthz, /readyz and Prometheus /metrics', async () => {
    const server = await startTestServer({ store: 'sqlite' });
    try {
      const client = createClient(server);
      assert.deepEqual((await client.get('/healthz')).body, { status: 'ok' });
      assert.deepEqual((await client.get('/readyz')).body, { status: 'ready' });
      const { email } = await signedIn(server);
      await createClient(server).post('/auth/login', { email, password: 'wrong password, long enough' });
      const metrics = await client.get('/metrics');
      assert.equal(metrics.status, 200);
      assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain/);
      assert.match(metrics.text, /^gatehouse_logins_total\{mode="session"\} 1$/m);
      assert.match(metrics.text, /^gatehouse_login_failures_total\{reason="invalid_credentials"\} 1$/m);
      assert.match(metrics.text, /^gatehouse_active_sessions 1$/m);
      assert.match(metrics.text, /^gatehouse_registrations_total 1$/m);
      assert.match(metrics.text, /^gatehouse_http_request_duration_seconds_bucket\{.*route="\/auth\/login".*\} \d+$/m);
    } finally {
      await server.close();
    }
  });

  it('fails closed with 503 when the store is down, and /readyz says so', async () => {
    const server = await startTestServer({ store: 'sqlite' });
    try {
      const { client, email } = await signedIn(server);
      await server.store.close();
      const me = await client.get('/auth/me');
      assert.equal(me.status, 503, 'never a pass, never an opaque 500');
      assert.equal(errorCode(me), 'unavailable');
      assert.ok(Number(me.headers.get('retry-after')) >= 1);
      const login = await createClient(server, { browser: true }).post('/auth/login', { email, password: PASSWORD });
      assert.equal(login.status, 503);
      assert.equal(login.setCookies.length, 0);
      const ready = await client.get('/readyz');
      assert.equal(ready.status, 503);
      assert.equal((await client.get('/healthz')).status, 200, 'the process itself is alive');
    } finally {
      await server.server.app.close();
    }
  });

  it('logs a fault with its request id above `info`, where no request lines are written', async () => {
    const server = await startTestServer({ store: 'sqlite', options: { logLevel: 'warn' } });
    try {
      const { client } = await signedIn(server);
      await server.store.close();
      assert.equal((await client.get('/auth/me')).status, 503);
      const lines = server.logs.map((line) => JSON.parse(line) as { level: number; msg: string; reqId?: string; err?: { message: string } });
      const faults = lines.filter((line) => line.msg === 'request failed');
      assert.equal(faults.length, 1, JSON.stringify(lines));
      assert.equal(faults[0]!.level, 50);
      assert.match(faults[0]!.reqId ?? '', /^req-/);
      assert.ok(faults[0]!.err?.message, 'the error itself is logged');
      assert.deepEqual(lines.filter((line) => line.level < 40), [], 'nothing below warn');
    } finally {
      await server.server.app.close();
    }
  });

  it('answers a bug in the store (a TypeError while the store answers) with 500 internal_error, logged as a fault, not 503', async () => {
    const store = createMemoryStore();
    const findById = store.users.findById.bind(store.users);
    let broken = false;
    store.users.findById = (id) => (broken ? Promise.reject(new TypeError("Cannot read properties of undefined (reading 'roles')")) : findById(id));
    const server = await startTestServer({ store, options: { logLevel: 'warn' } });
    try {
      const { client } = await signedIn(server);
      broken = true;
      const me = await client.get('/auth/me');
      assert.equal(me.status, 500, 'a retry would not fix a bug: no 503');
      assert.equal(errorCode(me), 'internal_error');
      assert.equal(me.headers.get('retry-after'), null);
      assert.ok(!me.text.includes('roles'), 'the bug is not described to the client');
      const faults = server.logs.map((line) => JSON.parse(line) as { msg: string; err?: { type?: string } }).filter((line) => line.msg === 'request failed');
      assert.equal(faults.length, 1);
      assert.equal(faults[0]!.err?.type, 'TypeError');
      assert.equal((await client.get('/readyz')).status, 200, 'the store itself is fine');
    } finally {
      await server.close();
    }
  });

  it('writes one access line per request at `info`: method, path, route, status, time, request id, user id where known', async () => {
    const server = await startTestServer();
    try {
      const { client, login } = await signedIn(server);
      const token = client.jar.get('__Host-gh_session')!;
      const before = server.logs.length;
      await createClient(server).get('/healthz?probe=1');
      await client.get(`/auth/me?token=${token}`);
      await createClient(server).delete('/auth/sessions/abc');
      await createClient(server).get('/no/such/path');
      type Access = { msg: string; level: number; reqId?: string; method?: string; path?: string; route?: string; status?: number; ms?: number; ip?: string; userId?: string };
      const lines = server.logs.slice(before).map((line) => JSON.parse(line) as Access).filter((line) => line.msg === 'request');
      assert.equal(lines.length, 4, 'one line per request, and no other request lines');
      const [health, me, unauthenticated, unmatched] = lines as [Access, Access, Access, Access];
      assert.deepEqual([health.method, health.path, health.route, health.status, health.level], ['GET', '/healthz', '/healthz', 200, 30]);
      assert.match(health.reqId ?? '', /^req-/);
      assert.ok(typeof health.ms === 'number' && health.ms >= 0);
      assert.equal(health.ip, '127.0.0.1');
      assert.equal(health.userId, undefined, 'no credential, no user');
      assert.deepEqual([me.path, me.status, me.userId], ['/auth/me', 200, login.user.id], 'the authenticated user, no query string');
      assert.deepEqual([unauthenticated.route, unauthenticated.status, unauthenticated.userId], ['/auth/sessions/:id', 401, undefined]);
      assert.deepEqual([unmatched.route, unmatched.status], ['unmatched', 404]);
      assert.ok(!server.logs.some((line) => /"msg":"(incoming request|request completed)"/.test(line)), 'none of Fastify\'s request lines');
    } finally {
      await server.close();
    }
  });

  it('writes no access line above `info`, and a line as each request is routed at `debug`', async () => {
    for (const [logLevel, expected] of [['warn', []], ['debug', ['incoming request', 'request']]] as const) {
      const server = await startTestServer({ options: { logLevel } });
      try {
        const before = server.logs.length;
        await createClient(server).get('/healthz');
        const messages = server.logs.slice(before).map((line) => (JSON.parse(line) as { msg: string }).msg);
        assert.deepEqual(messages, expected, logLevel);
      } finally {
        await server.close();
      }
    }
  });

  it('never writes a password, session id, CSRF token or cookie to the log', async () => {
    const server = await startTestServer();
    try {
      const { client, email, login } = await signedIn(server);
      const token = client.jar.get('__Host-gh_session')!;
      await client.get(`/auth/me?token=${token}`);
      await client.post('/auth/logout', undefined, { headers: client.csrfHeaders() });
      await createClient(server, { browser: true }).post('/auth/login', { email, password: 'a wrong password guess' });
      const logs = server.logs.join('');
      assert.ok(logs.includes('login.succeeded'), 'audit events are logged');
      assert.ok(logs.includes('login.failed'));
      assert.ok(logs.includes('"type":"logout"'));
      for (const secret of [PASSWORD, 'a wrong password guess', token, token.split('.')[1]!, login.csrfToken]) {
        assert.ok(!logs.includes(secret), `log leaks ${secret.slice(0, 6)}…`);
      }
    } finally {
      await server.close();
    }
  });
});
