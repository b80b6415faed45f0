// Token mode's refresh tokens over a real socket: rotation, the grace-window retry, reuse detection
// (family revoked, its access tokens refused at once), a concurrent refresh storm on memory and SQLite,
// forged tokens, idle and absolute expiry on the injected clock, the per-family rate limit, and body checks.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bearer, createClient, errorCode, register, startTestServer, tokenLogin, type TestServer, type TokenBody } from './helpers.js';

const MINUTE = 60_000;

const refresh = (server: TestServer, refreshToken: unknown) => createClient(server).post('/auth/refresh', { refresh_token: refreshToken });
const me = (server: TestServer, accessToken: string) => createClient(server).get('/auth/me', bearer(accessToken));
const idOf = (refreshToken: string) => refreshToken.split('.')[0]!;

async function sidOf(server: TestServer, accessToken: string): Promise<string> {
  const response = await me(server, accessToken);
  assert.equal(response.status, 200, response.text);
  return (response.body as { auth: { sessionId: string } }).auth.sessionId;
}

async function familyIds(server: TestServer, accessToken: string): Promise<string[]> {
  const response = await createClient(server).get('/auth/sessions', bearer(accessToken));
  assert.equal(response.status, 200, response.text);
  return (response.body as { sessions: { id: string; mode: string }[] }).sessions.filter((s) => s.mode === 'token').map((s) => s.id);
}

describe('refresh tokens', () => {
  it('rotates: a new refresh and access token, the old refresh token spent, the new access token working', async () => {
    const server = await startTestServer();
    try {
      const login = await tokenLogin(server, await register(server));
      assert.equal(login.token_type, 'Bearer');
      const familyId = await sidOf(server, login.access_token);

      const rotated = await refresh(server, login.refresh_token);
      assert.equal(rotated.status, 200, rotated.text);
      const pair = rotated.body as TokenBody;
      assert.deepEqual(Object.keys(pair).sort(), ['access_token', 'expires_in', 'refresh_expires_in', 'refresh_token', 'token_type']);
      assert.equal(pair.token_type, 'Bearer');
      assert.equal(pair.expires_in, 900);
      assert.notEqual(pair.refresh_token, login.refresh_token);
      assert.notEqual(pair.access_token, login.access_token);
      assert.match(pair.refresh_token, /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
      assert.equal(await sidOf(server, pair.access_token), familyId, 'same family');

      const spent = await server.store.refreshTokens.getToken(idOf(login.refresh_token));
      assert.equal(spent?.usedAt, server.clock(), 'the presented token is spent');
      assert.equal(spent?.successorId, idOf(pair.refresh_token));
      assert.equal((await server.store.refreshTokens.getToken(idOf(pair.refresh_token)))?.usedAt, null);
    } finally {
      await server.close();
    }
  });

  it('answers a retry within the grace window with the same refresh token and changes nothing', async () => {
    const server = await startTestServer();
    try {
      const login = await tokenLogin(server, await register(server));
      const familyId = await sidOf(server, login.access_token);
      const first = (await refresh(server, login.refresh_token)).body as TokenBody;
      const familyBefore = await server.store.refreshTokens.getFamily(familyId);
      const successorBefore = await server.store.refreshTokens.getToken(idOf(first.refresh_token));

      server.clock.advance(5000); // the grace window's last millisecond: now - usedAt <= grace
      const retry = await refresh(server, login.refresh_token);
      assert.equal(retry.status, 200, retry.text);
      const again = retry.body as TokenBody;
      assert.equal(again.refresh_token, first.refresh_token, 'string-equal successor');
      assert.equal(again.refresh_expires_in, first.refresh_expires_in - 5);
      assert.deepEqual(await server.store.refreshTokens.getFamily(familyId), familyBefore, 'family untouched');
      assert.deepEqual(await server.store.refreshTokens.getToken(idOf(first.refresh_token)), successorBefore, 'successor untouched');
      assert.equal((await me(server, again.access_token)).status, 200);
      assert.deepEqual(await familyIds(server, again.access_token), [familyId]);

      const next = await refresh(server, first.refresh_token);
      assert.equal(next.status, 200, 'the lineage goes on from the successor');
    } finally {
      await server.close();
    }
  });

  it('treats a spent token after the grace window as reuse: family revoked, its access tokens refused at once', async () => {
    const server = await startTestServer();
    try {
      const email = await register(server);
      const login = await tokenLogin(server, email);
      const observer = await tokenLogin(server, email);
      const familyId = await sidOf(server, login.access_token);
      const first = (await refresh(server, login.refresh_token)).body as TokenBody;
      assert.deepEqual((await familyIds(server, observer.access_token)).sort(), [familyId, await sidOf(server, observer.access_token)].sort());

      server.clock.advance(5001);
      const reused = await refresh(server, login.refresh_token);
      assert.equal(reused.status, 401);
      assert.equal(errorCode(reused), 'refresh_token_reused');

      const successor = await refresh(server, first.refresh_token);
      assert.equal(successor.status, 401);
      assert.equal(errorCode(successor), 'unauthenticated');
      for (const accessToken of [login.access_token, first.access_token]) {
        const refused = await me(server, accessToken);
        assert.equal(refused.status, 401, 'access tokens of the family, from before and after the rotation');
        assert.match(refused.headers.get('www-authenticate') ?? '', /^Bearer /);
      }
      assert.deepEqual(await familyIds(server, observer.access_token), [await sidOf(server, observer.access_token)]);
      assert.equal((await refresh(server, observer.refresh_token)).status, 200, 'other families untouched');
    } finally {
      await server.close();
    }
  });

  for (const store of ['memory', 'sqlite'] as const) {
    it(`survives a storm of 20 concurrent refreshes of one token with one live lineage (${store})`, async () => {
      const server = await startTestServer({ store });
      try {
        const login = await tokenLogin(server, await register(server));
        const familyId = await sidOf(server, login.access_token);
        const responses = await Promise.all(Array.from({ length: 20 }, () => refresh(server, login.refresh_token)));
        assert.deepEqual(responses.map((r) => r.status), Array<number>(20).fill(200));
        const successors = new Set(responses.map((r) => (r.body as TokenBody).refresh_token));
        assert.equal(successors.size, 1, 'every caller got the identical refresh token');
        const [successor] = [...successors] as [string];
        assert.equal((await server.store.refreshTokens.getToken(idOf(login.refresh_token)))?.successorId, idOf(successor));
        assert.equal((await server.store.refreshTokens.getFamily(familyId))?.revokedAt, null, 'no false reuse');
        for (const r of responses.slice(0, 3)) assert.equal((await me(server, (r.body as TokenBody).access_token)).status, 200);

        const next = await refresh(server, successor);
        assert.equal(next.status, 200, next.text);
        const nextPair = next.body as TokenBody;
        assert.notEqual(nextPair.refresh_token, successor);
        assert.deepEqual(await familyIds(server, nextPair.access_token), [familyId], 'one family');
        assert.equal((await refresh(server, nextPair.refresh_token)).status, 200);
      } finally {
        await server.close();
      }
    });
  }

  it('refuses forged refresh tokens without disturbing the real family', async () => {
    const server = await startTestServer();
    try {
      const login = await tokenLogin(server, await register(server));
      const familyId = await sidOf(server, login.access_token);
      const random = (bytes: number) => Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('base64url');
      const forged = [
        `${random(16)}.${random(32)}`,
        `${idOf(login.refresh_token)}.${random(32)}`,
        'garbage',
        '',
        `${idOf(login.refresh_token)}.`,
        login.access_token,
      ];
      for (const token of forged) {
        const response = await refresh(server, token);
        assert.equal(response.status, 401, `forged ${JSON.stringify(token.slice(0, 30))}`);
        assert.equal(errorCode(response), 'unauthenticated');
      }
      assert.equal((await server.store.refreshTokens.getToken(idOf(login.refresh_token)))?.usedAt, null, 'not spent');

      const first = (await refresh(server, login.refresh_token)).body as TokenBody;
      server.clock.advance(60_000);
      const wrongSecretOfSpent = await refresh(server, `${idOf(login.refresh_token)}.${random(32)}`);
      assert.equal(errorCode(wrongSecretOfSpent), 'unauthenticated', 'a spent id with a wrong secret is not "reuse"');
      assert.equal((await server.store.refreshTokens.getFamily(familyId))?.revokedAt, null);
      assert.equal((await me(server, first.access_token)).status, 200);
      assert.equal((await refresh(server, first.refresh_token)).status, 200);
    } finally {
      await server.close();
    }
  });

  it('expires a family left idle, and never lets rotation extend its absolute lifetime', async () => {
    const server = await startTestServer({ options: { refreshTtlSeconds: 3600, refreshAbsoluteTtlSeconds: 4 * 3600 } });
    try {
      const email = await register(server);
      const idle = await tokenLogin(server, email);
      const busy = await tokenLogin(server, email);
      const start = server.clock();
      assert.equal(idle.refresh_expires_in, 3600);

      server.clock.advance(3600_000 - 1);
      const justInTime = await refresh(server, busy.refresh_token);
      assert.equal(justInTime.status, 200, 'within the idle window');
      server.clock.advance(2);
      const late = await refresh(server, idle.refresh_token);
      assert.equal(late.status, 401, 'unused for more than an hour');
      assert.equal(errorCode(late), 'unauthenticated');

      // A fresh family, rotated every 50 minutes: alive until exactly 4 h after its login, not a moment longer.
      const login = await tokenLogin(server, email);
      const born = server.clock();
      let current = login.refresh_token;
      for (const at of [50, 100, 150, 200, 239]) {
        server.clock.set(born + at * MINUTE);
        const response = await refresh(server, current);
        assert.equal(response.status, 200, `rotation at ${at} min`);
        const pair = response.body as TokenBody;
        const remainingAbsolute = (born + 240 * MINUTE - server.clock()) / 1000;
        assert.ok(pair.refresh_expires_in <= remainingAbsolute, 'refresh_expires_in never exceeds the absolute limit');
        assert.equal(pair.refresh_expires_in, Math.min(3600, remainingAbsolute));
        current = pair.refresh_token;
      }
      server.clock.set(born + 240 * MINUTE);
      const expired = await refresh(server, current);
      assert.equal(expired.status, 401, 'rotated a minute ago, but past the absolute limit');
      assert.equal(errorCode(expired), 'unauthenticated');
      assert.ok(server.clock() - start > 3600_000);
    } finally {
      await server.close();
    }
  });

  it('rate-limits refreshes per family with 429 and Retry-After', async () => {
    const server = await startTestServer({ options: { refreshFamilyLimit: 3 } });
    try {
      const email = await register(server);
      const login = await tokenLogin(server, email);
      let current = login.refresh_token;
      for (let i = 0; i < 3; i++) {
        const response = await refresh(server, current);
        assert.equal(response.status, 200, `refresh ${i + 1}`);
        current = (response.body as TokenBody).refresh_token;
      }
      const limited = await refresh(server, current);
      assert.equal(limited.status, 429);
      assert.equal(errorCode(limited), 'rate_limited');
      const retryAfter = Number(limited.headers.get('retry-after'));
      assert.ok(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 900, `Retry-After ${retryAfter}`);

      const other = await tokenLogin(server, email);
      assert.equal((await refresh(server, other.refresh_token)).status, 200, 'the limit is per family');
      server.clock.advance(retryAfter * 1000);
      assert.equal((await refresh(server, current)).status, 200, 'the held token works once the window has passed');
    } finally {
      await server.close();
    }
  });

  it('wants a JSON body with a string refresh_token', async () => {
    const server = await startTestServer();
    try {
      const login = await tokenLogin(server, await register(server));
      const client = createClient(server);
      const form = await client.request('POST', '/auth/refresh', {
        raw: `refresh_token=${encodeURIComponent(login.refresh_token)}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(form.status, 415);
      assert.equal(errorCode(form), 'unsupported_media_type');
      for (const body of [{}, { refresh_token: 42 }, { refresh_token: null }, { refresh_token: [login.refresh_token] }, { token: login.refresh_token }]) {
        const response = await client.post('/auth/refresh', body);
        assert.equal(response.status, 400, JSON.stringify(body));
        assert.equal(errorCode(response), 'invalid_request');
      }
      assert.equal((await client.request('POST', '/auth/refresh', { raw: '{"refresh_token":', headers: { 'content-type': 'application/json' } })).status, 400);
      // No body and no refresh cookie: a signed-out browser's refresh is a 401, not a complaint about media types.
      const nothing = await client.request('POST', '/auth/refresh');
      assert.equal(nothing.status, 401);
      assert.equal(errorCode(nothing), 'unauthenticated');
      assert.equal((await refresh(server, login.refresh_token)).status, 200, 'the token was never spent by the refusals');
    } finally {
      await server.close();
    }
  });
});
