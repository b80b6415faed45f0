// Owns the account-lifecycle routes of SPEC §5: email verification, forgotten password and reset, email change,
// and account deletion. Like the others (routes.ts), they read the request and leave every rule to the engine.
import type { Gatehouse } from '../core/gatehouse.js';
import type { SessionContext } from '../core/sessions.js';
import { authenticate } from './authenticate.js';
import { readJsonObject, refuseNonJsonBody, requireAllowedOrigin, stringField } from './guards.js';
import { empty, json, type HttpRequest, type HttpResponse } from './types.js';
import type { Method, Route } from './routes.js';

type Handler = (request: HttpRequest) => Promise<HttpResponse>;
type MakeRoute = (method: Method, path: string, handler: Handler) => Route;

export function accountRoutes(
  gatehouse: Gatehouse,
  route: MakeRoute,
  context: (request: HttpRequest) => SessionContext,
  clearCookies: (mode: string) => Record<string, string[]>,
): Route[] {
  const { config } = gatehouse;
  return [
    route('POST', '/auth/email/verify/request', async (request) => {
      refuseNonJsonBody(request);
      const principal = await authenticate(gatehouse, request);
      await gatehouse.requestEmailVerification(principal, context(request));
      return empty(202);
    }),

    route('POST', '/auth/email/verify', async (request) => {
      const body = readJsonObject(request);
      return json(200, { user: await gatehouse.verifyEmail(stringField(body, 'token')) });
    }),

    route('POST', '/auth/password/forgot', async (request) => {
      requireAllowedOrigin(request, config);
      const body = readJsonObject(request);
      await gatehouse.forgotPassword(stringField(body, 'email'), context(request));
      return empty(202);
    }),

    route('POST', '/auth/password/reset', async (request) => {
      requireAllowedOrigin(request, config);
      const body = readJsonObject(request);
      await gatehouse.resetPassword(stringField(body, 'token'), stringField(body, 'newPassword'), context(request));
      return empty(204);
    }),

    route('POST', '/auth/email/change', async (request) => {
      const body = readJsonObject(request);
      const principal = await authenticate(gatehouse, request);
      await gatehouse.requestEmailChange(principal, stringField(body, 'newEmail'), stringField(body, 'currentPassword'), context(request));
      return empty(202);
    }),

    route('POST', '/auth/email/change/confirm', async (request) => {
      const body = readJsonObject(request);
      return json(200, { user: await gatehouse.confirmEmailChange(stringField(body, 'token')) });
    }),

    route('DELETE', '/auth/account', async (request) => {
      const body = readJsonObject(request);
      const principal = await authenticate(gatehouse, request);
      await gatehouse.deleteAccount(principal, stringField(body, 'currentPassword'), context(request));
      return empty(204, clearCookies(principal.mode));
    }),
  ];
}
