// Owns the jose peer: Fastify with an EdDSA bearer token verified by jose's jwtVerify on every request.
import Fastify from 'fastify';
import { jwtVerify } from 'jose';
import { AUDIENCE, ISSUER, publicKey, signToken } from './jwt-keys.js';
import { HOST, PORT, USER_ID } from './common.js';

const BEARER = /^Bearer (.+)$/;
const app = Fastify({ logger: false });
app.get('/healthz', async () => ({ status: 'ok' }));
app.get('/bench/login', async () => ({ authorization: `Bearer ${signToken(USER_ID)}` }));
app.get('/protected', async (request, reply) => {
  const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
  try {
    if (token === undefined) throw new Error('no token');
    const { payload } = await jwtVerify(token, publicKey, { algorithms: ['EdDSA'], issuer: ISSUER, audience: AUDIENCE });
    return { userId: payload.sub };
  } catch {
    return reply.code(401).send({ error: 'unauthenticated' });
  }
});
await app.listen({ port: PORT, host: HOST });
