// Owns the verified-token cache's own rules: a repeat is answered from memory with a fresh claims object, an
// entry never serves past the token's exp (nor before its iat), a kid whose key changed or left the ring stops
// its cached tokens at once (also with the real key ring), the size bound evicts the least recently used, and
// refusals are never remembered. Agreement with full verification on mutated tokens is the differential test's.
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import { issueAccessToken, type AccessClaims, type VerificationKey } from './access-tokens.js';
import { DEFAULTS } from './config.js';
import { createKeyRing, CLOCK_TOLERANCE_SECONDS } from './keys.js';
import { createSecretBox } from './secret-box.js';
import { createVerifiedTokenCache, DEFAULT_VERIFIED_TOKEN_CACHE_SIZE } from './verified-token-cache.js';
import { createMemoryStore } from '../stores/memory/index.js';

const NOW = Date.UTC(2026, 0, 1);
const TTL = 900;
const RULES = { issuer: 'gatehouse', audience: 'gatehouse', maxTtlSeconds: TTL };
const { privateKey, publicKey } = generateKeyPairSync('ed25519');

async function mint(jti: string, now = NOW, key: KeyObject = privateKey, kid = 'k1') {
  const { token, claims } = await issueAccessToken({
    ...RULES, subject: 'user-1', sessionId: 'sid-1', roles: ['admin'], proof: { authTime: now, amr: ['pwd'] }, jti, now, ttlSeconds: TTL, key: { kid, privateKey: key },
  });
  return { token, claims };
}

/** Not assert.ok: on failure it reads the test's source for a message, which hangs under tsx on Node 20. */
const accepted = (claims: AccessClaims | null, message = 'accepted') => assert.notEqual(claims, null, message);

/** A cache whose key lookup can be swapped and is counted. */
function setup(maxEntries?: number) {
  let lookup: (kid: string) => VerificationKey | null = (kid) => (kid === 'k1' ? publicKey : null);
  const calls: string[] = [];
  const cache = createVerifiedTokenCache({
    ...RULES,
    ...(maxEntries === undefined ? {} : { maxEntries }),
    keyFor: (kid) => {
      calls.push(kid);
      return lookup(kid);
    },
  });
  return { cache, calls, setLookup: (next: typeof lookup) => void (lookup = next) };
}

describe('verified-token cache', () => {
  it('answers a repeat with equal claims in a fresh object each time, remembering one entry', async () => {
    const { cache } = setup();
    const { token, claims } = await mint('a');
    const first = await cache.verify(token, NOW);
    assert.deepEqual(first, claims);
    first.roles.push('root');
    first.sub = 'mallory';
    const second = await cache.verify(token, NOW + 1000);
    assert.deepEqual(second, claims);
    assert.notEqual(second, first);
    assert.equal(cache.size(), 1);
    assert.equal(DEFAULT_VERIFIED_TOKEN_CACHE_SIZE, 10_000);
  });

  it('serves an entry until exp (with the clock tolerance), then refuses and drops it', async () => {
    const { cache } = setup();
    const { token, claims } = await mint('a');
    const lastMs = (claims.exp + CLOCK_TOLERANCE_SECONDS) * 1000 - 1;
    accepted(await cache.verify(token, NOW));
    accepted(await cache.verify(token, lastMs), 'still within the tolerance');
    assert.equal(await cache.verify(token, lastMs + 1), null);
    assert.equal(cache.size(), 0);
    accepted(await cache.verify(token, NOW), 'with the clock set back, a fresh verification says what the first one did');
    assert.equal(cache.size(), 1);
  });

  it('refuses a cached token when the clock is set back before its iat (less the tolerance)', async () => {
    const { cache } = setup();
    const { token } = await mint('a');
    accepted(await cache.verify(token, NOW));
    accepted(await cache.verify(token, NOW - CLOCK_TOLERANCE_SECONDS * 1000));
    assert.equal(await cache.verify(token, NOW - CLOCK_TOLERANCE_SECONDS * 1000 - 1), null);
  });

  it('asks the ring on every hit: a kid gone, throwing or holding another key stops its cached tokens at once', async () => {
    const { cache, calls, setLookup } = setup();
    const { token } = await mint('a');
    const good = (kid: string) => (kid === 'k1' ? publicKey : null);
    accepted(await cache.verify(token, NOW));
    accepted(await cache.verify(token, NOW));
    assert.deepEqual(calls, ['k1', 'k1']);
    const lookups: [string, (kid: string) => VerificationKey | null][] = [
      ['gone', () => null],
      ['throwing', () => {
        throw new Error('store down');
      }],
      ['another key under the same kid', () => generateKeyPairSync('ed25519').publicKey],
    ];
    for (const [name, lookup] of lookups) {
      setLookup(good);
      accepted(await cache.verify(token, NOW), `cached again before: ${name}`);
      setLookup(lookup);
      assert.equal(await cache.verify(token, NOW), null, name);
    }
    setLookup(() => createPublicKey(privateKey));
    accepted(await cache.verify(token, NOW), 'same key material in a new object: verified again and accepted');
    assert.equal(cache.size(), 1);
  });

  it('does the same with an asynchronous key lookup (as the engine has)', async () => {
    let key: VerificationKey | null = publicKey;
    const cache = createVerifiedTokenCache({ ...RULES, keyFor: async () => key });
    const { token } = await mint('a');
    accepted(await cache.verify(token, NOW));
    accepted(await cache.verify(token, NOW));
    key = null;
    assert.equal(await cache.verify(token, NOW), null);
    key = publicKey;
    accepted(await cache.verify(token, NOW));
    const failing = createVerifiedTokenCache({ ...RULES, keyFor: () => Promise.reject(new Error('store down')) });
    assert.equal(await failing.verify(token, NOW), null);
  });

  it('keys entries by the whole token: a cached signature under another header or payload is verified afresh', async () => {
    const { cache } = setup();
    const { token } = await mint('a');
    const { token: other } = await mint('b');
    accepted(await cache.verify(token, NOW));
    const [h, p] = other.split('.');
    assert.equal(await cache.verify(`${h}.${p}.${token.split('.')[2]}`, NOW), null);
    const [h1, , s1] = token.split('.');
    assert.equal(await cache.verify(`${h1}.${p}.${s1}`, NOW), null);
  });

  it('follows the real key ring: a key deleted by another instance stops its tokens after reload', async () => {
    const store = createMemoryStore();
    const config = { ...DEFAULTS, accessTtlSeconds: TTL };
    const box = createSecretBox('test-secret-'.padEnd(48, 'k'));
    const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
    const ring = await createKeyRing({ store: store.keys, box, config, random });
    await ring.maintain(NOW);
    const cache = createVerifiedTokenCache({ ...RULES, keyFor: (kid, iatMs, now) => ring.verificationKey(kid, iatMs, now) });
    const { token } = await mint('a', NOW, ring.signingKey(NOW).privateKey, ring.signingKey(NOW).kid);
    accepted(await cache.verify(token, NOW));
    accepted(await cache.verify(token, NOW + 1000));
    const [record] = ring.list();
    assert.equal(await store.keys.retire(record!.kid, NOW - 1, NOW), true);
    assert.equal(await store.keys.deleteExpired(NOW), 1);
    await ring.reload();
    assert.equal(await cache.verify(token, NOW + 2000), null);
  });

  it('stays within its bound while new tokens stream past one in constant use, answering each right', async () => {
    const { cache, calls } = setup(4);
    const tokens = await Promise.all(Array.from({ length: 12 }, (_, i) => mint(`t${i}`)));
    const hot = tokens[0]!.token;
    accepted(await cache.verify(hot, NOW));
    for (const { token } of tokens.slice(1)) {
      accepted(await cache.verify(token, NOW));
      assert.ok(cache.size() <= 4, `size ${cache.size()}`);
      accepted(await cache.verify(hot, NOW), 'hot');
    }
    // Every lookup asked the ring once, hit or miss; none of this says which was which, by design.
    assert.equal(calls.length, 23);
    const odd = setup(3);
    for (const { token } of tokens) accepted(await odd.cache.verify(token, NOW));
    assert.equal(odd.cache.size(), 4, 'an odd bound counts as the next even one');
  });

  it('remembers nothing with maxEntries 0, and never remembers a refusal', async () => {
    const off = setup(0);
    const { token } = await mint('a');
    accepted(await off.cache.verify(token, NOW));
    accepted(await off.cache.verify(token, NOW));
    assert.equal(off.cache.size(), 0);
    const on = setup();
    const [h, p, s] = token.split('.');
    const forged = `${h}.${p}.${Buffer.from(sign(null, Buffer.from(`${h}.${p}`), generateKeyPairSync('ed25519').privateKey)).toString('base64url')}`;
    assert.equal(await on.cache.verify(forged, NOW), null);
    assert.equal(await on.cache.verify(`${h}.${p}.${s}x`, NOW), null);
    assert.equal(await on.cache.verify('x'.repeat(5000), NOW), null);
    assert.equal(on.cache.size(), 0);
  });

  it('refuses a bad size bound at construction', () => {
    for (const maxEntries of [-1, 1.5, Number.NaN, Infinity]) {
      assert.throws(() => createVerifiedTokenCache({ ...RULES, maxEntries, keyFor: () => null }), RangeError);
    }
  });
});
