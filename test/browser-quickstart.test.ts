// The quick start in a real browser (Chromium): a page over plain HTTP on loopback registers, signs in, calls
// /auth/me and logs out, in session and hybrid mode — served same-origin by the server itself on
// http://127.0.0.1 and http://localhost, behind nginx proxying /auth/ with `Host $http_host`, and from another
// origin listed in GATEHOUSE_ALLOWED_ORIGINS with `credentials: 'include'`. The cookies stay Secure with their
// __Host- prefixes: browsers keep them on loopback, and the Origin check agrees.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext } from 'playwright-core';
import { resolveServerConfig } from '../src/server/config.js';
import { createServer, type GatehouseServer } from '../src/server/server.js';
import { createMemoryStore } from '../src/stores/memory/index.js';
import { PASSWORD, startTestServer, type TestServer } from './helpers.js';
import { findChromium, launchChromium } from './browser-kit.js';
import { findNginx, freePort, startNginx, type RunningNginx } from './nginx-kit.js';

const chromium = findChromium();
const nginx = findNginx();
/**
 * The page: its own script is what a developer writes in the quick start — fetch with the browser's cookies, the
 * CSRF token from the login answer on unsafe requests. `credentials` is 'same-origin' (fetch's default) for a
 * page on the server's origin, 'include' for a page on another origin.
 */
const PAGE = `<!doctype html><meta charset="utf-8"><title>quick start</title><p>Gatehouse quick start page</p>
<script type="module">
window.signInAndOut = async ({ base, mode, email, password, credentials }) => {
  const post = (path, body, headers = {}) => fetch(base + path, {
    method: 'POST', credentials,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const register = (await post('/auth/register', { email, password })).status;
  const loginResponse = await post('/auth/login', { email, password, mode });
  const { csrfToken } = await loginResponse.json();
  const meResponse = await fetch(base + '/auth/me', { credentials });
  const me = meResponse.ok ? await meResponse.json() : null;
  const logoutWithoutCsrf = (await post('/auth/logout')).status;
  const logout = (await post('/auth/logout', undefined, { 'x-csrf-token': csrfToken ?? '' })).status;
  const meAfterLogout = (await fetch(base + '/auth/me', { credentials })).status;
  return { register, login: loginResponse.status, me: meResponse.status, email: me ? me.user.email : null, logoutWithoutCsrf, logout, meAfterLogout };
};
</script>`;

/** fetch's `credentials`. */
type Credentials = 'same-origin' | 'include' | 'omit';

interface FlowArgs {
  base: string;
  mode: string;
  email: string;
  password: string;
  credentials: Credentials;
}

interface FlowResult {
  register: number;
  login: number;
  me: number;
  email: string | null;
  logoutWithoutCsrf: number;
  logout: number;
  meAfterLogout: number;
}

const SIGNED_IN_AND_OUT = { register: 201, login: 200, me: 200, logoutWithoutCsrf: 403, logout: 204, meAfterLogout: 401 };

let counter = 0;
const freshEmail = () => `browser${++counter}-${Date.now()}@example.com`;

/** Opens `pageUrl` in a fresh browser context and runs the flow there against `base`. */
async function runFlow(browser: Browser, pageUrl: string, base: string, mode: string, credentials: Credentials = 'same-origin') {
  const context: BrowserContext = await browser.newContext();
  try {
    const page = await context.newPage();
    const loaded = await page.goto(pageUrl);
    assert.equal(loaded?.status(), 200, pageUrl);
    const email = freshEmail();
    const args: FlowArgs = { base, mode, email, password: PASSWORD, credentials };
    const result = await page.evaluate((a) => (globalThis as unknown as { signInAndOut(a: FlowArgs): Promise<FlowResult> }).signInAndOut(a), args);
    return { result, email, cookies: await context.cookies() };
  } finally {
    await context.close();
  }
}

describe('the quick start in Chromium, over plain HTTP on loopback', { skip: chromium.skip }, () => {
  let browser: Browser;
  let server: GatehouseServer;
  let port: string;

  before(async () => {
    // The standalone server on its defaults, with a page added on its own origin (as an app embedding it would).
    const config = resolveServerConfig({ options: { port: 0, host: '127.0.0.1', logLevel: 'warn', ui: false } });
    server = await createServer({ config, store: createMemoryStore() });
    server.app.get('/', (_request, reply) => reply.type('text/html; charset=utf-8').send(PAGE));
    port = new URL(await server.listen()).port;
    browser = await launchChromium(chromium.bin!);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const host of ['127.0.0.1', 'localhost']) {
    for (const mode of ['session', 'hybrid']) {
      it(`same-origin on http://${host}: ${mode} mode`, async () => {
        const origin = `http://${host}:${port}`;
        const { result, email, cookies } = await runFlow(browser, `${origin}/`, origin, mode);
        assert.deepEqual(result, { ...SIGNED_IN_AND_OUT, email });
        // The login's cookies were kept with their prefixes and Secure; logout cleared them.
        assert.deepEqual(cookies.filter((c) => c.name.includes('gh_')).map((c) => c.name), []);
      });
    }
  }

  it('keeps the __Host- cookies Secure and HttpOnly in the browser after a login', async () => {
    const origin = `http://127.0.0.1:${port}`;
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${origin}/`);
      const email = freshEmail();
      await page.evaluate(
        (a) => fetch('/auth/register', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(a) }),
        { email, password: PASSWORD },
      );
      const status = await page.evaluate(
        (a) => fetch('/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(a) }).then((r) => r.status),
        { email, password: PASSWORD },
      );
      assert.equal(status, 200);
      const cookies = new Map((await context.cookies()).map((c) => [c.name, c]));
      assert.equal(cookies.get('__Host-gh_session')?.secure, true);
      assert.equal(cookies.get('__Host-gh_session')?.httpOnly, true);
      assert.equal(cookies.get('__Host-gh_csrf')?.httpOnly, false, 'the page may read its CSRF token');
    } finally {
      await context.close();
    }
  });
});

describe('the quick start in Chromium behind nginx (Host $http_host)', { skip: chromium.skip ?? nginx.skip }, () => {
  let browser: Browser;
  let server: TestServer;
  let proxy: RunningNginx;
  let root: string;

  before(async () => {
    server = await startTestServer();
    root = mkdtempSync(join(tmpdir(), 'gatehouse-page-'));
    writeFileSync(join(root, 'index.html'), PAGE, { mode: 0o644 });
    chmodSync(root, 0o755); // nginx's workers may run as another user
    const port = await freePort();
    proxy = await startNginx(nginx.bin!, port, `
  server {
    listen 127.0.0.1:${port};
    location = / {
      root ${root};
      try_files /index.html =404;
    }
    location /auth/ {
      proxy_pass http://127.0.0.1:${new URL(server.url).port};
      proxy_set_header Host $http_host;
    }
  }
`);
    browser = await launchChromium(chromium.bin!);
  });
  after(async () => {
    await browser?.close();
    await proxy?.stop();
    await server?.close();
    rmSync(root, { recursive: true, force: true });
  });

  for (const mode of ['session', 'hybrid']) {
    it(`a page on http://127.0.0.1 through nginx: ${mode} mode`, async () => {
      const { result, email } = await runFlow(browser, `${proxy.base}/`, proxy.base, mode);
      assert.deepEqual(result, { ...SIGNED_IN_AND_OUT, email });
    });
  }
});

describe('the quick start in Chromium from another origin (GATEHOUSE_ALLOWED_ORIGINS)', { skip: chromium.skip }, () => {
  let browser: Browser;
  let server: TestServer;
  let pages: Server;
  let pageOrigin: string;

  before(async () => {
    // The page on its own port of the same host: another origin, the same site (cookies stay SameSite=Lax).
    pages = createHttpServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE));
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
    pageOrigin = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
    server = await startTestServer({ options: { allowedOrigins: [pageOrigin] } });
    browser = await launchChromium(chromium.bin!);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await new Promise<void>((resolve) => pages.close(() => resolve()));
  });

  for (const mode of ['session', 'hybrid']) {
    it(`${mode} mode with credentials: 'include'`, async () => {
      const { result, email } = await runFlow(browser, `${pageOrigin}/`, server.url, mode, 'include');
      assert.deepEqual(result, { ...SIGNED_IN_AND_OUT, email });
    });
  }

  it("without credentials: 'include' the browser keeps no cookie, so the page stays signed out", async () => {
    const { result } = await runFlow(browser, `${pageOrigin}/`, server.url, 'session', 'same-origin');
    assert.equal(result.login, 200);
    assert.equal(result.me, 401);
  });

  it('an origin that is not listed cannot even read the answers (no CORS) and is refused at login', async () => {
    const other = createHttpServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end(PAGE));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(other.address() as AddressInfo).port}/`;
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(url);
      const outcome = await page.evaluate(
        (base) =>
          fetch(`${base}/auth/login`, { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: '{}' }).then(
            () => 'read',
            () => 'blocked',
          ),
        server.url,
      );
      assert.equal(outcome, 'blocked');
      await context.close();
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });
});
