// Owns the in-memory store (`gatehouse/stores/memory`): one Map-backed store per contract (a file each
// beside this one), assembled into a Store for tests and single-process development. Nothing is persisted.

import type { Store } from '../../core/store.js';
import { createAuditStore } from './audit.js';
import { createKeyStore } from './keys.js';
import { createMfaStore } from './mfa.js';
import { createOneTimeTokenStore } from './one-time-tokens.js';
import { createPasskeyStore } from './passkeys.js';
import { createRateLimitStore } from './rate-limits.js';
import { createRefreshTokenStore } from './refresh-tokens.js';
import { createRevocationStore } from './revocations.js';
import { createSessionStore } from './sessions.js';
import { createUserStore } from './users.js';

export function createMemoryStore(): Store {
  return {
    kind: 'memory',
    ephemeral: true,
    users: createUserStore(),
    sessions: createSessionStore(),
    rateLimits: createRateLimitStore(),
    keys: createKeyStore(),
    refreshTokens: createRefreshTokenStore(),
    revocations: createRevocationStore(),
    audit: createAuditStore(),
    oneTimeTokens: createOneTimeTokenStore(),
    mfa: createMfaStore(),
    passkeys: createPasskeyStore(),
    async ping() {},
    async close() {},
  };
}
