// Owns what the client's other entries (gatehouse/client/passkeys) may use of a client that createClient made, and
// no app needs: its base URL, mode, unauthenticated JSON posts, and adopting a login's answer as `login` does (the
// signed-in state of its mode, shared with the other tabs, onChange told). It hangs on the client under a
// registered symbol, so that it is found even when a bundler has given each entry its own copy of this module.
import type { GatehouseClient, Mode, User } from './types.js';

/** A login's answer, any mode (SPEC §2 "Login responses"). */
export interface LoginAnswer {
  user?: User;
  access_token?: string;
  refresh_token?: string;
  expires_in?: number;
  csrfToken?: string;
}

export interface ClientInternals {
  readonly mode: Mode;
  /** `baseUrl` + path. */
  url(path: string): string;
  /** A JSON POST with the client's cookie policy and no credential header; rejects with GatehouseClientError. */
  post(path: string, body: object): Promise<unknown>;
  /** Takes a login's answer as the signed-in state, as `login` does; returns the user. */
  signIn(answer: LoginAnswer): Promise<User>;
}

const KEY = Symbol.for('gatehouse.client.internals');

export function attachInternals(client: GatehouseClient, internals: ClientInternals): void {
  Object.defineProperty(client, KEY, { value: internals, enumerable: false });
}

export function internalsOf(client: GatehouseClient): ClientInternals {
  const internals = (client as unknown as Record<symbol, ClientInternals | undefined>)[KEY];
  if (!internals) throw new TypeError('Not a client that createClient (gatehouse/client) made.');
  return internals;
}
