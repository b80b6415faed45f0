// Owns the HTTP API, written once: the route table of SPEC §2 for session mode, as framework-neutral
// handlers from HttpRequest to HttpResponse. Adapters mount these routes; they add nothing of their own.
import type { Gatehouse } from '../core/engine.js';
import { GatehouseError } from '../core/errors.js';
import type { ValidSession } from '../core/sessions.js';
import { clearedSessionCookies, cookieNames, readCookie, sessionCookies } from './cookies.js';
import { readJsonObject, refuseNonJsonBody, requireAllowedOrigin, requireCsrf, stringField } from './guards.js';
import { empty, header, json, type HttpRequest, type HttpResponse } from './types.js';

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  handle(request: HttpRequest): Promise<HttpResponse>;
}

export function createRoutes(gatehouse: Gatehouse): Route[] {
  const { config } = gatehouse;
  const names = cookieNames(config);

  function context(request: HttpRequest) {
    return { ip: request.ip, userAgent: header(request, 'user-agent') ?? null };
  }

  /** The cookie session of the request, CSRF-checked for unsafe methods; 401 without a valid one. */
  async function authenticate(request: HttpRequest): Promise<ValidSession> {
    const token = readCookie(request, names.session);
    const session = token ? await gatehouse.validateSession(token) : null;
    if (!session) throw new GatehouseError('unauthenticated', 'Not signed in, or the session has ended.');
    requireCsrf(request, gatehouse, session);
    return session;
  }

  const routes: Route[] = [
    {
      method: 'GET',
      path: '/healthz',
      handle: async () => json(200, { status: 'ok' }),
    },
    {
      method: 'GET',
      path: '/readyz',
      async handle() {
        try {
          await gatehouse.store.ping();
        } catch {
          throw new GatehouseError('unavailable', `The ${gatehouse.store.kind} store is unreachable.`, {
            retryAfterSeconds: 1,
          });
        }
        return json(200, { status: 'ready' });
      },
    },
    {
      method: 'POST',
      path: '/auth/register',
      async handle(request) {
        requireAllowedOrigin(request, config);
        const body = readJsonObject(request);
        const user = await gatehouse.register(
          { email: stringField(body, 'email'), password: stringField(body, 'password') },
          context(request),
        );
        return json(201, { user });
      },
    },
    {
      method: 'POST',
      path: '/auth/login',
      async handle(request) {
        requireAllowedOrigin(request, config);
        const body = readJsonObject(request);
        const mode = body['mode'] ?? 'session';
        if (typeof mode !== 'string' || !(config.modes as readonly string[]).includes(mode)) {
          throw new GatehouseError('invalid_request', `mode must be one of: ${config.modes.join(', ')}.`);
        }
        const credentials = { email: stringField(body, 'email'), password: stringField(body, 'password') };
        const { user, session } = await gatehouse.login(credentials, context(request));
        // The session the browser held before (if any) ends here: a login never keeps or adopts an old id.
        const previous = readCookie(request, names.session);
        const old = previous ? await gatehouse.validateSession(previous) : null;
        if (old) await gatehouse.logout(old);
        const maxAge = Math.floor((session.session.absoluteExpiresAt - session.session.createdAt) / 1000);
        return json(
          200,
          { user, csrfToken: session.csrfToken, expiresAt: new Date(session.session.expiresAt).toISOString() },
          { 'set-cookie': sessionCookies(config, session.token, session.csrfToken, maxAge) },
        );
      },
    },
    {
      method: 'GET',
      path: '/auth/me',
      async handle(request) {
        const { session } = await authenticate(request);
        const user = await gatehouse.getUser(session.userId);
        if (!user) throw new GatehouseError('unauthenticated', 'Not signed in, or the session has ended.');
        return json(200, {
          user,
          auth: { mode: 'session', sessionId: session.id, expiresAt: new Date(session.expiresAt).toISOString() },
        });
      },
    },
    {
      method: 'GET',
      path: '/auth/csrf',
      async handle(request) {
        const session = await authenticate(request);
        return json(200, { csrfToken: gatehouse.csrfToken(session) });
      },
    },
    {
      method: 'POST',
      path: '/auth/logout',
      async handle(request) {
        refuseNonJsonBody(request);
        const session = await authenticate(request);
        await gatehouse.logout(session);
        return empty(204, { 'set-cookie': clearedSessionCookies(config) });
      },
    },
    {
      method: 'POST',
      path: '/auth/logout-all',
      async handle(request) {
        refuseNonJsonBody(request);
        const { session } = await authenticate(request);
        await gatehouse.logoutAll(session.userId);
        return empty(204, { 'set-cookie': clearedSessionCookies(config) });
      },
    },
    {
      method: 'GET',
      path: '/auth/sessions',
      async handle(request) {
        const { session } = await authenticate(request);
        return json(200, { sessions: await gatehouse.listSessions(session.userId, session.id) });
      },
    },
    {
      method: 'DELETE',
      path: '/auth/sessions/:id',
      async handle(request) {
        refuseNonJsonBody(request);
        const { session } = await authenticate(request);
        const id = request.params['id'] ?? '';
        // Someone else's session is "not found", never "forbidden": its existence is not disclosed.
        if (!(await gatehouse.revokeSession(session.userId, id))) {
          throw new GatehouseError('not_found', 'No such session.');
        }
        return empty(204, id === session.id ? { 'set-cookie': clearedSessionCookies(config) } : {});
      },
    },
  ];
  return routes;
}
