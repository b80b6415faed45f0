// Step-up (SPEC §6) over real sockets: every sensitive endpoint (password change, email change, account deletion,
// the admin API) refuses a proof older than GATEHOUSE_STEP_UP_MAX_AGE with 403 reauthentication_required, and takes
// it after POST /auth/reauthenticate, with a session cookie, a bearer token and hybrid cookies alike; a wrong
// password there is a login failure (counted, audited) that signs nobody out. Access tokens carry auth_time and amr
// (refreshed tokens keep the family's, the exchange token the session's), and createVerifier demands a recent or
// strong one on request. The browser client's reauthenticate takes the fresh access token.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import { generateHOTP } from '@oslojs/otp';
import { createClient as createBrowserClient, GatehouseClientError } from '../src/client/index.js';
import type { GatehouseError } from '../src/core/errors.js';
import { createVerifier } from '../src/verify/verifier.js';
import { createClient, errorCode, PASSWORD, startTestServer, type ApiResponse, type Client, type TestServer } from './helpers.js';

const MINUTE = 60_000;
const NEW_PASSWORD = 'a completely different passphrase 42';
type Mode = 'session' | 'token' | 'hybrid';

/** The claims of an access token, unverified (the verifier tests check signatures). */
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { auth_time?: number; amr?: string[]; sid: string };
const seconds = (ms: number) => Math.floor(ms / 1000);

/** A signed-in user in `mode`, and how to call the API with its credential (bearer, or cookies with CSRF). */
async function signedInAs(server: TestServer, mode: Mode) {
  const email = `step-up-${randomUUID()}@example.com`;
  const http = createClient(server, { browser: true });
  assert.equal((await http.post('/auth/register', { email, password: PASSWORD })).status, 201);
  const login = await http.post('/auth/login', { email, password: PASSWORD, mode });
  assert.equal(login.status, 200, login.text);
  let access = (login.body as { access_token?: string }).access_token;
  const headers = (): Record<string, string> => (mode === 'token' ? { authorization: `Bearer ${access ?? ''}` } : http.csrfHeaders());
  const call = (method: string, path: string, body?: unknown): Promise<ApiResponse> =>
    http.request(method, path, { headers: headers(), ...(body === undefined ? {} : { body }), noCookies: mode === 'token' });
  return {
    email,
    http,
    call,
    /** POST /auth/reauthenticate; token mode takes the fresh access token. */
    async reauthenticate(body: unknown) {
      const response = await call('POST', '/auth/reauthenticate', body);
      const fresh = (response.body as { access_token?: string } | null)?.access_token;
      if (fresh) access = fresh;
      return response;
    },
    access: () => access ?? (mode === 'hybrid' ? http.jar.get('__Host-gh_access') : undefined),
    refresh: () => (mode === 'token' ? (login.body as { refresh_token: string }).refresh_token : undefined),
  };
}

function refused(response: ApiResponse, what: string): void {
  assert.equal(response.status, 403, `${what}: ${response.text}`);
  assert.equal(errorCode(response), 'reauthentication_required', what);
}

describe('step-up over HTTP', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  for (const mode of ['session', 'token', 'hybrid'] as const) {
    it(`${mode}: password change, email change and account deletion need a proof under 10 minutes old; reauthenticate renews it`, async () => {
      const user = await signedInAs(server, mode);
      // Fresh from the login: a sensitive operation passes.
      server.clock.advance(9 * MINUTE);
      assert.equal((await user.call('POST', '/auth/email/change', { newEmail: `new-${randomUUID()}@example.com`, currentPassword: PASSWORD })).status, 202);

      server.clock.advance(2 * MINUTE); // 11 minutes: the access token (15 min) still works, the proof is too old
      const me = await user.call('GET', '/auth/me');
      assert.equal(me.status, 200);
      const loggedInAt = mode === 'session' ? server.clock() - 11 * MINUTE : seconds(server.clock() - 11 * MINUTE) * 1000;
      assert.deepEqual((me.body as { auth: { authTime: string; amr: string[] } }).auth.amr, ['pwd']);
      assert.equal((me.body as { auth: { authTime: string } }).auth.authTime, new Date(loggedInAt).toISOString());
      refused(await user.call('POST', '/auth/password', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD }), 'password change');
      refused(await user.call('POST', '/auth/email/change', { newEmail: `new-${randomUUID()}@example.com`, currentPassword: PASSWORD }), 'email change');
      refused(await user.call('DELETE', '/auth/account', { currentPassword: PASSWORD }), 'account deletion');

      // A wrong password is a login failure, nothing more: still signed in, still refused.
      const wrong = await user.reauthenticate({ password: 'not the password at all' });
      assert.equal(wrong.status, 401, wrong.text);
      assert.equal(errorCode(wrong), 'invalid_credentials');
      assert.equal((await user.call('GET', '/auth/me')).status, 200);
      refused(await user.call('POST', '/auth/password', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD }), 'after a wrong password');

      const renewed = await user.reauthenticate({ password: PASSWORD });
      assert.equal(renewed.status, 200, renewed.text);
      const body = renewed.body as { authTime: string; amr: string[]; access_token?: string; token_type?: string; expires_in?: number };
      assert.equal(body.authTime, new Date(server.clock()).toISOString());
      assert.deepEqual(body.amr, ['pwd']);
      if (mode === 'token') {
        assert.equal(body.token_type, 'Bearer');
        assert.equal(body.expires_in, 900);
        assert.equal(claimsOf(body.access_token ?? '').auth_time, seconds(server.clock()));
      } else {
        assert.equal(body.access_token, undefined, 'no token in a cookie mode\'s body');
      }
      if (mode === 'hybrid') {
        assert.equal(renewed.setCookies.length, 1, 'only the access cookie is renewed');
        assert.match(renewed.setCookies[0] ?? '', /^__Host-gh_access=[^;]+; Max-Age=900; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
        assert.equal(claimsOf(user.access() ?? '').auth_time, seconds(server.clock()));
      }

      assert.equal((await user.call('POST', '/auth/email/change', { newEmail: `new-${randomUUID()}@example.com`, currentPassword: PASSWORD })).status, 202);
      assert.equal((await user.call('POST', '/auth/password', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD })).status, 204);
      server.clock.advance(9 * MINUTE);
      assert.equal((await user.call('DELETE', '/auth/account', { currentPassword: NEW_PASSWORD })).status, 204);
      assert.equal((await createClient(server).post('/auth/login', { email: user.email, password: NEW_PASSWORD })).status, 401, 'the account is gone');
    });
  }

  it('reauthenticate: exactly one of password and code, a credential and (cookies) CSRF; a code without a factor is invalid_code', async () => {
    const user = await signedInAs(server, 'session');
    for (const body of [{}, { password: PASSWORD, code: '123456' }, { password: '' }, { password: 5 }, { code: null }]) {
      const response = await user.reauthenticate(body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(errorCode(response), 'invalid_request');
    }
    const anonymous = await createClient(server, { browser: true }).post('/auth/reauthenticate', { password: PASSWORD });
    assert.equal(errorCode(anonymous), 'unauthenticated');
    const noCsrf = await user.http.post('/auth/reauthenticate', { password: PASSWORD });
    assert.equal(errorCode(noCsrf), 'csrf_failed');
    const code = await user.reauthenticate({ code: '123456' });
    assert.equal(code.status, 401, code.text);
    assert.equal(errorCode(code), 'invalid_code');
  });

  it('{code}: an authenticator code renews the proof as otp; the methods still recent are kept, in the token too', async () => {
    const user = await signedInAs(server, 'token');
    const setup = await user.call('POST', '/auth/mfa/totp/setup');
    assert.equal(setup.status, 200, setup.text);
    const key = decodeBase32IgnorePadding((setup.body as { secret: string }).secret);
    const code = () => generateHOTP(key, BigInt(Math.floor(server.clock() / 30_000)), 6);
    assert.equal((await user.call('POST', '/auth/mfa/totp/enable', { code: code() })).status, 200);

    server.clock.advance(11 * MINUTE); // the login's pwd is no longer recent
    const otp = await user.reauthenticate({ code: code() });
    assert.equal(otp.status, 200, otp.text);
    assert.deepEqual((otp.body as { amr: string[] }).amr, ['otp']);
    assert.deepEqual(claimsOf(user.access() ?? '').amr, ['otp']);
    server.clock.advance(MINUTE);
    const both = await user.reauthenticate({ password: PASSWORD });
    assert.deepEqual((both.body as { amr: string[] }).amr, ['pwd', 'otp'], 'a password a minute after a code');
    assert.deepEqual([claimsOf(user.access() ?? '').amr, claimsOf(user.access() ?? '').auth_time], [['pwd', 'otp'], seconds(server.clock())]);
  });

  it('reauthentication is audited, and a wrong password counts toward the account limit', async () => {
    const user = await signedInAs(server, 'token');
    assert.equal((await user.reauthenticate({ password: PASSWORD })).status, 200);
    const audit = await user.call('GET', '/auth/audit?limit=5');
    const events = (audit.body as { events: { type: string; details?: Record<string, unknown> }[] }).events;
    assert.equal(events[0]?.type, 'reauthenticated', JSON.stringify(events));
    for (let i = 0; i < 10; i++) assert.equal(errorCode(await user.reauthenticate({ password: `wrong password number ${i}` })), 'invalid_credentials');
    const limited = await user.reauthenticate({ password: PASSWORD });
    assert.equal(limited.status, 429, 'the per-account limit of logins applies');
    assert.ok(limited.headers.get('retry-after'));
    assert.equal((await user.call('GET', '/auth/me')).status, 200, 'still signed in');
  });

  it('access tokens carry auth_time and amr; a refresh keeps the family\'s, the exchange token the session\'s', async () => {
    const token = await signedInAs(server, 'token');
    const loggedInAt = seconds(server.clock());
    assert.deepEqual([claimsOf(token.access() ?? '').auth_time, claimsOf(token.access() ?? '').amr], [loggedInAt, ['pwd']]);
    server.clock.advance(11 * MINUTE);
    const refreshed = await createClient(server).post('/auth/refresh', { refresh_token: token.refresh() });
    assert.equal(refreshed.status, 200);
    const { access_token: afterRefresh, refresh_token: nextRefresh } = refreshed.body as { access_token: string; refresh_token: string };
    assert.equal(claimsOf(afterRefresh).auth_time, loggedInAt, 'a refresh is no proof of identity');
    assert.equal((await token.reauthenticate({ password: PASSWORD })).status, 200);
    const reauthenticatedAt = seconds(server.clock());
    server.clock.advance(MINUTE);
    const next = await createClient(server).post('/auth/refresh', { refresh_token: nextRefresh });
    assert.equal(claimsOf((next.body as { access_token: string }).access_token).auth_time, reauthenticatedAt, 'the family keeps the renewed proof');

    const session = await signedInAs(server, 'session');
    const sessionAt = seconds(server.clock());
    server.clock.advance(11 * MINUTE);
    const exchanged = await session.call('POST', '/auth/token');
    assert.equal(exchanged.status, 200, exchanged.text);
    assert.deepEqual([claimsOf((exchanged.body as { access_token: string }).access_token).auth_time, claimsOf((exchanged.body as { access_token: string }).access_token).amr], [sessionAt, ['pwd']]);
    assert.equal((await session.reauthenticate({ password: PASSWORD })).status, 200);
    const again = await session.call('POST', '/auth/token');
    assert.equal(claimsOf((again.body as { access_token: string }).access_token).auth_time, seconds(server.clock()));
  });

  it('createVerifier exposes authTime and amr and refuses a stale or weak proof with reauthentication_required', async () => {
    const verifier = createVerifier({
      jwksUrl: `${server.url}/.well-known/jwks.json`, issuer: 'gatehouse', audience: 'gatehouse', revocationsUrl: null, clock: server.clock,
    });
    try {
      const user = await signedInAs(server, 'token');
      const loggedInAt = seconds(server.clock()) * 1000;
      const access = user.access() ?? '';
      const claims = await verifier.verify(access);
      assert.deepEqual([claims?.authTime, claims?.amr, claims?.auth_time], [loggedInAt, ['pwd'], loggedInAt / 1000]);
      assert.ok(await verifier.verify(access, { maxAge: 300 }));
      assert.ok(await verifier.verify(access, { amr: ['otp', 'pwd'] }));
      const code = async (promise: Promise<unknown>) => ((await promise.then(() => null, (error: unknown) => error)) as GatehouseError | null)?.code;
      assert.equal(await code(verifier.verify(access, { amr: ['otp', 'hwk'] })), 'reauthentication_required');
      server.clock.advance(6 * MINUTE);
      assert.equal(await code(verifier.verify(access, { maxAge: 300 })), 'reauthentication_required');
      assert.ok(await verifier.verify(access, { maxAge: 600 }));
      assert.equal(await verifier.verify(`${access}x`, { maxAge: 600 }), null, 'a forged token is null, not a step-up');
      assert.equal(await code(verifier.verify(access, { maxAge: -1 })), undefined, 'a bad requirement is a programming error');
      await assert.rejects(verifier.verify(access, { maxAge: -1 }), TypeError);

      assert.equal((await user.reauthenticate({ password: PASSWORD })).status, 200);
      assert.equal((await verifier.verify(user.access() ?? '', { maxAge: 300 }))?.authTime, seconds(server.clock()) * 1000);
    } finally {
      verifier.close();
    }
  });
});

describe('step-up on the admin API', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  /** A signed-in cookie-session user, given the admin role. */
  async function admin(): Promise<{ client: Client; email: string }> {
    const user = await signedInAs(server, 'session');
    const found = await server.store.users.findByEmail(user.email);
    assert.ok(found);
    await server.store.users.setRoles(found.id, ['admin'], server.clock());
    return { client: user.http, email: user.email };
  }

  it('every /admin/ route, reads included, needs a recent proof; the role is checked first', async () => {
    const { client } = await admin();
    const plain = await signedInAs(server, 'session');
    const target = await signedInAs(server, 'session');
    const targetId = (await server.store.users.findByEmail(target.email))?.id ?? '';
    assert.equal((await client.get('/admin/users')).status, 200, 'fresh from the login');

    server.clock.advance(11 * MINUTE);
    const csrf = { headers: client.csrfHeaders() };
    refused(await client.get('/admin/users'), 'GET /admin/users');
    refused(await client.get(`/admin/users/${targetId}`), 'GET /admin/users/:id');
    refused(await client.get('/admin/audit'), 'GET /admin/audit');
    refused(await client.request('POST', `/admin/users/${targetId}/disable`, csrf), 'POST disable');
    refused(await client.request('DELETE', `/admin/users/${targetId}`, csrf), 'DELETE user');
    assert.equal((await server.store.users.findById(targetId))?.disabledAt, null, 'nothing done');
    assert.equal(errorCode(await plain.call('GET', '/admin/users')), 'forbidden', 'a non-admin learns nothing of step-up');

    assert.equal((await client.post('/auth/reauthenticate', { password: PASSWORD }, csrf)).status, 200);
    assert.equal((await client.get('/admin/users')).status, 200);
    assert.equal((await client.request('POST', `/admin/users/${targetId}/disable`, csrf)).status, 204);
  });
});

describe('the browser client\'s reauthenticate', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('token mode: takes the fresh access token; a wrong password rejects and keeps the user signed in', async () => {
    const email = `client-step-up-${randomUUID()}@example.com`;
    assert.equal((await createClient(server).post('/auth/register', { email, password: PASSWORD })).status, 201);
    const client = createBrowserClient({ baseUrl: server.url, mode: 'token', clock: server.clock, channel: null, locks: null });
    try {
      await client.login({ email, password: PASSWORD });
      server.clock.advance(11 * MINUTE);
      const change = () => client.fetch(`${server.url}/auth/password`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD }),
      });
      assert.equal((await change()).status, 403);

      const wrong = await client.reauthenticate({ password: 'certainly not the password' }).then(() => null, (error: unknown) => error);
      assert.ok(wrong instanceof GatehouseClientError);
      assert.equal(wrong.code, 'invalid_credentials');
      assert.equal((await client.me())?.email, email, 'still signed in');

      const proof = await client.reauthenticate({ password: PASSWORD });
      assert.deepEqual(proof, { authTime: new Date(server.clock()).toISOString(), amr: ['pwd'] });
      assert.equal((await change()).status, 204, 'the fresh access token carries the new proof');
    } finally {
      client.close();
    }
  });
});
