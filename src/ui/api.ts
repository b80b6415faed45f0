// Owns how the hosted pages speak to the server: one gatehouse/client in session mode (the cookie is HttpOnly, so
// no page script ever holds a session credential), JSON calls through its fetch (CSRF header added), the public
// calls made with a mailed token, readable error messages, and the step-up retry (SPEC §6).
import { createClient, GatehouseClientError } from '../client/index.js';
import { errorFrom } from '../client/errors.js';

export const client = createClient({ mode: 'session' });

const JSON_TYPE = { 'content-type': 'application/json' };

/** A signed-in call: its JSON answer, undefined for 204; a refusal throws GatehouseClientError. */
export async function api<T>(method: string, path: string, body?: object): Promise<T> {
  const init = body === undefined ? { method } : { method, headers: JSON_TYPE, body: JSON.stringify(body) };
  const response = await client.fetch(path, init);
  if (!response.ok) throw await errorFrom(response);
  return (response.status === 204 || response.status === 202 ? undefined : await response.json()) as T;
}

/** A call that needs no sign-in (forgot, reset, verify): same origin, JSON, its answer or a thrown refusal. */
export async function publicPost<T>(path: string, body: object): Promise<T> {
  const response = await fetch(path, { method: 'POST', credentials: 'same-origin', headers: JSON_TYPE, body: JSON.stringify(body) });
  if (!response.ok) throw await errorFrom(response);
  return (response.status === 204 || response.status === 202 ? undefined : await response.json()) as T;
}

const MESSAGES: Readonly<Record<string, string>> = {
  invalid_credentials: 'That email and password do not match.',
  invalid_code: 'That code is not right. Check the app and try again.',
  invalid_token: 'This link has expired or was already used. Ask for a new one.',
  rate_limited: 'Too many attempts. Wait a little and try again.',
  email_taken: 'An account already uses that email.',
  email_not_verified: 'Verify your email first: follow the link we mailed you.',
  not_configured: 'The server cannot send mail yet. Ask the administrator.',
  reauthentication_required: 'Confirm it is you to do this.',
  unauthenticated: 'You are signed out. Sign in again.',
};

/** What to tell the user about a failure: our wording for the well-known codes, else the server's message. */
export function messageOf(error: unknown): string {
  if (error instanceof GatehouseClientError) return MESSAGES[error.code] ?? error.message;
  if (error instanceof Error && error.name === 'NotAllowedError') return 'The passkey request was cancelled or timed out.';
  if (error instanceof TypeError) return 'Could not reach the server. Check your connection and try again.';
  return error instanceof Error ? error.message : 'Something went wrong.';
}

export const isCode = (error: unknown, code: string): boolean => error instanceof GatehouseClientError && error.code === code;

/** Asks the user to prove who they are again; resolves true once POST /auth/reauthenticate succeeded. */
type StepUpPrompt = () => Promise<boolean>;
let prompt: StepUpPrompt | null = null;

/** The account page's dialog registers itself here. */
export function setStepUpPrompt(next: StepUpPrompt | null): void {
  prompt = next;
}

/** Runs a sensitive action; when the server wants a fresher proof, asks for it (password or code) and retries once. */
export async function withStepUp<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (!isCode(error, 'reauthentication_required') || prompt === null || !(await prompt())) throw error;
    return action();
  }
}

/** A same-site path to go to after signing in (`?next=/somewhere`), never another origin. */
export function nextPath(fallback = '/account'): string {
  const next = new URLSearchParams(location.search).get('next');
  return next !== null && /^\/(?![/\\])/.test(next) ? next : fallback;
}

/** The one-time token of a mailed link (`#token=…`), taken out of the address bar at once (history, screenshots). */
export function takeLinkToken(): string | null {
  const token = new URLSearchParams(location.hash.slice(1)).get('token');
  if (location.hash) history.replaceState(null, '', location.pathname + location.search);
  return token;
}
