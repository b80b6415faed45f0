// Owns the conformance tests of PasskeyStore (SPEC §6): every field round-trips, a credential id is unique across
// users, the user's passkeys are listed oldest first, the signature counter only grows (atomically: one of many
// concurrent uses of one counter value wins), and a passkey is deleted only by its owner.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PasskeyRecord } from '../../core/store.js';
import { MIN, T0, type ConformanceContext } from './fixtures.js';

let seq = 0;

export function makePasskey(userId: string, overrides: Partial<PasskeyRecord> = {}): PasskeyRecord {
  const n = ++seq;
  return {
    id: `cred-${n}_AbC-dEf`, userId, publicKey: `pQECAyYgASFYIPk-${n}`, counter: 0, transports: ['internal', 'hybrid'],
    deviceType: 'multiDevice', backedUp: true, name: `Passkey ${n} ✓`, createdAt: T0, lastUsedAt: null, ...overrides,
  };
}

export function describePasskeyConformance(ctx: ConformanceContext): void {
  const store = () => ctx.store();

  describe('passkeys', () => {
    it('creates a passkey and finds it by id with every field; null for an unknown id', async () => {
      const user = await ctx.createUser();
      const passkey = makePasskey(user.id, { counter: 7, transports: ['usb', 'nfc'], deviceType: 'singleDevice', backedUp: false, lastUsedAt: T0 + 1 });
      assert.equal(await store().passkeys.create(passkey), true);
      assert.deepEqual(await store().passkeys.findById(passkey.id), passkey);
      assert.equal(await store().passkeys.findById('cred-missing'), null);
    });

    it('refuses a second passkey with the same id, whoever registers it, changing nothing', async () => {
      const user = await ctx.createUser();
      const other = await ctx.createUser();
      const passkey = makePasskey(user.id);
      assert.equal(await store().passkeys.create(passkey), true);
      assert.equal(await store().passkeys.create({ ...passkey, userId: other.id, publicKey: 'other-key', name: 'mine now' }), false);
      assert.deepEqual(await store().passkeys.findById(passkey.id), passkey);
      assert.deepEqual(await store().passkeys.listByUser(other.id), []);
    });

    it('lists the user\'s passkeys only, oldest first', async () => {
      const user = await ctx.createUser();
      const other = await ctx.createUser();
      const newer = makePasskey(user.id, { createdAt: T0 + 2 * MIN });
      const older = makePasskey(user.id, { createdAt: T0 + MIN });
      const theirs = makePasskey(other.id);
      for (const passkey of [newer, older, theirs]) assert.equal(await store().passkeys.create(passkey), true);
      assert.deepEqual(await store().passkeys.listByUser(user.id), [older, newer]);
      assert.deepEqual(await store().passkeys.listByUser('usr_missing'), []);
    });

    it('recordUse takes a growing counter, refuses one that does not grow, and accepts 0 over 0 only', async () => {
      const user = await ctx.createUser();
      const counting = makePasskey(user.id, { counter: 5 });
      const uncounted = makePasskey(user.id, { counter: 0 });
      await store().passkeys.create(counting);
      await store().passkeys.create(uncounted);

      assert.equal(await store().passkeys.recordUse(counting.id, 6, false, T0 + MIN), true);
      assert.deepEqual(await store().passkeys.findById(counting.id), { ...counting, counter: 6, backedUp: false, lastUsedAt: T0 + MIN });
      for (const stale of [6, 5, 0]) {
        assert.equal(await store().passkeys.recordUse(counting.id, stale, true, T0 + 2 * MIN), false, `counter ${stale} after 6`);
      }
      assert.deepEqual(await store().passkeys.findById(counting.id), { ...counting, counter: 6, backedUp: false, lastUsedAt: T0 + MIN }, 'unchanged');
      assert.equal(await store().passkeys.recordUse(counting.id, 2 ** 32 - 1, false, T0 + 3 * MIN), true, 'the largest counter there is');
      assert.equal((await store().passkeys.findById(counting.id))?.counter, 2 ** 32 - 1);

      assert.equal(await store().passkeys.recordUse(uncounted.id, 0, true, T0 + MIN), true, 'an authenticator that does not count');
      assert.equal(await store().passkeys.recordUse(uncounted.id, 0, true, T0 + 2 * MIN), true);
      assert.equal((await store().passkeys.findById(uncounted.id))?.lastUsedAt, T0 + 2 * MIN);
      assert.equal(await store().passkeys.recordUse(uncounted.id, 3, true, T0 + 3 * MIN), true, 'it starts counting');
      assert.equal(await store().passkeys.recordUse(uncounted.id, 0, true, T0 + 4 * MIN), false, 'and may not stop');
      assert.equal(await store().passkeys.recordUse('cred-missing', 1, true, T0), false);
    });

    it('lets exactly one of 10 concurrent uses with one counter value through', async () => {
      const user = await ctx.createUser();
      const passkey = makePasskey(user.id, { counter: 41 });
      await store().passkeys.create(passkey);
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store().passkeys.recordUse(passkey.id, 42, true, T0 + i)));
      assert.equal(results.filter(Boolean).length, 1);
      assert.equal((await store().passkeys.findById(passkey.id))?.counter, 42);
    });

    it('deletes a passkey for its owner only; deleteByUser removes the user\'s and no one else\'s', async () => {
      const user = await ctx.createUser();
      const other = await ctx.createUser();
      const first = makePasskey(user.id);
      const second = makePasskey(user.id);
      const theirs = makePasskey(other.id);
      for (const passkey of [first, second, theirs]) await store().passkeys.create(passkey);
      assert.equal(await store().passkeys.delete(other.id, first.id), false, 'not theirs to delete');
      assert.deepEqual(await store().passkeys.findById(first.id), first);
      assert.equal(await store().passkeys.delete(user.id, first.id), true);
      assert.equal(await store().passkeys.delete(user.id, first.id), false);
      assert.equal(await store().passkeys.findById(first.id), null);
      assert.equal(await store().passkeys.deleteByUser(user.id), 1);
      assert.deepEqual(await store().passkeys.listByUser(user.id), []);
      assert.deepEqual(await store().passkeys.findById(theirs.id), theirs);
    });

  });
}
