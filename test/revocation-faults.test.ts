// Owns the fault tests of the revocation path (issue 13, items 8 and 10), with real instances on the shared
// PostgreSQL (a schema each) and a throwaway Redis (fault-kit.ts): a verifier following an instance that lost
// its revocation bus fails closed once its bound passes, across reconnects, and recovers; a revocation whose
// publish fails (Redis refusing PUBLISH, every other command working) is stored whole — a bearer logout still
// revokes the refresh family, logout-all everything — and another instance refuses it within RECONCILE_MS.
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { GatehouseError } from '../src/core/errors.js';
import { RECONCILE_MS } from '../src/core/revocation.js';
import type { Store } from '../src/core/store.js';
import { createPostgresStore } from '../src/stores/postgres/index.js';
import { createRedisBackend, withRedis } from '../src/stores/redis/index.js';
import { createVerifier, type Verifier } from '../src/verify/verifier.js';
import { SKIP_REDIS_SERVER, startProxy, startRedisServer, until, type FaultProxy, type RedisServer } from './fault-kit.js';
import { bearer, createClient, errorCode, PASSWORD, register, startTestServer, tokenLogin, type FakeClock, type TestServer } from './helpers.js';
import { dropSchema, POSTGRES_URL, SKIP_POSTGRES, uniqueName } from './support-services.js';

/** The verifier runs on real time, so the servers must too. */
const realClock = Object.assign(() => Date.now(), { advance() {}, set() {} }) as FakeClock;
const SECRET = 'revocation-faults-secret-0123456789-abcdefghij';
/** Allowed on top of a stated bound: a poll interval, a read, a loaded CI machine. */
const MARGIN_MS = 1000;

/** The same URL through the proxy. */
const via = (url: string, proxy: FaultProxy) => {
  const parsed = new URL(url);
  parsed.port = String(proxy.port);
  return parsed.href;
};

async function startInstance(pgUrl: string, redisUrl: string, names: { schema: string; prefix: string }): Promise<TestServer> {
  const sql = await createPostgresStore({ connectionString: pgUrl, schema: names.schema, poolSize: 2, statementTimeoutMs: 500, connectTimeoutMs: 500 });
  let store: Store;
  try {
    store = withRedis(sql, await createRedisBackend({ url: redisUrl, prefix: names.prefix, commandTimeoutMs: 500, connectTimeoutMs: 500 }));
  } catch (error) {
    await sql.close();
    throw error;
  }
  try {
    return await startTestServer({ store, clock: realClock, options: { secret: SECRET, loginIpLimit: 1_000_000, refreshGraceSeconds: 0 } });
  } catch (error) {
    await store.close();
    throw error;
  }
}

/** What verify did: `valid` (claims), null (refused), or the code of the GatehouseError it threw. */
async function outcome(verifier: Verifier, token: string): Promise<string | null> {
  try {
    return (await verifier.verify(token)) ? 'valid' : null;
  } catch (error) {
    if (error instanceof GatehouseError) return error.code;
    throw error;
  }
}

const status = async (server: TestServer, path: string, headers: Record<string, string>) => (await createClient(server).get(path, { headers })).status;

describe('revocation faults: a feed server without its bus, a publish that fails', { skip: SKIP_REDIS_SERVER || SKIP_POSTGRES }, () => {
  let redis: RedisServer;
  const schemas: string[] = [];
  const names = () => {
    const schema = uniqueName('ghrevfault');
    schemas.push(schema);
    return { schema, prefix: `${schema}:` };
  };
  before(async () => {
    redis = await startRedisServer({ persistent: false });
  });
  after(async () => {
    await redis?.stop();
    for (const schema of schemas) await dropSchema(POSTGRES_URL!, schema);
  });

  it('a verifier on an instance cut off from Redis (and PostgreSQL) fails closed past maxStalenessMs, across reconnects, then recovers', { timeout: 40_000 }, async (t: TestContext) => {
    const shared = names();
    const redisProxy = await startProxy(redis.port);
    const pgProxy = await startProxy(Number(new URL(POSTGRES_URL!).port || 5432));
    let a: TestServer | undefined;
    let b: TestServer | undefined;
    let verifier: Verifier | undefined;
    try {
      a = await startInstance(POSTGRES_URL!, redis.url, shared);
      b = await startInstance(via(POSTGRES_URL!, pgProxy), via(redis.url, redisProxy), shared);
      const email = await register(a);
      const [revoked, kept] = [await tokenLogin(a, email), await tokenLogin(a, email)];
      const feedAnswers: { at: number; status: number }[] = [];
      const maxStalenessMs = 1500;
      verifier = createVerifier({
        jwksUrl: `${b.url}/.well-known/jwks.json`,
        revocationsUrl: `${b.url}/auth/revocations`,
        issuer: 'gatehouse',
        audience: 'gatehouse',
        maxStalenessMs,
        fetch: async (input, init) => {
          const response = await fetch(input, init);
          feedAnswers.push({ at: Date.now(), status: response.status });
          return response;
        },
      });
      await verifier.ready();
      for (const token of [revoked, kept]) assert.equal(await outcome(verifier, token.access_token), 'valid');

      // B loses its bus (and its database, so it cannot catch up from there either); A revokes meanwhile.
      redisProxy.cut();
      pgProxy.cut();
      const cutAt = Date.now();
      await until('B to notice the cut', () => !b!.server.gatehouse.revocationFeed.live, { timeoutMs: 3000 });
      const logout = await createClient(a).post('/auth/logout', undefined, bearer(revoked.access_token));
      assert.equal(logout.status, 204, logout.text);

      const refused = await fetch(`${b.url}/auth/revocations`);
      assert.equal(refused.status, 503);
      assert.equal(refused.headers.get('retry-after'), '1');
      assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'unavailable');

      // Several idle timeouts (min(maxStalenessMs, 15 s)) and reconnects later, the revoked token is never accepted past the bound.
      const seen: { at: number; result: string | null; staleness: number | null }[] = [];
      while (Date.now() - cutAt < 4 * maxStalenessMs) {
        seen.push({ at: Date.now(), result: await outcome(verifier, revoked.access_token), staleness: verifier.staleness() });
        await sleep(25);
      }
      const accepted = seen.filter((s) => s.result === 'valid');
      const late = accepted.filter((s) => s.at - cutAt > maxStalenessMs + 100);
      const reconnects = feedAnswers.filter((f) => f.at > cutAt);
      t.diagnostic(`revoked token accepted ${accepted.length} times (last ${accepted.length ? accepted.at(-1)!.at - cutAt : '-'} ms after the cut), then unavailable; ${reconnects.length} reconnects answered ${[...new Set(reconnects.map((f) => f.status))].join(', ')}; staleness at the end ${seen.at(-1)!.staleness} ms`);
      assert.deepEqual(late, [], `never accepted once the bound (${maxStalenessMs} ms) has passed`);
      assert.equal(seen.at(-1)!.result, 'unavailable');
      assert.equal(await outcome(verifier, kept.access_token), 'unavailable', 'every token: the view is stale');
      assert.ok(reconnects.length >= 2 && reconnects.every((f) => f.status === 503), `reconnects were refused: ${JSON.stringify(reconnects)}`);
      assert.ok(verifier.staleness()! > 2 * maxStalenessMs, 'reconnects did not make it fresh');

      // Back: B re-subscribes and re-reads the store; the verifier reconnects and learns of the logout.
      redisProxy.restore();
      pgProxy.restore();
      await until('the verifier to recover and refuse the revoked token', async () => (await outcome(verifier!, revoked.access_token)) === null, { timeoutMs: 15_000 });
      assert.equal(await outcome(verifier, kept.access_token), 'valid');
    } finally {
      verifier?.close();
      await b?.close();
      await a?.close();
      await redisProxy.close();
      await pgProxy.close();
    }
  });

  it('a publish that fails: logout and logout-all still store every step (503 after), and another instance refuses within RECONCILE_MS', { timeout: 40_000 }, async (t: TestContext) => {
    const shared = names();
    const admin = new Redis(redis.url);
    let a: TestServer | undefined;
    let b: TestServer | undefined;
    try {
      a = await startInstance(POSTGRES_URL!, redis.url, shared);
      b = await startInstance(POSTGRES_URL!, redis.url, shared);
      const email = await register(a);
      const single = await tokenLogin(a, email);
      const [laptop, phone] = [await tokenLogin(a, email), await tokenLogin(a, email)];
      const browser = createClient(a);
      assert.equal((await browser.post('/auth/login', { email, password: PASSWORD })).status, 200);
      const cookie = [...browser.jar].map(([name, value]) => `${name}=${value}`).join('; ');
      for (const token of [single, laptop, phone]) assert.equal(await status(b, '/auth/me', bearer(token.access_token).headers), 200);
      assert.equal(await status(b, '/auth/me', { cookie }), 200);

      // Redis refuses PUBLISH (an ACL change); sessions, families, rate limits and subscriptions work on.
      await admin.call('ACL', 'SETUSER', 'default', '-publish');

      const logout = await createClient(a).post('/auth/logout', undefined, bearer(single.access_token));
      const loggedOutAt = Date.now();
      assert.equal(logout.status, 503, logout.text);
      assert.equal(errorCode(logout), 'unavailable');
      const refresh = await createClient(b).post('/auth/refresh', { refresh_token: single.refresh_token });
      assert.equal(refresh.status, 401, `the refresh family is revoked: ${refresh.text}`);
      assert.equal(await status(a, '/auth/me', bearer(single.access_token).headers), 401, 'refused at once where it was revoked');
      const retry = await createClient(a).post('/auth/logout', undefined, bearer(single.access_token));
      assert.equal(retry.status, 401, 'a retry is harmless');

      const all = await createClient(a).post('/auth/logout-all', undefined, bearer(laptop.access_token));
      const allAt = Date.now();
      assert.equal(all.status, 503, all.text);
      for (const token of [laptop, phone]) {
        const refreshed = await createClient(b).post('/auth/refresh', { refresh_token: token.refresh_token });
        assert.equal(refreshed.status, 401, `every family revoked: ${refreshed.text}`);
      }

      // B never got the publishes: it refuses once it has read the store (every RECONCILE_MS); the cookie
      // session, gone from Redis, once B's session cache (1 s) has let go of it.
      const refusedAfter = async (headers: Record<string, string>, since: number) => {
        await until('B to refuse the credential', async () => {
          const answer = await status(b!, '/auth/me', headers);
          assert.ok(answer === 200 || answer === 401, `200 or 401, got ${answer}`);
          return answer === 401;
        }, { timeoutMs: RECONCILE_MS + 5000 });
        return Date.now() - since;
      };
      const delays = [
        await refusedAfter(bearer(single.access_token).headers, loggedOutAt),
        await refusedAfter(bearer(laptop.access_token).headers, allAt),
        await refusedAfter(bearer(phone.access_token).headers, allAt),
        await refusedAfter({ cookie }, allAt),
      ];
      t.diagnostic(`with PUBLISH refused, B refused the revoked tokens and the session after ${delays.join(', ')} ms (bound ${RECONCILE_MS} ms)`);
      for (const delay of delays) assert.ok(delay <= RECONCILE_MS + MARGIN_MS, `refused within RECONCILE_MS (${delay} ms)`);
    } finally {
      await admin.call('ACL', 'SETUSER', 'default', '+publish').catch(() => {});
      admin.disconnect();
      await b?.close();
      await a?.close();
    }
  });
});
