// Owns the public entry point `gatehouse`: the engine, its configuration, errors, store contracts, and the
// standalone server. Everything not re-exported here (or from another subpath in package.json) is internal.
export { createGatehouse } from './core/engine.js';
export type {
  Clock,
  Gatehouse,
  GatehouseDeps,
  HybridLogin,
  LoginResult,
  Principal,
  PublicUser,
  SessionLogin,
  SessionSummary,
  TokenLogin,
  TokenPair,
} from './core/engine.js';
export type { AccessClaims } from './core/access-tokens.js';
export type { PublicJwk } from './core/keys.js';
export { ConfigError, DEFAULTS, resolveConfig } from './core/config.js';
export type { ConfigSources, GatehouseConfig, GatehouseOptions, LoginMode } from './core/config.js';
export { ERROR_CODES, ERROR_STATUS, GatehouseError, isGatehouseError } from './core/errors.js';
export type { ErrorCode } from './core/errors.js';
export type { AuditEvent, AuditSink } from './core/audit.js';
export type { RandomBytes } from './core/credentials.js';
export { canonicalEmail } from './core/email.js';
export { createArgon2Hasher } from './core/password.js';
export type { PasswordHasher } from './core/password.js';
export type { NewSession, SessionContext, ValidSession } from './core/sessions.js';
export type * from './core/store.js';
export { createServer } from './server.js';
export type { GatehouseServer, ServerOptions } from './server.js';
export { openStore } from './stores/open.js';
