// Owns the Fastify adapter: mounts the HTTP core's routes in an encapsulated plugin, hands each handler the
// raw body (the core decides what is JSON), and translates HttpRequest/HttpResponse. Nothing else.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Gatehouse } from '../core/engine.js';
import { errorResponse } from './errors.js';
import { corsHeaders, preflight, securityHeaders } from './headers.js';
import { createRoutes } from './routes.js';
import type { HttpRequest, HttpResponse } from './types.js';

export interface GatehouseFastifyOptions {
  gatehouse: Gatehouse;
}

export function toHttpRequest(request: FastifyRequest): HttpRequest {
  const queryAt = request.url.indexOf('?');
  return {
    method: request.method,
    path: queryAt === -1 ? request.url : request.url.slice(0, queryAt),
    headers: request.headers,
    params: (request.params ?? {}) as Record<string, string>,
    body: typeof request.body === 'string' ? request.body : undefined,
    ip: request.ip,
  };
}

export function sendHttpResponse(reply: FastifyReply, response: HttpResponse): FastifyReply {
  reply.code(response.status).headers(response.headers);
  return response.body === undefined ? reply.send() : reply.send(response.body);
}

/** Mounts /auth/* on a Fastify instance. Errors inside these routes get the SPEC's error format. */
export const gatehouseFastify: FastifyPluginAsync<GatehouseFastifyOptions> = async (app, { gatehouse }) => {
  const { config } = gatehouse;
  const headers = securityHeaders(config);

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: config.bodyLimitBytes }, (_request, body, done) => {
    done(null, body);
  });
  app.addHook('onSend', async (request, reply, payload) => {
    reply.headers({ ...headers, ...corsHeaders(request.headers.origin, config) });
    return payload;
  });
  app.setErrorHandler((error, request, reply) => {
    const { response, fault } = errorResponse(error);
    if (fault) request.log.error({ err: error }, 'request failed');
    return sendHttpResponse(reply, response);
  });

  for (const route of createRoutes(gatehouse)) {
    app.route({
      method: route.method,
      url: route.path,
      handler: async (request, reply) => sendHttpResponse(reply, await route.handle(toHttpRequest(request))),
    });
  }
  app.options('/auth/*', async (request, reply) => sendHttpResponse(reply, preflight(toHttpRequest(request), config)));
};
