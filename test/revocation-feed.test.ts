// The revocation feed (GET /auth/revocations) over real sockets: the resume cursor (a reconnect with
// Last-Event-ID gets exactly the missed revocations, an unknown or evicted cursor a snapshot), the SSE client
// resuming by itself after a drop, the feed token, and a prompt server shutdown with subscribers connected.
// Over 300 lines: one suite per feed behaviour, sharing a server and an SSE subscriber harness that would be
// copied if split.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { resolveConfig } from '../src/core/config.js';
import { engineInternals } from '../src/core/internals.js';
import { HEARTBEAT_MS } from '../src/core/revocation.js';
import { connectSse, type SseEvent } from '../src/verify/sse.js';
import { createVerifier } from '../src/verify/verifier.js';
import { createClient, PASSWORD, startTestServer, type FakeClock, type TestServer } from './helpers.js';
import { until } from './kit.js';

/** The verifier runs on real time, so the server must too. */
const realClock = Object.assign(() => Date.now(), { advance() {}, set() {} }) as FakeClock;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const FEED_TOKEN = 'feed-token-0123456789abcdefghijklmnopqrstuvwxyz';

async function tokenFor(server: TestServer): Promise<{ token: string; sid: string; jti: string }> {
  const email = `user${Math.random().toString(36).slice(2)}@example.com`;
  const client = createClient(server);
  assert.equal((await client.post('/auth/register', { email, password: PASSWORD })).status, 201);
  const login = await client.post('/auth/login', { email, password: PASSWORD, mode: 'token' });
  assert.equal(login.status, 200, login.text);
  const token = (login.body as { access_token: string }).access_token;
  const { sid, jti } = decodeJwt(token) as { sid: string; jti: string };
  return { token, sid, jti };
}

async function logout(server: TestServer, token: string): Promise<void> {
  const response = await createClient(server).post('/auth/logout', undefined, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(response.status, 204, response.text);
}

/**
 * A subscriber through src/verify/sse.ts; `drop()` cuts its connection (the client then reconnects by itself)
 * and `down` makes its reconnects fail.
 */
function subscribe(server: TestServer, headers: Record<string, string> = {}, idleTimeoutMs?: number) {
  const state = { down: false };
  const events: SseEvent[] = [];
  const errors: unknown[] = [];
  const requests: Headers[] = [];
  const opens: number[] = [];
  const live = new Set<AbortController>();
  const connection = connectSse({
    url: `${server.url}/auth/revocations`,
    headers,
    retryMs: 50,
    ...(idleTimeoutMs === undefined ? {} : { idleTimeoutMs }),
    onEvent: (event) => events.push(event),
    onError: (error) => errors.push(error),
    onOpen: () => opens.push(events.length),
    fetch: (input, init) => {
      requests.push(new Headers(init?.headers));
      if (state.down) return Promise.reject(new Error('feed down'));
      const controller = new AbortController();
      init?.signal?.addEventListener('abort', () => controller.abort(init.signal?.reason));
      live.add(controller);
      return fetch(input, { ...init, signal: controller.signal });
    },
  });
  /** Where the opening heartbeat of the connection that started at `from` is, or -1. */
  const openingBeat = (from: number | undefined) => (from === undefined ? -1 : events.findIndex((e, i) => i >= from && e.event === 'heartbeat'));
  return {
    state,
    events,
    errors,
    requests,
    close: () => connection.close(),
    drop: () => live.forEach((c) => c.abort()),
    /** The events a connection opened with: everything before its opening heartbeat. */
    async opening(connectionIndex = 0, timeoutMs = 5000): Promise<SseEvent[]> {
      await until(`the opening heartbeat of connection ${connectionIndex}`, () => openingBeat(opens[connectionIndex]) !== -1, { timeoutMs });
      return events.slice(opens[connectionIndex], openingBeat(opens[connectionIndex]));
    },
    revoked: (subject: string) => events.find((e) => e.event === 'revocation' && (JSON.parse(e.data) as { subject: string }).subject === subject),
  };
}

type Subscriber = ReturnType<typeof subscribe>;

describe('revocation feed', () => {
  it('replays exactly the missed revocations on Last-Event-ID; an unknown or evicted cursor gets a snapshot', async () => {
    const server = await startTestServer({ clock: realClock });
    const subscribers: Subscriber[] = [];
    const open = (headers: Record<string, string> = {}) => {
      const s = subscribe(server, headers);
      subscribers.push(s);
      return s;
    };
    try {
      const watcher = open();
      const [snapshot, ...rest] = await watcher.opening();
      assert.equal(snapshot?.event, 'snapshot');
      assert.deepEqual(rest, []);
      const boot = snapshot.id!.split(':')[0]!;
      assert.deepEqual(JSON.parse(snapshot.data), []);

      const [first, second, third] = [await tokenFor(server), await tokenFor(server), await tokenFor(server)];
      await logout(server, first.token);
      await until('the first logout', () => watcher.revoked(first.sid) !== undefined);
      const cursor = watcher.revoked(first.sid)!.id!;
      await logout(server, second.token);
      await logout(server, third.token);
      await until('the third logout', () => watcher.revoked(third.sid) !== undefined);
      const afterCursor = watcher.events.findIndex((e) => e.id === cursor) + 1;
      const missed = watcher.events.slice(afterCursor).filter((e) => e.event !== 'heartbeat');
      assert.deepEqual(missed.map((e) => e.event), ['revocation', 'revocation', 'revocation', 'revocation']);
      assert.deepEqual(missed.map((e) => (JSON.parse(e.data) as { subject: string }).subject), [second.jti, second.sid, third.jti, third.sid]);

      assert.deepEqual(await open({ 'last-event-id': cursor }).opening(), missed, 'the missed events, nothing else');
      assert.deepEqual(await open({ 'last-event-id': missed.at(-1)!.id! }).opening(), [], 'up to date: nothing to replay');
      for (const stale of ['nonsense', `${boot}:999`, `${boot}:-1`, `${boot}:1.5`, `other:${cursor.split(':')[1]}`]) {
        const opening = await open({ 'last-event-id': stale }).opening();
        assert.deepEqual(opening.map((e) => e.event), ['snapshot'], stale);
        assert.equal(opening[0]!.id, `${boot}:6`);
        const subjects = (JSON.parse(opening[0]!.data) as { subject: string }[]).map((r) => r.subject).sort();
        assert.deepEqual(subjects, [first, second, third].flatMap((t) => [t.jti, t.sid]).sort());
      }

      // Past the replay buffer (10,000 events), the oldest cursors are gone: a snapshot, not a partial replay.
      const now = Date.now();
      for (let i = 0; i < 10_000; i++) {
        await engineInternals(server.server.gatehouse).revocations.revoke({ kind: 'jti', subject: `bulk-${i}`, revokedAt: now, expiresAt: now + 60_000 });
      }
      const evicted = await open({ 'last-event-id': `${boot}:5` }).opening();
      assert.deepEqual(evicted.map((e) => e.event), ['snapshot']);
      const oldest = await open({ 'last-event-id': `${boot}:6` }).opening();
      assert.equal(oldest.length, 10_000);
      assert.ok(oldest.every((e) => e.event === 'revocation'));
      assert.equal(oldest[0]!.id, `${boot}:7`);
    } finally {
      for (const s of subscribers) s.close();
      await server.close();
    }
  });

  it('the SSE client resumes by itself after a drop, with Last-Event-ID, gets the replay; its backoff resets', async () => {
    const server = await startTestServer({ clock: realClock });
    const subscriber = subscribe(server);
    try {
      const [snapshot] = await subscriber.opening();
      assert.equal(snapshot?.event, 'snapshot');
      const victim = await tokenFor(server);
      subscriber.drop();
      await until('the drop to be noticed', () => subscriber.errors.length > 0);
      await logout(server, victim.token);
      const opening = await subscriber.opening(1);
      assert.equal(subscriber.requests[1]?.get('last-event-id'), snapshot.id);
      assert.deepEqual(opening.map((e) => [e.event, (JSON.parse(e.data) as { subject: string }).subject]), [
        ['revocation', victim.jti],
        ['revocation', victim.sid],
      ]);

      // An outage grows the backoff (50 ms doubling to 1600); once back, a drop with nothing missed reconnects
      // promptly again, and the new connection opens with a heartbeat alone (so the verifier is fresh at once).
      subscriber.state.down = true;
      subscriber.drop();
      await until('the backoff to grow', () => subscriber.errors.length >= 6);
      subscriber.state.down = false;
      await subscriber.opening(2, 3000);
      subscriber.drop();
      assert.deepEqual(await subscriber.opening(3, 1000), [], 'nothing missed, nothing replayed');
      assert.equal(subscriber.requests.at(-1)?.get('last-event-id'), opening.at(-1)!.id);
    } finally {
      subscriber.close();
      await server.close();
    }
  });

  it('the SSE client keeps a busy connection and replaces one silent for idleTimeoutMs', async () => {
    const server = await startTestServer({ clock: realClock });
    const subscriber = subscribe(server, {}, 400);
    try {
      await subscriber.opening();
      for (let i = 0; i < 10; i++) {
        const now = Date.now();
        await engineInternals(server.server.gatehouse).revocations.revoke({ kind: 'jti', subject: `busy-${i}`, revokedAt: now, expiresAt: now + 60_000 });
        await sleep(100);
      }
      assert.equal(subscriber.requests.length, 1, 'never silent for 400 ms: one connection');
      await until('the silent connection to be replaced', () => subscriber.requests.length > 1, { timeoutMs: 2000 });
      assert.match(String(subscriber.errors[0]), /silent/);
      assert.deepEqual(await subscriber.opening(1), [], 'resumed: nothing missed');
    } finally {
      subscriber.close();
      await server.close();
    }
  });

  it('with a feed token: 401 without it or with a wrong one; a verifier presenting it works', async () => {
    const server = await startTestServer({ clock: realClock, options: { revocationFeedToken: FEED_TOKEN } });
    const base = { jwksUrl: `${server.url}/.well-known/jwks.json`, issuer: 'gatehouse', audience: 'gatehouse', revocationsUrl: `${server.url}/auth/revocations` };
    const verifier = createVerifier({ ...base, revocationsHeaders: { authorization: `Bearer ${FEED_TOKEN}` } });
    const outsider = createVerifier({ ...base, revocationsHeaders: { authorization: `Bearer ${FEED_TOKEN.slice(0, -1)}x` } });
    try {
      for (const authorization of [undefined, `Bearer ${FEED_TOKEN.slice(0, -1)}x`, `Bearer ${FEED_TOKEN}x`, 'Bearer short', FEED_TOKEN, `Basic ${FEED_TOKEN}`]) {
        const response = await fetch(`${server.url}/auth/revocations`, { headers: authorization ? { authorization } : {} });
        assert.equal(response.status, 401, authorization);
        assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'unauthenticated');
      }
      const controller = new AbortController();
      const allowed = await fetch(`${server.url}/auth/revocations`, { headers: { authorization: `Bearer ${FEED_TOKEN}` }, signal: controller.signal });
      assert.equal(allowed.status, 200);
      assert.match(allowed.headers.get('content-type') ?? '', /^text\/event-stream/);
      controller.abort();

      const user = await tokenFor(server);
      await verifier.ready();
      assert.equal((await verifier.verify(user.token))?.sid, user.sid);
      await sleep(300);
      await assert.rejects(outsider.verify(user.token), { code: 'unavailable' });
      assert.equal(outsider.staleness(), null);
    } finally {
      verifier.close();
      outsider.close();
      await server.close();
    }
  });

  it('in production the feed is closed (403, a warning at start-up) until GATEHOUSE_REVOCATION_FEED_TOKEN is set; in development it is open', async () => {
    const warnings = (server: TestServer) =>
      server.logs.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((l) => l.level === 40 && /GATEHOUSE_REVOCATION_FEED_TOKEN/.test(l.msg));
    assert.equal(resolveConfig({ env: { NODE_ENV: 'production' } }).production, true);
    assert.equal(resolveConfig({ env: { NODE_ENV: 'development' } }).production, false);
    assert.equal(resolveConfig({}).production, false);
    const closed = await startTestServer({ clock: realClock, options: { production: true } });
    const quiet = await startTestServer({ clock: realClock, options: { production: true, logLevel: 'warn' } });
    const guarded = await startTestServer({ clock: realClock, options: { production: true, revocationFeedToken: FEED_TOKEN } });
    const development = await startTestServer({ clock: realClock });
    const verifier = createVerifier({
      jwksUrl: `${closed.url}/.well-known/jwks.json`, issuer: 'gatehouse', audience: 'gatehouse', revocationsUrl: `${closed.url}/auth/revocations`,
    });
    const controller = new AbortController();
    try {
      for (const server of [closed, quiet]) {
        assert.equal(warnings(server).length, 1, 'one warning line at start-up, whatever the log level');
        assert.match(warnings(server)[0]!.msg, /closed until GATEHOUSE_REVOCATION_FEED_TOKEN is set/);
      }
      for (const authorization of [undefined, `Bearer ${FEED_TOKEN}`]) {
        const response = await fetch(`${closed.url}/auth/revocations`, { headers: authorization ? { authorization } : {} });
        assert.equal(response.status, 403, authorization);
        const { error } = (await response.json()) as { error: { code: string; message: string } };
        assert.equal(error.code, 'forbidden');
        assert.match(error.message, /GATEHOUSE_REVOCATION_FEED_TOKEN/);
      }
      const user = await tokenFor(closed);
      await sleep(300);
      await assert.rejects(verifier.verify(user.token), { code: 'unavailable' }, 'a verifier refused the feed fails closed');

      assert.deepEqual(warnings(guarded), []);
      assert.equal((await fetch(`${guarded.url}/auth/revocations`)).status, 401);
      const allowed = await fetch(`${guarded.url}/auth/revocations`, { headers: { authorization: `Bearer ${FEED_TOKEN}` }, signal: controller.signal });
      assert.equal(allowed.status, 200);
      controller.abort();

      assert.deepEqual(warnings(development), []);
      const open = new AbortController();
      assert.equal((await fetch(`${development.url}/auth/revocations`, { signal: open.signal })).status, 200, 'open in development');
      open.abort();
    } finally {
      verifier.close();
      for (const server of [closed, quiet, guarded, development]) await server.close();
    }
  });

  it('a quiet, healthy feed keeps a verifier fresh on heartbeats alone', async () => {
    const server = await startTestServer({ clock: realClock });
    const verifier = createVerifier({
      jwksUrl: `${server.url}/.well-known/jwks.json`,
      issuer: 'gatehouse',
      audience: 'gatehouse',
      revocationsUrl: `${server.url}/auth/revocations`,
      maxStalenessMs: HEARTBEAT_MS + 1000,
    });
    try {
      const user = await tokenFor(server);
      await verifier.ready();
      const deadline = Date.now() + HEARTBEAT_MS + 1000;
      for (let previous = verifier.staleness()!; ; await sleep(100)) {
        assert.equal((await verifier.verify(user.token))?.sid, user.sid);
        const staleness = verifier.staleness()!;
        if (staleness < previous) break; // a periodic heartbeat arrived
        previous = staleness;
        assert.ok(Date.now() < deadline, `no heartbeat within ${HEARTBEAT_MS} ms; staleness ${staleness}`);
      }
      assert.ok(verifier.staleness()! < 500);
    } finally {
      verifier.close();
      await server.close();
    }
  });

  it('a server with feed subscribers connected shuts down promptly', async () => {
    const server = await startTestServer({ clock: realClock });
    const subscriber = subscribe(server);
    const verifier = createVerifier({
      jwksUrl: `${server.url}/.well-known/jwks.json`,
      issuer: 'gatehouse',
      audience: 'gatehouse',
      revocationsUrl: `${server.url}/auth/revocations`,
    });
    try {
      await subscriber.opening();
      await verifier.ready();
      const started = Date.now();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([server.close(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('server.close() hung')), 5000)))]);
      clearTimeout(timer);
      const took = Date.now() - started;
      assert.ok(took < 3000, `server.close() took ${took} ms`);
      await until('the subscriber to see the stream end', () => subscriber.errors.length > 0, { timeoutMs: 2000 });
    } finally {
      subscriber.close();
      verifier.close();
    }
  });
});
