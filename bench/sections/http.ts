// Owns the HTTP comparison: a protected GET on one server core under autocannon (50 connections) for each
// Gatehouse mode — `gatehouse serve` as shipped (log level `info`, one access line per request), GET
// /auth/verify (authentication only, what the peers' routes do) and GET /auth/me (plus the user lookup), as
// fractions of a bare Fastify route with Fastify's own logger on; the two headline routes again at `warn`, and
// each peer (none logs), as fractions of the bare route without a logger; all measured in the same rounds.
// Every server is a pinned child process, started afresh for each round.
import { fileURLToPath } from 'node:url';
import { runRounds, type Case } from '../lib/cases.js';
import { cookieHeader, login, register, startGatehouse, uniqueEmail, type Mode } from '../lib/gatehouse.js';
import { runLoad } from '../lib/load.js';
import { log, type BenchOptions } from '../lib/options.js';
import { freePort, startServer, type ServerProcess } from '../lib/processes.js';
import { redisProblem, scaleOutProblem } from '../lib/redis.js';
import { skipped, type Row } from '../lib/results.js';

export const BARE = 'HTTP: bare Fastify route';
export const BARE_LOGGED = 'HTTP: bare Fastify route, Fastify logger on';

const PEERS = [
  { name: 'HTTP: hand-written session route, Map', script: 'hand-written-session.ts', redis: false, store: 'map' },
  { name: 'HTTP: hand-written session route, Redis', script: 'hand-written-session.ts', redis: true, store: 'redis' },
  { name: 'HTTP: express-session + connect-redis', script: 'express-session-redis.ts', redis: true },
  { name: 'HTTP: express-session, memory store', script: 'express-session-memory.ts', redis: false },
  { name: 'HTTP: @fastify/session, memory store', script: 'fastify-session.ts', redis: false },
  { name: 'HTTP: Fastify + jose, EdDSA bearer', script: 'fastify-jose.ts', redis: false },
  { name: 'HTTP: Fastify + fast-jwt EdDSA, cache on', script: 'fastify-fast-jwt.ts', redis: false },
] as const;

/** A server under test and how to get fresh credential headers for it. */
interface Target {
  server: ServerProcess;
  credential(): Promise<Record<string, string>>;
}

/**
 * A target started afresh for every round: about one Node 20 process start in four lands in a slow state for its
 * whole life ("Where the time goes"), so one process kept for every round would put that into the median.
 */
interface FreshTarget {
  current: Target;
  /** The round `current` was started for. */
  round: number;
  start(): Promise<Target>;
}

async function startPeer(script: string, options: BenchOptions, store = '', logger = false): Promise<Target> {
  const port = await freePort();
  const path = fileURLToPath(new URL(`../peers/${script}`, import.meta.url));
  const env = { PORT: String(port), BENCH_REDIS_URL: options.redisUrl, BENCH_REDIS_PREFIX: `${options.redisPrefix}peer:`, BENCH_SESSION_STORE: store, BENCH_LOGGER: logger ? '1' : '' };
  const server = await startServer({ script: path, env, port });
  return {
    server,
    async credential() {
      const response = await fetch(`${server.url}/bench/login`);
      const body = (await response.json()) as { authorization?: string };
      const cookie = cookieHeader(response);
      return { ...(cookie ? { cookie } : {}), ...(body.authorization ? { authorization: body.authorization } : {}) };
    },
  };
}

async function startGatehouseTarget(mode: Mode, env: Record<string, string> = {}): Promise<Target> {
  const server = await startGatehouse(env);
  const email = uniqueEmail(mode);
  await register(server.url, email);
  return { server, credential: () => login(server.url, email, mode) };
}

/**
 * One case: on a server started for this round (the first case of a round on a shared target restarts it), a
 * fresh credential for each measurement, a warm-up before the first of each process, then the measured run.
 */
function loadCase(name: string, baseline: string | null, target: FreshTarget, path: string, options: BenchOptions): Case {
  let warmOn: ServerProcess | null = null;
  return {
    name,
    baseline,
    async measure(round) {
      if (target.round !== round) {
        await target.current.server.stop();
        target.current = await target.start();
        target.round = round;
      }
      const { server } = target.current;
      const headers = await target.current.credential();
      const url = `${server.url}${path}`;
      if (warmOn !== server) await runLoad({ url, headers, seconds: options.warmupSeconds });
      warmOn = server;
      return runLoad({ url, headers, seconds: options.httpSeconds });
    },
  };
}

export async function httpRows(options: BenchOptions): Promise<Row[]> {
  const targets: FreshTarget[] = [];
  const track = async (start: () => Promise<Target>) => {
    const target: FreshTarget = { current: await start(), round: 0, start };
    targets.push(target);
    return target;
  };
  const cases: Case[] = [];
  const skips: Row[] = [];
  try {
    log('  starting servers…');
    // Gatehouse as `npm start` runs it (log level `info`) against the bare route with Fastify's logger on.
    const bareLogged = await track(() => startPeer('bare.ts', options, '', true));
    cases.push(loadCase(BARE_LOGGED, null, bareLogged, '/protected', options));
    const session = await track(() => startGatehouseTarget('session'));
    cases.push(loadCase('HTTP: Gatehouse session (SQLite), GET /auth/verify', BARE_LOGGED, session, '/auth/verify', options));
    cases.push(loadCase('HTTP: Gatehouse session (SQLite), GET /auth/me', BARE_LOGGED, session, '/auth/me', options));
    const token = await track(() => startGatehouseTarget('token'));
    cases.push(loadCase('HTTP: Gatehouse token, GET /auth/verify', BARE_LOGGED, token, '/auth/verify', options));
    cases.push(loadCase('HTTP: Gatehouse token, GET /auth/me', BARE_LOGGED, token, '/auth/me', options));
    const hybrid = await track(() => startGatehouseTarget('hybrid'));
    cases.push(loadCase('HTTP: Gatehouse hybrid, GET /auth/verify', BARE_LOGGED, hybrid, '/auth/verify', options));

    const REDIS_SESSION = 'HTTP: Gatehouse session (Redis), GET /auth/verify';
    const redisMissing = (await redisProblem(options.redisUrl)) ?? scaleOutProblem(options.redisUrl);
    if (redisMissing) skips.push(skipped(REDIS_SESSION, redisMissing, BARE_LOGGED));
    else {
      try {
        const redis = await track(() => startGatehouseTarget('session', { GATEHOUSE_REDIS_URL: options.redisUrl, GATEHOUSE_REDIS_PREFIX: `${options.redisPrefix}http:` }));
        cases.push(loadCase(REDIS_SESSION, BARE_LOGGED, redis, '/auth/verify', options));
      } catch (error) {
        skips.push(skipped(REDIS_SESSION, error instanceof Error ? error.message : String(error), BARE_LOGGED));
      }
    }

    // The headline routes with request logging off (`warn`), and every peer (none logs), against the bare route.
    cases.push(loadCase(BARE, null, await track(() => startPeer('bare.ts', options)), '/protected', options));
    // What Fastify's own logger costs: the yardstick of Gatehouse's cost of logging (its `info` rows against its `warn` rows).
    cases.push(loadCase('HTTP: bare Fastify route, Fastify logger on, vs off', BARE, bareLogged, '/protected', options));
    const quiet = { GATEHOUSE_LOG_LEVEL: 'warn' };
    cases.push(loadCase('HTTP: Gatehouse session (SQLite), GET /auth/verify, log level warn', BARE, await track(() => startGatehouseTarget('session', quiet)), '/auth/verify', options));
    cases.push(loadCase('HTTP: Gatehouse token, GET /auth/verify, log level warn', BARE, await track(() => startGatehouseTarget('token', quiet)), '/auth/verify', options));

    for (const peer of PEERS) {
      const problem = peer.redis ? await redisProblem(options.redisUrl) : null;
      if (problem) skips.push(skipped(peer.name, problem, BARE));
      else cases.push(loadCase(peer.name, BARE, await track(() => startPeer(peer.script, options, 'store' in peer ? peer.store : '')), '/protected', options));
    }

    return [...(await runRounds(cases, options.rounds)), ...skips];
  } finally {
    await Promise.all(targets.map((t) => t.current.server.stop()));
  }
}
