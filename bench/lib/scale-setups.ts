// Owns the scale section's three store setups as `gatehouse serve` runs them: SQLite (a file of its own),
// PostgreSQL (a fresh schema in the test database) and PostgreSQL + Redis (sessions in Redis under the run's
// prefix). Each says why it cannot run (service unreachable, configuration refuses it), hands out the filler for
// its store, and removes every schema, file and key it made.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { postgresFiller, redisSessionFiller, sqliteFiller, type FillIdentity, type Filler } from './fill.js';
import { configProblem } from './gatehouse.js';
import type { BenchOptions } from './options.js';
import { benchSchema, databaseUrl } from './postgres.js';
import { deleteKeys, redisProblem, scaleOutProblem } from './redis.js';
import { scratchDir } from './tmp.js';

export const SETUP_NAMES = ['SQLite', 'PostgreSQL', 'PostgreSQL + Redis'] as const;
export type SetupName = (typeof SETUP_NAMES)[number];

export interface ScaleSetup {
  name: SetupName;
  /** GATEHOUSE_* variables of the server (on top of the benchmark's own). */
  env: Record<string, string>;
  /** Where the sessions live when it is Redis (memory per session is read from it). */
  redisUrl: string | null;
  /** A filler for the store; call it once the server has migrated the database. */
  filler(identity: FillIdentity): Filler;
  /** Removes what the setup made (schema, file, keys). */
  drop(): Promise<void>;
}

async function postgresProblem(url: string): Promise<string | null> {
  const refused = configProblem({ GATEHOUSE_DATABASE_URL: url });
  if (refused) return `GATEHOUSE_DATABASE_URL is refused by src/server/config.ts (${refused})`;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (error) {
    return `PostgreSQL at ${url.replace(/\/\/[^@/]*@/, '//…@')} is unreachable (${error instanceof Error ? error.message : String(error)})`;
  } finally {
    await client.end().catch(() => {});
  }
}

/** The setup, or why it is skipped. */
export async function openSetup(name: SetupName, options: BenchOptions): Promise<ScaleSetup | { skipped: string }> {
  if (name === 'SQLite') {
    const dir = scratchDir('scale-sqlite');
    const path = join(dir, 'gatehouse.db');
    return {
      name,
      env: { GATEHOUSE_DATA_DIR: dir, GATEHOUSE_DATABASE_URL: `sqlite:${path}` },
      redisUrl: null,
      filler: (identity) => sqliteFiller(path, identity),
      drop: async () => rmSync(dir, { recursive: true, force: true }), // a 10⁶-row file is ~1 GB: not kept till the end
    };
  }
  const url = databaseUrl(process.env);
  const problem = (await postgresProblem(url)) ??
    (name === 'PostgreSQL + Redis' ? ((await redisProblem(options.redisUrl)) ?? scaleOutProblem(options.redisUrl)) : null);
  if (problem) return { skipped: problem };
  const schema = await benchSchema(url, 'scale');
  const schemaUrl = schema.url;
  const dataDir = scratchDir('scale-postgres');
  if (name === 'PostgreSQL') {
    return {
      name,
      env: { GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_DATABASE_URL: schemaUrl },
      redisUrl: null,
      filler: (identity) => postgresFiller(schemaUrl, identity),
      drop: () => schema.drop(),
    };
  }
  const prefix = `${options.redisPrefix}scale:`;
  return {
    name,
    env: { GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_DATABASE_URL: schemaUrl, GATEHOUSE_REDIS_URL: options.redisUrl, GATEHOUSE_REDIS_PREFIX: prefix },
    redisUrl: options.redisUrl,
    filler: (identity) => redisSessionFiller(options.redisUrl, prefix, identity, postgresFiller(schemaUrl, identity)),
    async drop() {
      await schema.drop();
      await deleteKeys(options.redisUrl, prefix);
    },
  };
}
