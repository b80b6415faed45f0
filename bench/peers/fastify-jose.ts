// Owns the jose peer: Fastify with an EdDSA bearer token verified by jose's jwtVerify on every request.
import { jwtVerify } from 'jose';
import { AUDIENCE, ISSUER, publicKey, serveBearerPeer } from './jwt-keys.js';

await serveBearerPeer(async (token) => (await jwtVerify(token, publicKey, { algorithms: ['EdDSA'], issuer: ISSUER, audience: AUDIENCE })).payload);
