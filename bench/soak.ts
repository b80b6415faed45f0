// Owns `npm run bench -- --soak`: for each setup (one SQLite instance; two instances on PostgreSQL + Redis), a
// bounded run of mixed traffic (logins, checks, refreshes, logouts, revoked credentials presented again) from
// this process on the load-generator core, with every answer checked against the client's ground truth; prints
// the series and totals, writes bench/soak-results.json and docs/performance-soak.svg, and returns the exit
// status: 1 when any answer was wrong.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { uniqueEmail } from './lib/gatehouse.js';
import { log, type BenchOptions } from './lib/options.js';
import { removeScratch } from './lib/tmp.js';
import { registerUser, type Instance, type Probe, type SoakUser } from './soak/client.js';
import type { SoakOptions, SoakSetup } from './soak/options.js';
import { formatSetup, memoryVerdicts, soakChart, type SetupResult } from './soak/report.js';
import { startSampler } from './soak/sampler.js';
import { startSetup } from './soak/setups.js';
import { runTraffic } from './soak/traffic.js';
import { newTally, wrongCount } from './soak/truth.js';

const RESULTS = fileURLToPath(new URL('soak-results.json', import.meta.url));
const CHART = fileURLToPath(new URL('../docs/performance-soak.svg', import.meta.url));

/** Users registered up front (argon2id: ~50 registrations a second on one core). */
const USERS = 200;
const VIRTUAL_USERS = 32;
/** docs/deployment.md: a logout is refused on every other instance within milliseconds (p99 7.4 ms measured). */
const SETTLE_MS = 1000;
const REGISTER_CONCURRENCY = 4;

async function registerUsers(instances: readonly Instance[]): Promise<SoakUser[]> {
  const users: SoakUser[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: REGISTER_CONCURRENCY }, async () => {
      for (let i = next++; i < USERS; i = next++) {
        users.push(await registerUser(instances[i % instances.length] as Instance, uniqueEmail(`soak${i}`)));
      }
    }),
  );
  return users;
}

async function soakSetup(setup: SoakSetup, soak: SoakOptions, options: BenchOptions): Promise<SetupResult> {
  const running = await startSetup(setup, options);
  try {
    log(`  ${running.description}: registering ${USERS} users…`);
    const users = await registerUsers(running.instances);
    log(`  ${soak.minutes} min of traffic from ${VIRTUAL_USERS} virtual users, a row every ${soak.intervalSeconds} s…`);
    const probe: Probe = { tally: newTally(), startedAt: performance.now() };
    const trafficMs = soak.minutes * 60_000;
    const sampler = startSampler(probe.tally, running.servers, soak.intervalSeconds, probe.startedAt);
    // The last whole interval ends at (or just before) the end of the traffic; the tail after it is not sampled.
    const series = new Promise<Awaited<ReturnType<typeof sampler.stop>>>((resolve) => {
      setTimeout(() => resolve(sampler.stop()), trafficMs + (soak.intervalSeconds * 1000) / 2);
    });
    const progress = setInterval(() => {
      const done = ((performance.now() - probe.startedAt) / trafficMs) * 100;
      log(`  ${Math.min(100, done).toFixed(0)} %: ${wrongCount(probe.tally)} wrong, ${probe.tally.classes.error} errors`);
    }, Math.max(10_000, trafficMs / 10));
    const counts = await runTraffic(probe, {
      instances: running.instances,
      users,
      virtualUsers: VIRTUAL_USERS,
      settleMs: SETTLE_MS,
      endsAt: probe.startedAt + trafficMs,
    });
    clearInterval(progress);
    const points = await series;
    return {
      setup,
      description: running.description,
      trafficSeconds: soak.minutes * 60,
      users: USERS,
      virtualUsers: VIRTUAL_USERS,
      settleMs: SETTLE_MS,
      ...counts,
      tally: probe.tally,
      series: points,
      memory: memoryVerdicts(points, running.servers.map((s) => s.name)),
    };
  } finally {
    await running.stop();
  }
}

function skippedSetup(setup: SoakSetup, reason: string): SetupResult {
  return { setup, description: '', skipped: reason, trafficSeconds: 0, users: 0, virtualUsers: 0, settleMs: SETTLE_MS, cycles: 0, abandoned: 0, tally: newTally(), series: [], memory: [] };
}

/** Runs every setup of `soak`, one after the other or together; the exit status is 1 when any answer was wrong. */
export async function runSoak(options: BenchOptions, soak: SoakOptions): Promise<number> {
  const started = Date.now();
  const results: SetupResult[] = [];
  const run = async (setup: SoakSetup) => {
    log(`\n== soak: ${setup}`);
    try {
      return await soakSetup(setup, soak, options);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      log(`  skipped: ${reason}`);
      return skippedSetup(setup, reason);
    }
  };
  try {
    if (soak.together) results.push(...(await Promise.all(soak.setups.map(run))));
    else for (const setup of soak.setups) results.push(await run(setup));
  } finally {
    removeScratch();
  }
  const wrong = results.reduce((sum, r) => sum + wrongCount(r.tally), 0);
  writeFileSync(RESULTS, `${JSON.stringify({ date: new Date(started).toISOString(), minutesPerSetup: soak.minutes, intervalSeconds: soak.intervalSeconds, wrongAnswers: wrong, setups: results }, null, 2)}\n`);
  if (results.some((r) => !r.skipped)) writeFileSync(CHART, soakChart(results));
  process.stdout.write(`\n${results.map(formatSetup).join('\n')}\nwrong answers: ${wrong}\n`);
  log(`\nsoak run: ${Math.round((Date.now() - started) / 1000)} s; written to ${RESULTS} and ${CHART}`);
  return wrong > 0 ? 1 : 0;
}
