// Owns the benchmark's PostgreSQL: where it is (BENCH_DATABASE_URL, else GATEHOUSE_TEST_DATABASE_URL, else the local
// test database) and a schema of the run's own, first on the search_path of the URL handed to `gatehouse serve`,
// dropped with everything in it afterwards.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const databaseUrl = (env: NodeJS.ProcessEnv = process.env) =>
  env['BENCH_DATABASE_URL'] ?? env['GATEHOUSE_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

async function run(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh schema named `gh_bench_<label>_<random>`: the URL that uses it, and how to drop it. */
export async function benchSchema(url: string, label: string): Promise<{ url: string; drop(): Promise<void> }> {
  const schema = `gh_bench_${label}_${randomBytes(4).toString('hex')}`;
  await run(url, `CREATE SCHEMA ${schema}`);
  return {
    url: `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    drop: () => run(url, `DROP SCHEMA IF EXISTS ${schema} CASCADE`),
  };
}
