// An existing 0.1 database upgrades in place (SPEC): a database with only the migrations 0.1 shipped
// (0001_initial, 0002_tokens, run by Kysely's migrator up to the last of them from today's list, which never
// changes a shipped migration) holding a user, a web session, a token family, a signing key and a revocation in
// 0.1's columns, opened by today's createSqliteStore / createPostgresStore (which migrate on open): the old
// password logs in, the old session cookie, access and refresh tokens work, the revoked token is still refused,
// and the tables and columns added since are usable.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { createGatehouse } from '../src/core/engine.js';
import type { Store } from '../src/core/store.js';
import { createMemoryStore } from '../src/stores/memory/index.js';
import { createPostgresStore } from '../src/stores/postgres/index.js';
import { migrationProvider, type SqlDialect } from '../src/stores/sql/migrations.js';
import { createSqliteStore } from '../src/stores/sqlite/index.js';
import { fakeClock, PASSWORD, type FakeClock } from './helpers.js';
import { describeOrSkip, dropSchema, POSTGRES_URL, SKIP_POSTGRES, uniqueName } from './support-services.js';
import { opened } from './kit.js';

const SECRET = 'upgrade-test-secret-0123456789abcdefghijk';
const CONTEXT = { ip: '127.0.0.1', userAgent: 'upgrade-test' };
const EMAIL = 'old@example.com';
/** The last migration 0.1.0 shipped. */
const LAST_0_1_MIGRATION = '0002_tokens';

type Untyped = Kysely<Record<string, Record<string, unknown>>>;

/** What the 0.1 deployment's users hold: a session cookie, a token pair, and an access token logged out. */
interface OldCredentials {
  userId: string;
  sessionToken: string;
  accessToken: string;
  refreshToken: string;
  revokedAccessToken: string;
}

/** Runs only the migrations 0.1 had. */
async function migrateTo0_1(db: Untyped, dialect: SqlDialect, schema?: string): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider(dialect), ...(schema !== undefined && { migrationTableSchema: schema }) });
  const { error, results } = await migrator.migrateTo(LAST_0_1_MIGRATION);
  if (error) throw new Error('the 0.1 migrations failed', { cause: error });
  assert.deepEqual(results?.map((r) => r.migrationName), ['0001_initial', LAST_0_1_MIGRATION]);
}

/**
 * Makes the credentials with the engine on a memory store, then writes its rows into the 0.1-shaped database in
 * 0.1's columns only (no email_verified, no revocations.changed_at, no audit rows or one-time tokens).
 */
async function fill0_1(db: Untyped, clock: FakeClock): Promise<OldCredentials> {
  const memory = createMemoryStore();
  const engine = await createGatehouse({ store: memory, clock, secret: SECRET });
  const user = await engine.register({ email: EMAIL, password: PASSWORD }, CONTEXT);
  const session = opened(await engine.login({ email: EMAIL, password: PASSWORD }, CONTEXT, 'session'));
  const { tokens } = opened(await engine.login({ email: EMAIL, password: PASSWORD }, CONTEXT, 'token'));
  const revoked = opened(await engine.login({ email: EMAIL, password: PASSWORD }, CONTEXT, 'token'));
  const principal = await engine.authenticateBearer(revoked.tokens.accessToken);
  assert.ok(principal);
  await engine.logout(principal);
  await engine.close();

  const now = clock();
  const u = await memory.users.findById(user.id);
  assert.ok(u);
  await db.insertInto('users').values({
    id: u.id, email: u.email, password_hash: u.passwordHash, roles: JSON.stringify(u.roles), created_at: u.createdAt, updated_at: u.updatedAt,
  }).execute();
  for (const k of await memory.keys.list()) {
    await db.insertInto('signing_keys').values({
      kid: k.kid, alg: k.alg, public_jwk: JSON.stringify(k.publicJwk), private_key_encrypted: k.privateKeyEncrypted,
      created_at: k.createdAt, activates_at: k.activatesAt, retired_at: k.retiredAt, expires_at: k.expiresAt,
    }).execute();
  }
  for (const s of await memory.sessions.listByUser(u.id, now)) {
    await db.insertInto('sessions').values({
      id: s.id, secret_hash: s.secretHash, user_id: s.userId, created_at: s.createdAt, last_active_at: s.lastActiveAt,
      expires_at: s.expiresAt, absolute_expires_at: s.absoluteExpiresAt, user_agent: s.userAgent, ip: s.ip, data: null,
    }).execute();
  }
  for (const id of [tokens.sessionId, revoked.tokens.sessionId]) {
    const f = await memory.refreshTokens.getFamily(id);
    assert.ok(f);
    await db.insertInto('refresh_families').values({
      id: f.id, user_id: f.userId, mode: f.mode, created_at: f.createdAt, last_used_at: f.lastUsedAt, expires_at: f.expiresAt,
      absolute_expires_at: f.absoluteExpiresAt, revoked_at: f.revokedAt, user_agent: f.userAgent, ip: f.ip,
    }).execute();
  }
  for (const refresh of [tokens.refreshToken, revoked.tokens.refreshToken]) {
    const t = await memory.refreshTokens.getToken(refresh.split('.')[0] ?? '');
    assert.ok(t);
    await db.insertInto('refresh_tokens').values({
      id: t.id, family_id: t.familyId, secret_hash: t.secretHash, created_at: t.createdAt, used_at: t.usedAt, successor_id: t.successorId,
    }).execute();
  }
  const revocations = await memory.revocations.list(now);
  assert.ok(revocations.length > 0);
  for (const r of revocations) {
    await db.insertInto('revocations').values({ kind: r.kind, subject: r.subject, revoked_at: r.revokedAt, expires_at: r.expiresAt }).execute();
  }
  await memory.close();
  return {
    userId: u.id, sessionToken: session.session.token, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken,
    revokedAccessToken: revoked.tokens.accessToken,
  };
}

/** Today's engine on the upgraded store: everything from 0.1 still there and working, the new tables usable. */
async function checkUpgraded(store: Store, clock: FakeClock, old: OldCredentials): Promise<void> {
  const engine = await createGatehouse({ store, clock, secret: SECRET });
  try {
    const user = await store.users.findByEmail(EMAIL);
    assert.ok(user);
    assert.equal(user.id, old.userId);
    assert.equal(user.emailVerified, false, 'existing users start unverified (0005)');

    assert.equal((await engine.validateSession(old.sessionToken))?.session.userId, old.userId, 'the old session cookie');
    assert.equal((await engine.authenticateBearer(old.accessToken))?.userId, old.userId, 'the old access token');
    assert.equal(await engine.authenticateBearer(old.revokedAccessToken), null, 'the token logged out under 0.1');
    const pair = await engine.refresh(old.refreshToken);
    assert.ok(await engine.authenticateBearer(pair.accessToken), 'the old refresh token rotates');

    // 0007_auth_proof: rows from before step-up read as proven by password when they were created.
    const oldSession = (await engine.validateSession(old.sessionToken))?.session;
    assert.ok(oldSession);
    assert.deepEqual([oldSession.authTime, oldSession.amr], [oldSession.createdAt, ['pwd']], 'the old session\'s proof');
    const oldFamily = await store.refreshTokens.getFamily(pair.sessionId);
    assert.ok(oldFamily);
    assert.deepEqual([oldFamily.authTime, oldFamily.amr], [oldFamily.createdAt, ['pwd']], 'the old family\'s proof');
    const refreshed = await engine.verifyAccessToken(pair.accessToken);
    assert.deepEqual([refreshed?.auth_time, refreshed?.amr], [Math.floor(oldFamily.createdAt / 1000), ['pwd']], 'the refreshed token carries it');

    const login = opened(await engine.login({ email: EMAIL, password: PASSWORD }, CONTEXT, 'session'));
    assert.ok(await engine.validateSession(login.session.token), 'the old password logs in');
    assert.equal((await engine.listSessions(old.userId, null)).length, 3, 'the old session, the old family, the new session');

    // The tables added since 0.1: the audit trail and one-time tokens.
    const events = (await engine.listAuditEvents(old.userId, { limit: 10 })).events.map((e) => e.type);
    assert.ok(events.includes('login.succeeded'), events.join());
    const now = clock();
    await store.oneTimeTokens.issue({ id: 'upgrade-ott', secretHash: 'x', userId: old.userId, purpose: 'verify_email', data: null, createdAt: now, expiresAt: now + 60_000 });
    assert.equal((await store.oneTimeTokens.consume('upgrade-ott'))?.userId, old.userId);
    assert.ok(await store.users.setEmailVerified(old.userId, true, now));
    assert.equal((await store.users.findById(old.userId))?.emailVerified, true);
  } finally {
    await engine.close();
  }
}

describe('upgrading a 0.1 SQLite database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-upgrade-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('migrates it in place on open, keeping every credential', async () => {
    const path = join(dir, 'gatehouse-0.1.db');
    const { default: BetterSqlite3 } = await import('better-sqlite3');
    const clock = fakeClock();
    const db: Untyped = new Kysely({ dialect: new SqliteDialect({ database: new BetterSqlite3(path) }) });
    let old: OldCredentials;
    try {
      await migrateTo0_1(db, 'sqlite');
      old = await fill0_1(db, clock);
    } finally {
      await db.destroy();
    }
    clock.advance(60_000);
    const store = await createSqliteStore({ path });
    try {
      await checkUpgraded(store, clock, old);
    } finally {
      await store.close();
    }
  });
});

describeOrSkip('upgrading a 0.1 PostgreSQL schema', SKIP_POSTGRES, () => {
  it('migrates it in place on open, keeping every credential', async () => {
    const schema = uniqueName('gh_upgrade');
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.end();
    try {
      const clock = fakeClock();
      const pool = new pg.Pool({ connectionString: POSTGRES_URL, options: `-c search_path=${schema}` });
      const db: Untyped = new Kysely({ dialect: new PostgresDialect({ pool }) });
      let old: OldCredentials;
      try {
        await migrateTo0_1(db, 'postgres', schema);
        old = await fill0_1(db, clock);
      } finally {
        await db.destroy();
      }
      clock.advance(60_000);
      const store = await createPostgresStore({ connectionString: POSTGRES_URL!, schema });
      try {
        await checkUpgraded(store, clock, old);
      } finally {
        await store.close();
      }
    } finally {
      await dropSchema(POSTGRES_URL!, schema);
    }
  });
});
