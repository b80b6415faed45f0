// Owns the audit vocabulary: the security events the engine reports (logins, failures, logouts,
// revocations), what a sink is told about each, and the view of a stored one that `GET /auth/audit` shows.
// The engine keeps every event as a row in the store (audit-trail.ts) and hands it to the embedding app's
// sink too (the server writes them to the log and metrics). Events carry ids and addresses, never a password,
// token or session secret.
import type { JsonObject } from './store.js';

export type AuditEvent =
  | { type: 'user.registered'; userId: string; ip: string | null; userAgent?: string | null }
  | { type: 'login.succeeded'; userId: string; sessionId: string; mode: 'session' | 'token' | 'hybrid'; ip: string | null; userAgent?: string | null }
  | { type: 'login.failed'; reason: 'invalid_credentials' | 'rate_limited'; userId: string | null; ip: string | null; userAgent?: string | null }
  | { type: 'logout'; userId: string; sessionId: string }
  | { type: 'session.revoked'; userId: string; sessionId: string }
  | { type: 'sessions.revoked_all'; userId: string; count: number }
  | { type: 'session.expired'; userId: string; sessionId: string }
  | { type: 'refresh.reused'; userId: string | null; sessionId: string }
  | { type: 'password.changed'; userId: string; sessionId: string; ip?: string | null; userAgent?: string | null }
  | { type: 'password.rehash_failed'; userId: string; ip: string | null; userAgent?: string | null }
  | { type: 'role.granted'; userId: string; role: string }
  | { type: 'role.revoked'; userId: string; role: string }
  | { type: 'email.verified'; userId: string }
  | { type: 'password.reset'; userId: string; ip: string | null }
  | { type: 'email.changed'; userId: string }
  | { type: 'account.deleted'; userId: string; ip: string | null };

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

export interface AuditPage {
  /** Newest first. */
  events: AuditEntry[];
  /** Pass as `cursor` for the next (older) page; null when this is the last. */
  next: string | null;
}
