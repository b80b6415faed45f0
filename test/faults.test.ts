// Owns the fault tests of scale-out (issue 5, item 4): Redis and PostgreSQL killed and restarted, cut off
// and frozen (through a proxy) under a loop of requests, on throwaway servers this file starts on free ports
// (never the shared services). Each answer is tallied: credentials that are valid get 200 or 503
// `unavailable`, revoked ones 401 or 503, nothing else and never a hang; /readyz follows the outage; the
// instance recovers by itself (times reported as diagnostics); an instance cut off from the revocation bus
// honours what was revoked meanwhile; the real `gatehouse serve` process survives connections dropped
// mid-query; 100 failovers leak no connection; a Redis restart without persistence forgets no revocation.
// Over 300 lines: each outage scenario shares the throwaway services and request loop set up once per suite.

import assert from 'node:assert/strict';
import { after, before, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import pg from 'pg';
import { engineInternals } from '../src/core/internals.js';
import { createPostgresStore } from '../src/stores/postgres/index.js';
import { createRedisBackend, withRedis } from '../src/stores/redis/index.js';
import { bearer, createClient, fakeClock, PASSWORD, register, signedIn, startTestServer, tokenLogin, type Client, type FakeClock, type TestServer } from './helpers.js';
import { describeOrSkip, uniqueName } from './support-services.js';
import {
  SKIP_POSTGRES_SERVER,
  SKIP_REDIS_SERVER,
  probe,
  startPostgresServer,
  startProxy,
  startRedisServer,
  startRequestLoop,
  startServeProcess,
  until,
  type Answer,
  type PostgresServer,
  type RedisServer,
  type RequestLoop,
  type ServeProcess,
  type Sample,
} from './fault-kit.js';

const SECRET = 'fault-tests-secret-0123456789-abcdefghijklmnop';
/** No request may take longer than this to answer, whatever is down. */
const BOUND_MS = 3000;
const POOL_SIZE = 4;
/**
 * How soon an instance must notice a Redis that stopped answering with its sockets open (the bus heartbeat in
 * stores/redis/bus.ts: a ping every second, dropped when unanswered for a second), plus a margin. Until then it
 * still accepts tokens revoked elsewhere, so this bounds how stale a frozen instance may be.
 */
const FREEZE_DETECTION_MS = 3000;

interface InstanceOptions {
  pgUrl: string;
  redisUrl: string;
  schema: string;
  prefix: string;
  clock: FakeClock;
}

/** A Gatehouse instance on PostgreSQL + Redis with short, bounded timeouts. */
async function startInstance(o: InstanceOptions): Promise<TestServer> {
  const sql = await createPostgresStore({ connectionString: o.pgUrl, schema: o.schema, poolSize: POOL_SIZE, statementTimeoutMs: 500, connectTimeoutMs: 500 });
  let store;
  try {
    store = withRedis(sql, await createRedisBackend({ url: o.redisUrl, prefix: o.prefix, commandTimeoutMs: 500, connectTimeoutMs: 500 }));
  } catch (error) {
    await sql.close();
    throw error;
  }
  try {
    return await startTestServer({ store, clock: o.clock, options: { secret: SECRET, loginIpLimit: 1_000_000, loginAccountLimit: 10_000 } });
  } catch (error) {
    await store.close();
    throw error;
  }
}

const names = () => ({ schema: uniqueName('ghfault'), prefix: `${uniqueName('ghfault')}:`, clock: fakeClock() });
/** The same URL through the proxy. */
const via = (url: string, proxy: { port: number }) => {
  const parsed = new URL(url);
  parsed.port = String(proxy.port);
  return parsed.href;
};
const cookieOf = (client: Client) => [...client.jar].map(([name, value]) => `${name}=${value}`).join('; ');
const auth = (token: string) => bearer(token).headers;

/** Samples that break the rule: a status outside `allowed`, a 503 that is not `unavailable`, or too slow. */
function wrong(samples: Sample[], allowed: number[]): Sample[] {
  return samples.filter((s) => !allowed.includes(s.status) || (s.status === 503 && s.code !== 'unavailable') || s.ms > BOUND_MS);
}

/** Time from `from` until the first answer with `status` (sent after `from`) came back. */
async function firstAnswer(loop: RequestLoop, name: string, status: number, from: number, timeoutMs = 10_000): Promise<number> {
  await until(`${name} → ${status}`, () => loop.of(name, from).some((s) => s.status === status), { timeoutMs });
  const sample = loop.of(name, from).find((s) => s.status === status)!;
  return sample.at + sample.ms - from;
}

function report(t: TestContext, loop: RequestLoop, probes: string[]): void {
  for (const name of probes) {
    const samples = loop.of(name);
    const slowest = Math.max(...samples.map((s) => s.ms));
    t.diagnostic(`${name}: ${JSON.stringify(loop.tally(name))} (slowest ${slowest} ms)`);
  }
}

async function expectStatus(url: string, path: string, headers: Record<string, string>, status: number, what: string): Promise<void> {
  const answer: Answer = await probe(url, path, { headers });
  assert.equal(answer.status, status, `${what}: ${JSON.stringify(answer)}`);
}

const logout = async (server: TestServer, token: string) => {
  const response = await createClient(server).post('/auth/logout', undefined, bearer(token));
  assert.equal(response.status, 204, response.text);
  return Date.now();
};

const SKIP = SKIP_REDIS_SERVER || SKIP_POSTGRES_SERVER;

describeOrSkip('faults: Redis and PostgreSQL outages', SKIP, () => {
  // The file's own servers, never killed; a test that kills one starts its own.
  let postgres: PostgresServer;
  let redis: RedisServer;
  before(async () => {
    postgres = await startPostgresServer();
    redis = await startRedisServer({ persistent: true });
  });
  after(async () => {
    await Promise.allSettled([postgres?.stop(), redis?.stop()]);
  });

  it('Redis killed and restarted under load: valid credentials get 200 or 503, a revoked token 401 or 503, never a hang; it recovers', { timeout: 30_000 }, async (t) => {
    const ownRedis = await startRedisServer({ persistent: true }); // documented setting: AOF, fsync always
    let server: TestServer | undefined;
    let loop: RequestLoop | undefined;
    try {
      server = await startInstance({ pgUrl: await postgres.createDatabase(uniqueName('ghfault')), redisUrl: ownRedis.url, ...names() });
      const { url } = server;
      const cookie = cookieOf((await signedIn(server)).client);
      const email = await register(server);
      const valid = await tokenLogin(server, email);
      const revoked = await tokenLogin(server, email);
      await logout(server, revoked.access_token); // before the outage
      await expectStatus(url, '/auth/me', { cookie }, 200, 'session before');
      await expectStatus(url, '/auth/me', auth(valid.access_token), 200, 'bearer before');
      await expectStatus(url, '/auth/me', auth(revoked.access_token), 401, 'revoked before');
      await expectStatus(url, '/readyz', {}, 200, 'ready before');

      loop = startRequestLoop({
        session: () => probe(url, '/auth/me', { headers: { cookie } }),
        bearer: () => probe(url, '/auth/me', { headers: auth(valid.access_token) }),
        revoked: () => probe(url, '/auth/me', { headers: auth(revoked.access_token) }),
        readyz: () => probe(url, '/readyz'),
      });
      await sleep(300);
      const downAt = Date.now();
      await ownRedis.kill('SIGKILL');
      await sleep(2000);
      const restartAt = Date.now();
      await ownRedis.start();
      const upAt = Date.now(); // answering PING
      const [bearerMs, sessionMs, readyMs, revokedMs] = await Promise.all([
        firstAnswer(loop, 'bearer', 200, upAt),
        firstAnswer(loop, 'session', 200, upAt),
        firstAnswer(loop, 'readyz', 200, upAt),
        firstAnswer(loop, 'revoked', 401, upAt),
      ]);
      await sleep(300);
      await loop.stop();

      report(t, loop, ['session', 'bearer', 'revoked', 'readyz']);
      t.diagnostic(`redis-server restart took ${upAt - restartAt} ms; recovery after it answered PING: bearer ${bearerMs} ms, session ${sessionMs} ms, /readyz ${readyMs} ms, revoked token 401 again ${revokedMs} ms`);

      assert.deepEqual(wrong(loop.of('session'), [200, 503]), [], 'session: only 200 or 503 unavailable, within the bound');
      assert.deepEqual(wrong(loop.of('bearer'), [200, 503]), [], 'bearer: only 200 or 503 unavailable, within the bound');
      assert.deepEqual(wrong(loop.of('revoked'), [401, 503]), [], 'revoked token: only 401 or 503 unavailable, within the bound');
      assert.deepEqual(wrong(loop.of('readyz'), [200, 503]), [], '/readyz: 200 or 503');
      // While Redis is certainly down, everything that needs it fails closed and /readyz says so.
      for (const name of ['session', 'bearer', 'revoked', 'readyz']) {
        const during = loop.answered(name, downAt + 300, restartAt);
        assert.ok(during.length > 10, `${name}: requests during the outage`);
        assert.deepEqual(during.filter((s) => s.status !== 503), [], `${name}: 503 throughout the outage`);
      }
      for (const ms of [bearerMs, sessionMs, readyMs]) assert.ok(ms < 5000, `recovered in ${ms} ms`);
      // The session outlived the crash (append-only file, fsync always).
      await expectStatus(url, '/auth/me', { cookie }, 200, 'session after');
    } finally {
      await loop?.stop();
      await server?.close();
      await ownRedis.stop();
    }
  });

  it('an instance cut off from Redis fails closed and honours, once back, a logout made meanwhile on another; a freeze is detected', { timeout: 40_000 }, async (t) => {
    const proxy = await startProxy(redis.port);
    const shared = names();
    let a: TestServer | undefined;
    let b: TestServer | undefined;
    let loop: RequestLoop | undefined;
    try {
      const pgUrl = await postgres.createDatabase(uniqueName('ghfault'));
      a = await startInstance({ pgUrl, redisUrl: redis.url, ...shared });
      b = await startInstance({ pgUrl, redisUrl: via(redis.url, proxy), ...shared });
      const email = await register(a);
      const [cutToken, frozenToken, blindToken, keep] = [await tokenLogin(a, email), await tokenLogin(a, email), await tokenLogin(a, email), await tokenLogin(a, email)];
      const cookie = cookieOf((await signedIn(a)).client);
      const bUrl = b.url;
      for (const token of [cutToken, frozenToken, blindToken, keep]) await expectStatus(bUrl, '/auth/me', auth(token.access_token), 200, 'B before');
      await expectStatus(bUrl, '/auth/me', { cookie }, 200, 'session made on A, on B');

      loop = startRequestLoop({
        keep: () => probe(bUrl, '/auth/me', { headers: auth(keep.access_token) }),
        cut: () => probe(bUrl, '/auth/me', { headers: auth(cutToken.access_token) }),
        frozen: () => probe(bUrl, '/auth/me', { headers: auth(frozenToken.access_token) }),
        blind: () => probe(bUrl, '/auth/me', { headers: auth(blindToken.access_token) }),
        session: () => probe(bUrl, '/auth/me', { headers: { cookie } }),
        readyz: () => probe(bUrl, '/readyz'),
      });
      await sleep(200);

      // Cut: B's connections are reset; it must stop answering 200 for bearer tokens at once.
      const cutAt = Date.now();
      proxy.cut();
      const cutDetectedMs = await firstAnswer(loop, 'keep', 503, cutAt, 3000);
      const cutLogoutAt = await logout(a, cutToken.access_token);
      await sleep(800);
      const cutWhileOut = loop.of('cut', cutLogoutAt);
      const restoreAt = Date.now();
      proxy.restore();
      const cutRefusedMs = await firstAnswer(loop, 'cut', 401, restoreAt);
      const cutKeepMs = await firstAnswer(loop, 'keep', 200, restoreAt);

      // Freeze: bytes stop, sockets stay open. The heartbeat (1 s) notices; commands time out (500 ms).
      await sleep(300);
      const freezeAt = Date.now();
      proxy.freeze();
      const blindLogoutAt = await logout(a, blindToken.access_token); // before B can know it is frozen
      const freezeDetectedMs = await firstAnswer(loop, 'keep', 503, freezeAt, 10_000);
      const frozenLogoutAt = await logout(a, frozenToken.access_token); // after B knows
      await sleep(500);
      const thawAt = Date.now();
      proxy.restore();
      const frozenRefusedMs = await firstAnswer(loop, 'frozen', 401, thawAt);
      const frozenKeepMs = await firstAnswer(loop, 'keep', 200, thawAt);
      await firstAnswer(loop, 'blind', 401, thawAt);
      await sleep(300);
      await loop.stop();

      report(t, loop, ['keep', 'cut', 'frozen', 'blind', 'session', 'readyz']);
      const blindAccepted = loop.of('blind', blindLogoutAt).filter((s) => s.status === 200);
      const blindLast = blindAccepted.length > 0 ? Math.max(...blindAccepted.map((s) => s.at + s.ms)) - freezeAt : 0;
      t.diagnostic(`cut: B answered 503 after ${cutDetectedMs} ms; after restore, the token logged out on A meanwhile refused (401) in ${cutRefusedMs} ms, valid token 200 in ${cutKeepMs} ms`);
      t.diagnostic(`freeze: B answered 503 after ${freezeDetectedMs} ms; after thaw, logout made meanwhile refused in ${frozenRefusedMs} ms, valid token 200 in ${frozenKeepMs} ms`);
      t.diagnostic(`freeze blind window: a token logged out on A right after the freeze was still accepted by B ${blindAccepted.length} times, the last answer ${blindLast} ms after the freeze began`);

      assert.ok(cutWhileOut.length > 3 && cutWhileOut.every((s) => s.status === 503), `B answers 503, not 200, while cut off: ${JSON.stringify(cutWhileOut.map((s) => s.status))}`);
      assert.deepEqual(loop.of('cut', cutLogoutAt).filter((s) => s.status === 200), [], 'B never accepted the token logged out while it was cut off');
      assert.deepEqual(loop.of('frozen', frozenLogoutAt).filter((s) => s.status === 200), [], 'B never accepted the token logged out while it was frozen');
      assert.ok(freezeDetectedMs <= FREEZE_DETECTION_MS, `a freeze is detected within ${FREEZE_DETECTION_MS} ms (took ${freezeDetectedMs} ms)`);
      assert.ok(blindLast <= FREEZE_DETECTION_MS, `tokens revoked elsewhere are accepted by a frozen instance for at most ${FREEZE_DETECTION_MS} ms (${blindLast} ms)`);
      for (const name of ['keep', 'session', 'readyz']) assert.deepEqual(wrong(loop.of(name), [200, 503]), [], `${name}: 200 or 503 within the bound`);
      for (const name of ['cut', 'frozen', 'blind']) {
        assert.deepEqual(wrong(loop.of(name), [200, 401, 503]), [], `${name}: within the bound`);
      }
    } finally {
      await loop?.stop();
      await b?.close();
      await a?.close();
      await proxy.close();
    }
  });

  it('PostgreSQL killed and restarted: login, register and /auth/me answer 503 unavailable in bounded time, /readyz 503, then recover by themselves', { timeout: 30_000 }, async (t) => {
    const ownPostgres = await startPostgresServer();
    let server: TestServer | undefined;
    let loop: RequestLoop | undefined;
    try {
      server = await startInstance({ pgUrl: ownPostgres.url, redisUrl: redis.url, ...names() });
      const { url } = server;
      const cookie = cookieOf((await signedIn(server)).client);
      const email = await register(server);
      const { access_token: token } = await tokenLogin(server, email);
      let n = 0;
      loop = startRequestLoop({
        login: () => probe(url, '/auth/login', { body: { email, password: PASSWORD, mode: 'token' } }),
        register: () => probe(url, '/auth/register', { body: { email: `pgfault${n++}-${Date.now()}@example.com`, password: PASSWORD } }),
        session: () => probe(url, '/auth/me', { headers: { cookie } }),
        bearer: () => probe(url, '/auth/me', { headers: auth(token) }),
        readyz: () => probe(url, '/readyz'),
        healthz: () => probe(url, '/healthz'),
      }, 50);
      await sleep(300);
      const downAt = Date.now();
      await ownPostgres.kill('immediate');
      await sleep(2000);
      const restartAt = Date.now();
      await ownPostgres.start();
      const upAt = Date.now();
      const recovery = await Promise.all([
        firstAnswer(loop, 'login', 200, upAt),
        firstAnswer(loop, 'register', 201, upAt),
        firstAnswer(loop, 'session', 200, upAt),
        firstAnswer(loop, 'bearer', 200, upAt),
        firstAnswer(loop, 'readyz', 200, upAt),
      ]);
      await sleep(300);
      await loop.stop();

      report(t, loop, ['login', 'register', 'session', 'bearer', 'readyz', 'healthz']);
      t.diagnostic(`PostgreSQL restart took ${upAt - restartAt} ms; recovery after it accepted connections: login ${recovery[0]} ms, register ${recovery[1]} ms, session ${recovery[2]} ms, bearer ${recovery[3]} ms, /readyz ${recovery[4]} ms`);

      const ok = { login: 200, register: 201, session: 200, bearer: 200, readyz: 200, healthz: 200 };
      for (const [name, status] of Object.entries(ok)) {
        assert.deepEqual(wrong(loop.of(name), name === 'healthz' ? [200] : [status, 503]), [], `${name}: ${status} or 503 unavailable, within the bound`);
      }
      for (const name of ['login', 'register', 'session', 'bearer', 'readyz']) {
        const during = loop.answered(name, downAt + 300, restartAt);
        assert.ok(during.length > 5, `${name}: requests during the outage`);
        assert.deepEqual(during.filter((s) => s.status !== 503 || s.code !== 'unavailable'), [], `${name}: 503 unavailable throughout the outage`);
      }
      for (const ms of recovery) assert.ok(ms < 5000, `recovered in ${ms} ms`);
    } finally {
      await loop?.stop();
      await server?.close();
      await ownPostgres.stop();
    }
  });

  it('PostgreSQL frozen (no answer, sockets open): requests answer 503 within the bound, not a hang, and recover after', { timeout: 30_000 }, async (t) => {
    const proxy = await startProxy(postgres.port);
    let server: TestServer | undefined;
    let loop: RequestLoop | undefined;
    try {
      server = await startInstance({ pgUrl: via(await postgres.createDatabase(uniqueName('ghfault')), proxy), redisUrl: redis.url, ...names() });
      const { url } = server;
      const email = await register(server);
      const { access_token: token } = await tokenLogin(server, email);
      loop = startRequestLoop({
        login: () => probe(url, '/auth/login', { body: { email, password: PASSWORD, mode: 'token' } }),
        bearer: () => probe(url, '/auth/me', { headers: auth(token) }),
        readyz: () => probe(url, '/readyz'),
      }, 50);
      await sleep(300);
      const freezeAt = Date.now();
      proxy.freeze();
      const detectedMs = await firstAnswer(loop, 'bearer', 503, freezeAt);
      await sleep(2500);
      const thawAt = Date.now();
      proxy.restore();
      const recovery = await Promise.all([firstAnswer(loop, 'login', 200, thawAt), firstAnswer(loop, 'bearer', 200, thawAt), firstAnswer(loop, 'readyz', 200, thawAt)]);
      await sleep(300);
      await loop.stop();

      report(t, loop, ['login', 'bearer', 'readyz']);
      t.diagnostic(`frozen PostgreSQL: first 503 on a request sent after the freeze came ${detectedMs} ms after it; recovery after thaw: login ${recovery[0]} ms, bearer ${recovery[1]} ms, /readyz ${recovery[2]} ms`);
      for (const name of ['login', 'bearer', 'readyz']) {
        assert.deepEqual(wrong(loop.of(name), [200, 503]), [], `${name}: 200 or 503 unavailable within ${BOUND_MS} ms`);
        const during = loop.answered(name, freezeAt, thawAt);
        assert.ok(during.length > 0 && during.every((s) => s.status === 503), `${name}: 503 while frozen: ${JSON.stringify(during)}`);
      }
    } finally {
      await loop?.stop();
      await server?.close();
      await proxy.close();
    }
  });

  it('gatehouse serve (the real process) stays up when PostgreSQL or Redis drops connections in the middle of requests', { timeout: 40_000 }, async (t) => {
    const pgProxy = await startProxy(postgres.port);
    const redisProxy = await startProxy(redis.port);
    let proc: ServeProcess | undefined;
    try {
      proc = await startServeProcess({
        GATEHOUSE_DATABASE_URL: via(await postgres.createDatabase(uniqueName('ghfault')), pgProxy),
        GATEHOUSE_REDIS_URL: via(redis.url, redisProxy),
        GATEHOUSE_REDIS_PREFIX: `${uniqueName('ghfault')}:`,
        GATEHOUSE_SECRET: SECRET,
      });
      const running = proc;
      const target = { url: running.url, origin: running.url };
      const email = await register(target);
      const { access_token: token } = await tokenLogin(target, email);
      await expectStatus(running.url, '/readyz', {}, 200, 'ready');

      for (const [service, proxy] of [['PostgreSQL', pgProxy], ['Redis', redisProxy]] as const) {
        // Requests whose queries are on the wire when the connections drop.
        proxy.freeze();
        const inFlight = Promise.all([
          probe(running.url, '/readyz'),
          probe(running.url, '/auth/me', { headers: auth(token) }),
          probe(running.url, '/auth/login', { body: { email, password: PASSWORD, mode: 'token' } }),
        ]);
        await sleep(300);
        proxy.cut();
        const answers = await inFlight;
        await sleep(500);
        assert.ok(running.alive(), `the process died when ${service} dropped its connections:\n${running.output().slice(-1200)}`);
        proxy.restore();
        const restoredAt = Date.now();
        await until(`/readyz after ${service} came back`, async () => (await probe(running.url, '/readyz')).status === 200, { timeoutMs: 10_000 });
        const recoveredMs = Date.now() - restoredAt;
        await expectStatus(running.url, '/auth/me', auth(token), 200, `bearer after ${service} came back`);
        t.diagnostic(`${service} dropped mid-request: answers ${JSON.stringify(answers.map((a) => `${a.status} ${a.code ?? ''} ${a.ms} ms`))}; ready again ${recoveredMs} ms after restore`);
        for (const answer of answers) assert.ok([200, 503].includes(answer.status) && answer.ms <= BOUND_MS && (answer.status === 200 || answer.code === 'unavailable'), JSON.stringify(answer));
        assert.ok(running.alive(), `alive after ${service} came back`);
      }
    } finally {
      await proc?.kill();
      await Promise.allSettled([pgProxy.close(), redisProxy.close()]);
    }
  });

  it('100 failovers each of PostgreSQL and Redis leak no connection and leave the instance working', { timeout: 180_000 } /* about 25 s on a quiet machine; the bound is for a hang, not for speed */, async (t) => {
    const ownPostgres = await startPostgresServer();
    const ownRedis = await startRedisServer({ persistent: false });
    const pgProxy = await startProxy(ownPostgres.port);
    const redisProxy = await startProxy(ownRedis.port);
    const admin = new pg.Client({ connectionString: ownPostgres.url });
    const redisAdmin = new Redis(ownRedis.url, { lazyConnect: true });
    let server: TestServer | undefined;
    try {
      await admin.connect();
      await redisAdmin.connect();
      server = await startInstance({
        pgUrl: `${via(ownPostgres.url, pgProxy)}?application_name=gatehouse_leak`,
        redisUrl: via(ownRedis.url, redisProxy),
        ...names(),
      });
      const { url, server: gatehouseServer } = server;
      const cookie = cookieOf((await signedIn(server)).client);
      const { access_token: token } = await tokenLogin(server, await register(server));
      const pgConnections = async () =>
        Number((await admin.query<{ n: string }>("select count(*) as n from pg_stat_activity where application_name = 'gatehouse_leak'")).rows[0]!.n);
      const redisConnections = async () => (await redisAdmin.client('LIST') as string).trim().split('\n').length - 1; // less the admin's own
      const before = { pg: await pgConnections(), redis: await redisConnections() };

      const tally: Record<string, number> = {};
      const count = (answer: Answer, allowed: number[]) => {
        const key = allowed.includes(answer.status) && answer.ms <= BOUND_MS && (answer.status !== 503 || answer.code === 'unavailable') ? String(answer.status) : `wrong ${answer.status}`;
        tally[key] = (tally[key] ?? 0) + 1;
      };
      /** One request at once, then retries until both credentials work again. */
      const recover = async () => {
        const started = Date.now();
        for (;;) {
          const [session, bearerAnswer] = await Promise.all([probe(url, '/auth/me', { headers: { cookie } }), probe(url, '/auth/me', { headers: auth(token) })]);
          count(session, [200, 503]);
          count(bearerAnswer, [200, 503]);
          if (session.status === 200 && bearerAnswer.status === 200) return Date.now() - started;
          if (Date.now() - started > 5000) throw new Error(`no recovery: session ${session.status}, bearer ${bearerAnswer.status}`);
          await sleep(10);
        }
      };

      const pgTimes: number[] = [];
      for (let i = 0; i < 100; i++) {
        pgProxy.cut();
        await sleep(5);
        pgProxy.restore();
        pgTimes.push(await recover());
      }
      const redisTimes: number[] = [];
      for (let i = 0; i < 100; i++) {
        redisProxy.cut();
        await until('the instance to notice the cut', () => !gatehouseServer.gatehouse.revocationFeed.live, { timeoutMs: 2000 });
        redisProxy.restore();
        redisTimes.push(await recover());
      }

      const settle = async (read: () => Promise<number>, bound: number) => {
        let n = await read();
        for (let i = 0; i < 100 && n > bound; i++) {
          await sleep(20);
          n = await read();
        }
        return n;
      };
      const afterFailovers = { pg: await settle(pgConnections, POOL_SIZE + 1), redis: await settle(redisConnections, 2) };
      const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
      t.diagnostic(`answers during the failovers: ${JSON.stringify(tally)}`);
      t.diagnostic(`PostgreSQL: ${before.pg} connections before, ${afterFailovers.pg} after 100 failovers (pool ${POOL_SIZE}); proxy pairs open ${pgProxy.open}; recovery median ${median(pgTimes)} ms, max ${Math.max(...pgTimes)} ms`);
      t.diagnostic(`Redis: ${before.redis} connections before, ${afterFailovers.redis} after 100 failovers; proxy pairs open ${redisProxy.open}; recovery median ${median(redisTimes)} ms, max ${Math.max(...redisTimes)} ms`);

      assert.deepEqual(Object.keys(tally).filter((key) => key.startsWith('wrong')), [], 'only 200 or 503 unavailable, within the bound');
      assert.ok(afterFailovers.pg <= POOL_SIZE + 1, `PostgreSQL connections bounded by the pool: ${afterFailovers.pg}`);
      assert.ok(pgProxy.open <= POOL_SIZE + 1, `PostgreSQL sockets bounded by the pool: ${pgProxy.open}`);
      assert.ok(afterFailovers.redis <= 2, `Redis connections: a command connection and a subscriber (${afterFailovers.redis})`);
      assert.ok(redisProxy.open <= 2, `Redis sockets: ${redisProxy.open}`);
      await expectStatus(url, '/readyz', {}, 200, 'ready after the failovers');
      await expectStatus(url, '/auth/me', { cookie }, 200, 'session after the failovers');
      await expectStatus(url, '/auth/me', auth(token), 200, 'bearer after the failovers');
    } finally {
      await server?.close();
      await admin.end().catch(() => {});
      redisAdmin.disconnect();
      await Promise.allSettled([pgProxy.close(), redisProxy.close()]);
      await Promise.allSettled([ownPostgres.stop(), ownRedis.stop()]);
    }
  });

  it('a Redis restart without persistence loses no revocation: jti, sid and logout-all cut-offs still hold on a fresh instance', { timeout: 30_000 }, async (t) => {
    const volatileRedis = await startRedisServer({ persistent: false });
    const shared = names();
    let first: TestServer | undefined;
    let fresh: TestServer | undefined;
    try {
      const pgUrl = await postgres.createDatabase(uniqueName('ghfault'));
      first = await startInstance({ pgUrl, redisUrl: volatileRedis.url, ...shared });
      const server = first;
      const loggedOut = await tokenLogin(server, await register(server)); // jti + sid
      const deletedUser = await register(server);
      const deleted = await tokenLogin(server, deletedUser); // its family deleted by id: sid
      const deletedCaller = await tokenLogin(server, deletedUser);
      const allEmail = await register(server);
      const cutOff = await tokenLogin(server, allEmail); // logout-all: user cut-off (+ sids)
      const control = await tokenLogin(server, await register(server)); // never revoked
      const me = async (token: string) => (await createClient(server).get('/auth/me', bearer(token))).body as { user: { id: string }; auth: { sessionId: string } };
      const cutOffUserId = (await me(cutOff.access_token)).user.id;
      const deletedSid = (await me(deleted.access_token)).auth.sessionId;

      server.clock.advance(2000); // the cut-off is seconds after the tokens' iat
      await logout(server, loggedOut.access_token);
      assert.equal((await createClient(server).delete(`/auth/sessions/${deletedSid}`, bearer(deletedCaller.access_token))).status, 204);
      assert.equal((await createClient(server).post('/auth/logout-all', undefined, bearer(cutOff.access_token))).status, 204);
      const revoked = { loggedOut: loggedOut.access_token, deleted: deleted.access_token, cutOff: cutOff.access_token };
      for (const [what, token] of Object.entries(revoked)) await expectStatus(server.url, '/auth/me', auth(token), 401, `${what} before the restart`);

      await volatileRedis.kill('SIGKILL');
      await volatileRedis.start();
      const probeRedis = new Redis(volatileRedis.url);
      const keysLeft = await probeRedis.dbsize().finally(() => probeRedis.disconnect());
      assert.equal(keysLeft, 0, 'the restarted Redis kept nothing');

      fresh = await startInstance({ pgUrl, redisUrl: volatileRedis.url, ...shared });
      await expectStatus(fresh.url, '/readyz', {}, 200, 'fresh instance ready');
      for (const [what, token] of Object.entries(revoked)) await expectStatus(fresh.url, '/auth/me', auth(token), 401, `${what} on a fresh instance after the restart`);
      await expectStatus(fresh.url, '/auth/me', auth(control.access_token), 200, 'a token never revoked still works');
      // The first instance, reconnected, refuses them too.
      await until('the first instance to be ready again', async () => (await probe(server.url, '/readyz')).status === 200, { timeoutMs: 5000 });
      for (const [what, token] of Object.entries(revoked)) await expectStatus(server.url, '/auth/me', auth(token), 401, `${what} on the reconnected instance`);

      // Each kind is there, and the logout-all cut-off on its own refuses any earlier token of that user.
      const now = fresh.clock();
      const kinds = new Set((await fresh.store.revocations.list(now)).map((r) => r.kind));
      assert.deepEqual([...kinds].sort(), ['jti', 'sid', 'user']);
      const earlier = Math.floor(now / 1000) - 10;
      assert.equal(engineInternals(fresh.server.gatehouse).revocations.isRevoked({ jti: 'unrelated', sid: 'unrelated', sub: cutOffUserId, iat: earlier }, now), true, 'user cut-off held');
      t.diagnostic(`after a Redis restart without persistence: ${(await fresh.store.revocations.list(now)).length} revocations read back from PostgreSQL (kinds ${[...kinds].join(', ')})`);
    } finally {
      await fresh?.close();
      await first?.close();
      await volatileRedis.stop();
    }
  });
});
