// Owns the audit vocabulary: the security events the engine reports (logins, failures, logouts,
// revocations). The embedding app decides where they go (the server writes them to the log and metrics).
// Events carry ids and addresses, never a password, token or session secret.

export type AuditEvent =
  | { type: 'user.registered'; userId: string; ip: string | null }
  | { type: 'login.succeeded'; userId: string; sessionId: string; mode: 'session' | 'token' | 'hybrid'; ip: string | null }
  | { type: 'login.failed'; reason: 'invalid_credentials' | 'rate_limited'; userId: string | null; ip: string | null }
  | { type: 'logout'; userId: string; sessionId: string }
  | { type: 'session.revoked'; userId: string; sessionId: string }
  | { type: 'sessions.revoked_all'; userId: string; count: number }
  | { type: 'session.expired'; userId: string; sessionId: string }
  | { type: 'refresh.reused'; userId: string | null; sessionId: string }
  | { type: 'password.changed'; userId: string; sessionId: string }
  | { type: 'role.granted'; userId: string; role: string }
  | { type: 'role.revoked'; userId: string; role: string };

export type AuditSink = (event: AuditEvent) => void;
