// Owns revocation propagation between two instances on Redis: log in on A, check B accepts the credential,
// log out on A, then poll B until it refuses; the delay is from A's logout answer to B's first 401 (p50 and
// p99 over the trials, bearer token and cookie session). Runs only once `gatehouse serve` accepts
// GATEHOUSE_REDIS_URL (scale-out, issue 5); says "skipped" with the reason until then.
import { join } from 'node:path';
import { configProblem, login, register, startGatehouse, uniqueEmail, type Mode } from '../lib/gatehouse.js';
import { log, type BenchOptions } from '../lib/options.js';
import { benchSchema, databaseUrl } from '../lib/postgres.js';
import type { ServerProcess } from '../lib/processes.js';
import { redisProblem, scaleOutProblem } from '../lib/redis.js';
import { quantile, skipped, type Row } from '../lib/results.js';
import { scratchDir } from '../lib/tmp.js';

const GIVE_UP_MS = 2000;
const NAMES: Record<'token' | 'session', string> = {
  token: 'revocation: bearer logout on A refused on B',
  session: 'revocation: session logout on A refused on B',
};

/** PostgreSQL in a schema of its own when the configuration takes it, else one SQLite file for both. */
export async function sharedDatabase(): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  const url = databaseUrl();
  if (configProblem({ GATEHOUSE_DATABASE_URL: url }) === null) {
    const schema = await benchSchema(url, 'revocation');
    return { env: { GATEHOUSE_DATABASE_URL: schema.url }, drop: () => schema.drop() };
  }
  const dir = scratchDir('shared');
  return { env: { GATEHOUSE_DATA_DIR: dir, GATEHOUSE_DATABASE_URL: `sqlite:${join(dir, 'gatehouse.db')}` }, drop: async () => {} };
}

async function status(url: string, headers: Record<string, string>): Promise<number> {
  const response = await fetch(url, { headers });
  await response.arrayBuffer();
  return response.status;
}

/** Milliseconds from A's logout answer until B refuses the credential (GIVE_UP_MS when it never does). */
async function trial(a: ServerProcess, b: ServerProcess, email: string, mode: Mode): Promise<number | 'not-shared'> {
  const headers = await login(a.url, email, mode);
  if ((await status(`${b.url}/auth/verify`, headers)) !== 200) return 'not-shared';
  const csrf = /(?:^|; )gh_csrf=([^;]+)/.exec(headers['cookie'] ?? '')?.[1];
  const logout = await fetch(`${a.url}/auth/logout`, { method: 'POST', headers: { ...headers, ...(csrf ? { 'x-csrf-token': csrf } : {}) } });
  await logout.arrayBuffer();
  if (logout.status !== 204) throw new Error(`logout on A answered ${logout.status}`);
  const loggedOut = performance.now();
  while (performance.now() - loggedOut < GIVE_UP_MS) {
    if ((await status(`${b.url}/auth/verify`, headers)) === 401) return performance.now() - loggedOut;
  }
  return GIVE_UP_MS;
}

export async function revocationRows(options: BenchOptions): Promise<Row[]> {
  const problem = (await redisProblem(options.redisUrl)) ?? scaleOutProblem(options.redisUrl);
  if (problem) return [skipped(NAMES.token, problem), skipped(NAMES.session, problem)];

  const database = await sharedDatabase();
  const servers: ServerProcess[] = [];
  try {
    const env = { ...database.env, GATEHOUSE_REDIS_URL: options.redisUrl, GATEHOUSE_REDIS_PREFIX: `${options.redisPrefix}revocation:` };
    const a = await startGatehouse(env);
    servers.push(a);
    const b = await startGatehouse(env); // after A: A made the signing key, B loads it
    servers.push(b);
    const email = uniqueEmail('revocation');
    await register(a.url, email);

    const rows: Row[] = [];
    for (const mode of ['token', 'session'] as const) {
      log(`  ${options.revocationTrials} ${mode} trials…`);
      const delays: number[] = [];
      let notShared = 0;
      for (let i = 0; i < options.revocationTrials; i++) {
        const delay = await trial(a, b, email, mode);
        if (delay === 'not-shared') notShared++;
        else delays.push(delay);
      }
      const late = delays.filter((d) => d >= GIVE_UP_MS).length;
      const notes = [
        notShared > 0 ? `${notShared} logins on A not accepted by B` : '',
        late > 0 ? `${late} trials still accepted after ${GIVE_UP_MS} ms` : '',
      ].filter((n) => n !== '');
      rows.push({
        name: NAMES[mode],
        opsPerSec: null,
        p99Ms: delays.length > 0 ? quantile(delays, 0.99) : null,
        p50Ms: quantile(delays, 0.5),
        baseline: null,
        ratio: null,
        ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
      });
    }
    return rows;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return [skipped(NAMES.token, reason), skipped(NAMES.session, reason)];
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await database.drop();
  }
}
