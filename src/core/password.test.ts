// Owns the password tests: the acceptance policy (code-point length, NFKC, common list, the strength estimate with
// its feedback, the account's email as guessable input, the bound on what is estimated), real argon2id hashing
// without truncation, the check that tells an older hash, and the bound on concurrent hashes with its queue.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import argon2 from 'argon2';
import { dictionary } from '@zxcvbn-ts/language-common';
import { GatehouseError } from './errors.js';
import {
  ARGON2_OPTIONS,
  boundHasher,
  createArgon2Hasher,
  MAX_PASSWORD_LENGTH,
  normalizePassword,
  passwordProblem,
  type PasswordHasher,
} from './password.js';
import { emailInputs, ESTIMATED_LENGTH, strengthEstimator } from './password-strength.js';

const MIN = 12;
const policy = { minLength: MIN };
const problem = (password: string, email?: string) => passwordProblem(password, email === undefined ? policy : { ...policy, email });
/** Twelve characters that are on no common-password list and that zxcvbn finds strong. */
const UNCOMMON_12 = 'vX7#qLm2$Rt9';
/** `length` characters with no pattern: base64 of chained SHA-256 digests. */
const patternless = (length: number) => {
  let text = '';
  for (let i = 0; text.length < length; i++) text += createHash('sha256').update(`${i}`).digest('base64').slice(0, 43);
  return text.slice(0, length);
};
/** `count` distinct astral characters (two UTF-16 units each) in no order zxcvbn knows. */
const astral = (count: number) => Array.from({ length: count }, (_, i) => String.fromCodePoint(0x1f300 + ((i * 389) % 1024))).join('');

describe('passwordProblem: length', () => {
  it('refuses a password under the minimum length', async () => {
    assert.match((await problem(UNCOMMON_12.slice(0, MIN - 1))) ?? '', /at least 12 characters/);
  });

  it('accepts a password of exactly the minimum length', async () => {
    assert.equal(UNCOMMON_12.length, MIN);
    assert.equal(await problem(UNCOMMON_12), null);
  });

  it('counts length in code points: 11 emoji are 11 characters, not 22', async () => {
    assert.match((await problem(astral(11))) ?? '', /at least 12 characters/);
    assert.equal(await problem(astral(12)), null);
  });

  it('accepts 1024 characters and refuses 1025', async () => {
    assert.equal(MAX_PASSWORD_LENGTH, 1024);
    assert.equal(await problem(patternless(1024)), null);
    assert.match((await problem(patternless(1025))) ?? '', /at most 1024 characters/);
    assert.equal(await problem(astral(1024)), null, '1024 emoji are 1024 characters');
  });
});

describe('passwordProblem: common passwords', () => {
  it('refuses a common password that is long enough, in any case', async () => {
    const common = 'qwerty123456';
    assert.ok(common.length >= MIN);
    assert.ok(dictionary['passwords-common'].includes(common));
    assert.match((await problem(common)) ?? '', /too common/);
    assert.match((await problem(common.toUpperCase())) ?? '', /too common/);
    assert.match((await problem('QwErTy123456')) ?? '', /too common/);
  });
});

describe('passwordProblem: strength estimate', () => {
  /** The refusal, which must say it is guessable and pass on zxcvbn's feedback. */
  async function refused(password: string, feedback: RegExp, email?: string): Promise<void> {
    const message = await problem(password, email);
    assert.ok(message, `${password} was accepted`);
    assert.match(message, /^password is too easy to guess\. /, password);
    assert.match(message, feedback, password);
    assert.doesNotMatch(message, /too common/, `${password}: refused by the estimate, not by the list`);
  }

  it('refuses keyboard walks, on the keyboards of language-common too', async () => {
    assert.ok(!dictionary['passwords-common'].includes('qwertyuiopasdfgh'));
    await refused('qwertyuiopasdfgh', /commonly used password\. Add more words/);
    await refused('xcvbnm,./asdfgh', /straight row of keys/); // found by the QWERTY adjacency graph
    await refused('qwertzuiopasdfgh', /straight row of keys/); // QWERTZ
    await refused('azertyuiopqsdfgh', /straight row of keys/); // AZERTY
  });

  it('refuses repeats and sequences', async () => {
    await refused('aaaaaaaaaaaaaaaa', /repeated character.*Avoid repeated words and characters/);
    await refused('abcabcabcabcabc', /repeated group of characters/);
    await refused('🔑'.repeat(12), /repeated group of characters/);
    await refused('abcdefghijklmnop', /sequence.*Avoid sequences/);
  });

  it('refuses dictionary words behind l33t substitutions', async () => {
    await refused('P@ssw0rd12345', /commonly used password.*Letter substitutions such as '@' for 'a' do not help/);
    await refused('M0nk3y$hadow99', /Letter substitutions/);
  });

  it("refuses the user's own email, its local part or their words, for that user only", async () => {
    const email = 'ada.lovelace@example.com';
    for (const password of ['adalovelace2024', 'ada.lovelace@example.com', 'Ada.Lovelace!!', 'lovelaceexample']) {
      await refused(password, /contains your email address or part of it/, email);
    }
    assert.equal(await problem('adalovelace2024', 'grace.hopper@example.com'), null, 'strong for anyone else');
    assert.equal(await problem('adalovelace2024'), null);
  });

  it('accepts strong passwords: passphrases, random characters', async () => {
    for (const password of ['correct horse battery staple', 'a brand new long passphrase 42', UNCOMMON_12, patternless(40)]) {
      assert.equal(await problem(password, 'ada.lovelace@example.com'), null, password);
    }
  });

  it('estimates only the first 100 characters, so a check stays fast at 1024', async () => {
    assert.equal(ESTIMATED_LENGTH, 100);
    assert.equal(await problem(patternless(100) + 'a'.repeat(924)), null, 'a strong start: the rest is not looked at');
    await refused('a'.repeat(100) + patternless(100), /repeated character/); // a guessable start, whatever follows
    await refused('a'.repeat(1024), /repeated character/);
    // zxcvbn's slowest inputs: at 1024 characters whole, each takes over ten seconds.
    for (const slow of ['1'.repeat(1024), 'p4$$w0rd'.repeat(128)]) {
      const started = performance.now();
      await strengthEstimator().estimate(slow, []);
      const ms = performance.now() - started;
      assert.ok(ms < 3000, `${ms} ms`);
    }
  });
});

describe('strengthEstimator', () => {
  it('estimates on a thread of its own: the event loop keeps turning while slow checks run', async () => {
    await strengthEstimator().estimate('the dictionaries are loaded first', []);
    let turns = 0;
    let spinning = true;
    const spin = () => {
      turns += 1;
      if (spinning) setImmediate(spin);
    };
    spin();
    // Each takes tens of ms of synchronous matching; on the event loop, ten of them would leave ~10 turns.
    const checks = Array.from({ length: 10 }, () => strengthEstimator().estimate('p4$$w0rd'.repeat(13), []));
    const estimates = await Promise.all(checks);
    spinning = false;
    assert.ok(estimates.every((estimate) => estimate.weak && !estimate.common));
    assert.ok(turns > 1000, `${turns} turns`);
  });

  it('answers checks made together each with its own estimate', async () => {
    const [common, weak, strong] = await Promise.all([
      strengthEstimator().estimate('Password1', []),
      strengthEstimator().estimate('ada.lovelace1', ['ada.lovelace']),
      strengthEstimator().estimate('correct horse battery staple', []),
    ]);
    assert.deepEqual([common?.common, weak?.common, weak?.weak, strong?.weak, strong?.score], [true, false, true, false, 4]);
  });
});

describe('emailInputs', () => {
  it('lists the address, the local part with and without separators, its words and the domain but its TLD', () => {
    assert.deepEqual(emailInputs('ada.lovelace@example.com'), ['ada.lovelace@example.com', 'ada.lovelace', 'adalovelace', 'ada', 'lovelace', 'example']);
  });

  it('leaves out words shorter than three characters, which would match anywhere', () => {
    assert.deepEqual(emailInputs('j.x+news@mail.co.uk'), ['j.x+news@mail.co.uk', 'j.x+news', 'jxnews', 'news', 'mail']);
  });
});

describe('normalizePassword', () => {
  it('applies NFKC: fullwidth digits and letters become ASCII', async () => {
    assert.equal(normalizePassword('１２３'), '123');
    assert.equal(normalizePassword('ｑｗｅｒｔｙ１２３４５６'), 'qwerty123456');
    assert.match((await problem(normalizePassword('ｑｗｅｒｔｙ１２３４５６'))) ?? '', /too common/);
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

  it('needsRehash: false for its own hashes; true for other costs and for argon2i or argon2d', async () => {
    assert.equal(await hasher.needsRehash?.(await hasher.hash(UNCOMMON_12)), false);
    const older = { memoryCost: 4096, timeCost: 1, parallelism: 1 };
    assert.equal(await hasher.needsRehash?.(await argon2.hash(UNCOMMON_12, { ...older, type: argon2.argon2id })), true);
    assert.equal(await hasher.needsRehash?.(await argon2.hash(UNCOMMON_12, { ...ARGON2_OPTIONS, timeCost: 3 })), true);
    assert.equal(await hasher.needsRehash?.(await argon2.hash(UNCOMMON_12, { ...ARGON2_OPTIONS, parallelism: 2 })), true);
    for (const type of [argon2.argon2i, argon2.argon2d] as const) {
      assert.equal(await hasher.needsRehash?.(await argon2.hash(UNCOMMON_12, { ...ARGON2_OPTIONS, type })), true, `type ${type}`);
    }
    const cheap = createArgon2Hasher(older);
    assert.equal(await cheap.needsRehash?.(await cheap.hash(UNCOMMON_12)), false, 'compared with its own parameters');
    assert.equal(await cheap.needsRehash?.(await hasher.hash(UNCOMMON_12)), true);
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

  it('passes needsRehash through without taking a slot, and has none when the inner hasher has none', async () => {
    const inner = createArgon2Hasher({ memoryCost: 1024, timeCost: 1 });
    const bounded = boundHasher(inner, 1, 0);
    const hash = await inner.hash('first-password');
    const running = bounded.hash('second-password'); // holds the only slot; the queue takes none
    assert.equal(await bounded.needsRehash?.(hash), false);
    await running;
    const plain: PasswordHasher = { hash: (password) => inner.hash(password), verify: (hash, password) => inner.verify(hash, password) };
    assert.ok(!('needsRehash' in boundHasher(plain, 1, 0)));
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
