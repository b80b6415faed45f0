// Owns the audit vocabulary: the security events the engine reports (logins, failures, logouts,
// revocations), what a sink is told about each, and the view of a stored one that `GET /auth/audit` shows.
// The engine keeps every event as a row in the store (audit-trail.ts) and hands it to the embedding app's
// sink too (the server writes them to the log and metrics). Events carry ids and addresses, never a password,
// token or session secret.
import type { JsonObject } from './store.js';

/** What an administrator did to a user: its own event, beside any the operation itself records. */
export type AdminEventType =
  | 'user.disabled'
  | 'user.enabled'
  | 'user.deleted'
  | 'admin.sessions_revoked'
  | 'admin.session_revoked'
  | 'admin.role_granted'
  | 'admin.role_revoked'
  | 'admin.password_reset_forced'
  | 'admin.mfa_reset';

export type AuditEvent =
  | { type: 'user.registered'; userId: string; ip: string | null; userAgent?: string | null }
  | { type: 'register.refused'; reason: 'email_taken'; userId: string; ip: string | null; userAgent?: string | null }
  | { type: 'login.succeeded'; userId: string; sessionId: string; mode: 'session' | 'token' | 'hybrid'; ip: string | null; userAgent?: string | null }
  // `passkey_rejected`: a passkey assertion that did not verify (unknown credential, signature, origin, challenge);
  // `possible_cloned_passkey`: one that verified with a signature counter that did not grow (SPEC §6).
  | { type: 'login.failed'; reason: 'invalid_credentials' | 'rate_limited' | 'account_disabled' | 'passkey_rejected' | 'possible_cloned_passkey'; userId: string | null; ip: string | null; userAgent?: string | null }
  | { type: 'logout'; userId: string; sessionId: string }
  | { type: 'session.revoked'; userId: string; sessionId: string }
  | { type: 'sessions.revoked_all'; userId: string; count: number }
  | { type: 'session.expired'; userId: string; sessionId: string }
  | { type: 'session.evicted'; userId: string; sessionId: string; mode: 'session' | 'token' | 'hybrid' }
  | { type: 'refresh.reused'; userId: string | null; sessionId: string }
  | { type: 'password.changed'; userId: string; sessionId: string; ip?: string | null; userAgent?: string | null }
  | { type: 'password.rehash_failed'; userId: string; ip: string | null; userAgent?: string | null }
  | { type: 'role.granted'; userId: string; role: string }
  | { type: 'role.revoked'; userId: string; role: string }
  | { type: 'email.verified'; userId: string }
  | { type: 'password.reset'; userId: string; ip: string | null }
  | { type: 'email.changed'; userId: string }
  | { type: 'account.deleted'; userId: string }
  // Passkeys (SPEC §6, core/passkeys.ts): the credential id, never its key.
  | { type: 'passkey.registered'; userId: string; passkeyId: string; sessionId: string; ip: string | null; userAgent?: string | null }
  | { type: 'passkey.deleted'; userId: string; passkeyId: string; sessionId: string; ip: string | null; userAgent?: string | null }
  // Second factors (SPEC §6, core/mfa.ts and mfa-login.ts): never the code, only what it was for and whether it was right.
  | { type: 'login.mfa_required'; userId: string; mode: 'session' | 'token' | 'hybrid'; ip: string | null; userAgent?: string | null }
  | { type: 'mfa.code_failed'; userId: string; purpose: 'login' | 'reauthenticate'; method: 'totp' | 'recovery_code'; ip: string | null; userAgent?: string | null }
  | { type: 'mfa.recovery_code_used'; userId: string; remaining: number; ip: string | null; userAgent?: string | null }
  | { type: 'mfa.totp_enabled'; userId: string; sessionId: string; ip: string | null; userAgent?: string | null }
  | { type: 'mfa.totp_disabled'; userId: string; sessionId: string; ip: string | null; userAgent?: string | null }
  // Step-up (SPEC §6, core/reauthenticate.ts): the session or family whose proof was renewed, and how.
  | { type: 'reauthenticated'; userId: string; sessionId: string; method: 'pwd' | 'otp'; ip: string | null; userAgent?: string | null }
  // Administrators' actions (SPEC §7, core/administration.ts): `adminId` is who acted, null for the command line.
  | { type: AdminEventType; userId: string; adminId: string | null; sessionId?: string; role?: string; passkeys?: number; ip: string | null; userAgent: string | null };

/**
 * Whether the event's row reached the store. Only an event about something already done (a logout, a
 * revocation, a password change, a registration) reaches the sink unstored: the store failed after the
 * change, which stands. A login's event that cannot be stored fails the login instead (503), and the sink
 * never hears of it.
 */
export type AuditOutcome = { stored: true } | { stored: false; error: unknown };

export type AuditSink = (event: AuditEvent, outcome: AuditOutcome) => void;

/** A stored event as its user sees it (`GET /auth/audit`). */
export interface AuditEntry {
  id: string;
  type: string;
  /** ISO 8601. */
  at: string;
  ip: string | null;
  userAgent: string | null;
  sessionId: string | null;
  /** The event's other fields: `mode`, `reason`, `count`, `role`. */
  details: JsonObject;
}

/** A page of every user's events, as an administrator reads it (`GET /admin/audit`). */
export interface AdminAuditPage {
  /** Newest first, each with the user it concerns (null: none known, e.g. a failed login for an unknown email). */
  events: (AuditEntry & { userId: string | null })[];
  next: string | null;
}

export interface AuditPage {
  /** Newest first. */
  events: AuditEntry[];
  /** Pass as `cursor` for the next (older) page; null when this is the last. */
  next: string | null;
}
