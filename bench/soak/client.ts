// Owns the soak run's client side of one credential: registering a user, logging in (session, token or
// hybrid), presenting the credential to GET /auth/verify and /auth/me, rotating it with POST /auth/refresh,
// and logging out, each answer classified against what the client knows (live, or revoked by a logout it saw
// answered) and recorded in the tally. Plain fetch (undici), as an application would call Gatehouse.
import { PASSWORD, type Mode } from '../lib/gatehouse.js';
import { classify, record, type AnswerClass, type Kind, type Tally } from './truth.js';

export interface Instance {
  name: string;
  url: string;
}

export interface SoakUser {
  email: string;
  id: string;
}

/** One login's credential as a client holds it. */
export interface Credential {
  mode: Mode;
  user: SoakUser;
  /** Where it was issued. */
  home: Instance;
  /** Token mode: the current access token and the current (never yet presented) refresh token. */
  accessToken?: string;
  refreshToken?: string;
  /** Cookie modes: the cookies a browser would hold (`gh_session`, `gh_access`, `gh_refresh`, `gh_csrf`). */
  cookies: Map<string, string>;
  csrf?: string;
  loggedInAt: number;
  /** When the logout's 204 arrived; unset while the credential is live. */
  revokedAt?: number;
}

export interface Probe {
  tally: Tally;
  /** performance.now() when the setup's traffic began. */
  startedAt: number;
}

const TIMEOUT_MS = 10_000;

interface Reply {
  status: number | string;
  headers: Headers | null;
  body: string;
}

async function send(url: string, init: RequestInit): Promise<Reply> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
    return { status: response.status, headers: response.headers, body: await response.text() };
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    return { status: name === 'TimeoutError' ? 'timeout' : 'network', headers: null, body: error instanceof Error ? error.message : String(error) };
  }
}

function jsonField<T>(body: string, pick: (value: Record<string, unknown>) => T): T | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null ? pick(value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const userIdOf = (body: string) => jsonField(body, (v) => (v['user'] as { id?: unknown } | undefined)?.id);

/** What a browser does with the Set-Cookie headers of an answer: set, or drop the ones cleared. */
function applyCookies(jar: Map<string, string>, headers: Headers | null): void {
  for (const line of headers?.getSetCookie() ?? []) {
    const pair = line.split(';')[0] ?? '';
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (value === '') jar.delete(name);
    else jar.set(name, value);
  }
}

/** The headers that present `credential` (plus the CSRF header for an unsafe cookie request). */
function presented(credential: Credential, unsafe = false): Record<string, string> {
  if (credential.mode === 'token') return { authorization: `Bearer ${credential.accessToken ?? ''}` };
  const cookie = [...credential.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  return { cookie, ...(unsafe && credential.csrf ? { 'x-csrf-token': credential.csrf } : {}) };
}

function note(probe: Probe, kind: Kind, answer: AnswerClass, instance: Instance, credential: Credential, reply: Reply): void {
  const now = performance.now();
  const since = credential.revokedAt ?? credential.loggedInAt;
  record(probe.tally, kind, answer, {
    atSeconds: Number(((now - probe.startedAt) / 1000).toFixed(3)),
    instance: instance.name,
    mode: credential.mode,
    email: credential.user.email,
    status: reply.status,
    sinceMs: Number((now - since).toFixed(1)),
    detail: `home ${credential.home.name}; ${reply.body.slice(0, 200)}`,
  });
}

export async function registerUser(instance: Instance, email: string): Promise<SoakUser> {
  const reply = await send(`${instance.url}/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  const id = userIdOf(reply.body);
  if (reply.status !== 201 || typeof id !== 'string') throw new Error(`register ${email}: ${reply.status} ${reply.body.slice(0, 200)}`);
  return { email, id };
}

/** A fresh login; null when it was not accepted (the answer is recorded either way). */
export async function logIn(probe: Probe, instance: Instance, user: SoakUser, mode: Mode): Promise<Credential | null> {
  const reply = await send(`${instance.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: user.email, password: PASSWORD, mode }),
  });
  const credential: Credential = { mode, user, home: instance, cookies: new Map(), loggedInAt: performance.now() };
  const answer = classify(reply.status, true, 200, userIdOf(reply.body) === user.id);
  note(probe, 'login', answer, instance, credential, reply);
  if (answer !== 'accepted-live') return null;
  if (mode === 'token') {
    credential.accessToken = jsonField(reply.body, (v) => String(v['access_token']));
    credential.refreshToken = jsonField(reply.body, (v) => String(v['refresh_token']));
  } else {
    applyCookies(credential.cookies, reply.headers);
    credential.csrf = jsonField(reply.body, (v) => String(v['csrfToken']));
  }
  return credential;
}

/** GET /auth/verify or /auth/me with the credential; an accepted answer must name the credential's user. */
export async function check(probe: Probe, instance: Instance, credential: Credential, route: 'verify' | 'me'): Promise<AnswerClass> {
  const live = credential.revokedAt === undefined;
  const reply = await send(`${instance.url}/auth/${route}`, { headers: presented(credential) });
  const userId = route === 'verify' ? reply.headers?.get('x-auth-user-id') : userIdOf(reply.body);
  const answer = classify(reply.status, live, 200, userId === credential.user.id);
  note(probe, live ? route : `${route}-revoked`, answer, instance, credential, reply);
  // A live cookie session may be renewed (sliding expiry): keep what the server sets, as a browser would.
  if (live && answer === 'accepted-live') applyCookies(credential.cookies, reply.headers);
  return answer;
}

/**
 * POST /auth/refresh with the current refresh token (token mode: the JSON body; hybrid: the refresh cookie and
 * the CSRF header). An accepted refresh of a live credential moves it to the new pair, so no refresh token is
 * ever presented twice; a revoked credential presents its last (never rotated) token and keeps it.
 */
export async function refresh(probe: Probe, instance: Instance, credential: Credential): Promise<AnswerClass> {
  const live = credential.revokedAt === undefined;
  const init: RequestInit =
    credential.mode === 'token'
      ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refresh_token: credential.refreshToken }) }
      : { method: 'POST', headers: presented(credential, true) };
  const reply = await send(`${instance.url}/auth/refresh`, init);
  const answer = classify(reply.status, live, 200);
  note(probe, live ? 'refresh' : 'refresh-revoked', answer, instance, credential, reply);
  if (live && answer === 'accepted-live') {
    if (credential.mode === 'token') {
      credential.accessToken = jsonField(reply.body, (v) => String(v['access_token']));
      credential.refreshToken = jsonField(reply.body, (v) => String(v['refresh_token']));
    } else {
      applyCookies(credential.cookies, reply.headers);
      credential.csrf = jsonField(reply.body, (v) => String(v['csrfToken'])) ?? credential.csrf;
    }
  }
  return answer;
}

/** POST /auth/logout; once it answers 204 the credential counts as revoked from that moment. */
export async function logOut(probe: Probe, instance: Instance, credential: Credential): Promise<AnswerClass> {
  const reply = await send(`${instance.url}/auth/logout`, { method: 'POST', headers: presented(credential, true) });
  const answer = classify(reply.status, true, 204);
  note(probe, 'logout', answer, instance, credential, reply);
  if (answer === 'accepted-live') credential.revokedAt = performance.now();
  return answer;
}
