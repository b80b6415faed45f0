// Owns the store conformance suite: the executable form of the contracts in core/store.ts. Every backend
// (built-in or third-party, via `gatehouse/testing`) runs it; each test gets a fresh store.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Store, UserRecord } from '../../core/store.js';
import { describeAuditConformance } from './audit.js';
import { makeUser, type ConformanceContext } from './fixtures.js';
import { describeKeyConformance } from './keys.js';
import { describeMfaConformance } from './mfa.js';
import { describeOneTimeTokenConformance } from './one-time-tokens.js';
import { describePasskeyConformance } from './passkeys.js';
import { describeRateLimitConformance } from './rate-limits.js';
import { describeRefreshTokenConformance } from './refresh-tokens.js';
import { describeRevocationConformance } from './revocations.js';
import { describeSessionConformance } from './sessions.js';
import { describeUserConformance } from './users.js';

export interface ConformanceStoreHandle {
  store: Store;
  /** Runs after the store is closed (e.g. removes a temp directory). */
  cleanup?: () => Promise<void>;
}

export function runStoreConformance(name: string, makeStore: () => Promise<ConformanceStoreHandle>): void {
  describe(`store conformance: ${name}`, () => {
    let handle: ConformanceStoreHandle;
    let store: Store;
    let closed = false;

    beforeEach(async () => {
      handle = await makeStore();
      store = handle.store;
      closed = false;
    });
    afterEach(async () => {
      if (!closed) await store.close();
      await handle.cleanup?.();
    });

    async function createUser(overrides: Partial<UserRecord> = {}): Promise<UserRecord> {
      const user = await store.users.create(makeUser(overrides));
      assert.ok(user, 'user should be created');
      return user;
    }

    const ctx: ConformanceContext = { store: () => store, createUser };
    describeUserConformance(ctx);
    describeSessionConformance(ctx);
    describeRateLimitConformance(ctx);
    describeKeyConformance(ctx);
    describeRefreshTokenConformance(ctx);
    describeRevocationConformance(ctx);
    describeAuditConformance(ctx);
    describeOneTimeTokenConformance(ctx);
    describeMfaConformance(ctx);
    describePasskeyConformance(ctx);

    describe('lifecycle', () => {
      it('has a kind', () => {
        assert.equal(typeof store.kind, 'string');
        assert.ok(store.kind.length > 0);
      });

      it('ping resolves', async () => {
        await store.ping();
      });

      it('close resolves', async () => {
        closed = true;
        await store.close();
      });
    });
  });
}
