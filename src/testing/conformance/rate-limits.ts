// Owns the conformance tests of RateLimitStore: fixed windows, concurrent hits never lost, reset, expiry.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MIN, T0, type ConformanceContext } from './fixtures.js';

/** The RateLimitStore tests, each on the fresh store of `ctx`. */
export function describeRateLimitConformance(ctx: ConformanceContext): void {
  const store = () => ctx.store();

  describe('rate limits', () => {
    const WINDOW = MIN;

    it('counts hits within one fixed window', async () => {
      assert.deepEqual(await store().rateLimits.hit('k', WINDOW, T0), { count: 1, resetAt: T0 + WINDOW });
      assert.deepEqual(await store().rateLimits.hit('k', WINDOW, T0 + 1000), { count: 2, resetAt: T0 + WINDOW });
      assert.deepEqual(await store().rateLimits.hit('k', WINDOW, T0 + WINDOW - 1), { count: 3, resetAt: T0 + WINDOW });
    });

    it('starts a new window once resetAt is reached', async () => {
      await store().rateLimits.hit('k', WINDOW, T0);
      await store().rateLimits.hit('k', WINDOW, T0);
      const now = T0 + WINDOW;
      assert.deepEqual(await store().rateLimits.hit('k', WINDOW, now), { count: 1, resetAt: now + WINDOW });
      assert.deepEqual(await store().rateLimits.hit('k', WINDOW, now + 5), { count: 2, resetAt: now + WINDOW });
    });

    it('never loses concurrent hits', async () => {
      const hits = await Promise.all(Array.from({ length: 50 }, () => store().rateLimits.hit('burst', WINDOW, T0)));
      assert.deepEqual(hits.map((h) => h.count).sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i + 1));
      assert.ok(hits.every((h) => h.resetAt === T0 + WINDOW));
      assert.equal((await store().rateLimits.hit('burst', WINDOW, T0)).count, 51);
    });

    it('reset starts the key over', async () => {
      await store().rateLimits.hit('k', WINDOW, T0);
      await store().rateLimits.hit('k', WINDOW, T0);
      await store().rateLimits.reset('k');
      assert.deepEqual(await store().rateLimits.hit('k', WINDOW, T0 + 5), { count: 1, resetAt: T0 + 5 + WINDOW });
      await store().rateLimits.reset('never-hit');
    });

    it('keeps keys independent', async () => {
      await store().rateLimits.hit('a', WINDOW, T0);
      await store().rateLimits.hit('a', WINDOW, T0);
      assert.deepEqual(await store().rateLimits.hit('b', 2 * WINDOW, T0), { count: 1, resetAt: T0 + 2 * WINDOW });
      assert.equal((await store().rateLimits.hit('a', WINDOW, T0)).count, 3);
    });

    it('deleteExpired removes ended windows only', async () => {
      await store().rateLimits.hit('short', WINDOW, T0);
      await store().rateLimits.hit('long', 10 * WINDOW, T0);
      await store().rateLimits.hit('long', 10 * WINDOW, T0);
      assert.equal(await store().rateLimits.deleteExpired(T0 + WINDOW), 1);
      assert.equal(await store().rateLimits.deleteExpired(T0 + WINDOW), 0);
      assert.equal((await store().rateLimits.hit('long', 10 * WINDOW, T0 + WINDOW)).count, 3);
    });
  });
}
