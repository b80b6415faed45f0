// Owns the in-memory second-factor store: TOTP factors by user, recovery-code hashes by user, and logins waiting
// for their second step by id. Each operation reads and writes in one synchronous step, which makes the
// compare-and-set of a time step, the single use of a recovery code and the counted attempt atomic.

import type { MfaChallengeRecord, MfaStore, TotpFactorRecord } from '../../core/store.js';

export function createMfaStore(): MfaStore {
  const totp = new Map<string, TotpFactorRecord>();
  const recoveryCodes = new Map<string, Set<string>>();
  const challenges = new Map<string, MfaChallengeRecord>();

  return {
    async getTotp(userId) {
      const factor = totp.get(userId);
      return factor ? structuredClone(factor) : null;
    },
    async setPendingTotp(factor) {
      if (totp.get(factor.userId)?.enabledAt != null) return false;
      totp.set(factor.userId, { ...structuredClone(factor), enabledAt: null });
      return true;
    },
    async enableTotp(userId, secretSealed, step, enabledAt, recoveryCodeHashes) {
      const factor = totp.get(userId);
      if (!factor || factor.enabledAt !== null || factor.secretSealed !== secretSealed) return false;
      factor.enabledAt = enabledAt;
      factor.lastUsedStep = step;
      recoveryCodes.set(userId, new Set(recoveryCodeHashes));
      return true;
    },
    async useTotpStep(userId, step) {
      const factor = totp.get(userId);
      if (!factor || factor.enabledAt === null) return false;
      if (factor.lastUsedStep !== null && step <= factor.lastUsedStep) return false;
      factor.lastUsedStep = step;
      return true;
    },
    async useRecoveryCode(userId, codeHash) {
      return recoveryCodes.get(userId)?.delete(codeHash) ?? false;
    },
    async countRecoveryCodes(userId) {
      return recoveryCodes.get(userId)?.size ?? 0;
    },
    async deleteByUser(userId) {
      const had = totp.delete(userId);
      recoveryCodes.delete(userId);
      for (const [id, challenge] of challenges) if (challenge.userId === userId) challenges.delete(id);
      return had;
    },
    async createChallenge(challenge) {
      if (challenges.has(challenge.id)) throw new Error(`memory store: duplicate MFA challenge id ${challenge.id}`);
      challenges.set(challenge.id, structuredClone(challenge));
    },
    async claimChallengeAttempt(id, maxAttempts, now) {
      const challenge = challenges.get(id);
      if (!challenge || challenge.expiresAt <= now || challenge.attempts >= maxAttempts) return null;
      challenge.attempts += 1;
      return structuredClone(challenge);
    },
    async consumeChallenge(id) {
      const challenge = challenges.get(id);
      if (!challenge) return null;
      challenges.delete(id);
      return structuredClone(challenge);
    },
    async deleteExpiredChallenges(now) {
      let count = 0;
      for (const [id, challenge] of challenges) {
        if (challenge.expiresAt <= now) {
          challenges.delete(id);
          count++;
        }
      }
      return count;
    },
  };
}
