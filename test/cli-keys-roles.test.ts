// CLI tests for `gatehouse keys list|rotate` and `gatehouse roles grant`, run as real processes on a fresh data
// directory: the generated secret file (0600, reused), GATEHOUSE_SECRET instead of it, the keys a server on
// the same directory publishes, roles that reach tokens and /auth/me, and the exit codes of bad input.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { tempDirs } from './kit.js';
import { runCli, serveCli, type CliResult as Result } from './cli-kit.js';

const SECRET_FILE = 'gatehouse.secret';
const PASSWORD = 'correct horse battery staple';

const run = runCli;

/** Kids printed by `keys list`, one a line. */
function listedKids(result: Result): string[] {
  assert.equal(result.code, 0, result.stderr);
  return result.stdout
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split(/\s+/)[0] ?? '');
}

const serve = serveCli;

async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('gatehouse keys and roles commands', () => {
  const temp = tempDirs('gatehouse-cli-');
  const freshDir = () => temp.make();
  after(() => temp.removeAll());

  it('keys list / keys rotate on a fresh dir; the server publishes both keys; the secret file is reused', async () => {
    const dir = freshDir();
    const secretPath = join(dir, SECRET_FILE);

    const first = await run(['keys', 'list', '--data-dir', dir]);
    const [A] = listedKids(first);
    assert.equal(listedKids(first).length, 1, first.stdout);
    assert.ok(A && /^[A-Za-z0-9_-]{16}$/.test(A), `a kid: ${A}`);
    assert.ok(existsSync(secretPath), 'the secret was generated into the data dir');
    assert.equal(statSync(secretPath).mode & 0o777, 0o600, 'readable by its owner only');
    const secret = readFileSync(secretPath, 'utf8');
    assert.ok(secret.trim().length >= 32);
    assert.ok(!first.stdout.includes(secret.trim()) && !first.stderr.includes(secret.trim()), 'the secret is never printed');

    const rotated = await run(['keys', 'rotate', '--data-dir', dir]);
    assert.equal(rotated.code, 0, rotated.stderr);
    const B = /New signing key ([A-Za-z0-9_-]+):/.exec(rotated.stdout)?.[1];
    assert.ok(B, rotated.stdout);
    assert.notEqual(B, A);
    assert.match(rotated.stdout, /published now, signs from /);

    const listed = listedKids(await run(['keys', 'list', '--data-dir', dir]));
    assert.deepEqual([...listed].sort(), [A, B].sort());
    assert.equal(readFileSync(secretPath, 'utf8'), secret, 'the same secret file is read back');

    const server = await serve(dir);
    try {
      const response = await fetch(`${server.url}/.well-known/jwks.json`);
      assert.equal(response.status, 200);
      const jwks = (await response.json()) as { keys: { kid: string; d?: string }[] };
      assert.deepEqual(jwks.keys.map((k) => k.kid).sort(), [A, B].sort());
      assert.ok(jwks.keys.every((k) => !('d' in k)));
      assert.ok(!server.output().includes(secret.trim()), 'the server does not log the secret');
    } finally {
      await server.stop();
    }
    assert.equal(readFileSync(secretPath, 'utf8'), secret, 'the server reused the secret file');
    assert.equal(statSync(secretPath).mode & 0o777, 0o600);
  });

  it('uses GATEHOUSE_SECRET instead of a file when it is set; the keys need that same secret', async () => {
    const dir = freshDir();
    const envSecret = 'env-secret-for-the-cli-test-'.padEnd(40, 'x');
    const first = await run(['keys', 'list', '--data-dir', dir], { GATEHOUSE_SECRET: envSecret });
    const [kid] = listedKids(first);
    assert.ok(kid);
    assert.ok(!existsSync(join(dir, SECRET_FILE)), 'no secret file is created when GATEHOUSE_SECRET is set');

    const again = await run(['keys', 'list', '--data-dir', dir], { GATEHOUSE_SECRET: envSecret });
    assert.deepEqual(listedKids(again), [kid], 'the same key decrypts with the same secret');

    // Without it, a secret is generated, which cannot open the keys stored with the other one.
    const without = await run(['keys', 'list', '--data-dir', dir]);
    assert.notEqual(without.code, 0);
    assert.match(without.stderr, /GATEHOUSE_SECRET/);
    assert.ok(!without.stderr.includes(envSecret));

    const tooShort = await run(['keys', 'list', '--data-dir', dir], { GATEHOUSE_SECRET: 'short' });
    assert.equal(tooShort.code, 2, tooShort.stderr);
    assert.match(tooShort.stderr, /at least 32 characters/);
    assert.ok(!tooShort.stderr.includes('"short"'), 'the bad secret is not echoed');
  });

  it('refuses an empty or truncated secret file instead of encrypting keys with it', async () => {
    for (const content of ['', '\n', 'short-secret\n']) {
      const dir = freshDir();
      writeFileSync(join(dir, SECRET_FILE), content, { mode: 0o600 });
      const result = await run(['keys', 'list', '--data-dir', dir]);
      assert.equal(result.code, 1, `${JSON.stringify(content)}: ${result.stdout}`);
      assert.match(result.stderr, /gatehouse\.secret is empty or shorter than 32 characters/);
      assert.equal(result.stdout, '', 'no key was listed (or made)');
      assert.equal(readFileSync(join(dir, SECRET_FILE), 'utf8'), content, 'the file is left for the operator');
    }
  });

  it('roles grant: unknown email exits 1; a granted role reaches token logins and /auth/me; bad roles are refused', async () => {
    const dir = freshDir();
    const unknown = await run(['roles', 'grant', 'nobody@example.com', 'admin', '--data-dir', dir]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no user with email nobody@example\.com/);

    const email = 'root@example.com';
    const server = await serve(dir);
    try {
      const registered = await postJson(`${server.url}/auth/register`, { email, password: PASSWORD });
      assert.equal(registered.status, 201, JSON.stringify(registered.body));
      const before = await postJson(`${server.url}/auth/login`, { email, password: PASSWORD, mode: 'token' });
      assert.equal(before.status, 200);
      assert.deepEqual(decodeJwt(before.body['access_token'] as string)['roles'], []);

      // While the server runs (SQLite in WAL mode lets the CLI write beside it).
      const granted = await run(['roles', 'grant', email, 'admin', '--data-dir', dir]);
      assert.equal(granted.code, 0, granted.stderr);
      assert.match(granted.stdout, /Granted admin to root@example\.com/);

      const login = await postJson(`${server.url}/auth/login`, { email, password: PASSWORD, mode: 'token' });
      assert.equal(login.status, 200, JSON.stringify(login.body));
      const accessToken = login.body['access_token'] as string;
      assert.deepEqual(decodeJwt(accessToken)['roles'], ['admin']);
      const me = await fetch(`${server.url}/auth/me`, { headers: { authorization: `Bearer ${accessToken}` } });
      assert.equal(me.status, 200);
      assert.deepEqual(((await me.json()) as { user: { roles: string[] } }).user.roles, ['admin']);

      const invalid = await run(['roles', 'grant', email, 'Admin Role!', '--data-dir', dir]);
      assert.notEqual(invalid.code, 0);
      assert.match(invalid.stderr, /role/i);
      const again = await run(['roles', 'grant', email, 'admin', '--data-dir', dir]);
      assert.equal(again.code, 0, 'granting a role twice is harmless');
      const relogin = await postJson(`${server.url}/auth/login`, { email, password: PASSWORD, mode: 'token' });
      assert.deepEqual(decodeJwt(relogin.body['access_token'] as string)['roles'], ['admin'], 'neither the bad role nor a duplicate was added');
    } finally {
      await server.stop();
    }

    // And while the server is stopped; a restarted server sees it.
    const second = await run(['roles', 'grant', email, 'auditor', '--data-dir', dir]);
    assert.equal(second.code, 0, second.stderr);
    const restarted = await serve(dir);
    try {
      const login = await postJson(`${restarted.url}/auth/login`, { email, password: PASSWORD, mode: 'token' });
      assert.equal(login.status, 200);
      assert.deepEqual(decodeJwt(login.body['access_token'] as string)['roles'], ['admin', 'auditor']);
    } finally {
      await restarted.stop();
    }
  });

  it('an unknown command exits 2 with the usage', async () => {
    const dir = freshDir();
    for (const args of [['frobnicate'], ['keys', 'shred'], ['roles', 'promote', 'only-one-arg@example.com']]) {
      const result = await run([...args, '--data-dir', dir]);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /unknown command/);
      assert.match(result.stderr, /Usage:/);
      assert.match(result.stderr, /gatehouse (keys rotate|roles grant EMAIL ROLE)/);
    }
  });
});
