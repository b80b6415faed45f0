// Owns the conformance tests of RefreshTokenStore: families and their tokens, rotation (retry within the
// grace window, reuse revoking the family, exactly one winner among concurrent rotations), the proof
// (step-up), revocation and expiry. The contracts themselves are the doc comments in core/store.ts.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RefreshFamilyRecord, RefreshTokenRecord, RotateResult } from '../../core/store.js';
import { DAY, makeFamily, makeToken, MIN, T0, type ConformanceContext } from './fixtures.js';

const GRACE = 30_000;
const statuses = (results: RotateResult[]) => results.map((r) => r.status);
const count = (results: RotateResult[], status: RotateResult['status']) => results.filter((r) => r.status === status).length;

/** The RefreshTokenStore tests, each on the fresh store of `ctx`. */
export function describeRefreshTokenConformance(ctx: ConformanceContext): void {
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

    it('setFamilyProof replaces only the proof, which rotation keeps; false for unknown, revoked or expired families', async () => {
      const { family, token } = await createFamily({ authTime: T0 - MIN, amr: ['pwd'] });
      assert.equal(await store().refreshTokens.setFamilyProof(family.id, NOW, ['pwd', 'otp'], NOW), true);
      const proven = { ...family, authTime: NOW, amr: ['pwd', 'otp'] as RefreshFamilyRecord['amr'] };
      assert.deepEqual(await store().refreshTokens.getFamily(family.id), proven);
      const successor = makeToken(family.id, { createdAt: NOW + MIN });
      const rotated = await store().refreshTokens.rotate(token.id, successor, NOW + MIN, GRACE, NEXT_EXPIRY);
      assert.deepEqual(rotated, { status: 'rotated', family: { ...proven, lastUsedAt: NOW + MIN, expiresAt: NEXT_EXPIRY } });
      assert.deepEqual((await store().refreshTokens.listFamiliesByUser(family.userId, NOW))[0]?.amr, ['pwd', 'otp']);

      assert.equal(await store().refreshTokens.setFamilyProof('fam_missing', NOW, ['pwd'], NOW), false);
      const revoked = await createFamily({ revokedAt: T0 + MIN });
      assert.equal(await store().refreshTokens.setFamilyProof(revoked.family.id, NOW, ['pwd'], NOW), false);
      assert.deepEqual(await store().refreshTokens.getFamily(revoked.family.id), revoked.family);
      const idle = await createFamily({ expiresAt: NOW });
      assert.equal(await store().refreshTokens.setFamilyProof(idle.family.id, NOW, ['pwd'], NOW), false);
      const ended = await createFamily({ absoluteExpiresAt: NOW - 1 });
      assert.equal(await store().refreshTokens.setFamilyProof(ended.family.id, NOW, ['pwd'], NOW), false);
      assert.deepEqual(await store().refreshTokens.getFamily(idle.family.id), idle.family);
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
}
