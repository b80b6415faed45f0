// Owns the conformance tests of UserStore: create (one winner per email), lookups, updates (the conditional
// password-hash replacement included), and records that are the caller's own.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeUser, MIN, T0, type ConformanceContext } from './fixtures.js';

/** The UserStore tests, each on the fresh store of `ctx`: creation and lookups, then updates. */
export function describeUserConformance(ctx: ConformanceContext): void {
  const store = () => ctx.store();

  describe('users', () => {
    it('creates a user and finds it by id and by email', async () => {
      const input = makeUser({ roles: ['admin', 'user'] });
      assert.deepEqual(await store().users.create(input), input);
      assert.deepEqual(await store().users.findById(input.id), input);
      assert.deepEqual(await store().users.findByEmail(input.email), input);
      assert.equal(await store().users.findById('usr_missing'), null);
      assert.equal(await store().users.findByEmail('missing@example.com'), null);
    });

    it('returns null for a duplicate email and does not overwrite', async () => {
      const first = await ctx.createUser();
      const dup = makeUser({ email: first.email, passwordHash: 'other', roles: ['admin'] });
      assert.equal(await store().users.create(dup), null);
      assert.deepEqual(await store().users.findByEmail(first.email), first);
      assert.equal(await store().users.findById(dup.id), null);
    });

    it('lets exactly one of 10 concurrent creates of one email win', async () => {
      const email = 'race@example.com';
      const results = await Promise.all(Array.from({ length: 10 }, () => store().users.create(makeUser({ email }))));
      const winners = results.filter((r) => r !== null);
      assert.equal(winners.length, 1);
      assert.deepEqual(await store().users.findByEmail(email), winners[0]);
    });

    it('round-trips roles, including an empty array', async () => {
      const many = await ctx.createUser({ roles: ['admin', 'billing', 'user'] });
      const none = await ctx.createUser({ roles: [] });
      assert.deepEqual((await store().users.findById(many.id))?.roles, ['admin', 'billing', 'user']);
      assert.deepEqual((await store().users.findById(none.id))?.roles, []);
    });

    it('never hands out live references', async () => {
      const input = makeUser({ roles: ['user'] });
      const created = await store().users.create(input);
      assert.ok(created);
      const snapshot = structuredClone(input);
      input.roles.push('mutated-input');
      created.roles.push('mutated-output');
      created.email = 'changed@example.com';
      const found = await store().users.findById(snapshot.id);
      assert.ok(found);
      found.roles.push('mutated-found');
      assert.deepEqual(await store().users.findById(snapshot.id), snapshot);
      assert.deepEqual(await store().users.findByEmail(snapshot.email), snapshot);
    });
  });

  describe('users: updates', () => {
    it('updatePassword replaces the hash and updatedAt only; false for an unknown id', async () => {
      const user = await ctx.createUser();
      assert.equal(await store().users.updatePassword(user.id, '$argon2id$new', T0 + MIN), true);
      const expected = { ...user, passwordHash: '$argon2id$new', updatedAt: T0 + MIN };
      assert.deepEqual(await store().users.findById(user.id), expected);
      assert.deepEqual(await store().users.findByEmail(user.email), expected);
      assert.equal(await store().users.updatePassword('usr_missing', '$argon2id$x', T0), false);
      assert.equal(await store().users.findById('usr_missing'), null);
    });

    it('replacePasswordHash replaces the hash only while it is still the expected one; false otherwise', async () => {
      const user = await ctx.createUser({ passwordHash: '$argon2id$old' });
      assert.equal(await store().users.replacePasswordHash(user.id, '$argon2id$stale', '$argon2id$rehash', T0 + MIN), false);
      assert.deepEqual(await store().users.findById(user.id), user, 'a hash changed meanwhile stays');
      assert.equal(await store().users.replacePasswordHash(user.id, '$argon2id$old', '$argon2id$rehash', T0 + MIN), true);
      const expected = { ...user, passwordHash: '$argon2id$rehash', updatedAt: T0 + MIN };
      assert.deepEqual(await store().users.findById(user.id), expected);
      assert.deepEqual(await store().users.findByEmail(user.email), expected);
      assert.equal(await store().users.replacePasswordHash('usr_missing', '$argon2id$old', '$argon2id$x', T0), false);
    });

    it('lets one of two concurrent replacePasswordHash from one expected hash win', async () => {
      const user = await ctx.createUser({ passwordHash: '$argon2id$old' });
      const results = await Promise.all(
        ['$argon2id$a', '$argon2id$b'].map((hash) => store().users.replacePasswordHash(user.id, '$argon2id$old', hash, T0 + MIN)),
      );
      assert.deepEqual([...results].sort(), [false, true]);
    });

    it('setRoles replaces the roles (empty included) and updatedAt; false for an unknown id', async () => {
      const user = await ctx.createUser({ roles: ['user'] });
      const roles = ['admin', 'billing', 'user'];
      assert.equal(await store().users.setRoles(user.id, roles, T0 + MIN), true);
      roles.push('mutated-input');
      assert.deepEqual(await store().users.findById(user.id), { ...user, roles: ['admin', 'billing', 'user'], updatedAt: T0 + MIN });
      assert.equal(await store().users.setRoles(user.id, [], T0 + 2 * MIN), true);
      assert.deepEqual(await store().users.findById(user.id), { ...user, roles: [], updatedAt: T0 + 2 * MIN });
      assert.equal(await store().users.setRoles('usr_missing', ['admin'], T0), false);
    });

    it('setDisabled sets and clears disabledAt and updatedAt; false for an unknown id', async () => {
      const user = await ctx.createUser();
      assert.equal(user.disabledAt, null);
      assert.equal(await store().users.setDisabled(user.id, T0 + MIN, T0 + MIN), true);
      assert.deepEqual(await store().users.findById(user.id), { ...user, disabledAt: T0 + MIN, updatedAt: T0 + MIN });
      assert.deepEqual(await store().users.findByEmail(user.email), { ...user, disabledAt: T0 + MIN, updatedAt: T0 + MIN });
      assert.equal(await store().users.setDisabled(user.id, null, T0 + 2 * MIN), true);
      assert.deepEqual(await store().users.findById(user.id), { ...user, disabledAt: null, updatedAt: T0 + 2 * MIN });
      assert.equal(await store().users.setDisabled('usr_missing', T0, T0), false);
    });
  });

  describe('users: search', () => {
    it('finds by substring of the email, by email ascending, paged after an email', async () => {
      const tag = `srch${Date.now().toString(36)}`;
      const emails = [`c.${tag}@example.com`, `a.${tag}@example.com`, `b.${tag}@example.org`, `other@${tag}.net`];
      for (const email of emails) await ctx.createUser({ email });
      const found = await store().users.search({ query: tag, limit: 10 });
      assert.deepEqual(found.map((u) => u.email), [`a.${tag}@example.com`, `b.${tag}@example.org`, `c.${tag}@example.com`, `other@${tag}.net`]);
      const first = await store().users.search({ query: tag, limit: 2 });
      assert.deepEqual(first.map((u) => u.email), [`a.${tag}@example.com`, `b.${tag}@example.org`]);
      const second = await store().users.search({ query: tag, limit: 2, afterEmail: `b.${tag}@example.org` });
      assert.deepEqual(second.map((u) => u.email), [`c.${tag}@example.com`, `other@${tag}.net`]);
      assert.deepEqual((await store().users.search({ query: `${tag}@example.org`, limit: 10 })).map((u) => u.email), [`b.${tag}@example.org`]);
      assert.deepEqual(found[0], await store().users.findByEmail(`a.${tag}@example.com`), 'whole records');
    });

    it('takes LIKE wildcards in the query literally', async () => {
      const tag = `wild${Date.now().toString(36)}`;
      await ctx.createUser({ email: `x_y.${tag}@example.com` });
      await ctx.createUser({ email: `xzy.${tag}@example.com` });
      await ctx.createUser({ email: `p%q.${tag}@example.com` });
      assert.deepEqual((await store().users.search({ query: `x_y.${tag}`, limit: 10 })).map((u) => u.email), [`x_y.${tag}@example.com`]);
      assert.deepEqual((await store().users.search({ query: `%q.${tag}`, limit: 10 })).map((u) => u.email), [`p%q.${tag}@example.com`]);
      assert.deepEqual(await store().users.search({ query: `%${tag}\\`, limit: 10 }), []);
    });
  });
}
