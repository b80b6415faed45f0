// Owns the session credential: its `id.secret` wire form (128-bit public id, 256-bit secret), the SHA-256
// hash the store keeps instead of the secret, constant-time comparison, and the CSRF token bound to it.
import { createHmac, hash, timingSafeEqual } from 'node:crypto';

/** Injected randomness: returns `bytes` bytes from a CSPRNG. */
export type RandomBytes = (bytes: number) => Uint8Array;

export const defaultRandom: RandomBytes = (bytes) => crypto.getRandomValues(new Uint8Array(bytes));

const TOKEN_FORM = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

export interface SessionCredential {
  id: string;
  secret: string;
  /** What the client holds: `id.secret`. */
  token: string;
}

export function newSessionCredential(random: RandomBytes): SessionCredential {
  const id = Buffer.from(random(16)).toString('base64url');
  const secret = Buffer.from(random(32)).toString('base64url');
  return { id, secret, token: `${id}.${secret}` };
}

/** Splits a presented token; null for anything not of the exact form (no store lookup for junk). */
export function parseSessionToken(token: string): { id: string; secret: string } | null {
  const match = TOKEN_FORM.exec(token);
  return match ? { id: match[1] as string, secret: match[2] as string } : null;
}

export function hashSecret(secret: string): string {
  return hash('sha256', secret, 'base64url'); // one-shot: no Hash object on the per-request path
}

export function secretMatches(secret: string, storedHash: string): boolean {
  return safeEqual(hashSecret(secret), storedHash);
}

/**
 * The CSRF token of a session: an HMAC keyed by the session's own secret, so only the holder of the
 * session cookie can know it, it changes with every new session, and nothing extra is stored.
 */
export function csrfTokenFor(secret: string): string {
  return createHmac('sha256', secret).update('gatehouse csrf v1').digest('base64url');
}

export function csrfMatches(secret: string, presented: string): boolean {
  return safeEqual(csrfTokenFor(secret), presented);
}

/** Constant-time string comparison; the length of a token is not a secret. */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
