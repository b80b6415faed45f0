// Owns the request checks that stand in front of the routes: JSON-only bodies (forms and text/plain are
// refused, so a cross-site form cannot post), the Origin / Sec-Fetch-Site check against login CSRF and
// cross-site requests, and the X-CSRF-Token check for cookie-authenticated unsafe requests.
import type { GatehouseConfig } from '../core/config.js';
import { GatehouseError } from '../core/errors.js';
import { header, type HttpRequest } from './types.js';

export const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Parses a JSON object body; 415 for any other media type, 400 for malformed JSON or a non-object. */
export function readJsonObject(request: HttpRequest): Record<string, unknown> {
  if (!isJson(header(request, 'content-type'))) {
    throw new GatehouseError('unsupported_media_type', 'The body must be JSON (Content-Type: application/json).');
  }
  let value: unknown;
  try {
    value = JSON.parse(request.body ?? '');
  } catch {
    throw new GatehouseError('invalid_request', 'The body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new GatehouseError('invalid_request', 'The body must be a JSON object.');
  }
  return value as Record<string, unknown>;
}

/** For endpoints without a body: any body that is there must still be JSON. */
export function refuseNonJsonBody(request: HttpRequest): void {
  if (request.body !== undefined && request.body !== '' && !isJson(header(request, 'content-type'))) {
    throw new GatehouseError('unsupported_media_type', 'The body must be JSON (Content-Type: application/json).');
  }
}

function isJson(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const [type, ...params] = contentType.split(';').map((part) => part.trim().toLowerCase());
  if (type !== 'application/json') return false;
  return params.every((p) => !p.startsWith('charset=') || p === 'charset=utf-8' || p === 'charset="utf-8"');
}

export function stringField(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== 'string') throw new GatehouseError('invalid_request', `${name} must be a string.`);
  return value;
}

/**
 * Same-origin or explicitly allowed origins only. A browser always sends Origin on a cross-origin POST;
 * requests without Origin and without a cross-site Sec-Fetch-Site come from non-browser clients, which
 * cannot ride a victim's cookies.
 */
export function originAllowed(request: HttpRequest, config: Readonly<GatehouseConfig>): boolean {
  const origin = header(request, 'origin');
  if (origin !== undefined) return config.allowedOrigins.includes(origin) || isSameOrigin(origin, request, config);
  const site = header(request, 'sec-fetch-site');
  return site === undefined || site === 'same-origin' || site === 'none';
}

function isSameOrigin(origin: string, request: HttpRequest, config: Readonly<GatehouseConfig>): boolean {
  const host = header(request, 'host');
  if (!host || origin === 'null') return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  const schemeOk = url.protocol === 'https:' || (config.insecureCookies && url.protocol === 'http:');
  return schemeOk && url.origin === origin && url.host === host.toLowerCase();
}

export function requireAllowedOrigin(request: HttpRequest, config: Readonly<GatehouseConfig>): void {
  if (!originAllowed(request, config)) {
    throw new GatehouseError('csrf_failed', 'Cross-site request refused.');
  }
}

/** For cookie-authenticated unsafe requests: an allowed origin and the CSRF token bound to the credential. */
export function requireCsrf(request: HttpRequest, config: Readonly<GatehouseConfig>, matches: (presented: string) => boolean): void {
  if (!UNSAFE_METHODS.has(request.method)) return;
  requireAllowedOrigin(request, config);
  const presented = header(request, 'x-csrf-token');
  if (!presented || !matches(presented)) {
    throw new GatehouseError('csrf_failed', 'Missing or invalid CSRF token (send it in X-CSRF-Token).');
  }
}
