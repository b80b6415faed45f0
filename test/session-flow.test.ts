// End to end over a real socket: register → login → me → csrf → logout, the exact cookies of SPEC §2,
// and a restart on the same SQLite file keeping users and sessions.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createClient, errorCode, PASSWORD, startTestServer } from './helpers.js';

describe('session mode, end to end', () => {
  it('registers, logs in, reads /auth/me, and logs out', async () => {
    const server = await startTestServer({ store: 'sqlite' });
    try {
      const client = createClient(server, { browser: true });
      const registered = await client.post('/auth/register', { email: '  Alice@Example.COM ', password: PASSWORD });
      assert.equal(registered.status, 201);
      const { user } = registered.body as { user: Record<string, unknown> };
      assert.deepEqual(Object.keys(user).sort(), ['createdAt', 'email', 'id', 'roles']);
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
      assert.ok(logout.setCookies.every((c) => /Max-Age=0/.test(c)), 'logout clears both cookies');
      assert.equal(logout.setCookies.length, 2);

      const replay = await client.get('/auth/me', { headers: { cookie: `__Host-gh_session=${token}` }, noCookies: true });
      assert.equal(replay.status, 401);
      assert.equal(errorCode(replay), 'unauthenticated');
    } finally {
      await server.close();
    }
  });
});
