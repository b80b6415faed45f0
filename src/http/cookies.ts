// Owns the session cookies: their names (with the __Host- prefix unless insecure development mode),
// attributes, and reading them back. Only the prefixed names are read, so a cookie planted without the
// prefix (e.g. from a sibling subdomain) is ignored.
import { parse, serialize } from 'cookie';
import type { GatehouseConfig } from '../core/config.js';
import { header, type HttpRequest } from './types.js';

export interface CookieNames {
  session: string;
  csrf: string;
}

export function cookieNames(config: Readonly<GatehouseConfig>): CookieNames {
  const prefix = config.insecureCookies ? '' : '__Host-';
  return { session: `${prefix}gh_session`, csrf: `${prefix}gh_csrf` };
}

export function readCookie(request: HttpRequest, name: string): string | undefined {
  const raw = header(request, 'cookie');
  if (!raw) return undefined;
  return parse(raw)[name];
}

/** `__Host-gh_session`: HttpOnly, Secure, SameSite=Lax, Path=/, no Domain. */
export function sessionCookies(
  config: Readonly<GatehouseConfig>,
  token: string,
  csrfToken: string,
  maxAgeSeconds: number,
): string[] {
  const names = cookieNames(config);
  const base = { path: '/', sameSite: 'lax', secure: !config.insecureCookies, maxAge: maxAgeSeconds } as const;
  return [
    serialize(names.session, token, { ...base, httpOnly: true }),
    // Readable by the page's script, which echoes it in X-CSRF-Token.
    serialize(names.csrf, csrfToken, base),
  ];
}

export function clearedSessionCookies(config: Readonly<GatehouseConfig>): string[] {
  const names = cookieNames(config);
  const base = { path: '/', sameSite: 'lax', secure: !config.insecureCookies, maxAge: 0, expires: new Date(0) } as const;
  return [serialize(names.session, '', { ...base, httpOnly: true }), serialize(names.csrf, '', base)];
}
