// Owns the request checks that stand in front of the routes: JSON-only bodies (forms and text/plain are
// refused, so a cross-site form cannot post), the Origin / Sec-Fetch-Site check against login CSRF and
// cross-site requests, and the X-CSRF-Token check for cookie-authenticated unsafe requests.
import type { GatehouseConfig } from '../core/config.js';
import { GatehouseError } from '../core/errors.js';
import { header, type HttpRequest } from './types.js';

/** RFC 9110 §9.2.1: the only methods that never need a CSRF check. Everything else does, unknown ones included. */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The body's text, refusing bytes that are not UTF-8 (RFC 8259 §8.1) rather than replacing them with U+FFFD:
 * a password is checked exactly as it was sent, and two different byte strings never become one.
 */
export function decodeBody(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new GatehouseError('invalid_request', 'The body is not valid UTF-8.');
  }
}

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

/** Whether a request with this method may change state: all but RFC 9110's safe methods, unknown ones included. */
export function isUnsafeMethod(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
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

/**
 * An https origin whose host:port is the Host the request came to. Plain http only with insecure cookies, or
 * on a loopback host (127.0.0.0/8, [::1], localhost), where browsers keep Secure cookies too: a page served
 * on http://127.0.0.1 during development is as same-origin as it gets. The host is read from the Origin
 * itself, so a rebound DNS name pointing at 127.0.0.1 is still refused.
 */
function isSameOrigin(origin: string, request: HttpRequest, config: Readonly<GatehouseConfig>): boolean {
  const host = header(request, 'host');
  if (!host || origin === 'null') return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  const schemeOk = url.protocol === 'https:' || (url.protocol === 'http:' && (config.insecureCookies || isLoopbackHost(url.hostname)));
  return schemeOk && url.origin === origin && url.host === host.toLowerCase();
}

/** The request's Origin when it is this server's own (as `isSameOrigin` judges it), else null: for passkeys' RP id. */
export function ownOrigin(request: HttpRequest, config: Readonly<GatehouseConfig>): string | null {
  const origin = header(request, 'origin');
  return origin !== undefined && isSameOrigin(origin, request, config) ? origin : null;
}

/** The origins `isSameOrigin` accepts for this Host header, for the log line of a refusal. */
function sameOrigins(host: string | undefined, config: Readonly<GatehouseConfig>): string[] {
  if (!host) return [];
  let http = config.insecureCookies;
  try {
    http ||= isLoopbackHost(new URL(`http://${host}`).hostname);
  } catch {
    return [];
  }
  return http ? [`https://${host}`, `http://${host}`] : [`https://${host}`];
}

/** A URL hostname (IPv6 in brackets, as URL gives it) that names this machine's loopback interface. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

export function requireAllowedOrigin(request: HttpRequest, config: Readonly<GatehouseConfig>): void {
  if (originAllowed(request, config)) return;
  const origin = header(request, 'origin');
  throw new GatehouseError(
    'csrf_failed',
    'Cross-site request refused: its Origin is neither this server nor one of GATEHOUSE_ALLOWED_ORIGINS.',
    {
      detail: {
        origin: origin ?? null,
        secFetchSite: header(request, 'sec-fetch-site') ?? null,
        expected: [...sameOrigins(header(request, 'host'), config), ...config.allowedOrigins],
      },
    },
  );
}

/** For cookie-authenticated unsafe requests: an allowed origin and the CSRF token bound to the credential. */
export function requireCsrf(request: HttpRequest, config: Readonly<GatehouseConfig>, matches: (presented: string) => boolean): void {
  if (!isUnsafeMethod(request.method)) return;
  requireAllowedOrigin(request, config);
  const presented = header(request, 'x-csrf-token');
  if (!presented || !matches(presented)) {
    throw new GatehouseError('csrf_failed', 'Missing or invalid CSRF token (send it in X-CSRF-Token).');
  }
}
