// Owns the engine's configuration: what createGatehouse uses (lifetimes, modes, limits, cookies, origins,
// issuer and audience, the secret…), its one DEFAULTS table, the GATEHOUSE_* variable and flag of each option,
// and the resolver that turns options + environment + flags into one frozen config, reporting every bad value
// at once. The standalone server's own options (listening, TLS, logging, the store) are server/config.ts.
import { availableParallelism } from 'node:os';
import {
  bad,
  boolean,
  ConfigError,
  DAY,
  deepFreeze,
  duration,
  HOUR,
  integer,
  list,
  MINUTE,
  ok,
  redacted,
  resolveTable,
  text,
  type OptionTable,
  type Sources,
} from './option-table.js';

export { ConfigError } from './option-table.js';

export type LoginMode = 'session' | 'token' | 'hybrid';
/** Modes this version implements; the others are refused at start-up with a clear message. */
export const IMPLEMENTED_MODES: readonly LoginMode[] = ['session', 'token', 'hybrid'];

export interface GatehouseConfig {
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
  /** A login past this many web sessions and token families of one user ends the least recently used. */
  maxSessionsPerUser: number;
  modes: readonly LoginMode[];
  /** Exact origins (scheme://host[:port]) allowed for CORS and CSRF origin checks, besides the server's own. */
  allowedOrigins: readonly string[];
  insecureCookies: boolean;
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
  /** Audit rows older than this are deleted by `maintain()`. */
  auditRetentionSeconds: number;
  /** Where mailed links point (`…/verify-email#token=…`); null: the server's own origin. */
  publicUrl: string | null;
  /** Lifetime of a password-reset link. */
  resetTtlSeconds: number;
  /** Lifetime of an email-verification or email-change link. */
  verifyTtlSeconds: number;
  /** A correct password on an unverified account is refused (`403 email_not_verified`). */
  requireVerifiedEmail: boolean;
  /** Mails sent to one address per rate-limit window (verification, reset, email change). */
  mailAddressLimit: number;
  /** Mail-sending requests per client address per window. */
  mailIpLimit: number;
  /** Sensitive operations need a proof of identity (login or reauthentication) at most this old (SPEC §6 step-up). */
  stepUpMaxAgeSeconds: number;
  /**
   * The WebAuthn relying-party id passkeys are bound to (SPEC §6): a domain, the site's own host or a parent of it.
   * null: the host of `publicUrl`, else of the origin each request came to.
   */
  rpId: string | null;
  /** The name authenticators show beside a passkey of this site. */
  rpName: string;
}

export type GatehouseOptions = Partial<GatehouseConfig>;

/** Every default of the engine in one place. */
export const DEFAULTS: Readonly<GatehouseConfig> = Object.freeze<GatehouseConfig>({
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
  maxSessionsPerUser: 100,
  modes: ['session', 'token', 'hybrid'],
  allowedOrigins: [],
  insecureCookies: false,
  passwordMinLength: 12,
  bodyLimitBytes: 16 * 1024,
  sessionDataMaxBytes: 4 * 1024,
  loginAccountLimit: 10,
  loginIpLimit: 300,
  rateLimitIpv6Prefix: 64,
  rateLimitWindowSeconds: 15 * MINUTE,
  hashConcurrency: Math.max(1, availableParallelism()),
  hashQueueLimit: 256,
  auditRetentionSeconds: 90 * DAY,
  publicUrl: null,
  resetTtlSeconds: 30 * MINUTE,
  verifyTtlSeconds: DAY,
  requireVerifiedEmail: false,
  mailAddressLimit: 5,
  mailIpLimit: 30,
  stepUpMaxAgeSeconds: 10 * MINUTE,
  rpId: null,
  rpName: 'Gatehouse',
});

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

function checkPublicUrl(value: string): string | undefined {
  if (!URL.canParse(value)) return 'is not a URL such as https://auth.example.com';
  const url = new URL(value);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must use http or https';
  return url.search || url.hash ? 'must have no query or fragment' : undefined;
}

/** A WebAuthn RP id: a lower-case domain name (no scheme, port or path; not an IP address, which browsers refuse). */
function checkRpId(value: string): string | undefined {
  if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/.test(value)) {
    return 'is not a domain such as example.com (lower case, no scheme, port or path)';
  }
  return /^[0-9.]+$/.test(value) ? 'must be a domain, not an IP address (browsers refuse passkeys for those)' : undefined;
}

const atLeast32 = (v: string) => (v.length < 32 ? 'must be at least 32 characters' : undefined);

/** How each option is parsed, and the environment variable (and so the flags) it is read from. */
export const OPTIONS: OptionTable<GatehouseConfig> = {
  issuer: { env: 'GATEHOUSE_ISSUER', parse: text({ nullable: false }) },
  audience: { env: 'GATEHOUSE_AUDIENCE', parse: text({ nullable: false }) },
  secret: { env: 'GATEHOUSE_SECRET', parse: text({ nullable: true, check: atLeast32 }), show: redacted },
  accessTtlSeconds: { env: 'GATEHOUSE_ACCESS_TTL', parse: duration(30, DAY) },
  verifiedTokenCacheSize: { env: 'GATEHOUSE_VERIFIED_TOKEN_CACHE_SIZE', parse: integer(0, 10_000_000) },
  sessionCacheMs: { env: 'GATEHOUSE_SESSION_CACHE_MS', parse: integer(0, 10_000) },
  refreshTtlSeconds: { env: 'GATEHOUSE_REFRESH_TTL', parse: duration(MINUTE, 365 * DAY) },
  refreshAbsoluteTtlSeconds: { env: 'GATEHOUSE_REFRESH_ABSOLUTE_TTL', parse: duration(MINUTE, 3 * 365 * DAY) },
  refreshGraceSeconds: { env: 'GATEHOUSE_REFRESH_GRACE', parse: duration(0, MINUTE) },
  refreshFamilyLimit: { env: 'GATEHOUSE_REFRESH_FAMILY_LIMIT', parse: integer(1, 1_000_000) },
  exchangeTtlSeconds: { env: 'GATEHOUSE_EXCHANGE_TTL', parse: duration(10, 5 * MINUTE) },
  revocationFeedToken: { env: 'GATEHOUSE_REVOCATION_FEED_TOKEN', parse: text({ nullable: true, check: atLeast32 }), show: redacted },
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
  maxSessionsPerUser: { env: 'GATEHOUSE_MAX_SESSIONS_PER_USER', parse: integer(1, 100_000) },
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
  passwordMinLength: { env: 'GATEHOUSE_PASSWORD_MIN_LENGTH', parse: integer(8, 1024) },
  bodyLimitBytes: { env: 'GATEHOUSE_BODY_LIMIT', parse: integer(1024, 1024 * 1024) },
  sessionDataMaxBytes: { env: 'GATEHOUSE_SESSION_DATA_MAX', parse: integer(0, 64 * 1024) },
  loginAccountLimit: { env: 'GATEHOUSE_LOGIN_ACCOUNT_LIMIT', parse: integer(1, 10_000) },
  loginIpLimit: { env: 'GATEHOUSE_LOGIN_IP_LIMIT', parse: integer(1, 1_000_000) },
  rateLimitIpv6Prefix: { env: 'GATEHOUSE_RATE_LIMIT_IPV6_PREFIX', parse: integer(32, 128) },
  rateLimitWindowSeconds: { env: 'GATEHOUSE_RATE_LIMIT_WINDOW', parse: duration(1, DAY) },
  hashConcurrency: { env: 'GATEHOUSE_HASH_CONCURRENCY', parse: integer(1, 256) },
  hashQueueLimit: { env: 'GATEHOUSE_HASH_QUEUE_LIMIT', parse: integer(0, 100_000) },
  auditRetentionSeconds: { env: 'GATEHOUSE_AUDIT_RETENTION', parse: duration(HOUR, 10 * 365 * DAY) },
  publicUrl: {
    env: 'GATEHOUSE_PUBLIC_URL',
    parse: (input) => {
      const parsed = text({ nullable: true, check: checkPublicUrl })(input);
      return parsed.ok && parsed.value !== null ? ok(parsed.value.replace(/\/+$/, '')) : parsed;
    },
  },
  resetTtlSeconds: { env: 'GATEHOUSE_RESET_TTL', parse: duration(MINUTE, DAY) },
  verifyTtlSeconds: { env: 'GATEHOUSE_VERIFY_TTL', parse: duration(MINUTE, 30 * DAY) },
  requireVerifiedEmail: { env: 'GATEHOUSE_REQUIRE_VERIFIED_EMAIL', parse: boolean },
  mailAddressLimit: { env: 'GATEHOUSE_MAIL_ADDRESS_LIMIT', parse: integer(1, 10_000) },
  mailIpLimit: { env: 'GATEHOUSE_MAIL_IP_LIMIT', parse: integer(1, 1_000_000) },
  stepUpMaxAgeSeconds: { env: 'GATEHOUSE_STEP_UP_MAX_AGE', parse: duration(MINUTE, 30 * DAY) },
  rpId: { env: 'GATEHOUSE_RP_ID', parse: text({ nullable: true, check: checkRpId }) },
  rpName: { env: 'GATEHOUSE_RP_NAME', parse: text({ nullable: false, check: (v) => (v.length > 100 ? 'must be at most 100 characters' : undefined) }) },
};

/** What no single value shows: options that must agree with each other. */
export function crossCheck(config: Readonly<GatehouseConfig>): string[] {
  const problems: string[] = [];
  if (config.sessionAbsoluteTtlSeconds < config.sessionIdleTtlSeconds) {
    problems.push('GATEHOUSE_SESSION_ABSOLUTE_TTL: must not be shorter than GATEHOUSE_SESSION_IDLE_TTL');
  }
  if (config.refreshAbsoluteTtlSeconds < config.refreshTtlSeconds) {
    problems.push('GATEHOUSE_REFRESH_ABSOLUTE_TTL: must not be shorter than GATEHOUSE_REFRESH_TTL');
  }
  if (config.rpId !== null && config.publicUrl !== null) {
    const host = new URL(config.publicUrl).hostname;
    if (host !== config.rpId && !host.endsWith(`.${config.rpId}`)) {
      problems.push(`GATEHOUSE_RP_ID: must be the host of GATEHOUSE_PUBLIC_URL (${host}) or a parent domain of it`);
    }
  }
  if (config.keyRotationIntervalSeconds <= config.keyPublishLeadSeconds + config.accessTtlSeconds) {
    problems.push('GATEHOUSE_KEY_ROTATION_INTERVAL: must be longer than GATEHOUSE_KEY_PUBLISH_LEAD plus GATEHOUSE_ACCESS_TTL');
  }
  return problems;
}

export type ConfigSources = Sources<GatehouseOptions>;

/**
 * Later sources win: defaults < options < env < argv. Reads only the engine's variables and flags (the server's,
 * such as GATEHOUSE_PORT, are server/config.ts's). Throws one ConfigError listing every problem.
 */
export function resolveConfig(sources: ConfigSources = {}): Readonly<GatehouseConfig> {
  const { config, problems } = resolveTable(OPTIONS, DEFAULTS, sources);
  problems.push(...crossCheck(config));
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config);
}
