// The standalone verifier (gatehouse/verify) against a real server over real sockets: genuine, tampered and
// misconfigured tokens; logout, logout-all and refresh-token reuse reaching it through the revocation feed
// (with the delay measured); an unknown-kid flood that cannot hammer the JWKS; a key rotation followed; a feed
// outage (a TCP proxy that is cut) and a half-open feed connection (one that is stalled) failing closed, then
// healing by themselves without losing a revocation.
// Over 300 lines: the verifier's contract end to end, sharing one server, proxy and token helpers.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { CompactSign, decodeJwt, decodeProtectedHeader } from 'jose';
import type { AccessClaims } from '../src/core/access-tokens.js';
import { GatehouseError } from '../src/core/errors.js';
import { engineInternals } from '../src/core/internals.js';
import { createVerifier, type Verifier, type VerifierOptions } from '../src/verify/verifier.js';
import { createClient, errorCode, PASSWORD, startTestServer, type FakeClock, type TestServer } from './helpers.js';
import { until } from './kit.js';

/** The verifier and jose's JWKS cooldown run on real time, so the server must too. */
const realClock = Object.assign(() => Date.now(), { advance() {}, set() {} }) as FakeClock;
const start = () => startTestServer({ clock: realClock, options: { refreshGraceSeconds: 0 } });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

type Tokens = { access_token: string; refresh_token: string };

async function register(server: TestServer): Promise<{ email: string; id: string }> {
  const email = `user${Math.random().toString(36).slice(2)}@example.com`;
  const response = await createClient(server).post('/auth/register', { email, password: PASSWORD });
  assert.equal(response.status, 201, response.text);
  return { email, id: (response.body as { user: { id: string } }).user.id };
}

async function login(server: TestServer, email: string): Promise<Tokens> {
  const response = await createClient(server).post('/auth/login', { email, password: PASSWORD, mode: 'token' });
  assert.equal(response.status, 200, response.text);
  return response.body as Tokens;
}

function verifierFor(server: TestServer, options: Partial<VerifierOptions> = {}): Verifier {
  const urls = { jwksUrl: `${server.url}/.well-known/jwks.json`, revocationsUrl: `${server.url}/auth/revocations` };
  return createVerifier({ ...urls, issuer: 'gatehouse', audience: 'gatehouse', ...options });
}

async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** What verify did: the claims, null, or the code of the GatehouseError it threw. */
async function outcome(verifier: Verifier, token: string): Promise<AccessClaims | null | string> {
  try {
    return await verifier.verify(token);
  } catch (error) {
    if (error instanceof GatehouseError) return error.code;
    throw error;
  }
}

/** The token's claims re-signed with the server's own current key under `kid`. */
async function signedAs(server: TestServer, token: string, kid: string): Promise<string> {
  const { privateKey } = engineInternals(server.server.gatehouse).keys.signingKey(Date.now());
  return new CompactSign(new TextEncoder().encode(JSON.stringify(decodeJwt(token))))
    .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'at+jwt' })
    .sign(privateKey);
}

/** Requests the server has answered on the JWKS route, from its own /metrics. */
async function jwksRequests(server: TestServer): Promise<number> {
  const { text } = await createClient(server).get('/metrics');
  return [...text.matchAll(/^gatehouse_http_request_duration_seconds_count\{([^}]*)\} (\d+)$/gm)]
    .filter((m) => m[1]!.includes('route="/.well-known/jwks.json"'))
    .reduce((sum, m) => sum + Number(m[2]), 0);
}

/**
 * A TCP proxy that can be cut (every connection dropped, new ones refused) and restored, or stalled: the open
 * connections silently stop forwarding (a half-open connection, as after a NAT or firewall drop).
 */
async function tcpProxy(target: string) {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const stallers = new Set<() => void>();
  let up = true;
  const proxy = createTcpServer((client) => {
    if (!up) return void client.destroy();
    const upstream = connect(Number(port), hostname);
    stallers.add(() => (client.unpipe(upstream), upstream.unpipe(client)));
    for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
      sockets.add(from);
      from.on('error', () => to.destroy());
      from.on('close', () => {
        sockets.delete(from);
        to.destroy();
      });
      from.pipe(to);
    }
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const cut = () => {
    up = false;
    for (const socket of sockets) socket.destroy();
  };
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    cut,
    restore: () => void (up = true),
    stall: () => (stallers.forEach((stall) => stall()), stallers.clear()),
    close: () => new Promise<void>((resolve) => (cut(), proxy.close(() => resolve()))),
  };
}

const percentile = (sorted: number[], p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;

describe('verifier', () => {
  it('returns the claims of a genuine token; null for a tampered one or the wrong issuer/audience; works without a feed', async () => {
    const server = await start();
    const verifier = verifierFor(server);
    const noFeed = verifierFor(server, { revocationsUrl: null });
    const wrongIssuer = verifierFor(server, { revocationsUrl: null, issuer: 'https://elsewhere.example' });
    const wrongAudience = verifierFor(server, { revocationsUrl: null, audience: 'another-api' });
    try {
      const user = await register(server);
      const { access_token: token } = await login(server, user.email);
      await within(5000, 'the first snapshot', verifier.ready());
      const claims = await verifier.verify(token);
      assert.equal(claims?.sub, user.id);
      assert.equal(claims.sid, decodeJwt(token).sid);
      assert.equal(claims.jti, decodeJwt(token).jti);

      const [header, payload, signature] = token.split('.') as [string, string, string];
      const forged = Buffer.from(JSON.stringify({ ...decodeJwt(token), sub: 'someone-else' })).toString('base64url');
      const flipped = `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`;
      for (const tampered of [`${header}.${forged}.${signature}`, `${header}.${payload}.${flipped}`, `${header}.${payload}.`, 'not-a-jwt']) {
        assert.equal(await verifier.verify(tampered), null, tampered);
      }
      assert.equal(await wrongIssuer.verify(token), null);
      assert.equal(await wrongAudience.verify(token), null);

      await within(1000, 'ready without a feed', noFeed.ready());
      assert.equal((await noFeed.verify(token))?.sub, user.id);
      assert.equal(noFeed.staleness(), null);
      assert.ok(verifier.staleness() !== null);
    } finally {
      for (const v of [verifier, noFeed, wrongIssuer, wrongAudience]) v.close();
      await server.close();
    }
  });

  it('refuses a logged-out token within a second (30 logouts, delay measured from the logout response)', async () => {
    const server = await start();
    const verifier = verifierFor(server);
    try {
      const user = await register(server);
      const sessions: Tokens[] = [];
      for (let i = 0; i < 30; i++) sessions.push(await login(server, user.email));
      await within(5000, 'the first snapshot', verifier.ready());
      const delays: number[] = [];
      for (const { access_token: token } of sessions) {
        assert.equal((await verifier.verify(token))?.sub, user.id, 'verifies before its logout');
        const logout = await createClient(server).post('/auth/logout', undefined, bearer(token));
        assert.equal(logout.status, 204, logout.text);
        const loggedOutAt = performance.now();
        await until('the logout to reach the verifier', async () => (await verifier.verify(token)) === null, { everyMs: 2 });
        delays.push(performance.now() - loggedOutAt);
      }
      const sorted = delays.sort((a, b) => a - b);
      const [p50, p99] = [percentile(sorted, 0.5), percentile(sorted, 0.99)];
      console.log(`verifier revocation delay p50=${p50.toFixed(2)}ms p99=${p99.toFixed(2)}ms (n=${sorted.length})`);
      assert.equal(sorted.length, 30);
      assert.ok(p99 < 1000, `p99 ${p99} ms`);
    } finally {
      verifier.close();
      await server.close();
    }
  });

  it('sees logout-all and a reused refresh token (its family revoked)', async () => {
    const server = await start();
    const verifier = verifierFor(server);
    const refused = (token: string) => async () => ((await verifier.verify(token)) === null ? true : undefined);
    try {
      const user = await register(server);
      const [laptop, phone] = [await login(server, user.email), await login(server, user.email)];
      await within(5000, 'the first snapshot', verifier.ready());
      for (const { access_token } of [laptop, phone]) assert.ok(await verifier.verify(access_token));
      const all = await createClient(server).post('/auth/logout-all', undefined, bearer(laptop.access_token));
      assert.equal(all.status, 204, all.text);
      for (const { access_token } of [laptop, phone]) await until('logout-all to reach the verifier', refused(access_token));
      const after = await login(server, user.email);
      assert.equal((await verifier.verify(after.access_token))?.sub, user.id, 'a login after logout-all is not refused');

      const refresh = (token: string) => createClient(server).post('/auth/refresh', { refresh_token: token });
      const rotated = await refresh(after.refresh_token);
      assert.equal(rotated.status, 200, rotated.text);
      const successor = rotated.body as Tokens;
      assert.ok(await verifier.verify(successor.access_token));
      const reused = await refresh(after.refresh_token);
      assert.equal(errorCode(reused), 'refresh_token_reused');
      for (const token of [successor.access_token, after.access_token]) await until('the family revocation to reach the verifier', refused(token));
    } finally {
      verifier.close();
      await server.close();
    }
  });

  it('an unknown-kid flood fetches the JWKS at most twice', async () => {
    const server = await start();
    const verifier = verifierFor(server, { revocationsUrl: null });
    try {
      const user = await register(server);
      const { access_token: token } = await login(server, user.email);
      const before = await jwksRequests(server);
      const { kid } = decodeProtectedHeader(token);
      assert.equal((await verifier.verify(await signedAs(server, token, kid!)))?.sub, user.id, 'control: re-signed under the real kid');
      const forged = await Promise.all(Array.from({ length: 500 }, () => signedAs(server, token, randomBytes(12).toString('base64url'))));
      const results = await Promise.all(forged.slice(0, 250).map((t) => verifier.verify(t)));
      for (const t of forged.slice(250)) results.push(await verifier.verify(t));
      assert.deepEqual(results, Array<null>(500).fill(null));
      assert.equal((await verifier.verify(token))?.sub, user.id, 'genuine tokens still verify after the flood');
      const fetched = (await jwksRequests(server)) - before;
      assert.ok(fetched >= 1 && fetched <= 2, `JWKS fetched ${fetched} times`);
    } finally {
      verifier.close();
      await server.close();
    }
  });

  it('follows a key rotation: the new kid refetches the JWKS; tokens of the old key still verify', async () => {
    const server = await start();
    const verifier = verifierFor(server, { revocationsUrl: null, jwksCooldownMs: 100 });
    try {
      const user = await register(server);
      const old = await login(server, user.email);
      assert.ok(await verifier.verify(old.access_token));
      const { config } = server.server.gatehouse;
      const { keys } = engineInternals(server.server.gatehouse); // a backdated rotation: signs from now
      const rotated = await keys.rotate(Date.now() - config.keyPublishLeadSeconds * 1000); // signs from now
      await keys.maintain(Date.now());
      const fresh = await login(server, user.email);
      assert.equal(decodeProtectedHeader(fresh.access_token).kid, rotated.kid);
      assert.notEqual(decodeProtectedHeader(old.access_token).kid, rotated.kid);
      await sleep(150); // past the JWKS cooldown
      assert.equal((await verifier.verify(fresh.access_token))?.sub, user.id);
      assert.equal((await verifier.verify(old.access_token))?.sub, user.id);
    } finally {
      verifier.close();
      await server.close();
    }
  });

  it('fails closed while the feed is cut, reconnects by itself and honours a revocation made meanwhile', async () => {
    const server = await start();
    const proxy = await tcpProxy(server.url);
    const feedUrl = `${proxy.url}/auth/revocations`;
    const cursors: (string | null)[] = [];
    const recording: typeof fetch = (input, init) => {
      cursors.push(new Headers(init?.headers).get('last-event-id'));
      return fetch(input, init);
    };
    const verifiers: Verifier[] = [];
    try {
      const user = await register(server);
      const [kept, dropped] = [await login(server, user.email), await login(server, user.email)];
      const verifier = verifierFor(server, { revocationsUrl: feedUrl, maxStalenessMs: 1500, fetch: recording });
      verifiers.push(verifier);
      await within(5000, 'the first snapshot', verifier.ready());
      assert.ok(await verifier.verify(kept.access_token));

      proxy.cut();
      const cutAt = Date.now();
      const failed = await until('verify to fail closed', async () => {
        const result = await outcome(verifier, kept.access_token);
        return typeof result === 'string' ? result : void assert.ok(result, 'claims until the bound');
      }, { timeoutMs: 4000, everyMs: 20 });
      assert.equal(failed, 'unavailable');
      assert.ok(Date.now() - cutAt < 2000, `failed closed ${Date.now() - cutAt} ms after the cut`);
      const stale = verifier.staleness()!;
      assert.ok(stale > 1500, `staleness ${stale}`);

      const logout = await createClient(server).post('/auth/logout', undefined, bearer(dropped.access_token));
      assert.equal(logout.status, 204);
      assert.equal(await outcome(verifier, dropped.access_token), 'unavailable');
      const late = verifierFor(server, { revocationsUrl: feedUrl, maxStalenessMs: 1500 });
      verifiers.push(late);
      assert.equal(await outcome(late, kept.access_token), 'unavailable', 'no snapshot yet: fail closed');
      assert.equal(late.staleness(), null);
      await sleep(50);
      assert.ok(verifier.staleness()! > stale, 'staleness grows');

      proxy.restore();
      await until('the verifier to reconnect and learn of the logout', async () => {
        const result = await outcome(verifier, dropped.access_token);
        assert.ok(result === null || result === 'unavailable', 'never the claims of a revoked token');
        return result === null ? true : undefined;
      }, { timeoutMs: 10_000, everyMs: 20 });
      assert.equal((await verifier.verify(kept.access_token))?.sub, user.id);
      assert.ok(verifier.staleness()! < 1500);
      assert.equal(cursors[0], null, 'the first connection has no cursor');
      assert.match(cursors.at(-1) ?? '', /^[\w-]+:\d+$/, 'reconnects resume with Last-Event-ID');

      await within(10_000, 'the late verifier to connect', late.ready());
      assert.equal(await late.verify(dropped.access_token), null);
      assert.equal((await late.verify(kept.access_token))?.sub, user.id);
    } finally {
      for (const v of verifiers) v.close();
      await proxy.close();
      await server.close();
    }
  });

  it('revocation events alone never make its view fresh: only a heartbeat or a snapshot (sent by a live server) does', { timeout: 20_000 }, async () => {
    const server = await start();
    let connections = 0;
    const counting: typeof fetch = (input, init) => {
      connections++;
      return fetch(input, init);
    };
    const verifier = verifierFor(server, { maxStalenessMs: 1500, fetch: counting });
    try {
      const user = await register(server);
      const { access_token: token } = await login(server, user.email);
      await within(5000, 'the first snapshot', verifier.ready());
      // A revocation every 100 ms for longer than a heartbeat period (5 s) plus the bound: the connection is
      // never idle, so freshness can come only from the one periodic heartbeat in that time.
      const outcomes: (string | null)[] = [];
      for (let started = Date.now(), i = 0; Date.now() - started < 5000 + 2000; i++) {
        const now = Date.now();
        await engineInternals(server.server.gatehouse).revocations.revoke({ kind: 'jti', subject: `busy-${i}`, revokedAt: now, expiresAt: now + 60_000 });
        await sleep(100);
        const result = await outcome(verifier, token);
        outcomes.push(result === null || typeof result === 'string' ? result : 'claims');
      }
      assert.equal(connections, 1, 'one connection throughout: never idle');
      assert.ok(outcomes.includes('unavailable'), 'stale between heartbeats, however busy the feed');
      assert.ok(outcomes.includes('claims'));
    } finally {
      verifier.close();
      await server.close();
    }
  });

  it('a silently stalled feed connection (half-open) is abandoned and replaced; no revocation is lost', async () => {
    const server = await start();
    const proxy = await tcpProxy(server.url);
    const verifier = verifierFor(server, { revocationsUrl: `${proxy.url}/auth/revocations`, maxStalenessMs: 1500 });
    try {
      const user = await register(server);
      const [kept, dropped] = [await login(server, user.email), await login(server, user.email)];
      await within(5000, 'the first snapshot', verifier.ready());
      proxy.stall();
      const logout = await createClient(server).post('/auth/logout', undefined, bearer(dropped.access_token));
      assert.equal(logout.status, 204);
      await until('the verifier to replace the stalled connection and learn of the logout', async () => {
        const result = await outcome(verifier, dropped.access_token);
        if (result !== null && typeof result === 'object') assert.ok(verifier.staleness()! < 1600, 'claims of a revoked token only within the bound');
        return result === null ? true : undefined;
      }, { timeoutMs: 8000, everyMs: 20 });
      assert.equal((await verifier.verify(kept.access_token))?.sub, user.id);
    } finally {
      verifier.close();
      await proxy.close();
      await server.close();
    }
  });
});
