// Owns the storage contracts: domain-specific store interfaces that every backend (memory, SQLite,
// PostgreSQL, Redis) implements. Core code does I/O only through these.
// Times are epoch milliseconds. A store that cannot reach its backend throws; "not found" is a value.
import type { AuthMethod } from './gatehouse.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface UserRecord {
  id: string;
  /** Canonical form (see core/email.ts); unique. */
  email: string;
  /** PHC string (argon2id). Never leaves the engine. */
  passwordHash: string;
  roles: string[];
  /** Whether the owner proved the address (a verification or email-change link, SPEC §5). */
  emailVerified: boolean;
  /** When an administrator disabled the account (SPEC §7); null while enabled. A disabled user cannot sign in. */
  disabledAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/** A page of users whose email contains `query` (empty: all), by email ascending, after `afterEmail`. */
export interface UserSearch {
  /** Matched as a plain substring of the canonical email (no wildcards). */
  query: string;
  /** At most this many (a positive integer). */
  limit: number;
  /** Only users whose email sorts after this one (plain byte order); null or absent: from the first. */
  afterEmail?: string | null;
}

/** What `UserStore.updateEmail` did: the unique email key decides `taken`, never a read-then-write. */
export type EmailUpdate = 'updated' | 'taken' | 'missing';

export interface UserStore {
  /** Inserts the user. Returns null, changing nothing, when the email is taken (atomic: a unique key, not a read-then-write). */
  create(user: UserRecord): Promise<UserRecord | null>;
  findById(id: string): Promise<UserRecord | null>;
  findByEmail(email: string): Promise<UserRecord | null>;
  /** Replaces the password hash. Returns false when the user does not exist. */
  updatePassword(id: string, passwordHash: string, now: number): Promise<boolean>;
  /**
   * Replaces the password hash only while it is still `expected` (one conditional write, never a read-then-write):
   * a login's re-hash of the old password never overwrites a password changed meanwhile. Returns whether it did.
   */
  replacePasswordHash(id: string, expected: string, passwordHash: string, now: number): Promise<boolean>;
  /** Replaces the roles. Returns false when the user does not exist. */
  setRoles(id: string, roles: string[], now: number): Promise<boolean>;
  /** Sets `emailVerified`. Returns false when the user does not exist. */
  setEmailVerified(id: string, verified: boolean, now: number): Promise<boolean>;
  /** Replaces the email (canonical) and `emailVerified`, atomically against the unique email key. */
  updateEmail(id: string, email: string, emailVerified: boolean, now: number): Promise<EmailUpdate>;
  /** Sets or clears `disabledAt` (null: enabled). Returns false when the user does not exist. */
  setDisabled(id: string, disabledAt: number | null, now: number): Promise<boolean>;
  /** Finds users for administrators (see `UserSearch`): by email ascending, in plain byte order. */
  search(search: UserSearch): Promise<UserRecord[]>;
  /** Deletes the user (SQL: its sessions, families and one-time tokens cascade). Returns false when unknown. */
  delete(id: string): Promise<boolean>;
}

export interface SessionRecord {
  /** Public identifier (listed to the user, used to revoke). Not a credential on its own. */
  id: string;
  /** base64url SHA-256 of the session secret. The secret itself is never stored. */
  secretHash: string;
  userId: string;
  createdAt: number;
  lastActiveAt: number;
  /** Idle expiry; slides forward on use, never past absoluteExpiresAt. */
  expiresAt: number;
  absoluteExpiresAt: number;
  userAgent: string | null;
  ip: string | null;
  /** Small JSON bag kept for the embedding app (size-limited by the engine). */
  data: JsonObject | null;
  /** When the user last proved who they are in this session (login or reauthentication, SPEC §6 step-up). */
  authTime: number;
  /** How (RFC 8176 values `pwd`, `otp`, `hwk`), in that order, without repeats. */
  amr: AuthMethod[];
}

export interface SessionStore {
  create(session: SessionRecord): Promise<void>;
  get(id: string): Promise<SessionRecord | null>;
  /** Records activity and slides the idle expiry. Returns false when the session no longer exists. */
  touch(id: string, lastActiveAt: number, expiresAt: number): Promise<boolean>;
  /** Replaces the data bag. Returns false when the session no longer exists. */
  setData(id: string, data: JsonObject | null): Promise<boolean>;
  /** Replaces the proof (`authTime`, `amr`) after a reauthentication. Returns false when the session no longer exists. */
  setProof(id: string, authTime: number, amr: AuthMethod[]): Promise<boolean>;
  /** Returns true when a session was deleted. */
  delete(id: string): Promise<boolean>;
  /** Deletes every session of the user except `exceptId`; returns how many. */
  deleteByUser(userId: string, exceptId?: string): Promise<number>;
  /** The user's sessions still valid at `now`, newest first. */
  listByUser(userId: string, now: number): Promise<SessionRecord[]>;
  /** Sessions still valid at `now` (for metrics). */
  countActive(now: number): Promise<number>;
  /** Removes sessions expired at `now`; returns how many. */
  deleteExpired(now: number): Promise<number>;
}

export interface RateLimitHit {
  /** Hits in the current window, this one included. */
  count: number;
  /** When the current window ends. */
  resetAt: number;
}

export interface RateLimitStore {
  /**
   * Atomic increment with TTL: counts one hit for `key` in a fixed window of `windowMs`, starting a new
   * window (count 1) when the previous one has ended at `now`. Concurrent hits are never lost.
   */
  hit(key: string, windowMs: number, now: number): Promise<RateLimitHit>;
  reset(key: string): Promise<void>;
  deleteExpired(now: number): Promise<number>;
}

export interface SigningKeyRecord {
  /** Key id, carried in each token's header. */
  kid: string;
  alg: 'EdDSA';
  /** The public key as a JWK (published in the JWKS). */
  publicJwk: JsonObject;
  /** The private key, encrypted at rest under GATEHOUSE_SECRET (opaque to the store). */
  privateKeyEncrypted: string;
  createdAt: number;
  /** It signs from this time on; it is published (JWKS) from `createdAt`, before it signs. */
  activatesAt: number;
  /** When a newer key took over signing; null while current or pending. */
  retiredAt: number | null;
  /** When the last token it signed has expired: it leaves the JWKS and may be deleted. null until retired. */
  expiresAt: number | null;
}

export interface KeyStore {
  /** Every key, oldest first (by createdAt). */
  list(): Promise<SigningKeyRecord[]>;
  insert(key: SigningKeyRecord): Promise<void>;
  /** Marks the key retired; returns false when there is no such key or it is already retired. */
  retire(kid: string, retiredAt: number, expiresAt: number): Promise<boolean>;
  /** Deletes retired keys whose expiresAt <= now; returns how many. */
  deleteExpired(now: number): Promise<number>;
}

/** A refresh-token family: one login's lineage of rotated refresh tokens. Its id is the tokens' `sid`. */
export interface RefreshFamilyRecord {
  id: string;
  userId: string;
  mode: 'token' | 'hybrid';
  createdAt: number;
  lastUsedAt: number;
  /** Idle expiry: moved by each rotation, never past absoluteExpiresAt. */
  expiresAt: number;
  absoluteExpiresAt: number;
  /** Set once; a revoked family never comes back. */
  revokedAt: number | null;
  userAgent: string | null;
  ip: string | null;
  /** When the user last proved who they are in this family (login or reauthentication, SPEC §6 step-up). */
  authTime: number;
  /** How (RFC 8176 values `pwd`, `otp`, `hwk`), in that order, without repeats. */
  amr: AuthMethod[];
}

export interface RefreshTokenRecord {
  /** Public id part of the `id.secret` token. */
  id: string;
  familyId: string;
  /** base64url SHA-256 of the token's secret. */
  secretHash: string;
  createdAt: number;
  /** When it was rotated out (spent); null while live. */
  usedAt: number | null;
  /** The token that replaced it; null while live. */
  successorId: string | null;
}

export type RotateResult =
  /** The token was live: it is now spent and `successor` is stored. */
  | { status: 'rotated'; family: RefreshFamilyRecord }
  /** Already rotated to this same successor within the grace window: nothing was written. */
  | { status: 'retry'; family: RefreshFamilyRecord }
  /** Spent before the grace window, or rotated to a different successor: the whole family has just been revoked. */
  | { status: 'reused'; family: RefreshFamilyRecord }
  /** Unknown token, or a family that is revoked or expired at `now`. */
  | { status: 'invalid' };

export interface RefreshTokenStore {
  /** Stores a new family with its first token. */
  createFamily(family: RefreshFamilyRecord, token: RefreshTokenRecord): Promise<void>;
  getToken(id: string): Promise<RefreshTokenRecord | null>;
  getFamily(id: string): Promise<RefreshFamilyRecord | null>;
  /**
   * Atomic rotation (one transaction, or one Lua script): for a live token of a family still valid at
   * `now`, mark it spent (`usedAt = now`, `successorId = successor.id`), insert `successor`, and move the
   * family's `lastUsedAt` to now and its `expiresAt` to `familyExpiresAt` → `rotated`. For a token spent at
   * most `graceMs` ago (`now - usedAt <= graceMs`) whose recorded successor is `successor.id` → `retry`,
   * writing nothing. For any other spent token — spent earlier, or rotated to a different successor (a
   * second presenter, not a retry of the same request) → revoke the family (`revokedAt = now`) → `reused`.
   * The family check comes first, so once revoked every later call is `invalid`. Concurrent calls for one
   * token yield exactly one `rotated`.
   */
  rotate(tokenId: string, successor: RefreshTokenRecord, now: number, graceMs: number, familyExpiresAt: number): Promise<RotateResult>;
  /** The user's families neither revoked nor expired at `now`, newest first. */
  listFamiliesByUser(userId: string, now: number): Promise<RefreshFamilyRecord[]>;
  /** Revokes the family; false when unknown or already revoked. */
  revokeFamily(id: string, now: number): Promise<boolean>;
  /**
   * Replaces the family's proof (`authTime`, `amr`) after a reauthentication, in one conditional write: false,
   * changing nothing, when the family is unknown, revoked, or expired at `now` (a revoked family never gains one).
   */
  setFamilyProof(id: string, authTime: number, amr: AuthMethod[], now: number): Promise<boolean>;
  /** Revokes every unrevoked family of the user except `exceptId`; returns the ids revoked. */
  revokeFamiliesByUser(userId: string, now: number, exceptId?: string): Promise<string[]>;
  /** Deletes families (and their tokens) whose absoluteExpiresAt or expiresAt <= now; returns how many families. */
  deleteExpired(now: number): Promise<number>;
}

/**
 * A revocation that verifiers must honour until `expiresAt` (after which every token it covers has expired):
 * `jti` denies one access token, `sid` every access token of a session or family, `user` every access token
 * of the user issued before `revokedAt` (logout-all's cut-off).
 */
export interface RevocationRecord {
  kind: 'jti' | 'sid' | 'user';
  subject: string;
  revokedAt: number;
  expiresAt: number;
}

export interface RevocationStore {
  /** Upsert by (kind, subject), keeping the later revokedAt and the later expiresAt. */
  add(revocation: RevocationRecord): Promise<void>;
  /** Every revocation with expiresAt > now. */
  list(now: number): Promise<RevocationRecord[]>;
  /**
   * Keeps a copy in step without re-reading everything: every revocation with expiresAt > now added or changed
   * since the call that returned `cursor` began (every one, for `null`), and the cursor for the next call. It
   * may return a revocation again; it never misses one. The cursor means something to this store only.
   */
  changes(cursor: number | null, now: number): Promise<RevocationChanges>;
  deleteExpired(now: number): Promise<number>;
}

export interface RevocationChanges {
  revocations: RevocationRecord[];
  /** For the next `changes` call. */
  cursor: number;
}

/**
 * Carries revocations between instances that share a store (Redis pub/sub). It keeps nothing: a revocation
 * published while an instance is not listening is never delivered to it, so `live(false)` means "may have
 * missed some" and the instance must re-read `RevocationStore.list` after the next `live(true)`.
 */
export interface RevocationBus {
  /** Sends a revocation (already stored) to every other instance. */
  publish(revocation: RevocationRecord): Promise<void>;
  /** Starts listening: `revocation` for each one another instance published, `live` on every change of state. */
  start(handlers: { revocation(revocation: RevocationRecord): void; live(up: boolean): void }): { stop(): Promise<void> };
}

export type OneTimeTokenPurpose = 'verify_email' | 'reset_password' | 'change_email';

/** A single-use token sent by mail (SPEC §5): the `id.secret` the link carries, of which only a hash is kept. */
export interface OneTimeTokenRecord {
  /** Public id part of the `id.secret` token. */
  id: string;
  /** base64url SHA-256 of the token's secret. */
  secretHash: string;
  userId: string;
  purpose: OneTimeTokenPurpose;
  /** What the token carries besides its purpose, e.g. the new address of an email change; null otherwise. */
  data: string | null;
  createdAt: number;
  expiresAt: number;
}

export interface OneTimeTokenStore {
  /**
   * Atomic (one transaction): stores `token` and deletes every other token of its user and purpose, so a new
   * request voids the older links.
   */
  issue(token: OneTimeTokenRecord): Promise<void>;
  /**
   * Atomic read-and-delete: the record (expired or not; the caller checks) and it is gone; null when unknown.
   * Of concurrent calls for one id, exactly one gets the record.
   */
  consume(id: string): Promise<OneTimeTokenRecord | null>;
  /** Deletes the user's tokens of these purposes (every purpose when omitted); returns how many. */
  deleteByUser(userId: string, purposes?: readonly OneTimeTokenPurpose[]): Promise<number>;
  /** Removes tokens expired at `now`; returns how many. */
  deleteExpired(now: number): Promise<number>;
}

/**
 * One audit event as a row (SPEC §7): what happened, to whom, from where. Ids and addresses only, never a
 * password, token or session secret. Rows are written once and never changed; retention deletes them.
 */
export interface AuditRecord {
  /** Unique; the engine's ids are 32 lower-case hex digits that count up within one millisecond. */
  id: string;
  /** When it happened (the engine's clock). */
  at: number;
  /** The event's type, e.g. `login.succeeded` (core/audit.ts). */
  type: string;
  /** Whose account it concerns; null when none is known (a failed login for an unknown email). No foreign key:
   * the row outlives the user. */
  userId: string | null;
  sessionId: string | null;
  ip: string | null;
  userAgent: string | null;
  /** The event's other fields (a mode, a reason, a count, a role). */
  details: JsonObject;
}

/** Where a page of audit records ended: the next page holds the records after it, newest first. */
export interface AuditPosition {
  at: number;
  id: string;
}

export interface AuditQuery {
  /** At most this many records (a positive integer). */
  limit: number;
  /** Only records after this one in the order below (older ones); null or absent: from the newest. */
  after?: AuditPosition | null;
}

export interface AuditStore {
  /** Stores the record; its id is new (a repeated id throws). */
  append(record: AuditRecord): Promise<void>;
  /**
   * The user's records, newest first: by `at` descending, then by `id` descending in plain byte order (as
   * JavaScript compares ASCII strings). Keyset paging: the next page is asked for `after` the last record of
   * the previous one, so records appended in between (newer ones) never shift it: none is repeated or skipped.
   */
  listByUser(userId: string, query: AuditQuery): Promise<AuditRecord[]>;
  /** Every user's records (and those of no user), in the same order (for administrators). */
  listAll(query: AuditQuery): Promise<AuditRecord[]>;
  /** Retention: deletes the records with `at < before`; returns how many. */
  deleteOlderThan(before: number): Promise<number>;
  /**
   * A deleted account (SPEC §5): clears the IP address and user agent of the user's records, which keep their
   * user id, type, time and details; returns how many records it changed.
   */
  forgetUser(userId: string): Promise<number>;
}

/** A passkey (WebAuthn credential, SPEC §6) registered to a user: what verifying its next assertion needs. */
export interface PasskeyRecord {
  /** The credential id (base64url), as the authenticator made it; unique across all users. */
  id: string;
  userId: string;
  /** The credential's COSE public key, base64url. */
  publicKey: string;
  /** The signature counter last seen (0: the authenticator does not count). */
  counter: number;
  /** How the browser may reach the authenticator (`internal`, `hybrid`, `usb`, …), as it reported them. */
  transports: string[];
  /** `multiDevice`: a synced passkey; `singleDevice`: bound to one authenticator. */
  deviceType: 'singleDevice' | 'multiDevice';
  /** Whether the credential is backed up (synced) now, as its last use said. */
  backedUp: boolean;
  /** The user's name for it. */
  name: string;
  createdAt: number;
  /** When it last signed a login; null until then. */
  lastUsedAt: number | null;
}

export interface PasskeyStore {
  /** Inserts the passkey. Returns false, changing nothing, when one with its id exists (any user's): a unique key, not a read-then-write. */
  create(passkey: PasskeyRecord): Promise<boolean>;
  findById(id: string): Promise<PasskeyRecord | null>;
  /** The user's passkeys, oldest first (by createdAt, then id). */
  listByUser(userId: string): Promise<PasskeyRecord[]>;
  /**
   * Atomic counter check-and-set (one conditional write, never a read-then-write): records a use at `now` with the
   * authenticator's `counter` and `backedUp` only when `counter` is greater than the stored counter, or both are 0
   * (an authenticator that does not count). Returns false, changing nothing, otherwise (a counter that did not
   * increase: a possibly cloned authenticator) or for an unknown id. Of concurrent calls with one non-zero
   * counter value, exactly one returns true.
   */
  recordUse(id: string, counter: number, backedUp: boolean, now: number): Promise<boolean>;
  /** Deletes the passkey if it is this user's. Returns false when there is no such passkey of theirs. */
  delete(userId: string, id: string): Promise<boolean>;
  /** Deletes every passkey of the user (SQL: they also cascade with the user); returns how many. */
  deleteByUser(userId: string): Promise<number>;
}

/**
 * A user's TOTP factor (SPEC §6): pending from setup until a first code turns it on. The secret is sealed by the
 * engine (only it can open it); the store never sees it in plain text.
 */
export interface TotpFactorRecord {
  userId: string;
  /** The shared secret, sealed (core/secret-box.ts); opaque to the store. */
  secretSealed: string;
  createdAt: number;
  /** When a first code turned it on; null while pending. */
  enabledAt: number | null;
  /** The last time step a code was accepted for: codes of it or of an earlier step are refused. null before any. */
  lastUsedStep: number | null;
}

/** The second step of a login (SPEC §6 `mfaToken`): its `id.secret`, of which only a hash is kept. */
export interface MfaChallengeRecord {
  /** Public id part of the `id.secret` token. */
  id: string;
  /** base64url SHA-256 of the token's secret. */
  secretHash: string;
  userId: string;
  /** The mode the login was asked for: the one it completes in. */
  mode: 'session' | 'token' | 'hybrid';
  /** Codes tried so far: each attempt is counted before its code is checked. */
  attempts: number;
  createdAt: number;
  expiresAt: number;
}

/** Second factors (SPEC §6): TOTP, its recovery codes, and logins waiting for their second step. */
export interface MfaStore {
  /** The user's TOTP factor, pending or on; null when none. */
  getTotp(userId: string): Promise<TotpFactorRecord | null>;
  /**
   * Stores `factor` (pending: `enabledAt` null) in place of the user's pending one. Atomic: changes nothing and
   * returns false when the user's factor is on.
   */
  setPendingTotp(factor: TotpFactorRecord): Promise<boolean>;
  /**
   * Atomic (one transaction): turns the user's factor on at `enabledAt`, only while it is still pending with this
   * `secretSealed` (a newer setup or a concurrent enable wins), records `step` as its last used step, and
   * replaces the user's recovery codes with `recoveryCodeHashes`. Of concurrent calls, at most one returns true.
   */
  enableTotp(userId: string, secretSealed: string, step: number, enabledAt: number, recoveryCodeHashes: readonly string[]): Promise<boolean>;
  /**
   * Atomic compare-and-set: records `step` as the last used step of the user's factor (on) if it is later than
   * the one recorded → true; false for the same or an earlier step (a replay) or no factor on. Of concurrent
   * calls with one step, exactly one returns true.
   */
  useTotpStep(userId: string, step: number): Promise<boolean>;
  /** Atomic single use: deletes the user's recovery code with this hash → true; false when there is none. Of concurrent calls, exactly one returns true. */
  useRecoveryCode(userId: string, codeHash: string): Promise<boolean>;
  /** How many recovery codes the user has left. */
  countRecoveryCodes(userId: string): Promise<number>;
  /** Removes the user's TOTP factor (pending or on), recovery codes and waiting logins; returns whether a factor was there. */
  deleteByUser(userId: string): Promise<boolean>;
  createChallenge(challenge: MfaChallengeRecord): Promise<void>;
  /**
   * Atomic: counts one attempt on the challenge if it has not expired at `now` and has had fewer than
   * `maxAttempts` → the record, with the new count; null otherwise (unknown, expired, or out of attempts). Of
   * concurrent calls, no more get a record than there were attempts left.
   */
  claimChallengeAttempt(id: string, maxAttempts: number, now: number): Promise<MfaChallengeRecord | null>;
  /** Atomic read-and-delete: the record, and it is gone; null when unknown. Of concurrent calls for one id, exactly one gets it. */
  consumeChallenge(id: string): Promise<MfaChallengeRecord | null>;
  /** Removes challenges expired at `now`; returns how many. */
  deleteExpiredChallenges(now: number): Promise<number>;
}

export interface Store {
  /** Human-readable backend name, e.g. "memory" or "sqlite". */
  readonly kind: string;
  /**
   * True when nothing outlives the process (the memory store). Only such a store may have its signing keys
   * sealed with a throwaway secret; any other needs the same `secret` on every start.
   */
  readonly ephemeral?: boolean;
  readonly users: UserStore;
  readonly sessions: SessionStore;
  readonly rateLimits: RateLimitStore;
  readonly keys: KeyStore;
  readonly refreshTokens: RefreshTokenStore;
  readonly revocations: RevocationStore;
  /** The audit trail (SPEC §7). With Redis it stays in the SQL store, as users and keys do. */
  readonly audit: AuditStore;
  readonly oneTimeTokens: OneTimeTokenStore;
  /** Passkeys (SPEC §6). With Redis they stay in the SQL store, as users do. */
  readonly passkeys: PasskeyStore;
  /** Second factors (SPEC §6). With Redis they stay in the SQL store, as users do. */
  readonly mfa: MfaStore;
  /** Present when several instances share the store: revocations must reach all of them. */
  readonly revocationBus?: RevocationBus;
  /** Resolves when the backend is reachable; throws otherwise (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
