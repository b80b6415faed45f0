// Owns the administration routes of SPEC §7 under `/admin/`: any credential, as everywhere (CSRF for cookie
// ones on unsafe methods), whose user holds the `admin` role — 401 without one, 403 `forbidden` without the
// role, and (SPEC §6 step-up) a proof of identity newer than GATEHOUSE_STEP_UP_MAX_AGE — 403
// `reauthentication_required` without one. They read the request and call the engine's `admin` operations,
// which hold the rules and the audit.
import type { AdminActor } from '../core/administration.js';
import type { Gatehouse, Principal } from '../core/gatehouse.js';
import { GatehouseError } from '../core/errors.js';
import type { SessionContext } from '../core/sessions.js';
import { authenticate, requireRoles } from './authenticate.js';
import { readJsonObject, refuseNonJsonBody, stringField } from './guards.js';
import { empty, json, type HttpRequest, type HttpResponse } from './types.js';
import type { Method, Route } from './routes.js';

type Handler = (request: HttpRequest) => Promise<HttpResponse>;
type MakeRoute = (method: Method, path: string, handler: Handler) => Route;

export const ADMIN_ROLE = 'admin';

const notFound = (what = 'user') => new GatehouseError('not_found', `No such ${what}.`);

/** `limit` as the query string carries it: digits only (`1e1` or ` 5` would pass Number()); the engine checks the range. */
function limitOf(request: HttpRequest): number | undefined {
  const { limit } = request.query;
  if (limit === undefined) return undefined;
  if (!/^[0-9]{1,4}$/.test(limit)) throw new GatehouseError('invalid_request', 'limit must be a whole number from 1 to 100.');
  return Number(limit);
}

export function adminRoutes(gatehouse: Gatehouse, route: MakeRoute, context: (request: HttpRequest) => SessionContext): Route[] {
  const { admin: operations } = gatehouse;

  /** The administrator making the request, or a refusal (401, 403 CSRF, 403 forbidden, 403 reauthentication_required). */
  async function admin(request: HttpRequest): Promise<{ principal: Principal; actor: AdminActor }> {
    const principal = await authenticate(gatehouse, request);
    requireRoles(principal, [ADMIN_ROLE]);
    // Step-up on every /admin/ route, reads included: they show every user's email, sessions, addresses and
    // audit trail, which is what a stolen or unattended admin session would be used to take. One rule for the
    // whole API also leaves no route forgotten. After the role: a non-admin learns nothing from it.
    gatehouse.requireRecentAuth(principal);
    const { ip, userAgent } = context(request);
    return { principal, actor: { adminId: principal.userId, ip, userAgent } };
  }

  /** A body-less action on the user named in the path: 204, or 404 for an unknown user. */
  const action = (method: Method, path: string, act: (actor: AdminActor, userId: string, request: HttpRequest) => Promise<boolean>, what?: string) =>
    route(method, path, async (request) => {
      refuseNonJsonBody(request);
      const { actor } = await admin(request);
      if (!(await act(actor, request.params['id'] ?? '', request))) throw notFound(what);
      return empty(204);
    });

  return [
    route('GET', '/admin/users', async (request) => {
      await admin(request);
      const { query, cursor } = request.query;
      return json(200, await operations.findUsers({ query, limit: limitOf(request), cursor }));
    }),

    route('GET', '/admin/users/:id', async (request) => {
      await admin(request);
      const detail = await operations.showUser(request.params['id'] ?? '');
      if (!detail) throw notFound();
      return json(200, detail);
    }),

    action('POST', '/admin/users/:id/disable', (actor, id) => operations.disableUser(actor, id)),
    action('POST', '/admin/users/:id/enable', (actor, id) => operations.enableUser(actor, id)),
    action('DELETE', '/admin/users/:id', (actor, id) => operations.deleteUser(actor, id)),

    route('POST', '/admin/users/:id/roles', async (request) => {
      const body = readJsonObject(request);
      const { actor } = await admin(request);
      if (!(await operations.grantRole(actor, request.params['id'] ?? '', stringField(body, 'role')))) throw notFound();
      return empty(204);
    }),

    action('DELETE', '/admin/users/:id/roles/:role', (actor, id, request) => operations.revokeRole(actor, id, request.params['role'] ?? '')),
    action('DELETE', '/admin/users/:id/sessions', (actor, id) => operations.revokeSessions(actor, id)),
    action('DELETE', '/admin/users/:id/sessions/:sid', (actor, id, request) => operations.revokeSession(actor, id, request.params['sid'] ?? ''), 'session'),
    action('DELETE', '/admin/users/:id/mfa', (actor, id) => operations.resetMfa(actor, id)),

    route('POST', '/admin/users/:id/password-reset', async (request) => {
      refuseNonJsonBody(request);
      const { actor } = await admin(request);
      if (!(await operations.forcePasswordReset(actor, request.params['id'] ?? ''))) throw notFound();
      return empty(202);
    }),

    route('GET', '/admin/audit', async (request) => {
      await admin(request);
      return json(200, await operations.listAudit({ limit: limitOf(request), cursor: request.query['cursor'] }));
    }),
  ];
}
