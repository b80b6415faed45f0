// CLI tests for the administration commands (`gatehouse users …`, `gatehouse sessions revoke`, `gatehouse
// audit`), run as real processes on the data directory of a running `gatehouse serve`: a user disabled from the
// command line is refused by the server (cookie session and login at once; a bearer token within the 5 s the
// server takes to read revocations another process stored), enabled again signs in, revoked
// sessions end, a deleted user is gone, the audit shows it all; unknown users and bad flags exit non-zero.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import { generateHOTP } from '@oslojs/otp';
import { runCli, serveCli, type RunningCliServer } from './cli-kit.js';
import { until } from './kit.js';

const PASSWORD = 'correct horse battery staple';

async function post(url: string, body: unknown) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, cookies: response.headers.getSetCookie() };
}

const meStatus = async (server: RunningCliServer, headers: Record<string, string>) => (await fetch(`${server.url}/auth/me`, { headers })).status;

describe('gatehouse users, sessions and audit commands', () => {
  let dir: string;
  let server: RunningCliServer;
  const cli = (...args: string[]) => runCli([...args, '--data-dir', dir]);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-admin-'));
    server = await serveCli(dir);
    for (const email of ['alice@example.com', 'bob@example.com']) {
      assert.equal((await post(`${server.url}/auth/register`, { email, password: PASSWORD })).status, 201);
    }
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function credentials() {
    const session = await post(`${server.url}/auth/login`, { email: 'alice@example.com', password: PASSWORD });
    assert.equal(session.status, 200);
    // The login also clears the hybrid cookies (empty values): a browser would drop those.
    const cookie = session.cookies.map((c) => c.split(';')[0] ?? '').filter((pair) => !pair.endsWith('=')).join('; ');
    const token = await post(`${server.url}/auth/login`, { email: 'alice@example.com', password: PASSWORD, mode: 'token' });
    assert.equal(token.status, 200, JSON.stringify(token.body));
    return { cookie: { cookie }, bearer: { authorization: `Bearer ${String(token.body['access_token'])}` } };
  }

  it('lists and shows users', async () => {
    const all = await cli('users', 'list');
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /alice@example\.com .* enabled/);
    assert.match(all.stdout, /bob@example\.com/);
    const some = await cli('users', 'list', '--query', 'ALI', '--limit', '5');
    assert.equal(some.code, 0, some.stderr);
    assert.match(some.stdout, /alice@example\.com/);
    assert.doesNotMatch(some.stdout, /bob/);
    await credentials();
    const shown = await cli('users', 'show', 'alice@example.com');
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /2 session\(s\)/);
    assert.match(shown.stdout, /Factors: none/);
  });

  it('shows a user\'s TOTP factor, and reset-mfa removes it: the password alone signs in again', async () => {
    const email = 'carol@example.com';
    assert.equal((await post(`${server.url}/auth/register`, { email, password: PASSWORD })).status, 201);
    const token = await post(`${server.url}/auth/login`, { email, password: PASSWORD, mode: 'token' });
    const auth = { authorization: `Bearer ${String(token.body['access_token'])}`, 'content-type': 'application/json' };
    const setup = (await (await fetch(`${server.url}/auth/mfa/totp/setup`, { method: 'POST', headers: auth })).json()) as { secret: string };
    const code = generateHOTP(decodeBase32IgnorePadding(setup.secret), BigInt(Math.floor(Date.now() / 30_000)), 6);
    const enabled = await fetch(`${server.url}/auth/mfa/totp/enable`, { method: 'POST', headers: auth, body: JSON.stringify({ code }) });
    assert.equal(enabled.status, 200);
    assert.equal((await post(`${server.url}/auth/login`, { email, password: PASSWORD, mode: 'token' })).body['mfaRequired'], true);
    const shown = await cli('users', 'show', email);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /1 factor\(s\):\n {2}totp {2}enabled \S+ {2}recovery codes left 10/);
    const reset = await cli('users', 'reset-mfa', email);
    assert.equal(reset.code, 0, reset.stderr);
    assert.match(reset.stdout, /Removed the second factors and passkeys of carol@example\.com/);
    const plain = await post(`${server.url}/auth/login`, { email, password: PASSWORD, mode: 'token' });
    assert.equal(plain.status, 200);
    assert.equal(typeof plain.body['access_token'], 'string');
    assert.match((await cli('users', 'show', email)).stdout, /Factors: none/);
    assert.match((await cli('audit', '--user', email)).stdout, /admin\.mfa_reset/);
    assert.equal((await cli('users', 'reset-mfa', 'nobody@example.com')).code, 1);
  });

  it('disable refuses the running server’s cookie session, bearer token and login; enable restores login', async () => {
    const { cookie, bearer } = await credentials();
    assert.equal(await meStatus(server, cookie), 200);
    assert.equal(await meStatus(server, bearer), 200);
    const disabled = await cli('users', 'disable', 'alice@example.com');
    assert.equal(disabled.code, 0, disabled.stderr);
    assert.match(disabled.stdout, /Disabled alice@example\.com/);
    // Another process wrote the file: the server sees it at its next change check (SQLite data_version, revocations).
    await until('cookie session refused', async () => (await meStatus(server, cookie)) === 401 || undefined);
    const login = await post(`${server.url}/auth/login`, { email: 'alice@example.com', password: PASSWORD });
    assert.equal(login.status, 401);
    assert.match((await cli('users', 'list')).stdout, /alice@example\.com .* disabled /);
    // A SQLite server without a revocation bus reads the revocations another process stored every 5 s: the
    // access token (stateless, up to its 15 minutes) is refused within that, without a restart.
    const disabledAt = Date.now();
    await until('bearer token refused', async () => (await meStatus(server, bearer)) === 401 || undefined, { timeoutMs: 8000, everyMs: 100 });
    assert.ok(Date.now() - disabledAt < 6500, `bearer refused ${Date.now() - disabledAt} ms after the disable`);

    const enabled = await cli('users', 'enable', 'alice@example.com');
    assert.equal(enabled.code, 0, enabled.stderr);
    await until('login again', async () => (await post(`${server.url}/auth/login`, { email: 'alice@example.com', password: PASSWORD })).status === 200 || undefined);
  });

  it('sessions revoke ends every session and token of the user', async () => {
    const { cookie, bearer } = await credentials();
    const revoked = await cli('sessions', 'revoke', 'alice@example.com');
    assert.equal(revoked.code, 0, revoked.stderr);
    await until('cookie session refused', async () => (await meStatus(server, cookie)) === 401 || undefined);
    await until('bearer token refused', async () => (await meStatus(server, bearer)) === 401 || undefined, { timeoutMs: 8000, everyMs: 100 });
  });

  it('delete removes the user; the audit shows what was done, from the command line', async () => {
    const deleted = await cli('users', 'delete', 'bob@example.com');
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal((await post(`${server.url}/auth/login`, { email: 'bob@example.com', password: PASSWORD })).status, 401);
    const gone = await cli('users', 'show', 'bob@example.com');
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /no user with email bob@example\.com/);

    const alice = await cli('audit', '--user', 'alice@example.com', '--limit', '50');
    assert.equal(alice.code, 0, alice.stderr);
    for (const type of ['user.disabled', 'user.enabled', 'admin.sessions_revoked', 'login.failed']) assert.match(alice.stdout, new RegExp(`  ${type.replace('.', '\\.')}  `));
    assert.match(alice.stdout, /"adminId":null/);
    assert.doesNotMatch(alice.stdout, /user\.deleted/);
    const all = await cli('audit', '--limit', '3');
    assert.equal(all.code, 0, all.stderr);
    assert.equal(all.stdout.trim().split('\n').length, 3);
    assert.match(all.stdout, /user\.deleted/);
  });

  it('refuses unknown users, bad flags and missing arguments; --help shows the commands', async () => {
    const unknown = await cli('users', 'disable', 'nobody@example.com');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no user with email nobody@example\.com/);
    assert.equal((await cli('audit', '--limit', '0')).code, 2);
    assert.equal((await cli('audit', '--user')).code, 2);
    const missing = await cli('users', 'disable');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /missing EMAIL/);
    const help = await runCli(['users', '--help']);
    assert.equal(help.code, 0);
    for (const word of ['list [--query TEXT] [--limit N]', 'show EMAIL', 'disable EMAIL', 'enable EMAIL', 'delete EMAIL']) assert.ok(help.stdout.includes(`gatehouse users ${word}`), word);
    assert.match((await runCli(['audit', '--help'])).stdout, /gatehouse audit \[--user EMAIL\] \[--limit N\]/);
    assert.match((await runCli(['sessions', '--help'])).stdout, /gatehouse sessions revoke EMAIL/);
  });
});
