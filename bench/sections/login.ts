// Owns the login comparison: POST /auth/login throughput (session mode, a different user on each request,
// 50 connections) against the raw argon2id verification rate on the same one core, and the p99 of a paced
// GET /auth/me probe with and without that login flood (hashing must stay off the event loop).
import { fileURLToPath } from 'node:url';
import type { Request } from 'autocannon';
import { runRounds } from '../lib/cases.js';
import { login, PASSWORD, register, startGatehouse, uniqueEmail } from '../lib/gatehouse.js';
import { runLoad, type Load } from '../lib/load.js';
import { log, type BenchOptions } from '../lib/options.js';
import { CLIENT_CPU, runPinnedScript } from '../lib/processes.js';
import { summarize, type Row, type Sample } from '../lib/results.js';

const RAW = 'login: argon2id verify, raw (same parameters, one core)';
const FLOOD = 'login: POST /auth/login, distinct users';
const PROBE_IDLE = 'login: GET /auth/me p99, no flood (paced probe)';
const PROBE_FLOOD = 'login: GET /auth/me p99, during the login flood';
/** The probe's pace: light enough not to be load itself. */
const PROBE = { connections: 5, overallRate: 100 };

export async function loginRows(options: BenchOptions): Promise<Row[]> {
  const server = await startGatehouse();
  try {
    const users = Array.from({ length: options.quick ? 10 : 50 }, (_, i) => uniqueEmail(`login${i}`));
    log(`  registering ${users.length} users…`);
    for (const email of users) await register(server.url, email);
    const me = `${server.url}/auth/me`;
    const loginUrl = `${server.url}/auth/login`;
    let next = 0;
    const loginRequest: Request = {
      method: 'POST',
      path: '/auth/login',
      headers: { 'content-type': 'application/json' },
      setupRequest: (request) => ({ ...request, body: JSON.stringify({ email: users[next++ % users.length], password: PASSWORD }) }),
    };
    const idle: Sample[] = [];
    const flooded: Sample[] = [];
    const rawScript = fileURLToPath(new URL('../raw/argon2-rate.ts', import.meta.url));
    // The probe runs in a process of its own: sharing an event loop with the flood's client added up to
    // 70 ms of the client's own to its p99 (seen: 45-90 ms in one process, 16 ms in two, same server).
    const probeScript = fileURLToPath(new URL('../raw/probe.ts', import.meta.url));
    const probe = async (load: Load): Promise<Sample> => JSON.parse(await runPinnedScript(probeScript, [JSON.stringify(load)], CLIENT_CPU)) as Sample;
    // autocannon stops with up to 50 logins still queued for hashing; one more login waits behind them all
    // (the hash queue is first in, first out), so the next measurement starts on an idle server.
    const flood = async (seconds: number) => {
      const sample = await runLoad({ url: loginUrl, requests: [loginRequest], seconds });
      await login(server.url, users[0] as string, 'session');
      return sample;
    };

    const rows = await runRounds(
      [
        { name: RAW, baseline: null, measure: async () => JSON.parse(await runPinnedScript(rawScript, [String(options.httpSeconds)])) as Sample },
        {
          name: FLOOD,
          baseline: RAW,
          async measure(round) {
            const headers = await login(server.url, users[0] as string, 'session');
            idle.push(await probe({ url: me, headers, seconds: Math.min(5, options.httpSeconds), ...PROBE }));
            if (round === 0) await flood(options.warmupSeconds);
            const [logins, probed] = await Promise.all([flood(options.httpSeconds), probe({ url: me, headers, seconds: options.httpSeconds, ...PROBE })]);
            flooded.push(probed);
            return logins;
          },
        },
      ],
      options.rounds,
    );
    return [...rows, summarize(PROBE_IDLE, idle), summarize(PROBE_FLOOD, flooded)];
  } finally {
    await server.stop();
  }
}
