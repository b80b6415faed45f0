// Owns the second step of a login (SPEC §6): after a right password, a user with a second factor gets an
// `mfaToken` instead of a credential — `id.secret` (only the secret's SHA-256 kept), 5 minutes, single use, at
// most 5 codes, the mode first asked for kept with it, in the store so any instance can complete it — and
// `POST /auth/login/mfa` completes it with a code: each attempt claimed before its code is checked (so parallel
// guesses cannot exceed 5) and counted against the account's failed-login limit, which only a completed login
// clears. Several pending logins of one user may coexist (a phone and a laptop at once): guessing is bounded per
// account by that limit, not by how many tokens are out.
import { hashSecret, newSessionCredential, parseSessionToken, secretMatches, type RandomBytes } from './credentials.js';
import type { LoginMode } from './config.js';
import { GatehouseError } from './errors.js';
import type { Gatehouse, MfaMethod, MfaRequired } from './gatehouse.js';
import type { OpenLogin } from './login.js';
import { requireOneCode, type SecondFactors } from './mfa.js';
import type { EngineParts } from './parts.js';
import { auditClient } from './audit-trail.js';
import type { SessionContext } from './sessions.js';
import type { UserRecord } from './store.js';

export const MFA_TOKEN_TTL_SECONDS = 5 * 60;
export const MFA_TOKEN_MAX_ATTEMPTS = 5;

export interface MfaLogin {
  /** The second factors a login of the user must ask for; empty when none is on. */
  methods(userId: string): Promise<MfaMethod[]>;
  /** After a right password, for a user with `methods`: the second step (a new `mfaToken`), nothing opened. */
  begin(user: UserRecord, mode: LoginMode, methods: MfaMethod[], context: SessionContext, now: number): Promise<MfaRequired>;
  complete: Gatehouse['completeMfaLogin'];
}

const expired = () => new GatehouseError('invalid_token', 'This sign-in has expired or was used up: sign in again with your password.');
const invalidCode = () => new GatehouseError('invalid_code', 'The code is not right; check the time on your device and try the current one.');

export function createMfaLogin(parts: EngineParts, deps: { factors: SecondFactors; open: OpenLogin; random: RandomBytes }): MfaLogin {
  const { store, clock, audit, accounts } = parts;
  const { factors, open, random } = deps;

  return {
    methods: (userId) => factors.loginMethods(userId),

    async begin(user, mode, methods, context, now) {
      const { id, secret, token } = newSessionCredential(random);
      await store.mfa.createChallenge({
        id,
        secretHash: hashSecret(secret),
        userId: user.id,
        mode,
        attempts: 0,
        createdAt: now,
        expiresAt: now + MFA_TOKEN_TTL_SECONDS * 1000,
      });
      await audit.recordOrFail({ type: 'login.mfa_required', userId: user.id, mode, ...auditClient(context) }, now);
      return { mfaRequired: true, mfaToken: token, methods };
    },

    async complete(input, context) {
      const now = clock();
      requireOneCode(input);
      const parsed = parseSessionToken(typeof input.mfaToken === 'string' ? input.mfaToken : '');
      if (!parsed) throw expired();
      // Counted before the code is checked: however many requests race, no more than 5 codes are ever tried.
      const challenge = await store.mfa.claimChallengeAttempt(parsed.id, MFA_TOKEN_MAX_ATTEMPTS, now);
      if (!challenge || !secretMatches(parsed.secret, challenge.secretHash)) throw expired();
      const user = await store.users.findById(challenge.userId);
      if (!user || user.disabledAt !== null) {
        await store.mfa.consumeChallenge(challenge.id);
        throw expired();
      }
      await accounts.countAttempt(user.email, context, now);
      if (!(await factors.check(user.id, input, now, 'login', context))) throw invalidCode();
      // Spent: of two right codes racing on one token, one login opens.
      if (!(await store.mfa.consumeChallenge(challenge.id))) throw expired();
      await accounts.clearFailures(user.email);
      return open(user, challenge.mode, context, { authTime: now, amr: ['pwd', 'otp'] }, now);
    },
  };
}
