// The hosted pages (SPEC §8) in Chromium against the standalone server with a real SMTP catcher: sign up, the
// mailed verification link, sign out and in, TOTP set up from the page (QR code as SVG, the code computed here from
// the key shown, a step-up asked for on the way), sign in with the TOTP step, revoking another device, a passkey
// added and used (Chromium's virtual authenticator), forgot → the mailed reset link → a new password. Every page is
// checked with axe-core, served with the pages' CSP and no inline script or style, and seen to raise no CSP
// violation; the session cookie is never readable by page script; a phone-sized sign-in page does not scroll
// sideways; GATEHOUSE_UI=0 removes every route.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import { generateHOTP } from '@oslojs/otp';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { resolveServerConfig, type ServerConfigOptions } from '../src/server/config.js';
import { createServer, type GatehouseServer } from '../src/server/server.js';
import { PAGE_CSP } from '../src/server/ui.js';
import { UI_PAGES } from '../src/server/ui-pages.js';
import { createMemoryStore } from '../src/stores/memory/index.js';
import { fakeClock, type FakeClock } from '../src/testing/fake-clock.js';
import { axeViolations, findChromium, launchChromium } from './browser-kit.js';
import { freePort, ROOT, until } from './kit.js';
import { linkToken, startMailCatcher, type MailCatcher } from './mail-kit.js';

const chromium = findChromium();
const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'violet lantern orbit meadow';
const STEP_MS = 30_000;
const SCREENSHOTS = process.env['GATEHOUSE_UI_SCREENSHOTS'];

const totp = (clock: FakeClock, secret: string) =>
  generateHOTP(decodeBase32IgnorePadding(secret), BigInt(Math.floor(clock() / STEP_MS)), 6);
/** To the start of the next step: its code has not been used yet. */
const nextStep = (clock: FakeClock) => clock.advance(STEP_MS - (clock() % STEP_MS));

async function start(assetsDir: string, options: ServerConfigOptions, clock: FakeClock) {
  const port = await freePort();
  const config = resolveServerConfig({
    options: { port, host: '127.0.0.1', logLevel: 'warn', publicUrl: `http://localhost:${port}`, ...options },
  });
  const server = await createServer({ config, store: createMemoryStore(), clock, uiAssetsDir: assetsDir });
  await server.listen();
  return { server, origin: `http://localhost:${port}` };
}


async function shot(page: Page, name: string): Promise<void> {
  if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

describe('hosted pages', { skip: chromium.skip }, () => {
  const clock = fakeClock(Date.now());
  let assetsDir: string;
  let server: GatehouseServer;
  let origin: string;
  let mail: MailCatcher;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const violations: string[] = [];
  const email = `ui${Date.now()}@example.com`;
  let secret = '';

  const checkAxe = async (what: string) => assert.deepEqual(await axeViolations(page), [], `axe on ${what}`);
  const go = async (path: string) => {
    await page.goto(`${origin}${path}`);
    await page.locator('h1').waitFor();
  };
  const signIn = async (password = PASSWORD) => {
    await go('/sign-in');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  };

  before(async () => {
    assetsDir = mkdtempSync(join(tmpdir(), 'gatehouse-ui-'));
    execFileSync(process.execPath, [join(ROOT, 'scripts/build-ui.mjs'), assetsDir]);
    mail = await startMailCatcher();
    ({ server, origin } = await start(assetsDir, { smtpUrl: mail.url }, clock));
    browser = await launchChromium(chromium.bin!);
    context = await browser.newContext();
    // Reported by the browser: a CSP violation event in any page, and any console error.
    await context.addInitScript(
      'addEventListener("securitypolicyviolation", (e) => console.error("CSP violation: " + e.violatedDirective + " " + e.blockedURI))',
    );
    page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' && !/status of 40[0-9]/.test(message.text())) violations.push(message.text());
    });
    page.on('pageerror', (error) => violations.push(`page error: ${error.message}`));
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await mail?.close();
    if (assetsDir) rmSync(assetsDir, { recursive: true, force: true });
  });

  it('serves every page as a shell with the strict CSP and nothing inline', async () => {
    for (const { path, title } of UI_PAGES) {
      const response = await fetch(`${origin}${path}`);
      assert.equal(response.status, 200, path);
      assert.equal(response.headers.get('content-security-policy'), PAGE_CSP, path);
      assert.match(PAGE_CSP, /script-src 'self'; style-src 'self'/);
      assert.doesNotMatch(PAGE_CSP, /unsafe-inline|unsafe-eval/);
      assert.equal(response.headers.get('x-frame-options'), 'DENY');
      const html = await response.text();
      assert.ok(html.includes(`<title>${title} · Gatehouse</title>`), path);
      assert.doesNotMatch(html, /<script(?![^>]*\ssrc=)[^>]*>|<style|\sstyle=|\son[a-z]+=/i, `${path}: nothing inline`);
    }
    const script = await fetch(`${origin}/ui/assets/pages.js`);
    assert.equal(script.status, 200);
    assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
    const etag = script.headers.get('etag') ?? '';
    assert.equal((await fetch(`${origin}/ui/assets/pages.js`, { headers: { 'if-none-match': etag } })).status, 304);
    for (const path of ['/ui/assets/..%2Fmanifest.json', '/ui/assets/%2e%2e%2f%2e%2e%2fpackage.json', '/ui/assets/', '/ui/assets/nope.js']) {
      assert.equal((await fetch(`${origin}${path}`)).status, 404, path);
    }
  });

  it('signs up, verifies the email from the mailed link, signs out and in again', async () => {
    await go('/sign-up');
    await checkAxe('sign-up');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(`${origin}/account?welcome`);
    await page.getByText('Welcome! Your account is ready.').waitFor();
    assert.equal(await page.getByTestId('email').textContent(), email);

    const link = linkToken(await mail.next(email));
    assert.equal(link.page, 'verify-email');
    await page.goto(link.url);
    await page.getByText('Your email is verified.').waitFor();
    assert.equal(new URL(page.url()).hash, '', 'the token left the address bar');
    await checkAxe('verify-email');

    await go('/account');
    await page.getByText('verified', { exact: true }).waitFor();
    await page.getByRole('heading', { name: 'Where you are signed in' }).waitFor();
    await page.getByText('Account created').waitFor();
    await checkAxe('account');

    // The session cookie is HttpOnly: page script sees none of it.
    const cookies = await context.cookies(origin);
    const session = cookies.find((c) => c.name.includes('session'));
    assert.ok(session?.httpOnly, 'an HttpOnly session cookie');
    const readable = await page.evaluate<string>('document.cookie');
    assert.ok(!readable.includes(session.value) && !readable.includes(session.name), readable);

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL(`${origin}/sign-in?signedout`);
    await page.getByText('You are signed out.').waitFor();
    await checkAxe('sign-in');
    await signIn();
    await page.waitForURL(`${origin}/account`);
  });

  it('sets up TOTP from the account page (step-up asked, QR code, recovery codes), then signs in with a code', async () => {
    clock.advance(11 * 60_000); // the sign-in is now too old for a sensitive change
    await go('/account');
    await page.getByRole('button', { name: 'Set up two-step verification' }).click();
    const dialog = page.getByRole('dialog', { name: 'Confirm it is you' });
    await dialog.waitFor();
    await checkAxe('step-up dialog');
    await dialog.getByLabel('Password').fill(PASSWORD);
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await page.getByTestId('totp-secret').waitFor();
    assert.equal(await dialog.isVisible(), false);
    assert.equal(await page.locator('svg.gh-qr[role=img] path').count(), 1, 'the QR code, as SVG');
    secret = (await page.getByTestId('totp-secret').textContent()) ?? '';
    await checkAxe('TOTP setup');
    await shot(page, 'totp-setup');
    await page.getByLabel('Code from the app').fill(totp(clock, secret));
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByText('Two-step verification is on.').waitFor();
    assert.equal(await page.getByRole('list', { name: 'Recovery codes' }).locator('li').count(), 10);
    await shot(page, 'account-recovery-codes');
    await page.getByRole('button', { name: 'I saved them' }).click();
    await page.getByText('On. Recovery codes left: 10.').waitFor();

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL(/\/sign-in/);
    await signIn();
    await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
    await checkAxe('MFA step');
    await shot(page, 'mfa-step');
    nextStep(clock);
    await page.getByLabel('Code from your authenticator app').fill(totp(clock, secret) === '000000' ? '111111' : '000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByText('That code is not right.').waitFor();
    await page.getByLabel('Code from your authenticator app').fill(totp(clock, secret));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(`${origin}/account`);
  });

  it('lists another device and signs it out', async () => {
    nextStep(clock);
    const login = await fetch(`${origin}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'curl/8.5.0' },
      body: JSON.stringify({ email, password: PASSWORD, mode: 'token' }),
    });
    const { mfaToken } = (await login.json()) as { mfaToken: string };
    const done = await fetch(`${origin}/auth/login/mfa`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'curl/8.5.0' },
      body: JSON.stringify({ mfaToken, code: totp(clock, secret) }),
    });
    assert.equal(done.status, 200);
    const { access_token: access } = (await done.json()) as { access_token: string };
    const me = () => fetch(`${origin}/auth/me`, { headers: { authorization: `Bearer ${access}` } }).then((r) => r.status);
    assert.equal(await me(), 200);

    await go('/account');
    const devices = page.getByRole('list', { name: 'Devices and sessions' }).locator('li');
    await devices.nth(1).waitFor();
    assert.equal(await devices.count(), 2);
    await page.getByText('This device').waitFor();
    await shot(page, 'account');
    await page.getByRole('button', { name: /^Sign out curl/ }).click();
    await page.getByText('Signed out curl.').waitFor();
    assert.equal(await devices.count(), 1);
    assert.equal(await me(), 401, 'the other device is signed out');
  });

  it('adds a passkey and signs in with it', async () => {
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable', { enableUI: false });
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    await go('/account');
    await page.getByLabel('Name for a new passkey').fill('Test laptop');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByText('Passkey “Test laptop” added.').waitFor();
    await page.getByRole('button', { name: 'Delete passkey Test laptop' }).waitFor();

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL(/\/sign-in/);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL(`${origin}/account`);
    await page.getByText('Passkey added').waitFor();
    await checkAxe('account with TOTP and a passkey');
    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await page.waitForURL(/\/sign-in/);
  });

  it('resets a forgotten password through the mailed link', async () => {
    await go('/forgot-password');
    await checkAxe('forgot-password');
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Send the link' }).click();
    await page.getByText(`If an account uses ${email}`).waitFor();
    const link = linkToken(await mail.next(email));
    assert.equal(link.page, 'reset-password');
    await page.goto(link.url);
    await page.locator('h1').waitFor();
    assert.equal(new URL(page.url()).hash, '');
    await checkAxe('reset-password');
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('New password, again').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Your password was changed').waitFor();
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByText('Your password was changed. Sign in with the new one.').waitFor();
    await signIn(NEW_PASSWORD);
    await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
    await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
    await page.getByLabel('Recovery code').waitFor();
  });

  it('changes the email (confirmed from the mailed link) and the password, then deletes the account', async () => {
    await page.getByLabel('Recovery code').fill('not-a-code');
    await page.getByRole('button', { name: 'Use a code from the app instead' }).click();
    nextStep(clock);
    await page.getByLabel('Code from your authenticator app').fill(totp(clock, secret));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(`${origin}/account`);

    const newEmail = `moved${Date.now()}@example.com`;
    await page.getByLabel('New email').fill(newEmail);
    await page.locator('#email-password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Change email' }).click();
    await page.getByText(`We sent a link to ${newEmail}`).waitFor();
    const link = linkToken(await mail.next(newEmail));
    assert.equal(link.page, 'confirm-email');
    await page.goto(link.url);
    await page.getByText('Your email address was changed.').waitFor();
    await checkAxe('confirm-email');
    await go('/account');
    assert.equal(await page.getByTestId('email').textContent(), newEmail);

    await page.getByLabel('Current password', { exact: true }).first().fill(NEW_PASSWORD);
    await page.locator('#changed-password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Password changed. Your other devices were signed out.').waitFor();

    await page.locator('#delete-password').fill(PASSWORD);
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Delete my account' }).click();
    await page.waitForURL(`${origin}/sign-in?deleted`);
    await page.getByText('Your account was deleted.').waitFor();
    const gone = await fetch(`${origin}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: newEmail, password: PASSWORD, mode: 'token' }),
    });
    assert.equal(gone.status, 401);
  });

  it('fits a phone: the sign-in page at 390×844 (dark theme), no sideways scrolling', async () => {
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      colorScheme: 'dark',
    });
    try {
      const small = await phone.newPage();
      await small.goto(`${origin}/sign-in`);
      await small.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
      assert.ok((await small.evaluate<number>('document.documentElement.scrollWidth')) <= 390);
      const box = await small.getByLabel('Email').boundingBox();
      assert.ok(box && box.height >= 44, 'a finger-sized field');
      if (SCREENSHOTS) await small.screenshot({ path: join(SCREENSHOTS, 'sign-in-phone.png') });
      assert.deepEqual(await axeViolations(small), []);
    } finally {
      await phone.close();
    }
  });

  it('raised no CSP violation and no script error in any page (and would have seen one)', async () => {
    assert.deepEqual(violations, []);
    // The watch works: an inline style put into a page is refused and reported.
    const seen: string[] = [];
    const probe = await context.newPage();
    probe.on('console', (message) => seen.push(message.text()));
    await probe.goto(`${origin}/sign-in`);
    await probe.evaluate('document.body.insertAdjacentHTML("beforeend", "<style>body{color:red}</style>")');
    await until('a CSP report', () => seen.find((text) => text.startsWith('CSP violation: style-src')));
    await probe.close();
  });

  it('GATEHOUSE_UI=0: none of the routes exist', async () => {
    assert.equal(resolveServerConfig({ env: { GATEHOUSE_UI: '0' } }).ui, false);
    assert.equal(resolveServerConfig({ argv: ['--ui', 'false'] }).ui, false);
    const off = await start(assetsDir, { ui: false }, fakeClock());
    try {
      for (const path of [...UI_PAGES.map((p) => p.path), '/ui/assets/pages.js', '/ui/assets/theme.css']) {
        assert.equal((await fetch(`${off.origin}${path}`)).status, 404, path);
      }
    } finally {
      await off.server.close();
    }
  });
});
