// Owns the conformance tests of SessionStore: create and get, touch, the data bag, the proof (step-up),
// deletion one by one and per user, listing, counting and expiry.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonObject, SessionRecord } from '../../core/store.js';
import { makeSession, MIN, NESTED, T0, type ConformanceContext } from './fixtures.js';

/** The SessionStore tests, each on the fresh store of `ctx`. */
export function describeSessionConformance(ctx: ConformanceContext): void {
  const store = () => ctx.store();

  describe('sessions', () => {
    it('creates and gets a session; a missing id is null', async () => {
      const user = await ctx.createUser();
      const plain = makeSession(user.id);
      const withData = makeSession(user.id, { userAgent: null, ip: null, data: NESTED });
      await store().sessions.create(plain);
      await store().sessions.create(withData);
      assert.deepEqual(await store().sessions.get(plain.id), plain);
      assert.deepEqual(await store().sessions.get(withData.id), withData);
      assert.equal(await store().sessions.get('ses_missing'), null);
    });

    it('touch slides lastActiveAt and expiresAt only; false for a missing id', async () => {
      const user = await ctx.createUser();
      const session = makeSession(user.id);
      await store().sessions.create(session);
      assert.equal(await store().sessions.touch(session.id, T0 + MIN, T0 + 31 * MIN), true);
      assert.deepEqual(await store().sessions.get(session.id), { ...session, lastActiveAt: T0 + MIN, expiresAt: T0 + 31 * MIN });
      assert.equal(await store().sessions.touch('ses_missing', T0, T0), false);
    });

    it('setData replaces the bag, round-trips nested JSON, and null clears it', async () => {
      const user = await ctx.createUser();
      const session = makeSession(user.id, { data: { old: true } });
      await store().sessions.create(session);
      assert.equal(await store().sessions.setData(session.id, NESTED), true);
      assert.deepEqual((await store().sessions.get(session.id))?.data, NESTED);
      assert.equal(await store().sessions.setData(session.id, null), true);
      assert.deepEqual(await store().sessions.get(session.id), { ...session, data: null });
      assert.equal(await store().sessions.setData('ses_missing', { a: 1 }), false);
    });

    it('keeps the proof (authTime, amr) and setProof replaces only it; false for a missing id', async () => {
      const user = await ctx.createUser();
      const session = makeSession(user.id, { authTime: T0 - 5 * MIN, amr: ['pwd'] });
      const passkey = makeSession(user.id, { authTime: T0, amr: ['hwk'] });
      await store().sessions.create(session);
      await store().sessions.create(passkey);
      assert.deepEqual(await store().sessions.get(passkey.id), passkey);
      assert.equal(await store().sessions.setProof(session.id, T0 + 2 * MIN, ['pwd', 'otp']), true);
      assert.deepEqual(await store().sessions.get(session.id), { ...session, authTime: T0 + 2 * MIN, amr: ['pwd', 'otp'] });
      assert.deepEqual((await store().sessions.listByUser(user.id, T0)).find((s) => s.id === session.id)?.amr, ['pwd', 'otp']);
      // Touching and the data bag leave the proof alone.
      await store().sessions.touch(session.id, T0 + 3 * MIN, T0 + 33 * MIN);
      await store().sessions.setData(session.id, { a: 1 });
      assert.deepEqual(await store().sessions.get(session.id), {
        ...session, authTime: T0 + 2 * MIN, amr: ['pwd', 'otp'], lastActiveAt: T0 + 3 * MIN, expiresAt: T0 + 33 * MIN, data: { a: 1 },
      });
      assert.deepEqual(await store().sessions.get(passkey.id), passkey);
      assert.equal(await store().sessions.setProof('ses_missing', T0, ['pwd']), false);
      assert.equal(await store().sessions.get('ses_missing'), null);
    });

    it('never hands out live references', async () => {
      const user = await ctx.createUser();
      const data: JsonObject = { nested: { list: [1, 2] } };
      const session = makeSession(user.id, { data });
      await store().sessions.create(session);
      const snapshot = structuredClone(session);
      session.expiresAt = 0;
      (data['nested'] as { list: number[] }).list.push(3);
      const got = await store().sessions.get(session.id);
      assert.ok(got?.data);
      (got.data['nested'] as { list: number[] }).list.push(4);
      got.expiresAt = 1;
      const listed = await store().sessions.listByUser(user.id, T0);
      assert.ok(listed[0]);
      listed[0].ip = 'mutated';
      assert.deepEqual(await store().sessions.get(session.id), snapshot);
    });

    it('delete returns true once, then false', async () => {
      const user = await ctx.createUser();
      const session = makeSession(user.id);
      await store().sessions.create(session);
      assert.equal(await store().sessions.delete(session.id), true);
      assert.equal(await store().sessions.get(session.id), null);
      assert.equal(await store().sessions.delete(session.id), false);
    });

    it('deleteByUser removes all of one user\'s sessions, optionally except one', async () => {
      const [alice, bob] = [await ctx.createUser(), await ctx.createUser()];
      const a = [makeSession(alice.id), makeSession(alice.id), makeSession(alice.id)];
      const b = makeSession(bob.id);
      for (const s of [...a, b]) await store().sessions.create(s);
      const [a0, a1, a2] = a as [SessionRecord, SessionRecord, SessionRecord];
      assert.equal(await store().sessions.deleteByUser(alice.id, a1.id), 2);
      assert.equal(await store().sessions.get(a0.id), null);
      assert.equal(await store().sessions.get(a2.id), null);
      assert.deepEqual(await store().sessions.get(a1.id), a1);
      assert.equal(await store().sessions.deleteByUser(alice.id), 1);
      assert.equal(await store().sessions.get(a1.id), null);
      assert.deepEqual(await store().sessions.get(b.id), b);
      assert.equal(await store().sessions.deleteByUser(alice.id), 0);
    });

    it('listByUser returns valid sessions newest first, excluding expired and other users', async () => {
      const [alice, bob] = [await ctx.createUser(), await ctx.createUser()];
      const now = T0 + 10 * MIN;
      const oldest = makeSession(alice.id, { createdAt: T0 });
      const newest = makeSession(alice.id, { createdAt: T0 + 2 * MIN });
      const middle = makeSession(alice.id, { createdAt: T0 + MIN });
      const idle = makeSession(alice.id, { createdAt: T0 + 3 * MIN, expiresAt: now });
      const absolute = makeSession(alice.id, { createdAt: T0 + 4 * MIN, absoluteExpiresAt: now - 1 });
      const other = makeSession(bob.id, { createdAt: T0 + 5 * MIN });
      for (const s of [oldest, newest, middle, idle, absolute, other]) await store().sessions.create(s);
      assert.deepEqual(await store().sessions.listByUser(alice.id, now), [newest, middle, oldest]);
      assert.deepEqual(await store().sessions.listByUser(bob.id, now), [other]);
      assert.deepEqual(await store().sessions.listByUser('usr_missing', now), []);
    });

    it('countActive counts sessions valid at now across users', async () => {
      const [alice, bob] = [await ctx.createUser(), await ctx.createUser()];
      const now = T0 + 10 * MIN;
      await store().sessions.create(makeSession(alice.id));
      await store().sessions.create(makeSession(bob.id));
      await store().sessions.create(makeSession(alice.id, { expiresAt: now }));
      await store().sessions.create(makeSession(bob.id, { absoluteExpiresAt: now }));
      assert.equal(await store().sessions.countActive(now), 2);
      assert.equal(await store().sessions.countActive(T0 + 24 * 60 * MIN), 0);
    });

    it('deleteExpired removes idle- and absolute-expired sessions only', async () => {
      const user = await ctx.createUser();
      const now = T0 + 10 * MIN;
      const live = makeSession(user.id);
      const idle = makeSession(user.id, { expiresAt: now });
      const absolute = makeSession(user.id, { absoluteExpiresAt: now - 1 });
      for (const s of [live, idle, absolute]) await store().sessions.create(s);
      assert.equal(await store().sessions.deleteExpired(now), 2);
      assert.equal(await store().sessions.get(idle.id), null);
      assert.equal(await store().sessions.get(absolute.id), null);
      assert.deepEqual(await store().sessions.get(live.id), live);
      assert.equal(await store().sessions.deleteExpired(now), 0);
    });
  });
}
