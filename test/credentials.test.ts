// Attack tests for credentials: forged, tampered and planted session ids, tokens in query strings, account
// enumeration by message and by timing, and brute force (per account and per IP — per /64 for IPv6 — 429 +
// Retry-After).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createClient, errorCode, PASSWORD, signedIn, startTestServer, type TestServer } from './helpers.js';

const b64 = (bytes: number) => randomBytes(bytes).toString('base64url');
/** The same secret with its last character changed (always to a different one). */
const flipLast = (secret: string) => `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;

describe('session ids', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('refuses forged ids of the right shape, a tampered secret, and a prefix-less cookie', async () => {
    const { client } = await signedIn(server);
    const [id] = client.jar.get('__Host-gh_session')!.split('.');
    const token = client.jar.get('__Host-gh_session')!;
    const attempts = [
      `${b64(16)}.${b64(32)}`,
      `${id}.${b64(32)}`,
      `${id}.${flipLast(token.split('.')[1]!)}`,
      id!,
      `${token}.x`,
    ];
    for (const forged of attempts) {
      const response = await client.get('/auth/me', { noCookies: true, headers: { cookie: `__Host-gh_session=${forged}` } });
      assert.equal(response.status, 401, forged);
      assert.equal(errorCode(response), 'unauthenticated');
    }
    const unprefixed = await client.get('/auth/me', { noCookies: true, headers: { cookie: `gh_session=${token}` } });
    assert.equal(unprefixed.status, 401, 'only the __Host- cookie is read');
    assert.equal((await client.get('/auth/me')).status, 200, 'the real session survives forgery attempts');
  });

  it('never reads a session id from the query string', async () => {
    const { client } = await signedIn(server);
    const token = client.jar.get('__Host-gh_session')!;
    const response = await client.get(`/auth/me?__Host-gh_session=${token}&session=${token}`, { noCookies: true });
    assert.equal(response.status, 401);
  });

  it('issues a new id at login: a planted session cookie never survives (no fixation)', async () => {
    const attacker = await signedIn(server);
    const planted = attacker.client.jar.get('__Host-gh_session')!;
    const victim = createClient(server, { browser: true });
    const email = 'fixation-victim@example.com';
    await victim.post('/auth/register', { email, password: PASSWORD });
    victim.jar.set('__Host-gh_session', planted);
    const login = await victim.post('/auth/login', { email, password: PASSWORD });
    assert.equal(login.status, 200);
    const fresh = victim.jar.get('__Host-gh_session')!;
    assert.notEqual(fresh, planted);
    assert.notEqual(fresh.split('.')[0], planted.split('.')[0]);
    const me = (await victim.get('/auth/me')).body as { user: { email: string } };
    assert.equal(me.user.email, email);
    const plantedNow = await victim.get('/auth/me', { noCookies: true, headers: { cookie: `__Host-gh_session=${planted}` } });
    assert.equal(plantedNow.status, 401, 'the session the browser held before login is ended');
  });

  it('gives every login its own session', async () => {
    const { client, email } = await signedIn(server);
    const first = client.jar.get('__Host-gh_session')!;
    await client.post('/auth/login', { email, password: PASSWORD });
    const second = client.jar.get('__Host-gh_session')!;
    assert.notEqual(first.split('.')[0], second.split('.')[0]);
  });
});

describe('account enumeration', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ options: { loginAccountLimit: 1000, loginIpLimit: 100_000 } });
  });
  after(() => server.close());

  it('answers an unknown email and a wrong password identically', async () => {
    const { email } = await signedIn(server);
    const client = createClient(server, { browser: true });
    const wrong = await client.post('/auth/login', { email, password: 'wrong password, long enough' });
    const unknown = await client.post('/auth/login', { email: 'nobody@example.com', password: 'wrong password, long enough' });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, wrong.status);
    assert.equal(unknown.text, wrong.text);
    assert.equal(errorCode(unknown), 'invalid_credentials');
  });

  it('takes similar time for an unknown email and a wrong password (the same argon2id work)', async () => {
    const { email } = await signedIn(server);
    const client = createClient(server, { browser: true });
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const attempt = async (loginEmail: string) => {
      const start = performance.now();
      await client.post('/auth/login', { email: loginEmail, password: 'wrong password, long enough' });
      return performance.now() - start;
    };
    // Interleaved, so a load spike on a busy machine lands on both sides rather than on one.
    const knownSamples: number[] = [];
    const unknownSamples: number[] = [];
    for (let i = 0; i < 9; i++) {
      knownSamples.push(await attempt(email));
      unknownSamples.push(await attempt('nobody-at-all@example.com'));
    }
    const known = median(knownSamples);
    const unknown = median(unknownSamples);
    const ratio = unknown / known;
    assert.ok(ratio > 0.5 && ratio < 2, `unknown/known login time ratio ${ratio.toFixed(2)} (${unknown.toFixed(1)} vs ${known.toFixed(1)} ms)`);
  });
});

describe('brute force', () => {
  it('locks an account after 10 failures in the window, right password included, with Retry-After', async () => {
    const server = await startTestServer();
    try {
      const { email } = await signedIn(server);
      const other = await signedIn(server);
      const client = createClient(server, { browser: true });
      for (let i = 0; i < 10; i++) {
        assert.equal(errorCode(await client.post('/auth/login', { email, password: `wrong password ${i} x` })), 'invalid_credentials');
      }
      const locked = await client.post('/auth/login', { email, password: 'wrong password again' });
      assert.equal(locked.status, 429);
      assert.equal(errorCode(locked), 'rate_limited');
      const retryAfter = Number(locked.headers.get('retry-after'));
      assert.ok(retryAfter > 0 && retryAfter <= 15 * 60, `Retry-After ${retryAfter}`);
      const right = await client.post('/auth/login', { email, password: PASSWORD });
      assert.equal(right.status, 429, 'the right password does not open a locked account');
      assert.equal(right.setCookies.length, 0);
      const unaffected = await client.post('/auth/login', { email: other.email, password: PASSWORD });
      assert.equal(unaffected.status, 200, 'other accounts are unaffected');
      server.clock.advance(15 * 60 * 1000 + 1);
      assert.equal((await client.post('/auth/login', { email, password: PASSWORD })).status, 200, 'the window ends');
    } finally {
      await server.close();
    }
  });

  it('limits attempts per client address across accounts, and a spoofed X-Forwarded-For does not dodge it', async () => {
    const server = await startTestServer({ options: { loginIpLimit: 5 } });
    try {
      const client = createClient(server, { browser: true });
      for (let i = 0; i < 5; i++) {
        const response = await client.post('/auth/login', { email: `spray${i}@example.com`, password: PASSWORD }, {
          headers: { 'x-forwarded-for': `203.0.113.${i}` },
        });
        assert.equal(errorCode(response), 'invalid_credentials');
      }
      const blocked = await client.post('/auth/login', { email: 'spray9@example.com', password: PASSWORD }, {
        headers: { 'x-forwarded-for': '198.51.100.7' },
      });
      assert.equal(blocked.status, 429);
      assert.ok(Number(blocked.headers.get('retry-after')) > 0);
      const register = await client.post('/auth/register', { email: 'late@example.com', password: PASSWORD });
      assert.equal(register.status, 429, 'registration shares the per-address limit');
    } finally {
      await server.close();
    }
  });

  it('believes X-Forwarded-For only from a configured trusted proxy', async () => {
    const server = await startTestServer({ options: { loginIpLimit: 2, trustProxy: ['127.0.0.1'] } });
    try {
      const client = createClient(server, { browser: true });
      const attempt = (ip: string) =>
        client.post('/auth/login', { email: 'x@example.com', password: PASSWORD }, { headers: { 'x-forwarded-for': ip } });
      await attempt('203.0.113.1');
      await attempt('203.0.113.1');
      assert.equal((await attempt('203.0.113.1')).status, 429);
      assert.equal(errorCode(await attempt('203.0.113.2')), 'invalid_credentials', 'another client behind the proxy');
    } finally {
      await server.close();
    }
  });

  it('counts an IPv6 client per /64, however its address is spelled (issue 13, item 9)', async () => {
    const server = await startTestServer({ options: { loginIpLimit: 3, trustProxy: ['127.0.0.1'] } });
    try {
      const client = createClient(server, { browser: true });
      const attempt = async (ip: string) =>
        (await client.post('/auth/login', { email: 'x@example.com', password: PASSWORD }, { headers: { 'x-forwarded-for': ip } })).status;
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push(await attempt('2001:db8:1:1::1'));
      assert.deepEqual(statuses, [401, 401, 401, 429, 429]);
      for (let n = 2; n <= 9; n++) assert.equal(await attempt(`2001:db8:1:1::${n}`), 429, `::${n} is in the same /64`);
      assert.equal(await attempt('2001:DB8:0001:0001:ffff:0:0:1'), 429, 'another spelling, the same /64');
      assert.equal(await attempt('2001:db8:1:2::1'), 401, 'the next /64 is another client');

      for (const ip of ['::ffff:192.0.2.1', '::FFFF:192.0.2.1', '::ffff:c000:201']) assert.equal(await attempt(ip), 401);
      assert.equal(await attempt('192.0.2.1'), 429, 'an IPv4-mapped address is the IPv4 address');
    } finally {
      await server.close();
    }
  });

  it('counts every IPv6 address alone at GATEHOUSE_RATE_LIMIT_IPV6_PREFIX=128', async () => {
    const server = await startTestServer({ options: { loginIpLimit: 1, trustProxy: ['127.0.0.1'], rateLimitIpv6Prefix: 128 } });
    try {
      const client = createClient(server, { browser: true });
      const attempt = async (ip: string) =>
        (await client.post('/auth/login', { email: 'x@example.com', password: PASSWORD }, { headers: { 'x-forwarded-for': ip } })).status;
      assert.equal(await attempt('2001:db8:1:1::1'), 401);
      assert.equal(await attempt('2001:DB8:1:1:0::1'), 429, 'the same address');
      assert.equal(await attempt('2001:db8:1:1::2'), 401, 'its neighbour');
    } finally {
      await server.close();
    }
  });
});
