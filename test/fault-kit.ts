// Owns the fault tests' toolkit: throwaway Redis and PostgreSQL servers on free loopback ports (started,
// killed and restarted on the same port, never the shared services), a TCP proxy that can cut or freeze the
// connections through it, a bounded HTTP probe, and a request loop that tallies every answer. Every process
// and directory it makes is removed by `stop()` and, should the test process die first, on exit.
// Over 300 lines: it starts and controls three kinds of real processes (Redis, PostgreSQL, gatehouse serve) and a
// proxy; each part is short, and they share the clean-up on exit.

import { spawn, spawnSync, execFileSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, ROOT, until } from './kit.js';

const HOST = '127.0.0.1';
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Last-resort cleanups, run synchronously if the process exits before the after hooks did. */
const onExit = new Set<() => void>();
process.on('exit', () => {
  for (const cleanup of onExit) {
    try {
      cleanup();
    } catch {
      // best effort: the process is going away
    }
  }
});

export { freePort, until } from './kit.js';

// ---------------------------------------------------------------------------------------------------------
// Redis

/** Why Redis fault tests cannot run here, or false. */
export const SKIP_REDIS_SERVER = spawnSync('redis-server', ['--version']).status === 0 ? false : 'redis-server is not installed: Redis fault tests skipped';

/** One raw PING; true on +PONG (false while the server is down or still loading its AOF). */
function redisPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: HOST, port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Starts (again) on the same port and data directory; resolves once it answers PING. */
  start(): Promise<void>;
  /** SIGKILL (a crash) or SIGTERM (a clean shutdown); resolves once the process has exited. */
  kill(signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /** Kills it and removes its directory. */
  stop(): Promise<void>;
}

/** `persistent`: the documented setting (append-only file, fsync on every write); otherwise nothing is kept. */
export async function startRedisServer(options: { persistent: boolean }): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-fault-redis-'));
  const args = ['--port', String(port), '--bind', HOST, '--save', '', '--dir', dir, '--logfile', join(dir, 'redis.log')];
  args.push(...(options.persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']));
  let child: ChildProcess | undefined;
  const killNow = () => child?.kill('SIGKILL');
  const cleanup = () => {
    killNow();
    rmSync(dir, { recursive: true, force: true });
  };
  onExit.add(cleanup);

  const server: RedisServer = {
    port,
    url: `redis://${HOST}:${port}`,
    async start() {
      const started = spawn('redis-server', args, { stdio: 'ignore' });
      child = started;
      started.on('error', () => {});
      await until(`redis-server on port ${port}`, () => redisPing(port), { timeoutMs: 10_000 });
    },
    async kill(signal = 'SIGKILL') {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
      running.kill(signal);
      await exited;
    },
    async stop() {
      await server.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      onExit.delete(cleanup);
    },
  };
  await server.start();
  return server;
}

// ---------------------------------------------------------------------------------------------------------
// PostgreSQL

function postgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : null;
}

const PG_BIN = postgresBin();
const AS_ROOT = process.getuid?.() === 0;

/** Why PostgreSQL fault tests cannot run here, or false. */
export const SKIP_POSTGRES_SERVER = !PG_BIN
  ? 'initdb not found under /usr/lib/postgresql: PostgreSQL fault tests skipped'
  : AS_ROOT && spawnSync('id', ['postgres']).status !== 0
    ? 'running as root without a postgres user to run initdb as: PostgreSQL fault tests skipped'
    : false;

/** Runs a PostgreSQL binary as the postgres user when we are root (initdb and postgres refuse root). */
function pgCommand(binary: string, args: string[]): [string, string[]] {
  const path = join(PG_BIN ?? '', binary);
  return AS_ROOT ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
}

function pgRun(binary: string, args: string[]): Promise<void> {
  const [command, argv] = pgCommand(binary, args);
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${binary} ${args.join(' ')} exited ${code}: ${stderr}`))));
  });
}

export interface PostgresServer {
  readonly port: number;
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  readonly url: string;
  start(): Promise<void>;
  /** Creates a database of its own for one test; returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** `immediate` is a crash (recovery on the next start); `fast` closes connections first. */
  kill(mode?: 'immediate' | 'fast'): Promise<void>;
  /** Stops it and removes its directory. */
  stop(): Promise<void>;
}

export async function startPostgresServer(): Promise<PostgresServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-fault-pg-'));
  const data = join(dir, 'data');
  if (AS_ROOT) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  let running = false;
  const cleanup = () => {
    if (running) {
      const [command, argv] = pgCommand('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      spawnSync(command, argv, { stdio: 'ignore' });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  onExit.add(cleanup);
  const options = `-p ${port} -k ${dir} -c listen_addresses=${HOST} -c fsync=off -c max_connections=50`;

  const server: PostgresServer = {
    port,
    url: `postgres://postgres@${HOST}:${port}/postgres`,
    async start() {
      await pgRun('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'postgres.log'), '-w', '-t', '30', 'start']);
      running = true;
    },
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`invalid database name ${name}`);
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`); // name checked above
      } finally {
        await client.end();
      }
      return `postgres://postgres@${HOST}:${port}/${name}`;
    },
    async kill(mode = 'immediate') {
      if (!running) return;
      await pgRun('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
      running = false;
    },
    async stop() {
      try {
        await server.kill('immediate');
      } finally {
        rmSync(dir, { recursive: true, force: true });
        onExit.delete(cleanup);
      }
    },
  };
  try {
    await pgRun('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
    await server.start();
  } catch (error) {
    cleanup();
    onExit.delete(cleanup);
    throw error;
  }
  return server;
}

// ---------------------------------------------------------------------------------------------------------
// The proxy

export interface FaultProxy {
  readonly port: number;
  /** Connection pairs open through the proxy right now. */
  readonly open: number;
  /** Drops every connection at once and refuses new ones (reset) until `restore()`. */
  cut(): void;
  /** Stops forwarding in both directions without closing anything; new connections wait, unanswered. */
  freeze(): void;
  /** Forwards again (what was held while frozen is delivered). */
  restore(): void;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket | undefined;
}

export async function startProxy(targetPort: number): Promise<FaultProxy> {
  let mode: 'open' | 'cut' | 'frozen' = 'open';
  const pairs = new Set<Pair>();

  const end = (pair: Pair) => {
    pairs.delete(pair);
    pair.client.destroy();
    pair.upstream?.destroy();
  };

  const connectUpstream = (pair: Pair) => {
    const upstream = createConnection({ host: HOST, port: targetPort });
    pair.upstream = upstream;
    upstream.on('data', (chunk) => pair.client.write(chunk));
    upstream.on('error', () => end(pair));
    upstream.on('close', () => end(pair));
    pair.client.on('data', (chunk) => upstream.write(chunk));
    pair.client.resume();
  };

  const server: Server = createServer({ pauseOnConnect: true }, (client) => {
    if (mode === 'cut') {
      client.resetAndDestroy();
      return;
    }
    const pair: Pair = { client, upstream: undefined };
    pairs.add(pair);
    client.on('error', () => end(pair));
    client.on('close', () => end(pair));
    if (mode === 'open') connectUpstream(pair);
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const { port } = server.address() as AddressInfo;

  return {
    port,
    get open() {
      return pairs.size;
    },
    cut() {
      mode = 'cut';
      for (const pair of [...pairs]) {
        pair.client.resetAndDestroy();
        pair.upstream?.resetAndDestroy();
        end(pair);
      }
    },
    freeze() {
      mode = 'frozen';
      for (const { client, upstream } of pairs) {
        client.pause();
        upstream?.pause();
      }
    },
    restore() {
      const was = mode;
      mode = 'open';
      if (was !== 'frozen') return;
      for (const pair of [...pairs]) {
        if (pair.upstream) {
          pair.client.resume();
          pair.upstream.resume();
        } else {
          connectUpstream(pair);
        }
      }
    },
    async close() {
      for (const pair of [...pairs]) end(pair);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// The real process

const LISTENING = /"msg":"Server listening at (http:\/\/127\.0\.0\.1:\d+)"/;

export interface ServeProcess {
  readonly url: string;
  /** False once the process has exited (a crash shows in `output()`). */
  alive(): boolean;
  /** The last few kB of stdout and stderr. */
  output(): string;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
}

/** `gatehouse serve` as a child process, configured only by `env` (GATEHOUSE_*), listening on a free port. */
export async function startServeProcess(env: Record<string, string>): Promise<ServeProcess> {
  const inherited: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('GATEHOUSE_') && !key.startsWith('NODE_TEST')) inherited[key] = value;
  }
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), 'serve'], {
    cwd: ROOT,
    env: { ...inherited, GATEHOUSE_HOST: HOST, GATEHOUSE_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killNow = () => child.kill('SIGKILL');
  onExit.add(killNow);
  let output = '';
  const keep = (chunk: string) => {
    output = (output + chunk).slice(-16_000);
  };
  child.stdout.setEncoding('utf8').on('data', keep);
  child.stderr.setEncoding('utf8').on('data', keep);
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('close', () => resolve()));
  void exit.then(() => {
    exited = true;
    onExit.delete(killNow);
  });
  const proc = {
    alive: () => !exited,
    output: () => output,
    async kill() {
      if (!exited) killNow();
      await exit;
    },
  };
  try {
    await until('gatehouse serve to listen', () => LISTENING.test(output) || exited, { timeoutMs: 30_000 });
  } catch (error) {
    await proc.kill();
    throw error;
  }
  const url = LISTENING.exec(output)?.[1];
  if (!url) {
    await proc.kill();
    throw new Error(`gatehouse serve did not start:\n${output}`);
  }
  return { url, ...proc };
}

// ---------------------------------------------------------------------------------------------------------
// Probing

export interface Answer {
  /** HTTP status, or 0 when no answer came within the bound (a hang) or the connection failed. */
  status: number;
  /** The JSON error code, for error answers. */
  code: string | undefined;
  ms: number;
}

export interface ProbeOptions {
  method?: string;
  headers?: Record<string, string>;
  /** JSON-encoded and sent with content-type application/json. */
  body?: unknown;
  /** Longest to wait for the whole answer. Default 3000 ms. */
  timeoutMs?: number;
}

/** One request, abandoned (status 0) after `timeoutMs`. */
export async function probe(url: string, path: string, options: ProbeOptions = {}): Promise<Answer> {
  const { method = options.body === undefined ? 'GET' : 'POST', timeoutMs = 3000 } = options;
  const headers = { ...options.headers, ...(options.body !== undefined && { 'content-type': 'application/json' }) };
  const started = Date.now();
  try {
    const response = await fetch(`${url}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let code: string | undefined;
    try {
      code = (JSON.parse(text) as { error?: { code?: string } } | null)?.error?.code;
    } catch {
      code = undefined;
    }
    return { status: response.status, code, ms: Date.now() - started };
  } catch {
    return { status: 0, code: undefined, ms: Date.now() - started };
  }
}

export interface Sample extends Answer {
  name: string;
  /** When the request was sent (Date.now()). */
  at: number;
}

export interface RequestLoop {
  readonly samples: Sample[];
  /** Samples of one probe sent at or after `from` (and before `to`). */
  of(name: string, from?: number, to?: number): Sample[];
  /** Samples of one probe sent at or after `from` and answered before `to`. */
  answered(name: string, from: number, to: number): Sample[];
  /** Status → count for one probe ("503 unavailable" style keys for errors). */
  tally(name: string): Record<string, number>;
  stop(): Promise<void>;
}

/** Sends every probe, in parallel, every `intervalMs` until stopped; each answer is recorded with its send time. */
export function startRequestLoop(probes: Record<string, () => Promise<Answer>>, intervalMs = 25): RequestLoop {
  const samples: Sample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      await Promise.all(
        Object.entries(probes).map(async ([name, send]) => {
          const at = Date.now();
          samples.push({ name, at, ...(await send()) });
        }),
      );
      await sleep(intervalMs);
    }
  })();
  const of = (name: string, from = 0, to = Infinity) => samples.filter((s) => s.name === name && s.at >= from && s.at < to);
  return {
    samples,
    of,
    answered: (name, from, to) => of(name, from).filter((s) => s.at + s.ms < to),
    tally(name) {
      const counts: Record<string, number> = {};
      for (const s of of(name)) {
        const key = s.status === 0 ? 'no answer' : s.code ? `${s.status} ${s.code}` : String(s.status);
        counts[key] = (counts[key] ?? 0) + 1;
      }
      return counts;
    },
    async stop() {
      running = false;
      await loop;
    },
  };
}
