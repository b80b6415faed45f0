// Hybrid mode over a real socket: the login's body and exact cookies, refresh from the refresh cookie with
// the family-bound CSRF token (and every way to forge one refused with nothing rotated), reuse after the
// grace window, logout from the access cookie or from the refresh cookie alone, logout-all, a login ending
// the browser's previous cookie credential, the one-credential precedence rule, and CSRF tokens not
// crossing between modes. The access JWT of the cookie verifies through the JWKS like any other. A refresh or
// logout from the refresh cookie reads that token from the store once (counted on a wrapped memory store).
// Over 300 lines: the whole hybrid contract in one place, sharing its cookie helpers; split, they would be copied.
import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../src/core/store.js';
import { createMemoryStore } from '../src/stores/memory/index.js';
import { createClient, errorCode, PASSWORD, register, startTestServer, type ApiResponse, type Client, type TestServer } from './helpers.js';

const ACCESS = '__Host-gh_access';
const REFRESH = '__Secure-gh_refresh';
const CSRF = '__Host-gh_csrf';
const SESSION = '__Host-gh_session';
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const OPAQUE = /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/;
const MONTH = 30 * 24 * 3600;

interface Hybrid { client: Client; userId: string; csrfToken: string; access: string; refresh: string; familyId: string; login: ApiResponse }

/** Each Set-Cookie line by cookie name. */
const byName = (response: ApiResponse) => new Map(response.setCookies.map((c) => [c.slice(0, c.indexOf('=')), c]));
const valueOf = (line: string | undefined) => (line ?? '').split(';')[0]!.split('=').slice(1).join('=');
const cookieOnly = (cookie: string, headers: Record<string, string> = {}) => ({ noCookies: true, headers: { cookie, ...headers } });
const csrf = (token: string) => ({ 'x-csrf-token': token });

async function hybridLogin(server: TestServer, email: string, client = createClient(server, { browser: true })): Promise<Hybrid> {
  const login = await client.post('/auth/login', { email, password: PASSWORD, mode: 'hybrid' });
  assert.equal(login.status, 200, login.text);
  const body = login.body as { user: { id: string }; csrfToken: string };
  const access = client.jar.get(ACCESS)!;
  const me = await client.get('/auth/me', cookieOnly(`${ACCESS}=${access}`));
  assert.equal(me.status, 200, me.text);
  const familyId = (me.body as { auth: { sessionId: string } }).auth.sessionId;
  return { client, userId: body.user.id, csrfToken: body.csrfToken, access, refresh: client.jar.get(REFRESH)!, familyId, login };
}

async function sessionLogin(server: TestServer, email: string, client = createClient(server, { browser: true })) {
  const login = await client.post('/auth/login', { email, password: PASSWORD });
  assert.equal(login.status, 200, login.text);
  return { client, login, token: client.jar.get(SESSION)!, csrfToken: (login.body as { csrfToken: string }).csrfToken };
}

/** POST /auth/refresh from the page: only the refresh cookie (Path=/auth), same-origin unless overridden. */
const refreshWith = (server: TestServer, refresh: string, headers: Record<string, string | undefined> = {}) =>
  createClient(server, { browser: true }).request('POST', '/auth/refresh', { noCookies: true, headers: { cookie: `${REFRESH}=${refresh}`, ...headers } });
const meWith = (server: TestServer, cookie: string, headers: Record<string, string> = {}) => createClient(server).get('/auth/me', cookieOnly(cookie, headers));

/** Signature through node:crypto and the published JWKS only; the payload, or null. */
async function verifyWithJwks(server: TestServer, token: string): Promise<Record<string, unknown> | null> {
  const jwks = (await createClient(server).get('/.well-known/jwks.json')).body as { keys: { kid: string; x: string }[] };
  const [h, p, s] = token.split('.') as [string, string, string];
  const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { kid: string; alg: string; typ: string };
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (!jwk || header.alg !== 'EdDSA' || header.typ !== 'at+jwt') return null;
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' });
  if (!verify(null, Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'))) return null;
  return JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
}

describe('hybrid mode', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  const familyRevoked = async (familyId: string) => (await server.store.refreshTokens.getFamily(familyId))?.revokedAt !== null;
  const spent = async (refresh: string) => (await server.store.refreshTokens.getToken(refresh.split('.')[0]!))?.usedAt !== null;

  it('logs in: body {user, csrfToken, expires_in}, tokens only in exact cookies, the JWT verifying via the JWKS', async () => {
    const h = await hybridLogin(server, await register(server));
    assert.deepEqual(Object.keys(h.login.body as object).sort(), ['csrfToken', 'expires_in', 'user']);
    assert.equal((h.login.body as { expires_in: number }).expires_in, 900);
    assert.match(h.csrfToken, /^[A-Za-z0-9_-]{43}$/);
    assert.match(h.access, JWT);
    assert.match(h.refresh, OPAQUE);
    assert.ok(!h.login.text.includes(h.access) && !h.login.text.includes(h.refresh), 'no token in the body');

    const cookies = byName(h.login);
    assert.equal(h.login.setCookies.length, 4);
    assert.equal(cookies.get(ACCESS), `${ACCESS}=${h.access}; Max-Age=900; Path=/; HttpOnly; Secure; SameSite=Lax`);
    assert.equal(cookies.get(REFRESH), `${REFRESH}=${h.refresh}; Max-Age=${MONTH}; Path=/auth; HttpOnly; Secure; SameSite=Strict`);
    assert.equal(cookies.get(CSRF), `${CSRF}=${h.csrfToken}; Max-Age=${MONTH}; Path=/; Secure; SameSite=Lax`);
    assert.equal(cookies.get(SESSION), `${SESSION}=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax`);

    const me = await meWith(server, `${ACCESS}=${h.access}`);
    assert.equal(me.status, 200);
    const auth = (me.body as { auth: { mode: string; sessionId: string } }).auth;
    assert.equal(auth.mode, 'hybrid');
    assert.equal((await server.store.refreshTokens.getFamily(auth.sessionId))?.mode, 'hybrid');

    const payload = await verifyWithJwks(server, h.access);
    assert.ok(payload, 'the cookie JWT verifies with node:crypto and the JWKS');
    assert.equal(payload['sub'], h.userId);
    assert.equal(payload['sid'], h.familyId);
    assert.equal((payload['exp'] as number) - (payload['iat'] as number), 900);
    const bearer = await createClient(server).get('/auth/me', { headers: { authorization: `Bearer ${h.access}` } });
    assert.equal((bearer.body as { auth: { mode: string } }).auth.mode, 'token', 'the same JWT works as a bearer token');
  });

  it('refreshes from the refresh cookie alone with the family CSRF token and a same Origin', async () => {
    const h = await hybridLogin(server, await register(server));
    server.clock.advance(60_000);
    const response = await refreshWith(server, h.refresh, csrf(h.csrfToken));
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.body, { csrfToken: h.csrfToken, expires_in: 900 });
    const cookies = byName(response);
    const access = valueOf(cookies.get(ACCESS));
    const refresh = valueOf(cookies.get(REFRESH));
    assert.match(access, JWT);
    assert.match(refresh, OPAQUE);
    assert.notEqual(access, h.access);
    assert.notEqual(refresh, h.refresh);
    assert.match(cookies.get(REFRESH)!, /; Path=\/auth; HttpOnly; Secure; SameSite=Strict$/);
    assert.ok(await spent(h.refresh), 'the presented refresh token is spent');
    const me = await meWith(server, `${ACCESS}=${access}`);
    assert.equal((me.body as { auth: { sessionId: string } }).auth.sessionId, h.familyId, 'same family');
  });

  it('refuses forged refreshes with 403 and rotates nothing: the old cookie still works afterwards', async () => {
    const h = await hybridLogin(server, await register(server));
    const other = await hybridLogin(server, await register(server));
    const host = new URL(server.url).host;
    const attacks: [string, Record<string, string | undefined>][] = [
      ['no CSRF header', {}],
      ['a wrong token', csrf('A'.repeat(43))],
      ["another family's token", csrf(other.csrfToken)],
      ['a foreign Origin', { ...csrf(h.csrfToken), origin: 'https://evil.example' }],
      ['a null Origin', { ...csrf(h.csrfToken), origin: 'null' }],
      ['another loopback origin', { ...csrf(h.csrfToken), origin: `http://${host.replace('127.0.0.1', 'localhost')}` }],
      ['another port', { ...csrf(h.csrfToken), origin: `https://127.0.0.1:${Number(new URL(server.url).port) + 1}` }],
      ['Sec-Fetch-Site: cross-site', { ...csrf(h.csrfToken), origin: undefined, 'sec-fetch-site': 'cross-site' }],
      ['Sec-Fetch-Site: same-site', { ...csrf(h.csrfToken), origin: undefined, 'sec-fetch-site': 'same-site' }],
    ];
    for (const [name, headers] of attacks) {
      const response = await refreshWith(server, h.refresh, headers);
      assert.equal(response.status, 403, name);
      assert.equal(errorCode(response), 'csrf_failed', name);
      assert.deepEqual(response.setCookies, [], name);
    }
    assert.ok(!(await spent(h.refresh)), 'nothing rotated');
    assert.equal((await refreshWith(server, h.refresh, csrf(h.csrfToken))).status, 200);
  });

  it('a retry inside the grace window gets the same successor; a spent cookie after it is reuse and ends the family', async () => {
    const h = await hybridLogin(server, await register(server));
    const first = await refreshWith(server, h.refresh, csrf(h.csrfToken));
    const successor = valueOf(byName(first).get(REFRESH));
    const retry = await refreshWith(server, h.refresh, csrf(h.csrfToken));
    assert.equal(retry.status, 200);
    assert.equal(valueOf(byName(retry).get(REFRESH)), successor);

    server.clock.advance(6_000);
    const reused = await refreshWith(server, h.refresh, csrf(h.csrfToken));
    assert.equal(reused.status, 401);
    assert.equal(errorCode(reused), 'refresh_token_reused');
    assert.ok(await familyRevoked(h.familyId));
    assert.equal((await meWith(server, `${ACCESS}=${valueOf(byName(first).get(ACCESS))}`)).status, 401, 'its access tokens die');
    assert.equal((await refreshWith(server, successor, csrf(h.csrfToken))).status, 401, 'the successor is dead too');
  });

  it('logout with the access cookie needs the CSRF token, then clears all four cookies and ends the family', async () => {
    const h = await hybridLogin(server, await register(server));
    const refused = await h.client.post('/auth/logout');
    assert.equal(refused.status, 403);
    assert.equal(errorCode(refused), 'csrf_failed');
    assert.ok(!(await familyRevoked(h.familyId)), 'the family survives');
    assert.equal((await meWith(server, `${ACCESS}=${h.access}`)).status, 200);

    const logout = await h.client.post('/auth/logout', undefined, { headers: h.client.csrfHeaders() });
    assert.equal(logout.status, 204);
    const cleared = byName(logout);
    assert.deepEqual([...cleared.keys()].sort(), [ACCESS, CSRF, REFRESH, SESSION].sort());
    for (const line of cleared.values()) assert.match(line, /=; Max-Age=0; Path=\/(auth)?; Expires=Thu, 01 Jan 1970 00:00:00 GMT;/);
    assert.match(cleared.get(REFRESH)!, /Path=\/auth;.*SameSite=Strict$/);
    assert.ok(await familyRevoked(h.familyId));
    assert.equal((await meWith(server, `${ACCESS}=${h.access}`)).status, 401, 'the access token is dead');
    assert.equal((await refreshWith(server, h.refresh, csrf(h.csrfToken))).status, 401, 'the refresh cookie is dead');
  });

  it('logout with an expired access cookie but a live refresh cookie ends the family (CSRF still required)', async () => {
    const h = await hybridLogin(server, await register(server));
    server.clock.advance(906_000);
    assert.equal((await meWith(server, `${ACCESS}=${h.access}`)).status, 401, 'the access cookie has expired');
    const both = `${ACCESS}=${h.access}; ${REFRESH}=${h.refresh}`;
    for (const headers of [{}, csrf('A'.repeat(43)), { ...csrf(h.csrfToken), origin: 'https://evil.example' }]) {
      const refused = await h.client.post('/auth/logout', undefined, cookieOnly(both, headers));
      assert.equal(refused.status, 403);
      assert.equal(errorCode(refused), 'csrf_failed');
    }
    assert.ok(!(await familyRevoked(h.familyId)));

    const logout = await h.client.post('/auth/logout', undefined, cookieOnly(both, csrf(h.csrfToken)));
    assert.equal(logout.status, 204);
    assert.equal(logout.setCookies.length, 4);
    assert.ok(logout.setCookies.every((c) => /Max-Age=0/.test(c)));
    assert.ok(await familyRevoked(h.familyId), 'the family is revoked');
    assert.equal((await refreshWith(server, h.refresh, csrf(h.csrfToken))).status, 401);
  });

  it('logout-all from the hybrid cookies ends every session and family of the user', async () => {
    const email = await register(server);
    const h = await hybridLogin(server, email);
    const web = await sessionLogin(server, email);
    const token = (await createClient(server).post('/auth/login', { email, password: PASSWORD, mode: 'token' })).body as { access_token: string };
    assert.equal((await h.client.post('/auth/logout-all')).status, 403, 'CSRF required');
    const response = await h.client.post('/auth/logout-all', undefined, { headers: h.client.csrfHeaders() });
    assert.equal(response.status, 204);
    assert.ok(response.setCookies.length === 4 && response.setCookies.every((c) => /Max-Age=0/.test(c)));
    assert.equal((await meWith(server, `${ACCESS}=${h.access}`)).status, 401);
    assert.equal((await refreshWith(server, h.refresh, csrf(h.csrfToken))).status, 401);
    assert.equal((await meWith(server, `${SESSION}=${web.token}`)).status, 401);
    assert.equal((await createClient(server).get('/auth/me', { headers: { authorization: `Bearer ${token.access_token}` } })).status, 401);
  });

  it("a hybrid login ends the browser's session, and a session login ends its hybrid family", async () => {
    const email = await register(server);
    const web = await sessionLogin(server, email);
    const h = await hybridLogin(server, email, web.client);
    assert.match(byName(h.login).get(SESSION)!, /^__Host-gh_session=; Max-Age=0;/);
    assert.equal((await meWith(server, `${SESSION}=${web.token}`)).status, 401, 'the previous session has ended');

    const again = await sessionLogin(server, email, h.client);
    const cookies = byName(again.login);
    assert.equal(cookies.get(ACCESS), `${ACCESS}=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax`);
    assert.equal(cookies.get(REFRESH), `${REFRESH}=; Max-Age=0; Path=/auth; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Strict`);
    assert.equal((await meWith(server, `${ACCESS}=${h.access}`)).status, 401, 'the previous family has ended');
    assert.ok(await familyRevoked(h.familyId));
    assert.equal((await refreshWith(server, h.refresh, csrf(h.csrfToken))).status, 401);
  });

  it('one credential per request: Bearer, else the access cookie, else the session cookie; never a fall-back', async () => {
    const a = await register(server);
    const b = await register(server);
    const tokenA = ((await createClient(server).post('/auth/login', { email: a, password: PASSWORD, mode: 'token' })).body as { access_token: string }).access_token;
    const hybridA = await hybridLogin(server, a);
    const hybridB = await hybridLogin(server, b);
    const webB = await sessionLogin(server, b);
    const who = (response: ApiResponse) => {
      assert.equal(response.status, 200, response.text);
      const body = response.body as { user: { id: string }; auth: { mode: string } };
      return [body.user.id, body.auth.mode];
    };

    const bCookies = `${ACCESS}=${hybridB.access}; ${REFRESH}=${hybridB.refresh}; ${SESSION}=${webB.token}`;
    assert.deepEqual(who(await meWith(server, bCookies, { authorization: `Bearer ${tokenA}` })), [hybridA.userId, 'token']);
    assert.deepEqual(who(await meWith(server, `${SESSION}=${webB.token}; ${ACCESS}=${hybridA.access}`)), [hybridA.userId, 'hybrid']);

    const tampered = `${hybridA.access.slice(0, -4)}AAAA`;
    for (const access of ['garbage', tampered, hybridB.access.split('.').slice(0, 2).join('.') + '.']) {
      const response = await meWith(server, `${ACCESS}=${access}; ${SESSION}=${webB.token}`);
      assert.equal(response.status, 401, `no fall-back to the session cookie for ${access.slice(0, 12)}`);
    }
    // A CSRF token goes with the credential that is read: the session's token does not pass for the access cookie.
    const mixed = await createClient(server, { browser: true }).post('/auth/logout', undefined, cookieOnly(`${ACCESS}=${hybridA.access}; ${SESSION}=${webB.token}`, csrf(webB.csrfToken)));
    assert.equal(errorCode(mixed), 'csrf_failed');
    assert.equal((await meWith(server, `${SESSION}=${webB.token}`)).status, 200);
    assert.equal((await meWith(server, `${ACCESS}=${hybridA.access}`)).status, 200);
  });

  it("a session's CSRF token is not accepted for a hybrid family, nor the family's for a session", async () => {
    const email = await register(server);
    const h = await hybridLogin(server, email);
    const web = await sessionLogin(server, email);
    const page = createClient(server, { browser: true });

    const hybridLogout = await page.post('/auth/logout', undefined, cookieOnly(`${ACCESS}=${h.access}; ${REFRESH}=${h.refresh}`, csrf(web.csrfToken)));
    assert.equal(errorCode(hybridLogout), 'csrf_failed');
    const refreshOnlyLogout = await page.post('/auth/logout', undefined, cookieOnly(`${REFRESH}=${h.refresh}`, csrf(web.csrfToken)));
    assert.equal(errorCode(refreshOnlyLogout), 'csrf_failed');
    assert.equal(errorCode(await refreshWith(server, h.refresh, csrf(web.csrfToken))), 'csrf_failed');
    const sessionLogout = await page.post('/auth/logout', undefined, cookieOnly(`${SESSION}=${web.token}`, csrf(h.csrfToken)));
    assert.equal(errorCode(sessionLogout), 'csrf_failed');

    assert.ok(!(await familyRevoked(h.familyId)) && !(await spent(h.refresh)));
    assert.equal((await meWith(server, `${SESSION}=${web.token}`)).status, 200);
    assert.equal((await meWith(server, `${ACCESS}=${h.access}`)).status, 200);
  });
});

/** The store, with every call counted by `part.method` (the real memory store underneath, unchanged). */
function countingStore(store: Store): { store: Store; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const counted = <T extends object>(part: T, name: string): T => {
    const wrapped: Record<string, unknown> = {};
    for (const [method, fn] of Object.entries(part) as [string, (...args: unknown[]) => unknown][]) {
      wrapped[method] = (...args: unknown[]) => {
        calls.set(`${name}.${method}`, (calls.get(`${name}.${method}`) ?? 0) + 1);
        return fn.apply(part, args);
      };
    }
    return wrapped as T;
  };
  return {
    calls,
    store: {
      ...store,
      kind: store.kind,
      users: counted(store.users, 'users'),
      sessions: counted(store.sessions, 'sessions'),
      rateLimits: counted(store.rateLimits, 'rateLimits'),
      keys: counted(store.keys, 'keys'),
      refreshTokens: counted(store.refreshTokens, 'refreshTokens'),
      revocations: counted(store.revocations, 'revocations'),
    },
  };
}

describe('hybrid mode: store reads', () => {
  let server: TestServer;
  let calls: Map<string, number>;
  before(async () => {
    const counting = countingStore(createMemoryStore());
    calls = counting.calls;
    server = await startTestServer({ store: counting.store });
  });
  after(() => server.close());
  const seen = () => JSON.stringify(Object.fromEntries(calls));

  it('a refresh from the cookie reads the refresh token from the store once, refused or not', async () => {
    const h = await hybridLogin(server, await register(server));
    calls.clear();
    const refreshed = await refreshWith(server, h.refresh, csrf(h.csrfToken));
    assert.equal(refreshed.status, 200, refreshed.text);
    assert.equal(calls.get('refreshTokens.getToken'), 1, seen());
    assert.equal(calls.get('refreshTokens.rotate'), 1, seen());

    const next = valueOf(byName(refreshed).get(REFRESH));
    calls.clear();
    const forged = await refreshWith(server, next, csrf('A'.repeat(43)));
    assert.equal(errorCode(forged), 'csrf_failed');
    assert.equal(calls.get('refreshTokens.getToken'), 1, seen());
    assert.equal(calls.get('refreshTokens.rotate'), undefined, 'nothing rotated');
  });

  it('a logout from the refresh cookie alone reads it once too', async () => {
    const h = await hybridLogin(server, await register(server));
    calls.clear();
    const logout = await h.client.post('/auth/logout', undefined, cookieOnly(`${REFRESH}=${h.refresh}`, csrf(h.csrfToken)));
    assert.equal(logout.status, 204, logout.text);
    assert.equal(calls.get('refreshTokens.getToken'), 1, seen());
    assert.equal(calls.get('refreshTokens.revokeFamily'), 1, seen());
  });
});
