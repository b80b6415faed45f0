// Owns the @fastify/session peer on its default memory store (with @fastify/cookie).
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import Fastify from 'fastify';
import { COOKIE_SECRET, HOST, PORT, USER_ID } from './common.js';

declare module 'fastify' {
  interface Session {
    userId?: string;
  }
}

const app = Fastify({ logger: false });
await app.register(fastifyCookie);
await app.register(fastifySession, { secret: COOKIE_SECRET, saveUninitialized: false, cookie: { secure: false } });
app.get('/healthz', async () => ({ status: 'ok' }));
app.get('/bench/login', async (request) => {
  request.session.set('userId', USER_ID);
  return {};
});
app.get('/protected', async (request, reply) => {
  const userId = request.session.get('userId');
  if (userId === undefined) return reply.code(401).send({ error: 'unauthenticated' });
  return { userId };
});
await app.listen({ port: PORT, host: HOST });
