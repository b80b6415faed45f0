// The browser client (gatehouse/client) in Chromium, per mode (session, token, hybrid), on the standalone server with a
// page on its own origin: the page imports the client's modules as they are (each src/client/*.ts compiled alone by
// esbuild, `.js` imports and all, as tsc emits dist/client), signs up and in, calls through client.fetch, has its
// access token expire (the server's fake clock) and renewed unnoticed, refreshes in two tabs at the same moment with
// one refresh between them (token mode: tokens handed across tabs; the refresh grace is 0, so a second spend would be
// refresh_token_reused), sees a logout in the other tab, logs out everywhere, and reloads. One more page on another
// origin (GATEHOUSE_ALLOWED_ORIGINS) checks `credentials: 'include'`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { transform } from 'esbuild';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { GatehouseClient, Mode } from '../src/client/index.js';
import { resolveServerConfig } from '../src/server/config.js';
import { createServer, type GatehouseServer } from '../src/server/server.js';
import { createMemoryStore } from '../src/stores/memory/index.js';
import { fakeClock } from '../src/testing/fake-clock.js';
import { findChromium, launchChromium } from './browser-kit.js';
import { PASSWORD } from './helpers.js';

const chromium = findChromium();
const CLIENT_DIR = join(import.meta.dirname, '..', 'src', 'client');
const ACCESS_TTL_MS = 15 * 60 * 1000;
const MODES: readonly Mode[] = ['session', 'token', 'hybrid'];

/**
 * The page: a module script importing the client from /client/index.js. `start(options)` makes the page's client
 * (`storage: 'local' | 'session'` for the browser's storages) and records what its onChange listeners hear.
 */
const PAGE = `<!doctype html><meta charset="utf-8"><title>gatehouse/client</title>
<p id="who">…</p>
<script type="module">
import { createClient } from '/client/index.js';
window.start = (options) => {
  const storage = options.storage === 'local' ? localStorage : options.storage === 'session' ? sessionStorage : undefined;
  window.client = createClient({ ...options, storage });
  window.changes = [];
  window.client.onChange((user) => {
    window.changes.push(user ? user.email : null);
    document.getElementById('who').textContent = user ? 'signed in as ' + user.email : 'signed out';
  });
  return window.client.ready.then(() => true);
};
document.body.dataset.ready = 'yes';
</script>`;

/** The page and the client's modules, for any server: null for other paths. */
async function servePage(path: string): Promise<{ type: string; body: string } | null> {
  if (path === '/') return { type: 'text/html; charset=utf-8', body: PAGE };
  const module = /^\/client\/([a-z-]+)\.js$/.exec(path)?.[1];
  if (module === undefined) return null;
  const source = readFileSync(join(CLIENT_DIR, `${module}.ts`), 'utf8');
  const { code } = await transform(source, { loader: 'ts', format: 'esm', target: 'es2022' });
  return { type: 'text/javascript; charset=utf-8', body: code };
}

interface Window {
  start(options: { mode: Mode; baseUrl?: string; storage?: 'local' | 'session' }): Promise<boolean>;
  client: GatehouseClient;
  changes: (string | null)[];
}
declare const window: Window;
declare const document: { getElementById(id: string): { textContent: string | null } | null };
declare const sessionStorage: object;

let counter = 0;
const freshEmail = () => `tab${++counter}-${Date.now()}@example.com`;

/** Refresh calls seen in a browser context, with the server's answers. */
function watchRefreshes(context: BrowserContext) {
  const answers: number[] = [];
  context.on('response', (response) => {
    if (new URL(response.url()).pathname === '/auth/refresh') answers.push(response.status());
  });
  return answers;
}

async function openTab(context: BrowserContext, url: string, options: { mode: Mode; baseUrl?: string; storage?: 'local' | 'session' }): Promise<Page> {
  const page = await context.newPage();
  const loaded = await page.goto(url);
  assert.equal(loaded?.status(), 200);
  await page.waitForSelector('body[data-ready="yes"]');
  await page.evaluate((o) => window.start(o), options);
  return page;
}

const signUpAndIn = (page: Page, email: string) =>
  page.evaluate(
    async ({ email, password }) => {
      const registered = await window.client.register({ email, password });
      const user = await window.client.login({ email, password });
      return { registered: registered.email, user: 'email' in user ? user.email : null };
    },
    { email, password: PASSWORD },
  );

const meStatus = (page: Page) => page.evaluate(() => window.client.fetch('/auth/me').then((r) => r.status));

describe('gatehouse/client in Chromium', { skip: chromium.skip }, () => {
  let browser: Browser;
  let server: GatehouseServer;
  let origin: string;
  const clock = fakeClock(Date.now());

  before(async () => {
    const config = resolveServerConfig({ options: { port: 0, host: '127.0.0.1', logLevel: 'warn', refreshGraceSeconds: 0, ui: false } });
    server = await createServer({ config, store: createMemoryStore(), clock });
    server.app.get('/', async (_request, reply) => {
      const page = await servePage('/');
      return reply.type(page!.type).send(page!.body);
    });
    server.app.get<{ Params: { file: string } }>('/client/:file', async (request, reply) => {
      const module = await servePage(`/client/${request.params.file}`);
      return module ? reply.type(module.type).send(module.body) : reply.code(404).send();
    });
    origin = await server.listen();
    browser = await launchChromium(chromium.bin!);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const mode of MODES) {
    describe(`${mode} mode`, () => {
      it('signs up and in, calls through client.fetch (CSRF on unsafe methods), and renews an expired access token unnoticed', async () => {
        const context = await browser.newContext();
        try {
          const refreshes = watchRefreshes(context);
          const page = await openTab(context, `${origin}/`, { mode });
          const email = freshEmail();
          assert.deepEqual(await signUpAndIn(page, email), { registered: email, user: email });
          const calls = await page.evaluate(async () => ({
            me: (await window.client.fetch('/auth/me')).status,
            // An unsafe call: authenticated (so 404, not 401), and in the cookie modes with the CSRF header the
            // plain fetch below lacks.
            revoke: (await window.client.fetch('/auth/sessions/nope', { method: 'DELETE' })).status,
            plainRevoke: (await fetch('/auth/sessions/nope', { method: 'DELETE' })).status,
            who: document.getElementById('who')?.textContent,
          }));
          assert.deepEqual(calls, { me: 200, revoke: 404, plainRevoke: mode === 'token' ? 401 : 403, who: `signed in as ${email}` });
          const shots = process.env['GATEHOUSE_TEST_SCREENSHOTS']; // a folder to look at each step in, when set
          if (shots) await page.screenshot({ path: join(shots, `client-${mode}.png`) });

          clock.advance(ACCESS_TTL_MS + 10_000);
          assert.equal(await meStatus(page), 200);
          assert.deepEqual(refreshes, mode === 'session' ? [] : [200], 'one refresh, unnoticed by the caller');
          assert.equal((await page.evaluate(() => window.client.me()))?.email, email);
        } finally {
          await context.close();
        }
      });

      it('two tabs refreshing at the same moment spend one refresh between them; a logout in one is seen in the other', async () => {
        const context = await browser.newContext();
        try {
          const refreshes = watchRefreshes(context);
          const a = await openTab(context, `${origin}/`, { mode });
          const email = freshEmail();
          await signUpAndIn(a, email);
          const b = await openTab(context, `${origin}/`, { mode });
          // The new tab asked tab A (token mode: for the tokens themselves; the cookie modes share the cookies). `ready`
          // waits only briefly for the answer; on a loaded machine it may come later, and is taken up then.
          await b.waitForFunction((expected) => window.client.user?.email === expected, email, { timeout: 5000 });
          assert.equal(await b.evaluate(() => window.client.user?.email), email, 'tab B is signed in without a login of its own');
          assert.equal(await b.evaluate(() => window.client.me().then((u) => u?.email)), email);
          for (let round = 1; round <= 3; round++) {
            clock.advance(ACCESS_TTL_MS + 10_000);
            const statuses = await Promise.all(
              [a, b].map((tab) => tab.evaluate(() => Promise.all([1, 2, 3].map(() => window.client.fetch('/auth/me').then((r) => r.status))))),
            );
            assert.deepEqual(statuses, [[200, 200, 200], [200, 200, 200]], `round ${round}`);
            assert.deepEqual(refreshes, mode === 'session' ? [] : Array<number>(round).fill(200), `one refresh per round (round ${round})`);
          }
          await a.evaluate(() => window.client.logout());
          await b.waitForFunction(() => window.changes.at(-1) === null);
          assert.equal(await b.evaluate(() => window.client.user), null);
          assert.equal(await b.evaluate(() => window.client.me()), null);
          assert.equal(await b.textContent('#who'), 'signed out');
        } finally {
          await context.close();
        }
      });

      it('logout everywhere ends the other devices and their tabs', async () => {
        const laptop = await browser.newContext();
        const phone = await browser.newContext();
        try {
          const email = freshEmail();
          const first = await openTab(laptop, `${origin}/`, { mode });
          await signUpAndIn(first, email);
          const second = await openTab(laptop, `${origin}/`, { mode });
          await second.evaluate(() => window.client.me());
          const mobile = await openTab(phone, `${origin}/`, { mode });
          await mobile.evaluate((c) => window.client.login(c), { email, password: PASSWORD });
          assert.equal(await mobile.evaluate(() => window.client.sessions().then((s) => s.length)), 2);

          await mobile.evaluate(() => window.client.logoutAll());
          assert.equal(await mobile.evaluate(() => window.client.user), null);
          assert.equal(await first.evaluate(() => window.client.me()), null, 'the laptop is signed out');
          await second.waitForFunction(() => window.changes.at(-1) === null);
          assert.equal(await meStatus(second), 401);
        } finally {
          await laptop.close();
          await phone.close();
        }
      });

      it(`after a reload: ${mode === 'token' ? 'signed out in memory alone, signed in from another tab or a storage' : 'still signed in (the cookies)'}`, async () => {
        const context = await browser.newContext();
        try {
          const email = freshEmail();
          const page = await openTab(context, `${origin}/`, { mode });
          await signUpAndIn(page, email);
          const reload = async (tab: Page, options: { mode: Mode; storage?: 'local' | 'session' }) => {
            await tab.reload();
            await tab.waitForSelector('body[data-ready="yes"]');
            await tab.evaluate((o) => window.start(o), options);
            return tab.evaluate(() => window.client.me().then((user) => user?.email ?? null));
          };
          if (mode !== 'token') {
            assert.equal(await reload(page, { mode }), email);
            return;
          }
          assert.equal(await reload(page, { mode }), null, 'memory only, no other tab: the tokens are gone');
          await page.evaluate((c) => window.client.login(c), { email, password: PASSWORD });
          const other = await openTab(context, `${origin}/`, { mode });
          assert.equal(await reload(page, { mode }), email, 'another tab handed its tokens over');
          await other.close();
          await reload(page, { mode, storage: 'session' });
          await page.evaluate((c) => window.client.login(c), { email, password: PASSWORD });
          assert.equal(await reload(page, { mode, storage: 'session' }), email, 'sessionStorage: the tokens survive a reload');
          assert.match(await page.evaluate(() => JSON.stringify(sessionStorage)), /refresh/, 'the tokens are readable by page script');
          await page.evaluate(() => window.client.logout());
          assert.doesNotMatch(await page.evaluate(() => JSON.stringify(sessionStorage)), /refresh/);
        } finally {
          await context.close();
        }
      });
    });
  }

  describe('from another origin (GATEHOUSE_ALLOWED_ORIGINS)', () => {
    let pages: Server;
    let pageOrigin: string;
    let api: GatehouseServer;
    let apiOrigin: string;
    const apiClock = fakeClock(Date.now());

    before(async () => {
      pages = createHttpServer((request, response) => {
        void servePage(new URL(request.url ?? '/', 'http://x').pathname).then((page) =>
          page ? response.writeHead(200, { 'content-type': page.type }).end(page.body) : response.writeHead(404).end(),
        );
      });
      await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
      pageOrigin = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
      const config = resolveServerConfig({ options: { port: 0, host: '127.0.0.1', logLevel: 'warn', allowedOrigins: [pageOrigin] } });
      api = await createServer({ config, store: createMemoryStore(), clock: apiClock });
      apiOrigin = await api.listen();
    });
    after(async () => {
      await api?.close();
      await new Promise<void>((resolve) => pages?.close(() => resolve()));
    });

    for (const mode of MODES) {
      it(`${mode} mode: signs in, renews an expired access token and makes an unsafe call across origins (credentials: 'include' in the cookie modes)`, async () => {
        const context = await browser.newContext();
        try {
          const refreshes = watchRefreshes(context);
          const page = await openTab(context, `${pageOrigin}/`, { mode, baseUrl: apiOrigin });
          const email = freshEmail();
          assert.deepEqual(await signUpAndIn(page, email), { registered: email, user: email });
          apiClock.advance(ACCESS_TTL_MS + 10_000);
          const result = await page.evaluate(async (base) => ({
            me: (await window.client.me())?.email,
            revoke: (await window.client.fetch(`${base}/auth/sessions/nope`, { method: 'DELETE' })).status,
          }), apiOrigin);
          assert.deepEqual(result, { me: email, revoke: 404 });
          assert.deepEqual(refreshes, mode === 'session' ? [] : [200]);
          await page.evaluate(() => window.client.logout());
          assert.equal(await page.evaluate(() => window.client.me()), null);
        } finally {
          await context.close();
        }
      });
    }
  });
});
