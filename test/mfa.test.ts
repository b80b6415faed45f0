// TOTP and the login's second step (SPEC §6) over real sockets, with the server's fake clock: setup → enable
// (recovery codes) → a login in session, token and hybrid mode gets `mfaRequired` and no credential, and
// `POST /auth/login/mfa` completes it in that mode; and the attacks — a code replayed in its step, a code two
// steps off, parallel guesses, more than 5 codes on one mfaToken, wrong codes past the account's limit, a
// recovery code used twice, an mfaToken after 5 minutes — plus step-up and revocation on disabling, an
// administrator's reset, and the secret and recovery codes never at rest in plain text. Codes are computed
// here from the returned secret and the injected clock, with @oslojs/otp's HOTP (not the server's own code).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import { generateHOTP } from '@oslojs/otp';
import Database from 'better-sqlite3';
import { bearer, createClient, errorCode, PASSWORD, startTestServer, type ApiResponse, type Client, type TestServer, type TokenBody } from './helpers.js';

const STEP_MS = 30_000;

interface Setup {
  secret: string;
  otpauthUrl: string;
}

/** The TOTP code of `secret` at `offset` steps from the server's current step. */
function codeAt(server: TestServer, secret: string, offset = 0): string {
  const step = Math.floor(server.clock() / STEP_MS) + offset;
  return generateHOTP(decodeBase32IgnorePadding(secret), BigInt(step), 6);
}

/** A code that is none of the window's: the right one's digits turned. */
function wrongCode(server: TestServer, secret: string): string {
  const near = [-1, 0, 1].map((offset) => codeAt(server, secret, offset));
  for (let n = 0; ; n++) {
    const candidate = String(n).padStart(6, '0');
    if (!near.includes(candidate)) return candidate;
  }
}

/** Moves the clock to the start of the next step, so its code has not been used. */
const nextStep = (server: TestServer) => server.clock.advance(STEP_MS - (server.clock() % STEP_MS));

const unsafe = (client: Client, method: 'POST' | 'DELETE', path: string, body?: unknown) =>
  client.request(method, path, { headers: client.csrfHeaders(), ...(body === undefined ? {} : { body }) });

/** A browser-session user with TOTP on: the client (signed in before TOTP), the secret, the recovery codes. */
async function userWithTotp(server: TestServer) {
  const email = `mfa${Math.random().toString(36).slice(2)}@example.com`;
  const client = createClient(server, { browser: true });
  assert.equal((await client.post('/auth/register', { email, password: PASSWORD })).status, 201);
  const login = await client.post('/auth/login', { email, password: PASSWORD });
  assert.equal(login.status, 200, login.text);
  const userId = (login.body as { user: { id: string } }).user.id;
  const setup = await unsafe(client, 'POST', '/auth/mfa/totp/setup');
  assert.equal(setup.status, 200, setup.text);
  const { secret, otpauthUrl } = setup.body as Setup;
  assert.match(secret, /^[A-Z2-7]{32}$/, '20 bytes in base32');
  assert.ok(otpauthUrl.startsWith('otpauth://totp/Gatehouse:'), otpauthUrl);
  assert.ok(otpauthUrl.includes(encodeURIComponent(email)));
  const enabled = await unsafe(client, 'POST', '/auth/mfa/totp/enable', { code: codeAt(server, secret) });
  assert.equal(enabled.status, 200, enabled.text);
  const { recoveryCodes } = enabled.body as { recoveryCodes: string[] };
  assert.equal(recoveryCodes.length, 10);
  nextStep(server); // the enabling code's step is spent
  return { email, userId, client, secret, recoveryCodes };
}

interface MfaStep {
  mfaRequired: true;
  mfaToken: string;
  methods: string[];
}

/** The first step of a login of a user with TOTP on: 200, the MFA step, and no credential of any kind. */
async function firstStep(client: Client, email: string, mode?: 'session' | 'token' | 'hybrid'): Promise<MfaStep> {
  const response = await client.post('/auth/login', { email, password: PASSWORD, ...(mode ? { mode } : {}) });
  assert.equal(response.status, 200, response.text);
  assert.deepEqual(response.setCookies, [], 'no cookie before the second factor');
  const body = response.body as MfaStep & Record<string, unknown>;
  assert.equal(body.mfaRequired, true);
  assert.deepEqual(body.methods, ['totp', 'recovery_code']);
  assert.match(body.mfaToken, /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
  for (const credential of ['access_token', 'refresh_token', 'csrfToken', 'user']) assert.equal(body[credential], undefined, credential);
  return body;
}

const second = (client: Client, body: Record<string, unknown>): Promise<ApiResponse> => client.post('/auth/login/mfa', body);

/** The payload of a JWT (no check: the server verifies it). */
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;

describe('TOTP and the login second step', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('setup → enable → a session login asks for the code, sets no cookie, and /auth/login/mfa opens the session', async () => {
    const { email, userId, secret } = await userWithTotp(server);
    const browser = createClient(server, { browser: true });
    const { mfaToken } = await firstStep(browser, email);
    assert.equal((await browser.get('/auth/me')).status, 401);
    const done = await second(browser, { mfaToken, code: codeAt(server, secret) });
    assert.equal(done.status, 200, done.text);
    assert.ok(done.setCookies.some((c) => c.startsWith('__Host-gh_session=')), 'the session cookie');
    const body = done.body as { user: { id: string }; csrfToken: string; expiresAt: string };
    assert.equal(body.user.id, userId);
    assert.equal(typeof body.csrfToken, 'string');
    const me = await browser.get('/auth/me');
    assert.equal(me.status, 200);
    assert.equal((me.body as { auth: { mode: string } }).auth.mode, 'session');
    const events = await browser.get('/auth/audit');
    const types = (events.body as { events: { type: string }[] }).events.map((e) => e.type);
    assert.ok(types.includes('login.mfa_required') && types.includes('login.succeeded') && types.includes('mfa.totp_enabled'), types.join());
  });

  it('completes a token-mode login with tokens in the body (amr pwd+otp), and a hybrid one with its cookies', async () => {
    const { email, secret } = await userWithTotp(server);
    const api = createClient(server);
    const { mfaToken } = await firstStep(api, email, 'token');
    const done = await second(api, { mfaToken, code: codeAt(server, secret) });
    assert.equal(done.status, 200, done.text);
    assert.deepEqual(done.setCookies, []);
    const tokens = done.body as TokenBody;
    assert.equal(tokens.token_type, 'Bearer');
    assert.equal(typeof tokens.refresh_token, 'string');
    assert.deepEqual(claimsOf(tokens.access_token)['amr'], ['pwd', 'otp']);
    assert.equal((await createClient(server).get('/auth/me', bearer(tokens.access_token))).status, 200);

    nextStep(server);
    const browser = createClient(server, { browser: true });
    const hybrid = await firstStep(browser, email, 'hybrid');
    const opened = await second(browser, { mfaToken: hybrid.mfaToken, code: codeAt(server, secret) });
    assert.equal(opened.status, 200, opened.text);
    assert.ok(opened.setCookies.some((c) => c.startsWith('__Host-gh_access=')));
    assert.ok(opened.setCookies.some((c) => c.startsWith('__Secure-gh_refresh=')));
    const me = await browser.get('/auth/me');
    assert.equal((me.body as { auth: { mode: string } }).auth.mode, 'hybrid');
  });

  it('refuses a code replayed in its step (also the enabling code), and the same mfaToken twice', async () => {
    const { email, secret } = await userWithTotp(server);
    const api = createClient(server);
    server.clock.advance(-STEP_MS); // back into the enabling code's step
    const replayEnable = await second(api, { mfaToken: (await firstStep(api, email, 'token')).mfaToken, code: codeAt(server, secret) });
    assert.equal(errorCode(replayEnable), 'invalid_code');
    server.clock.advance(STEP_MS);
    const code = codeAt(server, secret);
    const first = await firstStep(api, email, 'token');
    assert.equal((await second(api, { mfaToken: first.mfaToken, code })).status, 200);
    const again = await second(api, { mfaToken: first.mfaToken, code });
    assert.equal(again.status, 400);
    assert.equal(errorCode(again), 'invalid_token');
    const replay = await second(api, { mfaToken: (await firstStep(api, email, 'token')).mfaToken, code });
    assert.equal(replay.status, 401);
    assert.equal(errorCode(replay), 'invalid_code');
  });

  it('lets one of two logins racing with one code in, never both', async () => {
    const { email, secret } = await userWithTotp(server);
    const api = createClient(server);
    const [a, b] = [await firstStep(api, email, 'token'), await firstStep(api, email, 'token')]; // two pending logins coexist
    const code = codeAt(server, secret);
    const results = await Promise.all([a, b].map((step) => second(api, { mfaToken: step.mfaToken, code })));
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 401]);
  });

  it('accepts a code one step early or late, not two', async () => {
    const { email, secret } = await userWithTotp(server);
    const api = createClient(server);
    nextStep(server); // the step before is not the enabling code's
    for (const offset of [-2, 2]) {
      const refused = await second(api, { mfaToken: (await firstStep(api, email, 'token')).mfaToken, code: codeAt(server, secret, offset) });
      assert.equal(errorCode(refused), 'invalid_code', `offset ${offset}`);
    }
    for (const offset of [-1, 0, 1]) {
      const accepted = await second(api, { mfaToken: (await firstStep(api, email, 'token')).mfaToken, code: codeAt(server, secret, offset) });
      assert.equal(accepted.status, 200, `offset ${offset}: ${accepted.text}`);
    }
  });

  it('kills the mfaToken after 5 wrong codes: the 6th attempt, with the right code, is refused', async () => {
    const { email, secret, client } = await userWithTotp(server);
    const api = createClient(server);
    const { mfaToken } = await firstStep(api, email, 'token');
    for (let i = 0; i < 5; i++) {
      const wrong = await second(api, { mfaToken, code: wrongCode(server, secret) });
      assert.equal(wrong.status, 401);
      assert.equal(errorCode(wrong), 'invalid_code');
    }
    const right = await second(api, { mfaToken, code: codeAt(server, secret) });
    assert.equal(right.status, 400);
    assert.equal(errorCode(right), 'invalid_token');
    // The right code was not spent on the dead token: a new login takes it.
    assert.equal((await second(api, { mfaToken: (await firstStep(api, email, 'token')).mfaToken, code: codeAt(server, secret) })).status, 200);
    const events = (await client.get('/auth/audit?limit=100')).body as { events: { type: string; details: { purpose?: string; method?: string } }[] };
    const failed = events.events.filter((e) => e.type === 'mfa.code_failed');
    assert.equal(failed.length, 5);
    assert.deepEqual(failed[0]?.details, { purpose: 'login', method: 'totp' });
  });

  it('never tries more than 5 codes on one mfaToken, however many arrive at once', async () => {
    const { email, secret } = await userWithTotp(server);
    const api = createClient(server);
    const { mfaToken } = await firstStep(api, email, 'token');
    const wrong = wrongCode(server, secret);
    const results = await Promise.all(Array.from({ length: 8 }, () => second(api, { mfaToken, code: wrong })));
    assert.deepEqual(results.map(errorCode).sort(), [...Array.from({ length: 5 }, () => 'invalid_code'), ...Array.from({ length: 3 }, () => 'invalid_token')].sort());
  });

  it('counts wrong codes against the account failed-login limit (10 per window), which only a completed login clears', async () => {
    const { email, secret } = await userWithTotp(server);
    const api = createClient(server);
    const first = await firstStep(api, email, 'token'); // 1
    for (let i = 0; i < 5; i++) assert.equal(errorCode(await second(api, { mfaToken: first.mfaToken, code: wrongCode(server, secret) })), 'invalid_code'); // 6
    const secondLogin = await firstStep(api, email, 'token'); // 7: a right password does not clear the count
    for (let i = 0; i < 3; i++) assert.equal(errorCode(await second(api, { mfaToken: secondLogin.mfaToken, code: wrongCode(server, secret) })), 'invalid_code'); // 10
    const limited = await second(api, { mfaToken: secondLogin.mfaToken, code: codeAt(server, secret) });
    assert.equal(limited.status, 429);
    assert.equal(errorCode(limited), 'rate_limited');
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    assert.equal(errorCode(await api.post('/auth/login', { email, password: PASSWORD, mode: 'token' })), 'rate_limited');
    server.clock.advance(15 * 60_000 + 1000); // the window ends
    const after = await firstStep(api, email, 'token');
    assert.equal((await second(api, { mfaToken: after.mfaToken, code: codeAt(server, secret) })).status, 200);
  });

  it('takes a recovery code once (however typed), then refuses it', async () => {
    const { email, secret, recoveryCodes, client } = await userWithTotp(server);
    const code = recoveryCodes[3] ?? '';
    const api = createClient(server);
    const used = await second(api, { mfaToken: (await firstStep(api, email, 'token')).mfaToken, recoveryCode: ` ${code.toLowerCase()} ` });
    assert.equal(used.status, 200, used.text);
    const reused = await second(api, { mfaToken: (await firstStep(api, email, 'token')).mfaToken, recoveryCode: code });
    assert.equal(reused.status, 401);
    assert.equal(errorCode(reused), 'invalid_code');
    const status = await client.get('/auth/mfa');
    assert.deepEqual(status.body, { totp: true, recoveryCodesLeft: 9 });
    // Both at once, or neither: a malformed request, which costs the token nothing.
    const { mfaToken } = await firstStep(api, email, 'token');
    assert.equal(errorCode(await second(api, { mfaToken, code: codeAt(server, secret), recoveryCode: recoveryCodes[0] })), 'invalid_request');
    assert.equal(errorCode(await second(api, { mfaToken })), 'invalid_request');
    assert.equal((await second(api, { mfaToken, recoveryCode: recoveryCodes[0] })).status, 200);
  });

  it('lets an mfaToken live 5 minutes and no longer', async () => {
    const { email, secret } = await userWithTotp(server);
    const api = createClient(server);
    const late = await firstStep(api, email, 'token');
    const inTime = await firstStep(api, email, 'token');
    server.clock.advance(4 * 60_000 + 59_000);
    assert.equal((await second(api, { mfaToken: inTime.mfaToken, code: codeAt(server, secret) })).status, 200);
    server.clock.advance(2000);
    nextStep(server);
    const expired = await second(api, { mfaToken: late.mfaToken, code: codeAt(server, secret) });
    assert.equal(expired.status, 400);
    assert.equal(errorCode(expired), 'invalid_token');
    assert.equal(errorCode(await second(api, { mfaToken: 'not-a-token', code: '123456' })), 'invalid_token');
  });

  it('refuses a second setup while TOTP is on, and a wrong enabling code', async () => {
    const { client } = await userWithTotp(server);
    assert.equal(errorCode(await unsafe(client, 'POST', '/auth/mfa/totp/setup')), 'invalid_request');
    const fresh = createClient(server, { browser: true });
    const email = `fresh${Math.random().toString(36).slice(2)}@example.com`;
    await fresh.post('/auth/register', { email, password: PASSWORD });
    await fresh.post('/auth/login', { email, password: PASSWORD });
    assert.equal(errorCode(await unsafe(fresh, 'POST', '/auth/mfa/totp/enable', { code: '123456' })), 'invalid_request', 'nothing set up');
    const { secret } = (await unsafe(fresh, 'POST', '/auth/mfa/totp/setup')).body as Setup;
    const wrong = await unsafe(fresh, 'POST', '/auth/mfa/totp/enable', { code: wrongCode(server, secret) });
    assert.equal(wrong.status, 401);
    assert.equal(errorCode(wrong), 'invalid_code');
    assert.deepEqual((await fresh.get('/auth/mfa')).body, { totp: false, recoveryCodesLeft: 0 });
    // Pending is not on: the login needs no code yet.
    assert.equal((await createClient(server).post('/auth/login', { email, password: PASSWORD, mode: 'token' })).status, 200);
    assert.equal(((await createClient(server).post('/auth/login', { email, password: PASSWORD, mode: 'token' })).body as Partial<MfaStep>).mfaRequired, undefined);
  });

  it('turning TOTP off needs a recent proof, then ends every other session and family but the current one', async () => {
    const { email, secret, client } = await userWithTotp(server);
    const api = createClient(server);
    const other = await second(api, { mfaToken: (await firstStep(api, email, 'token')).mfaToken, code: codeAt(server, secret) });
    const { access_token, refresh_token } = other.body as TokenBody;
    nextStep(server);
    const browser = createClient(server, { browser: true });
    assert.equal((await second(browser, { mfaToken: (await firstStep(browser, email)).mfaToken, code: codeAt(server, secret) })).status, 200);

    server.clock.advance(11 * 60_000); // past the step-up window (10 minutes)
    const stale = await unsafe(client, 'DELETE', '/auth/mfa/totp');
    assert.equal(stale.status, 403);
    assert.equal(errorCode(stale), 'reauthentication_required');
    const reauthenticated = await unsafe(client, 'POST', '/auth/reauthenticate', { code: codeAt(server, secret) });
    assert.equal(reauthenticated.status, 200, reauthenticated.text);
    const off = await unsafe(client, 'DELETE', '/auth/mfa/totp');
    assert.equal(off.status, 204, off.text);

    assert.equal((await client.get('/auth/me')).status, 200, 'the current session stays');
    assert.equal((await browser.get('/auth/me')).status, 401, 'another session ends');
    assert.equal((await createClient(server).get('/auth/me', bearer(access_token))).status, 401, 'another family\'s access token is refused');
    assert.equal((await createClient(server).post('/auth/refresh', { refresh_token })).status, 401);
    assert.deepEqual((await client.get('/auth/mfa')).body, { totp: false, recoveryCodesLeft: 0 });
    const plain = await createClient(server).post('/auth/login', { email, password: PASSWORD, mode: 'token' });
    assert.equal(typeof (plain.body as TokenBody).access_token, 'string', 'a password login again');
    assert.equal(errorCode(await unsafe(client, 'DELETE', '/auth/mfa/totp')), 'not_found');
  });

  it('a reauthentication takes a TOTP code once, and a recovery code once', async () => {
    const { secret, client, recoveryCodes } = await userWithTotp(server);
    const code = codeAt(server, secret);
    assert.equal((await unsafe(client, 'POST', '/auth/reauthenticate', { code })).status, 200);
    assert.equal(errorCode(await unsafe(client, 'POST', '/auth/reauthenticate', { code })), 'invalid_code');
    assert.equal(errorCode(await unsafe(client, 'POST', '/auth/reauthenticate', { code: wrongCode(server, secret) })), 'invalid_code');
    assert.equal((await unsafe(client, 'POST', '/auth/reauthenticate', { code: recoveryCodes[0] })).status, 200);
    assert.equal(errorCode(await unsafe(client, 'POST', '/auth/reauthenticate', { code: recoveryCodes[0] })), 'invalid_code');
    const events = (await client.get('/auth/audit?limit=100')).body as { events: { type: string; details: { purpose?: string } }[] };
    assert.equal(events.events.filter((e) => e.type === 'mfa.code_failed' && e.details.purpose === 'reauthenticate').length, 3);
    assert.equal(events.events.filter((e) => e.type === 'mfa.recovery_code_used').length, 1);
  });

  it('an administrator sees and resets a user\'s factors (audited); the user signs in with the password alone', async () => {
    const { email, userId } = await userWithTotp(server);
    const { client: admin, userId: adminId } = await userWithTotp(server);
    await server.store.users.setRoles(adminId, ['admin'], server.clock());
    // A passkey as the store keeps one (its registration in a browser is passkeys-browser.test.ts's).
    const passkey = { id: 'cred-admin-view', userId, publicKey: 'pQECAyYgASFYIA', counter: 3, transports: ['internal'], deviceType: 'singleDevice' as const, backedUp: false, name: 'Work laptop', createdAt: server.clock(), lastUsedAt: null };
    assert.ok(await server.store.passkeys.create(passkey));
    const shown = await admin.get(`/admin/users/${userId}`);
    assert.equal(shown.status, 200, shown.text);
    const factors = (shown.body as { factors: { type: string; enabledAt?: string; recoveryCodesLeft?: number; id?: string; name?: string }[] }).factors;
    assert.deepEqual(factors.map((f) => f.type), ['totp', 'passkey']);
    assert.equal(factors[0]?.recoveryCodesLeft, 10);
    assert.deepEqual([factors[1]?.id, factors[1]?.name], [passkey.id, passkey.name]);
    assert.equal(JSON.stringify(shown.body).includes('secret'), false);
    assert.equal(JSON.stringify(shown.body).includes(passkey.publicKey), false);

    assert.equal((await unsafe(admin, 'DELETE', `/admin/users/${userId}/mfa`)).status, 204);
    assert.deepEqual(((await admin.get(`/admin/users/${userId}`)).body as { factors: unknown[] }).factors, []);
    assert.deepEqual(await server.store.passkeys.listByUser(userId), [], 'the passkeys went with the TOTP');
    assert.equal(errorCode(await unsafe(admin, 'DELETE', '/admin/users/nobody/mfa')), 'not_found');
    const plain = await createClient(server).post('/auth/login', { email, password: PASSWORD, mode: 'token' });
    assert.equal(typeof (plain.body as TokenBody).access_token, 'string');
    const audit = await admin.get(`/admin/audit?limit=5`);
    const reset = (audit.body as { events: { type: string; userId: string; details: { adminId?: string } }[] }).events.find((e) => e.type === 'admin.mfa_reset');
    assert.equal(reset?.userId, userId);
    assert.equal(reset?.details.adminId, adminId);
    assert.equal((reset?.details as { passkeys?: number } | undefined)?.passkeys, 1);
  });

  it('deleting the account removes its factors', async () => {
    const { userId, client } = await userWithTotp(server);
    const deleted = await client.request('DELETE', '/auth/account', { headers: client.csrfHeaders(), body: { currentPassword: PASSWORD } });
    assert.equal(deleted.status, 204, deleted.text);
    assert.equal(await server.store.mfa.getTotp(userId), null);
    assert.equal(await server.store.mfa.countRecoveryCodes(userId), 0);
  });
});

describe('TOTP at rest (SQLite)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ store: 'sqlite' });
  });
  after(() => server.close());

  it('keeps the secret sealed and the recovery codes hashed: no row holds them in any encoding', async () => {
    const { userId, secret, recoveryCodes, email } = await userWithTotp(server);
    const raw = Buffer.from(decodeBase32IgnorePadding(secret));
    const db = new Database(server.dbPath ?? '', { readonly: true });
    try {
      const rows = JSON.stringify([
        db.prepare('select * from mfa_totp where user_id = ?').all(userId),
        db.prepare('select * from mfa_recovery_codes where user_id = ?').all(userId),
      ]);
      assert.ok(rows.includes(userId), 'the rows were read');
      for (const form of [secret, secret.toLowerCase(), raw.toString('hex'), raw.toString('base64'), raw.toString('base64url')]) {
        assert.equal(rows.includes(form), false, `the secret as ${form.slice(0, 6)}…`);
      }
      for (const code of recoveryCodes) {
        assert.equal(rows.includes(code), false);
        assert.equal(rows.includes(code.replaceAll('-', '')), false);
      }
      assert.equal((db.prepare('select count(*) as n from mfa_recovery_codes where user_id = ?').get(userId) as { n: number }).n, 10);
    } finally {
      db.close();
    }
    // And it works from the sealed row: a login with the second factor.
    const api = createClient(server);
    const { mfaToken } = await firstStep(api, email, 'token');
    assert.equal((await second(api, { mfaToken, code: codeAt(server, secret) })).status, 200);
  });
});

describe('TOTP with GATEHOUSE_REQUIRE_VERIFIED_EMAIL', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ options: { requireVerifiedEmail: true } });
  });
  after(() => server.close());

  it('answers email_not_verified after the password, before any second step', async () => {
    const email = `unverified${Math.random().toString(36).slice(2)}@example.com`;
    const client = createClient(server, { browser: true });
    await client.post('/auth/register', { email, password: PASSWORD });
    const user = await server.store.users.findByEmail(email);
    assert.ok(user);
    await server.store.users.setEmailVerified(user.id, true, server.clock());
    assert.equal((await client.post('/auth/login', { email, password: PASSWORD })).status, 200);
    const { secret } = (await unsafe(client, 'POST', '/auth/mfa/totp/setup')).body as Setup;
    assert.equal((await unsafe(client, 'POST', '/auth/mfa/totp/enable', { code: codeAt(server, secret) })).status, 200);
    await server.store.users.setEmailVerified(user.id, false, server.clock());
    const refused = await createClient(server).post('/auth/login', { email, password: PASSWORD, mode: 'token' });
    assert.equal(refused.status, 403);
    assert.equal(errorCode(refused), 'email_not_verified');
    assert.equal(errorCode(await createClient(server).post('/auth/login', { email, password: 'not the password at all', mode: 'token' })), 'invalid_credentials');
  });
});
