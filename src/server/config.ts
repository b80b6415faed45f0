// Owns the standalone server's configuration (`gatehouse serve`, the other commands, createServer): its own
// options (listening, TLS, logging, the store it opens) on top of the engine's (core/config.ts), with their
// GATEHOUSE_* variables and flags, one resolver over both tables that reports every bad value at once, and
// the list of every option for `--help`, the unknown-variable warning and the README's tables. The store
// defaults come from the stores themselves (stores/postgres/defaults.ts, stores/redis/defaults.ts).
import { isIP } from 'node:net';
import { crossCheck, DEFAULTS, OPTIONS, type GatehouseConfig } from '../core/config.js';
import {
  bad,
  boolean,
  ConfigError,
  deepFreeze,
  describeTable,
  integer,
  list,
  ok,
  redactUrlPassword,
  resolveTable,
  text,
  type OptionTable,
  type Sources,
} from '../core/option-table.js';
import { POSTGRES_DEFAULTS } from '../stores/postgres/defaults.js';
import { REDIS_DEFAULTS } from '../stores/redis/defaults.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** What only the standalone server reads: where it listens, TLS, its log, and the store it opens. */
export interface ServerSettings {
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
  /** Proxies whose X-Forwarded-For is believed: addresses, CIDRs or proxy-addr keywords; empty = none. */
  trustProxy: readonly string[];
  tlsCert: string | null;
  tlsKey: string | null;
  logLevel: LogLevel;
  /** `smtp://user:pass@host:port` or `smtps://…`; null: the development outbox (or 501 in production). */
  smtpUrl: string | null;
  /** The From of every mail. */
  mailFrom: string;
  /** The hosted pages (sign in, account, …, SPEC §8): on by default; off, none of their routes exist. */
  ui: boolean;
  /**
   * The development-only request trace (`X-Gatehouse-Trace`) and the explainer's per-pane cookie jars
   * (server/explainer-lab.ts): null (the default) means on in development when `ui` is on; never in production
   * (`true` there is a start-up error). See `traceEnabled`.
   */
  debugTrace: boolean | null;
}

/** The server's whole configuration: the engine's (handed on to createGatehouse) and its own. */
export interface ServerConfig extends GatehouseConfig, ServerSettings {}

export type ServerConfigOptions = Partial<ServerConfig>;
export type ServerConfigSources = Sources<ServerConfigOptions>;

/** The server's own defaults (the engine's are core's DEFAULTS). `databaseUrl: ''` means "derive from dataDir". */
export const SERVER_DEFAULTS: Readonly<ServerSettings> = Object.freeze<ServerSettings>({
  port: 3000,
  host: '127.0.0.1',
  dataDir: './data',
  databaseUrl: '',
  databasePoolSize: POSTGRES_DEFAULTS.poolSize,
  databaseStatementTimeoutMs: POSTGRES_DEFAULTS.statementTimeoutMs,
  redisUrl: null,
  redisPrefix: REDIS_DEFAULTS.prefix,
  redisCommandTimeoutMs: REDIS_DEFAULTS.commandTimeoutMs,
  trustProxy: [],
  tlsCert: null,
  tlsKey: null,
  logLevel: 'info',
  smtpUrl: null,
  mailFrom: 'gatehouse@localhost',
  ui: true,
  debugTrace: null,
});

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

function checkSmtpUrl(value: string): string | undefined {
  return /^smtps?:\/\//.test(value) && URL.canParse(value) ? undefined : 'must be an smtp:// or smtps:// URL';
}

function checkRedisPrefix(value: string): string | undefined {
  return /^[A-Za-z0-9:_.-]{0,64}$/.test(value) ? undefined : 'may hold only letters, digits and : _ . - (at most 64)';
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** URLs are shown with their password hidden. */
const showUrl = (input: unknown): unknown => (typeof input === 'string' ? redactUrlPassword(input) : input);

/** How each of the server's options is parsed, and the environment variable (and so the flags) it is read from. */
const SERVER_OPTIONS: OptionTable<ServerSettings> = {
  port: { env: 'GATEHOUSE_PORT', parse: integer(0, 65535) },
  host: { env: 'GATEHOUSE_HOST', parse: text({ nullable: false }) },
  dataDir: { env: 'GATEHOUSE_DATA_DIR', parse: text({ nullable: false }) },
  databaseUrl: {
    env: 'GATEHOUSE_DATABASE_URL',
    parse: (input) => (input === '' ? ok('') : text({ nullable: false, check: checkDatabaseUrl })(input)),
    show: showUrl,
  },
  databasePoolSize: { env: 'GATEHOUSE_DATABASE_POOL_SIZE', parse: integer(1, 1000) },
  databaseStatementTimeoutMs: { env: 'GATEHOUSE_DATABASE_STATEMENT_TIMEOUT_MS', parse: integer(100, 600_000) },
  redisUrl: { env: 'GATEHOUSE_REDIS_URL', parse: text({ nullable: true, check: checkRedisUrl }), show: showUrl },
  redisPrefix: { env: 'GATEHOUSE_REDIS_PREFIX', parse: text({ nullable: false, check: checkRedisPrefix }) },
  redisCommandTimeoutMs: { env: 'GATEHOUSE_REDIS_COMMAND_TIMEOUT_MS', parse: integer(50, 60_000) },
  trustProxy: { env: 'GATEHOUSE_TRUST_PROXY', parse: list(checkProxy) },
  tlsCert: { env: 'GATEHOUSE_TLS_CERT', parse: text({ nullable: true }) },
  tlsKey: { env: 'GATEHOUSE_TLS_KEY', parse: text({ nullable: true }) },
  smtpUrl: { env: 'GATEHOUSE_SMTP_URL', parse: text({ nullable: true, check: checkSmtpUrl }), show: showUrl },
  mailFrom: { env: 'GATEHOUSE_MAIL_FROM', parse: text({ nullable: false }) },
  ui: { env: 'GATEHOUSE_UI', parse: boolean },
  debugTrace: { env: 'GATEHOUSE_DEBUG_TRACE', parse: (input) => (input === null || input === 'auto' ? ok(null) : boolean(input)) },
  logLevel: {
    env: 'GATEHOUSE_LOG_LEVEL',
    parse: (input) =>
      typeof input === 'string' && (LOG_LEVELS as readonly string[]).includes(input)
        ? ok(input as LogLevel)
        : bad(`must be one of ${LOG_LEVELS.join(', ')}`),
  },
};

/** Both tables, the server's first: every option there is, as `--help` lists them. */
const TABLE: OptionTable<ServerConfig> = { ...SERVER_OPTIONS, ...OPTIONS };
const ALL_DEFAULTS: Readonly<ServerConfig> = Object.freeze({ ...SERVER_DEFAULTS, ...DEFAULTS });

/**
 * Later sources win: defaults < options < env < argv, over the engine's options and the server's. Throws one
 * ConfigError listing every problem of both.
 */
export function resolveServerConfig(sources: ServerConfigSources = {}): Readonly<ServerConfig> {
  const { config, problems } = resolveTable(TABLE, ALL_DEFAULTS, sources);
  if (config.databaseUrl === '') config.databaseUrl = `sqlite:${config.dataDir.replace(/\/$/, '')}/gatehouse.db`;
  problems.push(...crossCheck(config));
  if ((config.tlsCert === null) !== (config.tlsKey === null)) {
    problems.push('GATEHOUSE_TLS_CERT and GATEHOUSE_TLS_KEY: set both or neither');
  }
  if (config.requireVerifiedEmail && config.production && config.smtpUrl === null) {
    problems.push('GATEHOUSE_REQUIRE_VERIFIED_EMAIL: in production it needs GATEHOUSE_SMTP_URL, or no one could ever verify an address and log in');
  }
  if (config.debugTrace === true && config.production) {
    problems.push('GATEHOUSE_DEBUG_TRACE: the request trace is for development only, never with NODE_ENV=production');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config);
}

/** Whether the server sends the request trace and keeps the explainer's pane cookie jars: never in production. */
export function traceEnabled(config: Readonly<ServerConfig>): boolean {
  return !config.production && (config.debugTrace ?? config.ui);
}

/** Every option, the server's and the engine's, with its variable, flag and default. */
export function describeOptions(): { key: string; env: string; flag: string; default: unknown }[] {
  return describeTable(TABLE, ALL_DEFAULTS);
}
