// Passkeys (SPEC §6) over HTTP, where no authenticator is needed (the ceremonies themselves are in
// passkeys-browser.test.ts): who may call what (unauthenticated, someone else's passkey, step-up for registering and
// deleting), the options handed out (RP id from the request's origin, GATEHOUSE_PUBLIC_URL or GATEHOUSE_RP_ID;
// discoverable credentials; user verification required), the modes a passkey login may ask for, malformed and
// unknown credentials, login CSRF; and the sealed challenges themselves: single use across instances, bound to their
// purpose and user, short-lived, unforgeable.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createPasskeyChallenges, CHALLENGE_TTL_MS } from '../src/core/passkeys-challenges.js';
import { createSecretBox } from '../src/core/secret-box.js';
import { ConfigError, resolveConfig } from '../src/core/config.js';
import type { PasskeyRecord } from '../src/core/store.js';
import { createRateLimitStore } from '../src/stores/memory/rate-limits.js';
import { createClient, errorCode, signedIn, startTestServer, TEST_SECRET, tokenLogin, bearer, type TestServer } from './helpers.js';

const STEP_UP_MS = 10 * 60 * 1000;

function passkeyOf(userId: string, id = `cred-${Math.random().toString(36).slice(2)}`): PasskeyRecord {
  return {
    id, userId, publicKey: 'pQECAyYgASFYIA', counter: 0, transports: ['internal'], deviceType: 'singleDevice',
    backedUp: false, name: 'Key', createdAt: Date.now(), lastUsedAt: null,
  };
}

/** A well-formed sign-in credential (the shape @simplewebauthn/browser sends) for an id no one registered. */
function assertionFor(id: string, challenge = 'AAAA') {
  const clientDataJSON = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge, origin: 'https://example.com' })).toString('base64url');
  return {
    id, rawId: id, type: 'public-key', clientExtensionResults: {},
    response: { clientDataJSON, authenticatorData: 'SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAQ', signature: 'MEUCIQ' },
  };
}

describe('passkeys over HTTP', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server?.close();
  });

  it('refuses every passkey route but sign-in to a request without a credential', async () => {
    const anonymous = createClient(server, { browser: true });
    assert.equal((await anonymous.post('/auth/passkeys/register/options')).status, 401);
    assert.equal((await anonymous.post('/auth/passkeys/register', { response: assertionFor('x') })).status, 401);
    assert.equal((await anonymous.get('/auth/passkeys')).status, 401);
    assert.equal((await anonymous.delete('/auth/passkeys/x')).status, 401);
    assert.equal((await anonymous.post('/auth/passkeys/login/options')).status, 200);
  });

  it('hands out registration options for discoverable credentials with user verification, excluding the user\'s passkeys', async () => {
    const { client, email, login } = await signedIn(server);
    const mine = passkeyOf(login.user.id);
    assert.ok(await server.store.passkeys.create(mine));
    const response = await client.post('/auth/passkeys/register/options', undefined, { headers: client.csrfHeaders() });
    assert.equal(response.status, 200, response.text);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const options = response.body as Record<string, unknown> & {
      rp: { id: string; name: string }; user: { id: string; name: string }; challenge: string;
      authenticatorSelection: Record<string, unknown>; excludeCredentials: { id: string }[];
    };
    assert.deepEqual(options.rp, { id: '127.0.0.1', name: 'Gatehouse' }, 'the host of the origin the request came to');
    assert.equal(options.user.name, email);
    assert.equal(Buffer.from(options.user.id, 'base64url').toString(), login.user.id, 'the user handle is the user id');
    assert.equal(options.authenticatorSelection['residentKey'], 'required');
    assert.equal(options.authenticatorSelection['userVerification'], 'required');
    assert.deepEqual(options.excludeCredentials.map((c) => c.id), [mine.id]);
    assert.match(options.challenge, /^[A-Za-z0-9_-]{64,}$/);
    assert.equal(options['attestation'], 'none');
  });

  it('hands out usernameless sign-in options (no credential named, user verification required)', async () => {
    const response = await createClient(server, { browser: true }).post('/auth/passkeys/login/options');
    const options = response.body as { rpId: string; allowCredentials?: unknown[]; userVerification: string; challenge: string; timeout: number };
    assert.equal(options.rpId, '127.0.0.1');
    assert.deepEqual(options.allowCredentials ?? [], []);
    assert.equal(options.userVerification, 'required');
    assert.equal(options.timeout, CHALLENGE_TTL_MS);
  });

  it('a sign-in from a foreign origin is refused before anything (login CSRF)', async () => {
    const foreign = { headers: { origin: 'https://evil.example' } };
    const options = await createClient(server).post('/auth/passkeys/login/options', undefined, foreign);
    assert.equal(options.status, 403);
    assert.equal(errorCode(options), 'csrf_failed');
    const login = await createClient(server).post('/auth/passkeys/login', { response: assertionFor('x') }, foreign);
    assert.equal(errorCode(login), 'csrf_failed');
  });

  it('lists the user\'s own passkeys; deleting another user\'s is 404 and leaves it', async () => {
    const alice = await signedIn(server);
    const bob = await signedIn(server);
    const alices = passkeyOf(alice.login.user.id);
    const bobs = passkeyOf(bob.login.user.id);
    assert.ok(await server.store.passkeys.create(alices));
    assert.ok(await server.store.passkeys.create(bobs));
    const listed = await alice.client.get('/auth/passkeys');
    assert.equal(listed.status, 200);
    assert.deepEqual((listed.body as { passkeys: { id: string }[] }).passkeys.map((p) => p.id), [alices.id]);
    assert.deepEqual(Object.keys((listed.body as { passkeys: object[] }).passkeys[0]!).sort(), ['backedUp', 'createdAt', 'deviceType', 'id', 'lastUsedAt', 'name', 'transports']);

    const theirs = await alice.client.delete(`/auth/passkeys/${bobs.id}`, { headers: alice.client.csrfHeaders() });
    assert.equal(theirs.status, 404);
    assert.equal(errorCode(theirs), 'not_found');
    assert.ok(await server.store.passkeys.findById(bobs.id), 'still there');
    assert.equal((await alice.client.delete('/auth/passkeys/nope', { headers: alice.client.csrfHeaders() })).status, 404);
    assert.equal((await alice.client.delete(`/auth/passkeys/${alices.id}`)).status, 403, 'a cookie session needs its CSRF token');
    assert.equal((await alice.client.delete(`/auth/passkeys/${alices.id}`, { headers: alice.client.csrfHeaders() })).status, 204);
    assert.equal(await server.store.passkeys.findById(alices.id), null);
    const trail = await server.store.audit.listByUser(alice.login.user.id, { limit: 10 });
    assert.equal(trail[0]?.type, 'passkey.deleted');
    assert.equal(trail[0]?.details['passkeyId'], alices.id);
  });

  it('registering and deleting a passkey need a recent sign-in (step-up); listing does not', async () => {
    const { client, login } = await signedIn(server);
    const token = await tokenLogin(server, (await server.store.users.findById(login.user.id))!.email);
    const mine = passkeyOf(login.user.id);
    assert.ok(await server.store.passkeys.create(mine));
    server.clock.advance(STEP_UP_MS + 1000);
    try {
      const csrf = { headers: client.csrfHeaders() };
      for (const response of [
        await client.post('/auth/passkeys/register/options', undefined, csrf),
        await client.post('/auth/passkeys/register', { response: assertionFor('x') }, csrf),
        await client.delete(`/auth/passkeys/${mine.id}`, csrf),
        await createClient(server).post('/auth/passkeys/register/options', undefined, bearer(token.access_token)),
      ]) {
        assert.equal(response.status, 403, response.text);
        assert.equal(errorCode(response), 'reauthentication_required');
      }
      assert.ok(await server.store.passkeys.findById(mine.id), 'not deleted');
      assert.equal((await client.get('/auth/passkeys')).status, 200);
    } finally {
      server.clock.advance(-(STEP_UP_MS + 1000));
    }
  });

  it('refuses a malformed credential (400) and an unknown one (401, audited), and a mode that is not one', async () => {
    const { client } = await signedIn(server);
    const anonymous = createClient(server, { browser: true });
    for (const response of [null, 'x', {}, { ...assertionFor('x'), rawId: 'y' }, { ...assertionFor('x'), type: 'other' }, { ...assertionFor('a b') }]) {
      const refused = await anonymous.post('/auth/passkeys/login', { response });
      assert.equal(refused.status, 400, JSON.stringify(response));
      assert.equal(errorCode(refused), 'invalid_request');
    }
    const malformed = await client.post('/auth/passkeys/register', { response: { id: 'x' } }, { headers: client.csrfHeaders() });
    assert.equal(errorCode(malformed), 'invalid_request');
    const badName = await client.post('/auth/passkeys/register', { response: assertionFor('x'), name: 'a\nb' }, { headers: client.csrfHeaders() });
    assert.equal(errorCode(badName), 'invalid_request');
    const unknown = await anonymous.post('/auth/passkeys/login', { response: assertionFor('cred-nobody'), mode: 'token' });
    assert.equal(unknown.status, 401);
    assert.equal(errorCode(unknown), 'invalid_credentials');
    assert.equal((await anonymous.post('/auth/passkeys/login', { response: assertionFor('x'), mode: 'cookie' })).status, 400);
  });

  it('a passkey login asks for a mode the deployment enables (requireMode)', async () => {
    const sessionsOnly = await startTestServer({ options: { modes: ['session'] } });
    try {
      const refused = await createClient(sessionsOnly, { browser: true }).post('/auth/passkeys/login', { response: assertionFor('x'), mode: 'token' });
      assert.equal(refused.status, 400);
      assert.equal(errorCode(refused), 'invalid_request');
      assert.match((refused.body as { error: { message: string } }).error.message, /mode must be one of: session/);
    } finally {
      await sessionsOnly.close();
    }
  });

  it('takes the RP id from GATEHOUSE_PUBLIC_URL, or GATEHOUSE_RP_ID, whatever the request\'s origin', async () => {
    const configured = await startTestServer({ options: { publicUrl: 'https://auth.example.com', rpId: 'example.com', rpName: 'Example' } });
    try {
      const options = (await createClient(configured).post('/auth/passkeys/login/options')).body as { rpId: string };
      assert.equal(options.rpId, 'example.com');
    } finally {
      await configured.close();
    }
    const byUrl = await startTestServer({ options: { publicUrl: 'https://login.example.org/' } });
    try {
      const { client } = await signedIn(byUrl);
      const options = (await client.post('/auth/passkeys/register/options', undefined, { headers: client.csrfHeaders() })).body as { rp: { id: string } };
      assert.equal(options.rp.id, 'login.example.org');
    } finally {
      await byUrl.close();
    }
  });

  it('refuses an RP id that is not a domain, or not the public URL\'s', () => {
    assert.throws(() => resolveConfig({ env: { GATEHOUSE_RP_ID: 'https://example.com' } }), ConfigError);
    assert.throws(() => resolveConfig({ env: { GATEHOUSE_RP_ID: '10.0.0.1' } }), /not an IP address/);
    assert.throws(() => resolveConfig({ env: { GATEHOUSE_RP_ID: 'example.com', GATEHOUSE_PUBLIC_URL: 'https://auth.example.org' } }), /GATEHOUSE_RP_ID: must be the host/);
    assert.equal(resolveConfig({ env: { GATEHOUSE_RP_ID: 'example.com', GATEHOUSE_PUBLIC_URL: 'https://auth.example.com' } }).rpId, 'example.com');
  });
});

describe('sealed passkey challenges', () => {
  const T0 = Date.UTC(2026, 0, 1);
  const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
  const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');

  it('are taken once, by any instance with the same secret and store', async () => {
    const shared = createRateLimitStore();
    const a = createPasskeyChallenges(createSecretBox(TEST_SECRET), shared, random);
    const b = createPasskeyChallenges(createSecretBox(TEST_SECRET), shared, random);
    const challenge = text(a.issue('login', null, T0));
    assert.equal(await b.redeem(challenge, 'login', null, T0 + 1000), true, 'another instance opens it');
    assert.equal(await a.redeem(challenge, 'login', null, T0 + 2000), false, 'and it is spent everywhere');
    const again = text(a.issue('login', null, T0));
    const results = await Promise.all(Array.from({ length: 10 }, () => b.redeem(again, 'login', null, T0)));
    assert.equal(results.filter(Boolean).length, 1, 'one of concurrent presentations');
  });

  it('are bound to their purpose, user, lifetime and secret, and cannot be altered', async () => {
    const challenges = createPasskeyChallenges(createSecretBox(TEST_SECRET), createRateLimitStore(), random);
    const forUser = () => text(challenges.issue('register', 'usr_1', T0));
    assert.equal(await challenges.redeem(forUser(), 'login', null, T0), false, 'another purpose');
    assert.equal(await challenges.redeem(forUser(), 'register', 'usr_2', T0), false, 'another user');
    assert.equal(await challenges.redeem(forUser(), 'register', 'usr_1', T0 + CHALLENGE_TTL_MS + 1), false, 'expired');
    assert.equal(await challenges.redeem(forUser(), 'register', 'usr_1', T0 + CHALLENGE_TTL_MS), true, 'good to the last millisecond');
    const other = createPasskeyChallenges(createSecretBox(`${TEST_SECRET}-other`), createRateLimitStore(), random);
    assert.equal(await other.redeem(forUser(), 'register', 'usr_1', T0), false, 'another secret');
    const bytes = Buffer.from(forUser(), 'base64url');
    bytes[bytes.length - 1]! ^= 1;
    assert.equal(await challenges.redeem(bytes.toString('base64url'), 'register', 'usr_1', T0), false, 'altered');
    for (const junk of ['', 'AAAA', 'not base64url!', 'A'.repeat(5000)]) assert.equal(await challenges.redeem(junk, 'login', null, T0), false);
  });
});
