// Owns the password tests: the acceptance policy (code-point length, NFKC, common list), real argon2id
// hashing without truncation, and the bound on concurrent hashes with its refusing queue.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dictionary } from '@zxcvbn-ts/language-common';
import { GatehouseError } from './errors.js';
import {
  boundHasher,
  createArgon2Hasher,
  MAX_PASSWORD_LENGTH,
  normalizePassword,
  passwordProblem,
  type PasswordHasher,
} from './password.js';

const MIN = 12;
/** Twelve characters that are on no common-password list. */
const UNCOMMON_12 = 'vX7#qLm2$Rt9';

describe('passwordProblem', () => {
  it('refuses a password under the minimum length', () => {
    assert.match(passwordProblem(UNCOMMON_12.slice(0, MIN - 1), MIN) ?? '', /at least 12 characters/);
  });

  it('accepts a password of exactly the minimum length', () => {
    assert.equal(UNCOMMON_12.length, MIN);
    assert.equal(passwordProblem(UNCOMMON_12, MIN), null);
  });

  it('counts length in code points: 11 emoji are 11 characters, not 22', () => {
    assert.match(passwordProblem('🔑'.repeat(11), MIN) ?? '', /at least 12 characters/);
    assert.equal(passwordProblem('🔑'.repeat(12), MIN), null);
  });

  it('accepts 1024 characters and refuses 1025', () => {
    assert.equal(MAX_PASSWORD_LENGTH, 1024);
    assert.equal(passwordProblem('ab'.repeat(512), MIN), null);
    assert.match(passwordProblem(`${'ab'.repeat(512)}c`, MIN) ?? '', /at most 1024 characters/);
    assert.equal(passwordProblem('🔑'.repeat(1024), MIN), null, '1024 emoji are 1024 characters');
  });

  it('refuses a common password that is long enough, in any case', () => {
    const common = 'qwerty123456';
    assert.ok(common.length >= MIN);
    assert.ok(dictionary['passwords-common']?.includes(common));
    assert.match(passwordProblem(common, MIN) ?? '', /too common/);
    assert.match(passwordProblem(common.toUpperCase(), MIN) ?? '', /too common/);
    assert.match(passwordProblem('QwErTy123456', MIN) ?? '', /too common/);
  });
});

describe('normalizePassword', () => {
  it('applies NFKC: fullwidth digits and letters become ASCII', () => {
    assert.equal(normalizePassword('１２３'), '123');
    assert.equal(normalizePassword('ｑｗｅｒｔｙ１２３４５６'), 'qwerty123456');
    assert.match(passwordProblem(normalizePassword('ｑｗｅｒｔｙ１２３４５６'), MIN) ?? '', /too common/);
  });

  it('composes decomposed characters, so both spellings are one password', () => {
    assert.equal(normalizePassword('cafe\u0301'), normalizePassword('caf\u00e9'));
  });
});

describe('createArgon2Hasher', () => {
  const hasher = createArgon2Hasher();

  it('produces an argon2id PHC string with the OWASP parameters', async () => {
    const hash = await hasher.hash(UNCOMMON_12);
    // node-argon2 writes the parameters in its own order (m,p,t), so compare them as a set.
    const match = /^\$argon2id\$v=19\$([a-z0-9=,]+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/.exec(hash);
    assert.ok(match, hash);
    const params: Record<string, string> = Object.fromEntries(match[1]!.split(',').map((kv) => kv.split('=') as [string, string]));
    assert.deepEqual(params, { m: '19456', t: '2', p: '1' });
    assert.notEqual(await hasher.hash(UNCOMMON_12), hash, 'salted: the same password hashes differently');
  });

  it('verifies the right password and rejects a wrong one', async () => {
    const hash = await hasher.hash(UNCOMMON_12);
    assert.equal(await hasher.verify(hash, UNCOMMON_12), true);
    assert.equal(await hasher.verify(hash, `${UNCOMMON_12}x`), false);
    assert.equal(await hasher.verify(hash, UNCOMMON_12.toLowerCase()), false);
  });

  it('does not truncate: 1024-character passwords differing in the last character do not match', async () => {
    const a = `${'a'.repeat(1023)}b`;
    const b = `${'a'.repeat(1023)}c`;
    const hashA = await hasher.hash(a);
    assert.equal(await hasher.verify(hashA, a), true);
    assert.equal(await hasher.verify(hashA, b), false);
  });
});

/** A real (cheap) argon2id hasher that records how many calls are in flight at once. */
function countingHasher(): PasswordHasher & { active: number; maxActive: number; calls: number } {
  const inner = createArgon2Hasher({ memoryCost: 1024, timeCost: 1 });
  const counter = {
    active: 0,
    maxActive: 0,
    calls: 0,
    async hash(password: string) {
      return track(() => inner.hash(password));
    },
    async verify(hash: string, password: string) {
      return track(() => inner.verify(hash, password));
    },
  };
  async function track<T>(task: () => Promise<T>): Promise<T> {
    counter.calls++;
    counter.active++;
    counter.maxActive = Math.max(counter.maxActive, counter.active);
    try {
      return await task();
    } finally {
      counter.active--;
    }
  }
  return counter;
}

describe('boundHasher', () => {
  it('never runs more than `concurrency` hashes at once', async () => {
    const inner = countingHasher();
    const bounded = boundHasher(inner, 2, 100);
    const hashes = await Promise.all(Array.from({ length: 8 }, (_, i) => bounded.hash(`password-${i}`)));
    const verified = await Promise.all(hashes.map((h, i) => bounded.verify(h, `password-${i}`)));
    assert.deepEqual(verified, Array(8).fill(true));
    assert.equal(inner.calls, 16);
    assert.equal(inner.maxActive, 2);
    assert.equal(inner.active, 0);
  });

  it('refuses with `unavailable` and a Retry-After once the queue is full, then drains', async () => {
    const inner = countingHasher();
    const bounded = boundHasher(inner, 1, 1);
    const running = bounded.hash('first-password');
    const queued = bounded.hash('second-password');
    await assert.rejects(bounded.hash('third-password'), (error: unknown) => {
      assert.ok(error instanceof GatehouseError);
      assert.equal(error.code, 'unavailable');
      assert.equal(error.status, 503);
      assert.ok((error.retryAfterSeconds ?? 0) > 0);
      return true;
    });
    const [first, second] = await Promise.all([running, queued]);
    assert.equal(await bounded.verify(first, 'first-password'), true);
    assert.equal(await bounded.verify(second, 'second-password'), true);
    assert.equal(inner.maxActive, 1);
    assert.equal(inner.calls, 4, 'the refused call never reached the inner hasher');
    // Drained: two at once are accepted again (one running, one queued).
    await Promise.all([bounded.hash('again-1'), bounded.hash('again-2')]);
  });

  it('frees its slot when the inner hasher fails', async () => {
    const failing: PasswordHasher = {
      hash: () => Promise.reject(new Error('boom')),
      verify: () => Promise.reject(new Error('boom')),
    };
    const bounded = boundHasher(failing, 1, 0);
    await assert.rejects(bounded.hash('x'), /boom/);
    await assert.rejects(bounded.hash('y'), /boom/, 'not `unavailable`: the slot was released');
  });
});
