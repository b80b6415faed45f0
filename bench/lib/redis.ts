// Owns the benchmark's view of Redis: whether it is reachable and whether `gatehouse serve` accepts
// GATEHOUSE_REDIS_URL (the Redis cases say "skipped" with the reason otherwise), opening a Redis-backed
// store in-process, and deleting the run's keys afterwards.
import { Redis } from 'ioredis';
import type { Store } from '../../src/core/store.js';
import { createRedisBackend, withRedis } from '../../src/stores/redis/index.js';
import { dropPrefix } from '../../test/support-services.js';
import { configProblem } from './gatehouse.js';

/** Null when a PING answers, else why not. */
export async function redisProblem(url: string): Promise<string | null> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
    return null;
  } catch (error) {
    return `Redis at ${url} is unreachable (${error instanceof Error ? error.message : String(error)})`;
  } finally {
    client.disconnect();
  }
}

/** Deletes every key that starts with `prefix` (what this run left behind); nothing when Redis is unreachable. */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
  await dropPrefix(url, prefix).catch(() => {});
}

/** Null when `gatehouse serve` accepts GATEHOUSE_REDIS_URL (scale-out has landed), else the config's refusal. */
export function scaleOutProblem(url: string): string | null {
  const problem = configProblem({ GATEHOUSE_REDIS_URL: url });
  return problem === null ? null : `GATEHOUSE_REDIS_URL is refused by src/server/config.ts (${problem})`;
}

/** A store like `gatehouse serve` opens with GATEHOUSE_REDIS_URL: `base` (users, keys, revocations) with Redis
 * taking sessions, refresh families and rate limits. */
export async function openRedisStore(url: string, base: Store, prefix: string): Promise<Store> {
  return withRedis(base, await createRedisBackend({ url, prefix }));
}
