// Owns the Express adapter: a Router that mounts the HTTP core's routes (raw body handed to the core, which
// decides what is JSON), and `requireAuth` middleware for the app's own routes. It only translates.
import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import type { Gatehouse, Principal } from '../core/engine.js';
import { authenticate, challenge, requireRoles } from './authenticate.js';
import { errorResponse } from './errors.js';
import { corsHeaders, headerPolicy, preflight } from './headers.js';
import { createRoutes } from './routes.js';
import type { HttpRequest, HttpResponse } from './types.js';

function toHttpRequest(request: Request): HttpRequest {
  return {
    method: request.method,
    path: request.path,
    headers: request.headers,
    params: (request.params ?? {}) as Record<string, string>,
    body: typeof request.body === 'string' ? request.body : undefined,
    ip: request.ip ?? request.socket.remoteAddress ?? 'unknown',
  };
}

function send(res: Response, response: HttpResponse): void {
  res.status(response.status).set(response.headers);
  if (response.body === undefined) res.end();
  else res.send(response.body);
}

/** The Gatehouse API as an Express router: `app.use(gatehouseExpress(gatehouse))`. */
export function gatehouseExpress(gatehouse: Gatehouse): Router {
  const { config } = gatehouse;
  const policy = headerPolicy(config);
  const router = express.Router();
  /** Every answer of these routes: its security and CORS headers, then its own (the JWKS overrides no-store). */
  const reply = (req: Request, res: Response, response: HttpResponse) => {
    res.set({ ...policy(response), ...corsHeaders(req.headers.origin, config) });
    send(res, response);
  };
  const body = express.text({ type: () => true, limit: config.bodyLimitBytes, defaultCharset: 'utf-8' });
  for (const route of createRoutes(gatehouse, (error) => console.error('gatehouse: request failed', error))) {
    const handler: RequestHandler = (req, res, next) => {
      route.handle(toHttpRequest(req)).then((response) => reply(req, res, response), next);
    };
    for (const method of typeof route.method === 'string' ? [route.method] : route.method) {
      router[method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'](route.path, body, handler);
    }
  }
  router.options('/auth/*rest', (req, res) => reply(req, res, preflight(toHttpRequest(req), config)));
  // Body-parser failures (413, 415, 400) in the SPEC's error format.
  router.use((error: unknown, req: Request, res: Response, _next: NextFunction) => reply(req, res, errorResponse(error).response));
  return router;
}

/**
 * Middleware for the app's own routes: a session cookie (with CSRF for unsafe methods), hybrid cookie or
 * bearer token, and one of `roles` if given. The principal is then `res.locals.principal`.
 */
export function requireAuth(gatehouse: Gatehouse, options: { roles?: readonly string[] } = {}): RequestHandler {
  return (req, res, next) => {
    const request = toHttpRequest(req);
    authenticate(gatehouse, request)
      .then((principal: Principal) => {
        requireRoles(principal, options.roles);
        res.locals['principal'] = principal;
        next();
      })
      .catch((error: unknown) => {
        const { response, fault } = errorResponse(error);
        if (fault) return next(error);
        const wwwAuthenticate = response.status === 401 ? challenge(request) : undefined;
        if (wwwAuthenticate) response.headers['www-authenticate'] = wwwAuthenticate;
        send(res, response);
      });
  };
}
