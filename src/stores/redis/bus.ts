// Owns the revocation bus on Redis pub/sub: every revocation an instance makes is published on one channel,
// and every instance applies what the others publish. Pub/sub keeps nothing, so the subscriber reports
// whether it is live: while it is not (connection lost, a heartbeat unanswered), revocations may be missed,
// and the engine fails closed until it has re-read the durable list after re-subscribing.

import { randomBytes } from 'node:crypto';
import type { RevocationBus, RevocationRecord } from '../../core/store.js';
import type { Cluster } from 'ioredis';
import type { RedisClient } from './key-layout.js';

/** ioredis marks its clients (`instanceof Cluster` would load ioredis here; it is an optional dependency). */
const isCluster = (client: RedisClient): client is Cluster => client.isCluster;

const KINDS = new Set(['jti', 'sid', 'user']);
const HEARTBEAT_MS = 1000;

function parse(message: string, origin: string): RevocationRecord | null {
  try {
    const { o, r } = JSON.parse(message) as { o?: unknown; r?: Partial<RevocationRecord> };
    if (o === origin || !r || typeof r !== 'object') return null;
    if (!KINDS.has(String(r.kind)) || typeof r.subject !== 'string' || !Number.isFinite(r.revokedAt) || !Number.isFinite(r.expiresAt)) return null;
    return { kind: r.kind!, subject: r.subject, revokedAt: r.revokedAt!, expiresAt: r.expiresAt! };
  } catch {
    return null;
  }
}

export function createRedisRevocationBus(client: RedisClient, channel: string): RevocationBus & { close(): Promise<void> } {
  const origin = randomBytes(9).toString('base64url');
  const running = new Set<{ stop(): Promise<void> }>();
  return {
    async close() {
      await Promise.all([...running].map((handle) => handle.stop()));
    },
    async publish(revocation) {
      await client.publish(channel, JSON.stringify({ o: origin, r: revocation }));
    },
    start(handlers) {
      const options = { autoResubscribe: false, enableOfflineQueue: true, lazyConnect: true };
      const subscriber = isCluster(client) ? client.duplicate(undefined, { ...options, redisOptions: client.options.redisOptions }) : client.duplicate(options);
      let stopped = false;
      subscriber.on('error', () => {}); // reported through 'close' and the heartbeat
      subscriber.on('message', (from: string, message: string) => {
        const revocation = from === channel ? parse(message, origin) : null;
        if (revocation) handlers.revocation(revocation);
      });
      subscriber.on('ready', () => {
        subscriber.subscribe(channel).then(
          () => handlers.live(true),
          () => subscriber.disconnect(true),
        );
      });
      subscriber.on('close', () => handlers.live(false));
      // A server that stops answering without closing the socket: no pong in time → not live at once (closing
      // a frozen connection takes ioredis seconds), then drop and reconnect.
      let waiting = false;
      const heartbeat = setInterval(() => {
        if (subscriber.status !== 'ready' || waiting) return;
        waiting = true;
        const timer = setTimeout(() => {
          handlers.live(false);
          subscriber.disconnect(true);
        }, HEARTBEAT_MS);
        subscriber.ping().then(() => clearTimeout(timer), () => {}).finally(() => { waiting = false; });
      }, HEARTBEAT_MS);
      heartbeat.unref();
      subscriber.connect().catch(() => {}); // retried by ioredis's retryStrategy
      const handle = {
        async stop() {
          if (stopped) return;
          stopped = true;
          running.delete(handle);
          clearInterval(heartbeat);
          subscriber.disconnect();
        },
      };
      running.add(handle);
      return handle;
    },
  };
}
