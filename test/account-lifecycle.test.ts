// The account lifecycle of SPEC §5 end to end, through a real SMTP server on loopback (mail-kit.ts): email
// verification, forgotten password and reset, email change, account deletion; and the attacks on them — a
// token reused, expired, used for another purpose or after a password change, an unknown email told apart by
// its answer or its timing, mail-bombing — plus production without SMTP (501) and an SMTP outage (503).
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveServerConfig } from '../src/server/config.js';
import { bearer, createClient, errorCode, PASSWORD, register, signedIn, startTestServer, tokenLogin, type TestServer } from './helpers.js';
import { serveCli, type RunningCliServer } from './cli-kit.js';
import { SKIP_CLUSTER as skip, startCluster, type Cluster } from './cluster.js';
import { freePort, tempDirs, until } from './kit.js';
import { linkToken, startMailCatcher, type MailCatcher } from './mail-kit.js';
import { describeOrSkip } from './support-services.js';

const NEW_PASSWORD = 'a completely different passphrase 42';

describe('account lifecycle over real SMTP', () => {
  let smtp: MailCatcher;
  let server: TestServer;

  before(async () => {
    smtp = await startMailCatcher();
    server = await startTestServer({ options: { smtpUrl: smtp.url, mailFrom: 'Gatehouse <auth@example.com>' } });
  });
  after(async () => {
    await server.close();
    await smtp.close();
  });

  it('register → request verification → mail → verify: emailVerified, and the link works once', async () => {
    const { client, email, login } = await signedIn(server);
    const me = await client.get('/auth/me');
    assert.equal((me.body as { user: { emailVerified: boolean } }).user.emailVerified, false);
    const requested = await client.post('/auth/email/verify/request', undefined, { headers: client.csrfHeaders() });
    assert.equal(requested.status, 202);
    const mail = await smtp.next(email);
    assert.match(mail.from, /auth@example\.com/);
    const { page, token, url } = linkToken(mail);
    assert.equal(page, 'verify-email');
    assert.ok(url.startsWith(`${server.url}/verify-email#token=`), url); // the server's own origin, token in the fragment
    const verified = await createClient(server).post('/auth/email/verify', { token });
    assert.equal(verified.status, 200);
    assert.deepEqual((verified.body as { user: { id: string; emailVerified: boolean } }).user.emailVerified, true);
    assert.equal((verified.body as { user: { id: string } }).user.id, login.user.id);
    const again = await createClient(server).post('/auth/email/verify', { token });
    assert.equal(again.status, 400);
    assert.equal(errorCode(again), 'invalid_token');
  });

  it('forgot → mail → reset: the new password works, the old session and tokens are refused, the link is spent', async () => {
    const { client, email } = await signedIn(server);
    const tokens = await tokenLogin(server, email);
    const anonymous = createClient(server);
    const forgot = await anonymous.post('/auth/password/forgot', { email });
    assert.equal(forgot.status, 202);
    const { page, token } = linkToken(await smtp.next(email));
    assert.equal(page, 'reset-password');
    const reset = await anonymous.post('/auth/password/reset', { token, newPassword: NEW_PASSWORD });
    assert.equal(reset.status, 204, reset.text);

    assert.equal((await client.get('/auth/me')).status, 401);
    assert.equal((await anonymous.get('/auth/me', bearer(tokens.access_token))).status, 401);
    assert.equal((await anonymous.post('/auth/refresh', { refresh_token: tokens.refresh_token })).status, 401);
    assert.equal((await anonymous.post('/auth/login', { email, password: PASSWORD })).status, 401);
    assert.equal((await anonymous.post('/auth/login', { email, password: NEW_PASSWORD })).status, 200);

    const reused = await anonymous.post('/auth/password/reset', { token, newPassword: 'yet another long passphrase 77' });
    assert.equal(errorCode(reused), 'invalid_token');
  });

  it('a refused new password does not spend the link', async () => {
    const { email } = await signedIn(server);
    const anonymous = createClient(server);
    await anonymous.post('/auth/password/forgot', { email });
    const { token } = linkToken(await smtp.next(email));
    const weak = await anonymous.post('/auth/password/reset', { token, newPassword: 'short' });
    assert.equal(errorCode(weak), 'invalid_request');
    assert.equal((await anonymous.post('/auth/password/reset', { token, newPassword: NEW_PASSWORD })).status, 204);
  });

  it('refuses an expired link, a reset link used for verification, one voided by a newer request or a password change, and junk — all alike', async () => {
    const anonymous = createClient(server);
    const invalid = async (path: string, body: Record<string, string>) => {
      const response = await anonymous.post(path, body);
      assert.equal(response.status, 400, `${path}: ${response.text}`);
      assert.equal(errorCode(response), 'invalid_token');
      return (response.body as { error: { message: string } }).error.message;
    };
    const messages = new Set<string>();

    const { client, email } = await signedIn(server);
    await anonymous.post('/auth/password/forgot', { email });
    const expired = linkToken(await smtp.next(email)).token;
    server.clock.advance(31 * 60_000); // GATEHOUSE_RESET_TTL is 30 min
    messages.add(await invalid('/auth/password/reset', { token: expired, newPassword: NEW_PASSWORD }));

    await anonymous.post('/auth/password/forgot', { email });
    const wrongPurpose = linkToken(await smtp.next(email)).token;
    messages.add(await invalid('/auth/email/verify', { token: wrongPurpose }));
    messages.add(await invalid('/auth/email/change/confirm', { token: wrongPurpose }));

    await anonymous.post('/auth/password/forgot', { email });
    const older = linkToken(await smtp.next(email)).token;
    await anonymous.post('/auth/password/forgot', { email });
    const newer = linkToken(await smtp.next(email)).token;
    messages.add(await invalid('/auth/password/reset', { token: older, newPassword: NEW_PASSWORD }));

    // 31 minutes after the login: a password change needs step-up (SPEC §6) first.
    assert.equal((await client.post('/auth/reauthenticate', { password: PASSWORD }, { headers: client.csrfHeaders() })).status, 200);
    const changed = await client.post('/auth/password', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD }, { headers: client.csrfHeaders() });
    assert.equal(changed.status, 204);
    messages.add(await invalid('/auth/password/reset', { token: newer, newPassword: 'yet another long passphrase 77' }));

    messages.add(await invalid('/auth/password/reset', { token: 'not-a-token', newPassword: NEW_PASSWORD }));
    const [id] = newer.split('.');
    messages.add(await invalid('/auth/email/verify', { token: `${id}.${'A'.repeat(43)}` }));
    assert.equal(messages.size, 1, 'one message for every kind of bad token');
  });

  it('maintain() sweeps links that have expired from the store', async () => {
    const { email } = await signedIn(server);
    await createClient(server).post('/auth/password/forgot', { email });
    const [id = ''] = linkToken(await smtp.next(email)).token.split('.');
    server.clock.advance(31 * 60_000);
    await server.server.gatehouse.maintain();
    assert.equal(await server.store.oneTimeTokens.consume(id), null, 'the expired link is gone from the store');
  });

  it('change email: a notice to the old address, a link to the new, then the new address (verified)', async () => {
    const { client, email } = await signedIn(server);
    const newEmail = `moved${Math.random().toString(36).slice(2)}@example.org`;
    const wrong = await client.post('/auth/email/change', { newEmail, currentPassword: 'not the password at all' }, { headers: client.csrfHeaders() });
    assert.equal(errorCode(wrong), 'invalid_credentials');
    const requested = await client.post('/auth/email/change', { newEmail, currentPassword: PASSWORD }, { headers: client.csrfHeaders() });
    assert.equal(requested.status, 202, requested.text);
    const notice = await smtp.next(email);
    assert.match(notice.text, new RegExp(newEmail.replace('.', '\\.')));
    assert.doesNotMatch(notice.text, /#token=/);
    const { page, token } = linkToken(await smtp.next(newEmail));
    assert.equal(page, 'confirm-email');
    const confirmed = await createClient(server).post('/auth/email/change/confirm', { token });
    assert.equal(confirmed.status, 200);
    assert.deepEqual(
      (({ email: e, emailVerified }) => ({ e, emailVerified }))((confirmed.body as { user: { email: string; emailVerified: boolean } }).user),
      { e: newEmail, emailVerified: true },
    );
    assert.equal((await createClient(server).post('/auth/login', { email, password: PASSWORD })).status, 401);
    assert.equal((await createClient(server).post('/auth/login', { email: newEmail, password: PASSWORD })).status, 200);
  });

  it('delete account: the password again, then the user, its sessions and token families are gone; the audit trail keeps only the user id', async () => {
    const { client, email, login } = await signedIn(server);
    const userId = login.user.id;
    const tokens = await tokenLogin(server, email);
    const refused = await client.delete('/auth/account', { body: { currentPassword: 'not the password at all' }, headers: client.csrfHeaders() });
    assert.equal(errorCode(refused), 'invalid_credentials');
    const deleted = await client.delete('/auth/account', { body: { currentPassword: PASSWORD }, headers: client.csrfHeaders() });
    assert.equal(deleted.status, 204, deleted.text);
    const anonymous = createClient(server);
    assert.equal((await client.get('/auth/me')).status, 401);
    assert.equal((await anonymous.get('/auth/me', bearer(tokens.access_token))).status, 401);
    assert.equal((await anonymous.post('/auth/refresh', { refresh_token: tokens.refresh_token })).status, 401);
    assert.equal((await anonymous.post('/auth/login', { email, password: PASSWORD })).status, 401);
    assert.equal(await server.store.users.findByEmail(email), null);
    const trail = await server.store.audit.listByUser(userId, { limit: 100 });
    assert.ok(trail.some((r) => r.type === 'login.succeeded') && trail.some((r) => r.type === 'account.deleted'), 'the events stay');
    for (const row of trail) {
      assert.deepEqual([row.ip, row.userAgent], [null, null], `${row.type} keeps no address or user agent`);
      assert.ok(!JSON.stringify(row).includes(email), `${row.type} keeps no email`);
    }
    assert.equal((await anonymous.post('/auth/register', { email, password: PASSWORD })).status, 201);
  });

  it('mail-bombing one address is stopped (429 + Retry-After), and the limit counts per address', async () => {
    const { email } = await signedIn(server);
    const anonymous = createClient(server);
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 8; i++) {
      last = await anonymous.post('/auth/password/forgot', { email });
      statuses.push(last.status);
    }
    assert.deepEqual(statuses, [202, 202, 202, 202, 202, 429, 429, 429]); // GATEHOUSE_MAIL_ADDRESS_LIMIT 5
    assert.ok(Number(last?.headers.get('retry-after')) > 0);
    await until('the five mails', () => smtp.inbox.filter((m) => m.to.includes(email)).length >= 5);
  });
});

describeOrSkip('a password reset on one instance of a cluster', skip, () => {
  let smtp: MailCatcher;
  let cluster: Cluster;
  before(async () => {
    smtp = await startMailCatcher();
    cluster = await startCluster(2, { smtpUrl: smtp.url });
  });
  after(async () => {
    await cluster?.close();
    await smtp?.close();
  });

  it('ends the old sessions and tokens on the other instance too, access tokens within a second', async () => {
    const [a, b] = cluster.instances as [TestServer, TestServer];
    const { client, email } = await signedIn(a);
    const tokens = await tokenLogin(b, email);
    const cookieOnB = createClient(b);
    for (const [name, value] of client.jar) cookieOnB.jar.set(name, value);
    const anonymousB = createClient(b);
    assert.equal((await cookieOnB.get('/auth/me')).status, 200);
    assert.equal((await anonymousB.get('/auth/me', bearer(tokens.access_token))).status, 200);

    await createClient(a).post('/auth/password/forgot', { email });
    const { token } = linkToken(await smtp.next(email));
    assert.equal((await createClient(a).post('/auth/password/reset', { token, newPassword: NEW_PASSWORD })).status, 204);

    await until('the access token refused on the other instance', async () => (await anonymousB.get('/auth/me', bearer(tokens.access_token))).status === 401, { timeoutMs: 1000 });
    assert.equal((await cookieOnB.get('/auth/me')).status, 401);
    assert.equal((await anonymousB.post('/auth/refresh', { refresh_token: tokens.refresh_token })).status, 401);
    assert.equal((await anonymousB.post('/auth/login', { email, password: PASSWORD })).status, 401);
    assert.equal((await anonymousB.post('/auth/login', { email, password: NEW_PASSWORD })).status, 200);
  });
});

describe('forgot password tells nothing about the account', () => {
  // The server runs in a process of its own, as in production: the mail a known address gets is sent after its
  // answer has gone out, and must not be able to slow this process's reading of that answer.
  let smtp: MailCatcher;
  let server: RunningCliServer;
  const dirs = tempDirs('gatehouse-forgot-');
  before(async () => {
    smtp = await startMailCatcher();
    server = await serveCli(dirs.make(), {
      GATEHOUSE_SMTP_URL: smtp.url,
      GATEHOUSE_MAIL_ADDRESS_LIMIT: '10000',
      GATEHOUSE_MAIL_IP_LIMIT: '1000000',
    });
  });
  after(async () => {
    await server.stop();
    await smtp.close();
    dirs.removeAll();
  });

  it('answers an unknown email with the same 202 and body, in similar time (medians within 35%)', async () => {
    const target = { url: server.url, origin: server.url.replace(/^http:/, 'https:') };
    const email = await register(target);
    const anonymous = createClient(target);
    // Each answer is timed alone: a known address's mail is let arrive before the next request.
    const mailsTo = () => smtp.inbox.filter((m) => m.to.includes(email)).length;
    const settle = async (mails: number) => {
      await until('the reset mails', () => mailsTo() >= mails);
      await new Promise((resolve) => setTimeout(resolve, 10));
    };
    let expected = mailsTo();
    const known = await anonymous.post('/auth/password/forgot', { email });
    await settle(++expected);
    const unknown = await anonymous.post('/auth/password/forgot', { email: 'nobody-here@example.com' });
    assert.deepEqual([known.status, known.text], [unknown.status, unknown.text]);
    assert.equal(known.status, 202);

    const time = async (address: string) => {
      const started = process.hrtime.bigint();
      const response = await anonymous.post('/auth/password/forgot', { email: address });
      assert.equal(response.status, 202);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const knownTimes: number[] = [];
    const unknownTimes: number[] = [];
    for (let i = 0; i < 30; i++) {
      knownTimes.push(await time(email));
      await settle(++expected);
      unknownTimes.push(await time(`nobody${i}@example.com`));
      await settle(expected);
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    const [a, b] = [median(knownTimes), median(unknownTimes)];
    assert.ok(Math.abs(a - b) / Math.max(a, b) < 0.35, `medians ${a.toFixed(2)} ms (known) vs ${b.toFixed(2)} ms (unknown)`);
  });
});

describe('verified email required', () => {
  let smtp: MailCatcher;
  let server: TestServer;
  before(async () => {
    smtp = await startMailCatcher();
    server = await startTestServer({ options: { smtpUrl: smtp.url, requireVerifiedEmail: true } });
  });
  after(async () => {
    await server.close();
    await smtp.close();
  });

  it('a correct password on an unverified account is 403 email_not_verified; a wrong one stays 401; verified logs in', async () => {
    const anonymous = createClient(server);
    const email = `unverified${Math.random().toString(36).slice(2)}@example.com`;
    assert.equal((await anonymous.post('/auth/register', { email, password: PASSWORD })).status, 201);
    assert.equal(errorCode(await anonymous.post('/auth/login', { email, password: 'not the password at all' })), 'invalid_credentials');
    const refused = await anonymous.post('/auth/login', { email, password: PASSWORD });
    assert.equal(refused.status, 403);
    assert.equal(errorCode(refused), 'email_not_verified');
    assert.equal(linkToken(await smtp.next(email)).page, 'verify-email'); // at registration
    assert.equal(linkToken(await smtp.next(email)).page, 'verify-email'); // for the refused login
    // Proving the mailbox through a reset link verifies the address too.
    await anonymous.post('/auth/password/forgot', { email });
    const { token } = linkToken(await smtp.next(email));
    assert.equal((await anonymous.post('/auth/password/reset', { token, newPassword: NEW_PASSWORD })).status, 204);
    assert.equal((await anonymous.post('/auth/login', { email, password: NEW_PASSWORD })).status, 200);
  });

  it('registration mails the verification link; a login refused for the address mails a new one, a wrong password none', async () => {
    const anonymous = createClient(server);
    const email = `newcomer${Math.random().toString(36).slice(2)}@example.com`;
    assert.equal((await anonymous.post('/auth/register', { email, password: PASSWORD })).status, 201);
    const first = linkToken(await smtp.next(email));
    assert.equal(first.page, 'verify-email');

    const mailsTo = () => smtp.inbox.filter((m) => m.to.includes(email)).length;
    assert.equal(errorCode(await anonymous.post('/auth/login', { email, password: 'not the password at all' })), 'invalid_credentials');
    assert.equal(errorCode(await anonymous.post('/auth/login', { email, password: PASSWORD })), 'email_not_verified');
    const second = linkToken(await smtp.next(email));
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(mailsTo(), 2, 'one link at registration, one for the refused login with the right password, none for the wrong one');

    assert.equal(errorCode(await anonymous.post('/auth/email/verify', { token: first.token })), 'invalid_token', 'the newer link voided the first');
    assert.equal((await anonymous.post('/auth/email/verify', { token: second.token })).status, 200);
    assert.equal((await anonymous.post('/auth/login', { email, password: PASSWORD })).status, 200);
  });
});

describe('mail not configured, or down', () => {
  it('production without SMTP: the server starts with a warning and the mail endpoints answer 501', async () => {
    const server = await startTestServer({ options: { production: true, revocationFeedToken: 'f'.repeat(32) } });
    try {
      assert.ok(server.logs.some((line) => line.includes('GATEHOUSE_SMTP_URL is not set')));
      const { client, email } = await signedIn(server);
      const verify = await client.post('/auth/email/verify/request', undefined, { headers: client.csrfHeaders() });
      assert.equal(verify.status, 501);
      assert.equal(errorCode(verify), 'not_configured');
      assert.equal((await createClient(server).post('/auth/password/forgot', { email })).status, 501);
      const change = await client.post('/auth/email/change', { newEmail: 'x@example.org', currentPassword: PASSWORD }, { headers: client.csrfHeaders() });
      assert.equal(change.status, 501);
    } finally {
      await server.close();
    }
  });

  it('GATEHOUSE_REQUIRE_VERIFIED_EMAIL=1 in production without SMTP refuses to start, saying why', () => {
    assert.throws(
      () => resolveServerConfig({ env: { NODE_ENV: 'production', GATEHOUSE_REQUIRE_VERIFIED_EMAIL: '1' } }),
      /GATEHOUSE_REQUIRE_VERIFIED_EMAIL: in production it needs GATEHOUSE_SMTP_URL/,
    );
  });

  it('SMTP down: verification and email change fail cleanly (503, no link left valid); forgot still answers 202', async () => {
    const port = await freePort(); // nothing listens there
    const server = await startTestServer({ options: { smtpUrl: `smtp://user:s3cret-pw@127.0.0.1:${port}` } });
    try {
      const { client, email, login } = await signedIn(server);
      const verify = await client.post('/auth/email/verify/request', undefined, { headers: client.csrfHeaders() });
      assert.equal(verify.status, 503);
      assert.equal(errorCode(verify), 'unavailable');
      assert.ok(verify.headers.get('retry-after'));
      const change = await client.post('/auth/email/change', { newEmail: 'x@example.org', currentPassword: PASSWORD }, { headers: client.csrfHeaders() });
      assert.equal(change.status, 503);
      assert.equal(await server.store.oneTimeTokens.deleteByUser(login.user.id), 0, 'no token outlives its failed mail');

      assert.equal((await createClient(server).post('/auth/password/forgot', { email })).status, 202);
      await until('the background failure to be logged', () => server.logs.some((line) => line.includes('mail failed')));
      assert.equal(await server.store.oneTimeTokens.deleteByUser(login.user.id), 0);
      assert.ok(!server.logs.some((line) => line.includes('s3cret-pw')), 'the SMTP password is never logged');
    } finally {
      await server.close();
    }
  });
});

describe('development outbox', () => {
  it('without SMTP outside production, each mail is a log line with its link and an .eml file in <data dir>/outbox', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-outbox-'));
    const server = await startTestServer({ options: { dataDir, publicUrl: 'https://auth.example.com/' } });
    try {
      const { email } = await signedIn(server);
      assert.equal((await createClient(server).post('/auth/password/forgot', { email })).status, 202);
      const line = await until('the outbox log line', () => server.logs.find((l) => l.includes('development outbox')));
      const logged = (JSON.parse(line) as { mail: { to: string; link: string } }).mail;
      assert.equal(logged.to, email);
      assert.match(logged.link, /^https:\/\/auth\.example\.com\/reset-password#token=[\w-]{22}\.[\w-]{43}$/);
      const files = readdirSync(join(dataDir, 'outbox'));
      assert.equal(files.length, 1);
      const eml = readFileSync(join(dataDir, 'outbox', files[0] ?? ''), 'utf8');
      assert.match(eml, /^Subject: Reset your password$/m);
      assert.match(eml, new RegExp(`^To: ${email.replace('.', '\\.')}$`, 'm'));
      assert.ok(eml.includes('https://auth.example.com/reset-password#token'), 'the link, in the text part');
    } finally {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
