// Attack tests for SPEC §2 CSRF and origin rules: cookie-authenticated unsafe requests need the session's own
// X-CSRF-Token and an allowed Origin/Sec-Fetch-Site; login and register refuse foreign origins (login CSRF);
// CORS is granted only to GATEHOUSE_ALLOWED_ORIGINS.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createClient, errorCode, PASSWORD, signedIn, startTestServer, type TestServer } from './helpers.js';

/** A JSON POST with a Host header of the test's choosing (fetch always sends the real one). */
function postWithHost(url: string, path: string, host: string, headers: Record<string, string>, body: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(path, url);
    const outgoing = httpRequest(
      { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { host, 'content-type': 'application/json', ...headers } },
      (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      },
    );
    outgoing.on('error', reject).end(JSON.stringify(body));
  });
}

describe('CSRF on cookie-authenticated unsafe requests', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  async function stillSignedIn(client: Awaited<ReturnType<typeof signedIn>>['client']) {
    assert.equal((await client.get('/auth/me')).status, 200, 'the refused request changed nothing');
  }

  it('refuses logout without an X-CSRF-Token', async () => {
    const { client } = await signedIn(server);
    const response = await client.post('/auth/logout');
    assert.equal(response.status, 403);
    assert.equal(errorCode(response), 'csrf_failed');
    await stillSignedIn(client);
  });

  it('refuses a wrong token', async () => {
    const { client } = await signedIn(server);
    const response = await client.post('/auth/logout', undefined, { headers: { 'x-csrf-token': 'A'.repeat(43) } });
    assert.equal(errorCode(response), 'csrf_failed');
    await stillSignedIn(client);
  });

  it("refuses another session's valid token (tokens are bound to their session)", async () => {
    const victim = await signedIn(server);
    const attacker = await signedIn(server);
    const response = await victim.client.post('/auth/logout', undefined, {
      headers: { 'x-csrf-token': attacker.login.csrfToken },
    });
    assert.equal(errorCode(response), 'csrf_failed');
    await stillSignedIn(victim.client);
  });

  it('refuses a cookie/header pair chosen by the attacker (no naive double submit)', async () => {
    const { client } = await signedIn(server);
    const session = client.jar.get('__Host-gh_session')!;
    const forged = 'x'.repeat(43);
    const response = await client.post('/auth/logout', undefined, {
      noCookies: true,
      headers: { cookie: `__Host-gh_session=${session}; __Host-gh_csrf=${forged}`, 'x-csrf-token': forged },
    });
    assert.equal(errorCode(response), 'csrf_failed');
    await stillSignedIn(client);
  });

  it('refuses the right token from a cross-site Origin', async () => {
    const { client } = await signedIn(server);
    const { port } = new URL(server.url);
    // Another port of this host, the other loopback spelling, and http on a loopback host that is not this one.
    const others = [`https://127.0.0.1:${Number(port) + 1}`, `http://localhost:${port}`, `http://127.0.0.2:${port}`];
    for (const origin of ['https://evil.example', 'null', ...others]) {
      const response = await client.post('/auth/logout', undefined, { headers: { ...client.csrfHeaders(), origin } });
      assert.equal(errorCode(response), 'csrf_failed', `origin ${origin}`);
    }
    await stillSignedIn(client);
  });

  it('refuses Sec-Fetch-Site: cross-site or same-site when no Origin vouches for the request', async () => {
    const { client } = await signedIn(server);
    for (const site of ['cross-site', 'same-site']) {
      const response = await client.request('POST', '/auth/logout', {
        headers: { ...client.csrfHeaders(), 'sec-fetch-site': site, origin: undefined },
      });
      assert.equal(errorCode(response), 'csrf_failed', site);
    }
    await stillSignedIn(client);
  });

  it('accepts the right token from the same origin', async () => {
    const { client } = await signedIn(server);
    const response = await client.post('/auth/logout', undefined, {
      headers: { ...client.csrfHeaders(), 'sec-fetch-site': 'same-origin' },
    });
    assert.equal(response.status, 204);
  });

  it('protects every unsafe session route: logout-all and DELETE /auth/sessions/:id', async () => {
    const { client } = await signedIn(server);
    const list = (await client.get('/auth/sessions')).body as { sessions: { id: string }[] };
    const id = list.sessions[0]!.id;
    assert.equal(errorCode(await client.post('/auth/logout-all')), 'csrf_failed');
    assert.equal(errorCode(await client.delete(`/auth/sessions/${id}`)), 'csrf_failed');
    await stillSignedIn(client);
  });

  it('needs no token for safe methods', async () => {
    const { client } = await signedIn(server);
    assert.equal((await client.get('/auth/me', { headers: { origin: 'https://evil.example' } })).status, 200);
  });
});

describe('plain-HTTP pages on loopback (development)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('treats an http Origin on a loopback host as same-origin when it is the Host: register, login, logout', async () => {
    const { port } = new URL(server.url);
    const client = createClient({ url: server.url, origin: `http://127.0.0.1:${port}` }, { browser: true });
    const email = 'loopback-page@example.com';
    assert.equal((await client.post('/auth/register', { email, password: PASSWORD })).status, 201);
    assert.equal((await client.post('/auth/login', { email, password: PASSWORD })).status, 200);
    assert.equal((await client.get('/auth/me')).status, 200);
    assert.equal((await client.post('/auth/logout', undefined, { headers: client.csrfHeaders() })).status, 204);
    for (const host of [`localhost:${port}`, `[::1]:${port}`, `127.4.5.6:${port}`]) {
      const response = await postWithHost(server.url, '/auth/login', host, { origin: `http://${host}` }, { email, password: PASSWORD });
      assert.equal(response.status, 200, `${host}: ${response.text}`);
    }
  });

  it('still refuses plain http on any other host, and a rebound name pointing at loopback', async () => {
    const { port } = new URL(server.url);
    for (const host of [`app.example.com:${port}`, `evil.example:${port}`, `127.0.0.1.nip.io:${port}`]) {
      const response = await postWithHost(server.url, '/auth/login', host, { origin: `http://${host}` }, { email: 'x@example.com', password: PASSWORD });
      assert.equal(response.status, 403, host);
      assert.match(response.text, /csrf_failed/);
    }
  });

  it('says why in its message and its log: the Origin seen and the ones expected', async () => {
    const client = createClient(server);
    const response = await client.post('/auth/login', { email: 'x@example.com', password: PASSWORD }, { headers: { origin: 'http://app.example.com:8080' } });
    assert.equal(errorCode(response), 'csrf_failed');
    assert.match((response.body as { error: { message: string } }).error.message, /GATEHOUSE_ALLOWED_ORIGINS/);
    const lines = server.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    const line = lines.find((l) => l['refused'] === 'csrf_failed' && l['origin'] === 'http://app.example.com:8080');
    assert.ok(line, 'a log line for the refusal, with the Origin seen');
    assert.equal(line['level'], 30, 'at info');
    const host = new URL(server.url).host;
    assert.deepEqual(line['expected'], [`https://${host}`, `http://${host}`]);
  });
});

describe('login CSRF and origins', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ options: { allowedOrigins: ['https://app.example.com'] } });
  });
  after(() => server.close());

  it('refuses login and register from a foreign Origin', async () => {
    const client = createClient(server);
    const email = 'victim-of-login-csrf@example.com';
    for (const path of ['/auth/register', '/auth/login']) {
      const response = await client.post(path, { email, password: PASSWORD }, { headers: { origin: 'https://evil.example' } });
      assert.equal(response.status, 403, path);
      assert.equal(errorCode(response), 'csrf_failed');
      assert.equal(response.setCookies.length, 0);
    }
    const crossSite = await client.post('/auth/register', { email, password: PASSWORD }, {
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    assert.equal(errorCode(crossSite), 'csrf_failed');
    const login = await client.post('/auth/login', { email, password: PASSWORD });
    assert.equal(errorCode(login), 'invalid_credentials', 'the refused register created nothing');
  });

  it('accepts an allowed origin and grants it CORS with credentials', async () => {
    const client = createClient(server);
    const origin = 'https://app.example.com';
    const response = await client.post(
      '/auth/register',
      { email: 'cors@example.com', password: PASSWORD },
      { headers: { origin } },
    );
    assert.equal(response.status, 201);
    assert.equal(response.headers.get('access-control-allow-origin'), origin);
    assert.equal(response.headers.get('access-control-allow-credentials'), 'true');
    const preflight = await client.request('OPTIONS', '/auth/login', {
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), origin);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /X-CSRF-Token/);
  });

  it('grants no CORS to any other origin', async () => {
    const client = createClient(server);
    for (const origin of ['https://evil.example', 'https://app.example.com.evil.example', 'null']) {
      const preflight = await client.request('OPTIONS', '/auth/login', {
        headers: { origin, 'access-control-request-method': 'POST' },
      });
      assert.equal(preflight.headers.get('access-control-allow-origin'), null, origin);
      const me = await client.get('/auth/me', { headers: { origin } });
      assert.equal(me.headers.get('access-control-allow-origin'), null, origin);
    }
  });
});
