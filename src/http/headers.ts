// Owns response headers every Gatehouse response carries: no caching of anything auth-related, nosniff and
// the usual browser hardening, HSTS when cookies are Secure, and CORS only for GATEHOUSE_ALLOWED_ORIGINS.
import type { GatehouseConfig } from '../core/config.js';
import { empty, header, type HttpRequest, type HttpResponse } from './types.js';

export function securityHeaders(config: Readonly<GatehouseConfig>): Record<string, string> {
  return {
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    'cross-origin-resource-policy': 'same-origin',
    ...(config.insecureCookies ? {} : { 'strict-transport-security': 'max-age=31536000; includeSubDomains' }),
  };
}

const NO_CORS: Readonly<Record<string, string>> = Object.freeze({ vary: 'Origin' });

/** CORS response headers: only an allowed origin is ever echoed, with credentials. */
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
