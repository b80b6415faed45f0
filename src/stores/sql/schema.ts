// Owns the Kysely table types of the SQL stores: column names and types as the domain sees them
// (snake_case, epoch milliseconds as numbers, JSON as TEXT). Mapping to domain records lives in each
// store's own file (users.ts, sessions.ts, …).

export interface UsersTable {
  id: string;
  email: string;
  password_hash: string;
  /** JSON array of role names. */
  roles: string;
  /** 0 or 1. */
  email_verified: number;
  /** Epoch ms, or NULL while enabled. */
  disabled_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface SessionsTable {
  id: string;
  secret_hash: string;
  user_id: string;
  created_at: number;
  last_active_at: number;
  expires_at: number;
  absolute_expires_at: number;
  user_agent: string | null;
  ip: string | null;
  /** JSON object, or NULL when the session carries no data. */
  data: string | null;
  /** Epoch ms of the last proof of identity (step-up). */
  auth_time: number;
  /** Space-separated RFC 8176 methods, e.g. `pwd otp`. */
  amr: string;
}

export interface RateLimitsTable {
  key: string;
  count: number;
  reset_at: number;
}

export interface SigningKeysTable {
  kid: string;
  alg: 'EdDSA';
  /** JSON object (the public JWK). */
  public_jwk: string;
  private_key_encrypted: string;
  created_at: number;
  activates_at: number;
  retired_at: number | null;
  expires_at: number | null;
}

export interface RefreshFamiliesTable {
  id: string;
  user_id: string;
  mode: 'token' | 'hybrid';
  created_at: number;
  last_used_at: number;
  expires_at: number;
  absolute_expires_at: number;
  revoked_at: number | null;
  user_agent: string | null;
  ip: string | null;
  /** Epoch ms of the last proof of identity (step-up). */
  auth_time: number;
  /** Space-separated RFC 8176 methods, e.g. `pwd otp`. */
  amr: string;
}

export interface RefreshTokensTable {
  id: string;
  family_id: string;
  secret_hash: string;
  created_at: number;
  used_at: number | null;
  successor_id: string | null;
}

export interface RevocationsTable {
  kind: 'jti' | 'sid' | 'user';
  subject: string;
  revoked_at: number;
  expires_at: number;
  /** When the row was last written, by the database's clock (epoch ms). */
  changed_at: number;
}

export interface OneTimeTokensTable {
  id: string;
  secret_hash: string;
  user_id: string;
  purpose: 'verify_email' | 'reset_password' | 'change_email';
  data: string | null;
  created_at: number;
  expires_at: number;
}

export interface AuditEventsTable {
  id: string;
  at: number;
  type: string;
  /** No foreign key: the trail keeps a deleted user's id. */
  user_id: string | null;
  session_id: string | null;
  ip: string | null;
  user_agent: string | null;
  /** JSON object: the event's other fields. */
  details: string;
}

export interface PasskeysTable {
  /** The credential id, base64url. */
  id: string;
  user_id: string;
  /** COSE public key, base64url. */
  public_key: string;
  /** A bigint on PostgreSQL: read back as a string by pg, hence Number() on the way out. */
  counter: number;
  /** JSON array of transport names. */
  transports: string;
  device_type: 'singleDevice' | 'multiDevice';
  /** 0 or 1. */
  backed_up: number;
  name: string;
  created_at: number;
  last_used_at: number | null;
}

export interface MfaTotpTable {
  user_id: string;
  /** Sealed by the engine (SecretBox); never the plain secret. */
  secret_sealed: string;
  created_at: number;
  /** Epoch ms, or NULL while pending. */
  enabled_at: number | null;
  last_used_step: number | null;
}

export interface MfaRecoveryCodesTable {
  user_id: string;
  /** A keyed hash of the code (the engine's); the code itself is shown once and never stored. */
  code_hash: string;
  created_at: number;
}

export interface MfaChallengesTable {
  id: string;
  secret_hash: string;
  user_id: string;
  mode: 'session' | 'token' | 'hybrid';
  attempts: number;
  created_at: number;
  expires_at: number;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  rate_limits: RateLimitsTable;
  signing_keys: SigningKeysTable;
  refresh_families: RefreshFamiliesTable;
  refresh_tokens: RefreshTokensTable;
  revocations: RevocationsTable;
  audit_events: AuditEventsTable;
  one_time_tokens: OneTimeTokensTable;
  mfa_totp: MfaTotpTable;
  mfa_recovery_codes: MfaRecoveryCodesTable;
  mfa_challenges: MfaChallengesTable;
  passkeys: PasskeysTable;
}
