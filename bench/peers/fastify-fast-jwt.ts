// Owns the fast-jwt peer: Fastify with an EdDSA bearer token verified by fast-jwt, with its cache of
// verified tokens switched on.
import Fastify from 'fastify';
import { createVerifier } from 'fast-jwt';
import { AUDIENCE, ISSUER, publicKey, signToken } from './jwt-keys.js';
import { HOST, PORT, USER_ID } from './common.js';

const BEARER = /^Bearer (.+)$/;
const verify = createVerifier({
  key: publicKey.export({ format: 'pem', type: 'spki' }),
  algorithms: ['EdDSA'],
  allowedIss: ISSUER,
  allowedAud: AUDIENCE,
  cache: true,
});
const app = Fastify({ logger: false });
app.get('/healthz', async () => ({ status: 'ok' }));
app.get('/bench/login', async () => ({ authorization: `Bearer ${signToken(USER_ID)}` }));
app.get('/protected', async (request, reply) => {
  const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
  try {
    if (token === undefined) throw new Error('no token');
    const payload = verify(token) as { sub: string };
    return { userId: payload.sub };
  } catch {
    return reply.code(401).send({ error: 'unauthenticated' });
  }
});
await app.listen({ port: PORT, host: HOST });
