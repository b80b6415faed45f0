// Session-to-token exchange over a real socket: POST /auth/token turns a cookie session (with its CSRF token)
// into a short-lived bearer JWT whose `sid` is the session id, verifiable with the JWKS through node:crypto
// alone. Only cookie sessions exchange. The token dies with its session (logout, DELETE /auth/sessions/:id,
// logout-all, a password change elsewhere) and never outlives it; another session's logout leaves it alone.
import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { bearer, createClient, errorCode, PASSWORD, register, startTestServer, type Client, type TestServer } from './helpers.js';

interface Exchanged { access_token: string; token_type: string; expires_in: number }
interface Me { user: { id: string }; auth: { mode: string; sessionId: string; expiresAt: string } }

/** A browser signed in with a cookie session; its id and expiry from /auth/me. */
async function sessionLogin(server: TestServer, email: string) {
  const client = createClient(server, { browser: true });
  const login = await client.post('/auth/login', { email, password: PASSWORD });
  assert.equal(login.status, 200, login.text);
  const me = await client.get('/auth/me');
  assert.equal(me.status, 200, me.text);
  return { client, me: me.body as Me };
}

async function exchange(client: Client): Promise<Exchanged> {
  const response = await client.post('/auth/token', undefined, { headers: client.csrfHeaders() });
  assert.equal(response.status, 200, response.text);
  return response.body as Exchanged;
}

const meStatus = async (server: TestServer, token: string) => (await createClient(server).get('/auth/me', bearer(token))).status;

/** A relying party's check: the JWKS from the network and node:crypto, nothing else. The payload, or null. */
async function verifyWithJwks(server: TestServer, token: string): Promise<Record<string, unknown> | null> {
  const jwks = (await createClient(server).get('/.well-known/jwks.json')).body as { keys: { kid: string; kty: string; crv: string; x: string }[] };
  const [h, p, s] = token.split('.') as [string, string, string];
  const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { kid: string; alg: string; typ: string };
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (!jwk || jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || header.alg !== 'EdDSA' || header.typ !== 'at+jwt') return null;
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' });
  if (!verify(null, Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'))) return null;
  return JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
}

describe('session-to-token exchange', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('exchanges a cookie session for a bearer JWT of at most 300 s whose sid is the session id', async () => {
    const { client, me } = await sessionLogin(server, await register(server));
    const response = await client.post('/auth/token', undefined, { headers: client.csrfHeaders() });
    assert.equal(response.status, 200, response.text);
    const body = response.body as Exchanged;
    assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'token_type']);
    assert.equal(body.token_type, 'Bearer');
    assert.ok(body.expires_in > 0 && body.expires_in <= 300, `expires_in ${body.expires_in}`);
    assert.equal(body.expires_in, 300, 'a day-long session gets the full exchange lifetime');
    assert.deepEqual(response.setCookies, [], 'the cookies are left alone');

    const payload = await verifyWithJwks(server, body.access_token);
    assert.ok(payload, 'verifies with node:crypto and the published JWKS');
    assert.equal(payload['sid'], me.auth.sessionId);
    assert.equal(payload['sub'], me.user.id);
    assert.equal(payload['iat'], Math.floor(server.clock() / 1000));
    assert.equal((payload['exp'] as number) - payload['iat'], body.expires_in);
    const tampered = `${body.access_token.slice(0, -4)}AAAA`;
    assert.equal(await verifyWithJwks(server, tampered), null, 'the independent check is a real one');

    const asBearer = await createClient(server).get('/auth/me', bearer(body.access_token));
    assert.equal(asBearer.status, 200);
    assert.deepEqual((asBearer.body as Me).auth.mode, 'token');
    assert.equal((asBearer.body as Me).auth.sessionId, me.auth.sessionId);
    assert.equal((asBearer.body as Me).user.id, me.user.id);

    const sessions = await client.get('/auth/sessions');
    assert.deepEqual((sessions.body as { sessions: { id: string }[] }).sessions.map((s) => s.id), [me.auth.sessionId], 'no new session or family');
  });

  it('needs the CSRF token and a same origin; only cookie sessions exchange', async () => {
    const email = await register(server);
    const { client } = await sessionLogin(server, email);
    for (const headers of [{}, { 'x-csrf-token': 'A'.repeat(43) }, { ...client.csrfHeaders(), origin: 'https://evil.example' }]) {
      const refused = await client.post('/auth/token', undefined, { headers });
      assert.equal(refused.status, 403);
      assert.equal(errorCode(refused), 'csrf_failed');
    }

    const token = await createClient(server).post('/auth/login', { email, password: PASSWORD, mode: 'token' });
    const withBearer = await createClient(server).post('/auth/token', undefined, bearer((token.body as Exchanged).access_token));
    assert.equal(withBearer.status, 400);
    assert.equal(errorCode(withBearer), 'invalid_request');
    const exchanged = await exchange(client);
    const chained = await createClient(server).post('/auth/token', undefined, bearer(exchanged.access_token));
    assert.equal(errorCode(chained), 'invalid_request', 'an exchanged token cannot be exchanged again');

    const hybrid = createClient(server, { browser: true });
    assert.equal((await hybrid.post('/auth/login', { email, password: PASSWORD, mode: 'hybrid' })).status, 200);
    const fromHybrid = await hybrid.post('/auth/token', undefined, { headers: hybrid.csrfHeaders() });
    assert.equal(fromHybrid.status, 400);
    assert.equal(errorCode(fromHybrid), 'invalid_request');

    const anonymous = await createClient(server, { browser: true }).post('/auth/token');
    assert.equal(anonymous.status, 401);
  });

  it('dies at once when its session logs out', async () => {
    const { client } = await sessionLogin(server, await register(server));
    const { access_token } = await exchange(client);
    assert.equal(await meStatus(server, access_token), 200);
    assert.equal((await client.post('/auth/logout', undefined, { headers: client.csrfHeaders() })).status, 204);
    assert.equal(await meStatus(server, access_token), 401);
  });

  it('dies at once when its session is deleted from another session of the user', async () => {
    const email = await register(server);
    const first = await sessionLogin(server, email);
    const second = await sessionLogin(server, email);
    const { access_token } = await exchange(first.client);
    const deleted = await second.client.delete(`/auth/sessions/${first.me.auth.sessionId}`, { headers: second.client.csrfHeaders() });
    assert.equal(deleted.status, 204);
    assert.equal(await meStatus(server, access_token), 401);
    assert.equal((await second.client.get('/auth/me')).status, 200);
  });

  it('dies at once on logout-all from another session', async () => {
    const email = await register(server);
    const first = await sessionLogin(server, email);
    const second = await sessionLogin(server, email);
    // Same clock second as the logout-all: only the session's own sid revocation can refuse it.
    const { access_token } = await exchange(first.client);
    assert.equal((await second.client.post('/auth/logout-all', undefined, { headers: second.client.csrfHeaders() })).status, 204);
    assert.equal(await meStatus(server, access_token), 401);
  });

  it('dies at once on a password change from another session; the changing session keeps its own token', async () => {
    const email = await register(server);
    const first = await sessionLogin(server, email);
    const second = await sessionLogin(server, email);
    const mine = await exchange(first.client);
    const theirs = await exchange(second.client);
    const changed = await second.client.post(
      '/auth/password',
      { currentPassword: PASSWORD, newPassword: 'a completely different passphrase 42' },
      { headers: second.client.csrfHeaders() },
    );
    assert.equal(changed.status, 204, changed.text);
    assert.equal(await meStatus(server, mine.access_token), 401);
    assert.equal(await meStatus(server, theirs.access_token), 200);
  });

  it("survives another session's logout", async () => {
    const email = await register(server);
    const first = await sessionLogin(server, email);
    const second = await sessionLogin(server, email);
    const { access_token } = await exchange(first.client);
    assert.equal((await second.client.post('/auth/logout', undefined, { headers: second.client.csrfHeaders() })).status, 204);
    assert.equal(await meStatus(server, access_token), 200);
  });
});

describe('an exchanged token never outlives its session', () => {
  it('with a 120 s idle session: exp ≤ the session expiry, and it expires with it', async () => {
    const server = await startTestServer({ options: { sessionIdleTtlSeconds: 120 } });
    try {
      const { client } = await sessionLogin(server, await register(server));
      server.clock.advance(30_500); // off the second boundary, before any renewal
      const me = (await client.get('/auth/me')).body as Me;
      const sessionExpiresAt = Date.parse(me.auth.expiresAt);
      const body = await exchange(client);
      const payload = JSON.parse(Buffer.from(body.access_token.split('.')[1]!, 'base64url').toString()) as { exp: number; iat: number };
      assert.ok(body.expires_in < 300, `expires_in ${body.expires_in}`);
      assert.ok(payload.exp * 1000 <= sessionExpiresAt, `exp ${payload.exp * 1000} ≤ session expiry ${sessionExpiresAt}`);
      assert.equal(payload.exp - payload.iat, body.expires_in);
      assert.equal(body.expires_in, Math.floor((sessionExpiresAt - server.clock()) / 1000));
      assert.equal(await meStatus(server, body.access_token), 200);

      server.clock.set(sessionExpiresAt + 6_000); // past the session, and past the token's clock tolerance
      assert.equal(await meStatus(server, body.access_token), 401);
      assert.equal((await client.get('/auth/me')).status, 401, 'the session has expired too');
    } finally {
      await server.close();
    }
  });

  it('near the absolute expiry the token is cut to what is left of the session', async () => {
    const server = await startTestServer({ options: { sessionIdleTtlSeconds: 120, sessionAbsoluteTtlSeconds: 200 } });
    try {
      const { client } = await sessionLogin(server, await register(server));
      server.clock.advance(100_000);
      assert.equal((await client.get('/auth/me')).status, 200); // renews: now capped by the absolute expiry
      server.clock.advance(50_000);
      const me = (await client.get('/auth/me')).body as Me;
      const body = await exchange(client);
      const payload = JSON.parse(Buffer.from(body.access_token.split('.')[1]!, 'base64url').toString()) as { exp: number };
      assert.equal(Date.parse(me.auth.expiresAt), Date.UTC(2026, 0, 1) + 200_000);
      assert.equal(body.expires_in, 50);
      assert.ok(payload.exp * 1000 <= Date.parse(me.auth.expiresAt));
    } finally {
      await server.close();
    }
  });
});
