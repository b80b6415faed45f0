// Owns the in-process session comparison: Gatehouse's validateSession on the memory, SQLite and Redis
// stores, each against the raw limit of its backend — a hand-written lookup (SHA-256 of the secret, fetch
// by id, constant-time compare, expiry check) on a Map, a better-sqlite3 prepared statement, an ioredis GET
// (auto-pipelined, as the Redis store is).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Redis } from 'ioredis';
import { createGatehouse } from '../../src/core/engine.js';
import type { Gatehouse } from '../../src/core/gatehouse.js';
import type { Store } from '../../src/core/store.js';
import { createMemoryStore } from '../../src/stores/memory/index.js';
import { createSqliteStore } from '../../src/stores/sqlite/index.js';
import { runRounds, type Case } from '../lib/cases.js';
import { PASSWORD } from '../lib/gatehouse.js';
import type { BenchOptions } from '../lib/options.js';
import { openRedisStore, redisProblem } from '../lib/redis.js';
import { skipped, type Row } from '../lib/results.js';
import { timed } from '../lib/timing.js';
import { scratchDir } from '../lib/tmp.js';

/** The login's session or family (the benchmark user has no second factor). */
const opened = <R extends object>(result: R): Exclude<R, { mfaRequired: true }> => {
  if ('mfaRequired' in result) throw new Error('unexpected second-factor step');
  return result as Exclude<R, { mfaRequired: true }>;
};

interface RawSession {
  secretHash: Buffer;
  userId: string;
  expiresAt: number;
}

const CONTEXT = { ip: '127.0.0.1', userAgent: 'bench' };

/** An engine on `store` with one logged-in session; returns the cookie token. */
async function sessionOn(store: Store): Promise<{ gatehouse: Gatehouse; token: string }> {
  const gatehouse = await createGatehouse({ store, secret: randomBytes(32).toString('base64url'), options: { modes: ['session'] } });
  const email = `session-${randomBytes(4).toString('hex')}@bench.example`;
  await gatehouse.register({ email, password: PASSWORD }, CONTEXT);
  const { session } = opened(await gatehouse.login({ email, password: PASSWORD }, CONTEXT));
  return { gatehouse, token: session.token };
}

/** The hand-written check every raw case shares, given how its backend fetches a session by id. */
function rawValidator(fetch: (id: string) => RawSession | undefined | Promise<RawSession | undefined>) {
  return async (token: string): Promise<boolean> => {
    const dot = token.indexOf('.');
    const id = token.slice(0, dot);
    const hash = createHash('sha256').update(token.slice(dot + 1)).digest();
    const session = await fetch(id);
    return session !== undefined && timingSafeEqual(hash, session.secretHash) && session.expiresAt > Date.now();
  };
}

const RAW_TOKEN_ID = 'raw-session-id';
const RAW_SECRET = randomBytes(32).toString('base64url');
const RAW_TOKEN = `${RAW_TOKEN_ID}.${RAW_SECRET}`;
const RAW_SESSION: RawSession = { secretHash: createHash('sha256').update(RAW_SECRET).digest(), userId: 'u1', expiresAt: Date.now() + 86_400_000 };

function rawSqlite(path: string) {
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE sessions (id TEXT PRIMARY KEY, secret_hash BLOB NOT NULL, user_id TEXT NOT NULL, expires_at INTEGER NOT NULL)');
  db.prepare('INSERT INTO sessions VALUES (?, ?, ?, ?)').run(RAW_TOKEN_ID, RAW_SESSION.secretHash, RAW_SESSION.userId, RAW_SESSION.expiresAt);
  const select = db.prepare<[string], { secret_hash: Buffer; user_id: string; expires_at: number }>(
    'SELECT secret_hash, user_id, expires_at FROM sessions WHERE id = ?',
  );
  return {
    validate: rawValidator((id) => {
      const row = select.get(id);
      return row && { secretHash: row.secret_hash, userId: row.user_id, expiresAt: row.expires_at };
    }),
    close: () => db.close(),
  };
}

export async function sessionValidateRows(options: BenchOptions): Promise<Row[]> {
  const seconds = options.inProcessSeconds;
  const dir = scratchDir('sessions');
  const closers: (() => unknown)[] = [];
  const cases: Case[] = [];
  const skips: Row[] = [];

  const rawMap = new Map([[RAW_TOKEN_ID, RAW_SESSION]]);
  const mapValidate = rawValidator((id) => rawMap.get(id));
  const memory = await sessionOn(createMemoryStore());
  const MAP = 'in-process: hand-written session lookup, SHA-256 + Map';
  cases.push(
    { name: MAP, baseline: null, measure: () => timed(() => mapValidate(RAW_TOKEN), { seconds }) },
    { name: 'in-process: Gatehouse validateSession, memory store', baseline: MAP, measure: () => timed(() => memory.gatehouse.validateSession(memory.token), { seconds }) },
  );

  const raw = rawSqlite(join(dir, 'raw.db'));
  closers.push(raw.close);
  const sqliteStore = await createSqliteStore({ path: join(dir, 'gatehouse.db') });
  closers.push(() => sqliteStore.close());
  const sqlite = await sessionOn(sqliteStore);
  const SQLITE = 'in-process: hand-written session lookup, SHA-256 + SQLite';
  cases.push(
    { name: SQLITE, baseline: null, measure: () => timed(() => raw.validate(RAW_TOKEN), { seconds }) },
    { name: 'in-process: Gatehouse validateSession, SQLite store', baseline: SQLITE, measure: () => timed(() => sqlite.gatehouse.validateSession(sqlite.token), { seconds }) },
  );

  const REDIS = 'in-process: hand-written session lookup, SHA-256 + Redis GET';
  const REDIS_GATEHOUSE = 'in-process: Gatehouse validateSession, Redis store';
  const unreachable = await redisProblem(options.redisUrl);
  const prefix = `${options.redisPrefix}inprocess:`;
  if (unreachable) {
    skips.push(skipped(REDIS, unreachable), skipped(REDIS_GATEHOUSE, unreachable, REDIS));
  } else {
    const redisStore = await openRedisStore(options.redisUrl, await createSqliteStore({ path: join(dir, 'base.db') }), prefix);
    closers.push(() => redisStore.close());
    const redis = await sessionOn(redisStore);
    const client = new Redis(options.redisUrl, { enableAutoPipelining: true }); // as the Redis store does
    closers.push(() => client.disconnect());
    const key = `${prefix}raw-session:${RAW_TOKEN_ID}`;
    await client.set(key, JSON.stringify({ ...RAW_SESSION, secretHash: RAW_SESSION.secretHash.toString('base64') }), 'EX', 3600);
    const redisValidate = rawValidator(async (id) => {
      const json = await client.get(`${prefix}raw-session:${id}`);
      if (json === null) return undefined;
      const parsed = JSON.parse(json) as { secretHash: string; userId: string; expiresAt: number };
      return { ...parsed, secretHash: Buffer.from(parsed.secretHash, 'base64') };
    });
    cases.push(
      { name: REDIS, baseline: null, measure: () => timed(() => redisValidate(RAW_TOKEN), { seconds }) },
      { name: REDIS_GATEHOUSE, baseline: REDIS, measure: () => timed(() => redis.gatehouse.validateSession(redis.token), { seconds }) },
    );
  }

  try {
    return [...(await runRounds(cases, options.rounds)), ...skips];
  } finally {
    for (const close of closers.reverse()) await close();
  }
}
