// Owns the second-factor routes of SPEC §6: the login's second step (`POST /auth/login/mfa`, answered in the mode
// the login first asked for, through the same per-mode answer as `POST /auth/login`), and the user's own TOTP —
// status, setup, enable (recovery codes shown once), disable. Like the others (routes.ts), they read the request
// and leave every rule (step-up, single use, attempt limits) to the engine.
import type { Gatehouse, LoginResult } from '../core/gatehouse.js';
import { GatehouseError } from '../core/errors.js';
import type { SessionContext } from '../core/sessions.js';
import { authenticate } from './authenticate.js';
import { readJsonObject, refuseNonJsonBody, requireAllowedOrigin, stringField } from './guards.js';
import { empty, json, type HttpRequest, type HttpResponse } from './types.js';
import type { Method, Route } from './routes.js';

type Handler = (request: HttpRequest) => Promise<HttpResponse>;
type MakeRoute = (method: Method, path: string, handler: Handler) => Route;

/** An optional string field: absent (or null) is undefined, anything but a string is `invalid_request`. */
function optionalString(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new GatehouseError('invalid_request', `${name} must be a string.`);
  return value;
}

export function mfaRoutes(
  gatehouse: Gatehouse,
  route: MakeRoute,
  context: (request: HttpRequest) => SessionContext,
  loginAnswer: (request: HttpRequest, result: LoginResult) => Promise<HttpResponse>,
): Route[] {
  const { config } = gatehouse;
  return [
    route('POST', '/auth/login/mfa', async (request) => {
      // A login: the same Origin check as POST /auth/login (login CSRF).
      requireAllowedOrigin(request, config);
      const body = readJsonObject(request);
      const input = { mfaToken: stringField(body, 'mfaToken'), code: optionalString(body, 'code'), recoveryCode: optionalString(body, 'recoveryCode') };
      return loginAnswer(request, await gatehouse.completeMfaLogin(input, context(request)));
    }),

    route('GET', '/auth/mfa', async (request) => {
      const principal = await authenticate(gatehouse, request);
      return json(200, await gatehouse.mfaStatus(principal));
    }),

    route('POST', '/auth/mfa/totp/setup', async (request) => {
      refuseNonJsonBody(request);
      const principal = await authenticate(gatehouse, request);
      return json(200, await gatehouse.setupTotp(principal));
    }),

    route('POST', '/auth/mfa/totp/enable', async (request) => {
      const body = readJsonObject(request);
      const principal = await authenticate(gatehouse, request);
      return json(200, await gatehouse.enableTotp(principal, stringField(body, 'code'), context(request)));
    }),

    route('DELETE', '/auth/mfa/totp', async (request) => {
      refuseNonJsonBody(request);
      const principal = await authenticate(gatehouse, request);
      await gatehouse.disableTotp(principal, context(request));
      return empty(204);
    }),
  ];
}
