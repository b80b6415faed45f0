// Tests of the administration API (SPEC §7) over real sockets: 401 without a credential and 403 without the
// admin role (cookie and bearer), CSRF on cookie-authenticated admin actions; disabling a user refuses every
// credential it holds at once — cookie session, bearer and hybrid access tokens, refresh tokens — and its
// logins (the same 401 as a wrong password), on a second instance too; enabling restores login; roles,
// session revocation, forced password reset (501 without mail, a working link with it), deletion, and the
// audit trail that records each action with the administrator's id.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createGatehouse } from '../src/core/engine.js';
import type { GatehouseError } from '../src/core/errors.js';
import { createMemoryStore } from '../src/stores/memory/index.js';
import { SKIP_CLUSTER, startCluster, type Cluster } from './cluster.js';
import { bearer, createClient, errorCode, fakeClock, PASSWORD, register, signedIn, tokenLogin, startTestServer, type Client, type TestServer } from './helpers.js';
import { until, opened } from './kit.js';
import { linkToken, startMailCatcher, type MailCatcher } from './mail-kit.js';
import { describeOrSkip } from './support-services.js';

interface AdminUserBody { id: string; email: string; roles: string[]; disabledAt: string | null }

/** A cookie-session admin on `server`: a fresh user given the role in the store, then signed in. */
async function adminOn(server: TestServer): Promise<{ client: Client; id: string }> {
  const { client, login, email } = await signedIn(server);
  await server.store.users.setRoles(login.user.id, ['admin'], server.clock());
  // Sessions read roles on each request: the same cookie is an admin's now.
  const me = await client.get('/auth/me');
  assert.deepEqual((me.body as { user: { roles: string[] } }).user.roles, ['admin'], email);
  return { client, id: login.user.id };
}

/** An admin's unsafe request with the session's CSRF token. */
const act = (admin: Client, method: 'POST' | 'DELETE', path: string, body?: unknown) =>
  admin.request(method, path, { headers: admin.csrfHeaders(), ...(body === undefined ? {} : { body }) });

/** Every credential a user can hold: a cookie session, a token-mode pair, a hybrid cookie login. */
async function credentials(server: TestServer) {
  const { client: cookie, email, login } = await signedIn(server);
  const token = await tokenLogin(server, email);
  const hybrid = createClient(server, { browser: true });
  assert.equal((await hybrid.post('/auth/login', { email, password: PASSWORD, mode: 'hybrid' })).status, 200);
  return { email, id: login.user.id, cookie, token, hybrid };
}

describe('the admin API', () => {
  let server: TestServer;
  let admin: { client: Client; id: string };

  before(async () => {
    server = await startTestServer();
    admin = await adminOn(server);
  });
  after(() => server.close());

  it('refuses without a credential (401) and without the admin role (403), cookie and bearer alike', async () => {
    const anonymous = createClient(server, { browser: true });
    for (const [method, path] of [['GET', '/admin/users'], ['GET', '/admin/audit'], ['POST', '/admin/users/x/disable'], ['DELETE', '/admin/users/x']] as const) {
      const response = await anonymous.request(method, path);
      assert.equal(response.status, 401, `${method} ${path}`);
      assert.equal(errorCode(response), 'unauthenticated');
    }
    const { client, email, login } = await signedIn(server);
    const forbidden = await client.get('/admin/users');
    assert.equal(forbidden.status, 403);
    assert.equal(errorCode(forbidden), 'forbidden');
    const disableSelf = await act(client, 'POST', `/admin/users/${login.user.id}/disable`);
    assert.equal(errorCode(disableSelf), 'forbidden');
    const grantSelf = await act(client, 'POST', `/admin/users/${login.user.id}/roles`, { role: 'admin' });
    assert.equal(errorCode(grantSelf), 'forbidden', 'a user cannot make themselves admin');
    const { access_token } = await tokenLogin(server, email);
    assert.equal(errorCode(await createClient(server).get('/admin/audit', bearer(access_token))), 'forbidden');
    assert.equal((await server.store.users.findById(login.user.id))?.disabledAt, null);
  });

  it('needs the CSRF token for a cookie admin action; a bearer admin needs none', async () => {
    const victim = await signedIn(server);
    const noCsrf = await admin.client.post(`/admin/users/${victim.login.user.id}/disable`);
    assert.equal(noCsrf.status, 403);
    assert.equal(errorCode(noCsrf), 'csrf_failed');
    const foreign = await admin.client.request('POST', `/admin/users/${victim.login.user.id}/disable`, { headers: { ...admin.client.csrfHeaders(), origin: 'https://evil.example' } });
    assert.equal(errorCode(foreign), 'csrf_failed');
    assert.equal((await victim.client.get('/auth/me')).status, 200, 'nothing was disabled');
  });

  it('finds users by part of the email, paged, and shows one with sessions and factors', async () => {
    const tag = `find${Date.now().toString(36)}`;
    const emails = ['c', 'a', 'b'].map((p) => `${p}.${tag}@example.com`);
    for (const email of emails) await createClient(server).post('/auth/register', { email, password: PASSWORD });
    const first = await admin.client.get(`/admin/users?query=${tag.toUpperCase()}&limit=2`);
    assert.equal(first.status, 200, first.text);
    const page = first.body as { users: AdminUserBody[]; next: string | null };
    assert.deepEqual(page.users.map((u) => u.email), [`a.${tag}@example.com`, `b.${tag}@example.com`]);
    assert.ok(page.next);
    const second = (await admin.client.get(`/admin/users?query=${tag}&limit=2&cursor=${page.next}`)).body as { users: AdminUserBody[]; next: string | null };
    assert.deepEqual(second.users.map((u) => u.email), [`c.${tag}@example.com`]);
    assert.equal(second.next, null);
    assert.equal(errorCode(await admin.client.get('/admin/users?limit=0')), 'invalid_request');
    assert.equal(errorCode(await admin.client.get('/admin/users?cursor=%%%')), 'invalid_request');

    const { id, email } = await credentials(server);
    const shown = await admin.client.get(`/admin/users/${id}`);
    assert.equal(shown.status, 200, shown.text);
    const detail = shown.body as { user: AdminUserBody & { passwordHash?: unknown }; sessions: { mode: string }[]; factors: unknown[] };
    assert.equal(detail.user.email, email);
    assert.equal(detail.user.disabledAt, null);
    assert.equal(detail.user.passwordHash, undefined);
    assert.deepEqual(detail.sessions.map((s) => s.mode).sort(), ['hybrid', 'session', 'token']);
    assert.deepEqual(detail.factors, []);
    assert.equal((await admin.client.get('/admin/users/usr_missing')).status, 404);
  });

  it('disabling refuses every credential of the user at once, and its logins; enabling restores login', async () => {
    const user = await credentials(server);
    const hybridCsrf = user.hybrid.csrfHeaders();
    assert.equal((await user.cookie.get('/auth/me')).status, 200);
    assert.equal((await createClient(server).get('/auth/me', bearer(user.token.access_token))).status, 200);
    assert.equal((await user.hybrid.get('/auth/me')).status, 200);

    const disabled = await act(admin.client, 'POST', `/admin/users/${user.id}/disable`);
    assert.equal(disabled.status, 204, disabled.text);

    assert.equal((await user.cookie.get('/auth/me')).status, 401, 'cookie session');
    assert.equal((await createClient(server).get('/auth/me', bearer(user.token.access_token))).status, 401, 'bearer access token');
    assert.equal((await user.hybrid.get('/auth/me')).status, 401, 'hybrid access cookie');
    assert.equal((await user.cookie.get('/auth/verify')).status, 401, 'forward-auth');
    const refreshed = await createClient(server).post('/auth/refresh', { refresh_token: user.token.refresh_token });
    assert.equal(refreshed.status, 401, 'token-mode refresh');
    const hybridRefresh = await user.hybrid.request('POST', '/auth/refresh', { headers: hybridCsrf });
    assert.equal(hybridRefresh.status, 401, 'hybrid refresh cookie');

    const right = await createClient(server).post('/auth/login', { email: user.email, password: PASSWORD, mode: 'token' });
    const wrong = await createClient(server).post('/auth/login', { email: user.email, password: 'not the password at all', mode: 'token' });
    assert.equal(right.status, 401);
    assert.deepEqual(right.body, wrong.body, 'a disabled account answers as a wrong password does');

    const shown = (await admin.client.get(`/admin/users/${user.id}`)).body as { user: AdminUserBody; sessions: unknown[] };
    assert.ok(shown.user.disabledAt);
    assert.deepEqual(shown.sessions, []);

    assert.equal((await act(admin.client, 'POST', `/admin/users/${user.id}/enable`)).status, 204);
    const again = await createClient(server).post('/auth/login', { email: user.email, password: PASSWORD, mode: 'token' });
    assert.equal(again.status, 200, again.text);
    assert.equal((await createClient(server).get('/auth/me', bearer((again.body as { access_token: string }).access_token))).status, 200);
    assert.equal((await user.cookie.get('/auth/me')).status, 401, 'what disabling ended stays ended');
    assert.equal((await act(admin.client, 'POST', '/admin/users/usr_missing/disable')).status, 404);
  });

  it('grants and removes roles; the removed role leaves the tokens issued before', async () => {
    const user = await credentials(server);
    assert.equal((await act(admin.client, 'POST', `/admin/users/${user.id}/roles`, { role: 'billing' })).status, 204);
    assert.deepEqual(((await user.cookie.get('/auth/me')).body as { user: { roles: string[] } }).user.roles, ['billing']);
    assert.equal(errorCode(await act(admin.client, 'POST', `/admin/users/${user.id}/roles`, { role: 'Bad Role' })), 'invalid_request');
    const withRole = await tokenLogin(server, user.email);
    server.clock.advance(1000); // the cut-off is per second of `iat`
    assert.equal((await act(admin.client, 'DELETE', `/admin/users/${user.id}/roles/billing`)).status, 204);
    assert.deepEqual(((await user.cookie.get('/auth/me')).body as { user: { roles: string[] } }).user.roles, []);
    assert.equal((await createClient(server).get('/auth/me', bearer(withRole.access_token))).status, 401);
  });

  it('revokes one session, then all of them', async () => {
    const user = await credentials(server);
    const sessions = ((await admin.client.get(`/admin/users/${user.id}`)).body as { sessions: { id: string; mode: string }[] }).sessions;
    const web = sessions.find((s) => s.mode === 'session')!;
    assert.equal((await act(admin.client, 'DELETE', `/admin/users/${user.id}/sessions/${web.id}`)).status, 204);
    assert.equal((await user.cookie.get('/auth/me')).status, 401);
    assert.equal((await createClient(server).get('/auth/me', bearer(user.token.access_token))).status, 200, 'the others live on');
    assert.equal((await act(admin.client, 'DELETE', `/admin/users/${user.id}/sessions/${web.id}`)).status, 404);
    const other = await signedIn(server);
    const family = ((await admin.client.get(`/admin/users/${user.id}`)).body as { sessions: { id: string }[] }).sessions[0]!;
    assert.equal((await act(admin.client, 'DELETE', `/admin/users/${other.login.user.id}/sessions/${family.id}`)).status, 404, 'not that user’s');
    assert.equal((await act(admin.client, 'DELETE', `/admin/users/${user.id}/sessions`)).status, 204);
    assert.equal((await createClient(server).get('/auth/me', bearer(user.token.access_token))).status, 401);
    assert.equal((await user.hybrid.get('/auth/me')).status, 401);
  });

  it('forcing a password reset without a mailer is not_configured (501) and changes nothing', async () => {
    // The test server mails to the development outbox; an engine without a mailer is production without SMTP.
    const gatehouse = await createGatehouse({ store: createMemoryStore(), clock: fakeClock() });
    const user = await gatehouse.register({ email: 'nomail@example.com', password: PASSWORD }, { ip: '127.0.0.1', userAgent: null });
    const login = opened(await gatehouse.login({ email: user.email, password: PASSWORD }, { ip: '127.0.0.1', userAgent: null }));
    await assert.rejects(gatehouse.admin.forcePasswordReset({ adminId: null, ip: null, userAgent: null }, user.id), (error: GatehouseError) => error.code === 'not_configured');
    assert.ok(await gatehouse.validateSession(login.session.token));
    await gatehouse.close();
  });

  it('deletes a user: gone from the API, its credentials refused, its email free; its audit rows keep only its id', async () => {
    const user = await credentials(server);
    assert.equal((await act(admin.client, 'DELETE', `/admin/users/${user.id}`)).status, 204);
    const trail = await server.store.audit.listByUser(user.id, { limit: 100 });
    const own = trail.filter((r) => r.type !== 'user.deleted');
    assert.ok(own.some((r) => r.type === 'login.succeeded'), 'the user’s events stay');
    for (const row of own) assert.deepEqual([row.ip, row.userAgent], [null, null], `${row.type} keeps no address or user agent`);
    const deletion = trail.find((r) => r.type === 'user.deleted');
    assert.ok(deletion?.details.adminId, 'the deletion says which administrator did it');
    assert.equal((await admin.client.get(`/admin/users/${user.id}`)).status, 404);
    assert.equal((await server.store.users.findById(user.id)), null);
    assert.equal((await user.cookie.get('/auth/me')).status, 401);
    assert.equal((await createClient(server).get('/auth/me', bearer(user.token.access_token))).status, 401);
    assert.equal((await createClient(server).post('/auth/login', { email: user.email, password: PASSWORD })).status, 401);
    assert.equal((await act(admin.client, 'DELETE', `/admin/users/${user.id}`)).status, 404);
  });

  it('the audit shows every user’s events and each admin action with the admin’s id', async () => {
    const user = await signedIn(server);
    const id = user.login.user.id;
    await act(admin.client, 'POST', `/admin/users/${id}/disable`);
    await act(admin.client, 'POST', `/admin/users/${id}/enable`);
    await act(admin.client, 'POST', `/admin/users/${id}/roles`, { role: 'ops' });
    await act(admin.client, 'DELETE', `/admin/users/${id}`);
    const response = await admin.client.get('/admin/audit?limit=50');
    assert.equal(response.status, 200, response.text);
    const { events, next } = response.body as { events: { type: string; userId: string | null; details: Record<string, unknown> }[]; next: string | null };
    const mine = events.filter((e) => e.userId === id);
    const adminEvents = mine.filter((e) => e.details['adminId'] !== undefined);
    assert.deepEqual(adminEvents.map((e) => e.type), ['user.deleted', 'admin.role_granted', 'user.enabled', 'user.disabled']);
    for (const e of adminEvents) assert.equal(e.details['adminId'], admin.id);
    assert.ok(mine.some((e) => e.type === 'login.succeeded'), 'the user’s own events too');
    assert.ok(new Set(events.map((e) => e.userId)).size > 2, 'every user’s');
    assert.ok(next, 'more than 50 events by now');
    const first = (await admin.client.get('/admin/audit?limit=3')).body as { events: { id: string }[]; next: string };
    const older = (await admin.client.get(`/admin/audit?limit=3&cursor=${first.next}`)).body as { events: { id: string }[] };
    assert.deepEqual([...first.events, ...older.events].map((e) => e.id), events.slice(0, 6).map((e) => (e as unknown as { id: string }).id));
    assert.equal(errorCode(await admin.client.get('/admin/audit?limit=1000')), 'invalid_request');
  });
});

describe('a forced password reset with mail', () => {
  let smtp: MailCatcher;
  let server: TestServer;
  before(async () => {
    smtp = await startMailCatcher();
    server = await startTestServer({ options: { smtpUrl: smtp.url, mailFrom: 'Gatehouse <auth@example.com>' } });
  });
  after(async () => {
    await server.close();
    await smtp.close();
  });

  it('ends every session, voids the old password, and mails a link that sets a new one', async () => {
    const admin = await adminOn(server);
    const user = await signedIn(server);
    const response = await act(admin.client, 'POST', `/admin/users/${user.login.user.id}/password-reset`);
    assert.equal(response.status, 202, response.text);
    assert.equal((await user.client.get('/auth/me')).status, 401);
    assert.equal((await createClient(server).post('/auth/login', { email: user.email, password: PASSWORD })).status, 401, 'the old password no longer works');
    const { token } = linkToken(await smtp.next(user.email));
    const reset = await createClient(server, { browser: true }).post('/auth/password/reset', { token, newPassword: 'a brand new passphrase 42' });
    assert.equal(reset.status, 204, reset.text);
    assert.equal((await createClient(server).post('/auth/login', { email: user.email, password: 'a brand new passphrase 42' })).status, 200);
  });
});

describeOrSkip('disabling a user across instances', SKIP_CLUSTER, () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster(2);
  });
  after(() => cluster.close());

  it('refuses on the other instance the user’s cookie session, bearer and hybrid tokens, and refresh tokens', async () => {
    const [a, b] = cluster.instances as [TestServer, TestServer];
    const admin = await adminOn(a);
    const user = await credentials(b);
    // Each credential used on B first, so B holds whatever it caches of them.
    assert.equal((await user.cookie.get('/auth/me')).status, 200);
    assert.equal((await createClient(b).get('/auth/me', bearer(user.token.access_token))).status, 200);
    assert.equal((await user.hybrid.get('/auth/me')).status, 200);

    assert.equal((await act(admin.client, 'POST', `/admin/users/${user.id}/disable`)).status, 204);
    const since = performance.now();
    assert.equal((await user.cookie.get('/auth/me')).status, 401, 'the cookie session, at once');
    // Access tokens: the per-user cut-off reaches B over the revocation bus (milliseconds).
    await until('bearer refused on B', async () => (await createClient(b).get('/auth/me', bearer(user.token.access_token))).status === 401 || undefined, { timeoutMs: 2000 });
    await until('hybrid refused on B', async () => (await user.hybrid.get('/auth/me')).status === 401 || undefined, { timeoutMs: 2000 });
    assert.ok(performance.now() - since < 2000);
    assert.equal((await createClient(b).post('/auth/refresh', { refresh_token: user.token.refresh_token })).status, 401);
    assert.equal((await createClient(b).post('/auth/login', { email: user.email, password: PASSWORD })).status, 401);
    const email = await register(a);
    assert.equal((await createClient(b).post('/auth/login', { email, password: PASSWORD })).status, 200, 'others are unaffected');
  });
});
