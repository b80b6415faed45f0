// Test helpers: a real Gatehouse server on a loopback socket (memory or SQLite store, fake clock, captured
// logs) and a small HTTP client with a cookie jar that speaks to it like a browser or curl would.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Store } from '../src/core/store.js';
import { resolveServerConfig, type ServerConfigOptions } from '../src/server/config.js';
import { createServer, type GatehouseServer } from '../src/server/server.js';
import { createMemoryStore } from '../src/stores/memory/index.js';
import { createSqliteStore } from '../src/stores/sqlite/index.js';
import { fakeClock, type FakeClock } from '../src/testing/fake-clock.js';
import { checkResponse } from './openapi-kit.js';

export { fakeClock, type FakeClock } from '../src/testing/fake-clock.js';

/** The secret test servers seal their keys with, unless a test passes its own. */
export const TEST_SECRET = 'test-server-secret-0123456789abcdefghijklmnop';

export interface TestServer {
  url: string;
  /** `https://host:port`: the origin a same-origin browser page would send (cookies are Secure). */
  origin: string;
  server: GatehouseServer;
  clock: FakeClock;
  store: Store;
  /** The SQLite file, for a `sqlite` test server. */
  dbPath: string | undefined;
  /** Every log line written so far, raw. */
  logs: string[];
  close(): Promise<void>;
}

export interface TestServerOptions {
  options?: ServerConfigOptions;
  store?: 'memory' | 'sqlite' | Store;
  clock?: FakeClock;
}

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const clock = opts.clock ?? fakeClock();
  let dir: string | undefined;
  let dbPath: string | undefined;
  let store: Store;
  if (opts.store === 'sqlite') {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-test-'));
    dbPath = join(dir, 'gatehouse.db');
    store = await createSqliteStore({ path: dbPath });
  } else if (opts.store === undefined || opts.store === 'memory') {
    store = createMemoryStore();
  } else {
    store = opts.store;
  }
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  // A durable store needs the same secret on every start (the engine refuses one without): tests use a fixed one.
  const config = resolveServerConfig({ options: { port: 0, host: '127.0.0.1', logLevel: 'info', secret: TEST_SECRET, ...opts.options } });
  const server = await createServer({ config, store, clock, logStream });
  const url = await server.listen();
  const origin = url.replace(/^http:/, 'https:');
  return {
    url,
    origin: config.insecureCookies ? url : origin,
    server,
    clock,
    store,
    dbPath,
    logs,
    async close() {
      await server.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON body, or null when empty. */
  body: unknown;
  text: string;
  setCookies: string[];
}

export interface RequestOptions {
  body?: unknown;
  /** Raw body; sent as-is with the given content-type. */
  raw?: string;
  /** Extra headers; `undefined` removes a header the client would add (e.g. Origin). */
  headers?: Record<string, string | undefined>;
  /** Send no cookies from the jar. */
  noCookies?: boolean;
}

/** A client with a cookie jar. `browser: true` adds the same-origin Origin header a browser page sends. */
export function createClient(server: Pick<TestServer, 'url' | 'origin'>, options: { browser?: boolean } = {}) {
  const jar = new Map<string, string>();

  async function request(method: string, path: string, opts: RequestOptions = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = {};
    if (options.browser) headers['origin'] = server.origin;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    if (!opts.noCookies && jar.size > 0) {
      headers['cookie'] = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    }
    for (const [name, value] of Object.entries(opts.headers ?? {})) {
      if (value === undefined) delete headers[name];
      else headers[name] = value;
    }
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers,
      body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
    });
    const setCookies = response.headers.getSetCookie();
    for (const cookie of setCookies) {
      const [pair = ''] = cookie.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (value === '' || /max-age=0/i.test(cookie)) jar.delete(name);
      else jar.set(name, value);
    }
    const text = await response.text();
    const contentType = response.headers.get('content-type') ?? '';
    const body = text && /json/.test(contentType) ? (JSON.parse(text) as unknown) : null;
    // Every answer must be as the OpenAPI document says (test/openapi-kit.ts); a path outside it must be the
    // generic 404 on the standalone server (an adapter's host app has routes of its own).
    checkResponse({ method, path, status: response.status, contentType, body }, isStandalone(server));
    return { status: response.status, headers: response.headers, body, text, setCookies };
  }

  return {
    jar,
    request,
    get: (path: string, opts?: RequestOptions) => request('GET', path, opts),
    post: (path: string, body?: unknown, opts?: RequestOptions) => request('POST', path, { ...opts, body }),
    delete: (path: string, opts?: RequestOptions) => request('DELETE', path, opts),
    /** Headers for a cookie-authenticated unsafe request from the page: its CSRF cookie echoed. */
    csrfHeaders(): Record<string, string> {
      const token = jar.get('__Host-gh_csrf') ?? jar.get('gh_csrf');
      return token ? { 'x-csrf-token': token } : {};
    },
  };
}

export type Client = ReturnType<typeof createClient>;

/** Whether `server` is a standalone test server (startTestServer), not an adapter's host app. */
function isStandalone(server: object): boolean {
  const inner = (server as { server?: unknown }).server;
  return typeof inner === 'object' && inner !== null && 'gatehouse' in inner && 'app' in inner;
}

export const PASSWORD = 'correct horse battery staple';

/** Registers and logs in a fresh user; returns the client (cookies in its jar) and the login body. */
export async function signedIn(server: TestServer, email = `user${Math.random().toString(36).slice(2)}@example.com`) {
  const client = createClient(server, { browser: true });
  const registered = await client.post('/auth/register', { email, password: PASSWORD });
  if (registered.status !== 201) throw new Error(`register failed: ${registered.text}`);
  const login = await client.post('/auth/login', { email, password: PASSWORD });
  if (login.status !== 200) throw new Error(`login failed: ${login.text}`);
  return { client, email, login: login.body as { user: { id: string }; csrfToken: string; expiresAt: string } };
}

/** The error code of an error response. */
export function errorCode(response: ApiResponse): string | undefined {
  return (response.body as { error?: { code?: string } } | null)?.error?.code;
}

/** The body of a token-mode login or refresh. */
export interface TokenBody {
  token_type: string;
  access_token: string;
  expires_in: number;
  refresh_token: string;
  refresh_expires_in: number;
  user?: { id: string };
}

export const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

/** Registers a fresh user (on any server sharing the store); returns the email. */
export async function register(server: Pick<TestServer, 'url' | 'origin'>): Promise<string> {
  const email = `user${Math.random().toString(36).slice(2)}@example.com`;
  const response = await createClient(server).post('/auth/register', { email, password: PASSWORD });
  if (response.status !== 201) throw new Error(`register failed: ${response.status} ${response.text}`);
  return email;
}

/** Logs in in token mode. */
export async function tokenLogin(server: Pick<TestServer, 'url' | 'origin'>, email: string, password = PASSWORD): Promise<TokenBody> {
  const response = await createClient(server).post('/auth/login', { email, password, mode: 'token' });
  if (response.status !== 200) throw new Error(`token login failed: ${response.status} ${response.text}`);
  return response.body as TokenBody;
}
