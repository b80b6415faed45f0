// Owns the browser client's public types: what the server answers (SPEC §2), the options of createClient, and the
// few browser facilities the client uses, described by shape (storage, fetch, Web Locks, BroadcastChannel) so that
// they can be injected and so that the declarations need neither the DOM library nor @types/node.

export type Mode = 'session' | 'token' | 'hybrid';

/** The signed-in user, as the server describes it. */
export interface User {
  id: string;
  email: string;
  roles: string[];
  createdAt: string;
}

/** A web session or token family of the user (`GET /auth/sessions`). */
export interface SessionInfo {
  id: string;
  mode: Mode;
  createdAt: string;
  lastActiveAt: string;
  expiresAt: string;
  userAgent: string | null;
  ip: string | null;
  current: boolean;
}

/** When and how the user last proved who they are (SPEC §6 step-up). */
export interface AuthProof {
  /** ISO 8601. */
  authTime: string;
  /** `pwd` (password), `otp` (a code), `hwk` (a passkey). */
  amr: string[];
}

/** A login that needs a second factor (SPEC §6): no credential is set until it is completed. */
export interface MfaRequired {
  mfaRequired: true;
  mfaToken: string;
  methods: string[];
}

/** A new TOTP authenticator (`client.totp.setup()`). */
export interface TotpSetup {
  /** The secret in base32, for typing into the app. */
  secret: string;
  /** `otpauth://totp/…`, for a QR code. */
  otpauthUrl: string;
}

/** Where token mode keeps its state: `localStorage`, `sessionStorage`, or anything of that shape. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** `navigator.locks`: an exclusive lock by name, held while the callback's promise is pending. */
export interface LockManagerLike {
  request(name: string, callback: () => Promise<void>): Promise<unknown>;
}

/** A `BroadcastChannel`: messages to every other holder of the same name in this origin. */
export interface ChannelLike {
  postMessage(message: unknown): void;
  close(): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

export interface ClientOptions {
  /** Where Gatehouse answers: `''` (the page's own origin, the default) or e.g. `https://auth.example.com`. */
  baseUrl?: string;
  mode: Mode;
  /**
   * Keeps the client's state (in token mode the tokens themselves) in this storage instead of memory only, so it
   * survives a reload: any script running in the page can then read the tokens (see the README).
   */
  storage?: StorageLike | null;
  fetch?: FetchLike;
  /** Epoch milliseconds; `Date.now` by default. */
  clock?: () => number;
  /** The storage key, BroadcastChannel and Web Lock the tabs share: by default `gatehouse:<mode>:<baseUrl>`. */
  name?: string;
  /** Cross-tab messages; by default a `BroadcastChannel` when the platform has one. `null`: none. */
  channel?: ((name: string) => ChannelLike) | null;
  /** Cross-tab refresh lock; by default `navigator.locks` when the platform has it. `null`: in-tab only. */
  locks?: LockManagerLike | null;
}

export interface GatehouseClient {
  /** Resolves once the client knows its starting state (a new tab in token mode asks the others for theirs). */
  readonly ready: Promise<void>;
  /** The signed-in user as far as the client knows: null when signed out or not yet known. */
  readonly user: User | null;
  register(credentials: { email: string; password: string }): Promise<User>;
  login(credentials: { email: string; password: string }): Promise<User | MfaRequired>;
  /**
   * Completes a login that answered `MfaRequired` with a code from the authenticator app or a recovery code; signs in
   * as `login` does. Rejects with GatehouseClientError: `invalid_code` (try again: the mfaToken takes 5 codes),
   * `invalid_token` (expired, used up: log in again), `rate_limited`.
   */
  loginMfa(step: { mfaToken: string; code: string } | { mfaToken: string; recoveryCode: string }): Promise<User>;
  /** The signed-in user's own TOTP (SPEC §6); setup and disable need a recent proof (`reauthenticate`). */
  readonly totp: {
    /** A new secret, pending until `enable`: show `otpauthUrl` as a QR code. */
    setup(): Promise<TotpSetup>;
    /** Turns it on with a first code; the ten recovery codes, shown this once. */
    enable(code: string): Promise<{ recoveryCodes: string[] }>;
    /** Turns it off; the user's other sessions end. */
    disable(): Promise<void>;
  };
  logout(): Promise<void>;
  logoutAll(): Promise<void>;
  /** The user the server sees, or null when not signed in. */
  me(): Promise<User | null>;
  sessions(): Promise<SessionInfo[]>;
  revokeSession(id: string): Promise<void>;
  /**
   * Step-up (SPEC §6): proves again who the user is, with the password or a code from the authenticator app (or a
   * recovery code), so that a sensitive operation refused with `reauthentication_required` can be retried. Resolves
   * to the renewed proof; token mode also takes the fresh access token it comes with. Rejects with
   * GatehouseClientError (`invalid_credentials`, `invalid_code`, `rate_limited`, …) and stays signed in.
   */
  reauthenticate(proof: { password: string } | { code: string }): Promise<AuthProof>;
  /** Calls `listener` with the user, or null, whenever the signed-in user changes (in this tab or another). */
  onChange(listener: (user: User | null) => void): () => void;
  /** `fetch` with the credential: bearer token, or CSRF header on unsafe methods; refreshes once on expiry. */
  fetch: FetchLike;
  /** Stops listening to the other tabs. */
  close(): void;
}
