// Owns filling a store for the scale section without the HTTP API (hashing 10⁶ passwords at ~50/s is out of the
// question): users, live sessions and revocations written straight into SQLite (better-sqlite3, multi-row
// INSERTs in transactions), PostgreSQL (pg, one INSERT … SELECT FROM unnest(…) per chunk) or Redis (ioredis
// pipelines), each in the exact shape the store itself writes (src/stores/sql, src/stores/redis/sessions.ts).
// Row i is derived from i and a per-run key, so the plain token of any filled session can be recomputed later:
// the benchmark then signs in as filled users and presents filled sessions, not rows made by the HTTP API.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import { Redis } from 'ioredis';
import pg from 'pg';
import { keyLayout } from '../../src/stores/redis/key-layout.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Gatehouse's defaults (src/core/config.ts): idle and absolute session lifetimes. */
const IDLE_MS = DAY_MS;
const ABSOLUTE_MS = 30 * DAY_MS;
/** Filled revocations must outlive the run (real ones last the access-token TTL past their revocation). */
const REVOCATION_LIFETIME_MS = 3 * 60 * 60 * 1000;
/** Rows generated and written per round trip / statement batch. */
const CHUNK = 20_000;

/** What identifies one run's filled rows: the key every id and secret is derived from. */
export interface FillIdentity {
  key: Buffer;
  /** Eight hex digits that start every filled user id. */
  tag: string;
}

export const newFillIdentity = (): FillIdentity => ({ key: randomBytes(32), tag: randomBytes(4).toString('hex') });

export const scaleEmail = (i: number) => `scale-${i}@bench.example`;

/** A UUID-shaped id like the engine's randomUUID(), unique per run and index. */
export const scaleUserId = (identity: FillIdentity, i: number) =>
  `${identity.tag}-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;

const derive = (identity: FillIdentity, label: string, bytes: number) =>
  createHmac('sha256', identity.key).update(label).digest().subarray(0, bytes).toString('base64url');

/** Session i's credential as src/core/credentials.ts makes one: a 128-bit id, a 256-bit secret, the stored SHA-256. */
export function scaleSession(identity: FillIdentity, i: number): { id: string; token: string; secretHash: string } {
  const id = derive(identity, `session-id:${i}`, 16);
  const secret = derive(identity, `session-secret:${i}`, 32);
  return { id, token: `${id}.${secret}`, secretHash: createHash('sha256').update(secret).digest('base64url') };
}

interface UserRow { id: string; email: string; passwordHash: string; now: number }
interface SessionRow { id: string; secretHash: string; userId: string; now: number }
interface RevocationRow { kind: 'jti' | 'sid'; subject: string; revokedAt: number; expiresAt: number; changedAt: number }

const userRow = (identity: FillIdentity, i: number, passwordHash: string, now: number): UserRow =>
  ({ id: scaleUserId(identity, i), email: scaleEmail(i), passwordHash, now });
/** Session i belongs to user i: one live session per user. */
function sessionRow(identity: FillIdentity, i: number, now: number): SessionRow {
  const { id, secretHash } = scaleSession(identity, i);
  return { id, secretHash, userId: scaleUserId(identity, i), now };
}
/** Revocations stay live for the access-token TTL (15 min by default): a steady state holds those of the last 15 min. */
const REVOKED_OVER_MS = 15 * 60 * 1000;
/**
 * Half revoked access tokens (jti), half revoked sessions/refresh families (sid), spread evenly over the last
 * 15 minutes, as a steady rate of revocations leaves them (the view re-reads the last minute's every 5 s).
 */
function revocationRow(identity: FillIdentity, i: number, now: number): RevocationRow {
  const past = now - ((i * 7919) % REVOKED_OVER_MS); // 7919 is prime: consecutive rows land far apart
  return {
    kind: i % 2 === 0 ? 'jti' : 'sid',
    subject: derive(identity, `revocation:${i}`, 16),
    revokedAt: past,
    expiresAt: now + REVOCATION_LIFETIME_MS,
    changedAt: past,
  };
}

/** Writes rows [from, to) of each kind; rows of one kind are written in index order, so a store grows in place. */
export interface Filler {
  users(from: number, to: number, passwordHash: string): Promise<void>;
  sessions(from: number, to: number): Promise<void>;
  revocations(from: number, to: number): Promise<void>;
  close(): Promise<void>;
}

async function inChunks<T>(from: number, to: number, make: (i: number) => T, write: (rows: T[]) => Promise<void>): Promise<void> {
  for (let start = from; start < to; start += CHUNK) {
    const rows: T[] = [];
    for (let i = start; i < Math.min(to, start + CHUNK); i++) rows.push(make(i));
    await write(rows);
  }
}

const USER_COLUMNS = 'id, email, password_hash, roles, email_verified, disabled_at, created_at, updated_at';
const SESSION_COLUMNS = 'id, secret_hash, user_id, created_at, last_active_at, expires_at, absolute_expires_at, user_agent, ip, data, auth_time, amr';
const REVOCATION_COLUMNS = 'kind, subject, revoked_at, expires_at, changed_at';
const userValues = (u: UserRow) => [u.id, u.email, u.passwordHash, '[]', 0, null, u.now, u.now];
const sessionValues = (s: SessionRow) =>
  [s.id, s.secretHash, s.userId, s.now, s.now, s.now + IDLE_MS, s.now + ABSOLUTE_MS, 'gatehouse-bench', '127.0.0.1', null, s.now, 'pwd'];
const revocationValues = (r: RevocationRow) => [r.kind, r.subject, r.revokedAt, r.expiresAt, r.changedAt];

/**
 * SQLite, on the file the server has open (WAL): each chunk is one transaction, so the server waits at most one
 * chunk for the write lock, and its read cache notices the commits (PRAGMA data_version) and starts afresh.
 * The WAL is checkpointed at the end so the measurements do not start on a WAL of hundreds of megabytes.
 */
export function sqliteFiller(path: string, identity: FillIdentity): Filler {
  const db = new BetterSqlite3(path);
  db.pragma('busy_timeout = 10000');
  // Session ids are random: their primary-key inserts land all over the index, which SQLite's default 2 MB page
  // cache turns into a read per row at 10⁶ (100 s instead of 20).
  db.pragma('cache_size = -524288');
  const ROWS_PER_STATEMENT = 500;
  const statements = new Map<string, BetterSqlite3.Statement>();
  const insert = (table: string, columns: string, width: number, rows: unknown[][]) => {
    const run = (batch: unknown[][]) => {
      const sql = `insert into ${table} (${columns}) values ${batch.map(() => `(${Array(width).fill('?').join(', ')})`).join(', ')}`;
      let statement = statements.get(sql);
      if (!statement) statements.set(sql, (statement = db.prepare(sql)));
      statement.run(batch.flat());
    };
    db.transaction(() => {
      for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) run(rows.slice(i, i + ROWS_PER_STATEMENT));
    })();
  };
  const checkpoint = () => db.pragma('wal_checkpoint(TRUNCATE)');
  return {
    async users(from, to, passwordHash) {
      const now = Date.now();
      await inChunks(from, to, (i) => userValues(userRow(identity, i, passwordHash, now)), async (rows) => insert('users', USER_COLUMNS, 8, rows));
      checkpoint();
    },
    async sessions(from, to) {
      const now = Date.now();
      const byId = (a: unknown[], b: unknown[]) => ((a[0] as string) < (b[0] as string) ? -1 : 1);
      await inChunks(from, to, (i) => sessionValues(sessionRow(identity, i, now)), async (rows) => insert('sessions', SESSION_COLUMNS, 12, rows.sort(byId)));
      checkpoint();
    },
    async revocations(from, to) {
      const now = Date.now();
      await inChunks(from, to, (i) => revocationValues(revocationRow(identity, i, now)), async (rows) => insert('revocations', REVOCATION_COLUMNS, 5, rows));
      checkpoint();
    },
    async close() {
      db.close();
    },
  };
}

/** Column-wise arrays for `unnest`: one statement per chunk, whatever its size. */
const columns = (rows: unknown[][], width: number) => Array.from({ length: width }, (_, c) => rows.map((row) => row[c]));

/** PostgreSQL (the schema on `url`'s search_path): one INSERT … SELECT FROM unnest per chunk, then ANALYZE, as autovacuum would. */
export function postgresFiller(url: string, identity: FillIdentity): Filler {
  const client = new pg.Client({ connectionString: url });
  const connected = client.connect();
  const insert = async (table: string, names: string, types: string[], rows: unknown[][]) => {
    const params = types.map((t, i) => `$${i + 1}::${t}[]`).join(', ');
    await client.query(`insert into ${table} (${names}) select * from unnest(${params})`, columns(rows, types.length));
  };
  return {
    async users(from, to, passwordHash) {
      await connected;
      const now = Date.now();
      const types = ['text', 'text', 'text', 'text', 'int', 'bigint', 'bigint', 'bigint'];
      await inChunks(from, to, (i) => userValues(userRow(identity, i, passwordHash, now)), (rows) => insert('users', USER_COLUMNS, types, rows));
      await client.query('analyze users');
    },
    async sessions(from, to) {
      await connected;
      const now = Date.now();
      const types = ['text', 'text', 'text', 'bigint', 'bigint', 'bigint', 'bigint', 'text', 'text', 'text', 'bigint', 'text'];
      await inChunks(from, to, (i) => sessionValues(sessionRow(identity, i, now)), (rows) => insert('sessions', SESSION_COLUMNS, types, rows));
      await client.query('analyze sessions');
    },
    async revocations(from, to) {
      await connected;
      const now = Date.now();
      const types = ['text', 'text', 'bigint', 'bigint', 'bigint'];
      await inChunks(from, to, (i) => revocationValues(revocationRow(identity, i, now)), (rows) => insert('revocations', REVOCATION_COLUMNS, types, rows));
      await client.query('analyze revocations');
    },
    async close() {
      await connected.catch(() => {});
      await client.end();
    },
  };
}

/**
 * Sessions in Redis under `prefix`, as createRedisSessionStore writes them: the hash {s:id} expiring with the
 * session, the user's index {u:id}:sessions (living as long as the session can), and the by-expiry index.
 * Users and revocations go to `base` (they stay in SQL with GATEHOUSE_REDIS_URL).
 */
export function redisSessionFiller(url: string, prefix: string, identity: FillIdentity, base: Filler): Filler {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  const connected = client.connect();
  const keys = keyLayout(prefix);
  return {
    users: (from, to, hash) => base.users(from, to, hash),
    revocations: (from, to) => base.revocations(from, to),
    async sessions(from, to) {
      await connected;
      const now = Date.now();
      await inChunks(from, to, (i) => sessionRow(identity, i, now), async (rows) => {
        const pipeline = client.pipeline();
        for (const s of rows) {
          const expiry = Math.min(s.now + IDLE_MS, s.now + ABSOLUTE_MS);
          const key = keys.session(s.id);
          pipeline.zadd(keys.userSessions(s.userId), s.now, s.id).pexpire(keys.userSessions(s.userId), ABSOLUTE_MS);
          pipeline.zadd(keys.sessionsByExpiry, expiry, s.id);
          pipeline.hset(key, {
            u: s.userId, h: s.secretHash, c: String(s.now), a: String(s.now), e: String(s.now + IDLE_MS), x: String(s.now + ABSOLUTE_MS),
            pt: String(s.now), pm: 'pwd', ua: 'gatehouse-bench', ip: '127.0.0.1',
          }).pexpire(key, expiry - s.now);
        }
        const results = await pipeline.exec();
        const failed = results?.find(([error]) => error !== null);
        if (failed?.[0]) throw failed[0];
      });
    },
    async close() {
      client.disconnect();
      await base.close();
    },
  };
}

/** Redis's used_memory (bytes), for memory per session. */
export async function redisUsedMemory(url: string): Promise<number> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  try {
    await client.connect();
    const info = await client.info('memory');
    return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
  } finally {
    client.disconnect();
  }
}
