// Known answers for the TOTP arithmetic (totp.ts): the RFC 6238 Appendix B vectors for SHA-1 (8 digits, the
// secret "12345678901234567890") through the same HOTP function and time step the server uses; the skew
// window of one step either way; the otpauth:// URI; recovery codes' form, normalisation and keyed hash.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeBase32 } from '@oslojs/encoding';
import {
  base32Secret,
  hotp,
  matchingSteps,
  newRecoveryCodes,
  normalizeRecoveryCode,
  otpauthUrl,
  recoveryCodeHash,
  totpCode,
  totpStep,
} from './totp.js';

const RFC_SECRET = new TextEncoder().encode('12345678901234567890');

/** RFC 6238 Appendix B, SHA-1 column: (Unix time in seconds, 8-digit TOTP). */
const RFC_6238_SHA1 = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
] as const;

describe('TOTP (RFC 6238)', () => {
  it('matches the RFC 6238 SHA-1 test vectors', () => {
    for (const [seconds, expected] of RFC_6238_SHA1) {
      assert.equal(hotp(RFC_SECRET, totpStep(seconds * 1000), 8), expected, `T = ${seconds}`);
    }
  });

  it('uses 30-second steps and 6 digits (the last 6 of the 8-digit value)', () => {
    assert.equal(totpStep(59_999), 1);
    assert.equal(totpStep(60_000), 2);
    assert.equal(totpCode(RFC_SECRET, 59_000), '287082');
  });

  it('accepts the code of the step before and after, not two away; refuses malformed codes', () => {
    const now = 1_700_000_000_000;
    const step = totpStep(now);
    for (const offset of [-1, 0, 1]) {
      assert.deepEqual(matchingSteps(RFC_SECRET, hotp(RFC_SECRET, step + offset), now), [step + offset], `offset ${offset}`);
    }
    for (const offset of [-2, 2]) assert.deepEqual(matchingSteps(RFC_SECRET, hotp(RFC_SECRET, step + offset), now), [], `offset ${offset}`);
    for (const bad of ['', '12345', '1234567', '12 456', 'abcdef', '١٢٣٤٥٦']) assert.deepEqual(matchingSteps(RFC_SECRET, bad, now), []);
  });

  it('writes the secret in base32 and an otpauth:// URI an authenticator app reads', () => {
    const secret = base32Secret(RFC_SECRET);
    assert.equal(secret, 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    assert.deepEqual(decodeBase32(secret + '===='.slice(0, (8 - (secret.length % 8)) % 8)), RFC_SECRET);
    const url = new URL(otpauthUrl('Gatehouse', 'ada@example.com', RFC_SECRET));
    assert.equal(url.protocol, 'otpauth:');
    assert.equal(url.host, 'totp');
    assert.equal(decodeURIComponent(url.pathname), '/Gatehouse:ada@example.com');
    assert.equal(url.searchParams.get('secret'), secret);
    assert.equal(url.searchParams.get('issuer'), 'Gatehouse');
    assert.equal(url.searchParams.get('algorithm'), 'SHA1');
    assert.equal(url.searchParams.get('digits'), '6');
    assert.equal(url.searchParams.get('period'), '30');
  });
});

describe('recovery codes', () => {
  it('are ten distinct 80-bit codes in groups of four', () => {
    const codes = newRecoveryCodes((n) => crypto.getRandomValues(new Uint8Array(n)));
    assert.equal(codes.length, 10);
    assert.equal(new Set(codes).size, 10);
    for (const code of codes) assert.match(code, /^[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$/);
  });

  it('are read however they are typed (case, dashes, spaces), and nothing else is one', () => {
    assert.equal(normalizeRecoveryCode(' abcd-efgh ijkl-mn23 '), 'ABCDEFGHIJKLMN23');
    for (const bad of ['', 'ABCD-EFGH', 'ABCD-EFGH-IJKL-MN01', 'ABCD-EFGH-IJKL-MN23-XXXX', '123456']) assert.equal(normalizeRecoveryCode(bad), null);
  });

  it('are kept as a keyed hash bound to the user', () => {
    const key = new Uint8Array(32).fill(7);
    const hash = recoveryCodeHash(key, 'usr_1', 'ABCDEFGHIJKLMN23');
    assert.notEqual(hash, recoveryCodeHash(key, 'usr_2', 'ABCDEFGHIJKLMN23'));
    assert.notEqual(hash, recoveryCodeHash(new Uint8Array(32).fill(8), 'usr_1', 'ABCDEFGHIJKLMN23'));
    assert.doesNotMatch(hash, /ABCDEFGH/);
  });
});
