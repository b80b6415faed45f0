// Owns the engine's public contract: the `Gatehouse` interface that the HTTP layer, the CLI and embedding apps
// call, and the values its operations take and return. Outer layers get operations and narrow views (health,
// the revocation feed, key rotation), never the engine's store, key ring, revocation list or clock.
import type { AccessClaims } from './access-tokens.js';
import type { PublicUser } from './accounts.js';
import type { Administration } from './administration.js';
import type { Passkeys } from './passkeys.js';
import type { AuditPage } from './audit.js';
import type { GatehouseConfig, LoginMode } from './config.js';
import type { PublicJwk } from './keys.js';
import type { Reauthenticated, ReauthenticateInput } from './reauthenticate.js';
import type { NewSession, SessionContext, ValidSession } from './sessions.js';
import type { ProofRequirement } from './step-up.js';
import type { JsonObject, RevocationRecord, SigningKeyRecord } from './store.js';

export type { PublicUser } from './accounts.js';
export type Clock = () => number;

/** How the user proved who they are (SPEC §6, RFC 8176 values): password, one-time code, hardware key (passkey). */
export type AuthMethod = 'pwd' | 'otp' | 'hwk';

/** How and when the user last proved who they are (SPEC §6): kept on each session and token family. */
export interface AuthProof {
  /** Epoch ms of the proof. */
  authTime: number;
  amr: AuthMethod[];
}

/**
 * Who is making a request, however they proved it. `authTime` (epoch ms) and `amr` are the proof of the
 * session or family (for a token: its `auth_time` and `amr` claims), which step-up checks (core/step-up.ts).
 */
export type Principal =
  | { mode: 'session'; userId: string; sessionId: string; roles: string[]; expiresAt: number; authTime: number; amr: AuthMethod[]; session: ValidSession }
  | { mode: 'token' | 'hybrid'; userId: string; sessionId: string; roles: string[]; expiresAt: number; authTime: number; amr: AuthMethod[]; claims: AccessClaims };

export interface TokenPair {
  accessToken: string;
  /** Seconds. */
  expiresIn: number;
  refreshToken: string;
  /** Seconds until the family's idle expiry. */
  refreshExpiresIn: number;
  /** The family id (the tokens' `sid`). */
  sessionId: string;
}

export interface SessionLogin {
  mode: 'session';
  user: PublicUser;
  session: NewSession;
}

export interface TokenLogin {
  mode: 'token';
  user: PublicUser;
  tokens: TokenPair;
}

/** Hybrid: the same tokens, for HttpOnly cookies, plus the CSRF token bound to the family. */
export interface HybridLogin {
  mode: 'hybrid';
  user: PublicUser;
  tokens: TokenPair;
  csrfToken: string;
}

export type LoginResult = SessionLogin | TokenLogin | HybridLogin;

/** A way to give the second step of a login (SPEC §6). */
export type MfaMethod = 'totp' | 'recovery_code';

/**
 * A login whose password was right, waiting for its second factor (SPEC §6): nothing is opened, no credential
 * handed out, until `completeMfaLogin` gets a right code with this token.
 */
export interface MfaRequired {
  mfaRequired: true;
  /** Single use, for 5 minutes and at most 5 codes. */
  mfaToken: string;
  methods: MfaMethod[];
}

/** A new authenticator, pending until `enableTotp` gets a first code from it. */
export interface TotpSetup {
  /** The shared secret, base32 (for typing into the app). */
  secret: string;
  /** The same as an `otpauth://totp/…` URI (for a QR code). */
  otpauthUrl: string;
}

/** The user's own second factors, as their account page shows them. */
export interface MfaStatus {
  totp: boolean;
  recoveryCodesLeft: number;
}

/** A hybrid refresh: the successor pair, for the cookies, and the family's CSRF token. */
export interface HybridRefresh {
  tokens: TokenPair;
  csrfToken: string;
}

export interface SessionSummary {
  id: string;
  mode: 'session' | 'token' | 'hybrid';
  createdAt: string;
  lastActiveAt: string;
  expiresAt: string;
  userAgent: string | null;
  ip: string | null;
  current: boolean;
}

/**
 * The credentials a request carries, as the HTTP layer read them; any may be missing. Which one counts is the
 * engine's rule (see `authenticate`), never the caller's.
 */
export interface PresentedCredentials {
  /** The `Authorization: Bearer` token (a malformed header is refused by the HTTP layer before this). */
  bearer?: string | null | undefined;
  /** The hybrid access cookie (a JWT). */
  accessCookie?: string | undefined;
  sessionCookie?: string | undefined;
  /** The hybrid refresh cookie. */
  refreshCookie?: string | undefined;
  /**
   * Development only (the HTTP layer's request trace, http/trace.ts): when given, `authenticate` appends what it
   * looked up, as `step=outcome` entries (no credential, no secret). Absent: nothing is recorded, nothing allocated.
   */
  trace?: string[] | undefined;
}

/**
 * The caller's CSRF check for a cookie credential of this request: throws `csrf_failed` unless the request
 * passes (for HTTP: an unsafe method needs an allowed Origin and an X-CSRF-Token that `matches` accepts; a safe
 * method passes as is). The engine says which token is right; the caller knows the request.
 */
export type CsrfGate = (matches: (presented: string) => boolean) => void;

/** Readiness: whether the store answers, and whether this instance hears every other instance's revocations. */
export interface Health {
  /** The store's backend name, e.g. "sqlite". */
  storeKind: string;
  store: boolean;
  live: boolean;
}

/** What the revocation feed reads of the engine: its live view of revocations, without the power to revoke. */
export interface RevocationFeedSource {
  /** False while revocations from other instances may have been missed: the feed must not vouch for its view. */
  readonly live: boolean;
  /** The engine's clock (heartbeats carry it). */
  now(): number;
  /** Every revocation in force now. */
  snapshot(): RevocationRecord[];
  /** `revocation` for each one revoked or applied from now on, `closed` once when the engine closes; returns the unsubscribe. */
  subscribe(listener: { revocation(revocation: RevocationRecord): void; closed(): void }): () => void;
}

/** A signing key as the CLI lists it (the private key never leaves the engine, even sealed). */
export type SigningKeySummary = Pick<SigningKeyRecord, 'kid' | 'createdAt' | 'activatesAt' | 'retiredAt' | 'expiresAt'>;

export interface Gatehouse {
  readonly config: Readonly<GatehouseConfig>;
  /** Creates an account. Throws `invalid_request` (bad email or password), `email_taken`, `rate_limited`. */
  register(input: { email: string; password: string }, context: SessionContext): Promise<PublicUser>;
  /**
   * Checks the password and opens a new session or token family (always new ids) — or, when the user has a
   * second factor on, opens nothing and returns `MfaRequired` for `completeMfaLogin`. Throws
   * `invalid_credentials` for a wrong password and an unknown email alike, after the same amount of hashing, or
   * `rate_limited`.
   */
  login(input: { email: string; password: string }, context: SessionContext, mode?: 'session'): Promise<SessionLogin | MfaRequired>;
  login(input: { email: string; password: string }, context: SessionContext, mode: 'token'): Promise<TokenLogin | MfaRequired>;
  login(input: { email: string; password: string }, context: SessionContext, mode: 'hybrid'): Promise<HybridLogin | MfaRequired>;
  login(input: { email: string; password: string }, context: SessionContext, mode: LoginMode): Promise<LoginResult | MfaRequired>;
  /**
   * The second step of a login (SPEC §6): a TOTP code or a recovery code with the `mfaToken`; opens the login in
   * the mode first asked for. Throws `invalid_token` (unknown, used, expired or out of attempts), `invalid_code`
   * (a wrong code: counted against the token and against the account's failed-login limit), `rate_limited`.
   */
  completeMfaLogin(input: { mfaToken: string; code?: string | undefined; recoveryCode?: string | undefined }, context: SessionContext): Promise<LoginResult>;
  /** Whether the user has TOTP on, and how many recovery codes are left. */
  mfaStatus(principal: Principal): Promise<MfaStatus>;
  /** A new TOTP secret, pending until `enableTotp` (step-up: `reauthentication_required`). Replaces a pending one; `invalid_request` when TOTP is on. */
  setupTotp(principal: Principal): Promise<TotpSetup>;
  /** Turns the pending TOTP on with a first code from it; returns the recovery codes, shown this once. Throws `invalid_code`. */
  enableTotp(principal: Principal, code: string, context: SessionContext): Promise<{ recoveryCodes: string[] }>;
  /** Turns TOTP off (step-up) and ends every other session and family of the user. Throws `not_found` when it is not on. */
  disableTotp(principal: Principal, context: SessionContext): Promise<void>;
  /** The session a cookie token names, or null (unknown, forged, expired). Renews it when due. */
  validateSession(token: string): Promise<ValidSession | null>;
  authenticateSession(token: string): Promise<Principal | null>;
  /** A bearer access token: signature, claims and revocation; null when any fails. */
  authenticateBearer(token: string): Promise<Principal | null>;
  /** The same checks for an access token carried in the hybrid cookie (the principal's mode is `hybrid`). */
  authenticateAccessCookie(token: string): Promise<Principal | null>;
  /**
   * Who presented these credentials. Exactly one counts, the first present of: the bearer token, the hybrid
   * access cookie, the session cookie; an invalid first one is `unauthenticated` even if a later one is valid.
   * A cookie credential also passes `csrf` with the token bound to it.
   */
  authenticate(presented: PresentedCredentials, csrf: CsrfGate): Promise<Principal>;
  /**
   * A short-lived access token (≤ `exchangeTtlSeconds`, never past the session's expiry) carrying the cookie
   * session's id as `sid`, for calling other services; it is revoked with its session.
   */
  exchange(principal: Principal): Promise<{ accessToken: string; expiresIn: number }>;
  /** Verifies an access token for an embedding service: claims, or null (revocation included). */
  verifyAccessToken(token: string): Promise<AccessClaims | null>;
  /** Rotates a refresh token. Throws `unauthenticated`, `refresh_token_reused` or `rate_limited`. */
  refresh(refreshToken: string): Promise<TokenPair>;
  /**
   * Hybrid refresh from the refresh cookie: the token is read once; a genuine one must pass `csrf` with its
   * family's token before it is rotated. Throws as `refresh`, or `csrf_failed` (nothing rotated).
   */
  refreshFromCookie(refreshToken: string, csrf: CsrfGate): Promise<HybridRefresh>;
  csrfToken(session: ValidSession): string;
  checkCsrf(session: ValidSession, presented: string): boolean;
  getUser(userId: string): Promise<PublicUser | null>;
  /** Ends what the principal authenticated with: the session, or the access token and its family. */
  logout(principal: Principal): Promise<void>;
  /**
   * Logout from whatever a request carries: what `authenticate` accepts ends as `logout` does; a hybrid
   * refresh cookie with no other credential, or beside an access cookie that no longer verifies, ends its
   * family once it passes `csrf` with the family's token. Returns the mode of what ended.
   */
  logoutWith(presented: PresentedCredentials, csrf: CsrfGate): Promise<Principal['mode']>;
  /** Ends the cookie login a browser already holds (session or hybrid family), if genuine: a new login never keeps or adopts it. */
  endPreviousLogin(presented: Pick<PresentedCredentials, 'sessionCookie' | 'refreshCookie'>): Promise<void>;
  /** Ends every session and family of the user, access tokens included. */
  logoutAll(userId: string): Promise<void>;
  listSessions(userId: string, currentSessionId: string | null): Promise<SessionSummary[]>;
  /**
   * The user's own audit events, newest first: at most `limit` (1 to 100, default 20), after `cursor` (the
   * `next` of the previous page). Throws `invalid_request` for another limit or a cursor it did not hand out.
   */
  listAuditEvents(userId: string, page?: { limit?: number | undefined; cursor?: string | null | undefined }): Promise<AuditPage>;
  /** Revokes one of the user's own sessions or families; false when there is no such one of theirs. */
  revokeSession(userId: string, sessionId: string): Promise<boolean>;
  /**
   * Changes the password and revokes every other session and family of the user. Step-up: throws
   * `reauthentication_required` when the principal's proof is older than `stepUpMaxAgeSeconds`.
   */
  changePassword(principal: Principal, current: string, next: string, context: SessionContext): Promise<void>;
  /** Mails the signed-in user a verification link (202). Throws `not_configured`, `rate_limited`, `unavailable` (SMTP down: no link left valid). */
  requestEmailVerification(principal: Principal, context: SessionContext): Promise<void>;
  /** Redeems a verification link's token. Throws `invalid_token`. */
  verifyEmail(token: string): Promise<PublicUser>;
  /**
   * Mails a reset link if an account has this email; returns at once either way (the mail goes in the
   * background, so neither the answer nor its timing says whether the account exists).
   */
  forgotPassword(email: string, context: SessionContext): Promise<void>;
  /** Sets a new password from a reset link's token and ends every session and family of the user. Throws `invalid_token`. */
  resetPassword(token: string, newPassword: string, context: SessionContext): Promise<void>;
  /** Step-up (as `changePassword`), checks the password, then mails a link to the new address and a notice to the current one. */
  requestEmailChange(principal: Principal, newEmail: string, currentPassword: string, context: SessionContext): Promise<void>;
  /** Redeems an email-change link: the new address, verified. Throws `invalid_token`, `email_taken`. */
  confirmEmailChange(token: string): Promise<PublicUser>;
  /** Step-up (as `changePassword`), checks the password, then removes the user, its sessions, families and tokens (access tokens denied at once). */
  deleteAccount(principal: Principal, currentPassword: string, context: SessionContext): Promise<void>;
  /**
   * Step-up's renewal (SPEC §6, `POST /auth/reauthenticate`): checks `password` (a login's limits and audit) or a
   * second-factor `code`, then renews the proof of the principal's session or token family: `authTime` now,
   * `amr` the method used plus those of the previous proof still within `stepUpMaxAgeSeconds`. A token or hybrid
   * principal also gets a fresh access token carrying it (the refresh token stays). Throws `invalid_request`
   * (not exactly one of the two; a code where no second factor is available), `invalid_credentials`,
   * `invalid_code`, `rate_limited`, `unauthenticated` (the session or family has ended).
   */
  reauthenticate(principal: Principal, input: ReauthenticateInput, context: SessionContext): Promise<Reauthenticated>;
  /**
   * Throws `reauthentication_required` unless the principal's proof meets `requirement` at the engine's clock:
   * not older than `maxAge` seconds, made with one of `amr`. Without a requirement: not older than
   * `stepUpMaxAgeSeconds` (what every sensitive operation asks). For an embedding app's own sensitive operations.
   */
  requireRecentAuth(principal: Principal, requirement?: ProofRequirement): void;
  /** Adds a role (roles are never set by users themselves). Returns false for an unknown email. */
  grantRole(email: string, role: string): Promise<boolean>;
  /**
   * Removes a role. Access tokens issued before it are refused from then on (a refresh gets one without it);
   * sessions see it on their next request. Returns false for an unknown email; true if the user lacked the role.
   */
  revokeRole(email: string, role: string): Promise<boolean>;
  /** What administrators do to other users' accounts (SPEC §7): the `/admin/` API and the CLI call it. */
  readonly admin: Administration;
  /** Passkeys (SPEC §6): registering, listing and deleting the user's own, and signing in with one. */
  readonly passkeys: Passkeys;
  /** Keeps a small JSON bag on the session (at most `sessionDataMaxBytes` serialised). */
  setSessionData(sessionId: string, data: JsonObject | null): Promise<boolean>;
  jwks(): { keys: PublicJwk[] };
  /** Adds a signing key: published now, signing from `keyPublishLeadSeconds` later. */
  rotateKeys(): Promise<SigningKeySummary>;
  /** The signing keys this instance knows (as last read from the store). */
  listKeys(): SigningKeySummary[];
  /** For readiness probes: never throws. */
  health(): Promise<Health>;
  /** The live view the revocation feed streams to verifiers. */
  readonly revocationFeed: RevocationFeedSource;
  /** Periodic upkeep: key schedule, expired sessions, families, revocations and rate-limit windows, audit retention. */
  maintain(): Promise<void>;
  /** Stops listening for other instances' revocations and closes the feed (the store is the caller's to close). */
  close(): Promise<void>;
}
