// Owns the conformance tests of AuditStore: rows round-trip, newest first by (at, id) in byte order, keyset
// pages that appends made meanwhile never shift, one user's rows apart from another's (and rows that outlive
// their user), every row for administrators, and retention by age.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuditPosition, AuditRecord } from '../../core/store.js';
import { DAY, MIN, NESTED, T0, type ConformanceContext } from './fixtures.js';

let seq = 0;

/** A row with an id of the engine's form (32 hex digits), unique across the suite. */
function makeAudit(overrides: Partial<AuditRecord> = {}): AuditRecord {
  const n = ++seq;
  return {
    id: n.toString(16).padStart(32, '0'), at: T0, type: 'login.succeeded', userId: 'usr_audit', sessionId: `ses_${n}`,
    ip: '203.0.113.7', userAgent: 'Mozilla/5.0 (conformance)', details: { mode: 'session' }, ...overrides,
  };
}

/** Newest first: at descending, then id descending in byte order (what the contract promises). */
const newestFirst = (a: AuditPosition, b: AuditPosition) => b.at - a.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
const ids = (records: AuditRecord[]) => records.map((r) => r.id);

/** The AuditStore tests, each on the fresh store of `ctx`. */
export function describeAuditConformance(ctx: ConformanceContext): void {
  const audit = () => ctx.store().audit;

  /** Every page of `list`, `limit` at a time, each asked after the last record of the one before. */
  async function allPages(list: (after: AuditPosition | null) => Promise<AuditRecord[]>, limit: number, between?: () => Promise<void>) {
    const seen: AuditRecord[] = [];
    for (let after: AuditPosition | null = null; ;) {
      const page = await list(after);
      assert.ok(page.length <= limit, `a page holds at most ${limit}`);
      seen.push(...page);
      const last = page.at(-1);
      if (page.length < limit || !last) return seen;
      after = { at: last.at, id: last.id };
      await between?.();
    }
  }

  describe('audit', () => {
    it('appends rows and lists a user\'s newest first, every field as it was', async () => {
      const user = await ctx.createUser();
      const plain = makeAudit({ userId: user.id, at: T0 });
      const bare = makeAudit({ userId: user.id, at: T0 + MIN, sessionId: null, ip: null, userAgent: null, details: {} });
      const rich = makeAudit({ userId: user.id, at: T0 + 2 * MIN, type: 'sessions.revoked_all', ip: '2001:db8::1', userAgent: 'Ünïcode ✓ agent', details: NESTED });
      for (const r of [plain, rich, bare]) await audit().append(r);
      assert.deepEqual(await audit().listByUser(user.id, { limit: 10 }), [rich, bare, plain]);
      assert.deepEqual(await audit().listByUser(user.id, { limit: 10, after: null }), [rich, bare, plain]);
      assert.deepEqual(await audit().listByUser(user.id, { limit: 2 }), [rich, bare]);
    });

    it('orders rows of one instant by id in byte order (digits, upper case, underscore, lower case)', async () => {
      const rows = ['x0', 'xA', 'x_', 'xa', 'xB', 'xb'].map((id) => makeAudit({ id, at: T0 }));
      for (const r of rows) await audit().append(r);
      const listed = await audit().listByUser('usr_audit', { limit: 10 });
      assert.deepEqual(ids(listed.filter((r) => r.id.startsWith('x'))), ['xb', 'xa', 'x_', 'xB', 'xA', 'x0']);
      const after = await audit().listByUser('usr_audit', { limit: 10, after: { at: T0, id: 'xB' } });
      assert.deepEqual(ids(after.filter((r) => r.id.startsWith('x'))), ['xA', 'x0']);
    });

    it('keeps each user\'s rows apart; rows of no user, or of a user who no longer exists, are kept', async () => {
      const [alice, bob] = [await ctx.createUser(), await ctx.createUser()];
      const a = makeAudit({ userId: alice.id, at: T0 + 1 });
      const b = makeAudit({ userId: bob.id, at: T0 + 2 });
      const nobody = makeAudit({ userId: null, type: 'login.failed', sessionId: null, details: { reason: 'invalid_credentials' }, at: T0 + 3 });
      const gone = makeAudit({ userId: 'usr_deleted_long_ago', at: T0 + 4 }); // no foreign key: the trail outlives the account
      for (const r of [a, b, nobody, gone]) await audit().append(r);
      assert.deepEqual(await audit().listByUser(alice.id, { limit: 10 }), [a]);
      assert.deepEqual(await audit().listByUser(bob.id, { limit: 10 }), [b]);
      assert.deepEqual(await audit().listByUser('usr_deleted_long_ago', { limit: 10 }), [gone]);
      assert.deepEqual(await audit().listByUser('usr_unknown', { limit: 10 }), []);
      assert.deepEqual(await audit().listAll({ limit: 10 }), [gone, nobody, b, a]);
    });

    it('pages by keyset: the pages are the whole list once, and rows appended while paging shift none', async () => {
      const user = await ctx.createUser();
      const other = await ctx.createUser();
      // 23 rows over 5 instants (ties included), another user's rows in between.
      const rows = Array.from({ length: 23 }, (_, i) => makeAudit({ userId: user.id, at: T0 + (i % 5) * MIN }));
      for (const r of rows) {
        await audit().append(r);
        await audit().append(makeAudit({ userId: other.id, at: r.at }));
      }
      const expected = ids([...rows].sort(newestFirst));
      assert.deepEqual(ids(await allPages((after) => audit().listByUser(user.id, { limit: 5, after }), 5)), expected);

      // Newer rows appended between pages and while a page is read: each later page goes on where the last ended.
      let n = 0;
      const newer = () => makeAudit({ userId: user.id, at: T0 + DAY + ++n });
      const paged = await allPages(
        async (after) => {
          const [page] = await Promise.all([audit().listByUser(user.id, { limit: 5, after }), audit().append(newer())]);
          return page;
        },
        5,
        () => audit().append(newer()),
      );
      const original = paged.filter((r) => r.at < T0 + DAY);
      assert.deepEqual(ids(original), expected, 'every original row once, in order');
      assert.equal(new Set(ids(paged)).size, paged.length, 'no row twice');
      assert.ok(paged.filter((r) => r.at >= T0 + DAY).length <= 1, 'only the first page may see a newer row');
    });

    it('listAll lists every user\'s rows in the same order, paged the same way', async () => {
      const [alice, bob] = [await ctx.createUser(), await ctx.createUser()];
      const rows = Array.from({ length: 12 }, (_, i) => makeAudit({ userId: i % 3 === 2 ? null : i % 2 ? alice.id : bob.id, at: T0 + (i % 4) }));
      for (const r of rows) await audit().append(r);
      assert.deepEqual(ids(await allPages((after) => audit().listAll({ limit: 5, after }), 5)), ids([...rows].sort(newestFirst)));
    });

    it('deleteOlderThan removes the rows with at < before, every user\'s, and counts them', async () => {
      const [alice, bob] = [await ctx.createUser(), await ctx.createUser()];
      const old = [makeAudit({ userId: alice.id, at: T0 - DAY }), makeAudit({ userId: bob.id, at: T0 - 1 }), makeAudit({ userId: null, at: T0 - 2 })];
      const kept = [makeAudit({ userId: alice.id, at: T0 }), makeAudit({ userId: bob.id, at: T0 + 1 })];
      for (const r of [...old, ...kept]) await audit().append(r);
      assert.equal(await audit().deleteOlderThan(T0), 3);
      assert.deepEqual(await audit().listAll({ limit: 10 }), [kept[1], kept[0]]);
      assert.deepEqual(await audit().listByUser(alice.id, { limit: 10 }), [kept[0]]);
      assert.equal(await audit().deleteOlderThan(T0), 0);
    });

    it('forgetUser clears the ip and user agent of that user\'s rows only, keeping everything else', async () => {
      const [alice, bob] = [await ctx.createUser(), await ctx.createUser()];
      const rows = [makeAudit({ userId: alice.id }), makeAudit({ userId: alice.id, at: T0 + 1, ip: null }), makeAudit({ userId: bob.id }), makeAudit({ userId: null })];
      for (const r of rows) await audit().append(r);
      assert.equal(await audit().forgetUser(alice.id), 2);
      assert.deepEqual(await audit().listByUser(alice.id, { limit: 10 }), [
        { ...rows[1], ip: null, userAgent: null },
        { ...rows[0], ip: null, userAgent: null },
      ]);
      assert.deepEqual(await audit().listByUser(bob.id, { limit: 10 }), [rows[2]]);
      assert.equal((await audit().listAll({ limit: 10 })).find((r) => r.userId === null)?.ip, '203.0.113.7');
      assert.equal(await audit().forgetUser(alice.id), 0);
    });

    it('refuses a repeated id, keeping the first row', async () => {
      const first = makeAudit();
      await audit().append(first);
      await assert.rejects(audit().append({ ...first, type: 'logout' }));
      assert.deepEqual(await audit().listAll({ limit: 10 }), [first]);
    });

    it('never hands out live references', async () => {
      const input = makeAudit({ details: { mode: 'token' } });
      const stored = structuredClone(input);
      await audit().append(input);
      input.details['mode'] = 'changed';
      input.at = 0;
      const [listed] = await audit().listAll({ limit: 1 });
      assert.ok(listed);
      listed.details['mode'] = 'changed too';
      assert.deepEqual(await audit().listAll({ limit: 1 }), [stored]);
    });
  });
}
