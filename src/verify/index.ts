// Owns `gatehouse/verify`: everything a service needs to check Gatehouse access tokens without a database.
export { createVerifier } from './verifier.js';
export type { Verifier, VerifierOptions } from './verifier.js';
export type { AccessClaims } from '../core/access-tokens.js';
