// Unit tests of step-up's rules (step-up.ts): the max-age boundary, what a requirement checks, the merge of methods
// after a reauthentication, and the stored form of amr.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatehouseError } from './errors.js';
import { checkProofRequirement, decodeAmr, encodeAmr, proofSatisfies, renewedProof, requireRecentAuth } from './step-up.js';

const NOW = Date.UTC(2026, 0, 1);
const config = { stepUpMaxAgeSeconds: 600 };

describe('step-up rules', () => {
  it('requireRecentAuth: a proof exactly stepUpMaxAgeSeconds old passes, a millisecond more is reauthentication_required (403)', () => {
    requireRecentAuth(config, { authTime: NOW - 600_000 }, NOW);
    requireRecentAuth(config, { authTime: NOW + 5000 }, NOW); // from a clock slightly ahead: age 0
    assert.throws(() => requireRecentAuth(config, { authTime: NOW - 600_001 }, NOW), (error: unknown) =>
      error instanceof GatehouseError && error.code === 'reauthentication_required' && error.status === 403);
    assert.throws(() => requireRecentAuth(config, { authTime: 0 }, NOW), GatehouseError, 'a token without auth_time is never recent');
  });

  it('proofSatisfies: maxAge in seconds, amr as "at least one of", each only when given', () => {
    const proof = { authTime: NOW - 60_000, amr: ['pwd', 'otp'] };
    assert.equal(proofSatisfies(proof, {}, NOW), true);
    assert.equal(proofSatisfies(proof, { maxAge: 60 }, NOW), true);
    assert.equal(proofSatisfies(proof, { maxAge: 59 }, NOW), false);
    assert.equal(proofSatisfies(proof, { amr: ['hwk', 'otp'] }, NOW), true);
    assert.equal(proofSatisfies(proof, { amr: ['hwk'] }, NOW), false);
    assert.equal(proofSatisfies({ ...proof, amr: [] }, { amr: ['pwd'] }, NOW), false);
    assert.equal(proofSatisfies(proof, { maxAge: 30, amr: ['pwd'] }, NOW), false);
  });

  it('checkProofRequirement refuses a negative or non-finite maxAge and an empty or unknown amr', () => {
    checkProofRequirement({ maxAge: 0, amr: ['hwk'] });
    for (const bad of [{ maxAge: -1 }, { maxAge: Number.POSITIVE_INFINITY }, { maxAge: Number.NaN }, { amr: [] }, { amr: ['sms' as 'otp'] }]) {
      assert.throws(() => checkProofRequirement(bad), TypeError, JSON.stringify(bad));
    }
  });

  it('renewedProof: now, the method used, and the previous methods only while still recent, in a fixed order', () => {
    assert.deepEqual(renewedProof(config, { authTime: NOW - 60_000, amr: ['otp'] }, 'pwd', NOW), { authTime: NOW, amr: ['pwd', 'otp'] });
    assert.deepEqual(renewedProof(config, { authTime: NOW - 3_600_000, amr: ['pwd', 'otp'] }, 'pwd', NOW), { authTime: NOW, amr: ['pwd'] });
    assert.deepEqual(renewedProof(config, { authTime: NOW - 1000, amr: ['hwk'] }, 'otp', NOW), { authTime: NOW, amr: ['otp', 'hwk'] });
    assert.deepEqual(renewedProof(config, { authTime: NOW, amr: ['pwd'] }, 'pwd', NOW).amr, ['pwd']);
  });

  it('the stored form of amr: space-separated; unknown values are dropped on the way back', () => {
    assert.equal(encodeAmr(['pwd', 'otp']), 'pwd otp');
    assert.deepEqual(decodeAmr('pwd otp'), ['pwd', 'otp']);
    assert.deepEqual(decodeAmr(''), []);
    assert.deepEqual(decodeAmr('pwd sms hwk'), ['pwd', 'hwk']);
  });
});
