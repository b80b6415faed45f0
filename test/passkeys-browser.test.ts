// Passkeys (SPEC §6) in Chromium, end to end: a page at http://localhost:PORT (a secure context, and a domain, as
// WebAuthn needs; the RP id is `localhost`, from the origin the requests came to) uses gatehouse/client and
// gatehouse/client/passkeys, bundled together by esbuild, against the standalone server. The authenticator is
// Chromium's virtual one (CDP: WebAuthn.addVirtualAuthenticator, CTAP2, internal, resident keys, user verification).
// It registers a passkey while signed in, signs in with it in session, token and hybrid modes, lists and deletes it;
// and it is refused: a cloned authenticator whose signature counter is behind (the credential exported with its
// private key, used, then put back with its old counter into a fresh authenticator), an assertion made on another
// origin (a page at http://localhost:OTHER_PORT: the RP id `localhost` is valid there too, so the browser signs, and
// only the server's origin check stands; Chromium itself refuses that RP id to http://evil.localhost), and a
// challenge used twice.
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { build } from 'esbuild';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import type { GatehouseClient, Mode, User } from '../src/client/index.js';
import type { PasskeyInfo } from '../src/client/passkeys/index.js';
import { resolveServerConfig } from '../src/server/config.js';
import { createServer, type GatehouseServer } from '../src/server/server.js';
import { createMemoryStore } from '../src/stores/memory/index.js';
import { fakeClock } from '../src/testing/fake-clock.js';
import { findChromium, launchChromium } from './browser-kit.js';
import { PASSWORD } from './helpers.js';

const chromium = findChromium();
const root = join(import.meta.dirname, '..');

/** The page's one script: the client, its passkeys entry and @simplewebauthn/browser's own call, on `window.gh`. */
const ENTRY = `import { createClient } from './src/client/index.ts';
import * as passkeys from './src/client/passkeys/index.ts';
import { startAuthentication } from '@simplewebauthn/browser';
window.gh = { createClient, startAuthentication, ...passkeys };
document.body.dataset.ready = 'yes';`;

const PAGE = '<!doctype html><meta charset="utf-8"><title>passkeys</title><body><script type="module" src="/passkeys-page.js"></script>';

interface Gh {
  createClient(options: { mode: Mode; name?: string }): GatehouseClient;
  registerPasskey(client: GatehouseClient, options?: { name?: string }): Promise<PasskeyInfo>;
  loginWithPasskey(client: GatehouseClient): Promise<User>;
  listPasskeys(client: GatehouseClient): Promise<PasskeyInfo[]>;
  deletePasskey(client: GatehouseClient, id: string): Promise<void>;
  startAuthentication(options: { optionsJSON: unknown }): Promise<unknown>;
}
declare const window: { gh: Gh; client: GatehouseClient };

let counter = 0;
const freshEmail = () => `passkey${++counter}-${Date.now()}@example.com`;

/** A virtual platform authenticator for the page (the CDP session is the page's). */
async function addAuthenticator(page: Page): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return { cdp, authenticatorId };
}

async function openPage(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  const loaded = await page.goto(url);
  assert.equal(loaded?.status(), 200);
  await page.waitForSelector('body[data-ready="yes"]', { state: 'attached' });
  return page;
}

/** Signs a new user up and in with a password (session mode) on the page, then registers a passkey. */
async function userWithPasskey(page: Page, email = freshEmail()): Promise<{ email: string; passkey: PasskeyInfo }> {
  const passkey = await page.evaluate(
    async ({ email, password }) => {
      window.client = window.gh.createClient({ mode: 'session' });
      await window.client.register({ email, password });
      await window.client.login({ email, password });
      return window.gh.registerPasskey(window.client, { name: 'This laptop' });
    },
    { email, password: PASSWORD },
  );
  return { email, passkey };
}

/** Signs in with a passkey in `mode` with a client of its own; the user's email, or the refusal's status and code. */
const passkeyLogin = (page: Page, mode: Mode) =>
  page.evaluate(async (mode) => {
    const client = window.gh.createClient({ mode, name: `passkey-${mode}-${Math.random()}` });
    try {
      const user = await window.gh.loginWithPasskey(client);
      const me = await client.me();
      const status = (await client.fetch('/auth/me')).status;
      return { email: user.email, me: me?.email ?? null, status };
    } catch (error) {
      const { status, code } = error as { status?: number; code?: string };
      return { refused: status ?? null, code: code ?? String(error) };
    } finally {
      client.close();
    }
  }, mode);

describe('passkeys in Chromium', { skip: chromium.skip }, () => {
  let browser: Browser;
  let server: GatehouseServer;
  let origin: string;
  let port: string;
  let phishing: Server;
  let phishingOrigin: string;
  const store = createMemoryStore();
  const clock = fakeClock(Date.now());

  before(async () => {
    const bundle = await build({
      stdin: { contents: ENTRY, resolveDir: root, loader: 'ts' },
      bundle: true,
      format: 'esm',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
    });
    const script = bundle.outputFiles[0]?.text ?? '';
    const config = resolveServerConfig({ options: { port: 0, host: '127.0.0.1', logLevel: 'warn', ui: false } });
    server = await createServer({ config, store, clock });
    server.app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(PAGE));
    server.app.get('/passkeys-page.js', async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(script));
    port = new URL(await server.listen()).port;
    origin = `http://localhost:${port}`;
    // Another origin serving the same page: what a phishing site would show.
    phishing = createHttpServer((request, response) => {
      if (request.url === '/') response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
      else if (request.url === '/passkeys-page.js') response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(script);
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => phishing.listen(0, '127.0.0.1', resolve));
    phishingOrigin = `http://localhost:${(phishing.address() as AddressInfo).port}`;
    browser = await launchChromium(chromium.bin!);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await new Promise<void>((resolve) => phishing?.close(() => resolve()));
  });

  it('registers a passkey while signed in, signs in with it in session, token and hybrid modes, lists and deletes it', async () => {
    const context = await browser.newContext();
    try {
      const page = await openPage(context, `${origin}/`);
      await addAuthenticator(page);
      const { email, passkey } = await userWithPasskey(page);
      assert.equal(passkey.name, 'This laptop');
      assert.equal(passkey.lastUsedAt, null);
      assert.deepEqual(passkey.transports, ['internal']);

      for (const mode of ['session', 'token', 'hybrid'] as const) {
        assert.deepEqual(await passkeyLogin(page, mode), { email, me: email, status: 200 }, `${mode} mode`);
      }
      const user = await store.users.findByEmail(email);
      assert.ok(user);
      const events = (await store.audit.listByUser(user.id, { limit: 20 })).map((e) => `${e.type}:${typeof e.details['mode'] === 'string' ? e.details['mode'] : ''}`);
      for (const mode of ['session', 'token', 'hybrid']) assert.ok(events.includes(`login.succeeded:${mode}`), `a ${mode} login in the trail`);
      assert.ok(events.includes('passkey.registered:'));

      const listed = await page.evaluate(async () => {
        const client = window.gh.createClient({ mode: 'token', name: 'lister' });
        await window.gh.loginWithPasskey(client);
        const before = await window.gh.listPasskeys(client);
        await window.gh.deletePasskey(client, before[0]!.id);
        const after = await window.gh.listPasskeys(client);
        return { before, after };
      });
      assert.equal(listed.before.length, 1);
      assert.equal(listed.before[0]?.id, passkey.id);
      assert.equal(listed.before[0]?.name, 'This laptop');
      assert.ok(listed.before[0]?.lastUsedAt, 'its last use is shown');
      assert.ok(['singleDevice', 'multiDevice'].includes(listed.before[0]?.deviceType ?? ''));
      assert.deepEqual(listed.after, []);
      assert.deepEqual(await passkeyLogin(page, 'session'), { refused: 401, code: 'invalid_credentials' }, 'a deleted passkey signs no one in');
      const types = (await store.audit.listByUser(user.id, { limit: 30 })).map((e) => e.type);
      assert.ok(types.includes('passkey.deleted'));
    } finally {
      await context.close();
    }
  });

  it('refuses a cloned authenticator whose signature counter is behind, and audits it as one', async () => {
    const context = await browser.newContext();
    try {
      const page = await openPage(context, `${origin}/`);
      const { cdp, authenticatorId } = await addAuthenticator(page);
      const { email, passkey } = await userWithPasskey(page);
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      const copy = credentials.find((c) => Buffer.from(c.credentialId, 'base64').toString('base64url') === passkey.id);
      assert.ok(copy?.privateKey, 'the credential, with its private key');

      for (let i = 0; i < 3; i++) assert.equal((await passkeyLogin(page, 'token')).email, email);
      const stored = await store.passkeys.findById(passkey.id);
      assert.ok(stored && stored.counter > copy.signCount, `the counter grew (${stored?.counter} > ${copy.signCount})`);

      const clone = await openPage(context, `${origin}/`);
      const cloned = await addAuthenticator(clone);
      await cloned.cdp.send('WebAuthn.addCredential', { authenticatorId: cloned.authenticatorId, credential: copy });
      assert.deepEqual(await passkeyLogin(clone, 'token'), { refused: 401, code: 'invalid_credentials' });
      const user = await store.users.findByEmail(email);
      const failures = (await store.audit.listByUser(user!.id, { limit: 50 })).filter((e) => e.type === 'login.failed').map((e) => e.details['reason']);
      assert.deepEqual(failures, ['possible_cloned_passkey']);
      assert.equal((await store.passkeys.findById(passkey.id))?.counter, stored.counter, 'the stale counter changed nothing');
      assert.equal((await passkeyLogin(page, 'token')).email, email, 'the genuine authenticator still signs in');
    } finally {
      await context.close();
    }
  });

  it('refuses an assertion made on another origin (a phishing page relaying it), and Chromium refuses the RP id to evil.localhost', async () => {
    const context = await browser.newContext();
    try {
      const page = await openPage(context, `${origin}/`);
      const { cdp, authenticatorId } = await addAuthenticator(page);
      const { email, passkey } = await userWithPasskey(page);
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });

      // The phishing page, on its own origin, with the user's passkey in its authenticator (as a synced one would be).
      const evil = await openPage(context, `${phishingOrigin}/`);
      const phished = await addAuthenticator(evil);
      for (const credential of credentials) await phished.cdp.send('WebAuthn.addCredential', { authenticatorId: phished.authenticatorId, credential });
      // It relays genuine options of the real site (its RP id, `localhost`, and a fresh challenge).
      const fetchOptions = () => page.evaluate(() => fetch('/auth/passkeys/login/options', { method: 'POST' }).then((r) => r.json()));
      const subdomain = await openPage(context, `http://evil.localhost:${port}/`);
      const refusedThere = await subdomain.evaluate((optionsJSON) => window.gh.startAuthentication({ optionsJSON }).then(() => 'signed', (e: Error) => e.name), await fetchOptions());
      assert.equal(refusedThere, 'SecurityError', 'Chromium keeps the RP id localhost from evil.localhost');
      const response = await evil.evaluate((optionsJSON) => window.gh.startAuthentication({ optionsJSON }), await fetchOptions());
      assert.equal((response as { id: string }).id, passkey.id, 'the authenticator signed on the phishing page');
      const relayed = await page.evaluate(
        (response) =>
          fetch('/auth/passkeys/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ response, mode: 'token' }) })
            .then(async (r) => ({ status: r.status, body: (await r.json()) as { error?: { code?: string } } })),
        response,
      );
      assert.equal(relayed.status, 401);
      assert.equal(relayed.body.error?.code, 'invalid_credentials');
      const user = await store.users.findByEmail(email);
      const reasons = (await store.audit.listByUser(user!.id, { limit: 50 })).filter((e) => e.type === 'login.failed').map((e) => e.details['reason']);
      assert.deepEqual(reasons, ['passkey_rejected']);
      assert.equal((await passkeyLogin(page, 'token')).email, email, 'the same passkey on the real site signs in');
    } finally {
      await context.close();
    }
  });

  it('takes a challenge once: the same assertion presented again is refused; a disabled user\'s passkey signs no one in', async () => {
    const context = await browser.newContext();
    try {
      const page = await openPage(context, `${origin}/`);
      await addAuthenticator(page);
      const { email } = await userWithPasskey(page);
      const statuses = await page.evaluate(async () => {
        const options: unknown = await fetch('/auth/passkeys/login/options', { method: 'POST' }).then((r) => r.json());
        const response = await window.gh.startAuthentication({ optionsJSON: options });
        const statuses: number[] = [];
        for (let i = 0; i < 2; i++) {
          const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ response, mode: 'token' }) };
          statuses.push((await fetch('/auth/passkeys/login', init)).status);
        }
        return statuses;
      });
      assert.deepEqual(statuses, [200, 401]);

      const user = await store.users.findByEmail(email);
      assert.ok(user && (await store.users.setDisabled(user.id, clock(), clock())));
      assert.deepEqual(await passkeyLogin(page, 'session'), { refused: 401, code: 'invalid_credentials' });
      const reasons = (await store.audit.listByUser(user.id, { limit: 50 })).filter((e) => e.type === 'login.failed').map((e) => e.details['reason']);
      assert.deepEqual(reasons, ['account_disabled', 'passkey_rejected'], 'newest first: the disabled account, the spent challenge');
    } finally {
      await context.close();
    }
  });
});
