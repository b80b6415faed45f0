// Owns the engine-level session tests: login and validation over the real memory store with real argon2id
// and a fake clock — forged and malformed tokens, idle/absolute expiry, throttled sliding renewal, the data
// bag, CSRF binding, revocation, login rate limits, uniform credential errors and secret-free audit events.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuditEvent } from './audit.js';
import type { GatehouseOptions } from './config.js';
import { createGatehouse } from './engine.js';
import type { Gatehouse } from './gatehouse.js';
import { GatehouseError, type ErrorCode } from './errors.js';
import { createMemoryStore } from '../stores/memory/index.js';
import { opened } from '../../test/kit.js';

const PASSWORD = 'correct horse battery staple';
const CONTEXT = { ip: '203.0.113.7', userAgent: 'node:test' };
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

async function setup(options: GatehouseOptions = {}) {
  let now = Date.UTC(2026, 0, 1);
  const clock = () => now;
  const store = createMemoryStore();
  // A spy around the real store's touch: counts renewal writes, changes nothing.
  const touches = { count: 0 };
  const realTouch = store.sessions.touch.bind(store.sessions);
  store.sessions.touch = (...args) => {
    touches.count++;
    return realTouch(...args);
  };
  const events: AuditEvent[] = [];
  const gh = await createGatehouse({
    store,
    clock,
    audit: (event) => events.push(event),
    options: { sessionIdleTtlSeconds: 3600, sessionAbsoluteTtlSeconds: 24 * 3600, ...options },
  });
  const advance = (ms: number) => {
    now += ms;
  };
  return { gh, store, events, touches, advance };
}

async function signUp(gh: Gatehouse, email = 'alice@example.com') {
  const user = await gh.register({ email, password: PASSWORD }, CONTEXT);
  const { session } = opened(await gh.login({ email, password: PASSWORD }, CONTEXT));
  return { user, session };
}

async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<GatehouseError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof GatehouseError, String(error));
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected GatehouseError ${code}`);
}

describe('session login and validation', () => {
  it('register + login returns an id.secret token and a CSRF token that validate', async () => {
    const { gh, store } = await setup();
    const { user, session } = await signUp(gh, ' Alice@Example.COM ');
    assert.equal(user.email, 'alice@example.com');
    assert.deepEqual(Object.keys(user).sort(), ['createdAt', 'email', 'emailVerified', 'id', 'roles']);
    assert.match(session.token, /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    assert.match(session.csrfToken, /^[A-Za-z0-9_-]{43}$/);
    const valid = await gh.validateSession(session.token);
    assert.equal(valid?.session.userId, user.id);
    assert.equal(gh.csrfToken(valid), session.csrfToken);
    const stored = await store.sessions.get(session.session.id);
    assert.ok(stored && !JSON.stringify(stored).includes(session.token.split('.')[1]!), 'the secret is not stored');
  });

  it('refuses a forged secret for a real session id, and the real session survives', async () => {
    const { gh, store } = await setup();
    const { session } = await signUp(gh);
    const forged = `${session.session.id}.${'A'.repeat(43)}`;
    assert.equal(await gh.validateSession(forged), null);
    assert.ok(await store.sessions.get(session.session.id));
    assert.ok(await gh.validateSession(session.token));
  });

  it('returns null for malformed tokens', async () => {
    const { gh } = await setup();
    const { session } = await signUp(gh);
    const [id, secret] = session.token.split('.') as [string, string];
    for (const token of ['', 'abc', id, `${id}.`, `.${secret}`, `${session.token}.x`, `${id}..${secret}`, ` ${session.token}`, 'x'.repeat(1000)]) {
      assert.equal(await gh.validateSession(token), null, JSON.stringify(token.slice(0, 80)));
    }
  });

  it('opens a new, distinct session on every login', async () => {
    const { gh } = await setup();
    const { session: first } = await signUp(gh);
    const { session: second } = opened(await gh.login({ email: 'alice@example.com', password: PASSWORD }, CONTEXT));
    assert.notEqual(second.session.id, first.session.id);
    assert.notEqual(second.token, first.token);
    assert.notEqual(second.csrfToken, first.csrfToken);
    assert.ok(await gh.validateSession(first.token));
    assert.ok(await gh.validateSession(second.token));
  });
});

describe('session expiry and renewal', () => {
  it('expires after the idle TTL without activity and deletes the row', async () => {
    const { gh, store, events, advance } = await setup();
    const { session } = await signUp(gh);
    advance(HOUR - 1000);
    assert.ok(await gh.validateSession(session.token), 'still valid just before the idle TTL');
    advance(HOUR);
    assert.equal(await gh.validateSession(session.token), null);
    assert.equal(await store.sessions.get(session.session.id), null);
    assert.ok(events.some((e) => e.type === 'session.expired' && e.sessionId === session.session.id));
  });

  it('slides: validating every 10 minutes for 5 hours keeps a 1-hour-idle session alive', async () => {
    const { gh, advance } = await setup();
    const { session } = await signUp(gh);
    for (let t = 10; t <= 300; t += 10) {
      advance(10 * MINUTE);
      assert.ok(await gh.validateSession(session.token), `dead after ${t} minutes`);
    }
  });

  it('renews with far fewer store writes than validations, and none in the first minute', async () => {
    const { gh, advance, touches } = await setup();
    const { session } = await signUp(gh);
    for (const step of [0, 20_000, 39_000]) {
      advance(step);
      assert.ok(await gh.validateSession(session.token));
    }
    assert.equal(touches.count, 0, 'no touch within the first minute');
    let validations = 0;
    for (let i = 0; i < 120; i++) {
      advance(30_000);
      assert.ok(await gh.validateSession(session.token));
      validations++;
    }
    assert.ok(touches.count > 0, 'renewal does write');
    assert.ok(touches.count <= validations / 10, `${touches.count} touches for ${validations} validations`);
  });

  it('dies at the absolute TTL despite constant activity; idle expiry never passes it', async () => {
    const { gh, store, advance } = await setup({ sessionIdleTtlSeconds: 3600, sessionAbsoluteTtlSeconds: 3 * 3600 });
    const { session } = await signUp(gh);
    const absolute = session.session.absoluteExpiresAt;
    for (let t = 10; t < 180; t += 10) {
      advance(10 * MINUTE);
      const valid = await gh.validateSession(session.token);
      assert.ok(valid, `dead after ${t} minutes`);
      const stored = await store.sessions.get(session.session.id);
      assert.ok(stored!.expiresAt <= absolute, `idle expiry past absolute at ${t} minutes`);
      assert.ok(valid.session.expiresAt <= absolute);
    }
    assert.equal((await store.sessions.get(session.session.id))!.expiresAt, absolute, 'clamped to absolute');
    advance(10 * MINUTE);
    assert.equal(await gh.validateSession(session.token), null);
    assert.equal(await store.sessions.get(session.session.id), null);
  });
});

describe('session data, CSRF and revocation', () => {
  it('round-trips a nested JSON bag and refuses one over the size limit, changing nothing', async () => {
    const { gh } = await setup({ sessionDataMaxBytes: 256 });
    const { session } = await signUp(gh);
    const bag = { cart: { items: [{ sku: 'a-1', qty: 2 }], total: 9.5 }, flags: [true, null, 'x'], theme: 'dark' };
    assert.equal(await gh.setSessionData(session.session.id, bag), true);
    assert.deepEqual((await gh.validateSession(session.token))?.session.data, bag);
    const error = await rejectsWith(gh.setSessionData(session.session.id, { blob: 'x'.repeat(300) }), 'invalid_request');
    assert.match(error.message, /256/);
    assert.deepEqual((await gh.validateSession(session.token))?.session.data, bag);
  });

  it('accepts a session its own CSRF token only', async () => {
    const { gh } = await setup();
    const alice = await signUp(gh);
    const bob = await signUp(gh, 'bob@example.com');
    const valid = (await gh.validateSession(alice.session.token))!;
    assert.equal(gh.checkCsrf(valid, alice.session.csrfToken), true);
    assert.equal(gh.checkCsrf(valid, bob.session.csrfToken), false);
    for (const garbage of ['', 'garbage', alice.session.token, alice.session.csrfToken.slice(0, -1)]) {
      assert.equal(gh.checkCsrf(valid, garbage), false, JSON.stringify(garbage));
    }
  });

  it('logoutAll ends every session of the user and no one else’s', async () => {
    const { gh } = await setup();
    const alice = await signUp(gh);
    const second = opened(await gh.login({ email: 'alice@example.com', password: PASSWORD }, CONTEXT));
    const bob = await signUp(gh, 'bob@example.com');
    await gh.logoutAll(alice.user.id);
    assert.equal(await gh.validateSession(alice.session.token), null);
    assert.equal(await gh.validateSession(second.session.token), null);
    assert.ok(await gh.validateSession(bob.session.token));
  });

  it('revokeSession refuses another user’s session and leaves it', async () => {
    const { gh } = await setup();
    const alice = await signUp(gh);
    const bob = await signUp(gh, 'bob@example.com');
    assert.equal(await gh.revokeSession(alice.user.id, bob.session.session.id), false);
    assert.ok(await gh.validateSession(bob.session.token));
    assert.equal(await gh.revokeSession(bob.user.id, bob.session.session.id), true);
    assert.equal(await gh.validateSession(bob.session.token), null);
  });
});

describe('login and registration rules', () => {
  it('rate-limits an account after loginAccountLimit failures, until the window passes; success resets', async () => {
    const { gh, advance } = await setup({ loginAccountLimit: 3, rateLimitWindowSeconds: 60 });
    await signUp(gh);
    await signUp(gh, 'bob@example.com');
    const login = (password: string, email = 'alice@example.com') => gh.login({ email, password }, CONTEXT);
    for (let i = 0; i < 3; i++) await rejectsWith(login('wrong password!'), 'invalid_credentials');
    const limited = await rejectsWith(login(PASSWORD), 'rate_limited');
    assert.ok(limited.retryAfterSeconds! > 0 && limited.retryAfterSeconds! <= 60, String(limited.retryAfterSeconds));
    await login(PASSWORD, 'bob@example.com'); // another account is not affected
    advance(61_000);
    await login(PASSWORD);
    for (let i = 0; i < 3; i++) await rejectsWith(login('wrong password!'), 'invalid_credentials');
  });

  it('gives an unknown email and a wrong password the identical error', async () => {
    const { gh } = await setup();
    await signUp(gh);
    const unknown = await rejectsWith(gh.login({ email: 'nobody@example.com', password: PASSWORD }, CONTEXT), 'invalid_credentials');
    const wrong = await rejectsWith(gh.login({ email: 'alice@example.com', password: 'not the password' }, CONTEXT), 'invalid_credentials');
    assert.equal(unknown.message, wrong.message);
    assert.equal(unknown.status, wrong.status);
  });

  it('refuses a second account for a differently-cased email', async () => {
    const { gh } = await setup();
    await signUp(gh);
    await rejectsWith(gh.register({ email: 'ALICE@example.com', password: 'another strong passphrase' }, CONTEXT), 'email_taken');
  });

  it('refuses weak and common passwords at registration', async () => {
    const { gh, store } = await setup();
    for (const password of ['short', 'qwerty123456', 'QWERTY123456', 'ｑｗｅｒｔｙ１２３４５６']) {
      await rejectsWith(gh.register({ email: 'carol@example.com', password }, CONTEXT), 'invalid_request');
    }
    assert.equal(await store.users.findByEmail('carol@example.com'), null);
  });

  it('audits logins without ever carrying the password or the session token', async () => {
    const { gh, events } = await setup();
    const { session } = await signUp(gh);
    const wrongPassword = 'definitely-not-it-42';
    await rejectsWith(gh.login({ email: 'alice@example.com', password: wrongPassword }, CONTEXT), 'invalid_credentials');
    await rejectsWith(gh.login({ email: 'nobody@example.com', password: wrongPassword }, CONTEXT), 'invalid_credentials');
    assert.ok(events.some((e) => e.type === 'login.succeeded' && e.sessionId === session.session.id));
    assert.equal(events.filter((e) => e.type === 'login.failed' && e.reason === 'invalid_credentials').length, 2);
    const [, secret] = session.token.split('.') as [string, string];
    for (const event of events) {
      const json = JSON.stringify(event);
      for (const forbidden of [PASSWORD, wrongPassword, session.token, secret, session.csrfToken]) {
        assert.ok(!json.includes(forbidden), `${event.type} carries a secret: ${json}`);
      }
    }
  });
});
