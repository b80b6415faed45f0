// Owns what every peer server shares: the port it is told to listen on, the one benchmark user, and the
// contract the harness relies on — GET /healthz, GET /bench/login (hands out a credential: cookies and/or
// `{ authorization }`), and GET /protected (200 with the user's id, 401 without a valid credential).
export const PORT = Number(process.env['PORT'] ?? '0');
export const HOST = '127.0.0.1';
export const USER_ID = 'bench-user';
/** Session-cookie signing secret for the peers (benchmark only). */
export const COOKIE_SECRET = 'peer-benchmark-only-cookie-secret-0123456789';
export const REDIS_URL = process.env['BENCH_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
export const REDIS_PREFIX = process.env['BENCH_REDIS_PREFIX'] ?? 'gh-bench-peer:';
