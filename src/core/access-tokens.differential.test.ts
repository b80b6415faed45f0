// Owns the differential property test of access-token verification: thousands of seeded valid and mutated
// tokens, each judged by the node:crypto verifier, by the verified-token cache (first sight and repeat) and by the
// jose-based verifier it replaced (kept here, and only here, as the reference): every verdict and every claims
// object must be the same. GATEHOUSE_DIFF_SEED and GATEHOUSE_DIFF_CASES override the seed and the case count.
// Over 300 lines: the reference verifier and the token mutators live here on purpose, next to the only test
// that uses them.
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, sign, webcrypto, type KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import { decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import {
  ACCESS_TOKEN_TYPE,
  issueAccessToken,
  MAX_TOKEN_LENGTH,
  verifyAccessToken,
  type AccessClaims,
  type VerificationKey,
  type VerifyOptions,
} from './access-tokens.js';
import { CLOCK_TOLERANCE_SECONDS } from './keys.js';
import { createVerifiedTokenCache, type VerifiedTokenCache } from './verified-token-cache.js';

// ---- The reference: verifyAccessToken as it was on jose's jwtVerify, unchanged. ----

const FORBIDDEN_HEADERS = ['jwk', 'jku', 'x5u', 'x5c', 'x5t', 'x5t#S256'];

async function joseVerifyAccessToken(token: string, options: VerifyOptions): Promise<AccessClaims | null> {
  if (token.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) return null;
  try {
    const header = decodeProtectedHeader(token);
    if (FORBIDDEN_HEADERS.some((name) => name in header) || typeof header.kid !== 'string') return null;
    const { payload } = await jwtVerify(
      token,
      async (protectedHeader, jws) => {
        const iat = readIat(jws.payload);
        const key = typeof protectedHeader.kid === 'string' && iat !== null ? await options.keyFor(protectedHeader.kid, iat * 1000) : null;
        if (!key) throw new joseErrors.JWKSNoMatchingKey();
        return key;
      },
      {
        algorithms: ['EdDSA'],
        issuer: options.issuer,
        audience: options.audience,
        typ: ACCESS_TOKEN_TYPE,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        currentDate: new Date(options.now),
        requiredClaims: ['iss', 'aud', 'sub', 'iat', 'exp', 'jti', 'sid'],
      },
    );
    return checkClaims(payload, options);
  } catch {
    return null;
  }
}

function readIat(payload: string | Uint8Array): number | null {
  try {
    const text = typeof payload === 'string' ? Buffer.from(payload, 'base64url').toString('utf8') : Buffer.from(payload).toString('utf8');
    const iat = (JSON.parse(text) as { iat?: unknown }).iat;
    return typeof iat === 'number' && Number.isFinite(iat) ? iat : null;
  } catch {
    return null;
  }
}

function checkClaims(payload: JWTPayload, options: VerifyOptions): AccessClaims | null {
  const { sub, jti, sid, iat, exp, roles, iss, aud, auth_time: authTime, amr } = payload as Record<string, unknown>;
  if (typeof sub !== 'string' || sub === '' || typeof jti !== 'string' || jti === '' || typeof sid !== 'string' || sid === '') {
    return null;
  }
  if (!Number.isInteger(iat) || !Number.isInteger(exp)) return null;
  const issuedAt = iat as number;
  const expiresAt = exp as number;
  if (issuedAt * 1000 > options.now + CLOCK_TOLERANCE_SECONDS * 1000) return null;
  if (expiresAt - issuedAt > options.maxTtlSeconds || expiresAt <= issuedAt) return null;
  if (!Array.isArray(roles) || !roles.every((r) => typeof r === 'string')) return null;
  if (aud !== options.audience || iss !== options.issuer) return null;
  // Step-up's claims (added after the jose verifier was replaced): optional, strictly typed when present.
  if (authTime !== undefined && (!Number.isInteger(authTime) || (authTime as number) < 0)) return null;
  if (amr !== undefined && (!Array.isArray(amr) || !amr.every((m) => typeof m === 'string'))) return null;
  return {
    iss, aud, sub, iat: issuedAt, exp: expiresAt, jti, sid, roles: roles,
    ...(authTime === undefined ? {} : { auth_time: authTime as number }),
    ...(amr === undefined ? {} : { amr }),
  };
}

// ---- Seeded randomness. ----

const SEED = Number(process.env.GATEHOUSE_DIFF_SEED ?? 0x6a7e4);
const CASES = Number(process.env.GATEHOUSE_DIFF_CASES ?? 3000);

/** mulberry32: small, fast, and the same sequence on every machine. */
function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  return { next, int, pick, chance: (p: number) => next() < p };
}
type Rng = ReturnType<typeof prng>;

// ---- The world: keys, rules, key lookups. ----

type Json = Record<string, unknown>;
const NOW = Date.UTC(2026, 0, 1, 12);
const NOW_S = NOW / 1000;
const TOL = CLOCK_TOLERANCE_SECONDS;

const keyA = generateKeyPairSync('ed25519');
const keyB = generateKeyPairSync('ed25519');
const stranger = generateKeyPairSync('ed25519');
const ed448 = generateKeyPairSync('ed448');
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const importVerify = (key: KeyObject, usages: webcrypto.KeyUsage[]) =>
  webcrypto.subtle.importKey('jwk', key.export({ format: 'jwk' }), { name: 'Ed25519' }, false, usages);
const cryptoA = await importVerify(keyA.publicKey, ['verify']);
const cryptoB = await importVerify(keyB.publicKey, ['verify']);
const cryptoNoUsage = await importVerify(keyA.publicKey, []);

type KeyFor = (kid: string, issuedAtMs: number) => VerificationKey | null | Promise<VerificationKey | null>;
const ring = (a: VerificationKey, b: VerificationKey): KeyFor => (kid) => (kid === 'kA' ? a : kid === 'kB' ? b : null);
const KEY_LOOKUPS: [string, KeyFor][] = [
  ...Array.from({ length: 6 }, (): [string, KeyFor] => ['ring of KeyObjects', ring(keyA.publicKey, keyB.publicKey)]),
  ['ring of CryptoKeys', ring(cryptoA, cryptoB)],
  ['ring of CryptoKeys', ring(cryptoA, cryptoB)],
  ['ring, async', (kid) => Promise.resolve(ring(keyA.publicKey, keyB.publicKey)(kid, 0))],
  ['ring, a fresh KeyObject every call', (kid) => (kid === 'kA' ? createPublicKey(keyA.privateKey) : null)],
  ['kA retired: only tokens issued before NOW', (kid, iatMs) => (kid === 'kA' && iatMs <= NOW - 60_000 ? keyA.publicKey : kid === 'kB' ? keyB.publicKey : null)],
  ['a private KeyObject', ring(keyA.privateKey, keyB.privateKey)],
  ['a CryptoKey without the verify usage', ring(cryptoNoUsage, cryptoB)],
  ['an Ed448 key', ring(ed448.publicKey, keyB.publicKey)],
  ['a P-256 key', ring(p256.publicKey, keyB.publicKey)],
  ['nothing', () => null],
  ['an async rejection', () => Promise.reject(new Error('store down'))],
  ['a throw', () => {
    throw new Error('store down');
  }],
];
const SIGNERS: [string, KeyObject][] = [
  ['kA', keyA.privateKey], ['kA', keyA.privateKey], ['kA', keyA.privateKey], ['kB', keyB.privateKey], ['kB', keyB.privateKey], ['kA', stranger.privateKey],
];
const RULES = [
  { issuer: 'gatehouse', audience: 'gatehouse', maxTtlSeconds: 900 },
  { issuer: 'gatehouse', audience: 'gatehouse', maxTtlSeconds: 900 },
  { issuer: 'https://auth.example', audience: 'api', maxTtlSeconds: 60 },
  { issuer: '', audience: '', maxTtlSeconds: 3600 },
];

// ---- Tokens. ----

const without = (object: Json, name: string): Json => Object.fromEntries(Object.entries(object).filter(([key]) => key !== name));
const enc = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
const b64 = (bytes: Buffer) => bytes.toString('base64url');
const signInput = (input: string, key: KeyObject) => `${input}.${b64(sign(null, Buffer.from(input), key))}`;
const ED25519_L = 2n ** 252n + 27742317777372353535851937790883648493n;
const ODD_VALUES: unknown[] = [null, true, 0, -1, 1.5, '', 'x', '1767268800', [], ['a'], {}, { a: 1 }, 2 ** 53 + 2, -0];
const TYPS: unknown[] = ['JWT', 'AT+JWT', 'application/at+jwt', 'Application/AT+JWT', 'at+jwt ', 'application/jwt', 'x/at+jwt',
  'application/application/at+jwt', 'at+jw', '', 1, null, ['at+jwt']];
const ALGS: unknown[] = ['none', 'eddsa', 'Ed25519', 'ES256', 'HS256', 'RS256', 'EdDSA ', '', null, 1, ['EdDSA']];
const STRINGS = ['user-1', 'ü', '😀', 'a b', '\u0000', 'x'.repeat(40), '"', '\\'];

/** Claims a genuine token for these rules would carry, with a random but mostly reasonable clock. */
function claimsFor(rng: Rng, rules: (typeof RULES)[number]): Json {
  const iat = NOW_S + (rng.chance(0.6) ? 0 : rng.pick([-1, -60, -600, -rules.maxTtlSeconds + 3, 3, TOL, TOL + 1]));
  const ttl = rng.chance(0.6) ? rules.maxTtlSeconds : rng.pick([30, rules.maxTtlSeconds + 1, 1, 0, -1]);
  const claims: Json = {
    iss: rules.issuer, aud: rules.audience, sub: rng.pick(STRINGS), iat, exp: iat + ttl, jti: `j${rng.int(1e6)}`, sid: `s${rng.int(1e6)}`,
    roles: rng.pick([[], ['admin'], ['a', 'b', 'ü']]),
  };
  if (rng.chance(0.15)) claims.nbf = NOW_S + rng.pick([-100, 0, TOL - 1, TOL, TOL + 1, 1.5]);
  if (rng.chance(0.1)) claims.extra = rng.pick(ODD_VALUES);
  if (rng.chance(0.7)) {
    claims.auth_time = iat - rng.pick([0, 1, 600]);
    claims.amr = rng.pick([['pwd'], ['pwd', 'otp'], ['hwk'], []]);
  }
  return claims;
}

/** A header or payload mutation, as JSON values or as raw text; each is what an attacker or a bug might send. */
function mutateClaims(rng: Rng, claims: Json): Json | string {
  const names = ['iss', 'aud', 'sub', 'iat', 'exp', 'jti', 'sid', 'roles', 'nbf', 'auth_time', 'amr'];
  const name = rng.pick(names);
  switch (rng.int(9)) {
    case 0: return without(claims, name);
    case 1: return { ...claims, [name]: rng.pick(ODD_VALUES) };
    case 2: return { ...claims, iss: rng.pick(['evil', 'gatehouse', 'https://auth.example', '', 'GATEHOUSE']) };
    case 3: return { ...claims, aud: rng.pick(['api', 'gatehouse', '', ['gatehouse'], ['api', 'gatehouse'], ['x']]) };
    case 4: return { ...claims, roles: rng.pick([['admin', 1], 'admin', null, [null], [['admin']]]) };
    case 5: return rng.pick<unknown>([[], null, 'claims', 7, true]) as Json;
    case 6: return `{"iat":1e400,${JSON.stringify(claims).slice(1)}`.replace(/"iat":\d+,/, '');
    case 7: return `${JSON.stringify(claims).slice(0, -1)},"${name}":${JSON.stringify(rng.pick(ODD_VALUES))}}`;
    default: return { ...claims, [name]: (claims[name] as number) + rng.pick([-1, 1, 0.5, TOL]) };
  }
}

function mutateHeader(rng: Rng, header: Json): Json | string {
  switch (rng.int(10)) {
    case 0: return { ...header, alg: rng.pick(ALGS) };
    case 1: return { ...header, typ: rng.pick(TYPS) };
    case 2: return { ...header, kid: rng.pick<unknown>(['kU', '', 1, null, {}, ['kA'], 'KA', 'kB']) };
    case 3: return without(header, rng.pick(['alg', 'typ', 'kid']));
    case 4: return { ...header, [rng.pick(FORBIDDEN_HEADERS)]: rng.pick<unknown>(['x', null, {}, { kty: 'OKP' }]) };
    case 5: {
      const crit = rng.pick<unknown>([['b64'], ['b64', 'b64'], [], 'b64', ['exp'], [''], [1], null, ['b64', 'exp']]);
      const b64Value = rng.pick<unknown>([true, false, undefined, 'true', 1]);
      return { ...header, crit, ...(b64Value === undefined ? {} : { b64: b64Value }) };
    }
    case 6: return { ...header, b64: rng.pick([true, false]) };
    case 7: return { ...header, cty: 'JWT', zip: 'DEF', jwt: 1 };
    case 8: return rng.pick<unknown>([[], null, 'EdDSA', 1]) as Json;
    default: return `{"alg":"none",${JSON.stringify(header).slice(1)}`;
  }
}

/** Encodes a part from JSON or text, now and then with a byte-order mark, invalid UTF-8 or odd whitespace. */
function encodePart(rng: Rng, value: Json | string): string {
  let bytes = enc(value);
  const roll = rng.next();
  if (roll < 0.03) bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
  else if (roll < 0.05) {
    // Inside the last string value (sid in a payload), where a lenient decoder would let it through.
    const at = bytes.lastIndexOf(':"') + 2 || bytes.length - 1;
    bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from([rng.pick([0xff, 0xc3, 0x80, 0xed])]), bytes.subarray(at)]);
  }
  else if (roll < 0.07) bytes = Buffer.from(` ${bytes.toString()}\n`);
  const text = b64(bytes);
  // Signed as it stands, so only the decoder can refuse it: a spare character (4n+1 long) or other low bits.
  const spell = rng.next();
  if (spell < 0.03) return `${text}${rng.pick(['A', 'AA', 'AAA', 'Q', 'g'])}`;
  if (spell < 0.05) return text.slice(0, -1) + BASE64URL[(BASE64URL.indexOf(text.at(-1) ?? 'A') & ~0b11) | rng.int(4)];
  return text;
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Mutations of the finished string: bytes, base64url spelling, dots, sizes, and parts from other tokens. */
function mutateToken(rng: Rng, token: string, other: string): string {
  const parts = token.split('.');
  const i = rng.int(3);
  const part = parts[i] ?? '';
  const replacePart = (value: string) => parts.map((p, j) => (j === i ? value : p)).join('.');
  switch (rng.int(14)) {
    case 0: {
      const bytes = Buffer.from(part, 'base64url');
      if (bytes.length > 0) bytes[rng.int(bytes.length)]! ^= 1 << rng.int(8);
      return replacePart(b64(bytes));
    }
    case 1: {
      // Same bytes, other spelling: the unused low bits of the last character set.
      const last = BASE64URL.indexOf(part.at(-1) ?? 'A');
      return replacePart(part.slice(0, -1) + BASE64URL[(last & ~0b11) | rng.int(4)]);
    }
    case 2: return replacePart(part + rng.pick(['A', 'AA', 'AAA', 'AAAA', '=', '==', '+', '/', ' ', '.']));
    case 3: return replacePart(part.slice(0, -rng.pick([1, 2, 3, 4])));
    case 4: return replacePart('');
    case 5: return rng.pick([`${token}.`, `.${token}`, `${token}..`, token.replace('.', '..'), `${token}.${part}.${part}`, `${parts[0]}.${parts[1]}`]);
    case 6: return replacePart((other.split('.')[i] ?? '') || part);
    case 7: return replacePart(part.toUpperCase());
    case 8: {
      const signature = Buffer.from(parts[2] ?? '', 'base64url');
      if (signature.length !== 64) return token;
      const s = BigInt(`0x${Buffer.from(signature.subarray(32)).reverse().toString('hex')}`) + ED25519_L;
      const sBytes = Buffer.from(s.toString(16).padStart(64, '0'), 'hex').reverse();
      return `${parts[0]}.${parts[1]}.${b64(Buffer.concat([signature.subarray(0, 32), sBytes.subarray(0, 32)]))}`;
    }
    case 9: return `${parts[0]}.${parts[1]}.${b64(Buffer.alloc(rng.pick([0, 1, 32, 63, 64, 65])))}`;
    case 10: return replacePart(part.slice(0, rng.int(part.length + 1)) + rng.pick([...BASE64URL]) + part.slice(rng.int(part.length + 1)));
    case 11: return token.slice(0, rng.int(token.length));
    case 12: return Array.from({ length: rng.int(40) }, () => rng.pick([...`${BASE64URL}.`])).join('');
    default: return `${token}${rng.pick(['', ' ', '\n', '\u00e9'])}`;
  }
}

interface Case {
  token: string;
  rules: (typeof RULES)[number];
  keyFor: [string, KeyFor];
  /** The two moments the token is judged at: first sight, then a repeat (a cache hit if it was accepted). */
  now: [number, number];
  what: string;
}

async function makeCase(rng: Rng, pool: string[]): Promise<Case> {
  const rules = rng.pick(RULES);
  const keyFor = rng.pick(KEY_LOOKUPS);
  const moment = () =>
    NOW + (rng.chance(0.5) ? 0 : rng.pick([1, 999, 1000, 4999, 5000, 5001, -5000, -6000, 60_000, 600_000, 900_000, 905_000, 906_000, 0.5, NaN]));
  const now: [number, number] = [moment(), rng.chance(0.5) ? moment() : NOW];
  const [kid, signer] = rng.pick(SIGNERS);
  const claims = claimsFor(rng, rules);
  const header: Json = { alg: 'EdDSA', kid, typ: ACCESS_TOKEN_TYPE };
  const mode = rng.next();
  if (mode < 0.1 && pool.length > 0) return { token: rng.pick(pool), rules, keyFor, now, what: 'a token seen before' };
  if (mode < 0.25) {
    const { token } = await issueAccessToken({
      issuer: rules.issuer, audience: rules.audience, subject: claims.sub as string, sessionId: claims.sid as string,
      roles: claims.roles as string[], jti: claims.jti as string, now: (claims.iat as number) * 1000 + rng.int(1000),
      proof: { authTime: ((claims.auth_time as number | undefined) ?? 0) * 1000, amr: (claims.amr as string[] | undefined) ?? [] },
      ttlSeconds: rng.pick([rules.maxTtlSeconds, 30, rules.maxTtlSeconds + 1]), key: { kid, privateKey: signer },
    });
    return { token, rules, keyFor, now, what: 'issued by issueAccessToken' };
  }
  let h: Json | string = header;
  let p: Json | string = claims;
  const what: string[] = [];
  if (mode >= 0.45 && mode < 0.65) {
    p = mutateClaims(rng, claims);
    what.push('claims mutated');
  }
  if (mode >= 0.6 && mode < 0.8) {
    h = mutateHeader(rng, header);
    what.push('header mutated');
  }
  if (rng.chance(0.02)) {
    p = { ...claims, pad: 'x'.repeat(rng.pick([2800, 2950, 3000, 3100])) };
    what.push('padded');
  }
  let token = signInput(`${encodePart(rng, h)}.${encodePart(rng, p)}`, signer);
  if (mode >= 0.8 || rng.chance(0.05)) {
    token = mutateToken(rng, token, pool.length > 0 ? rng.pick(pool) : token);
    what.push('string mutated');
  }
  return { token, rules, keyFor, now, what: what.join(', ') || 'crafted' };
}

/** Hand-picked cases the random ones reach rarely or never. */
async function edgeCases(): Promise<Case[]> {
  const rules = RULES[0]!;
  const keyFor = KEY_LOOKUPS[0]!;
  const header = { alg: 'EdDSA', kid: 'kA', typ: ACCESS_TOKEN_TYPE };
  const at = (iat: number, exp: number) => signInput(`${b64(enc(header))}.${b64(enc({ ...claimsFor(prng(1), rules), iat, exp }))}`, keyA.privateKey);
  const genuine = at(NOW_S, NOW_S + 60);
  const other = at(NOW_S, NOW_S + 61);
  const [h, p] = other.split('.');
  return [
    // Clocks a Date cannot hold, or a negative fractional one that Date truncates towards zero.
    { token: at(-7, -6), rules, keyFor, now: [-1000.5, -1000.5], what: 'negative fractional now' },
    { token: at(-8640000000000, -8639999999999), rules, keyFor, now: [-8.64e15 - 1000, -8.64e15 - 1000], what: 'now before Date' },
    { token: genuine, rules, keyFor, now: [8.64e15 + 1, Infinity], what: 'now after Date' },
    // Seen first, then the same signature under another payload: the cache key is the whole token.
    { token: genuine, rules, keyFor, now: [NOW, NOW], what: 'genuine' },
    { token: `${h}.${p}.${genuine.split('.')[2]}`, rules, keyFor, now: [NOW, NOW], what: "genuine token's signature on another payload" },
  ];
}

// ---- The property. ----

describe('verifyAccessToken (node:crypto) agrees with the jose-based verifier it replaced', () => {
  it(`on ${CASES} seeded valid and mutated tokens (seed ${SEED}), first sight and from the verified-token cache`, async () => {
    const rng = prng(SEED);
    const pool: string[] = [];
    let currentKeyFor: KeyFor = () => null;
    // One cache per set of rules, shared by all cases (so a token cached under one key lookup is seen under another),
    // and one tiny cache that evicts all the time.
    const caches = new Map<(typeof RULES)[number], VerifiedTokenCache[]>(
      RULES.map((rules) => [rules, [10_000, 3].map((maxEntries) =>
        createVerifiedTokenCache({ ...rules, maxEntries, keyFor: (kid, issuedAtMs) => currentKeyFor(kid, issuedAtMs) }))]),
    );
    const tally = { accepted: 0, refused: 0, cacheHits: 0 };
    const edges = await edgeCases();
    for (let n = 0; n < CASES + edges.length; n++) {
      const c = n < edges.length ? edges[n]! : await makeCase(rng, pool);
      currentKeyFor = c.keyFor[1];
      const label = `case ${n} (seed ${SEED}): ${c.what}; keys: ${c.keyFor[0]}; now ${c.now.join(', ')}; token ${c.token}`;
      const [cache, tinyCache] = caches.get(c.rules)!;
      for (const [i, now] of c.now.entries()) {
        const options: VerifyOptions = { ...c.rules, now, keyFor: c.keyFor[1] };
        const expected = await joseVerifyAccessToken(c.token, options);
        assert.deepStrictEqual(await verifyAccessToken(c.token, options), expected, `verifyAccessToken, ${label}`);
        const sizeBefore = cache!.size();
        assert.deepStrictEqual(await cache!.verify(c.token, now), expected, `cache, ${i === 0 ? 'first' : 'second'} call, ${label}`);
        assert.deepStrictEqual(await tinyCache!.verify(c.token, now), expected, `tiny cache, ${label}`);
        if (i === 1 && expected && cache!.size() === sizeBefore) tally.cacheHits++;
        if (i === 0) tally[expected ? 'accepted' : 'refused']++;
      }
      if (c.token.length < 1000 && rng.chance(0.3)) pool.push(c.token);
      if (pool.length > 50) pool.splice(rng.int(pool.length), 1);
    }
    if (process.env.GATEHOUSE_DIFF_VERBOSE) console.log(tally);
    // The property means something only if both verdicts are common and the cache was really used.
    assert.ok(tally.accepted >= CASES * 0.08, `accepted ${tally.accepted} of ${CASES}`);
    assert.ok(tally.refused >= CASES * 0.4, `refused ${tally.refused} of ${CASES}`);
    assert.ok(tally.cacheHits >= CASES * 0.05, `cache hits ${tally.cacheHits}`);
  });
});
