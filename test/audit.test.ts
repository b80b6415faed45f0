// GET /auth/audit over a real socket, on the memory and SQLite stores: a user reads their own security events
// (logins, failed logins, logouts) newest first and never another user's, in pages behind a cursor, with any
// credential; bad paging parameters are a 400 and no credential a 401; retention runs in maintain() (fake
// clock); the log keeps its audit lines; a logout whose row cannot be written still ends the session (204).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createMemoryStore } from '../src/stores/memory/index.js';
import type { AuditRecord } from '../src/core/store.js';
import { bearer, createClient, errorCode, PASSWORD, signedIn, startTestServer, tokenLogin, type Client, type TestServer } from './helpers.js';

interface AuditBody {
  events: { id: string; type: string; at: string; ip: string | null; userAgent: string | null; sessionId: string | null; details: Record<string, unknown> }[];
  next: string | null;
}

const DAY = 24 * 3600 * 1000;
const UA = 'audit-test/1.0 (a browser)';

async function trail(client: Client, query = '', headers: Record<string, string> = {}): Promise<AuditBody> {
  const response = await client.get(`/auth/audit${query}`, { headers });
  assert.equal(response.status, 200, response.text);
  return response.body as AuditBody;
}

for (const kind of ['memory', 'sqlite'] as const) {
  describe(`GET /auth/audit (${kind})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ store: kind });
    });
    after(() => server.close());

    it('shows a user their own login, failed login and logout, newest first, and nothing of another user', async () => {
      const { client, email, login } = await signedIn(server);
      const other = await signedIn(server);
      server.clock.advance(1000);
      const stranger = createClient(server, { browser: true });
      const failed = await stranger.post('/auth/login', { email, password: 'a wrong password guess' }, { headers: { 'user-agent': UA } });
      assert.equal(errorCode(failed), 'invalid_credentials');
      server.clock.advance(1000);
      const taken = await stranger.post('/auth/register', { email, password: 'someone else entirely 8812' }, { headers: { 'user-agent': UA } });
      assert.equal(errorCode(taken), 'email_taken');
      const second = createClient(server, { browser: true });
      assert.equal((await second.post('/auth/login', { email, password: PASSWORD }, { headers: { 'user-agent': UA } })).status, 200);
      const sessionId = ((await second.get('/auth/me')).body as { auth: { sessionId: string } }).auth.sessionId;
      assert.equal((await second.post('/auth/logout', undefined, { headers: { ...second.csrfHeaders(), 'user-agent': UA } })).status, 204);

      const { events, next } = await trail(client);
      assert.equal(next, null);
      assert.deepEqual(events.map((e) => e.type), ['logout', 'login.succeeded', 'register.refused', 'login.failed', 'login.succeeded', 'user.registered']);
      const [logout, succeeded, registration, refused] = events;
      assert.deepEqual(registration && { ip: registration.ip, userAgent: registration.userAgent, details: registration.details },
        { ip: '127.0.0.1', userAgent: UA, details: { reason: 'email_taken' } });
      assert.equal(logout?.sessionId, sessionId);
      assert.deepEqual(succeeded && { sessionId: succeeded.sessionId, userAgent: succeeded.userAgent, details: succeeded.details },
        { sessionId, userAgent: UA, details: { mode: 'session' } });
      assert.deepEqual(refused && { ip: refused.ip, userAgent: refused.userAgent, sessionId: refused.sessionId, details: refused.details },
        { ip: '127.0.0.1', userAgent: UA, sessionId: null, details: { reason: 'invalid_credentials' } });
      assert.equal(refused?.at, new Date(server.clock() - 1000).toISOString());
      assert.ok(events.every((e) => /^[0-9a-f]{32}$/.test(e.id)));

      const theirs = await trail(other.client);
      assert.deepEqual(theirs.events.map((e) => e.type), ['login.succeeded', 'user.registered']);
      assert.ok(!theirs.events.some((e) => events.some((mine) => mine.id === e.id)));
      assert.ok(!JSON.stringify(events).includes(login.csrfToken));
    });

    it('answers any credential: a bearer token sees the same trail', async () => {
      const { client, email } = await signedIn(server);
      const tokens = await tokenLogin(server, email);
      const viaToken = await trail(createClient(server), '', bearer(tokens.access_token).headers);
      assert.deepEqual(viaToken, await trail(client));
      assert.equal(viaToken.events[0]?.type, 'login.succeeded');
      assert.deepEqual(viaToken.events[0]?.details, { mode: 'token' });
    });

    it('pages with ?limit= and ?cursor=: every event once, in order, while new ones arrive', async () => {
      const { client, email } = await signedIn(server);
      for (let i = 0; i < 6; i++) {
        server.clock.advance(10);
        await createClient(server).post('/auth/login', { email, password: PASSWORD });
      }
      const all = await trail(client, '?limit=100');
      assert.equal(all.events.length, 8);
      assert.equal((await trail(client)).events.length, 8, 'the default limit is 20');

      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: AuditBody = await trail(client, `?limit=3${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
        assert.ok(page.events.length <= 3);
        seen.push(...page.events.map((e) => e.id));
        cursor = page.next;
        server.clock.advance(10);
        await createClient(server).post('/auth/login', { email, password: PASSWORD }); // newer: never on a later page
      } while (cursor !== null);
      assert.deepEqual(seen, all.events.map((e) => e.id));
      assert.equal((await trail(client, '?limit=1')).events[0]?.type, 'login.succeeded');
      assert.equal((await trail(client, '?limit=100')).events.length, 8 + 3);
    });

    it('refuses a bad limit or cursor with 400 invalid_request', async () => {
      const { client } = await signedIn(server);
      const { next } = await trail(client, '?limit=1');
      assert.ok(next);
      for (const query of ['?limit=0', '?limit=101', '?limit=abc', '?limit=-1', '?limit=1e1', '?limit=1.5', '?limit=', '?limit=%205',
        '?cursor=nonsense', `?cursor=${next}x`, `?cursor=${encodeURIComponent(Buffer.from('1.a.b').toString('base64url'))}`]) {
        const response = await client.get(`/auth/audit${query}`);
        assert.equal(response.status, 400, `${query}: ${response.text}`);
        assert.equal(errorCode(response), 'invalid_request', query);
      }
      assert.equal((await client.get('/auth/audit?limit=100')).status, 200);
      assert.equal((await client.get('/auth/audit?limit=20&unrelated=1')).status, 200, 'other parameters are ignored');
    });

    it('is 401 without a credential, and a token in the query string is not one', async () => {
      const { email } = await signedIn(server);
      const tokens = await tokenLogin(server, email);
      for (const query of ['', `?access_token=${tokens.access_token}`, `?token=${tokens.access_token}&limit=5`]) {
        const response = await createClient(server).get(`/auth/audit${query}`);
        assert.equal(response.status, 401, query);
        assert.equal(errorCode(response), 'unauthenticated');
      }
      assert.equal(errorCode(await createClient(server).get('/auth/audit?limit=0')), 'unauthenticated', 'who first, then what');
    });
  });
}

describe('audit retention and the log', () => {
  it('maintain() deletes events older than GATEHOUSE_AUDIT_RETENTION and keeps the rest', async () => {
    // Sessions outlive the test's twelve days, so the same one reads the trail throughout.
    const long = { sessionIdleTtlSeconds: 30 * 24 * 3600, sessionAbsoluteTtlSeconds: 30 * 24 * 3600 };
    const server = await startTestServer({ store: 'sqlite', options: { ...long, auditRetentionSeconds: 7 * 24 * 3600 } });
    try {
      const { client, email } = await signedIn(server);
      server.clock.advance(5 * DAY);
      await createClient(server).post('/auth/login', { email, password: 'a wrong password guess' });
      server.clock.advance(2 * DAY + 1); // registration and first login: 7 days and 1 ms old
      await server.server.gatehouse.maintain();
      assert.deepEqual((await trail(client)).events.map((e) => e.type), ['login.failed']);
      server.clock.advance(5 * DAY);
      await server.server.gatehouse.maintain();
      assert.deepEqual((await trail(client)).events, []);
    } finally {
      await server.close();
    }
  });

  it('keeps the audit lines in the log; a logout whose row cannot be written still ends the session (204) and the log says so', async () => {
    const store = createMemoryStore();
    const append = store.audit.append.bind(store.audit);
    let failing = false;
    store.audit.append = (record: AuditRecord) => (failing ? Promise.reject(new Error('connect ECONNREFUSED')) : append(record));
    const server = await startTestServer({ store });
    try {
      const { client } = await signedIn(server);
      failing = true;
      const logout = await client.post('/auth/logout', undefined, { headers: client.csrfHeaders() });
      assert.equal(logout.status, 204, logout.text);
      assert.ok(logout.setCookies.some((cookie) => /^__Host-gh_session=;/.test(cookie)), 'the cookies are cleared');
      failing = false;
      assert.equal((await client.get('/auth/me')).status, 401, 'the session is gone');

      const lines = server.logs.map((line) => JSON.parse(line) as { msg: string; level: number; audit?: { type: string } });
      for (const type of ['user.registered', 'login.succeeded', 'logout']) {
        assert.ok(lines.some((line) => line.msg === type && line.audit?.type === type), `the ${type} line`);
      }
      const failed = lines.filter((line) => line.msg === 'audit write failed');
      assert.equal(failed.length, 1);
      assert.equal(failed[0]?.audit?.type, 'logout');
      assert.equal(failed[0]?.level, 50, 'at error');
    } finally {
      await server.close();
    }
  });
});
