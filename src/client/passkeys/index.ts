// Owns `gatehouse/client/passkeys` (SPEC §6, §8): passkeys for a client that createClient made — register one while
// signed in, sign in with one (usernameless: the browser offers the site's passkeys), list and delete them. Each
// ceremony is options from the server → navigator.credentials (through @simplewebauthn/browser, this entry's one
// dependency, which is why it is not part of gatehouse/client) → the answer verified by the server. A sign-in leaves
// the client signed in, in its mode, exactly as `client.login` does (other tabs and onChange listeners included).
import { browserSupportsWebAuthn, startAuthentication, startRegistration } from '@simplewebauthn/browser';
import { errorFrom } from '../errors.js';
import { internalsOf, type LoginAnswer } from '../internals.js';
import type { GatehouseClient, User } from '../types.js';

/** A passkey of the signed-in user, as `GET /auth/passkeys` lists it. */
export interface PasskeyInfo {
  /** The credential id (base64url). */
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  /** `multiDevice`: synced between the user's devices; `singleDevice`: bound to one authenticator. */
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
  transports: string[];
}

type Options<T extends (...args: never[]) => unknown> = Parameters<T>[0]['optionsJSON'];

const JSON_TYPE = { 'content-type': 'application/json' };

/** An authenticated call through client.fetch (bearer or CSRF header): its JSON, undefined for 204. */
async function call<T>(client: GatehouseClient, method: string, path: string, body?: object): Promise<T> {
  const init = body === undefined ? { method } : { method, headers: JSON_TYPE, body: JSON.stringify(body) };
  const response = await client.fetch(internalsOf(client).url(path), init);
  if (!response.ok) throw await errorFrom(response);
  return (response.status === 204 ? undefined : await response.json()) as T;
}

/** Whether this browser can use passkeys at all (WebAuthn is there). */
export const passkeysSupported = (): boolean => browserSupportsWebAuthn();

/**
 * Creates a passkey on this device for the signed-in user and registers it. Rejects with GatehouseClientError
 * (`reauthentication_required` when the sign-in is too old for this sensitive change: sign in again first), or with
 * the browser's error when the user cancels (a `WebAuthnError` or `NotAllowedError`).
 */
export async function registerPasskey(client: GatehouseClient, options: { name?: string } = {}): Promise<PasskeyInfo> {
  const optionsJSON = await call<Options<typeof startRegistration>>(client, 'POST', '/auth/passkeys/register/options');
  const response = await startRegistration({ optionsJSON });
  const { passkey } = await call<{ passkey: PasskeyInfo }>(client, 'POST', '/auth/passkeys/register', { response, name: options.name });
  return passkey;
}

/**
 * Signs in with one of the site's passkeys, which the browser offers (no email asked): the client is then signed in
 * in its mode, as after `client.login`. `autofill: true` waits for the user to pick a passkey from an input's
 * autofill (`autocomplete="username webauthn"`) instead of opening a dialog. Rejects with GatehouseClientError
 * (`invalid_credentials` for a passkey the server refuses), or with the browser's error when the user cancels.
 */
export async function loginWithPasskey(client: GatehouseClient, options: { autofill?: boolean } = {}): Promise<User> {
  const internals = internalsOf(client);
  const optionsJSON = (await internals.post('/auth/passkeys/login/options', {})) as Options<typeof startAuthentication>;
  const response = await startAuthentication({ optionsJSON, useBrowserAutofill: options.autofill === true });
  const answer = (await internals.post('/auth/passkeys/login', { response, mode: internals.mode })) as LoginAnswer;
  return internals.signIn(answer);
}

/** The signed-in user's passkeys, oldest first. */
export async function listPasskeys(client: GatehouseClient): Promise<PasskeyInfo[]> {
  return (await call<{ passkeys: PasskeyInfo[] }>(client, 'GET', '/auth/passkeys')).passkeys;
}

/** Deletes one of the signed-in user's passkeys (a sensitive change: `reauthentication_required` when the sign-in is too old). */
export async function deletePasskey(client: GatehouseClient, id: string): Promise<void> {
  await call(client, 'DELETE', `/auth/passkeys/${encodeURIComponent(id)}`);
}
