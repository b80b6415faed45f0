// Owns opening a login: registration, the password check that opens a web session or a token family (token or
// hybrid mode, the hybrid one with its family's CSRF token) — or, for a user with a second factor on, hands over
// to its second step (mfa-login.ts) — the access/refresh pair a family hands out, and the short-lived access
// token a cookie session exchanges for calling other services.
import { publicUser } from './accounts.js';
import type { VerificationMailer } from './account-mail.js';
import { auditClient } from './audit-trail.js';
import type { GatehouseConfig, LoginMode } from './config.js';
import { GatehouseError } from './errors.js';
import type { AuthProof, Gatehouse, LoginResult, MfaRequired, TokenPair } from './gatehouse.js';
import type { MfaLogin } from './mfa-login.js';
import type { EngineParts } from './parts.js';
import { createSessionCap } from './session-cap.js';
import type { SessionContext } from './sessions.js';
import type { RefreshFamilyRecord, UserRecord } from './store.js';

/** The pair a family hands out at `now`: a new access token for the user, and the family's current refresh token. */
export async function issuePair(
  parts: Pick<EngineParts, 'tokens'>,
  user: { id: string; roles: string[] },
  family: Pick<RefreshFamilyRecord, 'id' | 'expiresAt' | 'authTime' | 'amr'>,
  refreshToken: string,
  now: number,
): Promise<TokenPair> {
  // A refreshed token keeps the family's proof: only a reauthentication renews it.
  const proof = { authTime: family.authTime, amr: family.amr };
  const { token, claims } = await parts.tokens.issue({ userId: user.id, roles: user.roles, proof }, family.id, now);
  return {
    accessToken: token,
    expiresIn: claims.exp - claims.iat,
    refreshToken,
    refreshExpiresIn: Math.max(0, Math.floor((family.expiresAt - now) / 1000)),
    sessionId: family.id,
  };
}

export type { AuthMethod, AuthProof } from './gatehouse.js';

/**
 * Opens a login in `mode` for a user who has proven who they are: a web session, or a token family with its
 * pair (and, in hybrid mode, its CSRF token). Every way in (password, second factor, passkey) ends here.
 */
export type OpenLogin = (user: UserRecord, mode: LoginMode, context: SessionContext, proof: AuthProof, now: number) => Promise<LoginResult>;

export function createOpenLogin(parts: EngineParts): OpenLogin {
  const { audit, sessions, refreshTokens, familyCsrf } = parts;
  const cap = createSessionCap(parts);
  return async (user, mode, context, proof, now) => {
    if (mode === 'session') {
      const session = await sessions.create(user.id, context, proof, now);
      // The row before the credential leaves: a login the trail cannot record does not happen (503).
      await audit.recordOrFail({ type: 'login.succeeded', userId: user.id, sessionId: session.session.id, mode, ...auditClient(context) }, now);
      await cap.enforce(user.id, session.session.id, now);
      return { mode, user: publicUser(user), session };
    }
    const issued = await refreshTokens.start(user.id, mode, context, proof, now);
    await audit.recordOrFail({ type: 'login.succeeded', userId: user.id, sessionId: issued.family.id, mode, ...auditClient(context) }, now);
    await cap.enforce(user.id, issued.family.id, now);
    const pair = await issuePair(parts, user, issued.family, issued.token, now);
    if (mode === 'hybrid') return { mode, user: publicUser(user), tokens: pair, csrfToken: familyCsrf.token(issued.family.id) };
    return { mode, user: publicUser(user), tokens: pair };
  };
}

/** Refuses a mode the deployment does not enable. */
export function requireMode(config: Pick<GatehouseConfig, 'modes'>, mode: LoginMode): void {
  if (!config.modes.includes(mode)) {
    throw new GatehouseError('invalid_request', `mode must be one of: ${config.modes.join(', ')}.`);
  }
}

export function createLogin(
  parts: EngineParts,
  open: OpenLogin,
  secondStep: Pick<MfaLogin, 'methods' | 'begin'>,
  sendVerification: VerificationMailer,
): Pick<Gatehouse, 'register' | 'login' | 'exchange'> {
  const { config, clock, accounts, tokens } = parts;

  return {
    async register(input, context) {
      const now = clock();
      const user = await accounts.register(input, context, now);
      // An account that may not log in before it proves its address gets the link at once (SPEC §5).
      if (config.requireVerifiedEmail) await sendVerification(user, context, now);
      return publicUser(user);
    },

    login: (async (input: { email: string; password: string }, context: SessionContext, mode: LoginMode = 'session'): Promise<LoginResult | MfaRequired> => {
      requireMode(config, mode);
      const now = clock();
      // The account's failed attempts are cleared only once the login is complete: wrong codes count too (SPEC §6).
      const user = await accounts.checkPassword(input, context, now, { keepFailures: true });
      const methods = await secondStep.methods(user.id);
      if (methods.length === 0) await accounts.clearFailures(user.email);
      // Only after the password: whoever lacks it learns nothing about the account.
      if (config.requireVerifiedEmail && !user.emailVerified) {
        // The right password: a new link (within the mail limits) reveals nothing and unlocks a lost or expired one.
        await sendVerification(user, context, now);
        throw new GatehouseError('email_not_verified', 'Confirm your email address first: follow the link we sent you.');
      }
      // A second factor on: nothing is opened until POST /auth/login/mfa (mfa-login.ts) gets a right code.
      if (methods.length > 0) return secondStep.begin(user, mode, methods, context, now);
      return open(user, mode, context, { authTime: now, amr: ['pwd'] }, now);
    }) as Gatehouse['login'],

    async exchange(principal) {
      if (principal.mode !== 'session') {
        throw new GatehouseError('invalid_request', 'Only a cookie session can be exchanged for a token.');
      }
      const now = clock();
      const remaining = Math.floor((principal.expiresAt - now) / 1000);
      const ttl = Math.min(config.exchangeTtlSeconds, remaining);
      if (ttl < 1) throw new GatehouseError('unauthenticated', 'The session has ended.');
      const proof = { authTime: principal.authTime, amr: principal.amr };
      const { token, claims } = await tokens.issue({ userId: principal.userId, roles: principal.roles, proof }, principal.sessionId, now, ttl);
      return { accessToken: token, expiresIn: claims.exp - claims.iat };
    },
  };
}
