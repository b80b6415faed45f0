// Owns the public entry point `gatehouse`: the engine, its configuration, errors and store contracts — a
// deliberate list, and nothing that loads a store driver, Fastify, pino or prom-client (the standalone server
// and openStore are `gatehouse/server`). Everything not exported here (or from another subpath in
// package.json) is internal; test/exports.test.ts checks what each entry loads.
export { createGatehouse } from './core/engine.js';
export type { GatehouseDeps } from './core/engine.js';
export type {
  Clock,
  CsrfGate,
  Gatehouse,
  Health,
  HybridLogin,
  HybridRefresh,
  LoginResult,
  PresentedCredentials,
  Principal,
  PublicUser,
  RevocationFeedSource,
  SessionLogin,
  SessionSummary,
  SigningKeySummary,
  TokenLogin,
  TokenPair,
} from './core/gatehouse.js';
export type { AccessClaims } from './core/access-tokens.js';
export type { AuthMethod, AuthProof } from './core/gatehouse.js';
export type { ProofRequirement } from './core/step-up.js';
export type { MfaMethod, MfaRequired, MfaStatus, TotpSetup } from './core/gatehouse.js';
export type { TotpFactorSummary } from './core/mfa.js';
export type { Reauthenticated, ReauthenticateInput } from './core/reauthenticate.js';
export type { PublicJwk } from './core/keys.js';
export { ConfigError, DEFAULTS, resolveConfig } from './core/config.js';
export type { ConfigSources, GatehouseConfig, GatehouseOptions, LoginMode } from './core/config.js';
export { ERROR_CODES, ERROR_STATUS, GatehouseError, isGatehouseError } from './core/errors.js';
export type { ErrorCode } from './core/errors.js';
export type { AdminAuditPage, AdminEventType, AuditEntry, AuditEvent, AuditOutcome, AuditPage, AuditSink } from './core/audit.js';
export type { AdminActor, AdminFactor, AdminUser, AdminUserDetail, Administration, UserPage } from './core/administration.js';
export type { RandomBytes } from './core/credentials.js';
export { canonicalEmail } from './core/email.js';
export { createArgon2Hasher } from './core/password.js';
export type { PasswordHasher } from './core/password.js';
export type { NewSession, SessionContext, ValidSession } from './core/sessions.js';
export type { Passkeys, PasskeySummary } from './core/passkeys.js';
export type {
  AuditPosition,
  AuditQuery,
  AuditRecord,
  AuditStore,
  JsonObject,
  JsonValue,
  KeyStore,
  MfaChallengeRecord,
  MfaStore,
  PasskeyRecord,
  PasskeyStore,
  RateLimitHit,
  RateLimitStore,
  RefreshFamilyRecord,
  RefreshTokenRecord,
  RefreshTokenStore,
  RevocationBus,
  RevocationChanges,
  RevocationRecord,
  RevocationStore,
  RotateResult,
  SessionRecord,
  SessionStore,
  SigningKeyRecord,
  Store,
  TotpFactorRecord,
  UserRecord,
  UserSearch,
  UserStore,
} from './core/store.js';
