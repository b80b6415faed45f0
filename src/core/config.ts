// Owns configuration: the one DEFAULTS table, the mapping of every option onto a GATEHOUSE_* variable and a
// command-line flag, and the resolver that turns options + environment + flags into one frozen config,
// reporting every bad value at once.
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';

export type LoginMode = 'session' | 'token' | 'hybrid';
/** Modes this version implements; the others are refused at start-up with a clear message. */
export const IMPLEMENTED_MODES: readonly LoginMode[] = ['session', 'token', 'hybrid'];

export interface GatehouseConfig {
  port: number;
  host: string;
  /** Directory for the default SQLite file and the generated secret. */
  dataDir: string;
  /** `sqlite:PATH`, `postgres://…` or `memory:`. Defaults to `sqlite:<dataDir>/gatehouse.db`. */
  databaseUrl: string;
  /** PostgreSQL: connections per instance. */
  databasePoolSize: number;
  /** PostgreSQL: longest a statement may run before it is cancelled (the request gets 503). */
  databaseStatementTimeoutMs: number;
  /** `redis://…` or `rediss://…`: sessions, refresh families and rate limits move there; revocations are published. */
  redisUrl: string | null;
  /** Put before every Redis key and channel (several deployments on one Redis). */
  redisPrefix: string;
  /** Redis: longest a command may take before the request gets 503. */
  redisCommandTimeoutMs: number;
  issuer: string;
  audience: string;
  secret: string | null;
  accessTtlSeconds: number;
  /** Access tokens whose verified signature is remembered (by hash); 0 verifies every time. Revocation is checked either way. */
  verifiedTokenCacheSize: number;
  /** With several instances (a revocation bus): how long a session row read from the store may be served from
   * memory; every revocation drops it at once. 0 reads the store on every request. */
  sessionCacheMs: number;
  refreshTtlSeconds: number;
  /** A refresh-token family dies this long after login, however often it is rotated. */
  refreshAbsoluteTtlSeconds: number;
  refreshGraceSeconds: number;
  /** Refreshes allowed per token family per rate-limit window. */
  refreshFamilyLimit: number;
  /** Lifetime of a token exchanged from a cookie session (POST /auth/token); at most 5 minutes. */
  exchangeTtlSeconds: number;
  /** When set, the revocation feed (GET /auth/revocations) requires `Authorization: Bearer <this>`. */
  revocationFeedToken: string | null;
  /** NODE_ENV=production: what is safe only in development is refused (the revocation feed without a token). */
  production: boolean;
  /** A new signing key is scheduled this often. */
  keyRotationIntervalSeconds: number;
  /** A new key is published in the JWKS this long before it signs (longer than any JWKS cache). */
  keyPublishLeadSeconds: number;
  sessionIdleTtlSeconds: number;
  sessionAbsoluteTtlSeconds: number;
  modes: readonly LoginMode[];
  /** Exact origins (scheme://host[:port]) allowed for CORS and CSRF origin checks, besides the server's own. */
  allowedOrigins: readonly string[];
  insecureCookies: boolean;
  /** Proxies whose X-Forwarded-For is believed: addresses, CIDRs or proxy-addr keywords; empty = none. */
  trustProxy: readonly string[];
  tlsCert: string | null;
  tlsKey: string | null;
  passwordMinLength: number;
  bodyLimitBytes: number;
  sessionDataMaxBytes: number;
  /** Failed-or-pending login attempts per account per window. */
  loginAccountLimit: number;
  /** Login and register attempts per client address per window. */
  loginIpLimit: number;
  /** IPv6 clients are counted per network of this many leading bits (a /64 is usually one client). */
  rateLimitIpv6Prefix: number;
  rateLimitWindowSeconds: number;
  /** Password hashes computed at once; more wait in a bounded queue. */
  hashConcurrency: number;
  hashQueueLimit: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

export type GatehouseOptions = Partial<GatehouseConfig>;

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Every default in one place. `databaseUrl: ''` means "derive from dataDir". */
export const DEFAULTS: Readonly<GatehouseConfig> = Object.freeze<GatehouseConfig>({
  port: 3000,
  host: '127.0.0.1',
  dataDir: './data',
  databaseUrl: '',
  databasePoolSize: 10,
  databaseStatementTimeoutMs: 5000,
  redisUrl: null,
  redisPrefix: 'gatehouse:',
  redisCommandTimeoutMs: 1000,
  issuer: 'gatehouse',
  audience: 'gatehouse',
  secret: null,
  accessTtlSeconds: 15 * MINUTE,
  verifiedTokenCacheSize: 10_000,
  sessionCacheMs: 1000,
  refreshTtlSeconds: 30 * DAY,
  refreshAbsoluteTtlSeconds: 90 * DAY,
  refreshGraceSeconds: 5,
  refreshFamilyLimit: 100,
  exchangeTtlSeconds: 5 * MINUTE,
  revocationFeedToken: null,
  production: false,
  keyRotationIntervalSeconds: 30 * DAY,
  keyPublishLeadSeconds: 10 * MINUTE,
  sessionIdleTtlSeconds: DAY,
  sessionAbsoluteTtlSeconds: 30 * DAY,
  modes: ['session', 'token', 'hybrid'],
  allowedOrigins: [],
  insecureCookies: false,
  trustProxy: [],
  tlsCert: null,
  tlsKey: null,
  passwordMinLength: 12,
  bodyLimitBytes: 16 * 1024,
  sessionDataMaxBytes: 4 * 1024,
  loginAccountLimit: 10,
  loginIpLimit: 300,
  rateLimitIpv6Prefix: 64,
  rateLimitWindowSeconds: 15 * MINUTE,
  hashConcurrency: Math.max(1, availableParallelism()),
  hashQueueLimit: 256,
  logLevel: 'info',
});

type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };
type Parser<T> = (input: unknown) => Parsed<T>;

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = (problem: string): Parsed<never> => ({ ok: false, problem });

function integer(min: number, max: number): Parser<number> {
  return (input) => {
    const n = typeof input === 'string' && /^\s*-?\d+\s*$/.test(input) ? Number(input) : input;
    if (typeof n !== 'number' || !Number.isInteger(n)) return bad(`must be a whole number from ${min} to ${max}`);
    return n < min || n > max ? bad(`must be a whole number from ${min} to ${max}`) : ok(n);
  };
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: MINUTE, h: HOUR, d: DAY };

/** Durations: a number of seconds, or `30s`, `15m`, `12h`, `30d`. */
function duration(minSeconds: number, maxSeconds: number): Parser<number> {
  return (input) => {
    let seconds: number | undefined;
    if (typeof input === 'number') seconds = input;
    else if (typeof input === 'string') {
      const match = /^\s*(\d+)\s*([smhd]?)\s*$/.exec(input);
      if (match) seconds = Number(match[1]) * (UNIT_SECONDS[match[2] || 's'] ?? 1);
    }
    if (seconds === undefined || !Number.isInteger(seconds)) {
      return bad('must be a duration such as 900, 30s, 15m, 12h or 30d');
    }
    if (seconds < minSeconds || seconds > maxSeconds) {
      return bad(`must be between ${minSeconds}s and ${maxSeconds}s`);
    }
    return ok(seconds);
  };
}

const boolean: Parser<boolean> = (input) => {
  if (typeof input === 'boolean') return ok(input);
  if (typeof input === 'string') {
    const v = input.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return ok(true);
    if (['0', 'false', 'no', 'off', ''].includes(v)) return ok(false);
  }
  return bad('must be 1/0, true/false, yes/no or on/off');
};

function text(options: { nullable: boolean; check?: (v: string) => string | undefined }): Parser<string | null> {
  return (input) => {
    if (input === null || input === undefined || input === '') {
      return options.nullable ? ok(null) : bad('must not be empty');
    }
    if (typeof input !== 'string') return bad('must be a string');
    const problem = options.check?.(input);
    return problem ? bad(problem) : ok(input);
  };
}

function list<T extends string>(check: (item: string) => string | undefined): Parser<T[]> {
  return (input) => {
    const items = typeof input === 'string' ? input.split(',') : input;
    if (!Array.isArray(items) || items.some((i) => typeof i !== 'string')) return bad('must be a comma-separated list');
    const values = (items as string[]).map((i) => i.trim()).filter((i) => i !== '');
    for (const item of values) {
      const problem = check(item);
      if (problem) return bad(`${JSON.stringify(item)} ${problem}`);
    }
    return ok(values as T[]);
  };
}

function checkOrigin(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not an origin such as https://app.example.com';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must use http or https';
  if (url.origin !== value.replace(/\/$/, '')) return `is not an origin (did you mean ${url.origin}?)`;
  return undefined;
}

function checkProxy(value: string): string | undefined {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(value)) return undefined;
  const [address, bits, extra] = value.split('/');
  const version = isIP(address ?? '');
  if (version === 0 || extra !== undefined) return 'is not an IP address, CIDR, or loopback/linklocal/uniquelocal';
  if (bits !== undefined) {
    const n = Number(bits);
    if (!/^\d+$/.test(bits) || n > (version === 4 ? 32 : 128)) return 'has an invalid prefix length';
  }
  return undefined;
}

function checkDatabaseUrl(value: string): string | undefined {
  if (value === 'memory:' || /^sqlite:.+/.test(value)) return undefined;
  if (/^postgres(ql)?:\/\//.test(value)) return URL.canParse(value) ? undefined : 'is not a valid postgres:// URL';
  return 'must be sqlite:PATH, postgres://… or memory:';
}

function checkRedisUrl(value: string): string | undefined {
  return /^rediss?:\/\//.test(value) && URL.canParse(value) ? undefined : 'must be a redis:// or rediss:// URL';
}

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** How each option is parsed, and the environment variable and flag it is read from. */
const SPECS: { [K in keyof GatehouseConfig]: { env: string; parse: Parser<GatehouseConfig[K]> } } = {
  port: { env: 'GATEHOUSE_PORT', parse: integer(0, 65535) },
  host: { env: 'GATEHOUSE_HOST', parse: text({ nullable: false }) as Parser<string> },
  dataDir: { env: 'GATEHOUSE_DATA_DIR', parse: text({ nullable: false }) as Parser<string> },
  databaseUrl: {
    env: 'GATEHOUSE_DATABASE_URL',
    parse: (input) => (input === '' ? ok('') : (text({ nullable: false, check: checkDatabaseUrl })(input) as Parsed<string>)),
  },
  databasePoolSize: { env: 'GATEHOUSE_DATABASE_POOL_SIZE', parse: integer(1, 1000) },
  databaseStatementTimeoutMs: { env: 'GATEHOUSE_DATABASE_STATEMENT_TIMEOUT_MS', parse: integer(100, 600_000) },
  redisUrl: { env: 'GATEHOUSE_REDIS_URL', parse: text({ nullable: true, check: checkRedisUrl }) },
  redisPrefix: {
    env: 'GATEHOUSE_REDIS_PREFIX',
    parse: text({ nullable: false, check: (v) => (/^[A-Za-z0-9:_.-]{0,64}$/.test(v) ? undefined : 'may hold only letters, digits and : _ . - (at most 64)') }) as Parser<string>,
  },
  redisCommandTimeoutMs: { env: 'GATEHOUSE_REDIS_COMMAND_TIMEOUT_MS', parse: integer(50, 60_000) },
  issuer: { env: 'GATEHOUSE_ISSUER', parse: text({ nullable: false }) as Parser<string> },
  audience: { env: 'GATEHOUSE_AUDIENCE', parse: text({ nullable: false }) as Parser<string> },
  secret: {
    env: 'GATEHOUSE_SECRET',
    parse: text({ nullable: true, check: (v) => (v.length < 32 ? 'must be at least 32 characters' : undefined) }),
  },
  accessTtlSeconds: { env: 'GATEHOUSE_ACCESS_TTL', parse: duration(30, DAY) },
  verifiedTokenCacheSize: { env: 'GATEHOUSE_VERIFIED_TOKEN_CACHE_SIZE', parse: integer(0, 10_000_000) },
  sessionCacheMs: { env: 'GATEHOUSE_SESSION_CACHE_MS', parse: integer(0, 10_000) },
  refreshTtlSeconds: { env: 'GATEHOUSE_REFRESH_TTL', parse: duration(MINUTE, 365 * DAY) },
  refreshAbsoluteTtlSeconds: { env: 'GATEHOUSE_REFRESH_ABSOLUTE_TTL', parse: duration(MINUTE, 3 * 365 * DAY) },
  refreshGraceSeconds: { env: 'GATEHOUSE_REFRESH_GRACE', parse: duration(0, MINUTE) },
  refreshFamilyLimit: { env: 'GATEHOUSE_REFRESH_FAMILY_LIMIT', parse: integer(1, 1_000_000) },
  exchangeTtlSeconds: { env: 'GATEHOUSE_EXCHANGE_TTL', parse: duration(10, 5 * MINUTE) },
  revocationFeedToken: {
    env: 'GATEHOUSE_REVOCATION_FEED_TOKEN',
    parse: text({ nullable: true, check: (v) => (v.length < 32 ? 'must be at least 32 characters' : undefined) }),
  },
  production: {
    env: 'NODE_ENV',
    // NODE_ENV names an environment: only `production` is one (`--production` reads as `true`).
    parse: (input) => (typeof input === 'boolean' ? ok(input) : ok(['production', 'true', '1', 'yes', 'on'].includes(String(input).trim().toLowerCase()))),
  },
  keyRotationIntervalSeconds: { env: 'GATEHOUSE_KEY_ROTATION_INTERVAL', parse: duration(HOUR, 365 * DAY) },
  // At least 3 min: a running server re-reads keys every minute and the JWKS is cached for half the lead.
  keyPublishLeadSeconds: { env: 'GATEHOUSE_KEY_PUBLISH_LEAD', parse: duration(3 * MINUTE, DAY) },
  sessionIdleTtlSeconds: { env: 'GATEHOUSE_SESSION_IDLE_TTL', parse: duration(MINUTE, 365 * DAY) },
  sessionAbsoluteTtlSeconds: { env: 'GATEHOUSE_SESSION_ABSOLUTE_TTL', parse: duration(MINUTE, 365 * DAY) },
  modes: {
    env: 'GATEHOUSE_MODES',
    parse: (input) => {
      const parsed = list<LoginMode>((m) =>
        IMPLEMENTED_MODES.includes(m as LoginMode)
          ? undefined
          : `is not a mode (${IMPLEMENTED_MODES.join(', ')})`,
      )(input);
      return parsed.ok && parsed.value.length === 0 ? bad('must name at least one mode') : parsed;
    },
  },
  allowedOrigins: {
    env: 'GATEHOUSE_ALLOWED_ORIGINS',
    // Stored as browsers send the Origin header: `https://app.example.com/` becomes `https://app.example.com`.
    parse: (input) => {
      const parsed = list(checkOrigin)(input);
      return parsed.ok ? ok(parsed.value.map((v) => new URL(v).origin)) : parsed;
    },
  },
  insecureCookies: { env: 'GATEHOUSE_INSECURE_COOKIES', parse: boolean },
  trustProxy: { env: 'GATEHOUSE_TRUST_PROXY', parse: list(checkProxy) },
  tlsCert: { env: 'GATEHOUSE_TLS_CERT', parse: text({ nullable: true }) },
  tlsKey: { env: 'GATEHOUSE_TLS_KEY', parse: text({ nullable: true }) },
  passwordMinLength: { env: 'GATEHOUSE_PASSWORD_MIN_LENGTH', parse: integer(8, 1024) },
  bodyLimitBytes: { env: 'GATEHOUSE_BODY_LIMIT', parse: integer(1024, 1024 * 1024) },
  sessionDataMaxBytes: { env: 'GATEHOUSE_SESSION_DATA_MAX', parse: integer(0, 64 * 1024) },
  loginAccountLimit: { env: 'GATEHOUSE_LOGIN_ACCOUNT_LIMIT', parse: integer(1, 10_000) },
  loginIpLimit: { env: 'GATEHOUSE_LOGIN_IP_LIMIT', parse: integer(1, 1_000_000) },
  rateLimitIpv6Prefix: { env: 'GATEHOUSE_RATE_LIMIT_IPV6_PREFIX', parse: integer(32, 128) },
  rateLimitWindowSeconds: { env: 'GATEHOUSE_RATE_LIMIT_WINDOW', parse: duration(1, DAY) },
  hashConcurrency: { env: 'GATEHOUSE_HASH_CONCURRENCY', parse: integer(1, 256) },
  hashQueueLimit: { env: 'GATEHOUSE_HASH_QUEUE_LIMIT', parse: integer(0, 100_000) },
  logLevel: {
    env: 'GATEHOUSE_LOG_LEVEL',
    parse: (input) =>
      typeof input === 'string' && (logLevels as readonly string[]).includes(input)
        ? ok(input as GatehouseConfig['logLevel'])
        : bad(`must be one of ${logLevels.join(', ')}`),
  },
};

const KEYS = Object.keys(SPECS) as (keyof GatehouseConfig)[];

/** `sessionIdleTtlSeconds` → `--session-idle-ttl-seconds`; the env name without its prefix works too (`--session-idle-ttl`). */
function flagNames(key: keyof GatehouseConfig): string[] {
  const fromKey = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  const fromEnv = SPECS[key].env.replace(/^GATEHOUSE_/, '').toLowerCase().replace(/_/g, '-');
  return [...new Set([fromKey, fromEnv])];
}

const FLAGS = new Map(KEYS.flatMap((key) => flagNames(key).map((flag) => [flag, key] as const)));

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid Gatehouse configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

export interface ConfigSources {
  options?: GatehouseOptions;
  env?: Record<string, string | undefined>;
  /** Command-line flags, e.g. `['--port', '4000', '--insecure-cookies']`. */
  argv?: readonly string[];
}

/** Later sources win: defaults < options < env < argv. Throws one ConfigError listing every problem. */
export function resolveConfig(sources: ConfigSources = {}): Readonly<GatehouseConfig> {
  const problems: string[] = [];
  const raw = new Map<keyof GatehouseConfig, { input: unknown; origin: string }>();

  for (const [key, input] of Object.entries(sources.options ?? {})) {
    if (!(key in SPECS)) problems.push(`option ${key}: unknown option`);
    else if (input !== undefined) raw.set(key as keyof GatehouseConfig, { input, origin: `option ${key}` });
  }
  for (const key of KEYS) {
    const input = sources.env?.[SPECS[key].env];
    if (input !== undefined) raw.set(key, { input, origin: SPECS[key].env });
  }
  const argv = sources.argv ?? [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const match = /^--([a-z0-9-]+)(?:=(.*))?$/s.exec(arg);
    const key = match ? FLAGS.get(match[1] ?? '') : undefined;
    if (!match || !key) {
      problems.push(`${arg}: unknown flag`);
      continue;
    }
    let input = match[2];
    if (input === undefined) {
      const next = argv[i + 1];
      if (typeof DEFAULTS[key] === 'boolean' && (next === undefined || next.startsWith('--'))) input = 'true';
      else if (next === undefined) {
        problems.push(`--${match[1]}: needs a value`);
        continue;
      } else input = argv[++i];
    }
    raw.set(key, { input, origin: `--${match[1]}` });
  }

  const config: Record<string, unknown> = { ...DEFAULTS };
  for (const [key, { input, origin }] of raw) {
    const parsed = (SPECS[key].parse as Parser<unknown>)(input);
    if (parsed.ok) config[key] = parsed.value;
    else problems.push(`${origin}: ${parsed.problem} (got ${JSON.stringify(redactInput(key, input))})`);
  }
  const result = config as unknown as GatehouseConfig;
  if (result.databaseUrl === '') result.databaseUrl = `sqlite:${result.dataDir.replace(/\/$/, '')}/gatehouse.db`;
  if (result.sessionAbsoluteTtlSeconds < result.sessionIdleTtlSeconds) {
    problems.push('GATEHOUSE_SESSION_ABSOLUTE_TTL: must not be shorter than GATEHOUSE_SESSION_IDLE_TTL');
  }
  if (result.refreshAbsoluteTtlSeconds < result.refreshTtlSeconds) {
    problems.push('GATEHOUSE_REFRESH_ABSOLUTE_TTL: must not be shorter than GATEHOUSE_REFRESH_TTL');
  }
  if (result.keyRotationIntervalSeconds <= result.keyPublishLeadSeconds + result.accessTtlSeconds) {
    problems.push('GATEHOUSE_KEY_ROTATION_INTERVAL: must be longer than GATEHOUSE_KEY_PUBLISH_LEAD plus GATEHOUSE_ACCESS_TTL');
  }
  if ((result.tlsCert === null) !== (result.tlsKey === null)) {
    problems.push('GATEHOUSE_TLS_CERT and GATEHOUSE_TLS_KEY: set both or neither');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(result);
}

function redactInput(key: keyof GatehouseConfig, input: unknown): unknown {
  if (key === 'secret' || key === 'revocationFeedToken') return '[redacted]';
  if ((key === 'databaseUrl' || key === 'redisUrl') && typeof input === 'string') return redactUrlPassword(input);
  return input;
}

/** `postgres://user:secret@host/db` → `postgres://user:***@host/db`, for messages and logs. */
export function redactUrlPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*:)[^@/]*@/i, '$1***@');
}

function deepFreeze<T>(value: T): Readonly<T> {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** For `--help`: every option with its variable, flag and default. */
export function describeOptions(): { key: string; env: string; flag: string; default: unknown }[] {
  return KEYS.map((key) => ({ key, env: SPECS[key].env, flag: `--${flagNames(key).at(-1)}`, default: DEFAULTS[key] }));
}
