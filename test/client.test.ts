// The browser client (gatehouse/client) in Node against a real server (startTestServer, real fetch, the server's
// fake clock to expire access tokens): the API per mode, errors, and the refresh state machine — one refresh for N
// concurrent callers, one retry and never a loop, giving up (signed out everywhere) on refresh_token_reused or a
// refused refresh, keeping the tokens on a failed one, renewal ahead of expiry on the client's injected clock, and
// two "tabs" (two clients on one BroadcastChannel name and one lock) that spend a refresh token once between them.
// The server runs with a refresh grace of 0, so a refresh token presented twice is refresh_token_reused, not a
// quiet retry. Node has no cookie jar: the cookie modes get one (withCookies), wrapped around the real fetch.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createClient, GatehouseClientError, type ClientOptions, type FetchLike, type LockManagerLike, type User } from '../src/client/index.js';
import { fakeClock } from '../src/testing/fake-clock.js';
import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import { generateHOTP } from '@oslojs/otp';
import { bearer, createClient as createHttpClient, PASSWORD, startTestServer, type TestServer } from './helpers.js';

interface Call {
  method: string;
  path: string;
  status: number;
  code: string | undefined;
  headers: Headers;
  body: string | undefined;
}

/** The real fetch, each call recorded (with the error code of a refusal). */
function recording(base: FetchLike = (input, init) => fetch(input, init)) {
  const calls: Call[] = [];
  const record: FetchLike = async (input, init = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const response = await base(input, init);
    const code = response.status >= 400 ? ((await response.clone().json()) as { error?: { code?: string } }).error?.code : undefined;
    const body = typeof init.body === 'string' ? init.body : undefined;
    calls.push({ method: init.method ?? 'GET', path: url.pathname, status: response.status, code, headers: new Headers(init.headers), body });
    return response;
  };
  const count = (method: string, path: string) => calls.filter((c) => c.method === method && c.path === path).length;
  return { calls, fetch: record, count, refreshes: () => count('POST', '/auth/refresh') };
}

/** A cookie jar around the real fetch, as a browser keeps one (shared by every client given the same jar). */
function withCookies(jar = new Map<string, string>()): FetchLike {
  return async (input, init = {}) => {
    const headers = new Headers(init.headers);
    if (jar.size > 0) headers.set('cookie', [...jar].map(([name, value]) => `${name}=${value}`).join('; '));
    const response = await fetch(input, { ...init, headers });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const [name = '', value = ''] = pair.split('=');
      if (value === '' || /max-age=0/i.test(cookie)) jar.delete(name);
      else jar.set(name, value);
    }
    return response;
  };
}

/** Web Locks for clients in one process: an exclusive FIFO lock per name. */
function inProcessLocks(): LockManagerLike {
  const tails = new Map<string, Promise<unknown>>();
  return {
    request(name, callback) {
      const granted = (tails.get(name) ?? Promise.resolve()).then(callback);
      tails.set(name, granted.catch(() => {}));
      return granted;
    },
  };
}

/** A Storage of the browser's shape. */
function memoryStorage() {
  const items = new Map<string, string>();
  return { items, getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v), removeItem: (k: string) => void items.delete(k) };
}

const freshEmail = () => `client-${randomUUID()}@example.com`;
/** The default access-token lifetime; past it by more than the 5 s tolerance, the server refuses the token. */
const ACCESS_TTL_MS = 15 * 60 * 1000;

/** Every value the client hands its onChange listeners, as emails (null: signed out). */
function changes(client: { onChange(listener: (user: User | null) => void): () => void }) {
  const seen: (string | null)[] = [];
  client.onChange((user) => seen.push(user?.email ?? null));
  return seen;
}

/** Resolves when `client` next reports `expected` (an email, or null) to its listeners. */
function nextChange(client: { onChange(listener: (user: User | null) => void): () => void }, expected: string | null) {
  return new Promise<void>((resolve) => {
    const stop = client.onChange((user) => {
      if ((user?.email ?? null) === expected) {
        stop();
        resolve();
      }
    });
  });
}

describe('gatehouse/client in Node against a real server', () => {
  let server: TestServer;
  const opened: { close(): void }[] = [];

  before(async () => {
    server = await startTestServer({ options: { refreshGraceSeconds: 0, logLevel: 'warn' } });
  });
  after(async () => {
    for (const client of opened) client.close();
    await server?.close();
  });

  /** A client on the test server; no cross-tab channel unless `name` (shared) or `channel` says otherwise. */
  function open(options: Partial<ClientOptions> & Pick<ClientOptions, 'mode'>) {
    const client = createClient({ baseUrl: server.url, channel: null, locks: null, ...options });
    opened.push(client);
    return client;
  }

  async function signedIn(options: Partial<ClientOptions> & Pick<ClientOptions, 'mode'>) {
    const client = open(options);
    const email = freshEmail();
    await client.register({ email, password: PASSWORD });
    const user = await client.login({ email, password: PASSWORD });
    return { client, email, user: user as User };
  }

  describe('token mode', () => {
    it('registers, logs in, calls with a bearer token, lists sessions, logs out', async () => {
      const log = recording();
      const client = open({ mode: 'token', fetch: log.fetch });
      const seen = changes(client);
      const email = freshEmail();
      const registered = await client.register({ email, password: PASSWORD });
      assert.equal(registered.email, email);
      assert.equal(client.user, null, 'register does not sign in');
      const user = (await client.login({ email, password: PASSWORD })) as User;
      assert.deepEqual(user, registered);
      assert.deepEqual(client.user, user);
      assert.deepEqual(await client.me(), user);
      const response = await client.fetch(`${server.url}/auth/me`);
      assert.equal(response.status, 200);
      const bearerHeader = log.calls.at(-1)?.headers.get('authorization') ?? '';
      assert.match(bearerHeader, /^Bearer ey/);
      const sessions = await client.sessions();
      assert.equal(sessions.length, 1);
      assert.equal(sessions[0]?.mode, 'token');
      assert.equal(sessions[0]?.current, true);

      await client.logout();
      assert.equal(client.user, null);
      assert.equal(await client.me(), null);
      assert.deepEqual(seen, [email, null]);
      const old = await createHttpClient(server).get('/auth/me', bearer(bearerHeader.slice(7)));
      assert.equal(old.status, 401, 'the server denies the logged-out access token at once');
    });

    it('a second login ends the token family it replaces', async () => {
      const log = recording();
      const { client, email } = await signedIn({ mode: 'token', fetch: log.fetch });
      await client.fetch(`${server.url}/auth/me`);
      const first = log.calls.at(-1)?.headers.get('authorization') ?? '';
      await client.login({ email, password: PASSWORD });
      assert.equal((await createHttpClient(server).get('/auth/me', { headers: { authorization: first } })).status, 401);
      assert.equal((await client.sessions()).length, 1);
    });

    it("turns the server's refusals into GatehouseClientError (status, code, message)", async () => {
      const { client, email } = await signedIn({ mode: 'token' });
      await assert.rejects(client.register({ email, password: PASSWORD }), (error) => {
        assert.ok(error instanceof GatehouseClientError);
        assert.equal(error.status, 409);
        assert.equal(error.code, 'email_taken');
        assert.ok(error.message.length > 0);
        return true;
      });
      await assert.rejects(client.login({ email, password: 'not the password at all' }), { name: 'GatehouseClientError', status: 401, code: 'invalid_credentials' });
      await assert.rejects(client.revokeSession('no-such-session'), { status: 404, code: 'not_found' });
      assert.equal(client.user?.email, email, 'a refusal that is not about the credential keeps the sign-in');
    });

    it('refreshes once for N concurrent callers whose access token expired, and retries each once', async () => {
      const log = recording();
      const { client, user } = await signedIn({ mode: 'token', fetch: log.fetch });
      server.clock.advance(ACCESS_TTL_MS + 10_000);
      const responses = await Promise.all(Array.from({ length: 10 }, () => client.fetch(`${server.url}/auth/me`)));
      assert.deepEqual(responses.map((r) => r.status), Array<number>(10).fill(200));
      assert.equal(log.refreshes(), 1, 'one refresh for all ten');
      assert.equal(log.count('GET', '/auth/me'), 20, 'each call sent twice: refused once, retried once');
      assert.deepEqual(client.user, user);
    });

    it('retries once and never loops when the retry is refused too', async () => {
      // Another service (a real one, not Gatehouse) that refuses every token: the client cannot tell, so it renews once.
      const { createServer } = await import('node:http');
      const api = createServer((_request, response) => response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"code":"unauthenticated","message":"no"}}'));
      await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
      try {
        const address = api.address();
        const apiUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/data`;
        const log = recording();
        const { client } = await signedIn({ mode: 'token', fetch: log.fetch });
        const response = await client.fetch(apiUrl, { method: 'POST', body: '{"x":1}', headers: { 'content-type': 'application/json' } });
        assert.equal(response.status, 401);
        assert.equal(log.count('POST', '/data'), 2, 'sent, then sent once more with the renewed token');
        assert.equal(log.refreshes(), 1);
        const [first, second] = log.calls.filter((c) => c.path === '/data');
        assert.notEqual(first?.headers.get('authorization'), second?.headers.get('authorization'));
        assert.equal(second?.body, '{"x":1}', 'the body went again');
        assert.ok(client.user, 'the refresh worked, so the client is still signed in');
      } finally {
        await new Promise<void>((resolve) => api.close(() => resolve()));
      }
    });

    it('gives up on refresh_token_reused: signed out (onChange(null)), the tokens dropped, no retry', async () => {
      const log = recording();
      const storage = memoryStorage();
      const { client, email } = await signedIn({ mode: 'token', fetch: log.fetch, storage, name: 'reuse' });
      const seen = changes(client);
      // Someone else (a thief, or a stale copy) spends the client's refresh token first.
      const stored = JSON.parse(storage.items.get('reuse') ?? '{}') as { refresh?: string };
      const stolen = await createHttpClient(server).post('/auth/refresh', { refresh_token: stored.refresh });
      assert.equal(stolen.status, 200);
      server.clock.advance(ACCESS_TTL_MS + 10_000);

      const response = await client.fetch(`${server.url}/auth/me`);
      assert.equal(response.status, 401);
      assert.deepEqual(log.calls.slice(-2).map((c) => [c.method, c.path, c.status, c.code]), [
        ['GET', '/auth/me', 401, 'unauthenticated'],
        ['POST', '/auth/refresh', 401, 'refresh_token_reused'],
      ]);
      assert.equal(client.user, null);
      assert.deepEqual(seen, [null]);
      assert.doesNotMatch(storage.items.get('reuse') ?? '', /refresh|access/, 'no token left in storage');
      assert.equal((await client.fetch(`${server.url}/auth/me`)).status, 401);
      assert.equal(log.refreshes(), 1, 'signed out: nothing left to refresh');
      assert.ok(email);
    });

    it('signs out when the refresh is refused because the family was revoked (logout everywhere on another device)', async () => {
      const { client, email } = await signedIn({ mode: 'token' });
      const other = open({ mode: 'token' });
      await other.login({ email, password: PASSWORD });
      const out = nextChange(client, null);
      await other.logoutAll();
      assert.equal(await client.me(), null);
      await out;
      assert.equal(client.user, null);
    });

    it('keeps the tokens when a refresh fails rather than is refused (429): client.fetch rejects, a later call works', async () => {
      const limited = await startTestServer({ options: { refreshGraceSeconds: 0, refreshFamilyLimit: 1, rateLimitWindowSeconds: 3600, logLevel: 'warn' } });
      try {
        const client = createClient({ baseUrl: limited.url, mode: 'token', channel: null, locks: null });
        opened.push(client);
        const email = freshEmail();
        await client.register({ email, password: PASSWORD });
        await client.login({ email, password: PASSWORD });
        limited.clock.advance(ACCESS_TTL_MS + 10_000);
        assert.equal((await client.fetch(`${limited.url}/auth/me`)).status, 200, 'the first refresh of the window');
        limited.clock.advance(ACCESS_TTL_MS + 10_000);
        await assert.rejects(client.fetch(`${limited.url}/auth/me`), { name: 'GatehouseClientError', status: 429, code: 'rate_limited' });
        assert.equal(client.user?.email, email, 'still signed in');
        limited.clock.advance(3600_000); // the next rate-limit window
        assert.equal((await client.fetch(`${limited.url}/auth/me`)).status, 200);
      } finally {
        await limited.close();
      }
    });

    it('renews ahead of expiry on its injected clock, so the request goes once', async () => {
      const log = recording();
      const clock = fakeClock(Date.now());
      const { client } = await signedIn({ mode: 'token', fetch: log.fetch, clock });
      clock.advance(ACCESS_TTL_MS - 31_000); // not yet within 30 s of expiry
      assert.equal((await client.fetch(`${server.url}/auth/me`)).status, 200);
      assert.equal(log.refreshes(), 0);
      clock.advance(2_000);
      server.clock.advance(ACCESS_TTL_MS); // the old token would be refused now
      assert.equal((await client.fetch(`${server.url}/auth/me`)).status, 200);
      assert.equal(log.refreshes(), 1);
      assert.deepEqual(log.calls.slice(-2).map((c) => [c.path, c.status]), [['/auth/refresh', 200], ['/auth/me', 200]]);
    });

    it('with a storage, the sign-in survives a reload (a new client on the same storage)', async () => {
      const storage = memoryStorage();
      const { client, user } = await signedIn({ mode: 'token', storage, name: 'reload' });
      client.close();
      const reloaded = open({ mode: 'token', storage, name: 'reload' });
      assert.deepEqual(reloaded.user, user);
      assert.deepEqual(await reloaded.me(), user);
      await reloaded.logout();
      assert.doesNotMatch(storage.items.get('reload') ?? '', /access|refresh/);
      assert.equal(open({ mode: 'token', storage, name: 'reload' }).user, null);
    });

    it('without a storage, a reload (a new client, no other tab) starts signed out', async () => {
      await signedIn({ mode: 'token', name: 'alone' });
      const reloaded = open({ mode: 'token', name: 'alone' });
      assert.equal(await reloaded.me(), null);
    });
  });

  describe('token mode across tabs (two clients on one BroadcastChannel name and one lock)', () => {
    const tabs = (count: number, options: Partial<ClientOptions> = {}) => {
      const name = `tabs-${randomUUID()}`;
      const locks = inProcessLocks();
      const log = recording();
      const make = () => open({ mode: 'token', name, locks, channel: undefined, fetch: log.fetch, ...options });
      return { log, make, all: Array.from({ length: count }, make) };
    };

    it('a new tab asks the others for the tokens and is signed in once ready', async () => {
      const { log, make } = tabs(0);
      const first = make();
      const email = freshEmail();
      await first.register({ email, password: PASSWORD });
      await first.login({ email, password: PASSWORD });
      const second = make();
      await second.ready;
      assert.equal(second.user?.email, email);
      assert.equal((await second.me())?.email, email);
      assert.equal(log.count('POST', '/auth/login'), 1);
    });

    it('two tabs whose access tokens expired at once spend the refresh token once, and both go on', async () => {
      const { log, all } = tabs(2);
      const [a, b] = all as [ReturnType<typeof open>, ReturnType<typeof open>];
      const email = freshEmail();
      await a.register({ email, password: PASSWORD });
      await a.login({ email, password: PASSWORD });
      await b.ready;
      await nextTick(() => b.user !== null);
      for (let round = 1; round <= 3; round++) {
        server.clock.advance(ACCESS_TTL_MS + 10_000);
        const responses = await Promise.all([a, b, a, b, a, b].map((tab) => tab.fetch(`${server.url}/auth/me`)));
        assert.deepEqual(responses.map((r) => r.status), [200, 200, 200, 200, 200, 200], `round ${round}`);
        assert.equal(log.refreshes(), round, `one refresh per round between both tabs (round ${round}) ${JSON.stringify(log.calls.map((c) => [c.path, c.status, c.code]))}`);
      }
      assert.deepEqual(log.calls.filter((c) => c.code === 'refresh_token_reused'), []);
      assert.equal(a.user?.email, email);
      assert.equal(b.user?.email, email);
    });

    it('a logout in one tab signs the other out', async () => {
      const { all } = tabs(2);
      const [a, b] = all as [ReturnType<typeof open>, ReturnType<typeof open>];
      const email = freshEmail();
      await a.register({ email, password: PASSWORD });
      await a.login({ email, password: PASSWORD });
      await nextTick(() => b.user !== null);
      const out = nextChange(b, null);
      await a.logout();
      await out;
      assert.equal(b.user, null);
      assert.equal(await b.me(), null);
    });
  });

  describe('hybrid mode (cookies in a jar around the real fetch)', () => {
    it('sends X-CSRF-Token on unsafe methods only, refreshes through the cookie once for all callers, logs out', async () => {
      const log = recording(withCookies());
      const { client, email } = await signedIn({ mode: 'hybrid', fetch: log.fetch });
      assert.equal((await client.fetch(`${server.url}/auth/me`)).status, 200);
      assert.equal(log.calls.at(-1)?.headers.get('x-csrf-token'), null, 'GET: no CSRF header');
      assert.equal((await client.fetch(`${server.url}/auth/sessions/nope`, { method: 'DELETE' })).status, 404, 'authenticated, CSRF accepted');
      assert.ok(log.calls.at(-1)?.headers.get('x-csrf-token'));

      server.clock.advance(ACCESS_TTL_MS + 10_000);
      const responses = await Promise.all(Array.from({ length: 5 }, () => client.fetch(`${server.url}/auth/me`)));
      assert.deepEqual(responses.map((r) => r.status), [200, 200, 200, 200, 200]);
      const refreshes = log.calls.filter((c) => c.path === '/auth/refresh');
      assert.equal(refreshes.length, 1);
      assert.equal(refreshes[0]?.body, undefined, 'no body: the refresh cookie');
      assert.ok(refreshes[0]?.headers.get('x-csrf-token'));

      assert.equal((await client.me())?.email, email);
      await client.logout();
      assert.equal(client.user, null);
      assert.equal(await client.me(), null);
    });

    it('signs out when the refresh cookie is refused (the family outlived)', async () => {
      const { client } = await signedIn({ mode: 'hybrid', fetch: withCookies() });
      const out = nextChange(client, null);
      server.clock.advance(31 * 24 * 3600 * 1000);
      assert.equal((await client.fetch(`${server.url}/auth/me`)).status, 401);
      await out;
    });
  });

  describe('session mode (cookies in a jar around the real fetch)', () => {
    it('takes the CSRF token from the login answer, or from GET /auth/csrf, and never refreshes', async () => {
      const jar = new Map<string, string>();
      const log = recording(withCookies(jar));
      const { client, email } = await signedIn({ mode: 'session', fetch: log.fetch });
      assert.equal((await client.fetch(`${server.url}/auth/sessions/nope`, { method: 'DELETE' })).status, 404);
      assert.equal(log.count('GET', '/auth/csrf'), 0, 'the login answer gave it');

      // Another page load on the same cookies: nothing in memory, so the token comes from GET /auth/csrf.
      const reloaded = open({ mode: 'session', fetch: log.fetch });
      assert.equal((await reloaded.fetch(`${server.url}/auth/sessions/nope`, { method: 'DELETE' })).status, 404);
      assert.equal(log.count('GET', '/auth/csrf'), 1);
      assert.equal((await reloaded.me())?.email, email);
      assert.equal((await reloaded.sessions()).filter((s) => s.current).length, 1);

      await reloaded.logoutAll();
      assert.equal(reloaded.user, null);
      assert.equal(await client.me(), null, 'the other page load is signed out too (the session is gone)');
      assert.equal(log.refreshes(), 0);
    });
  });

  describe('the second factor (SPEC §6)', () => {
    /** The TOTP code of `secret` at the server's clock, `offset` steps away. */
    const codeAt = (secret: string, offset = 0) =>
      generateHOTP(decodeBase32IgnorePadding(secret), BigInt(Math.floor(server.clock() / 30_000) + offset), 6);
    /** A six-digit code that is none of the window's. */
    const wrongCode = (secret: string) => ['000000', '111111', '222222', '333333'].find((c) => ![-1, 0, 1].some((o) => codeAt(secret, o) === c)) ?? '';
    const refusedWith = (code: string) => (error: unknown) => error instanceof GatehouseClientError && error.code === code;

    /** A client that turned TOTP on through client.totp, then signed out; its secret and recovery codes. */
    async function withTotp(options: Partial<ClientOptions> & Pick<ClientOptions, 'mode'>) {
      const { client, email } = await signedIn(options);
      const { secret, otpauthUrl } = await client.totp.setup();
      assert.match(otpauthUrl, /^otpauth:\/\/totp\/Gatehouse:/);
      await assert.rejects(client.totp.enable(wrongCode(secret)), refusedWith('invalid_code'));
      assert.ok(client.user, 'a wrong code does not sign out');
      const { recoveryCodes } = await client.totp.enable(codeAt(secret));
      assert.equal(recoveryCodes.length, 10);
      server.clock.advance(30_000); // the enabling code's step is spent
      await client.logout();
      return { client, email, secret, recoveryCodes };
    }

    for (const mode of ['session', 'token', 'hybrid'] as const) {
      it(`${mode} mode: login returns the MFA step and keeps nothing; loginMfa signs in as login does`, async () => {
        const log = recording(mode === 'token' ? undefined : withCookies());
        const { client, email, secret } = await withTotp({ mode, fetch: log.fetch });
        const seen = changes(client);
        const step = await client.login({ email, password: PASSWORD });
        assert.ok('mfaRequired' in step);
        assert.deepEqual(step.methods, ['totp', 'recovery_code']);
        assert.equal(client.user, null);
        assert.equal(await client.me(), null, 'no credential yet');
        await assert.rejects(client.loginMfa({ mfaToken: step.mfaToken, code: wrongCode(secret) }), refusedWith('invalid_code'));
        assert.equal(client.user, null);
        const user = await client.loginMfa({ mfaToken: step.mfaToken, code: codeAt(secret) });
        assert.equal(user.email, email);
        assert.deepEqual(seen, [email]);
        assert.equal((await client.me())?.email, email);
        assert.equal(log.calls.find((c) => c.path === '/auth/login/mfa' && c.status === 200)?.body?.includes('"mode"'), false, 'the mode is the first step\'s');
        assert.equal((await client.fetch(`${server.url}/auth/sessions/nope`, { method: 'DELETE' })).status, 404, 'the credential (and CSRF token) work');
        await client.logout();
        assert.equal(client.user, null);
      });
    }

    it('a recovery code signs in once; totp.disable turns TOTP off', async () => {
      const { client, email, recoveryCodes } = await withTotp({ mode: 'token' });
      const code = recoveryCodes[0] ?? '';
      const first = await client.login({ email, password: PASSWORD });
      assert.ok('mfaRequired' in first);
      assert.equal((await client.loginMfa({ mfaToken: first.mfaToken, recoveryCode: code })).email, email);
      const again = await client.login({ email, password: PASSWORD });
      assert.ok('mfaRequired' in again);
      await assert.rejects(client.loginMfa({ mfaToken: again.mfaToken, recoveryCode: code }), refusedWith('invalid_code'));
      await assert.rejects(client.loginMfa({ mfaToken: 'spent.token', code: '123456' }), refusedWith('invalid_token'));
      assert.equal((await client.loginMfa({ mfaToken: again.mfaToken, recoveryCode: recoveryCodes[1] ?? '' })).email, email);
      await client.totp.disable();
      await client.logout();
      const plain = await client.login({ email, password: PASSWORD });
      assert.equal('mfaRequired' in plain, false);
    });
  });
});

/** Waits (briefly) until `condition` holds: messages between clients arrive on the event loop. */
async function nextTick(condition: () => boolean) {
  for (let i = 0; i < 100 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(condition(), 'the other tab never heard');
}
