// Owns the Express adapter: a Router that mounts the HTTP core's routes (raw body handed to the core, which
// decides what is JSON, or the body an app's own `express.json()` already parsed; an HttpStream, the
// revocation feed, written to the response as it comes), and `requireAuth` middleware for the app's own
// routes. It only translates.
import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import type { Gatehouse, Principal } from '../core/gatehouse.js';
import type { GatehouseError } from '../core/errors.js';
import { challenge, routeGuard, type RequireAuthOptions } from './authenticate.js';
import { errorResponse } from './errors.js';
import { decodeBody } from './guards.js';
import { corsHeaders, headerPolicy, preflight, securityHeaders } from './headers.js';
import { createRoutes } from './routes.js';
import { isStream, queryOf, type HttpRequest, type HttpResponse, type HttpStream } from './types.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Express's own way to type res.locals
  namespace Express {
    interface Locals {
      /** Set by `requireAuth`: who made the request. */
      principal?: Principal;
    }
  }
}

export interface GatehouseExpressOptions {
  /** A fault of these routes (an answer of 500, or 503 for a store that is down); default `console.error`. */
  onFault?: (error: unknown) => void;
  /** A refusal whose reason is for the operator only (e.g. the Origin of a refused cross-site request). */
  onRefusal?: (error: GatehouseError) => void;
  /** A start-up warning (e.g. the revocation feed closed for want of its token); default `console.warn`. */
  onWarning?: (message: string) => void;
}

/**
 * The body as text for the HTTP core: the raw bytes this router read (UTF-8 or a 400), or what a parser the app
 * mounted earlier left — `express.json()` leaves an object, which goes back to JSON text (the core still
 * checks the Content-Type, so an `express.urlencoded()` form is refused with 415 as before).
 */
function bodyText(body: unknown): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (Buffer.isBuffer(body)) return body.length === 0 ? undefined : decodeBody(body);
  return typeof body === 'string' ? body : JSON.stringify(body);
}

function toHttpRequest(request: Request): HttpRequest {
  return {
    method: request.method,
    path: request.path,
    query: queryOf(request.originalUrl),
    headers: request.headers,
    params: (request.params ?? {}) as Record<string, string>,
    body: typeof request.body === 'string' ? request.body : undefined,
    ip: request.ip ?? request.socket.remoteAddress ?? 'unknown',
  };
}

/**
 * A stream answer (the revocation feed): security headers, then its own, then whatever `open` writes until the
 * client goes away or the engine closes (which ends the feed's streams, so `server.close()` can finish).
 */
function sendStream(res: Response, response: HttpStream, headers: Readonly<Record<string, string>>, onFault: (error: unknown) => void): void {
  res.writeHead(response.status, { ...headers, ...response.headers });
  let stop = () => {};
  res.on('close', () => stop());
  try {
    stop = response.open({ write: (chunk) => void res.write(chunk), end: () => void res.end() });
  } catch (error) {
    onFault(error);
    res.end();
  }
}

function send(res: Response, response: HttpResponse): void {
  res.status(response.status).set(response.headers);
  if (response.body === undefined) res.end();
  else res.send(response.body);
}

/** The Gatehouse API as an Express router: `app.use(gatehouseExpress(gatehouse))`, before or after `express.json()`. */
export function gatehouseExpress(gatehouse: Gatehouse, options: GatehouseExpressOptions = {}): Router {
  const { config } = gatehouse;
  const policy = headerPolicy(config);
  const streamHeaders = securityHeaders(config);
  const router = express.Router();
  /** Every answer of these routes: its security and CORS headers, then its own (the JWKS overrides no-store). */
  const reply = (req: Request, res: Response, response: HttpResponse) => {
    res.set({ ...policy(response), ...corsHeaders(req.headers.origin, config) });
    send(res, response);
  };
  // The raw bytes (a parser mounted earlier by the app leaves req.body as it made it), then the text the core reads.
  const raw = express.raw({ type: () => true, limit: config.bodyLimitBytes });
  const body: RequestHandler = (req, _res, next) => {
    try {
      req.body = bodyText(req.body);
      next();
    } catch (error) {
      next(error);
    }
  };
  const onFault = options.onFault ?? ((error: unknown) => console.error('gatehouse: request failed', error));
  const reports = {
    onFault: (error: unknown) => onFault(error),
    onRefusal: (error: GatehouseError) => options.onRefusal?.(error),
    onWarning: options.onWarning ?? ((message: string) => console.warn(`gatehouse: ${message}`)),
  };
  for (const route of createRoutes(gatehouse, reports)) {
    const handler: RequestHandler = (req, res, next) => {
      route.handle(toHttpRequest(req)).then(
        (response) => (isStream(response) ? sendStream(res, response, streamHeaders, onFault) : reply(req, res, response)),
        next,
      );
    };
    for (const method of typeof route.method === 'string' ? [route.method] : route.method) {
      router[method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'](route.path, raw, body, handler);
    }
  }
  router.options('/auth/*rest', (req, res) => reply(req, res, preflight(toHttpRequest(req), config)));
  // Body-parser failures (413, 415, 400) in the SPEC's error format.
  router.use((error: unknown, req: Request, res: Response, _next: NextFunction) => reply(req, res, errorResponse(error).response));
  return router;
}

/**
 * Middleware for the app's own routes: a session cookie (with CSRF for unsafe methods), hybrid cookie or
 * bearer token — of one of `modes` if given — and one of `roles` if given. The principal is then
 * `res.locals.principal`.
 */
export function requireAuth(gatehouse: Gatehouse, options: RequireAuthOptions = {}): RequestHandler {
  const guard = routeGuard(gatehouse, options);
  return (req, res, next) => {
    const request = toHttpRequest(req);
    guard(request)
      .then((principal: Principal) => {
        res.locals.principal = principal;
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
