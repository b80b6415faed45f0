// Owns client.fetch: `fetch` with the mode's credential — `Authorization: Bearer` in token mode, `X-CSRF-Token` on
// unsafe methods in the cookie modes (whose cookies the browser adds; `credentials: 'include'` for another origin).
// An access token due for renewal is renewed first; a 401 for a token the client sent is renewed once and the
// request sent once more, never again. A body that cannot be sent twice (a stream) is not retried, nor a request
// whose 401 is about what it carries rather than the token (a reauthentication's wrong password: `retry` false).
import type { Renew } from './renew.js';
import type { SharedState } from './shared-state.js';
import type { FetchLike, Mode } from './types.js';

/** RFC 9110's safe methods: the only ones the server lets through without a CSRF token. */
const SAFE = /^(GET|HEAD|OPTIONS|TRACE)$/i;

export interface AuthFetchDeps {
  mode: Mode;
  state: SharedState;
  fetch: FetchLike;
  clock: () => number;
  /** `include` in the cookie modes when Gatehouse is another origin. */
  credentials: 'include' | 'same-origin';
  csrf: () => Promise<string | undefined>;
  renew: Renew;
}

const isRequest = (input: unknown): input is Request => typeof Request !== 'undefined' && input instanceof Request;

/** client.fetch; `retry` false: a 401 is returned as it is, with no renewal and no second request. */
export type AuthFetch = (input: string | URL | Request, init?: RequestInit, retry?: boolean) => Promise<Response>;

export function createAuthFetch({ mode, state, fetch, clock, credentials, csrf, renew }: AuthFetchDeps): AuthFetch {
  /** Whether the credentials are ones a refresh can renew. */
  const renewable = () => (mode === 'token' ? state.get().refresh !== undefined : mode === 'hybrid' && state.get().user !== null);

  /** Sends the request with the current credential; says which credentials (their stamp) and whether one went. */
  async function send(input: string | URL | Request, init: RequestInit) {
    const known = state.get();
    const headers = new Headers(init.headers ?? (isRequest(input) ? input.headers : undefined));
    const method = init.method ?? (isRequest(input) ? input.method : 'GET');
    let sent = renewable();
    if (mode === 'token') {
      sent = known.access !== undefined && !headers.has('authorization');
      if (sent) headers.set('authorization', `Bearer ${known.access}`);
    } else if (!SAFE.test(method) && !headers.has('x-csrf-token')) {
      const token = await csrf();
      if (token) headers.set('x-csrf-token', token);
    }
    const response = await fetch(input, { credentials, ...init, headers });
    return { response, at: known.at, sent };
  }

  return async (input, init = {}, retry = true) => {
    await state.ready;
    const { due, at } = state.get();
    if (due !== undefined && clock() >= due && renewable()) {
      await renew(at).catch(() => {}); // a refused refresh signed out; a failed one is retried on the 401 below
    }
    const spare = isRequest(input) ? input.clone() : input;
    const first = await send(input, init);
    const body: unknown = init.body;
    const replayable = !(typeof body === 'object' && body !== null && 'getReader' in body);
    if (!retry || first.response.status !== 401 || !first.sent || !replayable || !renewable()) return first.response;
    await renew(first.at);
    if (!renewable()) return first.response; // the refresh was refused: signed out
    void first.response.body?.cancel().catch(() => {});
    return (await send(spare, init)).response;
  };
}
