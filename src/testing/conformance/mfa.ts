// Owns the conformance tests of MfaStore (second factors, SPEC §6): a pending TOTP factor replaced by a new
// setup but never one that is on, enabling as one guarded step with the recovery codes, the time step's
// compare-and-set (a replay or an earlier step refused, one winner of concurrent uses), recovery codes used
// once, the login challenge's counted attempts (never more than the maximum, however many race), and removal.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MfaChallengeRecord, TotpFactorRecord } from '../../core/store.js';
import { MIN, T0, type ConformanceContext } from './fixtures.js';

let seq = 0;

function pending(userId: string, overrides: Partial<TotpFactorRecord> = {}): TotpFactorRecord {
  return { userId, secretSealed: `sealed_${++seq}`, createdAt: T0, enabledAt: null, lastUsedStep: null, ...overrides };
}

function challenge(userId: string, overrides: Partial<MfaChallengeRecord> = {}): MfaChallengeRecord {
  const n = ++seq;
  return { id: `mfa_${n}`, secretHash: `mfahash_${n}`, userId, mode: 'hybrid', attempts: 0, createdAt: T0, expiresAt: T0 + 5 * MIN, ...overrides };
}

const STEP = 56_666_666;
const CODES = ['h1', 'h2', 'h3'];

export function describeMfaConformance(ctx: ConformanceContext): void {
  const mfa = () => ctx.store().mfa;

  /** A user with a TOTP factor on (last used step STEP) and recovery codes CODES. */
  async function enabledUser() {
    const user = await ctx.createUser();
    const factor = pending(user.id);
    assert.equal(await mfa().setPendingTotp(factor), true);
    assert.equal(await mfa().enableTotp(user.id, factor.secretSealed, STEP, T0 + MIN, CODES), true);
    return { user, factor };
  }

  describe('mfa: TOTP factors', () => {
    it('stores a pending factor with every field, and a new setup replaces it', async () => {
      const user = await ctx.createUser();
      assert.equal(await mfa().getTotp(user.id), null);
      const first = pending(user.id);
      assert.equal(await mfa().setPendingTotp(first), true);
      assert.deepEqual(await mfa().getTotp(user.id), first);
      const second = pending(user.id, { createdAt: T0 + MIN });
      assert.equal(await mfa().setPendingTotp(second), true);
      assert.deepEqual(await mfa().getTotp(user.id), second);
    });

    it('enables only the pending factor of the same secret, once, recording the step; a factor on is never replaced', async () => {
      const user = await ctx.createUser();
      const factor = pending(user.id);
      await mfa().setPendingTotp(factor);
      assert.equal(await mfa().enableTotp(user.id, 'sealed_other', STEP, T0 + MIN, CODES), false);
      assert.equal(await mfa().enableTotp(user.id, factor.secretSealed, STEP, T0 + MIN, CODES), true);
      assert.equal(await mfa().enableTotp(user.id, factor.secretSealed, STEP + 1, T0 + 2 * MIN, ['x']), false);
      assert.deepEqual(await mfa().getTotp(user.id), { ...factor, enabledAt: T0 + MIN, lastUsedStep: STEP });
      assert.equal(await mfa().countRecoveryCodes(user.id), 3);
      assert.equal(await mfa().setPendingTotp(pending(user.id)), false);
      assert.deepEqual((await mfa().getTotp(user.id))?.secretSealed, factor.secretSealed);
      assert.equal(await mfa().enableTotp('usr_missing', factor.secretSealed, STEP, T0, CODES), false);
    });

    it('lets exactly one of 10 concurrent enables win', async () => {
      const user = await ctx.createUser();
      const factor = pending(user.id);
      await mfa().setPendingTotp(factor);
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => mfa().enableTotp(user.id, factor.secretSealed, STEP + i, T0, [`c${i}`])));
      assert.equal(results.filter(Boolean).length, 1);
      assert.equal(await mfa().countRecoveryCodes(user.id), 1);
    });

    it('accepts a time step once and only a later one after it; nothing for a pending or missing factor', async () => {
      const { user } = await enabledUser();
      assert.equal(await mfa().useTotpStep(user.id, STEP), false, 'the enabling step is used');
      assert.equal(await mfa().useTotpStep(user.id, STEP - 1), false, 'an earlier step');
      assert.equal(await mfa().useTotpStep(user.id, STEP + 1), true);
      assert.equal(await mfa().useTotpStep(user.id, STEP + 1), false, 'a replay');
      assert.equal(await mfa().useTotpStep(user.id, STEP + 3), true);
      assert.equal((await mfa().getTotp(user.id))?.lastUsedStep, STEP + 3);
      const other = await ctx.createUser();
      await mfa().setPendingTotp(pending(other.id));
      assert.equal(await mfa().useTotpStep(other.id, STEP), false, 'pending');
      assert.equal(await mfa().useTotpStep('usr_missing', STEP), false);
    });

    it('lets exactly one of 10 concurrent uses of one step win', async () => {
      const { user } = await enabledUser();
      const results = await Promise.all(Array.from({ length: 10 }, () => mfa().useTotpStep(user.id, STEP + 1)));
      assert.equal(results.filter(Boolean).length, 1);
    });
  });

  describe('mfa: recovery codes', () => {
    it('uses each code once, of its own user only, and counts what is left', async () => {
      const { user } = await enabledUser();
      const other = await ctx.createUser();
      assert.equal(await mfa().useRecoveryCode(other.id, 'h1'), false);
      assert.equal(await mfa().useRecoveryCode(user.id, 'h1'), true);
      assert.equal(await mfa().useRecoveryCode(user.id, 'h1'), false);
      assert.equal(await mfa().useRecoveryCode(user.id, 'nope'), false);
      assert.equal(await mfa().countRecoveryCodes(user.id), 2);
      assert.equal(await mfa().countRecoveryCodes(other.id), 0);
    });

    it('lets exactly one of 10 concurrent uses of one code win', async () => {
      const { user } = await enabledUser();
      const results = await Promise.all(Array.from({ length: 10 }, () => mfa().useRecoveryCode(user.id, 'h2')));
      assert.equal(results.filter(Boolean).length, 1);
    });
  });

  describe('mfa: login challenges', () => {
    it('counts attempts up to the maximum, then refuses; consume takes it once', async () => {
      const user = await ctx.createUser();
      const record = challenge(user.id);
      await mfa().createChallenge(record);
      for (let attempt = 1; attempt <= 3; attempt++) {
        assert.deepEqual(await mfa().claimChallengeAttempt(record.id, 3, T0 + MIN), { ...record, attempts: attempt });
      }
      assert.equal(await mfa().claimChallengeAttempt(record.id, 3, T0 + MIN), null);
      assert.deepEqual(await mfa().consumeChallenge(record.id), { ...record, attempts: 3 });
      assert.equal(await mfa().consumeChallenge(record.id), null);
      assert.equal(await mfa().claimChallengeAttempt('mfa_missing', 3, T0), null);
    });

    it('refuses an attempt on an expired challenge; deleteExpiredChallenges removes only the expired', async () => {
      const user = await ctx.createUser();
      const old = challenge(user.id, { expiresAt: T0 + MIN });
      const fresh = challenge(user.id, { expiresAt: T0 + 10 * MIN });
      await mfa().createChallenge(old);
      await mfa().createChallenge(fresh);
      assert.equal(await mfa().claimChallengeAttempt(old.id, 5, T0 + MIN), null);
      assert.equal(await mfa().deleteExpiredChallenges(T0 + MIN), 1);
      assert.equal(await mfa().consumeChallenge(old.id), null);
      assert.deepEqual(await mfa().consumeChallenge(fresh.id), fresh);
    });

    it('gives no more attempts than are left to 20 concurrent claims, and one consume of 10 wins', async () => {
      const user = await ctx.createUser();
      const record = challenge(user.id, { attempts: 1 });
      await mfa().createChallenge(record);
      const claims = await Promise.all(Array.from({ length: 20 }, () => mfa().claimChallengeAttempt(record.id, 5, T0)));
      assert.deepEqual(claims.flatMap((c) => (c ? [c.attempts] : [])).sort(), [2, 3, 4, 5]);
      const consumed = await Promise.all(Array.from({ length: 10 }, () => mfa().consumeChallenge(record.id)));
      assert.equal(consumed.filter((c) => c !== null).length, 1);
    });
  });

  describe('mfa: removal', () => {
    it('deleteByUser removes the factor, its codes and the waiting logins of that user only', async () => {
      const { user } = await enabledUser();
      const { user: other } = await enabledUser();
      const mine = challenge(user.id);
      const theirs = challenge(other.id);
      await mfa().createChallenge(mine);
      await mfa().createChallenge(theirs);
      assert.equal(await mfa().deleteByUser(user.id), true);
      assert.equal(await mfa().getTotp(user.id), null);
      assert.equal(await mfa().countRecoveryCodes(user.id), 0);
      assert.equal(await mfa().useRecoveryCode(user.id, 'h3'), false);
      assert.equal(await mfa().consumeChallenge(mine.id), null);
      assert.equal(await mfa().deleteByUser(user.id), false);
      assert.ok(await mfa().getTotp(other.id));
      assert.equal(await mfa().countRecoveryCodes(other.id), 3);
      assert.deepEqual(await mfa().consumeChallenge(theirs.id), theirs);
    });

    it('a user deleted after its factors are (as the engine does) leaves nothing behind', async () => {
      const { user } = await enabledUser();
      await mfa().createChallenge(challenge(user.id));
      await mfa().deleteByUser(user.id);
      assert.equal(await ctx.store().users.delete(user.id), true);
      assert.equal(await mfa().getTotp(user.id), null);
    });
  });
}
