// Owns rate-limit policy: which attempts are counted under which key, and turning a store count into a
// 429 with Retry-After. The counting itself is the store's atomic `hit`.
import { GatehouseError } from './errors.js';
import type { RateLimitStore } from './store.js';

export interface RateLimitRule {
  /** Key namespace, e.g. "login-ip". */
  name: string;
  limit: number;
  windowMs: number;
}

/** Counts one attempt against `rule` for `subject`; throws `rate_limited` once the limit is passed. */
export async function consumeAttempt(store: RateLimitStore, rule: RateLimitRule, subject: string, now: number): Promise<void> {
  const { count, resetAt } = await store.hit(`${rule.name}:${subject}`, rule.windowMs, now);
  if (count > rule.limit) {
    throw new GatehouseError('rate_limited', 'Too many attempts; try again later.', {
      retryAfterSeconds: Math.max(1, Math.ceil((resetAt - now) / 1000)),
    });
  }
}

export function clearAttempts(store: RateLimitStore, rule: RateLimitRule, subject: string): Promise<void> {
  return store.reset(`${rule.name}:${subject}`);
}
