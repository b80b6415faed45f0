// Owns who a request is: one documented rule for the credential it carries, and the checks that go with it.
// Rule: exactly one credential is read, the first present of (1) the Authorization header, (2) the hybrid
// access cookie, (3) the session cookie; the others are ignored, so a request never mixes two identities,
// and an invalid first credential is a 401 (never a fall-back). Cookie credentials get the CSRF check on
// unsafe methods. Roles are checked here too.
import type { Gatehouse, Principal } from '../core/engine.js';
import { GatehouseError } from '../core/errors.js';
import { cookieNames, readCookie } from './cookies.js';
import { requireCsrf } from './guards.js';
import { header, type HttpRequest } from './types.js';

export const UNAUTHENTICATED_MESSAGE = 'Not signed in, or the credential is invalid, expired or revoked.';

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

export async function authenticate(gatehouse: Gatehouse, request: HttpRequest): Promise<Principal> {
  const token = bearerToken(request);
  if (token !== null) {
    const principal = await gatehouse.authenticateBearer(token);
    if (!principal) throw new GatehouseError('unauthenticated', UNAUTHENTICATED_MESSAGE);
    return principal;
  }
  const names = cookieNames(gatehouse.config);
  const access = readCookie(request, names.access);
  if (access !== undefined) {
    const principal = await gatehouse.authenticateAccessCookie(access);
    if (!principal) throw new GatehouseError('unauthenticated', UNAUTHENTICATED_MESSAGE);
    requireCsrf(request, gatehouse.config, (presented) => gatehouse.checkFamilyCsrf(principal.sessionId, presented));
    return principal;
  }
  const cookie = readCookie(request, names.session);
  const principal = cookie ? await gatehouse.authenticateSession(cookie) : null;
  if (!principal || principal.mode !== 'session') throw new GatehouseError('unauthenticated', UNAUTHENTICATED_MESSAGE);
  const { session } = principal;
  requireCsrf(request, gatehouse.config, (presented) => gatehouse.checkCsrf(session, presented));
  return principal;
}

/** Throws `forbidden` unless the principal holds at least one of `roles` (no roles: anyone signed in). */
export function requireRoles(principal: Principal, roles: readonly string[] = []): void {
  if (roles.length > 0 && !roles.some((role) => principal.roles.includes(role))) {
    throw new GatehouseError('forbidden', 'You do not have the role this needs.');
  }
}

/** RFC 6750 challenge for a 401: on requests that tried a bearer token, or carried no credential at all. */
export function challenge(request: HttpRequest): string | undefined {
  if (header(request, 'authorization') !== undefined) return 'Bearer realm="gatehouse", error="invalid_token"';
  return header(request, 'cookie') === undefined ? 'Bearer realm="gatehouse"' : undefined;
}
