// Owns the cookies: their names (with the __Host-/__Secure- prefixes unless insecure development mode),
// attributes, and reading them back. Only the prefixed names are read, so a cookie planted without the
// prefix (e.g. from a sibling subdomain) is ignored.
import { parse, serialize, type SerializeOptions } from 'cookie';
import type { GatehouseConfig } from '../core/config.js';
import { header, type HttpRequest } from './types.js';

export interface CookieNames {
  session: string;
  csrf: string;
  access: string;
  refresh: string;
}

/** The refresh cookie is only ever sent to the auth endpoints. */
export const REFRESH_COOKIE_PATH = '/auth';

export function cookieNames(config: Readonly<GatehouseConfig>): CookieNames {
  const host = config.insecureCookies ? '' : '__Host-';
  const secure = config.insecureCookies ? '' : '__Secure-';
  return { session: `${host}gh_session`, csrf: `${host}gh_csrf`, access: `${host}gh_access`, refresh: `${secure}gh_refresh` };
}

export function readCookie(request: HttpRequest, name: string): string | undefined {
  return readCookies(request)[name];
}

const NO_COOKIES: Readonly<Record<string, string | undefined>> = Object.freeze({});

/** Every cookie of the request, parsed once. */
export function readCookies(request: HttpRequest): Readonly<Record<string, string | undefined>> {
  const raw = header(request, 'cookie');
  return raw ? parse(raw) : NO_COOKIES;
}

function base(config: Readonly<GatehouseConfig>, maxAge: number): SerializeOptions {
  return { path: '/', sameSite: 'lax', secure: !config.insecureCookies, maxAge };
}

/** Every cookie of the other modes, expired: a browser holds one kind of credential at a time. */
function cleared(config: Readonly<GatehouseConfig>, which: readonly (keyof CookieNames)[]): string[] {
  const names = cookieNames(config);
  return which.map((name) =>
    serialize(names[name], '', {
      ...base(config, 0),
      expires: new Date(0),
      httpOnly: name !== 'csrf',
      ...(name === 'refresh' ? { path: REFRESH_COOKIE_PATH, sameSite: 'strict' } : {}),
    }),
  );
}

/** Session mode: `__Host-gh_session` (HttpOnly, Secure, SameSite=Lax, Path=/) and the readable CSRF cookie. */
export function sessionCookies(config: Readonly<GatehouseConfig>, token: string, csrfToken: string, maxAgeSeconds: number): string[] {
  const names = cookieNames(config);
  return [
    serialize(names.session, token, { ...base(config, maxAgeSeconds), httpOnly: true }),
    // Readable by the page's script, which echoes it in X-CSRF-Token.
    serialize(names.csrf, csrfToken, base(config, maxAgeSeconds)),
    ...cleared(config, ['access', 'refresh']),
  ];
}

/**
 * Hybrid mode: `__Host-gh_access` (HttpOnly, SameSite=Lax, Path=/), `__Secure-gh_refresh` (HttpOnly,
 * SameSite=Strict, Path=/auth) and the readable CSRF cookie bound to the family.
 */
export function hybridCookies(
  config: Readonly<GatehouseConfig>,
  tokens: { accessToken: string; expiresIn: number; refreshToken: string; refreshExpiresIn: number },
  csrfToken: string,
): string[] {
  const names = cookieNames(config);
  return [
    serialize(names.access, tokens.accessToken, { ...base(config, tokens.expiresIn), httpOnly: true }),
    serialize(names.refresh, tokens.refreshToken, {
      ...base(config, tokens.refreshExpiresIn),
      httpOnly: true,
      sameSite: 'strict',
      path: REFRESH_COOKIE_PATH,
    }),
    serialize(names.csrf, csrfToken, base(config, tokens.refreshExpiresIn)),
    ...cleared(config, ['session']),
  ];
}

/** Hybrid mode's access cookie alone, renewed (a reauthentication: the refresh and CSRF cookies stay). */
export function accessCookie(config: Readonly<GatehouseConfig>, accessToken: string, expiresIn: number): string {
  return serialize(cookieNames(config).access, accessToken, { ...base(config, expiresIn), httpOnly: true });
}

export function clearedAuthCookies(config: Readonly<GatehouseConfig>): string[] {
  return cleared(config, ['session', 'csrf', 'access', 'refresh']);
}
