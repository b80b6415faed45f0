// Owns the HTTP API, written once: the route table of SPEC §2 as framework-neutral handlers from
// HttpRequest to HttpResponse (or, for the revocation feed, to an HttpStream). Handlers never throw: every
// failure becomes the SPEC's error response here, so adapters only mount routes and translate. Security
// rules (which credential counts, what a logout may end) are the engine's; this layer reads the request.
// The revocation feed made here lives until the engine closes.
import type { Gatehouse, LoginResult, TokenPair } from '../core/gatehouse.js';
import { GatehouseError } from '../core/errors.js';
import { accountRoutes } from './account-routes.js';
import { passkeyRoutes } from './passkey-routes.js';
import { adminRoutes } from './admin-routes.js';
import { authenticate, challenge, csrfGate, presentedCredentials } from './authenticate.js';
import { clearedAuthCookies, cookieNames, hybridCookies, readCookie, readCookies, sessionCookies } from './cookies.js';
import { errorResponse } from './errors.js';
import { mfaRoutes } from './mfa-routes.js';
import { isUnsafeMethod, readJsonObject, refuseNonJsonBody, requireAllowedOrigin, stringField } from './guards.js';
import { createRevocationFeed, feedWarning } from './revocation-feed.js';
import { stepUpRoutes } from './step-up-routes.js';
import { addTraceHeader, isTracing } from './trace.js';
import { empty, header, json, type HttpRequest, type HttpResponse, type HttpStream } from './types.js';

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Forward-auth answers whatever method the gateway uses for its sub-request (HEAD comes with GET). */
const ANY_METHOD: readonly Method[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

export interface Route {
  method: Method | readonly Method[];
  path: string;
  handle(request: HttpRequest): Promise<HttpResponse | HttpStream>;
}

type Handler = (request: HttpRequest) => Promise<HttpResponse>;

/** The revocation feed's stream headers; the adapter adds the security headers. */
const EVENT_STREAM_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' };

/** The body of a token-mode login or refresh. */
function tokenBody(pair: TokenPair): Record<string, unknown> {
  return {
    token_type: 'Bearer',
    access_token: pair.accessToken,
    expires_in: pair.expiresIn,
    refresh_token: pair.refreshToken,
    refresh_expires_in: pair.refreshExpiresIn,
  };
}

/** The method of the request a gateway's forward-auth sub-request guards: an unsafe one of the two if any. */
function guardedMethod(forwarded: string | undefined, original: string | undefined): string | undefined {
  const first = forwarded ? forwarded.toUpperCase() : undefined;
  const second = original ? original.toUpperCase() : undefined;
  if (first === undefined) return second;
  return second !== undefined && !isUnsafeMethod(first) && isUnsafeMethod(second) ? second : first;
}

/** Where the routes report what the server's operator should see. */
export interface RouteReports {
  /** A fault: an answer of 500, or 503 for a store that is down. */
  onFault?(error: unknown, request: HttpRequest): void;
  /** A refusal that says why only to the log (`GatehouseError.detail`), e.g. a cross-site Origin. */
  onRefusal?(error: GatehouseError, request: HttpRequest): void;
  /** A start-up warning, e.g. the revocation feed closed for want of its token. */
  onWarning?(message: string): void;
}

export function createRoutes(gatehouse: Gatehouse, reports: RouteReports = {}): Route[] {
  const { config } = gatehouse;
  const names = cookieNames(config);
  const jwksMaxAge = Math.min(300, Math.floor(config.keyPublishLeadSeconds / 2));

  const context = (request: HttpRequest) => ({ ip: request.ip, userAgent: header(request, 'user-agent') ?? null });
  const feed = createRevocationFeed(gatehouse);
  const warning = feedWarning(config);
  if (warning) reports.onWarning?.(warning);

  // Development only (trace.ts): each answer reports what authenticating its request looked up.
  const traceOn = isTracing(gatehouse);

  const cookiesCleared = (principalMode: string): Record<string, string[]> =>
    principalMode === 'token' ? {} : { 'set-cookie': clearedAuthCookies(config) };

  /** The answer to a login that opened (password, second factor, passkey): per mode, as SPEC §2 "Login responses". */
  async function loginAnswer(request: HttpRequest, result: LoginResult): Promise<HttpResponse> {
    if (result.mode === 'token') return json(200, { ...tokenBody(result.tokens), user: result.user });
    // A login never keeps or adopts the cookie credential the browser already holds.
    const cookies = readCookies(request);
    await gatehouse.endPreviousLogin({ sessionCookie: cookies[names.session], refreshCookie: cookies[names.refresh] });
    if (result.mode === 'hybrid') {
      const { tokens, csrfToken, user } = result;
      return json(200, { user, csrfToken, expires_in: tokens.expiresIn }, { 'set-cookie': hybridCookies(config, tokens, csrfToken) });
    }
    const { session, user } = result;
    const maxAge = Math.floor((session.session.absoluteExpiresAt - session.session.createdAt) / 1000);
    return json(
      200,
      { user, csrfToken: session.csrfToken, expiresAt: new Date(session.session.expiresAt).toISOString() },
      { 'set-cookie': sessionCookies(config, session.token, session.csrfToken, maxAge) },
    );
  }

  /** The SPEC's error answer for what a handler threw, reported as a fault or a refusal where it is one. */
  function failure(error: unknown, request: HttpRequest): HttpResponse {
    const { response, fault } = errorResponse(error);
    if (fault) reports.onFault?.(error, request);
    else if (error instanceof GatehouseError && error.detail) reports.onRefusal?.(error, request);
    const unauthenticated = error instanceof GatehouseError && error.code === 'unauthenticated';
    const wwwAuthenticate = unauthenticated ? challenge(request) : undefined;
    if (wwwAuthenticate) response.headers['www-authenticate'] = wwwAuthenticate;
    return response;
  }

  function route(method: Route['method'], path: string, handler: Handler): Route {
    return {
      method,
      path,
      async handle(request) {
        let response: HttpResponse;
        try {
          response = await handler(request);
        } catch (error) {
          response = failure(error, request);
        }
        if (traceOn) addTraceHeader(request, response);
        return response;
      },
    };
  }

  return [
    route('GET', '/healthz', async () => json(200, { status: 'ok' })),

    route('GET', '/readyz', async () => {
      const health = await gatehouse.health();
      if (!health.store) {
        throw new GatehouseError('unavailable', `The ${health.storeKind} store is unreachable.`, { retryAfterSeconds: 1 });
      }
      if (!health.live) {
        throw new GatehouseError('unavailable', 'Not listening for other instances\' revocations yet.', { retryAfterSeconds: 1 });
      }
      return json(200, { status: 'ready' });
    }),

    route('GET', '/.well-known/jwks.json', async () =>
      json(200, gatehouse.jwks(), { 'cache-control': `public, max-age=${jwksMaxAge}`, vary: 'Origin' }),
    ),

    route('POST', '/auth/register', async (request) => {
      requireAllowedOrigin(request, config);
      const body = readJsonObject(request);
      const user = await gatehouse.register(
        { email: stringField(body, 'email'), password: stringField(body, 'password') },
        context(request),
      );
      return json(201, { user });
    }),

    route('POST', '/auth/login', async (request) => {
      requireAllowedOrigin(request, config);
      const body = readJsonObject(request);
      const mode = body['mode'] ?? 'session';
      if (typeof mode !== 'string' || !(config.modes as readonly string[]).includes(mode)) {
        throw new GatehouseError('invalid_request', `mode must be one of: ${config.modes.join(', ')}.`);
      }
      const credentials = { email: stringField(body, 'email'), password: stringField(body, 'password') };
      const result = await gatehouse.login(credentials, context(request), mode as 'session' | 'token' | 'hybrid');
      // A second factor is on (SPEC §6): no credential, no cookie, until POST /auth/login/mfa (mfa-routes.ts).
      if ('mfaRequired' in result) return json(200, { mfaRequired: true, mfaToken: result.mfaToken, methods: result.methods });
      return loginAnswer(request, result);
    }),

    route('POST', '/auth/refresh', async (request) => {
      if (request.body) {
        const body = readJsonObject(request);
        return json(200, tokenBody(await gatehouse.refresh(stringField(body, 'refresh_token'))));
      }
      const cookie = readCookie(request, names.refresh);
      // Neither a token-mode body nor a hybrid cookie: a signed-out browser asking, not a malformed request.
      if (cookie === undefined) throw new GatehouseError('unauthenticated', 'No refresh token: send {"refresh_token"} or the refresh cookie.');
      // Hybrid: the refresh cookie, with the family's CSRF token and an allowed origin.
      const { tokens, csrfToken } = await gatehouse.refreshFromCookie(cookie, csrfGate(gatehouse, request));
      return json(200, { csrfToken, expires_in: tokens.expiresIn }, { 'set-cookie': hybridCookies(config, tokens, csrfToken) });
    }),

    route('POST', '/auth/token', async (request) => {
      refuseNonJsonBody(request);
      const { accessToken, expiresIn } = await gatehouse.exchange(await authenticate(gatehouse, request));
      return json(200, { access_token: accessToken, token_type: 'Bearer', expires_in: expiresIn });
    }),

    route(ANY_METHOD, '/auth/verify', async (request) => {
      // The gateway's sub-request is a GET; the CSRF rules follow the method of the request it guards. A gateway
      // sets one of the two headers and passes the client's other one through, so an unsafe method in either wins.
      const method = guardedMethod(header(request, 'x-forwarded-method'), header(request, 'x-original-method'));
      const principal = await authenticate(gatehouse, method === undefined ? request : { ...request, method });
      return empty(200, {
        'x-auth-user-id': principal.userId,
        'x-auth-roles': principal.roles.join(','),
        'x-auth-session-id': principal.sessionId,
      });
    }),

    route('GET', '/auth/me', async (request) => {
      const principal = await authenticate(gatehouse, request);
      const user = await gatehouse.getUser(principal.userId);
      if (!user) throw new GatehouseError('unauthenticated', 'Not signed in, or the session has ended.');
      return json(200, {
        user,
        auth: {
          mode: principal.mode,
          sessionId: principal.sessionId,
          expiresAt: new Date(principal.expiresAt).toISOString(),
          // Step-up (SPEC §6): when and how the user last proved who they are, for a page to offer reauthentication.
          authTime: new Date(principal.authTime).toISOString(),
          amr: principal.amr,
        },
      });
    }),

    route('GET', '/auth/csrf', async (request) => {
      const principal = await authenticate(gatehouse, request);
      if (principal.mode !== 'session') throw new GatehouseError('invalid_request', 'CSRF tokens belong to cookie sessions.');
      return json(200, { csrfToken: gatehouse.csrfToken(principal.session) });
    }),

    route('POST', '/auth/logout', async (request) => {
      refuseNonJsonBody(request);
      // Which credential may end what (a hybrid refresh cookie alone included) is the engine's rule.
      const ended = await gatehouse.logoutWith(presentedCredentials(gatehouse, request), csrfGate(gatehouse, request));
      return empty(204, cookiesCleared(ended));
    }),

    route('POST', '/auth/logout-all', async (request) => {
      refuseNonJsonBody(request);
      const principal = await authenticate(gatehouse, request);
      await gatehouse.logoutAll(principal.userId);
      return empty(204, cookiesCleared(principal.mode));
    }),

    route('POST', '/auth/password', async (request) => {
      const body = readJsonObject(request);
      const principal = await authenticate(gatehouse, request);
      await gatehouse.changePassword(principal, stringField(body, 'currentPassword'), stringField(body, 'newPassword'), context(request));
      return empty(204);
    }),

    route('GET', '/auth/sessions', async (request) => {
      const principal = await authenticate(gatehouse, request);
      return json(200, { sessions: await gatehouse.listSessions(principal.userId, principal.sessionId) });
    }),

    route('GET', '/auth/audit', async (request) => {
      const principal = await authenticate(gatehouse, request);
      const { limit, cursor } = request.query;
      // Digits only: `1e1`, ` 5` or `0x10` would pass Number(); the engine checks the range and the cursor.
      if (limit !== undefined && !/^[0-9]{1,4}$/.test(limit)) throw new GatehouseError('invalid_request', 'limit must be a whole number from 1 to 100.');
      const page = await gatehouse.listAuditEvents(principal.userId, { limit: limit === undefined ? undefined : Number(limit), cursor });
      return json(200, page);
    }),

    route('DELETE', '/auth/sessions/:id', async (request) => {
      refuseNonJsonBody(request);
      const principal = await authenticate(gatehouse, request);
      const id = request.params['id'] ?? '';
      // Someone else's session is "not found", never "forbidden": its existence is not disclosed.
      if (!(await gatehouse.revokeSession(principal.userId, id))) throw new GatehouseError('not_found', 'No such session.');
      return empty(204, id === principal.sessionId ? cookiesCleared(principal.mode) : {});
    }),

    ...accountRoutes(gatehouse, route, context, cookiesCleared),
    ...stepUpRoutes(gatehouse, route, context),
    ...passkeyRoutes(gatehouse, route, context, loginAnswer),
    ...adminRoutes(gatehouse, route, context),
    ...mfaRoutes(gatehouse, route, context, loginAnswer),

    {
      method: 'GET',
      path: '/auth/revocations',
      async handle(request) {
        try {
          feed.admit(header(request, 'authorization'));
        } catch (error) {
          // Refusals, including 503 while this instance is not live: expected, retried by verifiers, not faults.
          return errorResponse(error).response;
        }
        const lastEventId = header(request, 'last-event-id');
        return { status: 200, headers: { ...EVENT_STREAM_HEADERS }, open: (sink) => feed.open(lastEventId, sink) };
      },
    },
  ];
}
