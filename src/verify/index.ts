// Owns `gatehouse/verify`: everything a service needs to check Gatehouse access tokens without a database.
export { createVerifier } from './verifier.js';
export type { VerifiedClaims, Verifier, VerifierOptions, VerifyRequirement } from './verifier.js';
export type { AuthMethod } from '../core/gatehouse.js';
export type { AccessClaims } from '../core/access-tokens.js';
