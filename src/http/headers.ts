// Owns the response headers of Gatehouse answers: no caching of anything auth-related and HSTS (when cookies
// are Secure) on every one, the browser's document hardening on every answer with a body, and CORS only for
// GATEHOUSE_ALLOWED_ORIGINS.
import type { GatehouseConfig } from '../core/config.js';
import { empty, header, type HttpRequest, type HttpResponse } from './types.js';

/** Every answer: never cached, and HTTPS only once seen over TLS. */
function essentialHeaders(config: Readonly<GatehouseConfig>): Record<string, string> {
  return {
    'cache-control': 'no-store',
    ...(config.insecureCookies ? {} : { 'strict-transport-security': 'max-age=31536000; includeSubDomains' }),
  };
}

/** Answers with a body, which a browser could sniff, frame or render: the essentials and document hardening. */
export function securityHeaders(config: Readonly<GatehouseConfig>): Record<string, string> {
  return {
    ...essentialHeaders(config),
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    'cross-origin-resource-policy': 'same-origin',
  };
}

/**
 * The security headers of one answer of the HTTP core. Document hardening (nosniff, framing, CSP, referrer,
 * CORP) governs what a browser does with a body, so a header-only answer — the forward-auth 200 a gateway
 * reads, a 204 — carries only the essentials: it has nothing to sniff, frame or render, and every header
 * costs on the hottest path (docs/performance.md).
 */
export function headerPolicy(config: Readonly<GatehouseConfig>): (response: HttpResponse) => Readonly<Record<string, string>> {
  const withBody = securityHeaders(config);
  const headerOnly = essentialHeaders(config);
  return (response) => (response.body === undefined ? headerOnly : withBody);
}

const NO_CORS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * CORS response headers: only an allowed origin is ever echoed, with credentials. `Vary: Origin` comes with
 * them; otherwise it only matters to a cache, and the one answer that may be cached (the JWKS) sets it itself.
 */
export function corsHeaders(origin: string | undefined, config: Readonly<GatehouseConfig>): Readonly<Record<string, string>> {
  if (origin === undefined || !config.allowedOrigins.includes(origin)) return NO_CORS;
  return { vary: 'Origin', 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true' };
}

/** Answers a CORS preflight; a disallowed origin gets no CORS headers, so the browser stops there. */
export function preflight(request: HttpRequest, config: Readonly<GatehouseConfig>): HttpResponse {
  const cors = corsHeaders(header(request, 'origin'), config);
  if (!cors['access-control-allow-origin']) return empty(204, cors);
  return empty(204, {
    ...cors,
    'access-control-allow-methods': 'GET, POST, DELETE',
    'access-control-allow-headers': 'Content-Type, X-CSRF-Token, Authorization',
    'access-control-max-age': '600',
  });
}
