// Owns the conformance tests of RevocationStore: live revocations listed, upserts keeping the later times,
// the `changes` feed never missing one (racing adds included), and expiry.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import type { RevocationRecord } from '../../core/store.js';
import { DAY, MIN, T0, type ConformanceContext } from './fixtures.js';

const byKindSubject = (a: RevocationRecord, b: RevocationRecord) =>
  `${a.kind}:${a.subject}` < `${b.kind}:${b.subject}` ? -1 : `${a.kind}:${a.subject}` > `${b.kind}:${b.subject}` ? 1 : 0;

/** The RevocationStore tests, each on the fresh store of `ctx`. */
export function describeRevocationConformance(ctx: ConformanceContext): void {
  const store = () => ctx.store();

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
