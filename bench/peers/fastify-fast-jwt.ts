// Owns the fast-jwt peer: Fastify with an EdDSA bearer token verified by fast-jwt, with its cache of
// verified tokens switched on.
import { createVerifier } from 'fast-jwt';
import { AUDIENCE, ISSUER, publicKey, serveBearerPeer } from './jwt-keys.js';

const verify = createVerifier({
  key: publicKey.export({ format: 'pem', type: 'spki' }),
  algorithms: ['EdDSA'],
  allowedIss: ISSUER,
  allowedAud: AUDIENCE,
  cache: true,
});
await serveBearerPeer((token) => verify(token) as { sub: string });
