// Owns the step-up route of SPEC §6: `POST /auth/reauthenticate` `{password}` or `{code}`, which renews the
// proof of the credential the request carries (any mode; CSRF for cookie ones, as on every unsafe request). The
// answer, per mode: the renewed proof (`authTime` ISO 8601, `amr`); token mode also a fresh access token in the
// body (`access_token`, `token_type`, `expires_in`: the refresh token stays), hybrid a fresh access cookie.
// The rules (limits, the code's verifier, the store write) are the engine's (core/reauthenticate.ts).
import { GatehouseError } from '../core/errors.js';
import type { Gatehouse } from '../core/gatehouse.js';
import type { SessionContext } from '../core/sessions.js';
import { authenticate } from './authenticate.js';
import { accessCookie } from './cookies.js';
import { readJsonObject } from './guards.js';
import { json, type HttpRequest, type HttpResponse } from './types.js';
import type { Method, Route } from './routes.js';

type Handler = (request: HttpRequest) => Promise<HttpResponse>;
type MakeRoute = (method: Method, path: string, handler: Handler) => Route;

/** An optional string field: absent is undefined, anything but a string is `invalid_request`. */
function optionalString(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value !== undefined && typeof value !== 'string') throw new GatehouseError('invalid_request', `${name} must be a string.`);
  return value;
}

export function stepUpRoutes(gatehouse: Gatehouse, route: MakeRoute, context: (request: HttpRequest) => SessionContext): Route[] {
  const { config } = gatehouse;
  return [
    route('POST', '/auth/reauthenticate', async (request) => {
      const body = readJsonObject(request);
      const input = { password: optionalString(body, 'password'), code: optionalString(body, 'code') };
      const principal = await authenticate(gatehouse, request);
      const result = await gatehouse.reauthenticate(principal, input, context(request));
      const auth = { authTime: new Date(result.authTime).toISOString(), amr: result.amr };
      if (result.mode === 'session') return json(200, auth);
      if (result.mode === 'token') {
        return json(200, { ...auth, access_token: result.accessToken, token_type: 'Bearer', expires_in: result.expiresIn });
      }
      return json(200, { ...auth, expires_in: result.expiresIn }, { 'set-cookie': [accessCookie(config, result.accessToken, result.expiresIn)] });
    }),
  ];
}
