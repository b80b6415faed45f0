// Owns the account tests at the engine, over the memory store with real argon2id: the password policy wherever a
// password is set (registration, change) with zxcvbn's feedback in the refusal; the re-hash at login of a hash
// made with older argon2 parameters (stored with the current ones and still verifying; a failure never fails the
// login; a password changed meanwhile stays); and an unknown email still costing one current-parameters verify.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import argon2 from 'argon2';
import type { AuditEvent } from './audit.js';
import { createGatehouse } from './engine.js';
import { GatehouseError, type ErrorCode } from './errors.js';
import { createArgon2Hasher, type PasswordHasher } from './password.js';
import type { Store, UserRecord } from './store.js';
import { createMemoryStore } from '../stores/memory/index.js';
import { opened } from '../../test/kit.js';

const PASSWORD = 'correct horse battery staple';
const STRONG = 'a brand new long passphrase 42';
const CONTEXT = { ip: '203.0.113.7', userAgent: 'node:test' };
const T0 = Date.UTC(2026, 0, 1);
/** What createArgon2Hasher writes today (node-argon2 orders the parameters m, p, t). */
const CURRENT = 'argon2id m=19456,p=1,t=2';

/** A hash's algorithm and parameters, e.g. `argon2id m=4096,p=1,t=1`. */
function parameters(hash: string): string {
  const match = /^\$(argon2(?:id|i|d))\$v=19\$(m=\d+,p=\d+,t=\d+)\$/.exec(hash);
  assert.ok(match, hash);
  return `${match[1]} ${match[2]}`;
}

/** The real argon2id hasher, recording each call (with the parameters of the hash verified). */
function recordingHasher(hooks: { beforeVerify?: () => Promise<void>; failHash?: () => boolean } = {}) {
  const inner = createArgon2Hasher();
  const calls: string[] = [];
  const hasher: PasswordHasher = {
    async hash(password) {
      calls.push('hash');
      if (hooks.failHash?.()) throw new Error('hasher down');
      return inner.hash(password);
    },
    async verify(hash, password) {
      calls.push(`verify ${parameters(hash)}`);
      await hooks.beforeVerify?.();
      return inner.verify(hash, password);
    },
    needsRehash: async (hash) => (await inner.needsRehash?.(hash)) ?? false,
  };
  return { hasher, calls };
}

async function setup(hasher?: PasswordHasher, store: Store = createMemoryStore()) {
  const events: AuditEvent[] = [];
  const gh = await createGatehouse({ store, clock: () => T0, audit: (event) => events.push(event), ...(hasher ? { hasher } : {}) });
  return { gh, store, events };
}

async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<GatehouseError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof GatehouseError, String(error));
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected GatehouseError ${code}`);
}

/** A user written straight into the store, its hash made by real argon2 with older (cheaper) parameters. */
async function userWithOldHash(store: Store, options: { type?: 0 | 1 | 2; memoryCost?: number; timeCost?: number } = {}): Promise<UserRecord> {
  const passwordHash = await argon2.hash(PASSWORD, { type: argon2.argon2id, memoryCost: 4096, timeCost: 1, parallelism: 1, ...options });
  const user: UserRecord = {
    id: 'usr_old',
    email: 'old@example.com',
    passwordHash,
    roles: [],
    emailVerified: true,
    disabledAt: null,
    createdAt: T0,
    updatedAt: T0,
  };
  assert.ok(await store.users.create(user));
  return user;
}

async function storedHash(store: Store, email: string): Promise<string> {
  const user = await store.users.findByEmail(email);
  assert.ok(user);
  return user.passwordHash;
}

/** Weak passwords, what zxcvbn's feedback says about each, and the account email they are weak for. */
const WEAK: { password: string; feedback: RegExp; email?: string }[] = [
  { password: 'qwertyuiopasdfgh', feedback: /commonly used password\. Add more words/ },
  { password: 'xcvbnm,./asdfgh', feedback: /straight row of keys/ },
  { password: 'abcabcabcabcabc', feedback: /repeated group of characters.*Avoid repeated words and characters/ },
  { password: 'P@ssw0rd12345', feedback: /Letter substitutions such as '@' for 'a' do not help/ },
  { password: 'adalovelace2024', feedback: /contains your email address or part of it/, email: 'ada.lovelace@example.com' },
];

describe('password policy wherever a password is set', () => {
  it('registration refuses weak passwords with zxcvbn feedback in the message, and creates nothing', async () => {
    const { gh, store } = await setup();
    for (const { password, feedback, email = 'carol@example.com' } of WEAK) {
      const error = await rejectsWith(gh.register({ email, password }, CONTEXT), 'invalid_request');
      assert.match(error.message, /^password is too easy to guess\. /, password);
      assert.match(error.message, feedback, password);
      assert.ok(!error.message.includes(password), 'the message never repeats the password');
      assert.equal(await store.users.findByEmail(email), null);
    }
  });

  it("registration takes the user's email into account, and accepts strong passwords", async () => {
    const { gh } = await setup();
    await gh.register({ email: 'grace.hopper@example.com', password: 'adalovelace2024' }, CONTEXT); // not her name
    await gh.register({ email: 'ada.lovelace@example.com', password: PASSWORD }, CONTEXT);
    await gh.register({ email: 'alan@example.com', password: STRONG }, CONTEXT);
  });

  it('a password change refuses a weak new password (the own email too) and keeps the old one; a strong one is set', async () => {
    const { gh, store } = await setup();
    const email = 'ada.lovelace@example.com';
    await gh.register({ email, password: PASSWORD }, CONTEXT);
    const { session } = opened(await gh.login({ email, password: PASSWORD }, CONTEXT));
    const principal = await gh.authenticateSession(session.token);
    assert.ok(principal);
    const before = await storedHash(store, email);
    for (const { password, feedback } of WEAK) {
      const error = await rejectsWith(gh.changePassword(principal, PASSWORD, password, CONTEXT), 'invalid_request');
      assert.match(error.message, feedback, password);
      assert.equal(await storedHash(store, email), before);
    }
    await gh.changePassword(principal, PASSWORD, STRONG, CONTEXT);
    await gh.login({ email, password: STRONG }, CONTEXT);
  });
});

describe('re-hash at login of a hash made with older parameters', () => {
  it('stores a hash with the current parameters that still verifies, once', async () => {
    const { gh, store } = await setup();
    const user = await userWithOldHash(store);
    assert.equal(parameters(user.passwordHash), 'argon2id m=4096,p=1,t=1');
    await gh.login({ email: user.email, password: PASSWORD }, CONTEXT);
    const upgraded = await storedHash(store, user.email);
    assert.equal(parameters(upgraded), CURRENT);
    assert.equal(await argon2.verify(upgraded, PASSWORD), true);
    assert.equal(await argon2.verify(upgraded, 'not the password at all'), false);
    await gh.login({ email: user.email, password: PASSWORD }, CONTEXT);
    assert.equal(await storedHash(store, user.email), upgraded, 'a current hash is left alone');
  });

  it('re-hashes argon2i with the current costs to argon2id', async () => {
    const { gh, store } = await setup();
    const user = await userWithOldHash(store, { type: argon2.argon2i, memoryCost: 19 * 1024, timeCost: 2 });
    await gh.login({ email: user.email, password: PASSWORD }, CONTEXT);
    assert.equal(parameters(await storedHash(store, user.email)), CURRENT);
  });

  it('never re-hashes on a failed login', async () => {
    const { gh, store } = await setup();
    const user = await userWithOldHash(store);
    await rejectsWith(gh.login({ email: user.email, password: 'not the password at all' }, CONTEXT), 'invalid_credentials');
    assert.equal(await storedHash(store, user.email), user.passwordHash);
  });

  it('a failed re-hash (store or hasher) is audited and the login still succeeds', async () => {
    let hashFails = false;
    let storeFails = true;
    const { hasher } = recordingHasher({ failHash: () => hashFails });
    const memory = createMemoryStore();
    const replace = memory.users.replacePasswordHash.bind(memory.users);
    memory.users.replacePasswordHash = (...args) => (storeFails ? Promise.reject(new Error('disk full')) : replace(...args));
    const { gh, store, events } = await setup(hasher, memory);
    const user = await userWithOldHash(store);
    const { session } = opened(await gh.login({ email: user.email, password: PASSWORD }, CONTEXT));
    assert.ok(await gh.authenticateSession(session.token));
    storeFails = false;
    hashFails = true;
    await gh.login({ email: user.email, password: PASSWORD }, CONTEXT);
    assert.equal(await storedHash(store, user.email), user.passwordHash);
    assert.deepEqual(
      events.filter((e) => e.type === 'password.rehash_failed'),
      [1, 2].map(() => ({ type: 'password.rehash_failed', userId: user.id, ip: CONTEXT.ip, userAgent: CONTEXT.userAgent })),
    );
  });

  it('never overwrites a password changed while the login verified the old one', async () => {
    const meanwhile: { change?: () => Promise<void> } = {};
    const { hasher } = recordingHasher({ beforeVerify: () => meanwhile.change?.() ?? Promise.resolve() });
    const { gh, store } = await setup(hasher);
    const user = await userWithOldHash(store);
    const changed = await hasher.hash(STRONG);
    meanwhile.change = async () => {
      await store.users.updatePassword(user.id, changed, T0);
    };
    await gh.login({ email: user.email, password: PASSWORD }, CONTEXT);
    assert.equal(await storedHash(store, user.email), changed, 'the re-hash of the old password lost');
  });

  it('an unknown email still costs one verify against a current-parameters hash, as a known one does', async () => {
    const { hasher, calls } = recordingHasher();
    const { gh } = await setup(hasher);
    await gh.register({ email: 'alice@example.com', password: PASSWORD }, CONTEXT);
    const cost = async (email: string, password: string) => {
      calls.length = 0;
      await gh.login({ email, password }, CONTEXT).catch(() => {});
      return [...calls];
    };
    assert.deepEqual(await cost('nobody@example.com', PASSWORD), [`verify ${CURRENT}`]);
    assert.deepEqual(await cost('alice@example.com', 'not the password at all'), [`verify ${CURRENT}`]);
    assert.deepEqual(await cost('alice@example.com', PASSWORD), [`verify ${CURRENT}`]);
  });
});
