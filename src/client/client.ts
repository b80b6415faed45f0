// Owns createClient: the HTTP API of SPEC §2 as a browser client in one mode — register, login (or its MFA step),
// logout, logout everywhere, me, sessions — on top of the shared state (shared-state.ts), the refresh that runs once
// for every caller and tab (renew.ts) and client.fetch (auth-fetch.ts). What a refresh does per mode is here: token
// mode spends the refresh token (JSON body), hybrid the refresh cookie (no body, X-CSRF-Token). A refusal signs out
// everywhere; a failure (network, 429, 5xx) throws and keeps the credentials for the next try.
import { createAuthFetch } from './auth-fetch.js';
import { errorFrom } from './errors.js';
import { attachInternals } from './internals.js';
import { csrfCookie, isCrossOrigin, platformChannel, platformLocks } from './platform.js';
import { createRenew } from './renew.js';
import { createSharedState, type Fields } from './shared-state.js';
import type { AuthProof, ClientOptions, GatehouseClient, MfaRequired, SessionInfo, TotpSetup, User } from './types.js';

/** The answers of login and refresh, all modes together. */
interface Answer extends Partial<MfaRequired> {
  user?: User;
  access_token?: string;
  refresh_token?: string;
  expires_in?: number;
  csrfToken?: string;
}

const JSON_TYPE = { 'content-type': 'application/json' };

export function createClient(options: ClientOptions): GatehouseClient {
  const { mode, baseUrl = '' } = options;
  const clock = options.clock ?? Date.now;
  const name = options.name ?? `gatehouse:${mode}:${baseUrl}`;
  const fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const locks = options.locks === undefined ? platformLocks() : options.locks;
  const credentials = mode !== 'token' && isCrossOrigin(baseUrl) ? 'include' : 'same-origin';
  const url = (path: string) => baseUrl + path;
  const state = createSharedState({
    key: name,
    storage: options.storage ?? null,
    channel: options.channel === undefined ? platformChannel() : options.channel,
    clock,
    waitForPeers: mode === 'token',
  });

  /** Renews early: a quarter of the lifetime, at most 30 s, before the access token expires. */
  const due = (expiresIn: number | undefined) => (expiresIn === undefined ? undefined : clock() + expiresIn * 1000 - Math.min(30_000, expiresIn * 250));

  /** Signs out here and in every tab, unless the credentials changed (a login elsewhere) since they were used. */
  const signOut = (seen = state.get().at) => {
    if (state.get().at === seen && state.get().user !== null) state.share({ user: null });
  };

  async function answer(response: Response): Promise<Answer> {
    if (!response.ok) throw await errorFrom(response);
    return (await response.json()) as Answer;
  }

  async function refresh(seen: number): Promise<void> {
    const known = state.get();
    const response =
      mode === 'token'
        ? await fetch(url('/auth/refresh'), { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ refresh_token: known.refresh }) })
        : await fetch(url('/auth/refresh'), { method: 'POST', credentials, headers: { 'x-csrf-token': csrfCookie() ?? known.csrf ?? '' } });
    // Refused (refresh_token_reused, revoked, expired, no cookie): the credentials are dead in every tab.
    if (response.status >= 400 && response.status < 500 && response.status !== 429) return signOut(seen);
    const body = await answer(response);
    const next: Fields = { ...known, csrf: body.csrfToken ?? known.csrf, due: due(body.expires_in) };
    if (mode === 'token') Object.assign(next, { access: body.access_token, refresh: body.refresh_token });
    state.share(next);
  }

  async function csrf(): Promise<string | undefined> {
    const token = csrfCookie() ?? state.get().csrf;
    if (token || mode !== 'session') return token;
    const response = await fetch(url('/auth/csrf'), { credentials });
    if (!response.ok) return undefined;
    const { csrfToken } = (await response.json()) as { csrfToken: string };
    state.note({ csrf: csrfToken });
    return csrfToken;
  }

  const authFetch = createAuthFetch({ mode, state, fetch, clock, credentials, csrf, renew: createRenew(state, locks, name, refresh) });

  /** An authenticated call of the API: its JSON body (undefined for 204); a 401 signs out and throws. */
  async function call<T>(method: string, path: string): Promise<T | undefined> {
    const seen = state.get().at;
    const response = await authFetch(url(path), { method });
    if (response.status === 401) signOut(seen);
    if (!response.ok) throw await errorFrom(response);
    return response.status === 204 ? undefined : ((await response.json()) as T);
  }

  const post = (path: string, body: object) =>
    fetch(url(path), { method: 'POST', credentials, headers: JSON_TYPE, body: JSON.stringify(body) }).then(answer);

  /** A change to the user's own account: no renewal on a 401 (that is a wrong code, not an expired token). */
  async function own(method: string, path: string, body?: object): Promise<unknown> {
    const init = body ? { method, headers: JSON_TYPE, body: JSON.stringify(body) } : { method };
    const response = await authFetch(url(path), init, false);
    if (!response.ok) throw await errorFrom(response);
    return response.status === 204 ? undefined : response.json();
  }

  /** A login's answer becomes the signed-in state, here and in every tab (password, second factor, passkey). */
  async function signIn(body: Answer): Promise<User> {
    const user = body.user as User;
    const { access } = state.get();
    // Token mode: the sign-in this one replaces is ended, not left to live out its refresh token (best effort).
    if (access) await fetch(url('/auth/logout'), { method: 'POST', headers: { authorization: `Bearer ${access}` } }).catch(() => {});
    state.share({ user, access: body.access_token, refresh: body.refresh_token, csrf: body.csrfToken, due: due(body.expires_in) });
    return user;
  }

  const client: GatehouseClient = {
    ready: state.ready,
    get user() {
      return state.get().user ?? null;
    },

    async register({ email, password }) {
      return (await post('/auth/register', { email, password })).user as User;
    },

    async login({ email, password }) {
      const body = await post('/auth/login', { email, password, mode });
      if (body.mfaRequired) return { mfaRequired: true, mfaToken: body.mfaToken ?? '', methods: body.methods ?? [] };
      return signIn(body);
    },

    // The second step (SPEC §6): the login opens in the mode the first step asked for, this client's.
    loginMfa: async (step) => signIn(await post('/auth/login/mfa', step)),

    totp: {
      setup: () => own('POST', '/auth/mfa/totp/setup') as Promise<TotpSetup>,
      enable: (code) => own('POST', '/auth/mfa/totp/enable', { code }) as Promise<{ recoveryCodes: string[] }>,
      disable: async () => void (await own('DELETE', '/auth/mfa/totp')),
    },

    async logout() {
      try {
        if (mode !== 'token' || state.get().access) {
          const response = await authFetch(url('/auth/logout'), { method: 'POST' });
          if (!response.ok && response.status !== 401) throw await errorFrom(response);
        }
      } finally {
        state.share({ user: null }); // the tokens go, whatever the server answered
      }
    },

    async logoutAll() {
      await call('POST', '/auth/logout-all');
      state.share({ user: null });
    },

    async me() {
      await state.ready;
      if (mode === 'token' && !state.get().access) return null;
      const seen = state.get().at;
      const response = await authFetch(url('/auth/me'));
      if (response.status === 401) {
        signOut(seen);
        return null;
      }
      if (!response.ok) throw await errorFrom(response);
      const { user, auth } = (await response.json()) as { user: User; auth: { sessionId: string } };
      state.note({ user, sid: auth.sessionId });
      return user;
    },

    async sessions() {
      const { sessions } = (await call<{ sessions: SessionInfo[] }>('GET', '/auth/sessions')) ?? { sessions: [] };
      const current = sessions.find((session) => session.current);
      if (current) state.note({ sid: current.id });
      return sessions;
    },

    async revokeSession(id) {
      await call('DELETE', `/auth/sessions/${encodeURIComponent(id)}`);
      if (id === state.get().sid) state.share({ user: null });
    },

    async reauthenticate(proof) {
      // Not retried on a 401: that is a wrong password or code here, not an expired token (renewed before if due).
      const init = { method: 'POST', headers: JSON_TYPE, body: JSON.stringify(proof) };
      const response = await authFetch(url('/auth/reauthenticate'), init, false);
      if (!response.ok) throw await errorFrom(response);
      const { authTime, amr, ...body } = (await response.json()) as AuthProof & Answer;
      // A fresh access token carrying the new proof (the hybrid one came as a cookie): every tab takes it.
      if (body.expires_in !== undefined) state.share({ ...state.get(), access: body.access_token ?? state.get().access, due: due(body.expires_in) });
      return { authTime, amr };
    },

    onChange: (listener) => state.onChange(listener),
    fetch: authFetch,
    close: () => state.close(),
  };
  attachInternals(client, { mode, url, post, signIn });
  return client;
}
