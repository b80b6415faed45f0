// Owns the hand-written session peers: the least a session check can do over HTTP — read the cookie, SHA-256
// the secret, fetch the session by id, compare in constant time, check expiry — in a bare Fastify route, on a
// `Map` (BENCH_SESSION_STORE=map) or in Redis with ioredis auto-pipelining (=redis). The floor a session
// server with that backend can reach on this machine.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { HOST, PORT, REDIS_PREFIX, REDIS_URL, USER_ID } from './common.js';

interface StoredSession {
  userId: string;
  secretHash: Buffer;
  expiresAt: number;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest();

function mapStore() {
  const sessions = new Map<string, StoredSession>();
  return {
    put: async (id: string, session: StoredSession) => void sessions.set(id, session),
    get: (id: string) => sessions.get(id),
  };
}

function redisStore() {
  const redis = new Redis(REDIS_URL, { enableAutoPipelining: true });
  return {
    async put(id: string, { userId, secretHash, expiresAt }: StoredSession) {
      await redis.hset(`${REDIS_PREFIX}hand:${id}`, { userId, secretHash: secretHash.toString('base64'), expiresAt: String(expiresAt) });
    },
    async get(id: string): Promise<StoredSession | undefined> {
      const row = await redis.hgetall(`${REDIS_PREFIX}hand:${id}`);
      if (!row['userId'] || !row['secretHash']) return undefined;
      return { userId: row['userId'], secretHash: Buffer.from(row['secretHash'], 'base64'), expiresAt: Number(row['expiresAt']) };
    },
  };
}

const store = process.env['BENCH_SESSION_STORE'] === 'redis' ? redisStore() : mapStore();
const COOKIE = /(?:^|;\s*)sid=([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)/;

const app = Fastify({ logger: false });
app.get('/healthz', async () => ({ status: 'ok' }));
app.get('/bench/login', async (_request, reply) => {
  const id = randomBytes(16).toString('base64url');
  const secret = randomBytes(32).toString('base64url');
  await store.put(id, { userId: USER_ID, secretHash: sha256(secret), expiresAt: Date.now() + 86_400_000 });
  reply.header('set-cookie', `sid=${id}.${secret}; Path=/; HttpOnly`);
  return {};
});
app.get('/protected', async (request, reply) => {
  const match = COOKIE.exec(request.headers.cookie ?? '');
  const session = match ? await store.get(match[1] ?? '') : undefined;
  if (!match || !session || !timingSafeEqual(sha256(match[2] ?? ''), session.secretHash) || session.expiresAt <= Date.now()) {
    return reply.code(401).send({ error: 'unauthenticated' });
  }
  return { userId: session.userId };
});
await app.listen({ port: PORT, host: HOST });
