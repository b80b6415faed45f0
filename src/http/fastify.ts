// Owns the Fastify adapter: mounts the HTTP core's routes in an encapsulated plugin, hands each handler the
// raw body (the core decides what is JSON), translates HttpRequest/HttpResponse (and an HttpStream to a raw
// response, ended when the instance closes), and offers `requireAuth` for the embedding app's own routes.
// Nothing else.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { Gatehouse, Principal } from '../core/gatehouse.js';
import type { GatehouseError } from '../core/errors.js';
import { challenge, routeGuard, type RequireAuthOptions } from './authenticate.js';
import { errorResponse } from './errors.js';
import { corsHeaders, headerPolicy, preflight, securityHeaders } from './headers.js';
import { decodeBody } from './guards.js';
import { createRoutes } from './routes.js';
import { isStream, pathOf, queryOf, type HttpRequest, type HttpResponse, type HttpStream } from './types.js';

export interface GatehouseFastifyOptions {
  gatehouse: Gatehouse;
  /** Where a fault of these routes (an answer of 500, or 503 for a store that is down) is reported, with the
   * request's id; by default, the instance's log at `error`. */
  onFault?: (error: unknown, requestId: string) => void;
  /** Where a refusal whose reason is for the operator only (e.g. the Origin of a refused cross-site request) is
   * reported; by default, the instance's log at `info`. */
  onRefusal?: (error: GatehouseError, requestId: string) => void;
  /** Where a start-up warning (e.g. the revocation feed closed for want of its token) goes; by default, the
   * instance's log at `warn`. */
  onWarning?: (message: string) => void;
  /** Told who each request to these routes turned out to be, when one authenticates it (e.g. for an access log). */
  onAuthenticated?: (request: FastifyRequest, userId: string) => void;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `requireAuth`: who made the request. */
    principal?: Principal;
  }
}

export function toHttpRequest(request: FastifyRequest): HttpRequest {
  return {
    method: request.method,
    path: pathOf(request.url),
    query: queryOf(request.url),
    headers: request.headers,
    params: (request.params ?? {}) as Record<string, string>,
    body: typeof request.body === 'string' ? request.body : undefined,
    ip: request.ip,
    id: request.id,
  };
}

export function sendHttpResponse(reply: FastifyReply, response: HttpResponse): FastifyReply {
  reply.code(response.status).headers(response.headers);
  return response.body === undefined ? reply.send() : reply.send(response.body);
}

/** Mounts the Gatehouse API on a Fastify instance. Errors inside these routes get the SPEC's error format. */
export const gatehouseFastify: FastifyPluginAsync<GatehouseFastifyOptions> = async (app, options) => {
  const { gatehouse } = options;
  const report = options.onFault ?? ((error, requestId) => app.log.error({ reqId: requestId, err: error }, 'request failed'));
  const refused = options.onRefusal ?? ((error, requestId) => app.log.info({ reqId: requestId, refused: error.code, ...error.detail }, error.message));
  const { config } = gatehouse;
  const headers = securityHeaders(config);
  const policy = headerPolicy(config);
  /** Every answer of these routes: its security and CORS headers, then its own (the JWKS overrides no-store). */
  const send = (request: FastifyRequest, reply: FastifyReply, response: HttpResponse) =>
    sendHttpResponse(reply.headers(policy(response)).headers(corsHeaders(request.headers.origin, config)), response);

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: config.bodyLimitBytes }, (_request, body, done) => {
    try {
      done(null, decodeBody(body as Buffer));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.setErrorHandler((error, request, reply) => {
    const { response, fault } = errorResponse(error);
    if (fault) report(error, request.id);
    return send(request, reply, response);
  });

  const streams = new Set<ServerResponse>();
  // Streams never finish by themselves: end them first, or closing the server would wait on them forever.
  app.addHook('preClose', async () => {
    for (const stream of streams) stream.end();
  });
  /** A stream answer on the raw response: security headers, then its own, then whatever `open` writes. */
  const sendStream = (request: FastifyRequest, reply: FastifyReply, response: HttpStream) => {
    reply.hijack();
    const stream = reply.raw;
    stream.writeHead(response.status, { ...headers, ...response.headers });
    streams.add(stream);
    let stop = () => {};
    request.raw.on('close', () => {
      stop();
      streams.delete(stream);
    });
    try {
      stop = response.open({ write: (chunk) => void stream.write(chunk), end: () => void stream.end() });
    } catch (error) {
      report(error, request.id);
      stream.end();
    }
  };

  const reports = {
    onFault: (error: unknown, request: HttpRequest) => report(error, request.id ?? ''),
    onRefusal: (error: GatehouseError, request: HttpRequest) => refused(error, request.id ?? ''),
    onWarning: options.onWarning ?? ((message: string) => app.log.warn(message)),
  };
  const { onAuthenticated } = options;
  /** The core's request, with the authenticated-user callback only when someone asked for it. */
  const httpRequest = onAuthenticated === undefined
    ? toHttpRequest
    : (request: FastifyRequest): HttpRequest => ({ ...toHttpRequest(request), onAuthenticated: (userId) => onAuthenticated(request, userId) });
  for (const route of createRoutes(gatehouse, reports)) {
    app.route({
      method: typeof route.method === 'string' ? route.method : [...route.method],
      url: route.path,
      handler: async (request, reply) => {
        const response = await route.handle(httpRequest(request));
        return isStream(response) ? sendStream(request, reply, response) : send(request, reply, response);
      },
    });
  }
  app.options('/auth/*', async (request, reply) => send(request, reply, preflight(toHttpRequest(request), config)));
};

/**
 * A preHandler for the app's own routes: a session cookie (with CSRF for unsafe methods), hybrid cookie or
 * bearer token — of one of `modes` if given — and one of `roles` if given. Sets `request.principal`; answers
 * 401/403 in the SPEC's format otherwise.
 */
export function requireAuth(gatehouse: Gatehouse, options: RequireAuthOptions = {}): preHandlerAsyncHookHandler {
  const guard = routeGuard(gatehouse, options);
  return async (request, reply) => {
    try {
      request.principal = await guard(toHttpRequest(request));
    } catch (error) {
      const { response, fault } = errorResponse(error);
      if (fault) request.log.error({ err: error }, 'request failed');
      // The RFC 6750 challenge the Gatehouse routes send on a 401, on the app's protected routes too.
      const wwwAuthenticate = response.status === 401 ? challenge(toHttpRequest(request)) : undefined;
      if (wwwAuthenticate) response.headers['www-authenticate'] = wwwAuthenticate;
      await sendHttpResponse(reply, response);
    }
  };
}
