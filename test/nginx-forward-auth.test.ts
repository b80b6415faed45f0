// Forward-auth behind a real nginx (`auth_request`): nginx asks Gatehouse's /auth/verify about every request
// and passes the identity headers to a small upstream that echoes them. Covers no credential, bearer, cookie
// session, hybrid cookie, forged and expired tokens, logout taking effect at once, and the CSRF rules for a
// cookie-authenticated POST (nginx passes the sub-request's 401/403 through as-is; other codes become 500).
// Plus /auth/verify directly: every method, and never cacheable. Skipped when nginx is not installed.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { createClient, PASSWORD, signedIn, startTestServer, type Client, type TestServer } from './helpers.js';
import { findNginx, freePort, startNginx, type RunningNginx } from './nginx-kit.js';
import { describeOrSkip } from './support-services.js';

const SESSION = '__Host-gh_session';
const ACCESS = '__Host-gh_access';

const nginx = findNginx();

function nginxConfig(port: number, gatehousePort: number, upstreamPort: number): string {
  // `Host $http_host` (not the README's `$host`): $host drops the port, and the same-origin check compares the
  // Origin's host:port with the Host Gatehouse sees. Cookies stay Secure (no insecureCookies), so the page
  // nginx fronts is `https://127.0.0.1:<port>` - the Origin a same-origin browser request sends here.
  return `
  server {
    listen 127.0.0.1:${port};
    location = /_auth {
      internal;
      proxy_pass http://127.0.0.1:${gatehousePort}/auth/verify;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-Method $request_method;
      proxy_set_header X-Original-URI $request_uri;
      proxy_set_header Host $http_host;
    }
    location / {
      auth_request /_auth;
      auth_request_set $user $upstream_http_x_auth_user_id;
      auth_request_set $roles $upstream_http_x_auth_roles;
      auth_request_set $sid $upstream_http_x_auth_session_id;
      proxy_set_header X-User $user;
      proxy_set_header X-Roles $roles;
      proxy_set_header X-Session $sid;
      proxy_pass http://127.0.0.1:${upstreamPort};
    }
  }
`;
}

interface Seen {
  method: string;
  url: string;
  user?: string;
  roles?: string;
  session?: string;
}

describeOrSkip('forward-auth through a real nginx', nginx.skip, () => {
  let server: TestServer;
  let upstream: Server;
  let proxy: RunningNginx;
  let base: string;
  let origin: string;
  const seen: Seen[] = [];

  before(async () => {
    server = await startTestServer();
    upstream = createServer((req: IncomingMessage, res) => {
      const one = (name: string) => req.headers[name] as string | undefined;
      const hit: Seen = { method: req.method ?? '', url: req.url ?? '', user: one('x-user'), roles: one('x-roles'), session: one('x-session') };
      seen.push(hit);
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(hit));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const port = await freePort();
    const gatehousePort = Number(new URL(server.url).port);
    proxy = await startNginx(nginx.bin!, port, nginxConfig(port, gatehousePort, (upstream.address() as AddressInfo).port), '/_ready');
    base = proxy.base;
    origin = `https://127.0.0.1:${port}`;
    seen.length = 0;
  });

  after(async () => {
    await proxy?.stop();
    await new Promise<void>((resolve) => (upstream ? upstream.close(() => resolve()) : resolve()));
    await server?.close();
  });


  /** A request through nginx; the upstream's echo (or null when it was not reached) and how many hits it had. */
  async function through(path: string, opts: { method?: string; headers?: Record<string, string> } = {}) {
    const before = seen.length;
    const response = await fetch(`${base}${path}`, { method: opts.method ?? 'GET', headers: opts.headers ?? {} });
    const text = await response.text();
    const hits = seen.length - before;
    return { status: response.status, echo: hits > 0 ? (JSON.parse(text) as Seen) : null, hits, text };
  }

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const cookie = (name: string, client: Client) => ({ cookie: `${name}=${client.jar.get(name)!}` });

  async function tokenLogin(email: string) {
    const login = await createClient(server).post('/auth/login', { email, password: PASSWORD, mode: 'token' });
    assert.equal(login.status, 200, login.text);
    const token = (login.body as { access_token: string }).access_token;
    return { token, sid: decodeJwt(token)['sid'] as string };
  }

  it('no credential: 401 from nginx, and the upstream is never reached', async () => {
    const response = await through('/app/page');
    assert.equal(response.status, 401);
    assert.equal(response.hits, 0);
    assert.equal((await through('/app/page', { method: 'POST' })).hits, 0);
  });

  it('a bearer token: 200, the upstream gets the user id, the family id and the roles (not the client-sent ones)', async () => {
    const { email, login } = await signedIn(server);
    await server.server.gatehouse.grantRole(email, 'admin');
    await server.server.gatehouse.grantRole(email, 'editor');
    const { token, sid } = await tokenLogin(email);
    const response = await through('/app/page?x=1', { headers: { ...bearer(token), 'x-user': 'spoofed', 'x-roles': 'root' } });
    assert.equal(response.status, 200, response.text);
    assert.equal(response.hits, 1);
    assert.equal(response.echo?.url, '/app/page?x=1');
    assert.equal(response.echo?.user, login.user.id);
    assert.equal(response.echo?.session, sid);
    assert.deepEqual(response.echo?.roles?.split(',').sort(), ['admin', 'editor']);
  });

  it('a cookie session: 200 with X-User', async () => {
    const { client, login } = await signedIn(server);
    const response = await through('/app', { headers: cookie(SESSION, client) });
    assert.equal(response.status, 200, response.text);
    assert.equal(response.echo?.user, login.user.id);
    assert.ok(response.echo?.session);
  });

  it('forged or garbage tokens: 401, upstream not reached', async () => {
    const { email } = await signedIn(server);
    const { token } = await tokenLogin(email);
    const [h, p, s] = token.split('.') as [string, string, string];
    const payload = { ...decodeJwt(token), sub: 'someone-else' };
    const forged = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
    for (const bad of [forged, `${h}.${p}.${'A'.repeat(s.length)}`, 'garbage', `${token}x`]) {
      const response = await through('/app', { headers: bearer(bad) });
      assert.equal(response.status, 401, bad);
      assert.equal(response.hits, 0);
    }
    const malformed = await through('/app', { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    assert.equal(malformed.status, 401);
    assert.equal(malformed.hits, 0);
  });

  it('an expired token: 401 once the clock passes its lifetime', async () => {
    const { email } = await signedIn(server);
    const { token } = await tokenLogin(email);
    assert.equal((await through('/app', { headers: bearer(token) })).status, 200);
    server.clock.advance(905_000);
    const response = await through('/app', { headers: bearer(token) });
    assert.equal(response.status, 401);
    assert.equal(response.hits, 0);
  });

  it('logout at Gatehouse takes effect through nginx at once: cookie session', async () => {
    const { client } = await signedIn(server);
    const headers = cookie(SESSION, client);
    assert.equal((await through('/app', { headers })).status, 200);
    const logout = await client.post('/auth/logout', undefined, { headers: client.csrfHeaders() });
    assert.equal(logout.status, 204, logout.text);
    const response = await through('/app', { headers });
    assert.equal(response.status, 401);
    assert.equal(response.hits, 0);
  });

  it('logout at Gatehouse takes effect through nginx at once: bearer token', async () => {
    const { email } = await signedIn(server);
    const { token } = await tokenLogin(email);
    assert.equal((await through('/app', { headers: bearer(token) })).status, 200);
    const logout = await createClient(server).post('/auth/logout', undefined, { headers: bearer(token) });
    assert.equal(logout.status, 204, logout.text);
    const response = await through('/app', { headers: bearer(token) });
    assert.equal(response.status, 401);
    assert.equal(response.hits, 0);
  });

  it('a cookie-authenticated POST: 403 without the CSRF token or from another origin, 200 with both', async () => {
    const { client, login } = await signedIn(server);
    const session = cookie(SESSION, client);
    const csrf = { 'x-csrf-token': login.csrfToken };
    const refused = [
      { ...session, origin },
      { ...session, origin, 'x-csrf-token': 'wrong' },
      { ...session, ...csrf, origin: 'https://evil.example' },
      { ...session, ...csrf, origin: `https://127.0.0.1:${Number(new URL(base).port) + 1}` },
      // nginx sets X-Original-Method and passes a client's X-Forwarded-Method through: it must not make a POST "safe".
      { ...session, origin: 'https://evil.example', 'x-forwarded-method': 'GET' },
    ];
    for (const headers of refused) {
      const response = await through('/app/form', { method: 'POST', headers });
      assert.equal(response.status, 403, JSON.stringify(headers));
      assert.equal(response.hits, 0);
    }
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const response = await through('/app/form', { method, headers: { ...session, ...csrf, origin } });
      assert.equal(response.status, 200, `${method}: ${response.text}`);
      assert.equal(response.echo?.method, method);
      assert.equal(response.echo?.user, login.user.id);
    }
    // A safe method needs neither; a bearer POST needs no CSRF token (no ambient credential).
    assert.equal((await through('/app', { headers: session })).status, 200);
    const { token } = await tokenLogin((await signedIn(server)).email);
    assert.equal((await through('/app/form', { method: 'POST', headers: bearer(token) })).status, 200);
  });

  it('a hybrid login: the access cookie alone passes, with X-User and the family id', async () => {
    const { email } = await signedIn(server);
    const client = createClient(server, { browser: true });
    const login = await client.post('/auth/login', { email, password: PASSWORD, mode: 'hybrid' });
    assert.equal(login.status, 200, login.text);
    const body = login.body as { user: { id: string }; csrfToken: string };
    const response = await through('/app', { headers: cookie(ACCESS, client) });
    assert.equal(response.status, 200, response.text);
    assert.equal(response.echo?.user, body.user.id);
    assert.equal(response.echo?.session, decodeJwt(client.jar.get(ACCESS)!)['sid']);
    const post = { ...cookie(ACCESS, client), origin };
    assert.equal((await through('/app', { method: 'POST', headers: post })).status, 403);
    assert.equal((await through('/app', { method: 'POST', headers: { ...post, 'x-csrf-token': body.csrfToken } })).status, 200);
  });
});

describe('/auth/verify directly', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('answers every method with 200 or 401, never cacheable', async () => {
    const { email, login } = await signedIn(server);
    const tokenLogin = await createClient(server).post('/auth/login', { email, password: PASSWORD, mode: 'token' });
    const token = (tokenLogin.body as { access_token: string }).access_token;
    for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']) {
      const ok = await createClient(server).request(method, '/auth/verify', { headers: { authorization: `Bearer ${token}` } });
      assert.equal(ok.status, 200, `${method}: ${ok.text}`);
      assert.equal(ok.headers.get('x-auth-user-id'), login.user.id, method);
      assert.equal(ok.headers.get('x-auth-session-id'), decodeJwt(token)['sid'], method);
      assert.equal(ok.headers.get('x-auth-roles'), '', method);
      assert.equal(ok.headers.get('cache-control'), 'no-store', method);
      const denied = await createClient(server).request(method, '/auth/verify');
      assert.equal(denied.status, 401, method);
      assert.equal(denied.headers.get('cache-control'), 'no-store', method);
      assert.equal(denied.headers.get('x-auth-user-id'), null, method);
    }
  });

  it('holds a cookie to the CSRF rules of the method it guards: an unsafe one in either gateway header wins', async () => {
    const { client, login } = await signedIn(server);
    const verify = (headers: Record<string, string>) => client.get('/auth/verify', { headers: { origin: server.origin, ...headers } });
    const guarded: [Record<string, string>, number][] = [
      [{}, 200],
      [{ 'x-forwarded-method': 'get' }, 200],
      [{ 'x-forwarded-method': 'GET', 'x-original-method': 'HEAD' }, 200],
      [{ 'x-forwarded-method': 'post' }, 403],
      [{ 'x-original-method': 'DELETE' }, 403],
      [{ 'x-forwarded-method': 'GET', 'x-original-method': 'PUT' }, 403],
      [{ 'x-forwarded-method': 'PATCH', 'x-original-method': 'GET' }, 403],
      [{ 'x-forwarded-method': '', 'x-original-method': 'POST' }, 403],
      [{ 'x-forwarded-method': 'POST', 'x-csrf-token': login.csrfToken }, 200],
      [{ 'x-original-method': 'OPTIONS' }, 200],
      [{ 'x-original-method': 'TRACE' }, 200],
      // RFC 9110 §9.2.1: only GET, HEAD, OPTIONS and TRACE are safe; WebDAV, PURGE and unknown tokens are not.
      ...['PROPPATCH', 'MKCOL', 'LOCK', 'UNLOCK', 'MOVE', 'COPY', 'PURGE', 'SEARCH', 'FROBNICATE', 'get2'].map(
        (method): [Record<string, string>, number] => [{ 'x-original-method': method }, 403],
      ),
      [{ 'x-forwarded-method': 'GET', 'x-original-method': 'PROPPATCH' }, 403],
      [{ 'x-original-method': 'PROPPATCH', 'x-csrf-token': login.csrfToken }, 200],
    ];
    for (const [headers, status] of guarded) {
      assert.equal((await verify(headers)).status, status, JSON.stringify(headers));
    }
  });
});
