// Owns the audit trail's tests at the engine, over the memory store with a fake clock: every event becomes a row
// (the request's address and user agent on logins, failures, registrations and password changes) and still
// reaches the sink; the order of a write and the change it records (a login fails closed without its row, a
// logout or password change stands without it); paging and its refusals; retention applied by maintain().
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuditEvent, AuditOutcome } from './audit.js';
import type { GatehouseOptions } from './config.js';
import { createGatehouse } from './engine.js';
import { GatehouseError, type ErrorCode } from './errors.js';
import type { PasswordHasher } from './password.js';
import type { AuditRecord } from './store.js';
import { createMemoryStore } from '../stores/memory/index.js';
import { fakeClock } from '../testing/fake-clock.js';
import { opened } from '../../test/kit.js';

const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'an entirely new passphrase 42';
const CONTEXT = { ip: '203.0.113.7', userAgent: 'node:test (audit)' };
const DAY = 24 * 3600 * 1000;

/** No argon2 here: these tests are about the trail, and a hash per login would only slow them. */
const plainHasher: PasswordHasher = {
  hash: async (password) => `plain:${password}`,
  verify: async (hash, password) => hash === `plain:${password}`,
};

async function setup(options: GatehouseOptions = {}) {
  const clock = fakeClock();
  const store = createMemoryStore();
  // Switches in front of the real methods (the engine guards the store when it is made, so they go first).
  const append = store.audit.append.bind(store.audit);
  const hit = store.rateLimits.hit.bind(store.rateLimits);
  const failing = { on: false, rateLimits: false };
  const down = () => Promise.reject(new Error('connect ECONNREFUSED'));
  store.audit.append = (record: AuditRecord) => (failing.on ? down() : append(record));
  store.rateLimits.hit = (...args) => (failing.rateLimits ? down() : hit(...args));
  const told: { event: AuditEvent; outcome: AuditOutcome }[] = [];
  const gh = await createGatehouse({ store, clock, hasher: plainHasher, audit: (event, outcome) => told.push({ event, outcome }), options });
  const rows = async (userId: string) => store.audit.listByUser(userId, { limit: 100 });
  return { gh, store, clock, failing, told, rows };
}

async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(promise, (error) => error instanceof GatehouseError && error.code === code);
}

describe('audit trail', () => {
  it('writes every event as a row and still hands it to the sink; login, failure, registration and password change carry the user agent', async () => {
    const { gh, told, rows } = await setup();
    const user = await gh.register({ email: 'ada@example.com', password: PASSWORD }, CONTEXT);
    await rejectsWith(gh.login({ email: 'ada@example.com', password: 'not the password at all' }, CONTEXT), 'invalid_credentials');
    const { session } = opened(await gh.login({ email: 'ada@example.com', password: PASSWORD }, CONTEXT));
    const principal = await gh.authenticateSession(session.token);
    assert.ok(principal);
    await gh.changePassword(principal, PASSWORD, NEW_PASSWORD, CONTEXT);
    await gh.logout(principal);

    const stored = await rows(user.id);
    // One instant (the clock stands still): the ids keep the order of events within it.
    assert.deepEqual(stored.map((r) => r.type), ['logout', 'password.changed', 'login.succeeded', 'login.failed', 'user.registered']);
    const byType = new Map(stored.map((r) => [r.type, r]));
    for (const type of ['user.registered', 'login.failed', 'login.succeeded', 'password.changed']) {
      assert.equal(byType.get(type)?.userAgent, CONTEXT.userAgent, type);
      assert.equal(byType.get(type)?.ip, CONTEXT.ip, type);
    }
    assert.deepEqual(byType.get('login.succeeded')?.details, { mode: 'session' });
    assert.equal(byType.get('login.succeeded')?.sessionId, session.session.id);
    assert.deepEqual(byType.get('login.failed')?.details, { reason: 'invalid_credentials' });
    assert.deepEqual(told.map((t) => t.event.type), ['user.registered', 'login.failed', 'login.succeeded', 'password.changed', 'logout']);
    assert.ok(told.every((t) => t.outcome.stored));
    assert.equal((told[2]?.event as { userAgent?: string }).userAgent, CONTEXT.userAgent, 'the sink sees the user agent too');
    for (const row of stored) {
      const json = JSON.stringify(row);
      for (const secret of [PASSWORD, NEW_PASSWORD, session.token, session.csrfToken]) assert.ok(!json.includes(secret), `${row.type} holds a secret`);
    }
  });

  it('a failed login for an unknown email is a row of no user', async () => {
    const { gh, store } = await setup();
    await rejectsWith(gh.login({ email: 'nobody@example.com', password: PASSWORD }, CONTEXT), 'invalid_credentials');
    const [row] = await store.audit.listAll({ limit: 10 });
    assert.equal(row?.type, 'login.failed');
    assert.equal(row?.userId, null);
    assert.equal(row?.ip, CONTEXT.ip);
  });

  it('a login whose row cannot be written fails closed (503): no credential, nothing told to the sink', async () => {
    const { gh, failing, told, store } = await setup();
    await gh.register({ email: 'ada@example.com', password: PASSWORD }, CONTEXT);
    failing.on = true;
    for (const mode of ['session', 'token', 'hybrid'] as const) {
      await rejectsWith(gh.login({ email: 'ada@example.com', password: PASSWORD }, CONTEXT, mode), 'unavailable');
    }
    await rejectsWith(gh.login({ email: 'ada@example.com', password: 'not the password at all' }, CONTEXT), 'unavailable');
    assert.deepEqual(told.map((t) => t.event.type), ['user.registered'], 'no login reached the sink');
    failing.on = false;
    assert.deepEqual((await store.audit.listAll({ limit: 10 })).map((r) => r.type), ['user.registered']);
  });

  it('a logout, a revocation or a password change stands when its row cannot be written; the sink is told', async () => {
    const { gh, failing, told, rows } = await setup();
    const user = await gh.register({ email: 'ada@example.com', password: PASSWORD }, CONTEXT);
    const first = opened(await gh.login({ email: 'ada@example.com', password: PASSWORD }, CONTEXT));
    const second = opened(await gh.login({ email: 'ada@example.com', password: PASSWORD }, CONTEXT));
    const tokens = opened(await gh.login({ email: 'ada@example.com', password: PASSWORD }, CONTEXT, 'token'));
    const principal = await gh.authenticateSession(first.session.token);
    assert.ok(principal);
    failing.on = true;
    told.length = 0;

    assert.ok(await gh.revokeSession(user.id, tokens.tokens.sessionId));
    await gh.changePassword(principal, PASSWORD, NEW_PASSWORD, CONTEXT);
    assert.equal(await gh.validateSession(second.session.token), null, 'the other session ended');
    await gh.logout(principal);
    assert.equal(await gh.validateSession(first.session.token), null, 'the logout happened');
    await gh.login({ email: 'ada@example.com', password: NEW_PASSWORD }, CONTEXT).then(
      () => assert.fail('a login without its row'),
      (error: unknown) => assert.ok(error instanceof GatehouseError && error.code === 'unavailable'),
    );

    assert.deepEqual(told.map((t) => t.event.type), ['session.revoked', 'password.changed', 'logout']);
    for (const { outcome } of told) {
      assert.equal(outcome.stored, false);
      assert.ok(!outcome.stored && outcome.error instanceof GatehouseError && outcome.error.code === 'unavailable', 'with the store\'s error');
    }
    failing.on = false;
    assert.ok(!(await rows(user.id)).some((r) => r.type === 'logout'));
  });

  it('audits a rate-limited login, but a rate-limit store that is down is a 503, not a rate limit', async () => {
    const { gh, store, failing } = await setup({ loginAccountLimit: 1 });
    await gh.register({ email: 'ada@example.com', password: PASSWORD }, CONTEXT);
    await rejectsWith(gh.login({ email: 'ada@example.com', password: 'not the password at all' }, CONTEXT), 'invalid_credentials');
    await rejectsWith(gh.login({ email: 'ada@example.com', password: PASSWORD }, CONTEXT), 'rate_limited');
    const reasons = async () => (await store.audit.listAll({ limit: 10 })).filter((r) => r.type === 'login.failed').map((r) => r.details['reason']);
    assert.deepEqual(await reasons(), ['rate_limited', 'invalid_credentials']);

    failing.rateLimits = true;
    await rejectsWith(gh.login({ email: 'ada@example.com', password: PASSWORD }, CONTEXT), 'unavailable');
    assert.deepEqual(await reasons(), ['rate_limited', 'invalid_credentials'], 'no row for a store that is down');
  });

  it('lists a user\'s own events newest first, in pages, and refuses a bad limit or cursor', async () => {
    const { gh, clock } = await setup();
    const ada = await gh.register({ email: 'ada@example.com', password: PASSWORD }, CONTEXT);
    const bob = await gh.register({ email: 'bob@example.com', password: PASSWORD }, CONTEXT);
    for (let i = 0; i < 5; i++) {
      clock.advance(1000);
      await gh.login({ email: 'ada@example.com', password: PASSWORD }, CONTEXT);
      await gh.login({ email: 'bob@example.com', password: PASSWORD }, CONTEXT);
    }
    const all = await gh.listAuditEvents(ada.id, { limit: 100 });
    assert.equal(all.events.length, 6);
    assert.equal(all.next, null);
    assert.equal(all.events.at(-1)?.type, 'user.registered');
    assert.ok(all.events.every((e, i, list) => i === 0 || e.at <= list[i - 1]!.at), 'newest first');
    assert.match(all.events[0]!.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal((await gh.listAuditEvents(ada.id)).events.length, 6, 'a default limit (20)');

    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await gh.listAuditEvents(ada.id, { limit: 4, cursor });
      paged.push(...page.events.map((e) => e.id));
      cursor = page.next;
    } while (cursor !== null);
    assert.deepEqual(paged, all.events.map((e) => e.id));
    assert.ok(!(await gh.listAuditEvents(bob.id, { limit: 100 })).events.some((e) => paged.includes(e.id)), 'bob sees none of ada\'s');

    for (const limit of [0, 101, 1.5, -1, Number.NaN]) await rejectsWith(gh.listAuditEvents(ada.id, { limit }), 'invalid_request');
    const { next } = await gh.listAuditEvents(ada.id, { limit: 1 });
    assert.ok(next);
    for (const cursor of ['', 'not a cursor', `${next}x`, Buffer.from('1.2.3').toString('base64url'), Buffer.from('x.abc').toString('base64url'), `${next}=`]) {
      await rejectsWith(gh.listAuditEvents(ada.id, { cursor }), 'invalid_request');
    }
  });

  it('maintain() deletes the rows past GATEHOUSE_AUDIT_RETENTION (90 days by default), and only those', async () => {
    const { gh, clock, rows } = await setup();
    assert.equal(gh.config.auditRetentionSeconds, 90 * 24 * 3600);
    const user = await gh.register({ email: 'ada@example.com', password: PASSWORD }, CONTEXT);
    clock.advance(30 * DAY);
    await gh.login({ email: 'ada@example.com', password: PASSWORD }, CONTEXT);
    clock.advance(60 * DAY); // the registration is now exactly 90 days old: kept
    await gh.maintain();
    assert.deepEqual((await rows(user.id)).map((r) => r.type), ['login.succeeded', 'user.registered']);
    clock.advance(1);
    await gh.maintain();
    assert.deepEqual((await rows(user.id)).map((r) => r.type), ['login.succeeded']);

    const short = await setup({ auditRetentionSeconds: 3600 });
    const bob = await short.gh.register({ email: 'bob@example.com', password: PASSWORD }, CONTEXT);
    short.clock.advance(3600 * 1000 + 1);
    await short.gh.maintain();
    assert.deepEqual(await short.rows(bob.id), []);
  });
});
