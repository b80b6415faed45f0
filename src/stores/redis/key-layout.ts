// Owns the Redis key layout and the Lua-script helper. Every key carries a hash tag ({…}) naming the one
// record it belongs to, and every script and MULTI touches exactly one key, so each atomic step stays in one
// Redis Cluster slot: the same code runs on one server or on a cluster.

import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

export type RedisClient = Redis | Cluster;

export interface KeyLayout {
  session: (id: string) => string;
  userSessions: (userId: string) => string;
  sessionsByExpiry: string;
  family: (id: string) => string;
  /** Token id → family id (immutable; the family's hash holds the token itself). */
  tokenFamily: (tokenId: string) => string;
  userFamilies: (userId: string) => string;
  familiesByExpiry: string;
  rateLimit: (key: string) => string;
  rateLimitsByExpiry: string;
  revocationChannel: string;
}

const PREFIX = /^[A-Za-z0-9:_.-]{0,64}$/;

export function keyLayout(prefix: string): KeyLayout {
  // Braces in the prefix would move the hash tag and split a record across slots.
  if (!PREFIX.test(prefix)) throw new Error(`redis store: the key prefix may hold only letters, digits and : _ . - (got ${JSON.stringify(prefix)})`);
  return {
    session: (id) => `${prefix}{s:${id}}`,
    userSessions: (userId) => `${prefix}{u:${userId}}:sessions`,
    sessionsByExpiry: `${prefix}{sessions}:by-expiry`,
    family: (id) => `${prefix}{f:${id}}`,
    tokenFamily: (tokenId) => `${prefix}{t:${tokenId}}`,
    userFamilies: (userId) => `${prefix}{u:${userId}}:families`,
    familiesByExpiry: `${prefix}{families}:by-expiry`,
    rateLimit: (key) => `${prefix}{r:${key}}`,
    rateLimitsByExpiry: `${prefix}{rate-limits}:by-expiry`,
    revocationChannel: `${prefix}revocations`,
  };
}

export type Script = (client: RedisClient, key: string, ...args: (string | number)[]) => Promise<unknown>;

/** A one-key Lua script run by EVALSHA, loading it with EVAL the first time a server has not seen it. */
export function script(lua: string): Script {
  const sha = createHash('sha1').update(lua).digest('hex');
  return async (client, key, ...args) => {
    try {
      return await client.evalsha(sha, 1, key, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.eval(lua, 1, key, ...args);
    }
  };
}

/**
 * Removes a record whose logical expiry has passed at ARGV[1]. A record's hash keeps its expiry in field e
 * (and x, an absolute expiry, when it has one) and its owner's id in u. Returns {1, owner} when deleted,
 * {0} when already gone, {2, expiry} when still live (the caller re-scores its index).
 */
const deleteIfExpired = script(`
local v = redis.call('HMGET', KEYS[1], 'u', 'e', 'x')
if not v[2] then return {0} end
local expiry = tonumber(v[2])
if v[3] then expiry = math.min(expiry, tonumber(v[3])) end
if expiry <= tonumber(ARGV[1]) then
  redis.call('DEL', KEYS[1])
  return {1, v[1] or ''}
end
return {2, expiry}
`);

/** ZADD ARGV[2] with score ARGV[1] and make the index live at least ARGV[3] ms (it outlives what it lists). */
const indexScript = script(`
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 1
`);

/** Adds `id` to a per-owner index, which then expires no sooner than the record (`ttlMs`). */
export async function addToIndex(client: RedisClient, index: string, score: number, id: string, ttlMs: number): Promise<void> {
  await indexScript(client, index, score, id, ttlMs);
}

/** A PX for a record that must live until `until` (logical time `now`); never below 1 ms. */
export const ttl = (until: number, now: number): number => Math.max(1, Math.ceil(until - now));

/**
 * Sweeps an expiry index: every member scored at or before `now` is checked by deleteIfExpired against its
 * record; deleted or vanished ones leave the index (and their owner's index), live ones are re-scored.
 */
export async function sweep(
  client: RedisClient,
  index: string,
  now: number,
  recordKey: (id: string) => string,
  ownerIndex?: (owner: string) => string,
): Promise<number> {
  const ids = await client.zrangebyscore(index, '-inf', now);
  let deleted = 0;
  for (const id of ids) {
    const [status, value] = (await deleteIfExpired(client, recordKey(id), now)) as [number, string | number | undefined];
    if (status === 2) {
      await client.zadd(index, Number(value), id);
      continue;
    }
    if (status === 1) {
      deleted++;
      if (ownerIndex) await client.zrem(ownerIndex(String(value)), id);
    }
    await client.zrem(index, id);
  }
  return deleted;
}
