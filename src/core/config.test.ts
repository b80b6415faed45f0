// Owns the tests of the engine's own resolver (what createGatehouse resolves its options with): DEFAULTS when
// given nothing, frozen, only the engine's variables and flags (the server's are refused as options and flags,
// and ignored in the environment), and the cross-checks. Every option's parsing is tested through the server's
// resolver, which reads both tables (src/server/config.test.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, DEFAULTS, resolveConfig, type ConfigSources } from './config.js';

function problemsOf(sources: ConfigSources): string[] {
  try {
    resolveConfig(sources);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail('expected resolveConfig to throw a ConfigError');
}

describe('resolveConfig (the engine)', () => {
  it('returns the DEFAULTS values, frozen, when given nothing', () => {
    const config = resolveConfig();
    assert.deepEqual({ ...config }, { ...DEFAULTS });
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.modes));
  });

  it("reads the engine's variables and flags, and leaves the server's variables to the server", () => {
    const config = resolveConfig({ env: { GATEHOUSE_SESSION_IDLE_TTL: '15m', GATEHOUSE_PORT: 'not-a-port', GATEHOUSE_TLS_CERT: '/x' } });
    assert.equal(config.sessionIdleTtlSeconds, 900);
    assert.ok(!('port' in config) && !('tlsCert' in config));
    assert.equal(resolveConfig({ argv: ['--access-ttl', '10m'] }).accessTtlSeconds, 600);
  });

  it("refuses the server's options and flags by name", () => {
    const options = { port: 4000, logLevel: 'warn' } as unknown as ConfigSources['options'];
    assert.deepEqual(problemsOf({ options }), ['option port: unknown option', 'option logLevel: unknown option']);
    assert.deepEqual(problemsOf({ argv: ['--port=4000'] }), ['--port=4000: unknown flag']);
  });

  it('reports values that must agree, with the bad values, in one ConfigError', () => {
    const problems = problemsOf({ env: { GATEHOUSE_SESSION_IDLE_TTL: '2h', GATEHOUSE_SESSION_ABSOLUTE_TTL: '1h', GATEHOUSE_SECRET: 'short' } });
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.match(problems[0]!, /^GATEHOUSE_SECRET: must be at least 32 characters \(got "\[redacted\]"\)/);
    assert.match(problems[1]!, /^GATEHOUSE_SESSION_ABSOLUTE_TTL: must not be shorter than GATEHOUSE_SESSION_IDLE_TTL/);
  });
});
