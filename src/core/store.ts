// Owns the storage contracts: domain-specific store interfaces that every backend (memory, SQLite,
// and later PostgreSQL and Redis) implements. Core code does I/O only through these.
// Times are epoch milliseconds. A store that cannot reach its backend throws; "not found" is a value.

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface UserRecord {
  id: string;
  /** Canonical form (see core/email.ts); unique. */
  email: string;
  /** PHC string (argon2id). Never leaves the engine. */
  passwordHash: string;
  roles: string[];
  createdAt: number;
  updatedAt: number;
}

export interface UserStore {
  /** Inserts the user. Returns null, changing nothing, when the email is taken (atomic: a unique key, not a read-then-write). */
  create(user: UserRecord): Promise<UserRecord | null>;
  findById(id: string): Promise<UserRecord | null>;
  findByEmail(email: string): Promise<UserRecord | null>;
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
}

export interface SessionStore {
  create(session: SessionRecord): Promise<void>;
  get(id: string): Promise<SessionRecord | null>;
  /** Records activity and slides the idle expiry. Returns false when the session no longer exists. */
  touch(id: string, lastActiveAt: number, expiresAt: number): Promise<boolean>;
  /** Replaces the data bag. Returns false when the session no longer exists. */
  setData(id: string, data: JsonObject | null): Promise<boolean>;
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

export interface Store {
  /** Human-readable backend name, e.g. "memory" or "sqlite". */
  readonly kind: string;
  readonly users: UserStore;
  readonly sessions: SessionStore;
  readonly rateLimits: RateLimitStore;
  /** Resolves when the backend is reachable; throws otherwise (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
