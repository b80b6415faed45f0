// Owns the Redis backend's defaults, the one place they are written: createRedisBackend falls back on them
// and the server's configuration (GATEHOUSE_REDIS_*) starts from them. No driver is loaded here.

export const REDIS_DEFAULTS = Object.freeze({
  /** Put before every key and the channel. */
  prefix: 'gatehouse:',
  /** Longest a command may take. */
  commandTimeoutMs: 1000,
  /** Longest to wait for a connection. */
  connectTimeoutMs: 2000,
});
