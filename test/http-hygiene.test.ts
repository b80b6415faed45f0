// HTTP hygiene over a real socket: JSON-only bodies (415), malformed or mistyped JSON (400), the body limit
// (413), JSON 404s, the error format everywhere, no-store and security headers, and no 5xx for bad input.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient, errorCode, PASSWORD, signedIn, startTestServer, type TestServer } from './helpers.js';

describe('HTTP hygiene', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  function assertErrorShape(response: { body: unknown; headers: Headers }) {
    const body = response.body as { error: { code: string; message: string } };
    assert.deepEqual(Object.keys(body), ['error']);
    assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message']);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    assert.ok(!/\bat .*\.(ts|js):\d+/.test(JSON.stringify(body)), 'no stack trace');
  }

  it('refuses form, text and multipart bodies with 415 (a cross-site form cannot post)', async () => {
    const client = createClient(server, { browser: true });
    const cases: [string, string][] = [
      ['application/x-www-form-urlencoded', `email=a%40example.com&password=${encodeURIComponent(PASSWORD)}`],
      ['text/plain', JSON.stringify({ email: 'a@example.com', password: PASSWORD })],
      ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="email"\r\n\r\na@example.com\r\n--x--'],
      ['application/json; charset=latin1', JSON.stringify({ email: 'a@example.com', password: PASSWORD })],
    ];
    for (const [type, raw] of cases) {
      for (const path of ['/auth/register', '/auth/login']) {
        const response = await client.request('POST', path, { raw, headers: { 'content-type': type } });
        assert.equal(response.status, 415, `${path} ${type}`);
        assert.equal(errorCode(response), 'unsupported_media_type');
        assertErrorShape(response);
      }
    }
    const noType = await client.request('POST', '/auth/login', { raw: '{"email":"a@example.com"}' });
    assert.equal(noType.status, 415);
    const { client: signed } = await signedIn(server);
    const formLogout = await signed.request('POST', '/auth/logout', {
      raw: 'a=b',
      headers: { ...signed.csrfHeaders(), 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(formLogout.status, 415);
    assert.equal((await signed.get('/auth/me')).status, 200);
  });

  it('answers malformed or mistyped JSON with 400 invalid_request', async () => {
    const client = createClient(server, { browser: true });
    const bodies = [
      '{"email": "a@example.com", "password": ',
      '',
      'null',
      '[]',
      '"a string"',
      '{"email": 42, "password": "correct horse battery staple"}',
      '{"email": "a@example.com"}',
      '{"email": "a@example.com", "password": ["correct horse battery staple"]}',
      '{"email": {"$ne": null}, "password": {"$ne": null}}',
      '{"__proto__": {"admin": true}, "email": "a@example.com", "password": null}',
    ];
    for (const raw of bodies) {
      for (const path of ['/auth/register', '/auth/login']) {
        const response = await client.request('POST', path, { raw, headers: { 'content-type': 'application/json' } });
        assert.equal(response.status, 400, `${path} ${raw}`);
        assert.equal(errorCode(response), 'invalid_request');
        assertErrorShape(response);
      }
    }
  });

  it('refuses an invalid email or weak password at registration with a clear 400', async () => {
    const client = createClient(server, { browser: true });
    const cases = [
      { email: 'not-an-email', password: PASSWORD },
      { email: 'short@example.com', password: 'eleven char' },
      { email: 'common@example.com', password: 'qwerty123456' },
      { email: 'long@example.com', password: 'x'.repeat(1025) },
    ];
    for (const body of cases) {
      const response = await client.post('/auth/register', body);
      assert.equal(response.status, 400, JSON.stringify(body).slice(0, 60));
      assert.equal(errorCode(response), 'invalid_request');
    }
  });

  it("refuses a guessable password at registration with zxcvbn's feedback in the 400 message", async () => {
    const client = createClient(server, { browser: true });
    const walk = await client.post('/auth/register', { email: 'walk@example.com', password: 'qwertyuiopasdfgh' });
    assert.equal(walk.status, 400);
    assert.equal(errorCode(walk), 'invalid_request');
    const { message } = (walk.body as { error: { message: string } }).error;
    assert.match(message, /^password is too easy to guess\. This is close to a commonly used password\. Add more words/);
    const own = await client.post('/auth/register', { email: 'ada.lovelace@example.com', password: 'adalovelace2024' });
    assert.match((own.body as { error: { message: string } }).error.message, /contains your email address or part of it/);
  });

  it('refuses a login mode that is not enabled', async () => {
    const client = createClient(server, { browser: true });
    const response = await client.post('/auth/login', { email: 'a@example.com', password: PASSWORD, mode: 'bogus' });
    assert.equal(errorCode(response), 'invalid_request');
  });

  it('ignores fields a user must not set (no mass assignment of roles or ids)', async () => {
    const client = createClient(server, { browser: true });
    const response = await client.post('/auth/register', {
      email: 'mass@example.com',
      password: PASSWORD,
      roles: ['admin'],
      id: '00000000-0000-0000-0000-000000000000',
    });
    const { user } = response.body as { user: { roles: string[]; id: string } };
    assert.deepEqual(user.roles, []);
    assert.notEqual(user.id, '00000000-0000-0000-0000-000000000000');
  });

  it('answers bodies over 16 KiB with 413 and creates nothing', async () => {
    const client = createClient(server, { browser: true });
    const email = 'big@example.com';
    const raw = JSON.stringify({ email, password: PASSWORD, pad: 'x'.repeat(17 * 1024) });
    const response = await client.request('POST', '/auth/register', { raw, headers: { 'content-type': 'application/json' } });
    assert.equal(response.status, 413);
    assert.equal(errorCode(response), 'payload_too_large');
    assertErrorShape(response);
    const login = await client.post('/auth/login', { email, password: PASSWORD });
    assert.equal(errorCode(login), 'invalid_credentials');
  });

  it('answers unknown paths and methods with a JSON 404', async () => {
    const client = createClient(server);
    for (const [method, path] of [['GET', '/nope'], ['GET', '/auth/login'], ['PUT', '/auth/me'], ['POST', '/auth/me']] as const) {
      const response = await client.request(method, path);
      assert.equal(response.status, 404, `${method} ${path}`);
      assert.equal(errorCode(response), 'not_found');
      assertErrorShape(response);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    }
  });

  it('never answers bad input with a 5xx', async () => {
    const client = createClient(server, { browser: true });
    const probes = [
      () => client.request('GET', '/auth/%E0%A4%A'),
      () => client.request('GET', '/auth/me', { headers: { cookie: '__Host-gh_session=%%%; a' } }),
      () => client.request('GET', '/auth/me', { headers: { cookie: `__Host-gh_session=${'A'.repeat(4000)}` } }),
      () => client.request('DELETE', `/auth/sessions/${'%2F'.repeat(50)}`),
      () => client.request('POST', '/auth/login', { raw: '\u0000\u0001', headers: { 'content-type': 'application/json' } }),
      () => client.request('POST', '/auth/login', { raw: '{"email":"\\ud800@x.com","password":"aaaaaaaaaaaaaaa"}', headers: { 'content-type': 'application/json' } }),
      () => client.request('POST', '/auth/register', { raw: '[' .repeat(5000), headers: { 'content-type': 'application/json' } }),
    ];
    for (const probe of probes) {
      const response = await probe();
      assert.ok(response.status >= 400 && response.status < 500, `status ${response.status}: ${response.text}`);
    }
  });

  it('marks every response no-store and sets the security headers', async () => {
    const { client } = await signedIn(server);
    for (const response of [
      await client.get('/auth/me'),
      await client.get('/auth/me', { noCookies: true }),
      await client.get('/healthz'),
      await client.get('/missing'),
    ]) {
      assert.equal(response.headers.get('cache-control'), 'no-store');
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(response.headers.get('x-frame-options'), 'DENY');
      assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
      assert.match(response.headers.get('strict-transport-security') ?? '', /max-age=\d+/);
      assert.match(response.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
      assert.equal(response.headers.get('cross-origin-resource-policy'), 'same-origin');
    }
  });

  it('keeps header-only answers to no-store and HSTS, and a body always brings the hardening', async () => {
    const { client } = await signedIn(server);
    const verified = await client.get('/auth/verify');
    assert.equal(verified.status, 200);
    assert.equal(verified.text, '');
    assert.equal(verified.headers.get('cache-control'), 'no-store');
    assert.match(verified.headers.get('strict-transport-security') ?? '', /max-age=\d+/);
    assert.ok(verified.headers.get('x-auth-user-id'));
    // Nothing to sniff, frame or render: the document hardening would only cost (docs/performance.md).
    assert.equal(verified.headers.get('content-security-policy'), null);
    const refused = await client.get('/auth/verify', { noCookies: true });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('cache-control'), 'no-store');
    assert.equal(refused.headers.get('x-content-type-options'), 'nosniff');
    assert.match(refused.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  });

  it('says Vary: Origin on the one answer a cache may keep', async () => {
    const jwks = await createClient(server).get('/.well-known/jwks.json');
    assert.match(jwks.headers.get('cache-control') ?? '', /^public, max-age=\d+$/);
    assert.equal(jwks.headers.get('vary'), 'Origin');
  });
});
