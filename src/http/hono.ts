// Owns the Hono adapter: a Hono app that mounts the HTTP core's routes (`app.route('/', gatehouseHono(gatehouse))`),
// handing each the raw body (read up to the body limit and decoded strictly as UTF-8; the core decides what is
// JSON), the client address (the peer's, or what a trusted proxy forwarded) and its answer back as a Response —
// the revocation feed as a streamed one — and `requireAuth` middleware for the app's own routes, which puts the
// principal on the context. It only translates.
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import type { GetConnInfo } from 'hono/conninfo';
import type { Gatehouse, Principal } from '../core/gatehouse.js';
import type { GatehouseError } from '../core/errors.js';
import { challenge, routeGuard, type RequireAuthOptions } from './authenticate.js';
import { errorResponse } from './errors.js';
import { decodeBody } from './guards.js';
import { corsHeaders, headerPolicy, preflight, securityHeaders } from './headers.js';
import { createRoutes } from './routes.js';
import { clientAddress, trustedProxies } from './trust-proxy.js';
import { isStream, queryOf, type HttpRequest, type HttpResponse } from './types.js';
import { checkBodySize, readBodyBytes, toWebResponse, toWebStream } from './web.js';

export type { RequireAuthOptions } from './authenticate.js';

/** What `requireAuth` puts on the context: `c.get('principal')`. For `new Hono<{ Variables: GatehouseVariables }>()`. */
export interface GatehouseVariables {
  /** Who made the request. */
  principal: Principal;
}

/** The Hono environment of routes behind `requireAuth`. */
export interface GatehouseEnv {
  Variables: GatehouseVariables;
}

export interface GatehouseHonoOptions {
  /** A fault of these routes (an answer of 500, or 503 for a store that is down); default `console.error`. */
  onFault?: (error: unknown) => void;
  /** A refusal whose reason is for the operator only (e.g. the Origin of a refused cross-site request). */
  onRefusal?: (error: GatehouseError) => void;
  /** A warning (e.g. the revocation feed closed for want of its token); default `console.warn`. */
  onWarning?: (message: string) => void;
  /**
   * Proxies whose X-Forwarded-For is believed for the client address (per-address rate limits, the session
   * list), as GATEHOUSE_TRUST_PROXY: addresses, CIDRs, `loopback`, `linklocal`, `uniquelocal`. Default none:
   * the peer's address, whatever the header says. A bad entry is a ConfigError here.
   */
  trustProxy?: readonly string[];
  /** The peer's address on another runtime (`getConnInfo` from `hono/bun`, `hono/deno`, …); default @hono/node-server's. */
  getConnInfo?: GetConnInfo;
}

interface NodeBindings {
  incoming?: { socket?: { remoteAddress?: string } };
  server?: NodeBindings;
}

/** The peer's address as @hono/node-server's `getConnInfo` reads it (its bindings), without loading that package. */
const nodeConnInfo: GetConnInfo = (c) => {
  const env = c.env as NodeBindings | undefined;
  const address = (env?.server ?? env)?.incoming?.socket?.remoteAddress;
  return { remote: address === undefined ? {} : { address } };
};

function toHttpRequest(c: Context, body: string | undefined, ip: string): HttpRequest {
  return { method: c.req.method, path: c.req.path, query: queryOf(c.req.url), headers: c.req.header(), params: c.req.param(), body, ip };
}

/**
 * The body as text for the HTTP core: the raw bytes (UTF-8 or a 400, at most the limit or a 413), or the body
 * a middleware of the app already read through `c.req` (Hono keeps it). GET and HEAD carry none.
 */
async function bodyText(c: Context, limitBytes: number): Promise<string | undefined> {
  if (c.req.method === 'GET' || c.req.method === 'HEAD') return undefined;
  const bytes = c.req.raw.bodyUsed ? new Uint8Array(await c.req.arrayBuffer()) : await readBodyBytes(c.req.raw, limitBytes);
  checkBodySize(bytes.byteLength, limitBytes);
  return bytes.byteLength === 0 ? undefined : decodeBody(bytes);
}

/** The Gatehouse API as a Hono app: `app.route('/', gatehouseHono(gatehouse))`. */
export function gatehouseHono(gatehouse: Gatehouse, options: GatehouseHonoOptions = {}): Hono {
  const { config } = gatehouse;
  const policy = headerPolicy(config);
  const streamHeaders = securityHeaders(config);
  const trusted = options.trustProxy && options.trustProxy.length > 0 ? trustedProxies(options.trustProxy) : null;
  const connInfo = options.getConnInfo ?? nodeConnInfo;
  const onFault = options.onFault ?? ((error: unknown) => console.error('gatehouse: request failed', error));
  const onWarning = options.onWarning ?? ((message: string) => console.warn(`gatehouse: ${message}`));
  let addressUnknown = false;
  const clientIp = (c: Context): string => {
    const peer = connInfo(c).remote.address;
    if (peer !== undefined) return clientAddress(peer, c.req.header('x-forwarded-for'), trusted);
    if (!addressUnknown) onWarning('The client address is unknown (not @hono/node-server?): pass getConnInfo, or every client shares one per-address rate limit.');
    addressUnknown = true;
    return 'unknown';
  };
  /** Every answer of these routes: its security and CORS headers, then its own (the JWKS overrides no-store). */
  const reply = (c: Context, response: HttpResponse) =>
    toWebResponse(response, { ...policy(response), ...corsHeaders(c.req.header('origin'), config) });
  const reports = {
    onFault: (error: unknown) => onFault(error),
    onRefusal: (error: GatehouseError) => options.onRefusal?.(error),
    onWarning,
  };

  const app = new Hono();
  for (const route of createRoutes(gatehouse, reports)) {
    app.on(typeof route.method === 'string' ? [route.method] : [...route.method], route.path, async (c) => {
      let body: string | undefined;
      try {
        body = await bodyText(c, config.bodyLimitBytes);
      } catch (error) {
        // 413, a body that is not UTF-8 (400), or a client gone mid-body: the SPEC's format, as the core's own.
        const { response, fault } = errorResponse(error);
        if (fault) onFault(error);
        return reply(c, response);
      }
      const response = await route.handle(toHttpRequest(c, body, clientIp(c)));
      if (!isStream(response)) return reply(c, response);
      // HEAD: the stream's headers only; opening the feed for a body nobody reads would hold a subscriber.
      if (c.req.method === 'HEAD') return toWebResponse({ status: response.status, headers: response.headers }, streamHeaders);
      return toWebStream(response, streamHeaders, onFault);
    });
  }
  app.options('/auth/*', (c) => reply(c, preflight(toHttpRequest(c, undefined, clientIp(c)), config)));
  return app;
}

/**
 * Middleware for the app's own routes: a session cookie (with CSRF for unsafe methods, unknown ones included),
 * hybrid cookie or bearer token — of one of `modes` if given — and one of `roles` if given. The principal is
 * then `c.get('principal')`. A refusal is a 401 (with the RFC 6750 challenge) or 403 in the SPEC's format; a
 * fault (a store that is down: 503) is answered in that format too and goes to `onFault`.
 */
export function requireAuth(
  gatehouse: Gatehouse,
  options: RequireAuthOptions & { onFault?: (error: unknown) => void } = {},
): MiddlewareHandler<GatehouseEnv> {
  const guard = routeGuard(gatehouse, options);
  const onFault = options.onFault ?? ((error: unknown) => console.error('gatehouse: request failed', error));
  return async (c, next) => {
    // The address plays no part in authenticating; the peer's stands in.
    const request = toHttpRequest(c, undefined, nodeConnInfo(c).remote.address ?? 'unknown');
    let principal: Principal;
    try {
      principal = await guard(request);
    } catch (error) {
      const { response, fault } = errorResponse(error);
      if (fault) onFault(error);
      const wwwAuthenticate = response.status === 401 ? challenge(request) : undefined;
      if (wwwAuthenticate) response.headers['www-authenticate'] = wwwAuthenticate;
      return toWebResponse(response);
    }
    c.set('principal', principal);
    await next();
  };
}
