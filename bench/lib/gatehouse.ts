// Owns running Gatehouse as it ships: the `gatehouse serve` command (src/cli/main.ts) as a pinned child
// process configured only through GATEHOUSE_* variables, and the HTTP client steps the benchmark needs
// from it (register, log in in each mode, and turn the answer into the headers a client would send).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../src/core/config.js';
import { resolveServerConfig } from '../../src/server/config.js';
import { freePort, startServer, type ServerProcess, type StartOptions } from './processes.js';
import { scratchDir } from './tmp.js';

export const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
export const PASSWORD = 'bench correct horse battery staple';
/** A benchmark-only key for the signing keys at rest (every instance of one run must share it). */
export const BENCH_SECRET = 'gatehouse-benchmark-only-secret-not-for-production';

export type Mode = 'session' | 'token' | 'hybrid';

/** The variables every benchmark server gets; `extra` adds or overrides (e.g. GATEHOUSE_REDIS_URL). */
export function gatehouseEnv(port: number, extra: Record<string, string> = {}): Record<string, string> {
  const dataDir = scratchDir('gatehouse');
  return {
    GATEHOUSE_PORT: String(port),
    GATEHOUSE_HOST: '127.0.0.1',
    GATEHOUSE_DATA_DIR: dataDir,
    GATEHOUSE_DATABASE_URL: `sqlite:${join(dataDir, 'gatehouse.db')}`,
    GATEHOUSE_SECRET: BENCH_SECRET,
    GATEHOUSE_INSECURE_COOKIES: '1', // plain HTTP on loopback: cookie names without __Host-
    GATEHOUSE_MODES: 'session,token,hybrid',
    // The login flood comes from one address and may run many logins for one account at once.
    GATEHOUSE_LOGIN_IP_LIMIT: '1000000',
    GATEHOUSE_LOGIN_ACCOUNT_LIMIT: '10000',
    ...extra,
  };
}

/** Null when this version's configuration accepts `env`, else the first problem it reports. */
export function configProblem(env: Record<string, string>): string | null {
  try {
    resolveServerConfig({ env });
    return null;
  } catch (error) {
    if (error instanceof ConfigError) return error.problems[0] ?? error.message;
    throw error;
  }
}

export async function startGatehouse(
  extra: Record<string, string> = {},
  nodeArgs: readonly string[] = [],
  start: Pick<StartOptions, 'pollMs'> = {},
): Promise<ServerProcess> {
  const port = await freePort();
  return startServer({ script: CLI, args: ['serve'], env: gatehouseEnv(port, extra), port, readyPath: '/readyz', nodeArgs, ...start });
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

export async function register(baseUrl: string, email: string): Promise<void> {
  const response = await post(`${baseUrl}/auth/register`, { email, password: PASSWORD });
  if (response.status !== 201) throw new Error(`register ${email}: ${response.status} ${await response.text()}`);
}

/** The request headers that carry the credential of a fresh login in `mode`. */
export async function login(baseUrl: string, email: string, mode: Mode): Promise<Record<string, string>> {
  const response = await post(`${baseUrl}/auth/login`, { email, password: PASSWORD, mode });
  const body = (await response.json()) as { access_token?: string };
  if (response.status !== 200) throw new Error(`login ${mode}: ${response.status} ${JSON.stringify(body)}`);
  if (mode === 'token') return { authorization: `Bearer ${body.access_token ?? ''}` };
  return { cookie: cookieHeader(response) };
}

/** The Cookie header a browser would send back after this response. */
export function cookieHeader(response: Response): string {
  return response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0] ?? '')
    .filter((pair) => !pair.endsWith('='))
    .join('; ');
}

export const uniqueEmail = (label: string) => `${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@bench.example`;
