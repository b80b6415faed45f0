// Owns the passkey routes of SPEC §6: registering one (signed in), signing in with one (usernameless), listing and
// deleting the user's own. Like the others (routes.ts), they read the request and leave every rule to the engine
// (core/passkeys.ts); what they add is the origin the request came to, which names the RP id and the expected
// origin when GATEHOUSE_PUBLIC_URL is not set.
import { GatehouseError } from '../core/errors.js';
import type { Gatehouse, LoginResult } from '../core/gatehouse.js';
import type { LoginMode } from '../core/config.js';
import type { SessionContext } from '../core/sessions.js';
import { authenticate } from './authenticate.js';
import { ownOrigin, readJsonObject, refuseNonJsonBody, requireAllowedOrigin } from './guards.js';
import { empty, json, type HttpRequest, type HttpResponse } from './types.js';
import type { Method, Route } from './routes.js';

type Handler = (request: HttpRequest) => Promise<HttpResponse>;
type MakeRoute = (method: Method, path: string, handler: Handler) => Route;

/** `loginAnswer` answers a login that opened, per mode, as the password login does (routes.ts). */
export function passkeyRoutes(
  gatehouse: Gatehouse,
  route: MakeRoute,
  context: (request: HttpRequest) => SessionContext,
  loginAnswer: (request: HttpRequest, result: LoginResult) => Promise<HttpResponse>,
): Route[] {
  const { config, passkeys } = gatehouse;
  const origin = (request: HttpRequest) => ownOrigin(request, config);

  return [
    route('POST', '/auth/passkeys/register/options', async (request) => {
      refuseNonJsonBody(request);
      const principal = await authenticate(gatehouse, request);
      return json(200, await passkeys.registrationOptions(principal, origin(request)), { 'cache-control': 'no-store' });
    }),

    route('POST', '/auth/passkeys/register', async (request) => {
      const body = readJsonObject(request);
      const principal = await authenticate(gatehouse, request);
      const passkey = await passkeys.register(principal, { response: body['response'], name: body['name'] }, origin(request), context(request));
      return json(201, { passkey });
    }),

    route('POST', '/auth/passkeys/login/options', async (request) => {
      requireAllowedOrigin(request, config);
      refuseNonJsonBody(request);
      return json(200, await passkeys.loginOptions(origin(request)), { 'cache-control': 'no-store' });
    }),

    route('POST', '/auth/passkeys/login', async (request) => {
      requireAllowedOrigin(request, config);
      const body = readJsonObject(request);
      const mode = body['mode'] ?? 'session';
      if (typeof mode !== 'string' || !(config.modes as readonly string[]).includes(mode)) {
        throw new GatehouseError('invalid_request', `mode must be one of: ${config.modes.join(', ')}.`);
      }
      const result = await passkeys.login(body['response'], mode as LoginMode, origin(request), context(request));
      return loginAnswer(request, result);
    }),

    route('GET', '/auth/passkeys', async (request) => {
      const principal = await authenticate(gatehouse, request);
      return json(200, { passkeys: await passkeys.list(principal.userId) });
    }),

    route('DELETE', '/auth/passkeys/:id', async (request) => {
      refuseNonJsonBody(request);
      const principal = await authenticate(gatehouse, request);
      await passkeys.delete(principal, request.params['id'] ?? '', context(request));
      return empty(204);
    }),
  ];
}
