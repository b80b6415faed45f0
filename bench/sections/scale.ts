// Owns the "cost as the data grows" section (`--scale`, issue 19): for SQLite, PostgreSQL and PostgreSQL + Redis,
// `gatehouse serve` as shipped on a store grown in place to each size of users and live sessions (filled directly,
// bench/lib/fill.ts), then session checks and /auth/me under load with filled sessions' cookies (bracketed by the
// bare route, and as a ratio to the smallest size), logins as filled users, server and Redis memory; then the
// durable revocation list grown to each size, with start-up until /readyz and the bearer check timed at each; and
// the in-process cost of the revocation list. Rows as every section writes them, plus docs/performance-scale.svg.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Request } from 'autocannon';
import { createArgon2Hasher } from '../../src/core/password.js';
import { runRounds, type Case } from '../lib/cases.js';
import { newFillIdentity, redisUsedMemory, scaleEmail, scaleSession, type FillIdentity } from '../lib/fill.js';
import { login, PASSWORD, startGatehouse } from '../lib/gatehouse.js';
import { runLoad } from '../lib/load.js';
import { log, type BenchOptions, type ScaleStore } from '../lib/options.js';
import { freePort, startServer, type ServerProcess } from '../lib/processes.js';
import { median, skipped, type Row } from '../lib/results.js';
import { scaleCharts, type Curves } from '../lib/scale-charts.js';
import { loginTimes, megabytes, revocationListCost, serverMemory, sizeLabel, summary, timedStart } from '../lib/scale-measures.js';
import { openSetup, SETUP_NAMES, type ScaleSetup, type SetupName } from '../lib/scale-setups.js';

/** Each setup's name in `--scale-setups`. */
const STORE_OF: Record<SetupName, ScaleStore> = { SQLite: 'sqlite', PostgreSQL: 'postgres', 'PostgreSQL + Redis': 'redis' };
const SVG = fileURLToPath(new URL('../../docs/performance-scale.svg', import.meta.url));
const BARE = 'scale: bare Fastify route';
/** Filled sessions whose cookies carry the load (spread over the whole store), and logins timed per size. */
const SAMPLE_SESSIONS = 1000;
/** Distinct filled sessions presented once each before memory is read (at most): a cache that kept every row
 * it ever read would show here. */
const BREADTH_SESSIONS = 100_000;
const loginCount = (options: BenchOptions) => (options.quick ? 5 : 20);

const signed = (value: number, format: (magnitude: number) => string) => `${value < 0 ? '−' : '+'}${format(Math.abs(value))}`;

/** Distinct random integers below `below` (all of them when there are fewer than `count`). */
function randomIndices(below: number, count: number): number[] {
  if (below <= count) return Array.from({ length: below }, (_, i) => i);
  const picked = new Set<number>();
  while (picked.size < count) picked.add(Math.floor(Math.random() * below));
  return [...picked];
}

/** A GET that presents the next of `credentials` on every request (one header each). */
function rotating(path: string, header: string, credentials: readonly string[]): Request[] {
  let next = 0;
  return [{ method: 'GET', path, setupRequest: (request) => ({ ...request, headers: { ...request.headers, [header]: credentials[next++ % credentials.length] as string } }) }];
}

interface Context {
  options: BenchOptions;
  bare: ServerProcess;
  identity: FillIdentity;
  passwordHash: string;
  bareOps: number[];
  curves: Curves;
}

/** A server's first measurement gets this many times the usual warm-up: 3 s left the first size measured cold. */
const FIRST_WARMUP_FACTOR = 5;

/**
 * The bare route, then each load, every one bracketed by the bare route: rows in `names` order, bare dropped.
 * `fresh`: the loads' server has not been measured yet (just started), so it is warmed for longer first.
 */
async function bracketed(context: Context, loads: { name: string; url: string; requests: Request[] }[], fresh = false): Promise<Row[]> {
  const { options } = context;
  const bareRequests = rotating('/protected', 'cookie', ['x=1']);
  const warmup = options.warmupSeconds * (fresh ? FIRST_WARMUP_FACTOR : 1);
  for (const load of loads) await runLoad({ url: load.url, requests: load.requests, seconds: warmup });
  const cases: Case[] = [
    { name: BARE, baseline: null, measure: () => runLoad({ url: context.bare.url, requests: bareRequests, seconds: options.scaleSeconds }) },
    ...loads.map((load): Case => ({ name: load.name, baseline: BARE, measure: () => runLoad({ url: load.url, requests: load.requests, seconds: options.scaleSeconds }) })),
  ];
  const [bare, ...rows] = await runRounds(cases, options.rounds);
  if (bare?.opsPerSec) context.bareOps.push(bare.opsPerSec);
  return rows;
}

/** Against the first size's row: ratio = (this ÷ bare) ÷ (first ÷ bare); the first row keeps its ratio to bare. */
function relative(row: Row, first: Row | undefined): Row {
  const ofBare = row.ratio;
  const note = [`${ofBare === null ? '-' : ofBare.toFixed(2)} of the bare route`, row.note].filter(Boolean).join('; ');
  if (!first) return { ...row, note };
  const ratio = ofBare !== null && first.ratio ? ofBare / first.ratio : null;
  const rest: Row = { ...row };
  delete rest.roundRatios; // they are ratios to the bare route, not to the first size
  return { ...rest, baseline: first.name, ratio, note };
}

async function sessionRows(context: Context, setup: ScaleSetup, server: ServerProcess, filler: ReturnType<ScaleSetup['filler']>): Promise<Row[]> {
  const { options, identity, curves } = context;
  const rows: Row[] = [];
  const firsts = new Map<string, Row>();
  const redisBefore = setup.redisUrl ? await redisUsedMemory(setup.redisUrl) : Number.NaN;
  const memoryAtFirst = { heapUsed: Number.NaN, size: 0 };
  let filled = 0;
  for (const size of options.scaleSizes) {
    const started = performance.now();
    await filler.users(filled, size, context.passwordHash);
    await filler.sessions(filled, size);
    filled = size;
    const label = sizeLabel(size);
    log(`  ${setup.name}: ${label} users and live sessions (filled in ${((performance.now() - started) / 1000).toFixed(1)} s)`);
    const redisBytes = setup.redisUrl ? (await redisUsedMemory(setup.redisUrl)) - redisBefore : Number.NaN;

    const cookies = randomIndices(size, SAMPLE_SESSIONS).map((i) => `gh_session=${scaleSession(identity, i).token}`);
    const routes = ['/auth/verify', '/auth/me'] as const;
    const measured = await bracketed(context, routes.map((path) => ({
      name: `scale: ${setup.name}, ${label} sessions, GET ${path}`,
      url: server.url,
      requests: rotating(path, 'cookie', cookies),
    })), firsts.size === 0);
    measured.forEach((row, i) => {
      const route = routes[i] as string;
      const out = relative(row, firsts.get(route));
      if (!firsts.has(route)) firsts.set(route, row);
      rows.push(out);
      curves.throughput.push({ series: `${setup.name}, ${route}`, x: size, y: out.baseline === BARE ? 1 : (out.ratio ?? Number.NaN) });
    });

    const logins = summary(await loginTimes(server.url, randomIndices(size, loginCount(options)).map(scaleEmail)));
    const loginName = `scale: ${setup.name}, ${label} users, POST /auth/login (${loginCount(options)} in a row)`;
    const firstLogin = firsts.get('login');
    rows.push({
      name: loginName, opsPerSec: null, p99Ms: logins.p99, p50Ms: logins.p50,
      baseline: firstLogin?.name ?? null, ratio: firstLogin?.p50Ms ? logins.p50 / firstLogin.p50Ms : null,
      ...(firstLogin ? { note: 'ratio: p50 time ÷ the smallest size\'s' } : {}),
    });
    if (!firstLogin) firsts.set('login', rows[rows.length - 1] as Row);
    curves.login.push({ series: setup.name, x: size, y: logins.p50 });

    const breadth = randomIndices(size, BREADTH_SESSIONS);
    const swept = await runLoad({
      url: server.url, seconds: 600, amount: breadth.length,
      requests: rotating('/auth/verify', 'cookie', breadth.map((i) => `gh_session=${scaleSession(identity, i).token}`)),
    });
    const memory = await serverMemory(server.url);
    if (Number.isNaN(memoryAtFirst.heapUsed)) Object.assign(memoryAtFirst, { heapUsed: memory.heapUsed, size });
    const perSession = size > memoryAtFirst.size ? (memory.heapUsed - memoryAtFirst.heapUsed) / (size - memoryAtFirst.size) : Number.NaN;
    const notes = [
      `after ${breadth.length.toLocaleString('en-US')} distinct sessions checked${swept.note ? ` (${swept.note})` : ''}: server RSS ${megabytes(memory.rss)}, heap used ${megabytes(memory.heapUsed)}`,
      Number.isNaN(perSession) ? '' : `heap growth ${perSession.toFixed(2)} B per session added`,
      setup.redisUrl ? `Redis ${megabytes(redisBytes)} for ${label} sessions, ${Math.round(redisBytes / size)} B per session` : '',
    ].filter(Boolean);
    rows.push({ name: `scale: ${setup.name}, ${label} sessions, memory`, opsPerSec: null, p99Ms: null, baseline: null, ratio: null, note: notes.join('; ') });
    curves.rss.push({ series: `${setup.name}, RSS`, x: size, y: memory.rss / 1024 / 1024 }, { series: `${setup.name}, heap used`, x: size, y: memory.heapUsed / 1024 / 1024 });
    if (setup.redisUrl) curves.redisPerSession.push({ series: setup.name, x: size, y: redisBytes / size });
  }
  return rows;
}

async function revocationRows(context: Context, setup: ScaleSetup, holder: { server: ServerProcess }, filler: ReturnType<ScaleSetup['filler']>): Promise<Row[]> {
  const { options, curves } = context;
  const rows: Row[] = [];
  let none: { verify: Row; startMs: number; heapUsed: number } | undefined;
  let revoked = 0;
  for (const count of [0, ...options.scaleRevocations]) {
    await filler.revocations(revoked, count);
    revoked = count;
    const label = sizeLabel(count);
    const starts: number[] = [];
    for (let round = 0; round < options.rounds; round++) {
      await holder.server.stop();
      const started = await timedStart(setup.env);
      holder.server = started.server;
      starts.push(started.ms);
    }
    const start = summary(starts);
    log(`  ${setup.name}: ${label} revocations, start-up until /readyz ${Math.round(start.p50)} ms`);
    const bearer = await login(holder.server.url, scaleEmail(0), 'token');
    const [row] = await bracketed(context, [{
      name: `scale: ${setup.name}, ${label} revocations, bearer GET /auth/verify`,
      url: holder.server.url,
      requests: rotating('/auth/verify', 'authorization', [bearer['authorization'] ?? '']),
    }], true); // started afresh for this count's start-up times
    if (!row) continue;
    const memory = await serverMemory(holder.server.url);
    const verify = relative(row, none?.verify);
    const heapNote = none ? `heap used ${megabytes(memory.heapUsed)} (${signed(memory.heapUsed - none.heapUsed, megabytes)} vs none)` : `heap used ${megabytes(memory.heapUsed)}`;
    rows.push({ ...verify, note: `${verify.note ?? ''}; ${heapNote}` });
    const startName = `scale: ${setup.name}, ${label} revocations, start-up until /readyz`;
    rows.push({
      name: startName, opsPerSec: null, p99Ms: Math.max(...starts), p50Ms: start.p50, baseline: none ? `scale: ${setup.name}, 0 revocations, start-up until /readyz` : null, ratio: null,
      note: none && count > 0
        ? `${signed(start.p50 - none.startMs, (ms) => `${Math.round(ms)} ms`)} vs none (${((start.p50 - none.startMs) / (count / 1000)).toFixed(1)} ms per 10³); p99 column: slowest of ${starts.length}`
        : `p99 column: slowest of ${starts.length}`,
    });
    none ??= { verify: row, startMs: start.p50, heapUsed: memory.heapUsed };
    if (count > 0) {
      curves.startup.push({ series: setup.name, x: count, y: start.p50 - none.startMs });
      curves.revokedVerify.push({ series: setup.name, x: count, y: verify.ratio ?? Number.NaN });
    }
  }
  return rows;
}

async function setupRows(context: Context, name: SetupName): Promise<Row[]> {
  const setup = await openSetup(name, context.options);
  if ('skipped' in setup) return [skipped(`scale: ${name}`, setup.skipped)];
  const holder = { server: await startGatehouse(setup.env) }; // migrates the store before the fill writes to it
  const filler = setup.filler(context.identity);
  const rows: Row[] = [];
  try {
    rows.push(...(await sessionRows(context, setup, holder.server, filler)));
    rows.push(...(await revocationRows(context, setup, holder, filler)));
  } catch (error) {
    rows.push(skipped(`scale: ${name}`, `failed: ${error instanceof Error ? error.message : String(error)}`));
  } finally {
    await holder.server.stop();
    await filler.close();
    await setup.drop();
  }
  return rows;
}

/** The revocation list itself, in this process: heap per entry and isRevoked per second at each size. */
async function listRows(options: BenchOptions): Promise<Row[]> {
  const rows: Row[] = [];
  for (const size of options.scaleRevocations) {
    const cost = await revocationListCost(size, options.inProcessSeconds);
    rows.push({
      name: `scale: revocation list in-process, ${sizeLabel(size)} entries, isRevoked`,
      opsPerSec: cost.sample.opsPerSec, p99Ms: cost.sample.p99Ms, baseline: null, ratio: null,
      note: `heap ${megabytes(cost.heapBytes)}, ${Math.round(cost.bytesPerEntry)} B per entry`,
    });
  }
  return rows;
}

export async function scaleRows(options: BenchOptions): Promise<Row[]> {
  const started = Date.now();
  const port = await freePort();
  const bare = await startServer({ script: fileURLToPath(new URL('../peers/bare.ts', import.meta.url)), env: { PORT: String(port) }, port });
  const curves: Curves = { throughput: [], login: [], rss: [], redisPerSession: [], startup: [], revokedVerify: [] };
  const rows: Row[] = [];
  try {
    log(`  sizes ${options.scaleSizes.map(sizeLabel).join(', ')}; revocations ${options.scaleRevocations.map(sizeLabel).join(', ')}`);
    const context: Context = { options, bare, identity: newFillIdentity(), passwordHash: await createArgon2Hasher().hash(PASSWORD), bareOps: [], curves };
    await runLoad({ url: `${bare.url}/protected`, seconds: options.warmupSeconds });
    rows.push(...(await listRows(options)));
    for (const name of SETUP_NAMES) {
      if (options.scaleSetups.includes(STORE_OF[name])) rows.push(...(await setupRows(context, name)));
    }
    rows.unshift({ name: BARE, opsPerSec: median(context.bareOps), p99Ms: null, baseline: null, ratio: null, note: 'median of every bracketing measurement' });
  } finally {
    await bare.stop();
  }
  writeFileSync(SVG, scaleCharts(curves, options));
  log(`  scale section: ${Math.round((Date.now() - started) / 1000)} s; chart written to ${SVG}`);
  return rows;
}
