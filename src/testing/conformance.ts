// Owns the store conformance suite: the executable form of the contracts in core/store.ts. Every backend
// (built-in or third-party, via `gatehouse/testing`) runs it; each test gets a fresh store.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { JsonObject, SessionRecord, Store, UserRecord } from '../core/store.js';
import { describeTokenConformance } from './conformance-tokens.js';

export interface ConformanceStoreHandle {
  store: Store;
  /** Runs after the store is closed (e.g. removes a temp directory). */
  cleanup?: () => Promise<void>;
}

const T0 = 1_700_000_000_000;
const MIN = 60_000;
const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo';
let seq = 0;

function makeUser(overrides: Partial<UserRecord> = {}): UserRecord {
  const n = ++seq;
  return { id: `usr_${n}`, email: `user${n}@example.com`, passwordHash: HASH, roles: ['user'], createdAt: T0, updatedAt: T0, ...overrides };
}

function makeSession(userId: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
  const n = ++seq;
  return {
    id: `ses_${n}`, secretHash: `hash_${n}`, userId, createdAt: T0, lastActiveAt: T0,
    expiresAt: T0 + 30 * MIN, absoluteExpiresAt: T0 + 24 * 60 * MIN,
    userAgent: 'Mozilla/5.0 (conformance)', ip: '203.0.113.7', data: null, ...overrides,
  };
}

const NESTED: JsonObject = {
  theme: 'dark', count: 3, ratio: 0.25, flag: false, none: null, tags: ['a', 'b'],
  deep: { list: [1, { x: 'ü ✓' }], empty: {}, arr: [] },
};

export function runStoreConformance(name: string, makeStore: () => Promise<ConformanceStoreHandle>): void {
  describe(`store conformance: ${name}`, () => {
    let handle: ConformanceStoreHandle;
    let store: Store;
    let closed = false;

    beforeEach(async () => {
      handle = await makeStore();
      store = handle.store;
      closed = false;
    });
    afterEach(async () => {
      if (!closed) await store.close();
      await handle.cleanup?.();
    });

    async function createUser(overrides: Partial<UserRecord> = {}): Promise<UserRecord> {
      const user = await store.users.create(makeUser(overrides));
      assert.ok(user, 'user should be created');
      return user;
    }

    describe('users', () => {
      it('creates a user and finds it by id and by email', async () => {
        const input = makeUser({ roles: ['admin', 'user'] });
        assert.deepEqual(await store.users.create(input), input);
        assert.deepEqual(await store.users.findById(input.id), input);
        assert.deepEqual(await store.users.findByEmail(input.email), input);
        assert.equal(await store.users.findById('usr_missing'), null);
        assert.equal(await store.users.findByEmail('missing@example.com'), null);
      });

      it('returns null for a duplicate email and does not overwrite', async () => {
        const first = await createUser();
        const dup = makeUser({ email: first.email, passwordHash: 'other', roles: ['admin'] });
        assert.equal(await store.users.create(dup), null);
        assert.deepEqual(await store.users.findByEmail(first.email), first);
        assert.equal(await store.users.findById(dup.id), null);
      });

      it('lets exactly one of 10 concurrent creates of one email win', async () => {
        const email = 'race@example.com';
        const results = await Promise.all(Array.from({ length: 10 }, () => store.users.create(makeUser({ email }))));
        const winners = results.filter((r) => r !== null);
        assert.equal(winners.length, 1);
        assert.deepEqual(await store.users.findByEmail(email), winners[0]);
      });

      it('round-trips roles, including an empty array', async () => {
        const many = await createUser({ roles: ['admin', 'billing', 'user'] });
        const none = await createUser({ roles: [] });
        assert.deepEqual((await store.users.findById(many.id))?.roles, ['admin', 'billing', 'user']);
        assert.deepEqual((await store.users.findById(none.id))?.roles, []);
      });

      it('never hands out live references', async () => {
        const input = makeUser({ roles: ['user'] });
        const created = await store.users.create(input);
        assert.ok(created);
        const snapshot = structuredClone(input);
        input.roles.push('mutated-input');
        created.roles.push('mutated-output');
        created.email = 'changed@example.com';
        const found = await store.users.findById(snapshot.id);
        assert.ok(found);
        found.roles.push('mutated-found');
        assert.deepEqual(await store.users.findById(snapshot.id), snapshot);
        assert.deepEqual(await store.users.findByEmail(snapshot.email), snapshot);
      });
    });

    describe('sessions', () => {
      it('creates and gets a session; a missing id is null', async () => {
        const user = await createUser();
        const plain = makeSession(user.id);
        const withData = makeSession(user.id, { userAgent: null, ip: null, data: NESTED });
        await store.sessions.create(plain);
        await store.sessions.create(withData);
        assert.deepEqual(await store.sessions.get(plain.id), plain);
        assert.deepEqual(await store.sessions.get(withData.id), withData);
        assert.equal(await store.sessions.get('ses_missing'), null);
      });

      it('touch slides lastActiveAt and expiresAt only; false for a missing id', async () => {
        const user = await createUser();
        const session = makeSession(user.id);
        await store.sessions.create(session);
        assert.equal(await store.sessions.touch(session.id, T0 + MIN, T0 + 31 * MIN), true);
        assert.deepEqual(await store.sessions.get(session.id), { ...session, lastActiveAt: T0 + MIN, expiresAt: T0 + 31 * MIN });
        assert.equal(await store.sessions.touch('ses_missing', T0, T0), false);
      });

      it('setData replaces the bag, round-trips nested JSON, and null clears it', async () => {
        const user = await createUser();
        const session = makeSession(user.id, { data: { old: true } });
        await store.sessions.create(session);
        assert.equal(await store.sessions.setData(session.id, NESTED), true);
        assert.deepEqual((await store.sessions.get(session.id))?.data, NESTED);
        assert.equal(await store.sessions.setData(session.id, null), true);
        assert.deepEqual(await store.sessions.get(session.id), { ...session, data: null });
        assert.equal(await store.sessions.setData('ses_missing', { a: 1 }), false);
      });

      it('never hands out live references', async () => {
        const user = await createUser();
        const data: JsonObject = { nested: { list: [1, 2] } };
        const session = makeSession(user.id, { data });
        await store.sessions.create(session);
        const snapshot = structuredClone(session);
        session.expiresAt = 0;
        (data['nested'] as { list: number[] }).list.push(3);
        const got = await store.sessions.get(session.id);
        assert.ok(got?.data);
        (got.data['nested'] as { list: number[] }).list.push(4);
        got.expiresAt = 1;
        const listed = await store.sessions.listByUser(user.id, T0);
        assert.ok(listed[0]);
        listed[0].ip = 'mutated';
        assert.deepEqual(await store.sessions.get(session.id), snapshot);
      });

      it('delete returns true once, then false', async () => {
        const user = await createUser();
        const session = makeSession(user.id);
        await store.sessions.create(session);
        assert.equal(await store.sessions.delete(session.id), true);
        assert.equal(await store.sessions.get(session.id), null);
        assert.equal(await store.sessions.delete(session.id), false);
      });

      it('deleteByUser removes all of one user\'s sessions, optionally except one', async () => {
        const [alice, bob] = [await createUser(), await createUser()];
        const a = [makeSession(alice.id), makeSession(alice.id), makeSession(alice.id)];
        const b = makeSession(bob.id);
        for (const s of [...a, b]) await store.sessions.create(s);
        const [a0, a1, a2] = a as [SessionRecord, SessionRecord, SessionRecord];
        assert.equal(await store.sessions.deleteByUser(alice.id, a1.id), 2);
        assert.equal(await store.sessions.get(a0.id), null);
        assert.equal(await store.sessions.get(a2.id), null);
        assert.deepEqual(await store.sessions.get(a1.id), a1);
        assert.equal(await store.sessions.deleteByUser(alice.id), 1);
        assert.equal(await store.sessions.get(a1.id), null);
        assert.deepEqual(await store.sessions.get(b.id), b);
        assert.equal(await store.sessions.deleteByUser(alice.id), 0);
      });

      it('listByUser returns valid sessions newest first, excluding expired and other users', async () => {
        const [alice, bob] = [await createUser(), await createUser()];
        const now = T0 + 10 * MIN;
        const oldest = makeSession(alice.id, { createdAt: T0 });
        const newest = makeSession(alice.id, { createdAt: T0 + 2 * MIN });
        const middle = makeSession(alice.id, { createdAt: T0 + MIN });
        const idle = makeSession(alice.id, { createdAt: T0 + 3 * MIN, expiresAt: now });
        const absolute = makeSession(alice.id, { createdAt: T0 + 4 * MIN, absoluteExpiresAt: now - 1 });
        const other = makeSession(bob.id, { createdAt: T0 + 5 * MIN });
        for (const s of [oldest, newest, middle, idle, absolute, other]) await store.sessions.create(s);
        assert.deepEqual(await store.sessions.listByUser(alice.id, now), [newest, middle, oldest]);
        assert.deepEqual(await store.sessions.listByUser(bob.id, now), [other]);
        assert.deepEqual(await store.sessions.listByUser('usr_missing', now), []);
      });

      it('countActive counts sessions valid at now across users', async () => {
        const [alice, bob] = [await createUser(), await createUser()];
        const now = T0 + 10 * MIN;
        await store.sessions.create(makeSession(alice.id));
        await store.sessions.create(makeSession(bob.id));
        await store.sessions.create(makeSession(alice.id, { expiresAt: now }));
        await store.sessions.create(makeSession(bob.id, { absoluteExpiresAt: now }));
        assert.equal(await store.sessions.countActive(now), 2);
        assert.equal(await store.sessions.countActive(T0 + 24 * 60 * MIN), 0);
      });

      it('deleteExpired removes idle- and absolute-expired sessions only', async () => {
        const user = await createUser();
        const now = T0 + 10 * MIN;
        const live = makeSession(user.id);
        const idle = makeSession(user.id, { expiresAt: now });
        const absolute = makeSession(user.id, { absoluteExpiresAt: now - 1 });
        for (const s of [live, idle, absolute]) await store.sessions.create(s);
        assert.equal(await store.sessions.deleteExpired(now), 2);
        assert.equal(await store.sessions.get(idle.id), null);
        assert.equal(await store.sessions.get(absolute.id), null);
        assert.deepEqual(await store.sessions.get(live.id), live);
        assert.equal(await store.sessions.deleteExpired(now), 0);
      });
    });

    describe('rate limits', () => {
      const WINDOW = MIN;

      it('counts hits within one fixed window', async () => {
        assert.deepEqual(await store.rateLimits.hit('k', WINDOW, T0), { count: 1, resetAt: T0 + WINDOW });
        assert.deepEqual(await store.rateLimits.hit('k', WINDOW, T0 + 1000), { count: 2, resetAt: T0 + WINDOW });
        assert.deepEqual(await store.rateLimits.hit('k', WINDOW, T0 + WINDOW - 1), { count: 3, resetAt: T0 + WINDOW });
      });

      it('starts a new window once resetAt is reached', async () => {
        await store.rateLimits.hit('k', WINDOW, T0);
        await store.rateLimits.hit('k', WINDOW, T0);
        const now = T0 + WINDOW;
        assert.deepEqual(await store.rateLimits.hit('k', WINDOW, now), { count: 1, resetAt: now + WINDOW });
        assert.deepEqual(await store.rateLimits.hit('k', WINDOW, now + 5), { count: 2, resetAt: now + WINDOW });
      });

      it('never loses concurrent hits', async () => {
        const hits = await Promise.all(Array.from({ length: 50 }, () => store.rateLimits.hit('burst', WINDOW, T0)));
        assert.deepEqual(hits.map((h) => h.count).sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i + 1));
        assert.ok(hits.every((h) => h.resetAt === T0 + WINDOW));
        assert.equal((await store.rateLimits.hit('burst', WINDOW, T0)).count, 51);
      });

      it('reset starts the key over', async () => {
        await store.rateLimits.hit('k', WINDOW, T0);
        await store.rateLimits.hit('k', WINDOW, T0);
        await store.rateLimits.reset('k');
        assert.deepEqual(await store.rateLimits.hit('k', WINDOW, T0 + 5), { count: 1, resetAt: T0 + 5 + WINDOW });
        await store.rateLimits.reset('never-hit');
      });

      it('keeps keys independent', async () => {
        await store.rateLimits.hit('a', WINDOW, T0);
        await store.rateLimits.hit('a', WINDOW, T0);
        assert.deepEqual(await store.rateLimits.hit('b', 2 * WINDOW, T0), { count: 1, resetAt: T0 + 2 * WINDOW });
        assert.equal((await store.rateLimits.hit('a', WINDOW, T0)).count, 3);
      });

      it('deleteExpired removes ended windows only', async () => {
        await store.rateLimits.hit('short', WINDOW, T0);
        await store.rateLimits.hit('long', 10 * WINDOW, T0);
        await store.rateLimits.hit('long', 10 * WINDOW, T0);
        assert.equal(await store.rateLimits.deleteExpired(T0 + WINDOW), 1);
        assert.equal(await store.rateLimits.deleteExpired(T0 + WINDOW), 0);
        assert.equal((await store.rateLimits.hit('long', 10 * WINDOW, T0 + WINDOW)).count, 3);
      });
    });

    describeTokenConformance({ store: () => store, createUser });

    describe('lifecycle', () => {
      it('has a kind', () => {
        assert.equal(typeof store.kind, 'string');
        assert.ok(store.kind.length > 0);
      });

      it('ping resolves', async () => {
        await store.ping();
      });

      it('close resolves', async () => {
        closed = true;
        await store.close();
      });
    });
  });
}
