// Owns the PostgreSQL store's defaults, the one place they are written: createPostgresStore falls back on
// them and the server's configuration (GATEHOUSE_DATABASE_*) starts from them. No driver is loaded here.

export const POSTGRES_DEFAULTS = Object.freeze({
  /** Connections in the pool. */
  poolSize: 10,
  /** Longest a statement may run, server-side (and, plus a second, client-side). */
  statementTimeoutMs: 5000,
  /** Longest to wait for a connection (a new one, or a free one from a full pool). */
  connectTimeoutMs: 5000,
});
