// Owns the session-cache tests: two engines sharing one store through a revocation bus (two instances), with
// the store's session reads counted. Repeat checks are served from memory; a logout, logout-all or any
// revocation elsewhere is refused at once; a read in flight across a revocation is not kept; while the bus is
// down every check reads the store; own writes and the age limit bring changes in; 0 turns it off.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GatehouseOptions } from './config.js';
import { createGatehouse } from './engine.js';
import type { Gatehouse } from './gatehouse.js';
import type { RevocationBus, RevocationRecord, Store } from './store.js';
import { createMemoryStore } from '../stores/memory/index.js';
import { opened } from '../../test/kit.js';

const PASSWORD = 'correct horse battery staple';
const CONTEXT = { ip: '203.0.113.7', userAgent: 'node:test' };

type Handlers = Parameters<RevocationBus['start']>[0];

/** An in-process pub/sub between instances, which can be taken down and brought back like a Redis link. */
function createHub() {
  const members = new Set<Handlers>();
  let up = true;
  return {
    bus(): RevocationBus {
      let own: Handlers | undefined;
      return {
        async publish(revocation: RevocationRecord) {
          for (const member of members) if (member !== own) member.revocation(revocation);
        },
        start(handlers) {
          own = handlers;
          members.add(handlers);
          queueMicrotask(() => handlers.live(up));
          return { stop: async () => void members.delete(handlers) };
        },
      };
    },
    setUp(value: boolean) {
      up = value;
      for (const member of members) member.live(value);
    },
  };
}

async function setup(options: GatehouseOptions = {}) {
  let now = Date.UTC(2026, 0, 1);
  const shared = createMemoryStore();
  const hub = createHub();
  const reads = { count: 0 };
  /** While set, a session read waits for it after reading (the answer left the store before what follows). */
  let gate: Promise<void> | undefined;
  const get = shared.sessions.get.bind(shared.sessions);
  const instance = async (): Promise<Gatehouse> => {
    const store: Store = {
      ...shared,
      revocationBus: hub.bus(),
      sessions: {
        ...shared.sessions,
        async get(id) {
          reads.count++;
          const row = await get(id);
          await gate;
          return row;
        },
      },
    };
    return createGatehouse({ store, clock: () => now, secret: 'session-cache-test-secret-0123456789abcdef', options: { modes: ['session'], ...options } });
  };
  const a = await instance();
  const b = await instance();
  await a.register({ email: 'alice@example.com', password: PASSWORD }, CONTEXT);
  const login = async () => {
    const result = opened(await a.login({ email: 'alice@example.com', password: PASSWORD }, CONTEXT));
    if (result.mode !== 'session') throw new Error('expected a session');
    return result.session;
  };
  return {
    a, b, hub, reads, login,
    advance: (ms: number) => void (now += ms),
    hold: () => {
      let release!: () => void;
      gate = new Promise((resolve) => (release = resolve));
      return () => {
        gate = undefined;
        release();
      };
    },
  };
}

describe('session cache (instances sharing a store and a revocation bus)', () => {
  it('serves repeat checks from memory and refuses a session logged out on another instance at once', async () => {
    const { a, b, reads, login } = await setup();
    const { token } = await login();
    const reading = reads.count;
    for (let i = 0; i < 5; i++) assert.ok(await b.validateSession(token));
    assert.equal(reads.count - reading, 1, 'one store read for five checks');

    const principal = await a.authenticateSession(token);
    assert.ok(principal);
    await a.logout(principal);
    assert.equal(await b.validateSession(token), null);
    assert.equal(await a.validateSession(token), null);
  });

  it('refuses every cached session of a user after logout-all elsewhere', async () => {
    const { a, b, login } = await setup();
    const first = await login();
    const second = await login();
    assert.ok(await b.validateSession(first.token));
    assert.ok(await b.validateSession(second.token));
    await a.logoutAll(first.session.userId);
    assert.equal(await b.validateSession(first.token), null);
    assert.equal(await b.validateSession(second.token), null);
  });

  it('does not keep a read that was in flight when a revocation arrived', async () => {
    const { a, b, login, hold } = await setup();
    const { token } = await login();
    const principal = await a.authenticateSession(token);
    assert.ok(principal);
    const release = hold();
    const inFlight = b.validateSession(token); // has read the row, its answer still on the way
    await a.logout(principal);
    release();
    assert.ok(await inFlight, 'the check that raced the logout answers from what it read');
    assert.equal(await b.validateSession(token), null, 'and that row was not kept');
  });

  it('reads the store on every check while the bus is down, and starts afresh when it is back', async () => {
    const { a, b, hub, reads, login } = await setup();
    const { token } = await login();
    assert.ok(await b.validateSession(token));
    hub.setUp(false);
    const reading = reads.count;
    for (let i = 0; i < 3; i++) assert.ok(await b.validateSession(token));
    assert.equal(reads.count - reading, 3);
    // A logout while the bus is down never reaches B's feed; the store has it.
    const principal = await a.authenticateSession(token);
    assert.ok(principal);
    await a.logout(principal);
    assert.equal(await b.validateSession(token), null);
    hub.setUp(true);
    await new Promise((resolve) => setTimeout(resolve, 10)); // the revocation list re-reads the store
    const again = await login();
    assert.ok(await b.validateSession(again.token));
    const afterUp = reads.count;
    assert.ok(await b.validateSession(again.token));
    assert.equal(reads.count, afterUp, 'cached again once live');
  });

  it('brings in its own writes at once and others\' within the age limit', async () => {
    const { a, b, login, advance } = await setup({ sessionCacheMs: 1000 });
    const { token, session } = await login();
    assert.equal((await b.validateSession(token))?.session.data, null);
    await b.setSessionData(session.id, { theme: 'dark' });
    assert.deepEqual((await b.validateSession(token))?.session.data, { theme: 'dark' });
    await a.setSessionData(session.id, { theme: 'light' });
    assert.deepEqual((await b.validateSession(token))?.session.data, { theme: 'dark' }, 'up to the age limit');
    advance(1000);
    assert.deepEqual((await b.validateSession(token))?.session.data, { theme: 'light' });
  });

  it('still renews a session whose row it holds when the renewal falls due', async () => {
    const { b, login, advance } = await setup({ sessionCacheMs: 10_000, sessionIdleTtlSeconds: 60 });
    const { token } = await login(); // renewal due after 30 s
    advance(29_500);
    assert.ok(await b.validateSession(token));
    advance(1000);
    const renewed = await b.validateSession(token);
    assert.equal(renewed?.session.lastActiveAt, Date.UTC(2026, 0, 1) + 30_500, 'renewed in the store');
  });

  it('hands each caller its own copy', async () => {
    const { b, login } = await setup();
    const { token } = await login();
    const first = await b.validateSession(token);
    assert.ok(first);
    first.session.userId = 'mallory';
    first.session.expiresAt = Number.MAX_SAFE_INTEGER;
    assert.notEqual((await b.validateSession(token))?.session.userId, 'mallory');
  });

  it('reads the store every time with GATEHOUSE_SESSION_CACHE_MS=0', async () => {
    const { b, reads, login } = await setup({ sessionCacheMs: 0 });
    const { token } = await login();
    const reading = reads.count;
    for (let i = 0; i < 3; i++) assert.ok(await b.validateSession(token));
    assert.equal(reads.count - reading, 3);
  });
});
