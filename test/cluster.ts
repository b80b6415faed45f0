// Test kit for scale-out: `n` Gatehouse instances on one fresh PostgreSQL schema and Redis key prefix (from
// GATEHOUSE_TEST_DATABASE_URL / GATEHOUSE_TEST_REDIS_URL), each a real server on loopback, removed with
// everything they stored on close.
import type { ServerConfigOptions } from '../src/server/config.js';
import { createPostgresStore } from '../src/stores/postgres/index.js';
import { createRedisBackend, withRedis } from '../src/stores/redis/index.js';
import { startTestServer, type TestServer } from './helpers.js';
import { POSTGRES_URL, REDIS_URL, dropPrefix, dropSchema, uniqueName } from './support-services.js';

export const CLUSTER_SECRET = 'scale-out-test-secret-0123456789abcdef';
export const SKIP_CLUSTER = !POSTGRES_URL || !REDIS_URL ? 'GATEHOUSE_TEST_DATABASE_URL and GATEHOUSE_TEST_REDIS_URL are both needed: scale-out tests skipped' : false;

export interface Cluster {
  instances: TestServer[];
  close(): Promise<void>;
}

/** `n` instances sharing a store, started one after another, or all at once with `together`. */
export async function startCluster(n: number, options: ServerConfigOptions = {}, together = false): Promise<Cluster> {
  const schema = uniqueName('gh_scale');
  const prefix = `${uniqueName('ghscale')}:`;
  const start = async () => {
    const store = withRedis(
      await createPostgresStore({ connectionString: POSTGRES_URL!, schema }),
      await createRedisBackend({ url: REDIS_URL!, prefix }),
    );
    return startTestServer({ store, options: { secret: CLUSTER_SECRET, ...options } });
  };
  const instances: TestServer[] = [];
  const close = async () => {
    await Promise.allSettled(instances.map((s) => s.close()));
    await dropSchema(POSTGRES_URL!, schema);
    await dropPrefix(REDIS_URL!, prefix);
  };
  try {
    if (together) {
      const started = await Promise.allSettled(Array.from({ length: n }, start));
      for (const result of started) if (result.status === 'fulfilled') instances.push(result.value);
      const failed = started.find((result) => result.status === 'rejected');
      if (failed) throw failed.reason;
    } else {
      for (let i = 0; i < n; i++) instances.push(await start());
    }
  } catch (error) {
    // The instances that did start would keep the test process alive (and their schema behind): close them.
    await close();
    throw error;
  }
  return { instances, close };
}
