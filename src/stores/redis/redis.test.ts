// Owns the Redis backend's tests: the shared conformance suite on a memory store with sessions, refresh
// families and rate limits moved to Redis (each test under its own key prefix on GATEHOUSE_TEST_REDIS_URL,
// skipped, saying so, when it is unset), and the revocation bus between two backends.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RevocationRecord } from '../../core/store.js';
import { runStoreConformance } from '../../testing/conformance/index.js';
import { until } from '../../../test/kit.js';
import { REDIS_URL, SKIP_REDIS, describeOrSkip, dropPrefix, uniqueName } from '../../../test/support-services.js';
import { createMemoryStore } from '../memory/index.js';
import { createRedisBackend, withRedis, type RedisBackend } from './index.js';

if (SKIP_REDIS) {
  describeOrSkip('redis backend', SKIP_REDIS, () => {});
} else {
  const url = REDIS_URL!;
  runStoreConformance('memory+redis', async () => {
    const prefix = `${uniqueName('ghconf')}:`;
    const store = withRedis(createMemoryStore(), await createRedisBackend({ url, prefix }));
    return { store, cleanup: () => dropPrefix(url, prefix) };
  });

  describe('redis backend', () => {
    it('refuses a key prefix that would move the hash tag', async () => {
      await assert.rejects(createRedisBackend({ url, prefix: 'a{b}:' }), /key prefix/);
    });

    it('reads a session and a family stored before step-up (no pt/pm) as proven by password at their creation', async () => {
      const prefix = `${uniqueName('ghproof')}:`;
      const backend = await createRedisBackend({ url, prefix });
      try {
        const store = withRedis(createMemoryStore(), backend);
        const T0 = Date.UTC(2026, 0, 1);
        const session = { id: 's1', secretHash: 'h', userId: 'u1', createdAt: T0, lastActiveAt: T0, expiresAt: T0 + 60_000, absoluteExpiresAt: T0 + 120_000, userAgent: null, ip: null, data: null, authTime: T0 + 5, amr: ['otp' as const] };
        await store.sessions.create(session);
        const family = { id: 'f1', userId: 'u1', mode: 'token' as const, createdAt: T0, lastUsedAt: T0, expiresAt: T0 + 60_000, absoluteExpiresAt: T0 + 120_000, revokedAt: null, userAgent: null, ip: null, authTime: T0 + 5, amr: ['hwk' as const] };
        await store.refreshTokens.createFamily(family, { id: 't1', familyId: 'f1', secretHash: 'h', createdAt: T0, usedAt: null, successorId: null });
        // What an older version wrote: the same hashes without the proof's fields.
        await backend.client.hdel(`${prefix}{s:s1}`, 'pt', 'pm');
        await backend.client.hdel(`${prefix}{f:f1}`, 'pt', 'pm');
        assert.deepEqual(await store.sessions.get('s1'), { ...session, authTime: T0, amr: ['pwd'] });
        assert.deepEqual(await store.refreshTokens.getFamily('f1'), { ...family, authTime: T0, amr: ['pwd'] });
        assert.equal(await store.sessions.setProof('s1', T0 + 9, ['pwd', 'otp']), true);
        assert.deepEqual((await store.sessions.get('s1'))?.amr, ['pwd', 'otp']);
      } finally {
        await backend.close();
        await dropPrefix(url, prefix);
      }
    });

    it('fails fast, not hanging, when the server cannot be reached', async () => {
      const started = Date.now();
      await assert.rejects(createRedisBackend({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 500 }));
      assert.ok(Date.now() - started < 3000);
    });

    describe('revocation bus', () => {
      const prefix = `${uniqueName('ghbus')}:`;
      let a: RedisBackend;
      let b: RedisBackend;
      before(async () => {
        a = await createRedisBackend({ url, prefix });
        b = await createRedisBackend({ url, prefix });
      });
      after(async () => {
        await Promise.all([a.close(), b.close()]);
        await dropPrefix(url, prefix);
      });

      it('delivers what one instance publishes to the others, not back to itself, and reports liveness', async () => {
        const seenA: RevocationRecord[] = [];
        const seenB: RevocationRecord[] = [];
        let liveB = false;
        const ha = a.revocationBus.start({ revocation: (r) => seenA.push(r), live: () => {} });
        const hb = b.revocationBus.start({ revocation: (r) => seenB.push(r), live: (up) => (liveB = up) });
        await until('instance B to be live', () => liveB);
        await new Promise((resolve) => setTimeout(resolve, 50)); // a's subscription too
        const revocation: RevocationRecord = { kind: 'sid', subject: 'fam_1', revokedAt: 1, expiresAt: 2 };
        await a.revocationBus.publish(revocation);
        await until('B to receive the revocation', () => seenB.length === 1);
        assert.deepEqual(seenB, [revocation]);
        assert.deepEqual(seenA, []);
        await hb.stop();
        await until('B to notice the drop', () => !liveB);
        await ha.stop();
      });

      it('ignores malformed messages on the channel', async () => {
        const seen: RevocationRecord[] = [];
        let live = false;
        const handle = b.revocationBus.start({ revocation: (r) => seen.push(r), live: (up) => (live = up) });
        await until('the bus to be live', () => live);
        await a.client.publish(`${prefix}revocations`, 'not json');
        await a.client.publish(`${prefix}revocations`, JSON.stringify({ o: 'x', r: { kind: 'everything', subject: 'u', revokedAt: 1, expiresAt: 2 } }));
        await a.client.publish(`${prefix}revocations`, JSON.stringify({ o: 'x', r: { kind: 'jti', subject: 'j', revokedAt: 1, expiresAt: 2 } }));
        await until('the revocation to arrive', () => seen.length === 1);
        assert.equal(seen[0]!.subject, 'j');
        await handle.stop();
      });
    });
  });
}
