// Revocation in token mode over a real socket: bearer logout (the token, any re-encoding of it, and its
// family), logout-all, revoking one family, the sessions list, password change, denylist expiry through the
// verifier's clock tolerance, and a restart on the same SQLite file keeping denylist, families and keys.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CompactSign, decodeJwt } from 'jose';
import { engineInternals } from '../src/core/internals.js';
import { createSqliteStore } from '../src/stores/sqlite/index.js';
import { bearer, createClient, errorCode, fakeClock, PASSWORD, register, signedIn, startTestServer, type Client, type TestServer } from './helpers.js';

interface TokenBody {
  access_token: string;
  refresh_token: string;
}

interface Listed {
  id: string;
  mode: string;
  current: boolean;
}

async function tokenLogin(server: TestServer, email: string, password = PASSWORD): Promise<TokenBody & { sid: string }> {
  const response = await createClient(server).post('/auth/login', { email, password, mode: 'token' });
  assert.equal(response.status, 200, response.text);
  const body = response.body as TokenBody;
  return { ...body, sid: decodeJwt(body.access_token)['sid'] as string };
}

const me = (server: TestServer, accessToken: string) => createClient(server).get('/auth/me', bearer(accessToken));
const refresh = (server: TestServer, refreshToken: string) => createClient(server).post('/auth/refresh', { refresh_token: refreshToken });
const meStatus = async (server: TestServer, accessToken: string) => (await me(server, accessToken)).status;
const refreshStatus = async (server: TestServer, refreshToken: string) => (await refresh(server, refreshToken)).status;
const cookieStatus = async (client: Client) => (await client.get('/auth/me')).status;

async function listed(server: TestServer, accessToken: string): Promise<{ sessions: Listed[]; text: string }> {
  const response = await createClient(server).get('/auth/sessions', bearer(accessToken));
  assert.equal(response.status, 200, response.text);
  return { sessions: (response.body as { sessions: Listed[] }).sessions, text: response.text };
}

/** The same claims, serialised differently (reversed key order, indented) and signed with the server's own key. */
async function reencoded(server: TestServer, token: string): Promise<string> {
  const key = engineInternals(server.server.gatehouse).keys.signingKey(server.clock());
  const payload = Object.fromEntries(Object.entries(decodeJwt(token)).reverse());
  const bytes = new TextEncoder().encode(JSON.stringify(payload, null, 2));
  return new CompactSign(bytes).setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'at+jwt' }).sign(key.privateKey);
}

describe('revocation', () => {
  it('bearer logout refuses the token, any re-encoding of it and its family at once; other families are untouched', async () => {
    const server = await startTestServer();
    try {
      const email = await register(server);
      const laptop = await tokenLogin(server, email);
      const phone = await tokenLogin(server, email);
      const copy = await reencoded(server, laptop.access_token);
      assert.notEqual(copy, laptop.access_token);
      assert.equal(copy.split('.')[0], laptop.access_token.split('.')[0], 'same header bytes');
      assert.equal(decodeJwt(copy).jti, decodeJwt(laptop.access_token).jti);
      assert.equal(await meStatus(server, copy), 200, 'a genuine token before the logout');

      const logout = await createClient(server).post('/auth/logout', undefined, bearer(laptop.access_token));
      assert.equal(logout.status, 204);
      for (const token of [laptop.access_token, copy]) {
        const refused = await me(server, token);
        assert.equal(refused.status, 401);
        assert.equal(errorCode(refused), 'unauthenticated');
        assert.equal(refused.headers.get('www-authenticate'), 'Bearer realm="gatehouse", error="invalid_token"');
      }
      const spent = await refresh(server, laptop.refresh_token);
      assert.equal(spent.status, 401);
      assert.equal(errorCode(spent), 'unauthenticated');

      assert.equal(await meStatus(server, phone.access_token), 200);
      assert.equal(await refreshStatus(server, phone.refresh_token), 200);
      assert.deepEqual((await listed(server, phone.access_token)).sessions.map((s) => s.id), [phone.sid]);
    } finally {
      await server.close();
    }
  });

  it('logout-all ends every family and cookie session of the user only, and a login right after works', async () => {
    const server = await startTestServer();
    try {
      const { client: browser, email } = await signedIn(server);
      const first = await tokenLogin(server, email);
      const second = await tokenLogin(server, email);
      const other = await signedIn(server);
      const otherTokens = await tokenLogin(server, other.email);

      const all = await createClient(server).post('/auth/logout-all', undefined, bearer(second.access_token));
      assert.equal(all.status, 204);
      for (const family of [first, second]) {
        assert.equal(await meStatus(server, family.access_token), 401);
        assert.equal(await refreshStatus(server, family.refresh_token), 401);
      }
      assert.equal(await cookieStatus(browser), 401, 'the cookie session too');
      assert.equal(await cookieStatus(other.client), 200, 'other users unaffected');
      assert.equal(await meStatus(server, otherTokens.access_token), 200);
      assert.equal(await refreshStatus(server, otherTokens.refresh_token), 200);

      // The same fake-clock millisecond as the logout-all: the new login is after the cut-off, not before it.
      const again = await tokenLogin(server, email);
      assert.equal(await meStatus(server, again.access_token), 200);
      assert.equal(await refreshStatus(server, again.refresh_token), 200);
      const relogged = createClient(server, { browser: true });
      assert.equal((await relogged.post('/auth/login', { email, password: PASSWORD })).status, 200);
      assert.equal(await cookieStatus(relogged), 200);
    } finally {
      await server.close();
    }
  });

  it('DELETE /auth/sessions/:id revokes a token family at once, and only one of the caller’s own', async () => {
    const server = await startTestServer();
    try {
      const email = await register(server);
      const target = await tokenLogin(server, email);
      const caller = await tokenLogin(server, email);
      const stranger = await tokenLogin(server, await register(server));

      const foreign = await createClient(server).delete(`/auth/sessions/${target.sid}`, bearer(stranger.access_token));
      assert.equal(foreign.status, 404);
      assert.equal(errorCode(foreign), 'not_found');
      assert.equal(await meStatus(server, target.access_token), 200, "another user's family still works");

      const deleted = await createClient(server).delete(`/auth/sessions/${target.sid}`, bearer(caller.access_token));
      assert.equal(deleted.status, 204);
      assert.equal(await meStatus(server, target.access_token), 401);
      assert.equal(await refreshStatus(server, target.refresh_token), 401);
      assert.equal(await meStatus(server, caller.access_token), 200);
      assert.equal(await refreshStatus(server, caller.refresh_token), 200);
      assert.equal((await createClient(server).delete(`/auth/sessions/${target.sid}`, bearer(caller.access_token))).status, 404, 'already gone');
    } finally {
      await server.close();
    }
  });

  it('lists cookie sessions and token families together, marks only the caller’s own current, and leaks no credential', async () => {
    const server = await startTestServer();
    try {
      const { client: browser, email, login } = await signedIn(server);
      const laptop = await tokenLogin(server, email);
      const phone = await tokenLogin(server, email);
      const cookieSid = browser.jar.get('__Host-gh_session')!.split('.')[0]!;

      const { sessions, text } = await listed(server, laptop.access_token);
      assert.deepEqual(sessions.map((s) => [s.id, s.mode]).sort(), [[cookieSid, 'session'], [laptop.sid, 'token'], [phone.sid, 'token']].sort());
      assert.deepEqual(sessions.filter((s) => s.current).map((s) => s.id), [laptop.sid]);
      const secrets = [laptop, phone].flatMap((t) => [t.access_token, t.refresh_token, t.refresh_token.split('.')[1]!, t.access_token.split('.')[2]!]);
      secrets.push(browser.jar.get('__Host-gh_session')!.split('.')[1]!, login.csrfToken);
      for (const secret of secrets) assert.ok(!text.includes(secret), 'no token or secret in the list');
      for (const s of sessions) assert.deepEqual(Object.keys(s).sort(), ['createdAt', 'current', 'expiresAt', 'id', 'ip', 'lastActiveAt', 'mode', 'userAgent']);

      const fromCookie = (await browser.get('/auth/sessions')).body as { sessions: Listed[] };
      assert.deepEqual(fromCookie.sessions.filter((s) => s.current).map((s) => s.id), [cookieSid]);
    } finally {
      await server.close();
    }
  });

  it('a password change by bearer keeps the current family and revokes every other one and every cookie session', async () => {
    const server = await startTestServer();
    try {
      const { client: browser, email } = await signedIn(server);
      const current = await tokenLogin(server, email);
      const other = await tokenLogin(server, email);
      const change = (currentPassword: unknown, newPassword: unknown) =>
        createClient(server).post('/auth/password', { currentPassword, newPassword }, bearer(current.access_token));
      const untouched = async () => {
        assert.equal(await meStatus(server, other.access_token), 200);
        assert.equal(await cookieStatus(browser), 200);
      };

      const wrong = await change('not the password at all', 'a brand new long passphrase 42');
      assert.equal(wrong.status, 401);
      assert.equal(errorCode(wrong), 'invalid_credentials');
      await untouched();
      const weak = await change(PASSWORD, 'short');
      assert.equal(weak.status, 400);
      assert.equal(errorCode(weak), 'invalid_request');
      await untouched();

      assert.equal((await change(PASSWORD, 'a brand new long passphrase 42')).status, 204);
      assert.equal(await meStatus(server, current.access_token), 200, 'the current family stays');
      assert.equal(await refreshStatus(server, current.refresh_token), 200);
      assert.equal(await meStatus(server, other.access_token), 401, 'old access tokens of the others refused');
      assert.equal(await refreshStatus(server, other.refresh_token), 401);
      assert.equal(await cookieStatus(browser), 401);
      await tokenLogin(server, email, 'a brand new long passphrase 42');
    } finally {
      await server.close();
    }
  });

  it('keeps a revoked family refused through the verifier clock tolerance, then drops the denylist entries', async () => {
    const server = await startTestServer();
    try {
      const email = await register(server);
      const login = await tokenLogin(server, email);
      server.clock.advance(400); // mid-second: revocation time and iat differ
      const rotated = (await refresh(server, login.refresh_token)).body as TokenBody;
      const { gatehouse } = server.server;
      assert.equal(engineInternals(gatehouse).revocations.size, 0);
      const loggedOutAt = server.clock();
      assert.equal((await createClient(server).post('/auth/logout', undefined, bearer(rotated.access_token))).status, 204);
      const entries = engineInternals(gatehouse).revocations.size;
      assert.ok(entries > 0);

      // Still within jose's 5 s clock tolerance of the tokens' exp: they verify, so the denylist must hold.
      const exp = decodeJwt(rotated.access_token).exp! * 1000;
      server.clock.set(exp + 4000);
      await gatehouse.maintain();
      assert.ok(engineInternals(gatehouse).revocations.size > 0, 'not pruned while the tokens could still verify');
      assert.equal(await meStatus(server, login.access_token), 401, 'the family’s other access token');
      assert.equal(await meStatus(server, rotated.access_token), 401);

      server.clock.set(exp + 5001);
      await gatehouse.maintain();
      assert.ok(engineInternals(gatehouse).revocations.size < entries, 'the token’s own (jti) entry is gone');
      assert.equal(await meStatus(server, rotated.access_token), 401, 'expired anyway');
      // The family's (sid) entry covers any token issued up to the logout: it goes access TTL + tolerance later.
      server.clock.set(loggedOutAt + (900 + 5) * 1000);
      await gatehouse.maintain();
      assert.equal(engineInternals(gatehouse).revocations.size, 0, 'every entry is gone');
      assert.equal(await meStatus(server, login.access_token), 401);
    } finally {
      await server.close();
    }
  });

  it('a restart on the same SQLite file and secret keeps the denylist, the families and the keys', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-revocation-'));
    const path = join(dir, 'gatehouse.db');
    const options = { secret: 'a-test-secret-that-is-at-least-32-characters' };
    const clock = fakeClock();
    try {
      const before = await startTestServer({ store: await createSqliteStore({ path }), options, clock });
      let email: string;
      let out: TokenBody & { sid: string };
      let kept: TokenBody & { sid: string };
      let kids: string[];
      try {
        email = await register(before);
        out = await tokenLogin(before, email);
        kept = await tokenLogin(before, email);
        assert.equal((await createClient(before).post('/auth/logout', undefined, bearer(out.access_token))).status, 204);
        kids = ((await createClient(before).get('/.well-known/jwks.json')).body as { keys: { kid: string }[] }).keys.map((k) => k.kid);
      } finally {
        await before.close();
      }

      clock.advance(1000);
      const after = await startTestServer({ store: await createSqliteStore({ path }), options, clock });
      try {
        assert.ok(engineInternals(after.server.gatehouse).revocations.size > 0, 'the denylist is loaded at start');
        assert.equal(await meStatus(after, out.access_token), 401, 'the logged-out token stays refused');
        assert.equal(await refreshStatus(after, out.refresh_token), 401);
        assert.equal(await meStatus(after, kept.access_token), 200, 'same keys');
        const rotated = await refresh(after, kept.refresh_token);
        assert.equal(rotated.status, 200, rotated.text);
        assert.equal(await meStatus(after, (rotated.body as TokenBody).access_token), 200);
        const jwks = (await createClient(after).get('/.well-known/jwks.json')).body as { keys: { kid: string }[] };
        assert.deepEqual(jwks.keys.map((k) => k.kid), kids);
        assert.equal(kids.length, 1);
        assert.equal(decodeJwt((rotated.body as TokenBody).access_token).sid, kept.sid);
      } finally {
        await after.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
