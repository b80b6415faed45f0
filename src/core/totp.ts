// Owns the arithmetic of second factors, with no I/O: TOTP (RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps,
// one step of skew either way) on @oslojs/otp's HOTP with the step computed from the engine's clock (never
// the library's own Date.now), the secret and its base32 and otpauth:// forms, and recovery codes (their
// random form, the normalisation of a typed one, and the keyed hash the store keeps instead).
import { createHmac } from 'node:crypto';
import { encodeBase32UpperCaseNoPadding } from '@oslojs/encoding';
import { createTOTPKeyURI, generateHOTP, verifyHOTP } from '@oslojs/otp';
import type { RandomBytes } from './credentials.js';

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Steps accepted either side of the current one (clock skew between the phone and the server). */
export const TOTP_SKEW_STEPS = 1;
/** RFC 4226 recommends at least 128 bits and 160 for SHA-1: 20 bytes. */
export const TOTP_SECRET_BYTES = 20;
export const RECOVERY_CODE_COUNT = 10;
/** 80 bits each: 16 base32 characters, shown in groups of four. */
const RECOVERY_CODE_BYTES = 10;

/** The RFC 6238 time step at `now` (epoch ms). */
export function totpStep(now: number): number {
  return Math.floor(now / (TOTP_PERIOD_SECONDS * 1000));
}

/** The HOTP value of `key` at `counter` (RFC 4226; `digits` 6 to 8): what every code here is made with. */
export function hotp(key: Uint8Array, counter: number, digits = TOTP_DIGITS): string {
  return generateHOTP(key, BigInt(counter), digits);
}

/** The code an authenticator app shows at `now`. */
export function totpCode(key: Uint8Array, now: number): string {
  return hotp(key, totpStep(now));
}

/**
 * The steps within the skew window at `now` whose code is `code` (compared in constant time), earliest first;
 * empty for a code of the wrong form. Which of them may still be used is the store's compare-and-set.
 */
export function matchingSteps(key: Uint8Array, code: string, now: number): number[] {
  if (!isTotpCode(code)) return [];
  const current = totpStep(now);
  const steps: number[] = [];
  for (let step = current - TOTP_SKEW_STEPS; step <= current + TOTP_SKEW_STEPS; step++) {
    if (verifyHOTP(key, BigInt(step), TOTP_DIGITS, code)) steps.push(step);
  }
  return steps;
}

export function isTotpCode(code: string): boolean {
  return code.length === TOTP_DIGITS && /^[0-9]+$/.test(code);
}

export const newTotpSecret = (random: RandomBytes): Uint8Array => random(TOTP_SECRET_BYTES);

/** The secret as people type it into an authenticator app: base32, upper case, no padding. */
export const base32Secret = (key: Uint8Array): string => encodeBase32UpperCaseNoPadding(key);

/** The `otpauth://totp/…` URI an authenticator app reads from a QR code. */
export function otpauthUrl(issuer: string, accountName: string, key: Uint8Array): string {
  return createTOTPKeyURI(issuer, accountName, key, TOTP_PERIOD_SECONDS, TOTP_DIGITS);
}

/** Ten fresh recovery codes, e.g. `7KQM-2XAB-…`: shown once to the user, never stored. */
export function newRecoveryCodes(random: RandomBytes): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => encodeBase32UpperCaseNoPadding(random(RECOVERY_CODE_BYTES)).replace(/(.{4})(?!$)/g, '$1-'));
}

/** A typed recovery code in its one form (upper case, no dashes or spaces); null when it cannot be one. */
export function normalizeRecoveryCode(code: string): string | null {
  const plain = code.replace(/[\s-]/g, '').toUpperCase();
  return /^[A-Z2-7]{16}$/.test(plain) ? plain : null;
}

/**
 * What the store keeps of a recovery code: an HMAC under a key derived from the server secret, bound to the
 * user, so a copy of the table alone neither reveals nor checks a code. The codes carry 80 random bits each: a
 * slow hash would add nothing.
 */
export function recoveryCodeHash(key: Uint8Array, userId: string, normalizedCode: string): string {
  return createHmac('sha256', key).update(`${userId}\n${normalizedCode}`).digest('base64url');
}
