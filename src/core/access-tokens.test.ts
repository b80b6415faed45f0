// Known answers for the primitive (RFC 8037 Appendix A: Ed25519 in JOSE, deterministic, so exact bytes), and
// verifyAccessToken's checks one by one with an in-test key: no store, no clock, no HTTP.
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, webcrypto, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { calculateJwkThumbprint, CompactSign, compactVerify, importJWK } from 'jose';
import { ACCESS_TOKEN_TYPE, issueAccessToken, MAX_TOKEN_LENGTH, verifyAccessToken, type VerifyOptions } from './access-tokens.js';

interface Vector {
  jwk: { kty: string; crv: string; d: string; x: string };
  thumbprint: string;
  protectedHeader: string;
  payload: string;
  signingInput: string;
  signature: string;
  jws: string;
}
const vector = JSON.parse(readFileSync(new URL('../../test/vectors/rfc8037-ed25519.json', import.meta.url), 'utf8')) as Vector;
const rfcPrivate = createPrivateKey({ key: vector.jwk, format: 'jwk' });
const rfcPublic = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: vector.jwk.x }, format: 'jwk' });

describe('RFC 8037 Appendix A known answers', () => {
  it('the public key derived from d is the published x (A.1, A.2) and its thumbprint is A.3', async () => {
    assert.equal((createPublicKey(rfcPrivate).export({ format: 'jwk' }) as { x: string }).x, vector.jwk.x);
    assert.equal(await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: vector.jwk.x }), vector.thumbprint);
  });

  it('node:crypto signs the A.4 signing input to exactly the expected signature', () => {
    assert.equal(vector.signingInput, `${Buffer.from(vector.protectedHeader).toString('base64url')}.${Buffer.from(vector.payload).toString('base64url')}`);
    const signature = sign(null, Buffer.from(vector.signingInput), rfcPrivate);
    assert.equal(signature.toString('base64url'), vector.signature);
    assert.ok(verify(null, Buffer.from(vector.signingInput), rfcPublic, Buffer.from(vector.signature, 'base64url')));
  });

  it('jose CompactSign produces exactly the A.4 JWS', async () => {
    const jws = await new CompactSign(new TextEncoder().encode(vector.payload)).setProtectedHeader({ alg: 'EdDSA' }).sign(rfcPrivate);
    assert.equal(jws, vector.jws);
    assert.equal(jws, `${vector.signingInput}.${vector.signature}`);
  });

  it('jose compactVerify accepts the A.5 JWS with the public key alone, and rejects one flipped bit', async () => {
    for (const key of [rfcPublic, await importJWK({ kty: 'OKP', crv: 'Ed25519', x: vector.jwk.x }, 'EdDSA')]) {
      const { payload, protectedHeader } = await compactVerify(vector.jws, key, { algorithms: ['EdDSA'] });
      assert.equal(new TextDecoder().decode(payload), vector.payload);
      assert.deepEqual(protectedHeader, { alg: 'EdDSA' });
    }
    const flipped = Buffer.from(vector.signature, 'base64url');
    flipped[7]! ^= 0x10;
    await assert.rejects(compactVerify(`${vector.signingInput}.${flipped.toString('base64url')}`, rfcPublic));
  });
});

const NOW = Date.UTC(2026, 0, 1);
const NOW_S = NOW / 1000;
const KID = 'rfc8037';
const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

function raw(header: unknown, payload: unknown, key: KeyObject = rfcPrivate): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${sign(null, Buffer.from(input), key).toString('base64url')}`;
}

const goodHeader = (extra: Record<string, unknown> = {}) => ({ alg: 'EdDSA', kid: KID, typ: ACCESS_TOKEN_TYPE, ...extra });
const goodClaims = (extra: Record<string, unknown> = {}) => {
  const claims: Record<string, unknown> = { iss: 'gatehouse', aud: 'gatehouse', sub: 'user-1', iat: NOW_S, exp: NOW_S + 900, jti: 'jti-1', sid: 'sid-1', roles: ['admin'], ...extra };
  return Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined));
};

/** Options whose keyFor knows only the RFC key under KID, and records every lookup. */
function options(overrides: Partial<VerifyOptions> = {}) {
  const lookups: [string, number][] = [];
  const opts: VerifyOptions = {
    issuer: 'gatehouse',
    audience: 'gatehouse',
    now: NOW,
    maxTtlSeconds: 900,
    keyFor(kid, issuedAtMs) {
      lookups.push([kid, issuedAtMs]);
      return kid === KID ? rfcPublic : null;
    },
    ...overrides,
  };
  return { opts, lookups };
}

const check = (token: string, overrides: Partial<VerifyOptions> = {}) => verifyAccessToken(token, options(overrides).opts);

describe('verifyAccessToken', () => {
  it('round-trips issueAccessToken: the header, the claims, and a key looked up by kid and iat', async () => {
    const { token, claims } = await issueAccessToken({
      issuer: 'gatehouse', audience: 'gatehouse', subject: 'user-1', sessionId: 'sid-1', roles: ['admin'], jti: 'jti-1',
      proof: { authTime: NOW - 60_500, amr: ['pwd', 'otp'] }, now: NOW + 999, ttlSeconds: 900, key: { kid: KID, privateKey: rfcPrivate },
    });
    assert.deepEqual(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()), goodHeader());
    // auth_time in whole seconds, rounded down (OIDC); amr as given.
    assert.deepEqual(claims, goodClaims({ auth_time: NOW_S - 61, amr: ['pwd', 'otp'] }));
    const { opts, lookups } = options();
    assert.deepEqual(await verifyAccessToken(token, opts), claims);
    assert.deepEqual(lookups, [[KID, NOW]]);
    assert.deepEqual(await check(raw(goodHeader(), goodClaims())), goodClaims());
  });

  it('auth_time and amr: optional (tokens from before step-up), refused when of another type', async () => {
    assert.deepEqual(await check(raw(goodHeader(), goodClaims({ auth_time: NOW_S, amr: [] }))), goodClaims({ auth_time: NOW_S, amr: [] }));
    for (const bad of [{ auth_time: '1' }, { auth_time: 1.5 }, { auth_time: -1 }, { auth_time: null }, { amr: 'pwd' }, { amr: [1] }, { amr: null }]) {
      assert.equal(await check(raw(goodHeader(), goodClaims(bad))), null, JSON.stringify(bad));
    }
  });

  it('returns only the claims it knows, as a fresh object', async () => {
    const result = await check(raw(goodHeader(), goodClaims({ admin: true, nbf: NOW_S })));
    assert.deepEqual(Object.keys(result ?? {}).sort(), ['aud', 'exp', 'iat', 'iss', 'jti', 'roles', 'sid', 'sub']);
  });

  it('null when keyFor has no key, or the key is not the signer, or keyFor throws', async () => {
    const token = raw(goodHeader(), goodClaims());
    assert.equal(await check(token, { keyFor: () => null }), null);
    assert.equal(await check(token, { keyFor: () => generateKeyPairSync('ed25519').publicKey }), null);
    assert.equal(await check(token, { keyFor: () => { throw new Error('store down'); } }), null);
    assert.equal(await check(raw(goodHeader(), goodClaims(), generateKeyPairSync('ed25519').privateKey)), null);
  });

  it('takes CryptoKeys, extractable or not, with no deprecation warning (Node 24: DEP0204 for KeyObject.from)', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error & { code?: string }) => warnings.push(`${warning.code ?? warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    try {
      const jwk = { kty: 'OKP', crv: 'Ed25519', x: vector.jwk.x };
      const token = raw(goodHeader(), goodClaims());
      const flipped = `${token.slice(0, -4)}${token.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
      for (const extractable of [true, false]) {
        const key = await webcrypto.subtle.importKey('jwk', jwk, { name: 'Ed25519' }, extractable, ['verify']);
        assert.equal(key.extractable, extractable);
        assert.deepEqual(await check(token, { keyFor: () => key }), goodClaims(), `extractable: ${extractable}`);
        assert.equal(await check(flipped, { keyFor: () => key }), null, `extractable: ${extractable}, bad signature`);
        const noVerify = await webcrypto.subtle.importKey('jwk', jwk, { name: 'Ed25519' }, extractable, []);
        assert.equal(await check(token, { keyFor: () => noVerify }), null, `extractable: ${extractable}, no verify usage`);
      }
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
      assert.deepEqual(warnings, []);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('never looks a key up for alg none, header-supplied keys, a non-string kid or an oversized token', async () => {
    const { opts, lookups } = options();
    const tokens = [
      `${b64({ alg: 'none', kid: KID, typ: ACCESS_TOKEN_TYPE })}.${b64(goodClaims())}.`,
      ...['jwk', 'jku', 'x5u', 'x5c', 'x5t', 'x5t#S256'].map((name) => raw(goodHeader({ [name]: 'x' }), goodClaims())),
      ...[1, null, {}, [KID], undefined].map((kid) => raw(goodHeader({ kid }), goodClaims())),
      raw(goodHeader(), goodClaims({ pad: 'x'.repeat(MAX_TOKEN_LENGTH) })),
    ];
    for (const token of tokens) assert.equal(await verifyAccessToken(token, opts), null, token.slice(0, 60));
    assert.deepEqual(lookups, []);
  });

  it('never throws for garbage', async () => {
    const good = raw(goodHeader(), goodClaims());
    const garbage = ['', '.', '..', '...', 'a.b', 'a.b.c', 'a.b.c.d', `${good}.`, ` ${good}`, `${good} `, good.replace('.', '..'),
      `${good}=`, 'é.é.é', '\u0000', `${b64('{')}.${b64('{')}.AAAA`, `${b64('null')}.${b64('null')}.AAAA`, `${b64('[]')}.${b64('{}')}.AAAA`];
    for (const token of garbage) assert.equal(await check(token), null, JSON.stringify(token));
  });

  it('the size bound: the longest token up to MAX_TOKEN_LENGTH passes, one character more does not', async () => {
    const padded = (n: number) => raw(goodHeader(), goodClaims({ pad: 'x'.repeat(n) }));
    let n = Math.floor(((MAX_TOKEN_LENGTH - padded(0).length) * 3) / 4) - 8;
    while (padded(n + 1).length <= MAX_TOKEN_LENGTH) n++;
    assert.ok(padded(n).length > MAX_TOKEN_LENGTH - 3 && padded(n + 1).length > MAX_TOKEN_LENGTH);
    assert.notEqual(await check(padded(n)), null);
    assert.equal(await check(padded(n + 1)), null);
  });

  describe('claims', () => {
    const refused: Record<string, Record<string, unknown>> = {
      'wrong iss': { iss: 'evil' },
      'wrong aud': { aud: 'other' },
      'aud as an array with ours in it': { aud: ['gatehouse', 'other'] },
      'aud as an array of just ours': { aud: ['gatehouse'] },
      'sub as a number': { sub: 1 },
      'sub empty': { sub: '' },
      'jti missing': { jti: undefined },
      'jti empty': { jti: '' },
      'sid missing': { sid: undefined },
      'sid empty': { sid: '' },
      "roles 'admin'": { roles: 'admin' },
      'roles with a number': { roles: ['admin', 1] },
      'roles missing': { roles: undefined },
      'iat as a string': { iat: String(NOW_S) },
      'iat fractional': { iat: NOW_S + 0.5 },
      "exp as '9999999999'": { exp: '9999999999' },
      'exp fractional': { exp: NOW_S + 899.5 },
      'iat 6 s in the future': { iat: NOW_S + 6, exp: NOW_S + 600 },
      'exp - iat one second over the TTL': { exp: NOW_S + 901 },
      'exp equal to iat': { exp: NOW_S, iat: NOW_S },
      'expired 6 s ago': { iat: NOW_S - 600, exp: NOW_S - 6 },
      'nbf 6 s in the future': { nbf: NOW_S + 6 },
    };
    for (const [name, extra] of Object.entries(refused)) {
      it(`refuses ${name}`, async () => {
        assert.equal(await check(raw(goodHeader(), goodClaims(extra))), null);
      });
    }

    const accepted: Record<string, Record<string, unknown>> = {
      'iat 5 s in the future (the tolerance)': { iat: NOW_S + 5, exp: NOW_S + 600 },
      'exp - iat exactly the TTL': { exp: NOW_S + 900 },
      'expired 4 s ago (within the tolerance)': { iat: NOW_S - 600, exp: NOW_S - 4 },
      'nbf 4 s in the future (within the tolerance)': { nbf: NOW_S + 4 },
      'no roles': { roles: [] },
    };
    for (const [name, extra] of Object.entries(accepted)) {
      it(`accepts ${name}`, async () => {
        assert.notEqual(await check(raw(goodHeader(), goodClaims(extra))), null);
      });
    }

    it('the issuer, audience and TTL come from the options', async () => {
      const token = raw(goodHeader(), goodClaims({ iss: 'https://auth.example', aud: 'api', exp: NOW_S + 60 }));
      assert.equal(await check(token), null);
      assert.notEqual(await check(token, { issuer: 'https://auth.example', audience: 'api', maxTtlSeconds: 60 }), null);
      assert.equal(await check(token, { issuer: 'https://auth.example', audience: 'api', maxTtlSeconds: 59 }), null);
    });
  });

  describe('header', () => {
    const refused: Record<string, Record<string, unknown>> = {
      "typ 'JWT'": { typ: 'JWT' },
      'typ missing': { typ: undefined },
      'alg EdDSA spelled otherwise': { alg: 'eddsa' },
      'alg Ed25519 (the fully-specified name we do not pin)': { alg: 'Ed25519' },
      "crit ['exp']": { crit: ['exp'], exp: NOW_S + 900 },
      "crit ['b64'] with b64 false": { crit: ['b64'], b64: false },
      'unknown kid': { kid: 'other' },
    };
    for (const [name, extra] of Object.entries(refused)) {
      it(`refuses ${name}`, async () => {
        const header = Object.fromEntries(Object.entries(goodHeader(extra)).filter(([, v]) => v !== undefined));
        assert.equal(await check(raw(header, goodClaims())), null);
      });
    }
  });
});
