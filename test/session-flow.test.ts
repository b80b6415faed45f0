// End to end over a real socket: register → login → me → csrf → logout, the exact cookies of SPEC §2,
// and a restart on the same SQLite file keeping users and sessions.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { createClient, errorCode, PASSWORD, signedIn, startTestServer } from './helpers.js';

describe('session mode, end to end', () => {
  it('registers, logs in, reads /auth/me, and logs out', async () => {
    const server = await startTestServer({ store: 'sqlite' });
    try {
      const client = createClient(server, { browser: true });
      const registered = await client.post('/auth/register', { email: '  Alice@Example.COM ', password: PASSWORD });
      assert.equal(registered.status, 201);
      const { user } = registered.body as { user: Record<string, unknown> };
      assert.deepEqual(Object.keys(user).sort(), ['createdAt', 'email', 'emailVerified', 'id', 'roles']);
      assert.equal(user['email'], 'alice@example.com');
      assert.ok(!registered.text.includes(PASSWORD));

      const login = await client.post('/auth/login', { email: 'alice@example.com', password: PASSWORD });
      assert.equal(login.status, 200);
      const body = login.body as { user: { id: string }; csrfToken: string; expiresAt: string };
      assert.equal(body.user.id, user['id']);
      assert.match(body.csrfToken, /^[A-Za-z0-9_-]{43}$/);
      assert.ok(Date.parse(body.expiresAt) > server.clock());

      const [sessionCookie, csrfCookie] = login.setCookies;
      assert.match(sessionCookie ?? '', /^__Host-gh_session=[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}; Max-Age=\d+; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
      assert.match(csrfCookie ?? '', /^__Host-gh_csrf=[A-Za-z0-9_-]{43}; Max-Age=\d+; Path=\/; Secure; SameSite=Lax$/);
      assert.ok(!/Domain=/i.test(sessionCookie ?? ''), '__Host- cookies carry no Domain');
      assert.equal(client.jar.get('__Host-gh_csrf'), body.csrfToken);

      const me = await client.get('/auth/me');
      assert.equal(me.status, 200);
      const meBody = me.body as { user: { email: string }; auth: { mode: string; sessionId: string; expiresAt: string } };
      assert.equal(meBody.user.email, 'alice@example.com');
      assert.equal(meBody.auth.mode, 'session');
      assert.equal(meBody.auth.sessionId, client.jar.get('__Host-gh_session')?.split('.')[0]);

      const csrf = await client.get('/auth/csrf');
      assert.deepEqual(csrf.body, { csrfToken: body.csrfToken });

      const token = client.jar.get('__Host-gh_session')!;
      const logout = await client.post('/auth/logout', undefined, { headers: client.csrfHeaders() });
      assert.equal(logout.status, 204);
      assert.ok(logout.setCookies.every((c) => /Max-Age=0/.test(c)), 'logout clears the cookies');
      const cleared = logout.setCookies.map((c) => c.split('=')[0]);
      assert.ok(cleared.includes('__Host-gh_session') && cleared.includes('__Host-gh_csrf'));

      const replay = await client.get('/auth/me', { headers: { cookie: `__Host-gh_session=${token}` }, noCookies: true });
      assert.equal(replay.status, 401);
      assert.equal(errorCode(replay), 'unauthenticated');
    } finally {
      await server.close();
    }
  });

  it('keeps only a hash of the session secret: the database files never hold the secret', async () => {
    const server = await startTestServer({ store: 'sqlite' });
    try {
      const { client, login } = await signedIn(server);
      const [id, secret] = client.jar.get('__Host-gh_session')!.split('.') as [string, string];
      const record = await server.store.sessions.get(id);
      assert.ok(record);
      assert.notEqual(record.secretHash, secret);
      const dir = dirname(server.dbPath!);
      for (const file of readdirSync(dir)) {
        const bytes = readFileSync(join(dir, file));
        assert.equal(bytes.indexOf(secret), -1, `${file} holds the session secret`);
        assert.equal(bytes.indexOf(login.csrfToken), -1, `${file} holds the CSRF token`);
        assert.equal(bytes.indexOf(PASSWORD), -1, `${file} holds the password`);
      }
    } finally {
      await server.close();
    }
  });

  it('uses one canonical email at every entry point', async () => {
    const server = await startTestServer();
    try {
      const client = createClient(server, { browser: true });
      assert.equal((await client.post('/auth/register', { email: 'Zoë@Example.com', password: PASSWORD })).status, 201);
      const twin = await client.post('/auth/register', { email: ' ＺＯË@EXAMPLE.COM', password: PASSWORD });
      assert.equal(twin.status, 409, 'a fullwidth, upper-case spelling is the same account');
      assert.equal(errorCode(twin), 'email_taken');
      assert.equal((await client.post('/auth/login', { email: 'zoë@example.COM ', password: PASSWORD })).status, 200);
      const lookalike = await client.post('/auth/login', { email: 'zое@example.com', password: PASSWORD });
      assert.equal(errorCode(lookalike), 'invalid_credentials', 'a Cyrillic look-alike is another (unknown) account');
    } finally {
      await server.close();
    }
  });
});
