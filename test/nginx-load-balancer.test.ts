// The documented load-balancer setup (docs/nginx-load-balancer.conf, this very file with the ports rewritten)
// in front of two instances on PostgreSQL and Redis, over loopback: requests spread over both instances, a
// session and a bearer token work whichever instance answers, a logout through nginx holds on both, the
// client address reaches the rate limiter through GATEHOUSE_TRUST_PROXY, the revocation feed streams, and
// the instances' loss is survived by the other. Skipped when nginx or the services are missing.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, it } from 'node:test';
import { SKIP_CLUSTER, startCluster, type Cluster } from './cluster.js';
import { bearer, createClient, PASSWORD, register, type TestServer } from './helpers.js';
import { findNginx, freePort, startNginx, type RunningNginx } from './nginx-kit.js';
import { describeOrSkip } from './support-services.js';

const nginx = findNginx();
const CONF = new URL('../docs/nginx-load-balancer.conf', import.meta.url);

/** The documented config with this test's ports. */
function documentedConfig(listen: number, instances: number[]): string {
  const conf = readFileSync(CONF, 'utf8');
  const servers = [...conf.matchAll(/^\s*server 127\.0\.0\.1:\d+ .*;$/gm)];
  assert.equal(servers.length, instances.length, 'the documented upstream lists one server per instance');
  let i = 0;
  return conf
    .replace(/^(\s*server )127\.0\.0\.1:\d+( .*;)$/gm, (_, head: string, tail: string) => `${head}127.0.0.1:${instances[i++]}${tail}`)
    .replace(/listen 127\.0\.0\.1:\d+;/, `listen 127.0.0.1:${listen};`);
}

describeOrSkip('load balancing through the documented nginx config', nginx.skip ?? SKIP_CLUSTER, () => {
  let cluster: Cluster;
  let proxy: RunningNginx;
  let front: Pick<TestServer, 'url' | 'origin'>;
  const served = (server: TestServer, path: string) => server.logs.filter((line) => line.includes(`"path":"${path}"`)).length;

  before(async () => {
    cluster = await startCluster(2, { trustProxy: ['127.0.0.1'], loginIpLimit: 6 });
    const port = await freePort();
    proxy = await startNginx(nginx.bin!, port, documentedConfig(port, cluster.instances.map((s) => Number(new URL(s.url).port))), '/healthz');
    front = { url: proxy.base, origin: `https://127.0.0.1:${port}` };
  });
  after(async () => {
    await proxy?.stop();
    await cluster?.close();
  });

  it('spreads requests over both instances; a session and a token work whichever answers; logout holds on both', async () => {
    const [a, b] = cluster.instances as [TestServer, TestServer];
    const email = await register(front);
    const browser = createClient(front, { browser: true });
    assert.equal((await browser.post('/auth/login', { email, password: PASSWORD })).status, 200);
    const login = await createClient(front).post('/auth/login', { email, password: PASSWORD, mode: 'token' });
    const token = (login.body as { access_token: string }).access_token;

    const [beforeA, beforeB] = [served(a, '/auth/me'), served(b, '/auth/me')];
    for (let i = 0; i < 20; i++) {
      assert.equal((await browser.get('/auth/me')).status, 200);
      assert.equal((await createClient(front).get('/auth/me', bearer(token))).status, 200);
    }
    assert.ok(served(a, '/auth/me') - beforeA > 0 && served(b, '/auth/me') - beforeB > 0, 'both instances answered');

    assert.equal((await browser.post('/auth/logout', undefined, { headers: browser.csrfHeaders() })).status, 204);
    assert.equal((await createClient(front).post('/auth/logout', undefined, bearer(token))).status, 204);
    for (let i = 0; i < 6; i++) {
      assert.equal((await browser.get('/auth/me')).status, 401);
      assert.equal((await createClient(front).get('/auth/me', bearer(token))).status, 401);
    }
  });

  it('counts the client address nginx forwards, not nginx\'s own, against the per-IP limit', async () => {
    const attempt = (ip: string) =>
      createClient(front).post('/auth/login', { email: 'nobody@example.com', password: 'wrong password here' }, { headers: { 'x-forwarded-for': ip } });
    for (let i = 0; i < 6; i++) assert.equal((await attempt('198.51.100.7')).status, 401);
    assert.equal((await attempt('198.51.100.7')).status, 429, 'the seventh from one client, over both instances');
    assert.equal((await attempt('198.51.100.8')).status, 401, 'another client is not limited');
  });

  it('streams the revocation feed through nginx', async () => {
    const controller = new AbortController();
    const response = await fetch(`${proxy.base}/auth/revocations`, { signal: controller.signal });
    assert.equal(response.status, 200);
    const reader = response.body!.getReader();
    const first = (await reader.read()) as { value?: Uint8Array };
    assert.match(new TextDecoder().decode(first.value), /event: snapshot/);
    controller.abort();
  });

  it('keeps serving when one instance goes away', async () => {
    const email = await register(front);
    const browser = createClient(front, { browser: true });
    assert.equal((await browser.post('/auth/login', { email, password: PASSWORD })).status, 200);
    await cluster.instances[0]!.close();
    for (let i = 0; i < 6; i++) assert.equal((await browser.get('/auth/me')).status, 200);
  });
});
