// Owns the framework-neutral request and response shapes the HTTP core speaks (a response, or a stream for the
// revocation feed); each adapter (Fastify, Express, and later Hono) only translates to and from these.

export interface HttpRequest {
  method: string;
  /** Path without the query string (query strings are never read for credentials). */
  path: string;
  /** The query parameters the routes read (`queryOf`): nothing else of the query string, so never a credential. */
  query: Readonly<Record<string, string>>;
  /** Lower-cased header names. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Route parameters, e.g. `{ id }` for `/auth/sessions/:id`. */
  params: Readonly<Record<string, string>>;
  /** The raw body text, or undefined when there was none. */
  body: string | undefined;
  /** Client address, after the configured trusted-proxy rules. */
  ip: string;
  /** The framework's id for this request, when it has one (it goes with the request's log lines). */
  id?: string;
  /** Told who the request turned out to be, when a route authenticates it (for an access log); absent: no one asks. */
  onAuthenticated?: (userId: string) => void;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[]>;
  /** Serialised JSON, or undefined for an empty body. */
  body?: string;
}

/** Where a streamed answer writes: text chunks, then the end (the client reconnects, for a feed). */
export interface StreamSink {
  write(chunk: string): void;
  end(): void;
}

/**
 * A long-lived answer (the revocation feed's Server-Sent Events): the adapter sends the status and headers,
 * then calls `open` with a sink on the response, and the stop it returns once the client has gone.
 */
export interface HttpStream {
  status: number;
  headers: Record<string, string | string[]>;
  open(sink: StreamSink): () => void;
}

export function isStream(response: HttpResponse | HttpStream): response is HttpStream {
  return 'open' in response;
}

/** The only query parameters the HTTP core reads (`GET /auth/audit` paging); any other is dropped unread. */
const QUERY_PARAMETERS: ReadonlySet<string> = new Set(['limit', 'cursor', 'query']);
const NO_QUERY: Readonly<Record<string, string>> = Object.freeze({});

/** The path of a request target, without its query string (where a credential might be). */
export function pathOf(target: string): string {
  const at = target.indexOf('?');
  return at === -1 ? target : target.slice(0, at);
}

/**
 * The query of a request target or URL (`/auth/audit?limit=10`): the parameters the routes read, the first of a
 * repeated one. A token put in a URL is never picked up: it is not among them.
 */
export function queryOf(target: string): Readonly<Record<string, string>> {
  const at = target.indexOf('?');
  if (at === -1) return NO_QUERY;
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(target.slice(at + 1))) {
    if (QUERY_PARAMETERS.has(name) && !(name in query)) query[name] = value;
  }
  return query;
}

export function header(request: HttpRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function json(status: number, payload: unknown, headers: Record<string, string | string[]> = {}): HttpResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(payload),
  };
}

export function empty(status: number, headers: Record<string, string | string[]> = {}): HttpResponse {
  return { status, headers };
}
