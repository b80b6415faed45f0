// Owns the tests' access to the shared PostgreSQL and Redis services: their URLs (from
// GATEHOUSE_TEST_DATABASE_URL / GATEHOUSE_TEST_REDIS_URL, set by .ci/run), a fresh schema or key prefix
// per test, and cleaning it up. Tests that need a service skip with a clear reason when its URL is unset.

import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import pg from 'pg';

export const POSTGRES_URL = process.env.GATEHOUSE_TEST_DATABASE_URL;
export const REDIS_URL = process.env.GATEHOUSE_TEST_REDIS_URL;
export const SKIP_POSTGRES = POSTGRES_URL ? false : 'GATEHOUSE_TEST_DATABASE_URL is not set: PostgreSQL tests skipped';
export const SKIP_REDIS = REDIS_URL ? false : 'GATEHOUSE_TEST_REDIS_URL is not set: Redis tests skipped';

/**
 * `describe(name, body)`, or, when `skip` is a reason, one skipped test named after the suite: Node 20's runner
 * counts a skipped suite under `# suites`, not `# skipped`, so the summary would say nothing was skipped.
 */
export function describeOrSkip(name: string, skip: string | false | undefined, body: () => void): void {
  if (skip) void test(name, { skip }, () => {});
  else void describe(name, body);
}

export const uniqueName = (prefix: string) => `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;

/** Drops a schema made for one test, with everything in it. */
export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/** Deletes every key under a prefix made for one test (or one benchmark run). */
export async function dropPrefix(url: string, prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {}); // an unreachable server rejects connect() below
  await client.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await client.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}
