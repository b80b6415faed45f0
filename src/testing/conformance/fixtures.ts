// Owns what every part of the store conformance suite shares: the context a part is handed (the current
// test's fresh store, a way to make a user), the fixed instant the records are built around, and the builders
// of valid records, each with unique ids.

import type {
  JsonObject,
  OneTimeTokenRecord,
  RefreshFamilyRecord,
  RefreshTokenRecord,
  SessionRecord,
  SigningKeyRecord,
  Store,
  UserRecord,
} from '../../core/store.js';

export interface ConformanceContext {
  /** The current test's fresh store. */
  store(): Store;
  /** A user created in that store. */
  createUser(overrides?: Partial<UserRecord>): Promise<UserRecord>;
}

export const T0 = 1_700_000_000_000;
export const MIN = 60_000;
export const DAY = 24 * 60 * MIN;
const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo';
let seq = 0;

export function makeUser(overrides: Partial<UserRecord> = {}): UserRecord {
  const n = ++seq;
  return { id: `usr_${n}`, email: `user${n}@example.com`, passwordHash: HASH, roles: ['user'], emailVerified: false, disabledAt: null, createdAt: T0, updatedAt: T0, ...overrides };
}

export function makeSession(userId: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
  const n = ++seq;
  return {
    id: `ses_${n}`, secretHash: `hash_${n}`, userId, createdAt: T0, lastActiveAt: T0,
    expiresAt: T0 + 30 * MIN, absoluteExpiresAt: T0 + 24 * 60 * MIN,
    userAgent: 'Mozilla/5.0 (conformance)', ip: '203.0.113.7', data: null, authTime: T0 - MIN, amr: ['pwd', 'otp'], ...overrides,
  };
}

export function makeKey(overrides: Partial<SigningKeyRecord> = {}): SigningKeyRecord {
  const n = ++seq;
  return {
    kid: `key_${n}`, alg: 'EdDSA',
    publicJwk: { kty: 'OKP', crv: 'Ed25519', x: `x-${n}-11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo`, kid: `key_${n}`, use: 'sig', key_ops: ['verify'] },
    privateKeyEncrypted: `v1.iv${n}.ciphertext${n}.tag${n}`,
    createdAt: T0, activatesAt: T0 + MIN, retiredAt: null, expiresAt: null, ...overrides,
  };
}

export function makeFamily(userId: string, overrides: Partial<RefreshFamilyRecord> = {}): RefreshFamilyRecord {
  const n = ++seq;
  return {
    id: `fam_${n}`, userId, mode: 'token', createdAt: T0, lastUsedAt: T0, expiresAt: T0 + 7 * DAY,
    absoluteExpiresAt: T0 + 30 * DAY, revokedAt: null, userAgent: 'Mozilla/5.0 (conformance)', ip: '203.0.113.7',
    authTime: T0 - MIN, amr: ['pwd', 'otp'], ...overrides,
  };
}

export function makeToken(familyId: string, overrides: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord {
  const n = ++seq;
  return { id: `rt_${n}`, familyId, secretHash: `rthash_${n}`, createdAt: T0, usedAt: null, successorId: null, ...overrides };
}

export function makeOneTimeToken(userId: string, overrides: Partial<OneTimeTokenRecord> = {}): OneTimeTokenRecord {
  const n = ++seq;
  return { id: `ott_${n}`, secretHash: `otthash_${n}`, userId, purpose: 'reset_password', data: null, createdAt: T0, expiresAt: T0 + 30 * MIN, ...overrides };
}

/** JSON of every kind, nested, with non-ASCII text: what a session's data bag must round-trip. */
export const NESTED: JsonObject = {
  theme: 'dark', count: 3, ratio: 0.25, flag: false, none: null, tags: ['a', 'b'],
  deep: { list: [1, { x: 'ü ✓' }], empty: {}, arr: [] },
};
