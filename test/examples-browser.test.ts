// The example apps (examples/README.md) in Chromium, each started as its own process the way a user starts it and
// driven through its page: sign up and in, a protected call, a reload (what survives it is each mode's), logout
// in one tab seen in the other, logout everywhere seen on another device (browser context). In token and hybrid
// mode, with GATEHOUSE_ACCESS_TTL=30s (the shortest the config allows): an access token that has really expired
// (the API refuses it) is refreshed without the page showing anything while two tabs call at the same moment (no
// logout, no refresh_token_reused). Session mode has no access token to expire: the session slides on the server.
// The three examples run side by side, so that their waits for the token to expire overlap.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { findChromium, launchChromium } from './browser-kit.js';
import { addNote, notes, PASSWORD, signedIn, signedOut, snap, startExample, submitCredentials, type RunningExample } from './examples-kit.js';
import { freePort, until } from './kit.js';

const chromium = findChromium();
const ACCESS_TTL = '30s';
/** Past this long after its issue an access token is refused everywhere: its 30 s, the 5 s clock tolerance, 1 s spare. */
const EXPIRED_AFTER_MS = 36_000;

/**
 * What a browser context sent and received: the bearer tokens it sent to `apiOrigin`, its refreshes, its logins,
 * when its last tokens were issued, and its pages' uncaught errors.
 */
function watch(context: BrowserContext, apiOrigin: string) {
  const seen = { bearers: [] as string[], refreshes: [] as number[], logins: 0, issuedAt: 0, pageErrors: [] as string[] };
  context.on('weberror', (error) => seen.pageErrors.push(error.error().message));
  context.on('request', (request) => {
    const authorization = request.headers()['authorization'];
    if (request.url().startsWith(apiOrigin) && authorization) seen.bearers.push(authorization);
  });
  context.on('response', (response) => {
    const { pathname } = new URL(response.url());
    if (pathname === '/auth/refresh') seen.refreshes.push(response.status());
    if (pathname === '/auth/login' && response.ok()) seen.logins += 1;
    if ((pathname === '/auth/login' || pathname === '/auth/refresh') && response.ok()) seen.issuedAt = Date.now();
  });
  return seen;
}

/**
 * The refreshes two tabs made when they found the access token expired at the same moment: every one accepted (no
 * `refresh_token_reused`, no logout). One, as the client's Web Lock makes it (test/client-browser.test.ts holds it
 * to exactly one); a second would have to be the other tab's turn before the first tab's new tokens reached it.
 */
function assertRefreshedTogether(statuses: number[]): void {
  assert.ok(statuses.length >= 1 && statuses.length <= 2 && statuses.every((status) => status === 200), `refreshes: ${statuses.join(', ')}`);
}

/** The status of a GET of `url` from outside the browser, with `authorization` if given. */
async function statusOf(url: string, authorization?: string): Promise<number> {
  const response = await fetch(url, { headers: authorization ? { authorization } : {} });
  await response.body?.cancel();
  return response.status;
}

/**
 * Clicks "Reload" (the notes, from the protected API at `url`) in every page at once; resolves with the statuses
 * each page got from `url` until its first 200 (a 401 first, then the retry after the refresh, when the client
 * could not know the token was due: the hybrid cookie's expiry is not readable).
 */
async function reloadNotesTogether(pages: Page[], url: string): Promise<number[][]> {
  const statuses = pages.map(() => [] as number[]);
  const answered = pages.map((page, i) =>
    page.waitForResponse((r) => {
      if (r.url() !== url || r.request().method() !== 'GET') return false;
      statuses[i]!.push(r.status());
      return r.ok();
    }),
  );
  await Promise.all(pages.map((page) => page.locator('#reload-notes').dispatchEvent('click')));
  await Promise.all(answered);
  return statuses;
}

describe('the example apps in Chromium', { skip: chromium.skip, concurrency: true, timeout: 240_000 }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium(chromium.bin!);
  });
  after(() => browser?.close());

  describe('session-express: server-rendered pages on a cookie session', { concurrency: 1 }, () => {
    const email = 'ada@example.com';
    let app: RunningExample;
    let context: BrowserContext;
    let tab: Page;

    before(async () => {
      app = await startExample('session-express/server.js', { PORT: String(await freePort()) });
      context = await browser.newContext();
      tab = await context.newPage();
    });
    after(async () => {
      await context?.close();
      await app?.stop();
    });

    it('signs up through gatehouse/client and lands on the account page the server renders for the user', async () => {
      await tab.goto(`${app.url}/account`);
      assert.equal(new URL(tab.url()).pathname, '/', 'the protected page sends a visitor to sign in');
      await snap(tab, 'session-1-sign-in');
      await submitCredentials(tab, email, 'register');
      await tab.waitForURL(`${app.url}/account`);
      await signedIn(tab, email);
      const cookies = new Map((await context.cookies()).map((cookie) => [cookie.name, cookie]));
      assert.equal(cookies.get('__Host-gh_session')?.httpOnly, true);
    });

    it('an unsafe action goes through with the CSRF token the client adds, and is refused without it', async () => {
      await addNote(tab, 'milk');
      assert.deepEqual(await notes(tab), ['milk']);
      await snap(tab, 'session-2-account');
      const forged = await tab.evaluate(() =>
        fetch('/account/notes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":"forged"}' }).then((r) => r.status),
      );
      assert.equal(forged, 403, 'the session cookie alone is not enough');
    });

    it('a reload stays signed in: the cookie survives, and the server renders the page again', async () => {
      await tab.reload();
      await signedIn(tab, email);
      assert.deepEqual(await notes(tab), ['milk']);
    });

    it('a logout in one tab takes the other tab to the sign-in page by itself', async () => {
      const other = await context.newPage();
      await other.goto(`${app.url}/account`);
      await signedIn(other, email);
      await tab.click('#logout');
      await signedOut(tab);
      await signedOut(other);
      assert.equal(new URL(other.url()).pathname, '/');
      await other.close();
    });

    it('signs in again; logout everywhere ends the session in another browser too', async () => {
      const device = await browser.newContext();
      try {
        const phone = await device.newPage();
        for (const page of [tab, phone]) {
          await page.goto(`${app.url}/`);
          await submitCredentials(page, email, 'login');
          await signedIn(page, email);
        }
        assert.deepEqual(await notes(phone), ['milk']);
        await tab.click('#logout-all');
        await signedOut(tab);
        await phone.reload();
        await signedOut(phone); // the server found no session: back to sign in
      } finally {
        await device.close();
      }
    });
  });

  describe('spa-token: a SPA on token mode, tokens in memory, calling a separate API', { concurrency: 1 }, () => {
    const email = 'grace@example.com';
    let app: RunningExample;
    let apiNotes: string;
    let context: BrowserContext;
    let seen: ReturnType<typeof watch>;
    let tab: Page;
    let other: Page;

    before(async () => {
      const [auth, api] = [await freePort(), await freePort()];
      app = await startExample('spa-token/server.js', {
        PORT: String(await freePort()),
        AUTH_PORT: String(auth),
        API_PORT: String(api),
        GATEHOUSE_ACCESS_TTL: ACCESS_TTL,
      });
      apiNotes = `http://127.0.0.1:${api}/api/notes`;
      context = await browser.newContext();
      seen = watch(context, `http://127.0.0.1:${api}`);
      tab = await context.newPage();
    });
    after(async () => {
      await context?.close();
      await app?.stop();
    });

    it('signs up and calls the API with a bearer token; the tokens are in no cookie and no storage', async () => {
      await tab.goto(`${app.url}/`);
      await signedOut(tab);
      await submitCredentials(tab, email, 'register');
      await signedIn(tab, email);
      await snap(tab, 'spa-1-signed-in');
      assert.match(seen.bearers.at(-1) ?? '', /^Bearer ey/);
      assert.deepEqual(await context.cookies(), []);
      assert.deepEqual(await tab.evaluate('[localStorage.length, sessionStorage.length]'), [0, 0]);
    });

    it('a protected call: the API checks the token itself (gatehouse/verify) and refuses a call without one', async () => {
      await addNote(tab, 'compile');
      assert.deepEqual(await notes(tab), ['compile']);
      assert.equal(await statusOf(apiNotes), 401);
      assert.equal(await statusOf(apiNotes, seen.bearers.at(-1)), 200);
    });

    it('a reload alone signs out: the tokens lived in the page’s memory; signing in again works', async () => {
      await tab.reload();
      await signedOut(tab);
      await snap(tab, 'spa-2-after-reload');
      await submitCredentials(tab, email, 'login');
      await signedIn(tab, email);
      assert.deepEqual(await notes(tab), ['compile']);
    });

    it('a new tab, and a reload while another tab is open, stay signed in: the open tab hands its tokens over', async () => {
      const logins = seen.logins;
      other = await context.newPage();
      await other.goto(`${app.url}/`);
      await signedIn(other, email);
      await tab.reload();
      await signedIn(tab, email);
      assert.deepEqual(await notes(tab), ['compile']);
      assert.equal(seen.logins, logins, 'no new login: the same token family');
    });

    it('an expired access token is refreshed unnoticed while two tabs call the API at the same moment: no logout, no reuse', async () => {
      const old = seen.bearers.at(-1);
      await until('the access token to expire', () => Date.now() > seen.issuedAt + EXPIRED_AFTER_MS, { timeoutMs: 60_000, everyMs: 500 });
      assert.equal(await statusOf(apiNotes, old), 401, 'the old access token has expired');
      const refreshes = seen.refreshes.length;
      // The client knows when the token is due: it refreshes before the call, which never sees a 401.
      assert.deepEqual(await reloadNotesTogether([tab, other], apiNotes), [[200], [200]]);
      assertRefreshedTogether(seen.refreshes.slice(refreshes));
      for (const page of [tab, other]) {
        await signedIn(page, email);
        assert.equal(await page.locator('#status').textContent(), '', 'nothing for the user to notice');
      }
      assert.deepEqual(seen.pageErrors, []);
      assert.notEqual(seen.bearers.at(-1), old);
      await snap(other, 'spa-3-after-refresh');
    });

    it('a logout in one tab signs the other out, and the API refuses the token at once (revocation feed)', async () => {
      const last = seen.bearers.at(-1);
      assert.equal(await statusOf(apiNotes, last), 200);
      await tab.click('#logout');
      await signedOut(tab);
      await signedOut(other);
      await until('the API to refuse the revoked token', async () => (await statusOf(apiNotes, last)) === 401, { timeoutMs: 2000 });
      await other.close();
    });

    it('logout everywhere: another device’s token is refused by the API, and its next call signs it out', async () => {
      const device = await browser.newContext();
      try {
        const phoneSeen = watch(device, new URL(apiNotes).origin);
        const phone = await device.newPage();
        for (const page of [tab, phone]) {
          await page.goto(`${app.url}/`);
          await submitCredentials(page, email, 'login');
          await signedIn(page, email);
        }
        const phoneToken = phoneSeen.bearers.at(-1);
        assert.equal(await statusOf(apiNotes, phoneToken), 200);
        await tab.click('#logout-all');
        await signedOut(tab);
        await until('the API to refuse the other device’s token', async () => (await statusOf(apiNotes, phoneToken)) === 401, { timeoutMs: 2000 });
        await phone.click('#reload-notes');
        await signedOut(phone); // the API said 401, and the refresh was refused: the family is revoked
        await snap(phone, 'spa-4-other-device-signed-out');
      } finally {
        await device.close();
      }
    });
  });

  describe('hybrid-hono: the tokens in HttpOnly cookies, with CSRF', { concurrency: 1 }, () => {
    const email = 'hedy@example.com';
    let app: RunningExample;
    let context: BrowserContext;
    let seen: ReturnType<typeof watch>;
    let tab: Page;
    let other: Page;

    before(async () => {
      app = await startExample('hybrid-hono/server.js', { PORT: String(await freePort()), GATEHOUSE_ACCESS_TTL: ACCESS_TTL });
      context = await browser.newContext();
      seen = watch(context, app.url);
      tab = await context.newPage();
    });
    after(async () => {
      await context?.close();
      await app?.stop();
    });

    /** The browser's Gatehouse cookies by name. */
    const cookies = async () => new Map((await context.cookies()).map((cookie) => [cookie.name, cookie]));

    it('signs up; the access and refresh tokens are HttpOnly cookies the page cannot read', async () => {
      await tab.goto(`${app.url}/`);
      await signedOut(tab);
      await submitCredentials(tab, email, 'register');
      await signedIn(tab, email);
      await snap(tab, 'hybrid-1-signed-in');
      const jar = await cookies();
      assert.equal(jar.get('__Host-gh_access')?.httpOnly, true);
      assert.equal(jar.get('__Secure-gh_refresh')?.httpOnly, true);
      assert.equal(jar.get('__Host-gh_csrf')?.httpOnly, false);
      assert.doesNotMatch(String(await tab.evaluate('document.cookie')), /gh_access|gh_refresh/);
      assert.deepEqual(await tab.evaluate('[localStorage.length, sessionStorage.length]'), [0, 0]);
    });

    it('a protected call with the cookie; an unsafe one needs the CSRF header the client adds', async () => {
      await addNote(tab, 'radio');
      assert.deepEqual(await notes(tab), ['radio']);
      const forged = await tab.evaluate(() =>
        fetch('/api/notes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":"forged"}' }).then((r) => r.status),
      );
      assert.equal(forged, 403, 'the cookies alone are not enough');
    });

    it('the same API takes a bearer token from a token-mode login (a mobile app, another service)', async () => {
      const login = await fetch(`${app.url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: PASSWORD, mode: 'token' }),
      });
      const { access_token: token } = (await login.json()) as { access_token: string };
      const answer = await fetch(`${app.url}/api/notes`, { headers: { authorization: `Bearer ${token}` } });
      assert.deepEqual(await answer.json(), { notes: ['radio'], via: 'token' });
    });

    it('a reload stays signed in: the cookies survive it', async () => {
      await tab.reload();
      await signedIn(tab, email);
      assert.deepEqual(await notes(tab), ['radio']);
    });

    it('an expired access token is refreshed unnoticed while two tabs call the API at the same moment: no logout, no reuse', async () => {
      other = await context.newPage();
      await other.goto(`${app.url}/`);
      await signedIn(other, email);
      await until('the access token to expire', () => Date.now() > seen.issuedAt + EXPIRED_AFTER_MS, { timeoutMs: 60_000, everyMs: 500 });
      assert.equal((await cookies()).has('__Host-gh_access'), false, 'the browser dropped the expired access cookie');
      const refreshes = seen.refreshes.length;
      // After a reload the client cannot know when the cookie's token is due: a 401, the refresh, the call again.
      const statuses = await reloadNotesTogether([tab, other], `${app.url}/api/notes`);
      assert.ok(statuses.every((each) => each.at(-1) === 200 && each.length <= 2), JSON.stringify(statuses));
      assertRefreshedTogether(seen.refreshes.slice(refreshes));
      for (const page of [tab, other]) {
        await signedIn(page, email);
        assert.equal(await page.locator('#status').textContent(), '', 'nothing for the user to notice');
      }
      assert.deepEqual(seen.pageErrors, []);
      assert.equal((await cookies()).has('__Host-gh_access'), true);
      await snap(other, 'hybrid-2-after-refresh');
    });

    it('a logout in one tab signs the other out', async () => {
      await tab.click('#logout');
      await signedOut(tab);
      await signedOut(other);
      assert.deepEqual([...(await cookies()).keys()].filter((name) => name.includes('gh_')), []);
      await other.close();
    });

    it('logout everywhere: another device’s next call finds its tokens revoked and signs it out', async () => {
      const device = await browser.newContext();
      try {
        const phone = await device.newPage();
        for (const page of [tab, phone]) {
          await page.goto(`${app.url}/`);
          await submitCredentials(page, email, 'login');
          await signedIn(page, email);
        }
        await tab.click('#logout-all');
        await signedOut(tab);
        await phone.click('#reload-notes');
        await signedOut(phone);
        await snap(phone, 'hybrid-3-other-device-signed-out');
      } finally {
        await device.close();
      }
    });
  });
});
