// The live explainer (issue 18 item 2) in Chromium against the standalone server in development: one demo account
// signed in in three panes at once (session and hybrid side by side thanks to the pane cookie jars), each pane's
// credential facts (cookie attributes as the server reported them and not in document.cookie; a token's decoded
// claims), the request trace per mode, a CSRF-guarded POST and a forged one, logout everywhere and a revoked device
// seen by the other panes (the token pane's access token refused within a second), axe-core; the Spanish page. Then the trace over HTTP: sent in development, never in
// production nor when GATEHOUSE_DEBUG_TRACE is off, and a production config that asks for it is refused.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { resolveServerConfig, type ServerConfigOptions } from '../src/server/config.js';
import { cookiesFor, describeSetCookie, paneSetCookie } from '../src/server/explainer-lab.js';
import { createServer, type GatehouseServer } from '../src/server/server.js';
import { createMemoryStore } from '../src/stores/memory/index.js';
import { axeViolations, findChromium, launchChromium } from './browser-kit.js';
import { freePort, ROOT } from './kit.js';

const chromium = findChromium();
const SCREENSHOT = process.env['GATEHOUSE_EXPLAINER_SCREENSHOT'];
const PASSWORD = 'correct horse battery staple';

async function start(options: ServerConfigOptions, uiAssetsDir?: string) {
  const port = await freePort();
  const config = resolveServerConfig({ options: { port, host: '127.0.0.1', logLevel: 'warn', ...options } });
  const server = await createServer({ config, store: createMemoryStore(), ...(uiAssetsDir ? { uiAssetsDir } : {}) });
  await server.listen();
  return { server, origin: `http://localhost:${port}` };
}


describe('live explainer', { skip: chromium.skip }, () => {
  let assetsDir: string;
  let server: GatehouseServer;
  let origin: string;
  let browser: Browser;
  let page: Page;

  before(async () => {
    assetsDir = mkdtempSync(join(tmpdir(), 'gatehouse-explainer-'));
    execFileSync(process.execPath, [join(ROOT, 'scripts/build-ui.mjs'), assetsDir]);
    ({ server, origin } = await start({}, assetsDir));
    browser = await launchChromium(chromium.bin ?? '');
    page = await (await browser.newContext({ viewport: { width: 1440, height: 1000 } })).newPage();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    if (assetsDir) rmSync(assetsDir, { recursive: true, force: true });
  });

  const pane = (mode: string) => page.locator(`section[data-pane="${mode}"]`);
  const click = (mode: string, name: string) => pane(mode).getByRole('button', { name, exact: true }).click();
  const who = (mode: string) => page.getByTestId(`who-${mode}`);
  /** The newest exchange of a pane, once it is about `path`. */
  const newest = async (mode: string, path: string) => {
    const item = page.getByTestId(`exchanges-${mode}`).locator('li').first();
    await item.filter({ hasText: path }).waitFor();
    return (await item.textContent()) ?? '';
  };

  it('signs in one account in three panes at once, each showing what its client holds', async () => {
    await page.goto(`${origin}/`);
    await page.locator('h1').waitFor();
    await page.getByRole('button', { name: 'Create a demo account' }).click();
    await page.getByTestId('account').filter({ hasText: '@example.com' }).waitFor();
    for (const mode of ['session', 'token', 'hybrid']) {
      await click(mode, 'Sign in');
      await who(mode).filter({ hasText: 'Signed in as' }).waitFor();
    }
    // The cookie panes did not end each other: each still answers as signed in.
    for (const mode of ['session', 'token', 'hybrid']) {
      await click(mode, 'GET /auth/me');
      assert.match(await newest(mode, '/auth/me'), /→ 200/, mode);
    }

    const sessionCookies = (await page.getByTestId('cookies-session').textContent()) ?? '';
    assert.match(sessionCookies, /__Host-gh_session Max-Age=\d+; Path=\/; HttpOnly; Secure; SameSite=Lax/);
    const hybridCookies = (await page.getByTestId('cookies-hybrid').textContent()) ?? '';
    assert.match(hybridCookies, /__Host-gh_access [^_]*HttpOnly/);
    assert.match(hybridCookies, /__Secure-gh_refresh [^_]*Path=\/auth; HttpOnly; Secure; SameSite=Strict/);
    const visible = await page.evaluate<string>('document.cookie');
    assert.doesNotMatch(visible, /gh_session|gh_access|gh_refresh/, 'HttpOnly credentials are not in document.cookie');
    assert.match(visible, /hybrid\.gh_csrf/, 'the readable CSRF cookie is');
    const claims = (await page.getByTestId('claims').textContent()) ?? '';
    for (const claim of ['iss', 'aud', 'sub', 'exp', 'jti', 'sid', 'roles']) assert.match(claims, new RegExp(claim), claim);
  });

  it('shows what the server looked up for each request', async () => {
    assert.match(await newest('session', '/auth/me'), /credential=session-cookie; session-store-read=1; session=valid/);
    assert.match(await newest('session', '/auth/me'), /Cookie: __Host-gh_session=…/);
    assert.match(await newest('token', '/auth/me'), /Authorization: Bearer eyJ.*credential=bearer; signature=ok; claims=ok; revocation-check=ok/);
    assert.match(await newest('hybrid', '/auth/me'), /credential=access-cookie; signature=ok; claims=ok; revocation-check=ok/);
    await click('session', 'POST /auth/token');
    const post = await newest('session', '/auth/token');
    assert.match(post, /→ 200/);
    assert.match(post, /X-CSRF-Token: .*csrf-gate=passed/);
    for (const mode of ['session', 'hybrid']) {
      await click(mode, 'Forged POST (no CSRF token)');
      assert.match(await newest(mode, '/auth/logout-all'), /→ 403 csrf_failed.*csrf-gate=refused/, mode);
      await who(mode).filter({ hasText: 'Signed in as' }).waitFor();
    }
    assert.deepEqual(await axeViolations(page), []);
    if (SCREENSHOT) {
      await page.screenshot({ path: `${SCREENSHOT}-full.png`, fullPage: true });
      await page.screenshot({ path: `${SCREENSHOT}-top.png` });
    }
  });

  it('logout everywhere in one pane: the others are refused, the access token within a second', async () => {
    await click('session', 'Log out everywhere');
    const report = page.getByTestId('revocation');
    await report.filter({ hasText: 'Token (JWT) pane was refused' }).waitFor();
    await report.filter({ hasText: 'Hybrid pane was refused' }).waitFor();
    const ms = Number(/Token \(JWT\) pane was refused (\d+) ms/.exec((await report.textContent()) ?? '')?.[1]);
    assert.ok(ms < 1000, `refused after ${ms} ms`);
    for (const mode of ['session', 'token', 'hybrid']) await who(mode).filter({ hasText: 'Signed out' }).waitFor();
    const tokenCalls = (await page.getByTestId('exchanges-token').textContent()) ?? '';
    assert.match(tokenCalls, /GET \/auth\/me → 401 unauthenticated.*credential=bearer; signature=ok; claims=ok; revocation-check=revoked/);
    assert.deepEqual(await axeViolations(page), []);
  });

  it('a device revoked from one pane: that pane is refused, the others carry on', async () => {
    for (const mode of ['session', 'token', 'hybrid']) {
      await click(mode, 'Sign in');
      await who(mode).filter({ hasText: 'Signed in as' }).waitFor();
    }
    await click('session', 'Devices');
    await pane('session').getByRole('button', { name: 'Revoke hybrid device' }).click();
    await page.getByTestId('revocation').filter({ hasText: 'revoked a device. The Hybrid pane was refused' }).waitFor();
    await who('hybrid').filter({ hasText: 'Signed out' }).waitFor();
    const hybridCalls = (await page.getByTestId('exchanges-hybrid').textContent()) ?? '';
    assert.match(hybridCalls, /GET \/auth\/me → 401 unauthenticated.*credential=access-cookie; signature=ok; claims=ok; revocation-check=revoked/);
    for (const mode of ['session', 'token']) {
      await click(mode, 'GET /auth/me');
      assert.match(await newest(mode, '/auth/me'), /→ 200/, mode);
    }
  });
});

describe('live explainer in Spanish', { skip: chromium.skip }, () => {
  it('is served at /es/ in Spanish, axe-clean', async () => {
    const assetsDir = mkdtempSync(join(tmpdir(), 'gatehouse-explainer-es-'));
    execFileSync(process.execPath, [join(ROOT, 'scripts/build-ui.mjs'), assetsDir]);
    const { server, origin } = await start({}, assetsDir);
    const browser = await launchChromium(chromium.bin ?? '');
    try {
      const page = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
      await page.goto(`${origin}/es/`);
      await page.getByRole('heading', { level: 1, name: 'Sesiones, tokens y el híbrido — en vivo' }).waitFor();
      assert.equal(await page.evaluate<string>('document.documentElement.lang'), 'es');
      await page.getByRole('button', { name: 'Crear una cuenta de prueba' }).click();
      await page.locator('section[data-pane="token"]').getByRole('button', { name: 'Iniciar sesión', exact: true }).click();
      await page.getByTestId('who-token').filter({ hasText: 'Sesión iniciada como' }).waitFor();
      assert.ok(await page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth'), 'no sideways scroll on a phone');
      assert.deepEqual(await axeViolations(page), []);
    } finally {
      await browser.close();
      await server.close();
      rmSync(assetsDir, { recursive: true, force: true });
    }
  });
});

describe('pane cookie jars', () => {
  const jar = '__Host-gh_session=s; __Host-hybrid.gh_access=a; __Secure-hybrid.gh_refresh=r; __Host-hybrid.gh_csrf=c; theme=dark';

  it('hand a pane only its own cookies, under their real names; no pane: none of the panes\'', () => {
    assert.deepEqual(cookiesFor(jar, 'hybrid'), {
      header: '__Host-gh_access=a; __Secure-gh_refresh=r; __Host-gh_csrf=c; theme=dark',
      names: ['__Host-gh_access', '__Secure-gh_refresh', '__Host-gh_csrf'],
    });
    assert.deepEqual(cookiesFor(jar, 'session'), { header: 'theme=dark', names: [] }, 'the page\'s own cookie is no pane\'s');
    assert.deepEqual(cookiesFor(jar, undefined), { header: '__Host-gh_session=s; theme=dark', names: ['__Host-gh_session'] });
  });

  it('store a pane\'s cookie under its name with the same attributes, and report it without its value', () => {
    const line = '__Secure-gh_refresh=secret; Max-Age=60; Path=/auth; HttpOnly; Secure; SameSite=Strict';
    assert.equal(paneSetCookie(line, 'hybrid'), '__Secure-hybrid.gh_refresh=secret; Max-Age=60; Path=/auth; HttpOnly; Secure; SameSite=Strict');
    assert.deepEqual(describeSetCookie(line), { name: '__Secure-gh_refresh', attributes: ['Max-Age=60', 'Path=/auth', 'HttpOnly', 'Secure', 'SameSite=Strict'] });
  });
});

describe('request trace over HTTP', () => {
  const trace = async (options: ServerConfigOptions): Promise<{ me: string | undefined; login: string | undefined; lab: string | undefined }> => {
    const { server } = await start({ ui: false, logLevel: 'error', ...options });
    try {
      const email = `trace${Date.now()}${Math.random()}@example.com`;
      await server.app.inject({ method: 'POST', url: '/auth/register', payload: { email, password: PASSWORD } });
      const login = await server.app.inject({ method: 'POST', url: '/auth/login', headers: { 'x-gatehouse-trace': '1' }, payload: { email, password: PASSWORD, mode: 'token' } });
      const token = login.json<{ access_token: string }>().access_token;
      const headers = { authorization: `Bearer ${token}`, cookie: '__Host-gh_csrf=x' };
      const me = await server.app.inject({ method: 'GET', url: '/auth/me', headers: { ...headers, 'x-gatehouse-trace': '1' } });
      assert.equal(me.statusCode, 200);
      // Only a request that asks is traced: any other costs the server nothing (docs/performance.md).
      const unasked = await server.app.inject({ method: 'GET', url: '/auth/me', headers });
      assert.equal(unasked.statusCode, 200);
      assert.deepEqual([unasked.headers['x-gatehouse-trace'], unasked.headers['x-gatehouse-cookies']], [undefined, undefined], 'not asked');
      const header = me.headers['x-gatehouse-trace'];
      return { me: header === undefined ? undefined : String(header), login: login.headers['x-gatehouse-trace'] as string | undefined, lab: me.headers['x-gatehouse-cookies'] as string | undefined };
    } finally {
      await server.close();
    }
  };

  it('is sent in development when asked for', async () => {
    const seen = await trace({ debugTrace: true });
    assert.equal(seen.me, 'credential=bearer; signature=ok; claims=ok; revocation-check=ok');
    assert.equal(seen.login, undefined, 'a login authenticates no credential: nothing to report');
    assert.equal(seen.lab, '__Host-gh_csrf', 'the cookie report');
  });

  it('is on by default in development with the hosted pages, off without them', async () => {
    assert.match((await trace({ ui: true })).me ?? '', /^credential=bearer; signature=ok/, 'ui on, debugTrace unset');
    assert.equal((await trace({})).me, undefined, 'ui off, debugTrace unset');
  });

  it('is never sent when off, nor in production', async () => {
    for (const options of [{ debugTrace: false }, { production: true }, { production: true, ui: true }] satisfies ServerConfigOptions[]) {
      const seen = await trace(options);
      assert.equal(seen.me, undefined, JSON.stringify(options));
      assert.equal(seen.lab, undefined, `no pane jars: ${JSON.stringify(options)}`);
    }
  });

  it('in production the explainer is not served: `/` leads to the sign-in page', async () => {
    const { server } = await start({ ui: true, production: true, logLevel: 'error' });
    try {
      const home = await server.app.inject({ method: 'GET', url: '/' });
      assert.deepEqual([home.statusCode, home.headers.location], [302, '/sign-in']);
      assert.equal((await server.app.inject({ method: 'GET', url: '/es/' })).statusCode, 404);
      assert.equal((await server.app.inject({ method: 'GET', url: '/sign-in' })).statusCode, 200);
    } finally {
      await server.close();
    }
  });

  it('refuses a production config that asks for it', () => {
    assert.throws(() => resolveServerConfig({ options: { production: true, debugTrace: true } }), /GATEHOUSE_DEBUG_TRACE/);
    assert.throws(() => resolveServerConfig({ env: { NODE_ENV: 'production', GATEHOUSE_DEBUG_TRACE: '1' } }), /GATEHOUSE_DEBUG_TRACE/);
  });
});
