// Owns the Redis backend (GATEHOUSE_REDIS_URL): connecting with bounded timeouts (a command fails in
// `commandTimeoutMs`, and at once while disconnected, so a request gets 503 rather than a hang), and moving
// sessions, refresh-token families and rate limits of a SQL store to Redis, with revocations published to
// every instance. Revocations themselves stay in the SQL store, so a Redis restart forgets none.

import { redactUrlPassword } from '../../core/option-table.js';
import { loadOptional } from '../../core/optional-dependency.js';
import type { RevocationBus, Store } from '../../core/store.js';
import { createRedisRevocationBus } from './bus.js';
import { REDIS_DEFAULTS } from './defaults.js';
import { keyLayout, type RedisClient } from './key-layout.js';
import { createRedisRateLimitStore } from './rate-limits.js';
import { createRedisRefreshTokenStore } from './refresh-tokens.js';
import { createRedisSessionStore } from './sessions.js';

export { REDIS_DEFAULTS } from './defaults.js';
export type { RedisClient } from './key-layout.js';

export interface RedisBackendOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…`; or pass a connected `client` (a Cluster too). */
  url?: string;
  client?: RedisClient;
  /** Put before every key and the channel; lets deployments (and tests) share a server. Default `gatehouse:`. */
  prefix?: string;
  /** Longest a command may take. Default 1000 ms. */
  commandTimeoutMs?: number;
  /** Longest to wait for a connection. Default 2000 ms. */
  connectTimeoutMs?: number;
}

export interface RedisBackend {
  readonly sessions: Store['sessions'];
  readonly refreshTokens: Store['refreshTokens'];
  readonly rateLimits: Store['rateLimits'];
  readonly revocationBus: RevocationBus;
  readonly client: RedisClient;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export async function createRedisBackend(options: RedisBackendOptions): Promise<RedisBackend> {
  const keys = keyLayout(options.prefix ?? REDIS_DEFAULTS.prefix);
  let client = options.client;
  if (!client) {
    if (!options.url) throw new Error('redis backend: a url or a client is required');
    const { Redis } = await loadOptional('ioredis', 'The Redis backend', () => import('ioredis'));
    const redis = new Redis(options.url, {
      lazyConnect: true,
      enableOfflineQueue: false, // disconnected → commands fail at once (503), never queue up
      commandTimeout: options.commandTimeoutMs ?? REDIS_DEFAULTS.commandTimeoutMs,
      connectTimeout: options.connectTimeoutMs ?? REDIS_DEFAULTS.connectTimeoutMs,
      maxRetriesPerRequest: 1,
      retryStrategy: (attempt: number) => Math.min(attempt * 100, 1000), // reconnect for ever, at most 1 s apart
      enableAutoPipelining: true,
    });
    redis.on('error', () => {}); // each failed command reports its own error
    try {
      await redis.connect();
    } catch (error) {
      redis.disconnect();
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`Redis at ${redactUrlPassword(options.url)} is unreachable (${reason})`, { cause: error });
    }
    client = redis;
  }
  const connected = client;
  const bus = createRedisRevocationBus(connected, keys.revocationChannel);
  return {
    sessions: createRedisSessionStore(connected, keys),
    refreshTokens: createRedisRefreshTokenStore(connected, keys),
    rateLimits: createRedisRateLimitStore(connected, keys),
    revocationBus: bus,
    client: connected,
    async ping() {
      await connected.ping();
    },
    async close() {
      await bus.close();
      connected.disconnect();
    },
  };
}

/** The store with Redis taking sessions, refresh-token families and rate limits, and publishing revocations. */
export function withRedis(base: Store, redis: RedisBackend): Store {
  return {
    kind: `${base.kind}+redis`,
    users: base.users,
    keys: base.keys,
    revocations: base.revocations,
    audit: base.audit, // the trail stays in SQL (SPEC §4: users, keys, audit)
    oneTimeTokens: base.oneTimeTokens, // rare, durable, and cascading with the user: they stay in SQL
    mfa: base.mfa, // second factors and waiting logins: durable, cascading with the user, shared by every instance
    passkeys: base.passkeys, // durable, and cascading with the user, as one-time tokens
    sessions: redis.sessions,
    refreshTokens: redis.refreshTokens,
    rateLimits: redis.rateLimits,
    revocationBus: redis.revocationBus,
    async ping() {
      await Promise.all([base.ping(), redis.ping()]);
    },
    async close() {
      await Promise.allSettled([base.close(), redis.close()]);
    },
  };
}
