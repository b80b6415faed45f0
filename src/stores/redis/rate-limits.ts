// Owns the Redis rate-limit store: one hash per key ({r:key}: c count, e window end) updated by one Lua
// script, so concurrent hits from every instance are counted exactly; it expires with its window.

import type { RateLimitStore } from '../../core/store.js';
import { script, sweep, type KeyLayout, type RedisClient } from './key-layout.js';

/** ARGV: now, window ms, window end if a new window starts. Returns {count, window end, 1 if new window}. */
const hit = script(`
local v = redis.call('HMGET', KEYS[1], 'c', 'e')
if not v[2] or tonumber(v[2]) <= tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'c', 1, 'e', ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {1, ARGV[3], 1}
end
return {redis.call('HINCRBY', KEYS[1], 'c', 1), v[2], 0}
`);

export function createRedisRateLimitStore(client: RedisClient, keys: KeyLayout): RateLimitStore {
  return {
    async hit(key, windowMs, now) {
      const [count, resetAt, started] = (await hit(client, keys.rateLimit(key), now, windowMs, now + windowMs)) as [number, string, number];
      if (started === 1) await client.zadd(keys.rateLimitsByExpiry, resetAt, key);
      return { count, resetAt: Number(resetAt) };
    },
    async reset(key) {
      await client.del(keys.rateLimit(key));
      await client.zrem(keys.rateLimitsByExpiry, key);
    },
    deleteExpired: (now) => sweep(client, keys.rateLimitsByExpiry, now, keys.rateLimit),
  };
}
