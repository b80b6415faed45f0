// Scale-out over real sockets: three Gatehouse instances sharing one PostgreSQL schema and one Redis key
// prefix. A session or token made on one works on every other; logout, logout-all, session delete and
// refresh-token reuse on one are refused on every other (delay measured: p50/p99); concurrent refreshes of
// one token on different instances leave one lineage; rate limits are shared; instances that boot together
// on an empty database accept each other's tokens.
import assert from 'node:assert/strict';
import { after, before, it, type TestContext } from 'node:test';
import { SKIP_CLUSTER as skip, startCluster, type Cluster } from './cluster.js';
import { bearer, createClient, errorCode, PASSWORD, register, signedIn, tokenLogin, type TestServer } from './helpers.js';
import { describeOrSkip } from './support-services.js';

const meStatus = async (server: TestServer, accessToken: string) => (await createClient(server).get('/auth/me', bearer(accessToken))).status;

/** Milliseconds from now until `server` refuses the token (401), polling; throws past `timeoutMs`. */
async function refusalDelay(server: TestServer, accessToken: string, since: number, timeoutMs = 2000): Promise<number> {
  for (;;) {
    const status = await meStatus(server, accessToken);
    if (status === 401) return performance.now() - since;
    assert.equal(status, 200, 'a token is either accepted or refused, nothing else');
    if (performance.now() - since > timeoutMs) throw new Error(`not refused within ${timeoutMs} ms`);
  }
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

function report(t: TestContext, what: string, delays: number[]): void {
  t.diagnostic(`${what}: n=${delays.length} p50 ${percentile(delays, 50).toFixed(2)} ms, p99 ${percentile(delays, 99).toFixed(2)} ms, max ${Math.max(...delays).toFixed(2)} ms`);
}

describeOrSkip('scale-out: three instances on PostgreSQL and Redis', skip, () => {
  let cluster: Cluster;
  let a: TestServer, b: TestServer, c: TestServer;
  before(async () => {
    cluster = await startCluster(3, { loginAccountLimit: 4 });
    [a, b, c] = cluster.instances as [TestServer, TestServer, TestServer];
  });
  after(() => cluster?.close());

  it('a cookie session made on one instance works on every other, and its logout holds on every other', async () => {
    const { client } = await signedIn(a);
    const elsewhere = [b, c].map((server) => {
      const other = createClient(server);
      for (const [name, value] of client.jar) other.jar.set(name, value);
      return other;
    });
    for (const other of elsewhere) assert.equal((await other.get('/auth/me')).status, 200);
    const logout = await client.post('/auth/logout', undefined, { headers: client.csrfHeaders() });
    assert.equal(logout.status, 204, logout.text);
    for (const other of elsewhere) assert.equal((await other.get('/auth/me')).status, 401);
  });

  it('a bearer token logged out on one instance is refused on the others within 100 ms', async (t) => {
    const email = await register(a);
    const delays: number[] = [];
    for (let i = 0; i < 30; i++) {
      const [issuer, checker] = i % 2 === 0 ? [a, b] : [b, c];
      const { access_token } = await tokenLogin(issuer, email);
      assert.equal(await meStatus(checker, access_token), 200);
      const logout = await createClient(issuer).post('/auth/logout', undefined, bearer(access_token));
      assert.equal(logout.status, 204, logout.text);
      delays.push(await refusalDelay(checker, access_token, performance.now()));
    }
    report(t, 'logout → refused on another instance', delays);
    assert.ok(percentile(delays, 50) < 100, `p50 ${percentile(delays, 50)} ms`);
  });

  it('logout-all, a session delete and refresh-token reuse on one instance are refused on the others', async (t) => {
    const email = await register(a);
    const delays: number[] = [];

    const all = [await tokenLogin(a, email), await tokenLogin(b, email)];
    let since = performance.now();
    assert.equal((await createClient(c).post('/auth/logout-all', undefined, bearer(all[0]!.access_token))).status, 204);
    since = performance.now();
    for (const { access_token } of all) for (const server of [a, b]) delays.push(await refusalDelay(server, access_token, since));

    const kept = await tokenLogin(a, email);
    const doomed = await tokenLogin(a, email);
    const sessions = await createClient(b).get('/auth/sessions', bearer(kept.access_token));
    const doomedId = (sessions.body as { sessions: { id: string; current: boolean }[] }).sessions.find((s) => !s.current)!.id;
    assert.equal((await createClient(b).delete(`/auth/sessions/${doomedId}`, bearer(kept.access_token))).status, 204);
    since = performance.now();
    delays.push(await refusalDelay(c, doomed.access_token, since));
    assert.equal(await meStatus(c, kept.access_token), 200, 'the other session lives on');

    const stolen = await tokenLogin(b, email);
    const rotated = await createClient(b).post('/auth/refresh', { refresh_token: stolen.refresh_token });
    assert.equal(rotated.status, 200);
    const fresh = (rotated.body as { access_token: string }).access_token;
    // Past the grace window the old token's reuse, on another instance, revokes the whole family everywhere.
    await new Promise((resolve) => setTimeout(resolve, 0));
    for (const server of [a, b, c]) server.clock.advance(6000);
    const reuse = await createClient(c).post('/auth/refresh', { refresh_token: stolen.refresh_token });
    assert.equal(errorCode(reuse), 'refresh_token_reused', reuse.text);
    since = performance.now();
    delays.push(await refusalDelay(a, fresh, since));
    report(t, 'logout-all / session delete / reuse → refused on another instance', delays);
    assert.ok(Math.max(...delays) < 1000);
  });

  it('concurrent refreshes of one token on different instances leave one lineage', async () => {
    const email = await register(a);
    const { refresh_token } = await tokenLogin(a, email);
    const results = await Promise.all([a, b, c, a, b, c].map((server) => createClient(server).post('/auth/refresh', { refresh_token })));
    for (const r of results) assert.equal(r.status, 200, r.text);
    const successors = new Set(results.map((r) => (r.body as { refresh_token: string }).refresh_token));
    assert.equal(successors.size, 1, 'every presenter within the grace window gets the same successor');
    const [successor] = [...successors] as [string];
    const next = await createClient(c).post('/auth/refresh', { refresh_token: successor });
    assert.equal(next.status, 200, 'the one lineage goes on');
    const families = await createClient(b).get('/auth/sessions', bearer((next.body as { access_token: string }).access_token));
    assert.equal((families.body as { sessions: unknown[] }).sessions.length, 1);
  });

  it('shares login rate limits between instances', async () => {
    const email = await register(a);
    for (const server of [a, b, c, a]) {
      const wrong = await createClient(server).post('/auth/login', { email, password: 'not the password at all' });
      assert.equal(errorCode(wrong), 'invalid_credentials');
    }
    const limited = await createClient(b).post('/auth/login', { email, password: PASSWORD });
    assert.equal(errorCode(limited), 'rate_limited', 'the fifth attempt, on another instance, is over the limit of 4');
  });
});

describeOrSkip('scale-out: instances booting together on an empty database', skip, () => {
  it('accept each other\'s tokens (an unknown kid re-reads the key store)', async () => {
    const cluster = await startCluster(2, {}, true);
    try {
      const [a, b] = cluster.instances as [TestServer, TestServer];
      const email = await register(a);
      const fromA = await tokenLogin(a, email);
      const fromB = await tokenLogin(b, email);
      assert.equal(await meStatus(b, fromA.access_token), 200);
      assert.equal(await meStatus(a, fromB.access_token), 200);
    } finally {
      await cluster.close();
    }
  });
});
