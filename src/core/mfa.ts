// Owns a user's second factors (SPEC §6): setting TOTP up (a fresh secret, sealed at rest, pending until a
// first code confirms it), turning it on with ten recovery codes (shown once, keyed hashes at rest), turning it
// off (step-up, then every other session and family ends), and checking a code — a TOTP code once per time
// step (the store's compare-and-set), a recovery code once — for the login's second step (mfa-login.ts), for
// reauthentication, and for administrators (what a user has, and resetting it).
import { auditClient } from './audit-trail.js';
import { GatehouseError } from './errors.js';
import type { Gatehouse, MfaMethod, Principal } from './gatehouse.js';
import type { EngineParts } from './parts.js';
import type { RandomBytes } from './credentials.js';
import type { SecretBox } from './secret-box.js';
import type { SessionContext } from './sessions.js';
import { requireRecentAuth } from './step-up.js';
import {
  base32Secret,
  isTotpCode,
  matchingSteps,
  newRecoveryCodes,
  newTotpSecret,
  normalizeRecoveryCode,
  otpauthUrl,
  recoveryCodeHash,
} from './totp.js';

/** The issuer an authenticator app shows beside the account (the otpauth:// label and `issuer`). */
export const TOTP_ISSUER = 'Gatehouse';

/** A factor as an administrator sees it (`GET /admin/users/:id`). */
export interface TotpFactorSummary {
  type: 'totp';
  /** ISO 8601. */
  enabledAt: string;
  recoveryCodesLeft: number;
}

/** What a code was checked for: the audit trail says which. */
export type CodePurpose = 'login' | 'reauthenticate';

/** A code as a request gives it: a TOTP code, or a recovery code (exactly one of the two). */
export interface SecondFactorInput {
  code?: string | undefined;
  recoveryCode?: string | undefined;
}

export type MfaMembers = Pick<Gatehouse, 'mfaStatus' | 'setupTotp' | 'enableTotp' | 'disableTotp'>;

export interface SecondFactors {
  members: MfaMembers;
  /** The methods a login must offer for its second step; empty when the user has no factor on. */
  loginMethods(userId: string): Promise<MfaMethod[]>;
  /**
   * Whether `input` is a right code of the user's, spending it (the TOTP step, or the recovery code). A wrong one is
   * audited; throws `invalid_request` when the input is neither one code nor one recovery code.
   */
  check(userId: string, input: SecondFactorInput, now: number, purpose: CodePurpose, context: SessionContext | null): Promise<boolean>;
  /**
   * For reauthentication (`POST /auth/reauthenticate {code}`): a TOTP code or a recovery code of the user's, spent
   * when right. False for a wrong one, or a user without a factor on.
   */
  verifySecondFactor: (userId: string, code: string, now: number, context?: SessionContext | null) => Promise<boolean>;
  /** The user's factors on, for administrators. */
  factors(userId: string): Promise<TotpFactorSummary[]>;
  /** Removes the user's factors (pending ones and waiting logins too); returns whether one was on or pending. */
  reset(userId: string): Promise<boolean>;
}

/** Throws `invalid_request` unless the input is one code or one recovery code, as a string. */
export function requireOneCode(input: SecondFactorInput): void {
  const { code, recoveryCode } = input;
  if ((code === undefined) === (recoveryCode === undefined) || (code ?? recoveryCode ?? '') === '') {
    throw new GatehouseError('invalid_request', 'Send either code (from the authenticator app) or recoveryCode.');
  }
}

const notSignedIn = () => new GatehouseError('unauthenticated', 'Not signed in, or the session has ended.');
const invalidCode = () => new GatehouseError('invalid_code', 'The code is not right; check the time on your device and try the current one.');

export function createSecondFactors(parts: EngineParts, deps: { box: SecretBox; random: RandomBytes }): SecondFactors {
  const { config, store, clock, audit, access } = parts;
  const { box, random } = deps;
  const recoveryKey = box.subKey('mfa-recovery-code v1');
  // Bound to the user: a sealed secret copied into another user's row does not open.
  const sealContext = (userId: string) => `totp-secret v1 ${userId}`;

  async function checkTotp(userId: string, code: string, now: number): Promise<boolean> {
    const factor = await store.mfa.getTotp(userId);
    if (factor?.enabledAt == null) return false;
    const key = box.open(factor.secretSealed, sealContext(userId));
    for (const step of matchingSteps(key, code, now)) {
      // The store decides: a step later than the last one used, once, however many requests race for it.
      if (await store.mfa.useTotpStep(userId, step)) return true;
    }
    return false;
  }

  async function checkRecoveryCode(userId: string, code: string, now: number, context: SessionContext | null): Promise<boolean> {
    const normalized = normalizeRecoveryCode(code);
    if (normalized === null) return false;
    if (!(await store.mfa.useRecoveryCode(userId, recoveryCodeHash(recoveryKey, userId, normalized)))) return false;
    const remaining = await store.mfa.countRecoveryCodes(userId);
    await audit.recordAfter({ type: 'mfa.recovery_code_used', userId, remaining, ...(context ? auditClient(context) : { ip: null }) }, now);
    return true;
  }

  async function check(userId: string, input: SecondFactorInput, now: number, purpose: CodePurpose, context: SessionContext | null): Promise<boolean> {
    requireOneCode(input);
    const { code, recoveryCode } = input;
    const right = code !== undefined ? await checkTotp(userId, code, now) : await checkRecoveryCode(userId, recoveryCode ?? '', now, context);
    if (!right) {
      const method = code !== undefined ? 'totp' : 'recovery_code';
      await audit.recordOrFail({ type: 'mfa.code_failed', userId, purpose, method, ...(context ? auditClient(context) : { ip: null }) }, now);
    }
    return right;
  }

  async function signedInUser(principal: Principal) {
    const user = await store.users.findById(principal.userId);
    if (!user) throw notSignedIn();
    return user;
  }

  const members: MfaMembers = {
    async mfaStatus(principal) {
      const factor = await store.mfa.getTotp(principal.userId);
      const on = factor?.enabledAt != null;
      return { totp: on, recoveryCodesLeft: on ? await store.mfa.countRecoveryCodes(principal.userId) : 0 };
    },

    async setupTotp(principal) {
      const now = clock();
      // The secret is a factor in the making: whoever sets it up must have proven who they are lately.
      requireRecentAuth(config, principal, now);
      const user = await signedInUser(principal);
      const key = newTotpSecret(random);
      const stored = await store.mfa.setPendingTotp({ userId: user.id, secretSealed: box.seal(key, sealContext(user.id)), createdAt: now, enabledAt: null, lastUsedStep: null });
      if (!stored) throw new GatehouseError('invalid_request', 'Two-step sign-in is already on: turn it off first to set up a new authenticator.');
      return { secret: base32Secret(key), otpauthUrl: otpauthUrl(TOTP_ISSUER, user.email, key) };
    },

    async enableTotp(principal, code, context) {
      const now = clock();
      const user = await signedInUser(principal);
      const factor = await store.mfa.getTotp(user.id);
      if (!factor) throw new GatehouseError('invalid_request', 'Set up the authenticator first (POST /auth/mfa/totp/setup).');
      if (factor.enabledAt !== null) throw new GatehouseError('invalid_request', 'Two-step sign-in is already on.');
      const [step] = matchingSteps(box.open(factor.secretSealed, sealContext(user.id)), code, now);
      if (step === undefined) throw invalidCode();
      const recoveryCodes = newRecoveryCodes(random);
      const hashes = recoveryCodes.map((c) => recoveryCodeHash(recoveryKey, user.id, normalizeRecoveryCode(c) ?? c));
      // The confirming code's step counts as used: it cannot sign in a second time.
      if (!(await store.mfa.enableTotp(user.id, factor.secretSealed, step, now, hashes))) {
        throw new GatehouseError('invalid_request', 'The authenticator changed meanwhile: set it up again.');
      }
      await audit.recordAfter({ type: 'mfa.totp_enabled', userId: user.id, sessionId: principal.sessionId, ...auditClient(context) }, now);
      return { recoveryCodes };
    },

    async disableTotp(principal, context) {
      const now = clock();
      requireRecentAuth(config, principal, now);
      const user = await signedInUser(principal);
      if (!(await store.mfa.deleteByUser(user.id))) throw new GatehouseError('not_found', 'Two-step sign-in is not on.');
      // As a password change: whoever may have been signed in elsewhere with the factor's help is not any more.
      const keep = principal.sessionId;
      const families = await store.refreshTokens.revokeFamiliesByUser(user.id, now, keep);
      const web = (await store.sessions.listByUser(user.id, now)).map((s) => s.id).filter((id) => id !== keep);
      await store.sessions.deleteByUser(user.id, keep);
      await access.sessions([...web, ...families], now);
      await audit.recordAfter({ type: 'mfa.totp_disabled', userId: user.id, sessionId: keep, ...auditClient(context) }, now);
    },
  };

  return {
    members,

    async loginMethods(userId) {
      const factor = await store.mfa.getTotp(userId);
      return factor?.enabledAt != null ? ['totp', 'recovery_code'] : [];
    },

    check,

    async verifySecondFactor(userId, code, now, context = null) {
      const input = isTotpCode(code) ? { code } : { recoveryCode: code };
      return check(userId, input, now, 'reauthenticate', context);
    },

    async factors(userId) {
      const factor = await store.mfa.getTotp(userId);
      if (factor?.enabledAt == null) return [];
      return [{ type: 'totp', enabledAt: new Date(factor.enabledAt).toISOString(), recoveryCodesLeft: await store.mfa.countRecoveryCodes(userId) }];
    },

    reset: (userId) => store.mfa.deleteByUser(userId),
  };
}
