// Owns the tests of the server's configuration (its own options and the engine's, resolved together): defaults,
// freezing, env and flag parsing, precedence, and one ConfigError that lists every bad value at once (without
// ever echoing the secret), including through the real CLI.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { ROOT } from '../../test/kit.js';
import { ConfigError, DEFAULTS, type LoginMode } from '../core/config.js';
import { resolveServerConfig, SERVER_DEFAULTS, type ServerConfig, type ServerConfigSources } from './config.js';

/** The problems a resolution reports; fails the test if it resolves instead. */
function problemsOf(sources: ServerConfigSources): { problems: string[]; message: string } {
  try {
    resolveServerConfig(sources);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return { problems: error.problems, message: error.message };
  }
  assert.fail('expected resolveServerConfig to throw a ConfigError');
}

describe('resolveServerConfig defaults', () => {
  it('returns the DEFAULTS values when given nothing', () => {
    const config = resolveServerConfig();
    assert.deepEqual({ ...config, databaseUrl: '' }, { ...SERVER_DEFAULTS, ...DEFAULTS });
    assert.equal(config.port, 3000);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.insecureCookies, false);
    assert.deepEqual(config.modes, ['session', 'token', 'hybrid']);
  });

  it('derives databaseUrl from dataDir', () => {
    assert.equal(resolveServerConfig().databaseUrl, 'sqlite:./data/gatehouse.db');
    assert.equal(resolveServerConfig({ env: { GATEHOUSE_DATA_DIR: '/var/lib/gh/' } }).databaseUrl, 'sqlite:/var/lib/gh/gatehouse.db');
    assert.equal(resolveServerConfig({ options: { dataDir: '/srv/auth' } }).databaseUrl, 'sqlite:/srv/auth/gatehouse.db');
  });

  it('returns a deeply frozen config', () => {
    const config = resolveServerConfig({ env: { GATEHOUSE_ALLOWED_ORIGINS: 'https://a.example' } });
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.modes));
    assert.ok(Object.isFrozen(config.allowedOrigins));
    assert.throws(() => {
      (config as ServerConfig).port = 1;
    }, TypeError);
    assert.throws(() => (config.modes as LoginMode[]).push('token'), TypeError);
    assert.throws(() => (config.allowedOrigins as string[]).push('https://evil.example'), TypeError);
    assert.equal(config.port, 3000);
    assert.deepEqual(resolveServerConfig().modes, ['session', 'token', 'hybrid']);
  });
});

describe('resolveServerConfig sources', () => {
  it('reads GATEHOUSE_* environment variables', () => {
    const config = resolveServerConfig({
      env: {
        GATEHOUSE_PORT: '4000',
        GATEHOUSE_SESSION_IDLE_TTL: '15m',
        GATEHOUSE_ALLOWED_ORIGINS: 'https://app.example.com, http://localhost:5173',
        GATEHOUSE_INSECURE_COOKIES: '1',
      },
    });
    assert.equal(config.port, 4000);
    assert.equal(config.sessionIdleTtlSeconds, 900);
    assert.deepEqual(config.allowedOrigins, ['https://app.example.com', 'http://localhost:5173']);
    assert.equal(config.insecureCookies, true);
  });

  it('stores an allowed origin given with a trailing slash in the form browsers send', () => {
    const config = resolveServerConfig({ env: { GATEHOUSE_ALLOWED_ORIGINS: 'https://app.example.com/' } });
    assert.deepEqual(config.allowedOrigins, ['https://app.example.com']);
  });

  it('reads flags with separate and inline values', () => {
    assert.equal(resolveServerConfig({ argv: ['--port', '4000'] }).port, 4000);
    assert.equal(resolveServerConfig({ argv: ['--port=4000'] }).port, 4000);
  });

  it('treats a boolean flag without a value as true', () => {
    const config = resolveServerConfig({ argv: ['--insecure-cookies', '--port', '4001'] });
    assert.equal(config.insecureCookies, true);
    assert.equal(config.port, 4001);
    assert.equal(resolveServerConfig({ argv: ['--insecure-cookies'] }).insecureCookies, true);
  });

  it('accepts both the env-style and the key-style flag name', () => {
    assert.equal(resolveServerConfig({ argv: ['--session-idle-ttl', '1h'] }).sessionIdleTtlSeconds, 3600);
    assert.equal(resolveServerConfig({ argv: ['--session-idle-ttl-seconds', '3600'] }).sessionIdleTtlSeconds, 3600);
  });

  it('lets env override options and argv override env', () => {
    const options = { port: 1000 };
    const env = { GATEHOUSE_PORT: '2000' };
    assert.equal(resolveServerConfig({ options }).port, 1000);
    assert.equal(resolveServerConfig({ options, env }).port, 2000);
    assert.equal(resolveServerConfig({ options, env, argv: ['--port', '3000'] }).port, 3000);
  });
});

describe('resolveServerConfig validation', () => {
  it('reports every bad value in one ConfigError', () => {
    const { problems, message } = problemsOf({
      env: {
        GATEHOUSE_PORT: 'abc',
        GATEHOUSE_SESSION_IDLE_TTL: 'soon',
        GATEHOUSE_ALLOWED_ORIGINS: 'https://a.example/path',
        GATEHOUSE_MODES: 'bogus',
        GATEHOUSE_PASSWORD_MIN_LENGTH: '6',
        GATEHOUSE_TRUST_PROXY: '999.1.1.1',
        GATEHOUSE_SESSION_ABSOLUTE_TTL: '30m',
      },
      argv: ['--prot=4000'],
    });
    const expected = [
      /^GATEHOUSE_PORT: /,
      /^GATEHOUSE_SESSION_IDLE_TTL: /,
      /^GATEHOUSE_ALLOWED_ORIGINS: .*https:\/\/a\.example\/path/,
      /^--prot=4000: unknown flag/,
      /^GATEHOUSE_MODES: .*bogus/,
      /^GATEHOUSE_PASSWORD_MIN_LENGTH: .*from 8 to/,
      /^GATEHOUSE_TRUST_PROXY: .*999\.1\.1\.1/,
      /^GATEHOUSE_SESSION_ABSOLUTE_TTL: must not be shorter/,
    ];
    assert.equal(problems.length, expected.length, problems.join('\n'));
    for (const pattern of expected) {
      const problem = problems.find((p) => pattern.test(p));
      assert.ok(problem, `no problem matching ${String(pattern)} in:\n${problems.join('\n')}`);
      assert.ok(message.includes(problem), `message lacks ${problem}`);
    }
  });

  it('never puts the secret in the error, even when the secret is the bad value', () => {
    const secret = 'hunter2-but-too-short';
    const { problems, message } = problemsOf({ env: { GATEHOUSE_SECRET: secret } });
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /^GATEHOUSE_SECRET: must be at least 32 characters/);
    assert.ok(!message.includes(secret));
    assert.ok(!message.includes('hunter2'));

    const goodSecret = 'a-perfectly-long-secret-value-0123456789';
    const other = problemsOf({ env: { GATEHOUSE_SECRET: goodSecret, GATEHOUSE_PORT: 'abc' } });
    assert.ok(!other.message.includes(goodSecret));
  });

  it('accepts sqlite:, postgres:// and memory: database URLs, and redis:// URLs', () => {
    assert.match(problemsOf({ env: { GATEHOUSE_DATABASE_URL: 'mysql://x' } }).problems[0]!, /^GATEHOUSE_DATABASE_URL: /);
    assert.equal(resolveServerConfig({ env: { GATEHOUSE_DATABASE_URL: 'memory:' } }).databaseUrl, 'memory:');
    assert.equal(resolveServerConfig({ env: { GATEHOUSE_DATABASE_URL: 'sqlite:/tmp/x.db' } }).databaseUrl, 'sqlite:/tmp/x.db');
    const pg = 'postgres://gh:pw@db.internal:5432/auth';
    assert.equal(resolveServerConfig({ env: { GATEHOUSE_DATABASE_URL: pg } }).databaseUrl, pg);
    assert.equal(resolveServerConfig({ env: { GATEHOUSE_REDIS_URL: 'rediss://cache:6380/2' } }).redisUrl, 'rediss://cache:6380/2');
    assert.match(problemsOf({ env: { GATEHOUSE_REDIS_URL: 'http://cache' } }).problems[0]!, /^GATEHOUSE_REDIS_URL: must be a redis/);
    assert.match(problemsOf({ env: { GATEHOUSE_REDIS_PREFIX: 'a{b}' } }).problems[0]!, /^GATEHOUSE_REDIS_PREFIX: /);
    assert.match(problemsOf({ env: { GATEHOUSE_DATABASE_POOL_SIZE: '0' } }).problems[0]!, /^GATEHOUSE_DATABASE_POOL_SIZE: /);
  });

  it('never echoes a database or Redis password in an error', () => {
    const { message } = problemsOf({
      env: { GATEHOUSE_DATABASE_URL: 'postgres://gh:hunter2-db@db:port/auth', GATEHOUSE_REDIS_URL: 'https://u:hunter2-redis@cache' },
    });
    assert.doesNotMatch(message, /hunter2/);
    assert.match(message, /postgres:\/\/gh:\*\*\*@db/);
  });

  it('refuses a TLS certificate without its key', () => {
    const { problems } = problemsOf({ env: { GATEHOUSE_TLS_CERT: '/etc/gh/cert.pem' } });
    assert.deepEqual(problems, ['GATEHOUSE_TLS_CERT and GATEHOUSE_TLS_KEY: set both or neither']);
    const both = resolveServerConfig({ env: { GATEHOUSE_TLS_CERT: '/etc/gh/cert.pem', GATEHOUSE_TLS_KEY: '/etc/gh/key.pem' } });
    assert.equal(both.tlsKey, '/etc/gh/key.pem');
  });

  it('refuses a flag that needs a value but has none, and unknown options', () => {
    assert.deepEqual(problemsOf({ argv: ['--port'] }).problems, ['--port: needs a value']);
    const unknown = problemsOf({ options: { prot: 1 } as unknown as ServerConfigSources['options'] });
    assert.deepEqual(unknown.problems, ['option prot: unknown option']);
  });
});

describe('gatehouse serve with bad configuration', () => {
  it('exits non-zero and prints every problem once, without a stack trace', () => {
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(process.env)) {
      if (value !== undefined && !name.startsWith('GATEHOUSE_') && !name.startsWith('NODE_TEST')) env[name] = value;
    }
    env['GATEHOUSE_SESSION_IDLE_TTL'] = 'soon';
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', 'abc'], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(result.error, undefined);
    assert.notEqual(result.status, 0);
    assert.notEqual(result.status, null);
    const stderr = result.stderr;
    assert.match(stderr, /--port: .*"abc"/);
    assert.match(stderr, /GATEHOUSE_SESSION_IDLE_TTL: .*"soon"/);
    assert.equal(stderr.split('Invalid Gatehouse configuration').length - 1, 1, stderr);
    assert.ok(!stderr.includes('    at '), `stack trace in:\n${stderr}`);
  });
});
