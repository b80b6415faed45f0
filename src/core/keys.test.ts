// Owns the engine-level signing-key tests: the first key at first start, manual rotation that publishes a key
// before it signs, retirement (old tokens verify until they expire, nothing "issued" after retirement does),
// removal once the last token has expired, the rotation schedule driven by maintain(), encryption at rest
// bound to GATEHOUSE_SECRET, and a JWKS that never carries private parameters.
// Over 300 lines: the key lifecycle is one story (first key → rotation → retirement → removal) told in order.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SignJWT, decodeProtectedHeader } from 'jose';
import type { GatehouseOptions } from './config.js';
import { createGatehouse } from './engine.js';
import type { Gatehouse } from './gatehouse.js';
import { engineInternals } from './internals.js';
import { CLOCK_TOLERANCE_SECONDS } from './keys.js';
import type { Store } from './store.js';
import { createMemoryStore } from '../stores/memory/index.js';
import { createSqliteStore } from '../stores/sqlite/index.js';
import { opened } from '../../test/kit.js';

const PASSWORD = 'correct horse battery staple';
const CONTEXT = { ip: '203.0.113.7', userAgent: 'node:test' };
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const T0 = Date.UTC(2026, 0, 1);
const SECRET = 'test-secret-'.padEnd(48, 'k');
const OTHER_SECRET = 'other-secret-'.padEnd(48, 'o');
const PUBLIC_JWK_MEMBERS = ['alg', 'crv', 'kid', 'kty', 'use', 'x'];

async function setup(options: GatehouseOptions = {}, store: Store = createMemoryStore(), secret = SECRET) {
  let now = T0;
  const clock = () => now;
  const gh = await createGatehouse({ store, clock, secret, options });
  const set = (ms: number) => {
    now = ms;
  };
  return { gh, store, set, clock };
}

/** Kids in the JWKS, sorted; also asserts that no published key carries anything but public members. */
function jwksKids(gh: Gatehouse): string[] {
  const { keys } = gh.jwks();
  for (const key of keys) {
    assert.deepEqual(Object.keys(key).sort(), PUBLIC_JWK_MEMBERS, `public members only: ${JSON.stringify(key)}`);
    assert.equal(key.kty, 'OKP');
    assert.equal(key.crv, 'Ed25519');
    assert.equal(key.alg, 'EdDSA');
    assert.equal(key.use, 'sig');
  }
  return keys.map((k) => k.kid).sort();
}

const sorted = (...kids: string[]) => [...kids].sort();

/** The engine's key ring (signing and verification keys are not part of its public interface). */
const ring = (gh: Gatehouse) => engineInternals(gh).keys;

async function storedKids(store: Store): Promise<string[]> {
  return (await store.keys.list()).map((k) => k.kid).sort();
}

/** A user to mint real access tokens for. */
async function withUser(gh: Gatehouse, email = 'alice@example.com') {
  await gh.register({ email, password: PASSWORD }, CONTEXT);
  return async function mint(): Promise<{ token: string; kid: string; sub: string; sid: string }> {
    const result = opened(await gh.login({ email, password: PASSWORD }, CONTEXT, 'token'));
    assert.equal(result.mode, 'token');
    if (result.mode !== 'token') throw new Error('unreachable');
    const { kid } = decodeProtectedHeader(result.tokens.accessToken);
    assert.equal(typeof kid, 'string');
    return { token: result.tokens.accessToken, kid: kid as string, sub: result.user.id, sid: result.tokens.sessionId };
  };
}

describe('signing keys: first start', () => {
  it('creates exactly one active key, and the JWKS publishes it', async () => {
    const { gh, store, clock } = await setup();
    const stored = await store.keys.list();
    assert.equal(stored.length, 1);
    const [key] = stored;
    assert.ok(key);
    assert.equal(key.alg, 'EdDSA');
    assert.equal(key.createdAt, T0);
    assert.equal(key.activatesAt, T0, 'the first key signs at once');
    assert.equal(key.retiredAt, null);
    assert.equal(key.expiresAt, null);
    assert.deepEqual(jwksKids(gh), [key.kid]);
    assert.equal(ring(gh).signingKey(clock()).kid, key.kid);
    assert.deepEqual(gh.listKeys().map((k) => k.kid), [key.kid]);
  });

  it('a restart over the same store adds no key; maintain() before the schedule adds none either', async () => {
    const { gh, store } = await setup();
    const [first] = await storedKids(store);
    const again = await createGatehouse({ store, clock: () => T0 + MINUTE, secret: SECRET });
    assert.deepEqual(await storedKids(store), [first]);
    await again.maintain();
    await gh.maintain();
    assert.deepEqual(await storedKids(store), [first]);
    assert.deepEqual(jwksKids(again), [first]);
  });
});

describe('signing keys: manual rotation', () => {
  const LEAD = 600 * SECOND; // the default keyPublishLeadSeconds
  const TTL = 900 * SECOND; // the default accessTtlSeconds
  const TOLERANCE = CLOCK_TOLERANCE_SECONDS * SECOND;

  it('publishes the new key before it signs, keeps the old one until its last token expired, then drops it', async () => {
    const { gh, store, set, clock } = await setup();
    const mint = await withUser(gh);

    // t0: key A signs.
    const first = await mint();
    const A = first.kid;
    assert.deepEqual(jwksKids(gh), [A]);
    const aPrivate = ring(gh).signingKey(clock()).privateKey;

    // t1: rotate. B is published at once, but A still signs ("published before it signs").
    const t1 = T0 + HOUR;
    set(t1);
    const b = await gh.rotateKeys();
    const B = b.kid;
    assert.notEqual(B, A);
    assert.equal(b.createdAt, t1);
    assert.equal(b.activatesAt, t1 + LEAD);
    assert.deepEqual(jwksKids(gh), sorted(A, B));
    assert.equal((await mint()).kid, A, 'a token minted right after rotation is signed by A');
    await gh.maintain();
    assert.deepEqual(await storedKids(store), sorted(A, B), 'maintain() schedules nothing while B is pending');
    assert.equal((await store.keys.list()).find((k) => k.kid === A)?.retiredAt, null);

    // Just before the switch: still A, still both published.
    set(t1 + LEAD - SECOND);
    const lastOfA = await mint();
    assert.equal(lastOfA.kid, A);
    assert.deepEqual(jwksKids(gh), sorted(A, B));

    // t1 + lead: B signs; A stays published and its tokens still verify.
    const switchAt = t1 + LEAD;
    set(switchAt);
    const firstOfB = await mint();
    assert.equal(firstOfB.kid, B);
    assert.deepEqual(jwksKids(gh), sorted(A, B));
    assert.ok(await gh.verifyAccessToken(lastOfA.token), "A's token verifies after the switch");
    assert.ok(await gh.verifyAccessToken(firstOfB.token));

    // maintain() records the retirement: when B activated, and published until A's last token expired.
    await gh.maintain();
    const retiredA = (await store.keys.list()).find((k) => k.kid === A);
    assert.equal(retiredA?.retiredAt, switchAt);
    assert.equal(retiredA?.expiresAt, switchAt + TTL + TOLERANCE);
    assert.deepEqual(jwksKids(gh), sorted(A, B));
    assert.equal(ring(gh).signingKey(clock()).kid, B);
    assert.equal((await mint()).kid, B);

    // A's last token verifies until its expiry, and not after.
    const lastClaims = await gh.verifyAccessToken(lastOfA.token);
    assert.ok(lastClaims);
    set(lastClaims.exp * SECOND - SECOND);
    await gh.maintain();
    assert.deepEqual(jwksKids(gh), sorted(A, B));
    assert.ok(await gh.verifyAccessToken(lastOfA.token), "A's last token still verifies just before it expires");
    set(lastClaims.exp * SECOND + TOLERANCE + SECOND);
    assert.equal(await gh.verifyAccessToken(lastOfA.token), null);

    // The latest token A could have signed (issued at its retirement plus the clock tolerance) is still
    // unexpired when A is unpublished: it verifies while A is published, and not a millisecond after.
    const edgeIat = switchAt / SECOND + CLOCK_TOLERANCE_SECONDS;
    const edgeToken = await new SignJWT({
      iss: 'gatehouse', aud: 'gatehouse', sub: first.sub, sid: first.sid, jti: 'edge-of-a', roles: [], iat: edgeIat, exp: edgeIat + TTL / SECOND,
    })
      .setProtectedHeader({ alg: 'EdDSA', kid: A, typ: 'at+jwt' })
      .sign(aPrivate);
    const unpublishAt = switchAt + TTL + TOLERANCE;
    set(unpublishAt - 1);
    assert.deepEqual(jwksKids(gh), sorted(A, B));
    assert.ok(await gh.verifyAccessToken(edgeToken), 'control: accepted while A is published');

    // t1 + lead + TTL + 5 s + 1 ms: A is gone from the JWKS and the store, and its tokens are refused.
    set(unpublishAt + 1);
    assert.deepEqual(jwksKids(gh), [B], 'unpublished on time, even before upkeep runs');
    assert.equal(await gh.verifyAccessToken(edgeToken), null);
    await gh.maintain();
    assert.deepEqual(jwksKids(gh), [B]);
    assert.deepEqual(await storedKids(store), [B]);
    assert.deepEqual(gh.listKeys().map((k) => k.kid), [B]);
    assert.equal(ring(gh).verificationKey(A, switchAt - SECOND, clock()), null);
    assert.equal(await gh.verifyAccessToken(edgeToken), null);
    assert.equal(await gh.verifyAccessToken(first.token), null);
    assert.ok(await gh.verifyAccessToken((await mint()).token), 'B goes on signing');
  });

  it('refuses a token that claims to be signed by the retired key after its retirement (a leaked key)', async () => {
    const { gh, set, clock } = await setup();
    const mint = await withUser(gh);
    const genuine = await mint();
    const A = genuine.kid;
    const aPrivate = ring(gh).signingKey(clock()).privateKey;

    const t1 = T0 + HOUR;
    set(t1);
    await gh.rotateKeys();
    const retiredAt = t1 + LEAD;
    set(retiredAt + MINUTE);
    await gh.maintain();
    assert.equal(jwksKids(gh).length, 2, 'A is still published');

    const forge = (iatSeconds: number, jti: string) =>
      new SignJWT({ iss: 'gatehouse', aud: 'gatehouse', sub: genuine.sub, sid: genuine.sid, jti, roles: ['admin'], iat: iatSeconds, exp: iatSeconds + 600 })
        .setProtectedHeader({ alg: 'EdDSA', kid: A, typ: 'at+jwt' })
        .sign(aPrivate);

    // Control: the same key and claims, issued before the retirement, are accepted — the forgery is well formed.
    assert.ok(await gh.verifyAccessToken(await forge(retiredAt / SECOND - 10, 'before')));
    // Issued after the retirement (beyond the clock tolerance): A signs nothing any more.
    assert.equal(await gh.verifyAccessToken(await forge(clock() / SECOND, 'after')), null);
    assert.equal(await gh.verifyAccessToken(await forge(retiredAt / SECOND + CLOCK_TOLERANCE_SECONDS + 1, 'just-after')), null);
    assert.equal(await gh.authenticateBearer(await forge(clock() / SECOND, 'after-bearer')), null);
    // The retirement holds without maintain() having recorded it: a fresh engine over a rotated store.
    const { gh: other, set: setOther } = await setup();
    const otherA = ring(other).signingKey(T0);
    const otherMint = await withUser(other);
    const otherUser = await otherMint();
    setOther(t1);
    await other.rotateKeys();
    setOther(retiredAt + MINUTE);
    const late = await new SignJWT({ iss: 'gatehouse', aud: 'gatehouse', sub: otherUser.sub, sid: otherUser.sid, jti: 'late', roles: [], iat: (retiredAt + MINUTE) / SECOND, exp: (retiredAt + MINUTE) / SECOND + 600 })
      .setProtectedHeader({ alg: 'EdDSA', kid: otherA.kid, typ: 'at+jwt' })
      .sign(otherA.privateKey);
    assert.equal(await other.verifyAccessToken(late), null);
  });

  it('a key that is not in the ring, or no longer published, verifies nothing', async () => {
    const { gh, clock } = await setup();
    assert.equal(ring(gh).verificationKey('no-such-kid', clock(), clock()), null);
    const A = ring(gh).signingKey(clock()).kid;
    assert.ok(ring(gh).verificationKey(A, clock(), clock()));
  });
});

describe('signing keys: scheduled rotation', () => {
  const INTERVAL = 2 * HOUR;
  const LEAD = 10 * MINUTE;
  const options: GatehouseOptions = { keyRotationIntervalSeconds: INTERVAL / SECOND, keyPublishLeadSeconds: LEAD / SECOND };

  it('maintain() publishes the next key at interval - lead, which signs from the interval', async () => {
    const { gh, store, set, clock } = await setup(options);
    const [A = ''] = await storedKids(store);

    for (const at of [T0 + HOUR, T0 + INTERVAL - LEAD - 1]) {
      set(at);
      await gh.maintain();
      assert.deepEqual(jwksKids(gh), [A], `nothing new at +${(at - T0) / MINUTE} min`);
    }

    set(T0 + INTERVAL - LEAD);
    await gh.maintain();
    const afterSchedule = await store.keys.list();
    assert.equal(afterSchedule.length, 2);
    const next = afterSchedule.find((k) => k.kid !== A);
    assert.ok(next);
    const B = next.kid;
    assert.equal(next.createdAt, T0 + INTERVAL - LEAD);
    assert.equal(next.activatesAt, T0 + INTERVAL);
    assert.deepEqual(jwksKids(gh), sorted(A, B));
    assert.equal(ring(gh).signingKey(clock()).kid, A, 'published before it signs');

    // Further upkeep while B is pending schedules nothing more.
    set(T0 + INTERVAL - MINUTE);
    await gh.maintain();
    assert.deepEqual(await storedKids(store), sorted(A, B));
    set(T0 + INTERVAL - 1);
    assert.equal(ring(gh).signingKey(clock()).kid, A);

    set(T0 + INTERVAL);
    assert.equal(ring(gh).signingKey(clock()).kid, B);
    await gh.maintain();
    const retired = (await store.keys.list()).find((k) => k.kid === A);
    assert.equal(retired?.retiredAt, T0 + INTERVAL);
    assert.deepEqual(jwksKids(gh), sorted(A, B));

    const accessTtl = gh.config.accessTtlSeconds * SECOND;
    set(T0 + INTERVAL + accessTtl + CLOCK_TOLERANCE_SECONDS * SECOND + 1);
    await gh.maintain();
    assert.deepEqual(jwksKids(gh), [B]);
    assert.deepEqual(await storedKids(store), [B]);

    // The schedule goes on from B's activation.
    set(T0 + 2 * INTERVAL - LEAD - 1);
    await gh.maintain();
    assert.deepEqual(jwksKids(gh), [B]);
    set(T0 + 2 * INTERVAL - LEAD);
    await gh.maintain();
    const third = (await store.keys.list()).find((k) => k.kid !== B);
    assert.equal(third?.activatesAt, T0 + 2 * INTERVAL);
    assert.equal(ring(gh).signingKey(clock()).kid, B);
  });

  it('after missed upkeep, the overdue key is still published a full lead before it signs', async () => {
    const { gh, store, set, clock } = await setup(options);
    const [A = ''] = await storedKids(store);
    const late = T0 + INTERVAL + HOUR;
    set(late);
    await gh.maintain();
    const next = (await store.keys.list()).find((k) => k.kid !== A);
    assert.ok(next);
    assert.equal(next.activatesAt, late + LEAD);
    assert.equal(ring(gh).signingKey(clock()).kid, A);
    assert.deepEqual(jwksKids(gh), sorted(A, next.kid));
  });
});

describe('signing keys at rest', () => {
  const dirs: string[] = [];
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('stores private keys encrypted: neither the PKCS#8 bytes, the seed nor the JWK d appear in the store', async () => {
    const { gh, store, clock } = await setup();
    await gh.rotateKeys();
    const records = await store.keys.list();
    assert.equal(records.length, 2);
    const active = ring(gh).signingKey(clock());
    const pkcs8 = active.privateKey.export({ format: 'der', type: 'pkcs8' });
    const seed = pkcs8.subarray(pkcs8.length - 32);
    const d = active.privateKey.export({ format: 'jwk' }).d;
    assert.ok(d);
    const record = records.find((r) => r.kid === active.kid);
    assert.ok(record);
    const sealed = record.privateKeyEncrypted;
    const sealedBytes = Buffer.from(sealed, 'base64url');
    assert.ok(!sealed.includes(pkcs8.toString('base64url')));
    assert.ok(!sealed.includes(pkcs8.toString('base64')));
    assert.ok(!sealed.includes(d));
    assert.ok(!sealedBytes.includes(pkcs8));
    assert.ok(!sealedBytes.includes(seed));
    for (const r of records) {
      assert.ok(!('d' in r.publicJwk), 'the stored public JWK has no private part');
      assert.ok(!JSON.stringify(r).includes(d));
    }
  });

  it('a restart with the same secret signs with the same key; a different secret fails naming GATEHOUSE_SECRET', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-keys-'));
    dirs.push(dir);
    const path = join(dir, 'gatehouse.db');

    const store1 = await createSqliteStore({ path });
    const { gh: first } = await setup({}, store1);
    const mint = await withUser(first);
    const issued = await mint();
    await store1.close();

    const store2 = await createSqliteStore({ path });
    try {
      const { gh: second } = await setup({}, store2);
      assert.equal(ring(second).signingKey(T0).kid, issued.kid);
      assert.deepEqual(await storedKids(store2), [issued.kid]);
      assert.ok(await second.verifyAccessToken(issued.token), 'tokens from before the restart verify');
      const after = opened(await second.login({ email: 'alice@example.com', password: PASSWORD }, CONTEXT, 'token'));
      assert.equal(after.mode === 'token' && decodeProtectedHeader(after.tokens.accessToken).kid, issued.kid);

      await assert.rejects(
        createGatehouse({ store: store2, clock: () => T0, secret: OTHER_SECRET }),
        (error: unknown) => {
          assert.ok(error instanceof Error);
          assert.match(error.message, /GATEHOUSE_SECRET/);
          assert.ok(!error.message.includes(OTHER_SECRET), 'the message does not echo the secret');
          assert.ok(!error.message.includes(SECRET));
          return true;
        },
      );
      assert.deepEqual(await storedKids(store2), [issued.kid], 'the failed start created no key');
    } finally {
      await store2.close();
    }
  });

  it('the same holds over the memory store, and the JWKS of every engine stays public-only', async () => {
    const store = createMemoryStore();
    const { gh } = await setup({}, store);
    const kid = ring(gh).signingKey(T0).kid;
    const { gh: again } = await setup({}, store);
    assert.equal(ring(again).signingKey(T0).kid, kid);
    assert.deepEqual(jwksKids(again), [kid]);
    const serialized = JSON.stringify(again.jwks());
    assert.ok(!serialized.includes('"d"'));
    await assert.rejects(setup({}, store, OTHER_SECRET), /GATEHOUSE_SECRET/);
  });
});
