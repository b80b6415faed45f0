// Owns what the JWT peers share: an Ed25519 key pair made at start, one access token shaped like Gatehouse's
// (same header and claims) signed with node:crypto so both verify the same bytes, and the Fastify app around
// their verifier.
import { generateKeyPairSync, sign } from 'node:crypto';
import Fastify from 'fastify';
import { HOST, PORT, USER_ID } from './common.js';

export const ISSUER = 'gatehouse';
export const AUDIENCE = 'gatehouse';

export const { publicKey, privateKey } = generateKeyPairSync('ed25519');

const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function signToken(userId: string, ttlSeconds = 3600): string {
  const iat = Math.floor(Date.now() / 1000);
  const header = part({ alg: 'EdDSA', kid: 'bench', typ: 'at+jwt' });
  const payload = part({ iss: ISSUER, aud: AUDIENCE, sub: userId, iat, exp: iat + ttlSeconds, jti: 'j1', sid: 's1', roles: [] });
  const signature = sign(null, Buffer.from(`${header}.${payload}`), privateKey).toString('base64url');
  return `${header}.${payload}.${signature}`;
}

/** Serves the peer contract (common.ts) with /protected answering the `sub` of a bearer token `verify` accepts. */
export async function serveBearerPeer(verify: (token: string) => Promise<{ sub?: unknown }> | { sub?: unknown }): Promise<void> {
  const bearer = /^Bearer (.+)$/;
  const app = Fastify({ logger: false });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/bench/login', async () => ({ authorization: `Bearer ${signToken(USER_ID)}` }));
  app.get('/protected', async (request, reply) => {
    const token = bearer.exec(request.headers.authorization ?? '')?.[1];
    try {
      if (token === undefined) throw new Error('no token');
      const claims = verify(token);
      return { userId: (claims instanceof Promise ? await claims : claims).sub }; // no await for a sync verifier
    } catch {
      return reply.code(401).send({ error: 'unauthenticated' });
    }
  });
  await app.listen({ port: PORT, host: HOST });
}
