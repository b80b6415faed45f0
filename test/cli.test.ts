// The command line as a real process: `--help`/`-h` on every command (its usage, the real defaults, exit 0), a
// missing argument named with the usage (exit 2), `roles revoke` against a running server, a warning for a
// mistyped GATEHOUSE_* variable, and an unreachable Redis named by its URL without the password.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { tempDirs } from './kit.js';
import { runCli, serveCli } from './cli-kit.js';
import { PASSWORD } from './helpers.js';

const run = runCli;
const serve = (dir: string) => serveCli(dir);

async function post(url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown>; cookie: string }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  // The cookies set, not the ones cleared (a login clears the other modes' cookies with empty values).
  const cookie = response.headers.getSetCookie().map((c) => c.split(';')[0] ?? '').filter((c) => !c.endsWith('=')).join('; ');
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, cookie };
}

describe('gatehouse command line', () => {
  const temp = tempDirs('gatehouse-cli-');
  const freshDir = () => temp.make();
  after(() => temp.removeAll());

  it('--help and -h on every command print its usage and the options with their real defaults, and exit 0', async () => {
    const cases: [string[], RegExp][] = [
      [['serve', '--help'], /gatehouse serve \[options\]/],
      [['serve', '-h'], /gatehouse serve \[options\]/],
      [['keys', '--help'], /gatehouse keys rotate \[options\][^]*gatehouse keys list \[options\]/],
      [['keys', 'rotate', '--help'], /gatehouse keys rotate \[options\]/],
      [['keys', 'list', '-h'], /gatehouse keys list \[options\]/],
      [['roles', 'grant', '--help'], /gatehouse roles grant EMAIL ROLE \[options\]/],
      [['roles', 'revoke', '--help'], /gatehouse roles revoke EMAIL ROLE \[options\]/],
      [['migrate', '--help'], /gatehouse migrate SOURCE_URL \[options\]/],
      [['--help'], /gatehouse roles revoke EMAIL ROLE/],
    ];
    // Run in turn: each is a Node process, and the machine may be shared.
    for (const [args, usage] of cases) {
      const result = await run(args, { GATEHOUSE_PORT: 'not-a-port' }); // help needs no valid configuration
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
      assert.equal(result.stderr, '', args.join(' '));
      assert.match(result.stdout, usage, args.join(' '));
      assert.match(result.stdout, /--database-url\s+GATEHOUSE_DATABASE_URL\s+default: sqlite:<data dir>\/gatehouse\.db/);
      assert.match(result.stdout, /--access-ttl\s+GATEHOUSE_ACCESS_TTL\s+default: 15m/);
      assert.doesNotMatch(result.stdout, /default: ""/);
    }
    const serveHelp = await run(['serve', '--help']);
    assert.doesNotMatch(serveHelp.stdout, /gatehouse migrate/, 'one command\'s help shows that command');
  });

  it('a missing argument or subcommand is named, with that command\'s usage, exit 2', async () => {
    const dir = freshDir();
    const cases: [string[], RegExp, RegExp][] = [
      [['roles', 'grant', 'ada@example.com'], /roles grant: missing ROLE/, /gatehouse roles grant EMAIL ROLE/],
      [['roles', 'revoke'], /roles revoke: missing EMAIL and ROLE/, /gatehouse roles revoke EMAIL ROLE/],
      [['migrate'], /migrate: missing SOURCE_URL/, /gatehouse migrate SOURCE_URL/],
      [['keys'], /keys: missing the subcommand \(rotate or list\)/, /gatehouse keys list/],
      [['serve', 'now'], /serve: unexpected argument now/, /gatehouse serve/],
    ];
    for (const [args, problem, usage] of cases) {
      const result = await run([...args, '--data-dir', dir]);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, problem);
      assert.doesNotMatch(result.stderr, /unknown command/);
      assert.match(result.stderr, usage);
    }
  });

  it('roles revoke takes a role away: the running server\'s sessions and new tokens lose it; unknown email exits 1', async () => {
    const dir = freshDir();
    const email = 'root@example.com';
    const unknown = await run(['roles', 'revoke', 'nobody@example.com', 'admin', '--data-dir', dir]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no user with email nobody@example\.com/);

    const server = await serve(dir);
    try {
      assert.equal((await post(`${server.url}/auth/register`, { email, password: PASSWORD })).status, 201);
      assert.equal((await run(['roles', 'grant', email, 'admin', '--data-dir', dir])).code, 0);
      const login = await post(`${server.url}/auth/login`, { email, password: PASSWORD });
      assert.equal(login.status, 200);
      const roles = async () => {
        const me = await fetch(`${server.url}/auth/me`, { headers: { cookie: login.cookie } });
        return ((await me.json()) as { user: { roles: string[] } }).user.roles;
      };
      assert.deepEqual(await roles(), ['admin']);

      const revoked = await run(['roles', 'revoke', email, 'admin', '--data-dir', dir]);
      assert.equal(revoked.code, 0, revoked.stderr);
      assert.match(revoked.stdout, /root@example\.com no longer has admin/);
      // The server notices another process's write within 100 ms.
      for (let tries = 0; (await roles()).length > 0 && tries < 50; tries++) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(await roles(), [], 'the session lost the role');
      const token = await post(`${server.url}/auth/login`, { email, password: PASSWORD, mode: 'token' });
      assert.deepEqual(decodeJwt(token.body['access_token'] as string)['roles'], []);
    } finally {
      await server.stop();
    }
  });

  it('warns about an unknown GATEHOUSE_* variable, naming the closest one, and carries on', async () => {
    const result = await run(['keys', 'list', '--data-dir', freshDir()], { GATEHOUSE_PORTT: '4000', GATEHOUSE_WHATEVER_ELSE: '1' });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /warning: GATEHOUSE_PORTT is not a Gatehouse setting and is ignored \(did you mean GATEHOUSE_PORT\?\)/);
    assert.match(result.stderr, /warning: GATEHOUSE_WHATEVER_ELSE is not a Gatehouse setting and is ignored\n/);
    const clean = await run(['keys', 'list', '--data-dir', freshDir()], { GATEHOUSE_PORT: '4000' });
    assert.equal(clean.stderr, '', 'no warning for known variables');
  });

  it('an unreachable Redis at start-up is named by its URL, password hidden', async () => {
    const result = await run(['serve', '--port', '0', '--data-dir', freshDir(), '--database-url', 'memory:'], {
      GATEHOUSE_REDIS_URL: 'redis://gh:redis-password-77@127.0.0.1:1',
    });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /could not start: Redis at redis:\/\/gh:\*\*\*@127\.0\.0\.1:1 is unreachable/);
    assert.ok(!result.stderr.includes('redis-password-77'), result.stderr);
  });
});
