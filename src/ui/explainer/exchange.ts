// Owns what the explainer records of each request a pane makes: a `fetch` for gatehouse/client that names the
// pane (X-Gatehouse-Pane, so that each pane has its own cookie jar on the development server), and notes what
// the request carried (credentials shortened, never whole), the answer's status, the server's trace
// (X-Gatehouse-Trace), the auth cookies the server received and the cookies it set (names and attributes only),
// and, in token mode, the tokens of a login or refresh answer: the pane holds them in memory, as the client does.
import type { FetchLike, Mode } from '../../client/index.js';

export interface SetCookieReport {
  name: string;
  attributes: string[];
  storedAs: string;
}

export interface Exchange {
  at: number;
  method: string;
  path: string;
  status: number;
  /** What the request carried: header names with shortened values, and the cookie names the server received. */
  carried: string[];
  /** The server's trace, e.g. `credential=bearer; signature=ok; …`; null when it sent none. */
  trace: string | null;
  setCookies: SetCookieReport[];
  /** The error code of a refusal. */
  error: string | null;
}

export interface HeldTokens {
  access: string;
  refresh: string | null;
}

/** The first characters of a secret, for showing that it went, never what it is. */
export const shorten = (secret: string, keep = 10): string => (secret.length <= keep ? '…' : `${secret.slice(0, keep)}…`);

function parseSetCookies(value: string | null): SetCookieReport[] {
  if (!value) return [];
  try {
    const parsed = JSON.parse(value) as unknown;
    return Array.isArray(parsed) ? (parsed as SetCookieReport[]) : [];
  } catch {
    return [];
  }
}

function carriedBy(headers: Headers, cookies: string | null): string[] {
  const carried: string[] = [];
  const authorization = headers.get('authorization');
  if (authorization) carried.push(`Authorization: Bearer ${shorten(authorization.slice(7), 16)}`);
  const csrf = headers.get('x-csrf-token');
  if (csrf) carried.push(`X-CSRF-Token: ${shorten(csrf, 8)}`);
  if (cookies) carried.push(`Cookie: ${cookies.split(', ').map((name) => `${name}=…`).join('; ')}`);
  if (carried.length === 0) carried.push('no credential');
  return carried;
}

/** A fetch for the pane's client: the pane's cookie jar, and a record of each exchange. */
export function recordingFetch(mode: Mode, record: (exchange: Exchange) => void, hold: (tokens: HeldTokens | null) => void): FetchLike {
  return async (input, init = {}) => {
    const headers = new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined));
    headers.set('x-gatehouse-pane', mode);
    const response = await fetch(input, { ...init, headers });
    const url = new URL(input instanceof Request ? input.url : String(input), location.href);
    const method = (init.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    let error: string | null = null;
    if (response.status >= 400 || (mode === 'token' && /^\/auth\/(login|refresh)/.test(url.pathname))) {
      const body = (await response.clone().json().catch(() => null)) as Record<string, unknown> | null;
      const problem = body?.['error'] as { code?: string } | undefined;
      error = problem?.code ?? null;
      const access = body?.['access_token'];
      if (typeof access === 'string') hold({ access, refresh: typeof body?.['refresh_token'] === 'string' ? body['refresh_token'] : null });
    }
    if (mode === 'token' && /^\/auth\/logout/.test(url.pathname) && response.ok) hold(null);
    record({
      at: Date.now(),
      method,
      path: url.pathname,
      status: response.status,
      carried: carriedBy(headers, response.headers.get('x-gatehouse-cookies')),
      trace: response.headers.get('x-gatehouse-trace'),
      setCookies: parseSetCookies(response.headers.get('x-gatehouse-set-cookie')),
      error,
    });
    return response;
  };
}
