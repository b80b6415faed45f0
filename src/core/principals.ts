// Owns who a caller is: a session cookie, a bearer token or a hybrid access cookie turned into a Principal, and
// the one-credential rule over whatever a request presents. Exactly one credential counts, the first present
// of the bearer token, the hybrid access cookie, the session cookie; an invalid first one is refused, never a
// fall-back to the next, so a request never mixes two identities. A cookie credential must also pass the
// caller's CSRF gate with the token bound to it (the session's secret, or the hybrid family's id).
import type { AccessClaims } from './access-tokens.js';
import { csrfMatches, csrfTokenFor } from './credentials.js';
import { GatehouseError } from './errors.js';
import type { CsrfGate, Gatehouse, PresentedCredentials, Principal } from './gatehouse.js';
import type { EngineParts } from './parts.js';
import { isAuthMethod } from './step-up.js';

export const UNAUTHENTICATED_MESSAGE = 'Not signed in, or the credential is invalid, expired or revoked.';

const unauthenticated = () => new GatehouseError('unauthenticated', UNAUTHENTICATED_MESSAGE);

export interface Principals {
  session(token: string, now: number): Promise<Principal | null>;
  token(token: string, mode: 'token' | 'hybrid', now: number): Promise<Principal | null>;
  /** The one-credential rule (see the module comment); throws `unauthenticated` or the gate's refusal. */
  authenticate(presented: PresentedCredentials, csrf: CsrfGate, now: number): Promise<Principal>;
  /** Runs the CSRF gate of a cookie principal with the token bound to its credential. */
  passCsrf(principal: Principal, csrf: CsrfGate): void;
}

export type PrincipalMembers = Pick<
  Gatehouse,
  'validateSession' | 'authenticateSession' | 'authenticateBearer' | 'authenticateAccessCookie' | 'authenticate' | 'verifyAccessToken' | 'csrfToken' | 'checkCsrf'
>;

/** The principal of a verified access token. */
function tokenPrincipal(claims: AccessClaims, mode: 'token' | 'hybrid'): Principal {
  // The proof the token carries; a token without one (issued before step-up) counts as proven long ago.
  const authTime = claims.auth_time === undefined ? 0 : claims.auth_time * 1000;
  const amr = claims.amr === undefined ? [] : claims.amr.filter(isAuthMethod);
  return { mode, userId: claims.sub, sessionId: claims.sid, roles: claims.roles, expiresAt: claims.exp * 1000, authTime, amr, claims };
}

export function createPrincipals(parts: EngineParts): { principals: Principals; members: PrincipalMembers } {
  const { store, clock, sessions, tokens, familyCsrf } = parts;

  const principals: Principals = {
    async session(token, now) {
      const valid = await sessions.validate(token, now);
      if (!valid) return null;
      const user = await store.users.findById(valid.session.userId);
      if (!user || user.disabledAt !== null) return null; // disabling also ends every session: this is the backstop
      const { session } = valid;
      const { authTime, amr } = session;
      return { mode: 'session', userId: user.id, sessionId: session.id, roles: user.roles, expiresAt: session.expiresAt, authTime, amr: [...amr], session: valid };
    },

    async token(token, mode, now) {
      const claims = await tokens.authenticate(token, now);
      return claims ? tokenPrincipal(claims, mode) : null;
    },

    async authenticate(presented, csrf, now) {
      const { trace } = presented;
      if (trace) return traced(presented, csrf, now, trace);
      const bearer = presented.bearer ?? null;
      if (bearer !== null) {
        // The hot path of an API: one await, not two (principals.token's own frame).
        const claims = await tokens.authenticate(bearer, now);
        if (!claims) throw unauthenticated();
        return tokenPrincipal(claims, 'token');
      }
      const access = presented.accessCookie;
      const cookie = presented.sessionCookie;
      const principal = access !== undefined
        ? await principals.token(access, 'hybrid', now)
        : cookie ? await principals.session(cookie, now) : null;
      if (!principal) throw unauthenticated();
      principals.passCsrf(principal, csrf);
      return principal;
    },

    passCsrf(principal, csrf) {
      if (principal.mode === 'session') {
        const { secret } = principal.session;
        csrf((presented) => csrfMatches(secret, presented));
      } else {
        csrf((presented) => familyCsrf.matches(principal.sessionId, presented));
      }
    },
  };

  /** The token checks, recorded: a refused token is verified once more without revocation to say which check failed. */
  async function tracedToken(token: string, mode: 'token' | 'hybrid', now: number, trace: string[]): Promise<Principal | null> {
    const principal = await principals.token(token, mode, now);
    if (principal) {
      trace.push('signature=ok', 'claims=ok', 'revocation-check=ok');
      return principal;
    }
    const genuine = await tokens.verify(token, now);
    trace.push(...(genuine ? ['signature=ok', 'claims=ok', 'revocation-check=revoked'] : ['signature-or-claims=refused']));
    return null;
  }

  /** `authenticate` with its steps recorded (development only: http/trace.ts); the same rule, the same answers. */
  async function traced(presented: PresentedCredentials, csrf: CsrfGate, now: number, trace: string[]): Promise<Principal> {
    const bearer = presented.bearer ?? null;
    const access = presented.accessCookie;
    const cookie = presented.sessionCookie;
    let principal: Principal | null = null;
    if (bearer !== null) {
      trace.push('credential=bearer');
      principal = await tracedToken(bearer, 'token', now, trace);
    } else if (access !== undefined) {
      trace.push('credential=access-cookie');
      principal = await tracedToken(access, 'hybrid', now, trace);
    } else if (cookie) {
      trace.push('credential=session-cookie', 'session-store-read=1');
      principal = await principals.session(cookie, now);
      trace.push(principal ? 'session=valid' : 'session=unknown-or-ended');
    } else {
      trace.push('credential=none');
    }
    if (!principal) throw unauthenticated();
    if (bearer === null) {
      try {
        principals.passCsrf(principal, csrf);
      } catch (error) {
        trace.push('csrf-gate=refused');
        throw error;
      }
      trace.push('csrf-gate=passed');
    }
    return principal;
  }

  const members: PrincipalMembers = {
    validateSession: (token) => sessions.validate(token, clock()),
    authenticateSession: (token) => principals.session(token, clock()),
    authenticateBearer: (token) => principals.token(token, 'token', clock()),
    authenticateAccessCookie: (token) => principals.token(token, 'hybrid', clock()),
    authenticate: (presented, csrf) => principals.authenticate(presented, csrf, clock()),
    verifyAccessToken: (token) => tokens.authenticate(token, clock()),
    csrfToken: (session) => csrfTokenFor(session.secret),
    checkCsrf: (session, presented) => csrfMatches(session.secret, presented),
  };
  return { principals, members };
}
