// Owns the in-memory rate-limit store: one fixed window per key.
// Records are copied on the way in and out, so callers never hold live references to stored state.

import type { RateLimitHit, RateLimitStore } from '../../core/store.js';

export function createRateLimitStore(): RateLimitStore {
  const windows = new Map<string, RateLimitHit>();

  return {
    async hit(key, windowMs, now) {
      const current = windows.get(key);
      const next: RateLimitHit =
        !current || current.resetAt <= now
          ? { count: 1, resetAt: now + windowMs }
          : { count: current.count + 1, resetAt: current.resetAt };
      windows.set(key, next);
      return { ...next };
    },
    async reset(key) {
      windows.delete(key);
    },
    async deleteExpired(now) {
      let deleted = 0;
      for (const [key, window] of windows) {
        if (window.resetAt <= now) {
          windows.delete(key);
          deleted++;
        }
      }
      return deleted;
    },
  };
}
