// Owns the conformance tests of OneTimeTokenStore (mailed single-use tokens) and of the user-store writes the
// account lifecycle needs: issue voids the older tokens of a user and purpose, consume is an atomic
// read-and-delete, and verification, email change and deletion of a user.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeOneTimeToken, makeSession, MIN, T0, type ConformanceContext } from './fixtures.js';

export function describeOneTimeTokenConformance(ctx: ConformanceContext): void {
  const store = () => ctx.store();

  describe('one-time tokens', () => {
    it('issues and consumes a token exactly once, with every field', async () => {
      const user = await ctx.createUser();
      const token = makeOneTimeToken(user.id, { purpose: 'change_email', data: 'new@example.com' });
      await store().oneTimeTokens.issue(token);
      assert.deepEqual(await store().oneTimeTokens.consume(token.id), token);
      assert.equal(await store().oneTimeTokens.consume(token.id), null);
      assert.equal(await store().oneTimeTokens.consume('ott_missing'), null);
    });

    it('returns an expired token to consume (the caller judges expiry) and still deletes it', async () => {
      const user = await ctx.createUser();
      const token = makeOneTimeToken(user.id, { expiresAt: T0 + 1 });
      await store().oneTimeTokens.issue(token);
      assert.deepEqual(await store().oneTimeTokens.consume(token.id), token);
      assert.equal(await store().oneTimeTokens.consume(token.id), null);
    });

    it('lets exactly one of 10 concurrent consumes win', async () => {
      const user = await ctx.createUser();
      const token = makeOneTimeToken(user.id);
      await store().oneTimeTokens.issue(token);
      const results = await Promise.all(Array.from({ length: 10 }, () => store().oneTimeTokens.consume(token.id)));
      assert.equal(results.filter((r) => r !== null).length, 1);
    });

    it('a new token voids the older ones of the same user and purpose only', async () => {
      const user = await ctx.createUser();
      const other = await ctx.createUser();
      const first = makeOneTimeToken(user.id, { purpose: 'reset_password' });
      const verify = makeOneTimeToken(user.id, { purpose: 'verify_email' });
      const othersReset = makeOneTimeToken(other.id, { purpose: 'reset_password' });
      const second = makeOneTimeToken(user.id, { purpose: 'reset_password', createdAt: T0 + MIN });
      for (const token of [first, verify, othersReset, second]) await store().oneTimeTokens.issue(token);
      assert.equal(await store().oneTimeTokens.consume(first.id), null);
      assert.deepEqual(await store().oneTimeTokens.consume(second.id), second);
      assert.deepEqual(await store().oneTimeTokens.consume(verify.id), verify);
      assert.deepEqual(await store().oneTimeTokens.consume(othersReset.id), othersReset);
    });

    it('deleteByUser removes the given purposes, or all; deleteExpired only the expired', async () => {
      const user = await ctx.createUser();
      const reset = makeOneTimeToken(user.id, { purpose: 'reset_password' });
      const verify = makeOneTimeToken(user.id, { purpose: 'verify_email' });
      const change = makeOneTimeToken(user.id, { purpose: 'change_email', data: 'x@example.com' });
      for (const token of [reset, verify, change]) await store().oneTimeTokens.issue(token);
      assert.equal(await store().oneTimeTokens.deleteByUser(user.id, ['reset_password']), 1);
      assert.equal(await store().oneTimeTokens.deleteByUser(user.id, []), 0);
      assert.equal(await store().oneTimeTokens.consume(reset.id), null);
      assert.equal(await store().oneTimeTokens.deleteByUser(user.id), 2);
      assert.equal(await store().oneTimeTokens.consume(verify.id), null);

      const old = makeOneTimeToken(user.id, { purpose: 'verify_email', expiresAt: T0 + MIN });
      const fresh = makeOneTimeToken(user.id, { purpose: 'reset_password', expiresAt: T0 + 10 * MIN });
      await store().oneTimeTokens.issue(old);
      await store().oneTimeTokens.issue(fresh);
      assert.equal(await store().oneTimeTokens.deleteExpired(T0 + MIN), 1);
      assert.equal(await store().oneTimeTokens.consume(old.id), null);
      assert.deepEqual(await store().oneTimeTokens.consume(fresh.id), fresh);
    });
  });

  describe('users: account lifecycle', () => {
    it('setEmailVerified sets the flag and updatedAt; false for an unknown id', async () => {
      const user = await ctx.createUser();
      assert.equal(await store().users.setEmailVerified(user.id, true, T0 + MIN), true);
      assert.deepEqual(await store().users.findById(user.id), { ...user, emailVerified: true, updatedAt: T0 + MIN });
      assert.equal(await store().users.setEmailVerified('usr_missing', true, T0), false);
    });

    it('updateEmail moves the address (old one free, new one found), refuses a taken one, reports a missing user', async () => {
      const user = await ctx.createUser();
      const other = await ctx.createUser();
      assert.equal(await store().users.updateEmail(user.id, other.email, true, T0 + MIN), 'taken');
      assert.deepEqual(await store().users.findById(user.id), user);
      assert.equal(await store().users.updateEmail(user.id, 'moved@example.com', true, T0 + MIN), 'updated');
      const moved = { ...user, email: 'moved@example.com', emailVerified: true, updatedAt: T0 + MIN };
      assert.deepEqual(await store().users.findByEmail('moved@example.com'), moved);
      assert.equal(await store().users.findByEmail(user.email), null);
      assert.equal(await store().users.updateEmail('usr_missing', 'nobody@example.com', true, T0), 'missing');
    });

    it('lets one of two concurrent moves to one address win', async () => {
      const a = await ctx.createUser();
      const b = await ctx.createUser();
      const results = await Promise.all([a, b].map((u) => store().users.updateEmail(u.id, 'contested@example.com', true, T0)));
      assert.deepEqual([...results].sort(), ['taken', 'updated']);
    });

    it('delete removes the user and frees its email; false for an unknown id', async () => {
      const user = await ctx.createUser();
      await store().sessions.create(makeSession(user.id));
      await store().sessions.deleteByUser(user.id); // the engine ends sessions first (they may live elsewhere)
      await store().oneTimeTokens.issue(makeOneTimeToken(user.id));
      await store().oneTimeTokens.deleteByUser(user.id);
      assert.equal(await store().users.delete(user.id), true);
      assert.equal(await store().users.findById(user.id), null);
      assert.equal(await store().users.findByEmail(user.email), null);
      assert.equal(await store().users.delete(user.id), false);
      assert.ok(await store().users.create({ ...user, id: `${user.id}_again` }), 'the email is free again');
    });
  });
}
