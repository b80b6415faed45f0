// Owns the conformance tests for the token-era store members: user updates, signing keys, refresh-token
// families (rotation, reuse, concurrency) and revocations. Called from runStoreConformance, which owns the
// fresh-store-per-test lifecycle; the contracts themselves are the doc comments in core/store.ts.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import type {
  RefreshFamilyRecord,
  RefreshTokenRecord,
  RevocationRecord,
  RotateResult,
  SigningKeyRecord,
  Store,
  UserRecord,
} from '../core/store.js';

export interface TokenConformanceContext {
  /** The current test's fresh store. */
  store(): Store;
  createUser(overrides?: Partial<UserRecord>): Promise<UserRecord>;
}

const T0 = 1_700_000_000_000;
const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const GRACE = 30_000;
let seq = 0;

function makeKey(overrides: Partial<SigningKeyRecord> = {}): SigningKeyRecord {
  const n = ++seq;
  return {
    kid: `key_${n}`, alg: 'EdDSA',
    publicJwk: { kty: 'OKP', crv: 'Ed25519', x: `x-${n}-11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo`, kid: `key_${n}`, use: 'sig', key_ops: ['verify'] },
    privateKeyEncrypted: `v1.iv${n}.ciphertext${n}.tag${n}`,
    createdAt: T0, activatesAt: T0 + MIN, retiredAt: null, expiresAt: null, ...overrides,
  };
}

function makeFamily(userId: string, overrides: Partial<RefreshFamilyRecord> = {}): RefreshFamilyRecord {
  const n = ++seq;
  return {
    id: `fam_${n}`, userId, mode: 'token', createdAt: T0, lastUsedAt: T0, expiresAt: T0 + 7 * DAY,
    absoluteExpiresAt: T0 + 30 * DAY, revokedAt: null, userAgent: 'Mozilla/5.0 (conformance)', ip: '203.0.113.7', ...overrides,
  };
}

function makeToken(familyId: string, overrides: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord {
  const n = ++seq;
  return { id: `rt_${n}`, familyId, secretHash: `rthash_${n}`, createdAt: T0, usedAt: null, successorId: null, ...overrides };
}

const byKindSubject = (a: RevocationRecord, b: RevocationRecord) =>
  `${a.kind}:${a.subject}` < `${b.kind}:${b.subject}` ? -1 : `${a.kind}:${a.subject}` > `${b.kind}:${b.subject}` ? 1 : 0;
const statuses = (results: RotateResult[]) => results.map((r) => r.status);
const count = (results: RotateResult[], status: RotateResult['status']) => results.filter((r) => r.status === status).length;

export function describeTokenConformance(ctx: TokenConformanceContext): void {
  const store = () => ctx.store();

  /** A user with one refresh family and its first (live) token. */
  async function createFamily(
    familyOverrides: Partial<RefreshFamilyRecord> = {},
    userId?: string,
  ): Promise<{ family: RefreshFamilyRecord; token: RefreshTokenRecord }> {
    const owner = userId ?? (await ctx.createUser()).id;
    const family = makeFamily(owner, familyOverrides);
    const token = makeToken(family.id, { createdAt: family.createdAt });
    await store().refreshTokens.createFamily(family, token);
    return { family, token };
  }

  describe('users: updates', () => {
    it('updatePassword replaces the hash and updatedAt only; false for an unknown id', async () => {
      const user = await ctx.createUser();
      assert.equal(await store().users.updatePassword(user.id, '$argon2id$new', T0 + MIN), true);
      const expected = { ...user, passwordHash: '$argon2id$new', updatedAt: T0 + MIN };
      assert.deepEqual(await store().users.findById(user.id), expected);
      assert.deepEqual(await store().users.findByEmail(user.email), expected);
      assert.equal(await store().users.updatePassword('usr_missing', '$argon2id$x', T0), false);
      assert.equal(await store().users.findById('usr_missing'), null);
    });

    it('setRoles replaces the roles (empty included) and updatedAt; false for an unknown id', async () => {
      const user = await ctx.createUser({ roles: ['user'] });
      const roles = ['admin', 'billing', 'user'];
      assert.equal(await store().users.setRoles(user.id, roles, T0 + MIN), true);
      roles.push('mutated-input');
      assert.deepEqual(await store().users.findById(user.id), { ...user, roles: ['admin', 'billing', 'user'], updatedAt: T0 + MIN });
      assert.equal(await store().users.setRoles(user.id, [], T0 + 2 * MIN), true);
      assert.deepEqual(await store().users.findById(user.id), { ...user, roles: [], updatedAt: T0 + 2 * MIN });
      assert.equal(await store().users.setRoles('usr_missing', ['admin'], T0), false);
    });
  });

  describe('signing keys', () => {
    it('lists every key oldest first and round-trips the public JWK', async () => {
      const k2 = makeKey({ createdAt: T0 + 2 * MIN, activatesAt: T0 + 3 * MIN });
      const k0 = makeKey({ createdAt: T0 - DAY, retiredAt: T0, expiresAt: T0 + DAY });
      const k1 = makeKey({ createdAt: T0, publicJwk: { kty: 'OKP', crv: 'Ed25519', x: 'abc', nested: { list: [1, null, 'ü ✓'], empty: {} } } });
      assert.deepEqual(await store().keys.list(), []);
      for (const key of [k2, k0, k1]) await store().keys.insert(key);
      assert.deepEqual(await store().keys.list(), [k0, k1, k2]);
    });

    it('never hands out live references', async () => {
      const key = makeKey();
      await store().keys.insert(key);
      const snapshot = structuredClone(key);
      (key.publicJwk['key_ops'] as string[]).push('mutated-input');
      const [listed] = await store().keys.list();
      assert.ok(listed);
      listed.publicJwk['x'] = 'mutated-output';
      listed.retiredAt = 1;
      assert.deepEqual(await store().keys.list(), [snapshot]);
    });

    it('retire marks a key once: true, then false; false for an unknown kid', async () => {
      const key = makeKey();
      const other = makeKey();
      await store().keys.insert(key);
      await store().keys.insert(other);
      assert.equal(await store().keys.retire(key.kid, T0 + DAY, T0 + 2 * DAY), true);
      assert.equal(await store().keys.retire(key.kid, T0 + 5 * DAY, T0 + 6 * DAY), false);
      assert.equal(await store().keys.retire('key_missing', T0, T0), false);
      assert.deepEqual(await store().keys.list(), [{ ...key, retiredAt: T0 + DAY, expiresAt: T0 + 2 * DAY }, other]);
    });

    it('deleteExpired removes retired keys with expiresAt <= now only', async () => {
      const now = T0 + 10 * DAY;
      const current = makeKey({ createdAt: T0 });
      const pending = makeKey({ createdAt: T0 + 1, activatesAt: now + DAY });
      const expired = makeKey({ createdAt: T0 + 2, retiredAt: T0 + DAY, expiresAt: now - 1 });
      const expiresNow = makeKey({ createdAt: T0 + 3, retiredAt: T0 + DAY, expiresAt: now });
      const notYet = makeKey({ createdAt: T0 + 4, retiredAt: T0 + DAY, expiresAt: now + 1 });
      for (const key of [current, pending, expired, expiresNow, notYet]) await store().keys.insert(key);
      assert.equal(await store().keys.deleteExpired(now), 2);
      assert.deepEqual(await store().keys.list(), [current, pending, notYet]);
      assert.equal(await store().keys.deleteExpired(now), 0);
    });
  });

  describe('refresh tokens', () => {
    const NOW = T0 + 10 * MIN;
    const NEXT_EXPIRY = NOW + 7 * DAY;

    it('createFamily stores the family and its first token; unknown ids are null', async () => {
      const user = await ctx.createUser();
      const plain = makeFamily(user.id);
      const bare = makeFamily(user.id, { mode: 'hybrid', userAgent: null, ip: null });
      const plainToken = makeToken(plain.id);
      const bareToken = makeToken(bare.id);
      await store().refreshTokens.createFamily(plain, plainToken);
      await store().refreshTokens.createFamily(bare, bareToken);
      assert.deepEqual(await store().refreshTokens.getFamily(plain.id), plain);
      assert.deepEqual(await store().refreshTokens.getFamily(bare.id), bare);
      assert.deepEqual(await store().refreshTokens.getToken(plainToken.id), plainToken);
      assert.deepEqual(await store().refreshTokens.getToken(bareToken.id), bareToken);
      assert.equal(await store().refreshTokens.getFamily('fam_missing'), null);
      assert.equal(await store().refreshTokens.getToken('rt_missing'), null);
    });

    it('rotate spends a live token, stores the successor and slides the family', async () => {
      const { family, token } = await createFamily();
      const successor = makeToken(family.id, { createdAt: NOW });
      const result = await store().refreshTokens.rotate(token.id, successor, NOW, GRACE, NEXT_EXPIRY);
      const moved = { ...family, lastUsedAt: NOW, expiresAt: NEXT_EXPIRY };
      assert.deepEqual(result, { status: 'rotated', family: moved });
      assert.deepEqual(await store().refreshTokens.getFamily(family.id), moved);
      assert.deepEqual(await store().refreshTokens.getToken(token.id), { ...token, usedAt: NOW, successorId: successor.id });
      assert.deepEqual(await store().refreshTokens.getToken(successor.id), successor);

      // The successor is live: it rotates in turn.
      const third = makeToken(family.id, { createdAt: NOW + MIN });
      const again = await store().refreshTokens.rotate(successor.id, third, NOW + MIN, GRACE, NEXT_EXPIRY + MIN);
      assert.deepEqual(again, { status: 'rotated', family: { ...family, lastUsedAt: NOW + MIN, expiresAt: NEXT_EXPIRY + MIN } });
      assert.deepEqual(await store().refreshTokens.getToken(third.id), third);
    });

    it('rotate of a spent token within grace to the same successor is a retry that writes nothing', async () => {
      const { family, token } = await createFamily();
      const successor = makeToken(family.id, { createdAt: NOW });
      await store().refreshTokens.rotate(token.id, successor, NOW, GRACE, NEXT_EXPIRY);
      const familyAfter = await store().refreshTokens.getFamily(family.id);
      const tokenAfter = await store().refreshTokens.getToken(token.id);

      // Same successor id, different content and later times: none of it may be written.
      const resent = { ...successor, secretHash: 'other-hash', createdAt: NOW + GRACE };
      const retry = await store().refreshTokens.rotate(token.id, resent, NOW + GRACE, GRACE, NEXT_EXPIRY + GRACE);
      assert.deepEqual(retry, { status: 'retry', family: familyAfter });
      assert.deepEqual(await store().refreshTokens.getFamily(family.id), familyAfter);
      assert.deepEqual(await store().refreshTokens.getToken(token.id), tokenAfter);
      assert.deepEqual(await store().refreshTokens.getToken(successor.id), successor);
    });

    it('rotate of a token spent before the grace window revokes the family (reused); then all is invalid', async () => {
      const user = await ctx.createUser();
      const { family, token } = await createFamily({}, user.id);
      const successor = makeToken(family.id, { createdAt: NOW });
      await store().refreshTokens.rotate(token.id, successor, NOW, GRACE, NEXT_EXPIRY);
      const late = NOW + GRACE + 1;
      const reused = await store().refreshTokens.rotate(token.id, successor, late, GRACE, NEXT_EXPIRY);
      const revoked = { ...family, lastUsedAt: NOW, expiresAt: NEXT_EXPIRY, revokedAt: late };
      assert.deepEqual(reused, { status: 'reused', family: revoked });
      assert.deepEqual(await store().refreshTokens.getFamily(family.id), revoked);
      assert.deepEqual(await store().refreshTokens.listFamiliesByUser(user.id, late), []);

      const third = makeToken(family.id);
      assert.deepEqual(await store().refreshTokens.rotate(successor.id, third, late + 1, GRACE, NEXT_EXPIRY), { status: 'invalid' });
      assert.deepEqual(await store().refreshTokens.rotate(token.id, successor, late + 1, GRACE, NEXT_EXPIRY), { status: 'invalid' });
      assert.deepEqual(await store().refreshTokens.getToken(successor.id), successor, 'the successor stays unspent');
      assert.equal(await store().refreshTokens.getToken(third.id), null);
      assert.deepEqual(await store().refreshTokens.getFamily(family.id), revoked, 'revokedAt is set once');
    });

    it('rotate of a spent token to a different successor, even within grace, is reuse', async () => {
      const { family, token } = await createFamily();
      const successor = makeToken(family.id, { createdAt: NOW });
      await store().refreshTokens.rotate(token.id, successor, NOW, GRACE, NEXT_EXPIRY);
      const intruder = makeToken(family.id, { createdAt: NOW + 1 });
      const result = await store().refreshTokens.rotate(token.id, intruder, NOW + 1, GRACE, NEXT_EXPIRY);
      assert.equal(result.status, 'reused');
      assert.equal((await store().refreshTokens.getFamily(family.id))?.revokedAt, NOW + 1);
      assert.equal(await store().refreshTokens.getToken(intruder.id), null);
    });

    it('rotate is invalid for an unknown token and for a revoked or expired family, writing nothing', async () => {
      const lone = await createFamily();
      assert.deepEqual(await store().refreshTokens.rotate('rt_missing', makeToken(lone.family.id), NOW, GRACE, NEXT_EXPIRY), { status: 'invalid' });

      const idle = await createFamily({ expiresAt: NOW });
      // Breaks the expiresAt <= absoluteExpiresAt invariant on purpose: the absolute limit must be checked on its own.
      const absolute = await createFamily({ expiresAt: NOW + DAY, absoluteExpiresAt: NOW });
      const revoked = await createFamily({ revokedAt: NOW - MIN });
      for (const { family, token } of [idle, absolute, revoked]) {
        const successor = makeToken(family.id);
        assert.deepEqual(await store().refreshTokens.rotate(token.id, successor, NOW, GRACE, NEXT_EXPIRY), { status: 'invalid' }, family.id);
        assert.deepEqual(await store().refreshTokens.getToken(token.id), token);
        assert.deepEqual(await store().refreshTokens.getFamily(family.id), family);
        assert.equal(await store().refreshTokens.getToken(successor.id), null);
      }
    });

    it('20 concurrent rotations to one successor: exactly one rotated, 19 retries, one successor', async () => {
      const { family, token } = await createFamily();
      const successor = makeToken(family.id, { createdAt: NOW });
      const results = await Promise.all(
        Array.from({ length: 20 }, () => store().refreshTokens.rotate(token.id, structuredClone(successor), NOW, GRACE, NEXT_EXPIRY)),
      );
      assert.equal(count(results, 'rotated'), 1, statuses(results).join());
      assert.equal(count(results, 'retry'), 19, statuses(results).join());
      assert.deepEqual(await store().refreshTokens.getToken(token.id), { ...token, usedAt: NOW, successorId: successor.id });
      assert.deepEqual(await store().refreshTokens.getToken(successor.id), successor);
      assert.deepEqual(await store().refreshTokens.getFamily(family.id), { ...family, lastUsedAt: NOW, expiresAt: NEXT_EXPIRY });
    });

    it('20 concurrent rotations to different successors: exactly one rotated, the rest reuse or invalid', async () => {
      const { family, token } = await createFamily();
      const successors = Array.from({ length: 20 }, () => makeToken(family.id, { createdAt: NOW }));
      const results = await Promise.all(successors.map((s) => store().refreshTokens.rotate(token.id, s, NOW, GRACE, NEXT_EXPIRY)));
      assert.equal(count(results, 'rotated'), 1, statuses(results).join());
      assert.equal(count(results, 'retry'), 0, statuses(results).join());
      assert.ok(count(results, 'reused') >= 1, statuses(results).join());
      assert.equal(count(results, 'rotated') + count(results, 'reused') + count(results, 'invalid'), 20);

      const winner = successors[results.findIndex((r) => r.status === 'rotated')];
      assert.ok(winner);
      assert.equal((await store().refreshTokens.getToken(token.id))?.successorId, winner.id);
      for (const s of successors) {
        assert.deepEqual(await store().refreshTokens.getToken(s.id), s === winner ? winner : null);
      }
      assert.equal((await store().refreshTokens.getFamily(family.id))?.revokedAt, NOW);
    });

    it('never hands out live references', async () => {
      const { family, token } = await createFamily();
      const familySnapshot = structuredClone(family);
      const tokenSnapshot = structuredClone(token);
      family.expiresAt = 0;
      token.usedAt = 0;
      const got = await store().refreshTokens.getFamily(family.id);
      assert.ok(got);
      got.revokedAt = 1;
      const gotToken = await store().refreshTokens.getToken(token.id);
      assert.ok(gotToken);
      gotToken.usedAt = 1;
      const [listed] = await store().refreshTokens.listFamiliesByUser(family.userId, T0);
      assert.ok(listed);
      listed.revokedAt = 1;
      assert.deepEqual(await store().refreshTokens.getFamily(family.id), familySnapshot);
      assert.deepEqual(await store().refreshTokens.getToken(token.id), tokenSnapshot);

      const successor = makeToken(family.id);
      const result = await store().refreshTokens.rotate(token.id, successor, NOW, GRACE, NEXT_EXPIRY);
      assert.equal(result.status, 'rotated');
      successor.usedAt = 5;
      if (result.status === 'rotated') result.family.revokedAt = 5;
      assert.equal((await store().refreshTokens.getToken(successor.id))?.usedAt, null);
      assert.equal((await store().refreshTokens.getFamily(family.id))?.revokedAt, null);
    });

    it('listFamiliesByUser returns live families newest first, excluding revoked, expired and other users', async () => {
      const [alice, bob] = [await ctx.createUser(), await ctx.createUser()];
      const oldest = await createFamily({ createdAt: T0 }, alice.id);
      const newest = await createFamily({ createdAt: T0 + 2 * MIN }, alice.id);
      const middle = await createFamily({ createdAt: T0 + MIN }, alice.id);
      await createFamily({ createdAt: T0 + 3 * MIN, revokedAt: T0 + 4 * MIN }, alice.id);
      await createFamily({ createdAt: T0 + 4 * MIN, expiresAt: NOW }, alice.id);
      await createFamily({ createdAt: T0 + 5 * MIN, absoluteExpiresAt: NOW - 1, expiresAt: NOW - 1 }, alice.id);
      const other = await createFamily({ createdAt: T0 + 6 * MIN }, bob.id);
      assert.deepEqual(await store().refreshTokens.listFamiliesByUser(alice.id, NOW), [newest.family, middle.family, oldest.family]);
      assert.deepEqual(await store().refreshTokens.listFamiliesByUser(bob.id, NOW), [other.family]);
      assert.deepEqual(await store().refreshTokens.listFamiliesByUser('usr_missing', NOW), []);
    });

    it('revokeFamily returns true once, then false; false for an unknown id', async () => {
      const { family } = await createFamily();
      assert.equal(await store().refreshTokens.revokeFamily(family.id, NOW), true);
      assert.equal(await store().refreshTokens.revokeFamily(family.id, NOW + MIN), false);
      assert.equal(await store().refreshTokens.revokeFamily('fam_missing', NOW), false);
      assert.deepEqual(await store().refreshTokens.getFamily(family.id), { ...family, revokedAt: NOW });
    });

    it('revokeFamiliesByUser returns exactly the ids it revoked, honouring exceptId', async () => {
      const [alice, bob] = [await ctx.createUser(), await ctx.createUser()];
      const a0 = await createFamily({}, alice.id);
      const a1 = await createFamily({}, alice.id);
      const a2 = await createFamily({ revokedAt: T0 + MIN }, alice.id);
      const a3 = await createFamily({ mode: 'hybrid' }, alice.id);
      const b0 = await createFamily({}, bob.id);

      const first = await store().refreshTokens.revokeFamiliesByUser(alice.id, NOW, a1.family.id);
      assert.deepEqual([...first].sort(), [a0.family.id, a3.family.id].sort());
      assert.equal((await store().refreshTokens.getFamily(a0.family.id))?.revokedAt, NOW);
      assert.equal((await store().refreshTokens.getFamily(a1.family.id))?.revokedAt, null);
      assert.equal((await store().refreshTokens.getFamily(a2.family.id))?.revokedAt, T0 + MIN, 'already revoked: untouched');
      assert.deepEqual(await store().refreshTokens.getFamily(b0.family.id), b0.family);

      assert.deepEqual(await store().refreshTokens.revokeFamiliesByUser(alice.id, NOW + MIN), [a1.family.id]);
      assert.equal((await store().refreshTokens.getFamily(a0.family.id))?.revokedAt, NOW);
      assert.deepEqual(await store().refreshTokens.revokeFamiliesByUser(alice.id, NOW + 2 * MIN), []);
      assert.deepEqual(await store().refreshTokens.revokeFamiliesByUser('usr_missing', NOW), []);
    });

    it('deleteExpired removes expired families with their tokens, keeping revoked-but-unexpired ones', async () => {
      const user = await ctx.createUser();
      const live = await createFamily({}, user.id);
      const idle = await createFamily({ expiresAt: NOW }, user.id);
      const absolute = await createFamily({ expiresAt: NOW - 1, absoluteExpiresAt: NOW - 1 }, user.id);
      const revoked = await createFamily({ revokedAt: T0 + MIN }, user.id);
      const idleNext = makeToken(idle.family.id, { createdAt: T0 + MIN });
      assert.equal((await store().refreshTokens.rotate(idle.token.id, idleNext, T0 + MIN, GRACE, NOW)).status, 'rotated');

      assert.equal(await store().refreshTokens.deleteExpired(NOW), 2);
      for (const { family, token } of [idle, absolute]) {
        assert.equal(await store().refreshTokens.getFamily(family.id), null);
        assert.equal(await store().refreshTokens.getToken(token.id), null);
      }
      assert.equal(await store().refreshTokens.getToken(idleNext.id), null);
      for (const { family, token } of [live, revoked]) {
        assert.deepEqual(await store().refreshTokens.getFamily(family.id), family);
        assert.deepEqual(await store().refreshTokens.getToken(token.id), token);
      }
      assert.equal(await store().refreshTokens.deleteExpired(NOW), 0);
    });
  });

  describe('revocations', () => {
    const rev = (kind: RevocationRecord['kind'], subject: string, revokedAt: number, expiresAt: number): RevocationRecord => ({
      kind, subject, revokedAt, expiresAt,
    });

    it('lists revocations with expiresAt > now', async () => {
      const now = T0 + 10 * MIN;
      const jti = rev('jti', 'jti_1', T0, now + 1);
      const sid = rev('sid', 'fam_1', T0, now + MIN);
      const user = rev('user', 'usr_1', T0 + MIN, now + DAY);
      const sameSubject = rev('sid', 'jti_1', T0, now + MIN); // kinds keep subjects apart
      const expired = rev('jti', 'jti_2', T0, now);
      for (const r of [jti, sid, user, sameSubject, expired]) await store().revocations.add(r);
      assert.deepEqual((await store().revocations.list(now)).sort(byKindSubject), [jti, sameSubject, sid, user].sort(byKindSubject));
      assert.deepEqual(await store().revocations.list(now + DAY), []);
    });

    it('add upserts by (kind, subject), keeping the later revokedAt and the later expiresAt', async () => {
      await store().revocations.add(rev('user', 'usr_1', T0 + 5, T0 + 100));
      await store().revocations.add(rev('user', 'usr_1', T0 + 3, T0 + 200));
      assert.deepEqual(await store().revocations.list(T0), [rev('user', 'usr_1', T0 + 5, T0 + 200)]);
      await store().revocations.add(rev('user', 'usr_1', T0 + 9, T0 + 50));
      assert.deepEqual(await store().revocations.list(T0), [rev('user', 'usr_1', T0 + 9, T0 + 200)]);
    });

    it('never hands out live references', async () => {
      const input = rev('jti', 'jti_1', T0, T0 + DAY);
      await store().revocations.add(input);
      input.expiresAt = 0;
      const [listed] = await store().revocations.list(T0);
      assert.ok(listed);
      listed.revokedAt = 0;
      assert.deepEqual(await store().revocations.list(T0), [rev('jti', 'jti_1', T0, T0 + DAY)]);
    });

    it('changes: every live one for a null cursor, then what was added or changed since (repeats allowed), never a miss', async () => {
      const now = T0 + 10 * MIN;
      const revocations = () => store().revocations;
      const has = (changes: { revocations: RevocationRecord[] }, r: RevocationRecord) => changes.revocations.some((x) => isDeepStrictEqual(x, r));
      const a = rev('jti', 'jti_a', T0, now + MIN);
      for (const r of [a, rev('jti', 'expired', T0, now)]) await revocations().add(r);
      const first = await revocations().changes(null, now);
      assert.deepEqual(first.revocations, [a]);
      assert.ok(Number.isFinite(first.cursor));

      const b = rev('sid', 'fam_b', T0 + 1, now + MIN);
      const widened = rev('jti', 'jti_a', T0, now + DAY); // a changed: a later expiry
      for (const r of [b, widened, rev('user', 'gone', T0, now - 1)]) await revocations().add(r);
      const second = await revocations().changes(first.cursor, now);
      assert.ok(has(second, b), 'an added one');
      assert.ok(has(second, widened), 'a changed one, as it is now');
      assert.ok(second.revocations.every((r) => r.expiresAt > now), 'live ones only');
      assert.deepEqual(second.revocations.filter((r) => r.subject === 'jti_a'), [widened], 'never as it was');

      // Adds racing a read land in it or in the next one.
      const racing = Array.from({ length: 20 }, (_, i) => rev('jti', `race_${i}`, T0, now + DAY));
      const [during] = await Promise.all([revocations().changes(second.cursor, now), ...racing.map((r) => revocations().add(r))]);
      const next = await revocations().changes(during.cursor, now);
      for (const r of racing) assert.ok(has(during, r) || has(next, r), r.subject);
      assert.deepEqual((await revocations().changes(null, now)).revocations.sort(byKindSubject), (await revocations().list(now)).sort(byKindSubject));
      assert.deepEqual((await revocations().changes(null, now + 2 * DAY)).revocations, []);
    });

    it('deleteExpired removes revocations with expiresAt <= now only', async () => {
      const now = T0 + 10 * MIN;
      const kept = rev('sid', 'fam_1', T0, now + 1);
      for (const r of [rev('jti', 'a', T0, now), rev('jti', 'b', T0, now - 1), kept]) await store().revocations.add(r);
      assert.equal(await store().revocations.deleteExpired(now), 2);
      assert.deepEqual(await store().revocations.list(T0), [kept]);
      assert.equal(await store().revocations.deleteExpired(now), 0);
    });
  });
}
