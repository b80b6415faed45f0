// Owns reading who a request is: the credentials it carries (the Authorization header, parsed here, and the
// auth cookies) and the CSRF gate for a cookie credential (Origin and X-CSRF-Token, which are HTTP). Which
// credential counts is the engine's rule (core/principals.ts: the first present of bearer, access cookie,
// session cookie; never a fall-back). The guard of the app's own routes (`requireAuth` of every adapter:
// modes, roles, and step-up's maxAge and amr) is here too.
import { IMPLEMENTED_MODES, type LoginMode } from '../core/config.js';
import type { AuthMethod, Gatehouse, PresentedCredentials, Principal } from '../core/gatehouse.js';
import type { CsrfGate } from '../core/gatehouse.js';
import { GatehouseError } from '../core/errors.js';
import { ConfigError } from '../core/option-table.js';
import { checkProofRequirement } from '../core/step-up.js';
import { cookieNames, readCookies } from './cookies.js';
import { requireCsrf } from './guards.js';
import { traceOf } from './trace.js';
import { header, type HttpRequest } from './types.js';

/**
 * The bearer token of the request, null when it has none, or a thrown 401 for a malformed header: the scheme
 * `Bearer` in any case, spaces, one token. What the token may contain is the verifier's business (it holds
 * a JWT to its exact shape), so the header costs no scan of its few hundred characters here.
 */
export function bearerToken(request: HttpRequest): string | null {
  const authorization = header(request, 'authorization');
  if (authorization === undefined) return null;
  const token = authorization.slice(0, 7).toLowerCase() === 'bearer ' ? authorization.slice(7).trim() : '';
  if (token === '' || token.includes(' ')) throw new GatehouseError('unauthenticated', 'The Authorization header must be "Bearer <token>".');
  return token;
}

/** Every credential the request carries, for the engine to choose from; a malformed Authorization header is a 401 here. */
export function presentedCredentials(gatehouse: Gatehouse, request: HttpRequest): PresentedCredentials {
  const bearer = bearerToken(request);
  const names = cookieNames(gatehouse.config);
  const cookies = readCookies(request);
  const trace = traceOf(gatehouse, request); // development only (trace.ts); undefined when off
  return { bearer, accessCookie: cookies[names.access], sessionCookie: cookies[names.session], refreshCookie: cookies[names.refresh], trace };
}

/** The request's CSRF gate: on an unsafe method, an allowed Origin and an X-CSRF-Token the engine's check accepts. */
export function csrfGate(gatehouse: Gatehouse, request: HttpRequest): CsrfGate {
  return (matches) => requireCsrf(request, gatehouse.config, matches);
}

/** Who made the request, by the engine's one-credential rule; a refusal (401, 403 CSRF) rejects. */
export async function authenticate(gatehouse: Gatehouse, request: HttpRequest): Promise<Principal> {
  const principal = await gatehouse.authenticate(presentedCredentials(gatehouse, request), csrfGate(gatehouse, request));
  request.onAuthenticated?.(principal.userId);
  return principal;
}

/** Throws `forbidden` unless the principal holds at least one of `roles` (no roles: anyone signed in). */
export function requireRoles(principal: Principal, roles: readonly string[] = []): void {
  if (roles.length > 0 && !roles.some((role) => principal.roles.includes(role))) {
    throw new GatehouseError('forbidden', 'You do not have the role this needs.');
  }
}

/** What `requireAuth` (each adapter's) asks of a request to the app's own route. */
export interface RequireAuthOptions {
  /** At least one of these roles (none: anyone signed in). */
  roles?: readonly string[];
  /**
   * The kinds of credential the route takes (none: all), e.g. `['token']` for an API called with bearer tokens
   * only. The one-credential rule still picks the credential; one of another mode is a 401, never a fall-back.
   */
  modes?: readonly LoginMode[];
  /**
   * Step-up (SPEC §6): seconds since the user last proved who they are (login or `POST /auth/reauthenticate`),
   * at most; an older proof is `403 reauthentication_required`. None: any age.
   */
  maxAge?: number;
  /**
   * Step-up: the proof must include at least one of these methods (`pwd` password, `otp` a code, `hwk` a
   * passkey), e.g. `['otp', 'hwk']` for "signed in with a second factor or a passkey"; else `403
   * reauthentication_required`. At least one, not all: a passkey alone is as strong as password and code.
   */
  amr?: readonly AuthMethod[];
}

/**
 * The guard behind `requireAuth`, its options checked now (an empty or unknown `modes` is a ConfigError): who
 * made the request, or a refusal (401; 403 for CSRF or a missing role).
 */
export function routeGuard(gatehouse: Gatehouse, options: RequireAuthOptions = {}): (request: HttpRequest) => Promise<Principal> {
  const { roles, modes, maxAge, amr } = options;
  if (modes !== undefined && (modes.length === 0 || modes.some((mode) => !IMPLEMENTED_MODES.includes(mode)))) {
    throw new ConfigError([`requireAuth: modes must name one or more of ${IMPLEMENTED_MODES.join(', ')}`]);
  }
  const proof = { maxAge, amr };
  try {
    checkProofRequirement(proof);
  } catch (error) {
    throw new ConfigError([`requireAuth: ${(error as Error).message}`]);
  }
  const stepUp = maxAge !== undefined || amr !== undefined;
  return async (request) => {
    const principal = await authenticate(gatehouse, request);
    if (modes !== undefined && !modes.includes(principal.mode)) {
      throw new GatehouseError('unauthenticated', `This route takes ${modes.join(' or ')} credentials only.`);
    }
    requireRoles(principal, roles);
    if (stepUp) gatehouse.requireRecentAuth(principal, proof);
    return principal;
  };
}

/** RFC 6750 challenge for a 401: on requests that tried a bearer token, or carried no credential at all. */
export function challenge(request: HttpRequest): string | undefined {
  if (header(request, 'authorization') !== undefined) return 'Bearer realm="gatehouse", error="invalid_token"';
  return header(request, 'cookie') === undefined ? 'Bearer realm="gatehouse"' : undefined;
}
