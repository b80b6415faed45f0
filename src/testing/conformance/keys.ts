// Owns the conformance tests of KeyStore: signing keys listed oldest first, retired once, expired.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DAY, makeKey, MIN, T0, type ConformanceContext } from './fixtures.js';

/** The KeyStore tests, each on the fresh store of `ctx`. */
export function describeKeyConformance(ctx: ConformanceContext): void {
  const store = () => ctx.store();

  describe('signing keys', () => {
    it('lists every key oldest first and round-trips the public JWK', async () => {
      const k2 = makeKey({ createdAt: T0 + 2 * MIN, activatesAt: T0 + 3 * MIN });
      const k0 = makeKey({ createdAt: T0 - DAY, retiredAt: T0, expiresAt: T0 + DAY });
      const k1 = makeKey({ createdAt: T0, publicJwk: { kty: 'OKP', crv: 'Ed25519', x: 'abc', nested: { list: [1, null, 'ü ✓'], empty: {} } } });
      assert.deepEqual(await store().keys.list(), []);
      for (const key of [k2, k0, k1]) await store().keys.insert(key);
      assert.deepEqual(await store().keys.list(), [k0, k1, k2]);
    });

    it('never hands out live references', async () => {
      const key = makeKey();
      await store().keys.insert(key);
      const snapshot = structuredClone(key);
      (key.publicJwk['key_ops'] as string[]).push('mutated-input');
      const [listed] = await store().keys.list();
      assert.ok(listed);
      listed.publicJwk['x'] = 'mutated-output';
      listed.retiredAt = 1;
      assert.deepEqual(await store().keys.list(), [snapshot]);
    });

    it('retire marks a key once: true, then false; false for an unknown kid', async () => {
      const key = makeKey();
      const other = makeKey();
      await store().keys.insert(key);
      await store().keys.insert(other);
      assert.equal(await store().keys.retire(key.kid, T0 + DAY, T0 + 2 * DAY), true);
      assert.equal(await store().keys.retire(key.kid, T0 + 5 * DAY, T0 + 6 * DAY), false);
      assert.equal(await store().keys.retire('key_missing', T0, T0), false);
      assert.deepEqual(await store().keys.list(), [{ ...key, retiredAt: T0 + DAY, expiresAt: T0 + 2 * DAY }, other]);
    });

    it('deleteExpired removes retired keys with expiresAt <= now only', async () => {
      const now = T0 + 10 * DAY;
      const current = makeKey({ createdAt: T0 });
      const pending = makeKey({ createdAt: T0 + 1, activatesAt: now + DAY });
      const expired = makeKey({ createdAt: T0 + 2, retiredAt: T0 + DAY, expiresAt: now - 1 });
      const expiresNow = makeKey({ createdAt: T0 + 3, retiredAt: T0 + DAY, expiresAt: now });
      const notYet = makeKey({ createdAt: T0 + 4, retiredAt: T0 + DAY, expiresAt: now + 1 });
      for (const key of [current, pending, expired, expiresNow, notYet]) await store().keys.insert(key);
      assert.equal(await store().keys.deleteExpired(now), 2);
      assert.deepEqual(await store().keys.list(), [current, pending, notYet]);
      assert.equal(await store().keys.deleteExpired(now), 0);
    });
  });
}
