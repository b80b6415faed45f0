// Owns reauthentication (SPEC §6 step-up, `POST /auth/reauthenticate`): the signed-in user proves who they are
// again, with the password (through the same per-account and per-IP limits as a login) or a second-factor code
// (through a verifier the engine plugs in: core/mfa.ts), and the current session's or token family's proof
// (`authTime`, `amr`) is renewed in the store. Token and hybrid callers also get a fresh access token carrying
// the new `auth_time` (their refresh token stays as it is: refreshed tokens carry the family's proof, now the new
// one). Also the engine's `requireRecentAuth`, the step-up check with the engine's clock and config.
import { auditClient } from './audit-trail.js';
import { GatehouseError } from './errors.js';
import type { AuthMethod, Gatehouse, Principal } from './gatehouse.js';
import type { EngineParts } from './parts.js';
import { UNAUTHENTICATED_MESSAGE } from './principals.js';
import type { SessionContext } from './sessions.js';
import { checkProofRequirement, renewedProof, requireProof, requireRecentAuth } from './step-up.js';

/**
 * Checks a second-factor code of the user's (a TOTP code, or a recovery code), spending it when right; false for a
 * wrong one or a user without a factor. Plugged in by the engine (core/mfa.ts `verifySecondFactor`).
 */
export type SecondFactorVerifier = (userId: string, code: string, now: number, context: SessionContext) => Promise<boolean>;

/** What `reauthenticate` takes: exactly one of the two. */
export interface ReauthenticateInput {
  password?: string | undefined;
  code?: string | undefined;
}

/**
 * The renewed proof; for a token or hybrid principal, also a fresh access token carrying it (for the response
 * body, or the hybrid access cookie).
 */
export type Reauthenticated =
  | { mode: 'session'; authTime: number; amr: AuthMethod[] }
  | { mode: 'token' | 'hybrid'; authTime: number; amr: AuthMethod[]; accessToken: string; expiresIn: number };

export type ReauthenticationMembers = Pick<Gatehouse, 'reauthenticate' | 'requireRecentAuth'>;

const unauthenticated = () => new GatehouseError('unauthenticated', UNAUTHENTICATED_MESSAGE);

/** Which one of password and code the input carries; `invalid_request` unless exactly one non-empty string. */
function methodOf(input: ReauthenticateInput): { method: 'pwd'; password: string } | { method: 'otp'; code: string } {
  const { password, code } = input;
  const given = [password, code].filter((v) => v !== undefined);
  if (given.length !== 1 || given.some((v) => typeof v !== 'string' || v === '')) {
    throw new GatehouseError('invalid_request', 'Send either password or code (from the authenticator app, or a recovery code).');
  }
  return password !== undefined ? { method: 'pwd', password } : { method: 'otp', code: code ?? '' };
}

export function createReauthentication(parts: EngineParts, deps: { verifySecondFactor?: SecondFactorVerifier | undefined } = {}): ReauthenticationMembers {
  const { config, store, clock, audit, accounts, sessions, tokens } = parts;
  const { verifySecondFactor } = deps;

  /** Checks the proof the input carries for the user; throws `invalid_credentials`, `invalid_code`, `rate_limited`. */
  async function prove(principal: Principal, input: ReauthenticateInput, context: SessionContext, now: number): Promise<'pwd' | 'otp'> {
    const given = methodOf(input);
    const user = await store.users.findById(principal.userId);
    if (!user || user.disabledAt !== null) throw unauthenticated();
    if (given.method === 'pwd') {
      // A login's check: the same limits, the same audit of failures, the same answer for a wrong password.
      await accounts.checkPassword({ email: user.email, password: given.password }, context, now);
      return 'pwd';
    }
    if (!verifySecondFactor) throw new GatehouseError('invalid_request', 'Second-factor codes are not available here: send password.');
    // Counted as a failed login until it proves right, as the login's second step is: guessing codes meets the same limit.
    await accounts.countAttempt(user.email, context, now);
    if (!(await verifySecondFactor(user.id, given.code, now, context))) {
      throw new GatehouseError('invalid_code', 'The code is not right; check the time on your device and try the current one.');
    }
    await accounts.clearFailures(user.email);
    return 'otp';
  }

  return {
    async reauthenticate(principal, input, context) {
      const now = clock();
      const method = await prove(principal, input, context, now);
      const proof = renewedProof(config, principal, method, now);
      const renewed = principal.mode === 'session'
        ? await sessions.setProof(principal.sessionId, proof.authTime, proof.amr)
        : await store.refreshTokens.setFamilyProof(principal.sessionId, proof.authTime, proof.amr, now);
      if (!renewed) throw unauthenticated(); // the session or family ended meanwhile
      await audit.recordAfter({ type: 'reauthenticated', userId: principal.userId, sessionId: principal.sessionId, method, ...auditClient(context) }, now);
      if (principal.mode === 'session') return { mode: 'session', ...proof };
      // Roles as the user has them now (as a refresh would give), the family's id as sid.
      const user = await store.users.findById(principal.userId);
      if (!user) throw unauthenticated();
      const { token, claims } = await tokens.issue({ userId: user.id, roles: user.roles, proof }, principal.sessionId, now);
      return { mode: principal.mode, ...proof, accessToken: token, expiresIn: claims.exp - claims.iat };
    },

    requireRecentAuth(principal, requirement) {
      const now = clock();
      if (requirement === undefined) return requireRecentAuth(config, principal, now);
      checkProofRequirement(requirement);
      requireProof(principal, requirement, now);
    },
  };
}
