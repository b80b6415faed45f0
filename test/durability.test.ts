// Durability and process lifecycle of the real CLI (`gatehouse serve`) as a child process: data survives
// a restart and a kill -9 (no acknowledged registration is lost), SIGTERM drains in-flight requests and
// exits 0, start-up failures are short and non-zero, and the data directory is created on demand.
// Over 300 lines: every scenario drives the same child-process harness (spawn, wait for listening, signal).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createSqliteStore } from '../src/stores/sqlite/index.js';
import { PASSWORD } from './helpers.js';
import { ROOT } from './kit.js';

const CLI = join(ROOT, 'src', 'cli', 'main.ts');
const TEST_TIMEOUT = { timeout: 90_000 };
const LISTENING = /"msg":"Server listening at http:\/\/127\.0\.0\.1:(\d+)"/;
/** A V8 stack frame line: "    at fn (file:line:col)". */
const STACK_FRAME = /^\s+at\s/m;

type Exit = { code: number | null; signal: NodeJS.Signals | null };

interface Proc {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once the process has exited and its stdout/stderr are drained. */
  exited: Promise<Exit>;
  running(): boolean;
}

const live = new Set<ChildProcess>();
const dirs = new Set<string>();

after(() => {
  // Never leave a server running, whatever a test did.
  for (const child of live) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-durability-'));
  dirs.add(dir);
  return dir;
}

function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  dirs.delete(dir);
}

function startProcess(args: readonly string[]): Proc {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // Only flags configure the child; the test runner's own context must not leak into it.
    if (!key.startsWith('GATEHOUSE_') && !key.startsWith('NODE_TEST')) env[key] = value;
  }
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  let done = false;
  const exited = new Promise<Exit>((resolve) => {
    child.once('close', (code, signal) => {
      done = true;
      live.delete(child);
      resolve({ code, signal });
    });
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited, running: () => !done };
}

function describeProc(proc: Proc): string {
  return `\n--- stdout ---\n${proc.stdout().slice(-4000)}\n--- stderr ---\n${proc.stderr().slice(-4000)}`;
}

/** Resolves with the first match of `pattern` in the process's stdout; fails on exit or after `ms`. */
function waitForOutput(proc: Proc, pattern: RegExp, ms = 20_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const match = pattern.exec(proc.stdout());
      if (match) {
        finish();
        resolve(match);
        return true;
      }
      return false;
    };
    const onClose = () => {
      if (!check()) {
        finish();
        reject(new Error(`process exited before ${String(pattern)} appeared${describeProc(proc)}`));
      }
    };
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`timed out after ${ms} ms waiting for ${String(pattern)}${describeProc(proc)}`));
    }, ms);
    const finish = () => {
      clearTimeout(timer);
      proc.child.stdout!.off('data', onData);
      proc.child.off('close', onClose);
    };
    // Listeners added after startProcess's own, so the accumulated text already holds the chunk.
    const onData = () => void check();
    proc.child.stdout!.on('data', onData);
    proc.child.once('close', onClose);
    if (!proc.running()) onClose();
    else check();
  });
}

interface Server extends Proc {
  port: number;
  base: string;
}

async function startServer(dataDir: string, extra: readonly string[] = []): Promise<Server> {
  const proc = startProcess(['--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, ...extra]);
  try {
    const match = await waitForOutput(proc, LISTENING, 30_000);
    const port = Number(match[1]);
    // The logged pid is the spawned one: signals below reach the server itself, not a wrapper.
    assert.match(proc.stdout(), new RegExp(`"pid":${proc.child.pid}\\b`));
    return { ...proc, port, base: `http://127.0.0.1:${port}` };
  } catch (error) {
    await kill(proc);
    throw error;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** SIGTERM and wait for the exit (bounded). */
async function stop(proc: Proc, ms = 20_000): Promise<Exit> {
  if (proc.running()) proc.child.kill('SIGTERM');
  return withTimeout(proc.exited, ms, `graceful exit after SIGTERM${describeProc(proc)}`);
}

/** For `finally`: make sure the process is gone, whatever state it is in. */
async function kill(proc: Proc): Promise<void> {
  if (proc.running()) proc.child.kill('SIGKILL');
  await withTimeout(proc.exited, 10_000, 'exit after SIGKILL').catch(() => {});
}

interface Reply {
  status: number;
  body: unknown;
  text: string;
  session: string | undefined;
}

async function request(base: string, method: string, path: string, body?: unknown, cookie?: string): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (cookie !== undefined) headers['cookie'] = cookie;
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  const session = response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0] ?? '')
    .find((pair) => pair.startsWith('__Host-gh_session='));
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : null, text, session };
}

const userOf = (reply: Reply) => (reply.body as { user: { id: string; email: string } }).user;

function uniqueEmail(tag: string, i: number | string): string {
  return `${tag}-${process.pid}-${Date.now().toString(36)}-${i}@example.com`;
}

describe('durability of the CLI server', () => {
  it('keeps users and sessions across a SIGTERM restart on the same data directory', TEST_TIMEOUT, async () => {
    const dir = tempDir();
    const email = uniqueEmail('restart', 0);
    const a = await startServer(dir);
    let b: Server | undefined;
    try {
      const registered = await request(a.base, 'POST', '/auth/register', { email, password: PASSWORD });
      assert.equal(registered.status, 201, registered.text);
      const login = await request(a.base, 'POST', '/auth/login', { email, password: PASSWORD });
      assert.equal(login.status, 200, login.text);
      assert.ok(login.session, 'login sets the session cookie');
      const userId = userOf(login).id;
      const meA = await request(a.base, 'GET', '/auth/me', undefined, login.session);
      assert.equal(meA.status, 200, meA.text);

      const exitA = await stop(a);
      assert.deepEqual(exitA, { code: 0, signal: null }, describeProc(a));
      assert.match(a.stdout(), /"signal":"SIGTERM".*"msg":"shutting down"/);
      assert.equal(a.stderr(), '');

      b = await startServer(dir);
      const meB = await request(b.base, 'GET', '/auth/me', undefined, login.session);
      assert.equal(meB.status, 200, meB.text);
      assert.equal(userOf(meB).id, userId);
      assert.equal(userOf(meB).email, email);

      const again = await request(b.base, 'POST', '/auth/login', { email, password: PASSWORD });
      assert.equal(again.status, 200, again.text);
      assert.equal(userOf(again).id, userId);

      assert.deepEqual(await stop(b), { code: 0, signal: null }, describeProc(b));
    } finally {
      await kill(a);
      if (b) await kill(b);
      removeDir(dir);
    }
  });

  it('loses no acknowledged registration when killed with SIGKILL under load', TEST_TIMEOUT, async (t) => {
    const dir = tempDir();
    const IN_FLIGHT = 8;
    const TARGET = 40;
    // Registrations count against the per-address limit, which lives in the database; keep it out of the way.
    const flags = ['--login-ip-limit', '1000000'];
    const server = await startServer(dir, flags);
    let restarted: Server | undefined;
    try {
      const acknowledged: string[] = [];
      const otherStatuses: number[] = [];
      let next = 0;
      let inFlight = 0;
      let inFlightAtKill = -1;
      let killed = false;
      let reachedTarget!: () => void;
      const target = new Promise<void>((resolve) => {
        reachedTarget = resolve;
      });

      const worker = async () => {
        while (!killed) {
          const email = uniqueEmail('kill9', next++);
          inFlight++;
          try {
            const response = await fetch(`${server.base}/auth/register`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ email, password: PASSWORD }),
              signal: AbortSignal.timeout(15_000),
            });
            // Acknowledged = a 201 status line reached the client, even if the body is cut off by the kill.
            if (response.status === 201) acknowledged.push(email);
            else otherStatuses.push(response.status);
            await response.arrayBuffer().catch(() => {});
            if (acknowledged.length >= TARGET && !killed) {
              killed = true;
              inFlightAtKill = inFlight - 1; // the others, still waiting for their answers
              server.child.kill('SIGKILL');
              reachedTarget();
            }
          } catch {
            // Expected for the requests cut off by the kill; anything else shows up as too few acks.
          } finally {
            inFlight--;
          }
        }
      };

      const started = Date.now();
      const workers = Array.from({ length: IN_FLIGHT }, () => worker());
      await withTimeout(target, 60_000, `${TARGET} acknowledged registrations (got ${acknowledged.length})`).catch(
        (error: unknown) => {
          killed = true;
          throw error;
        },
      );
      const loadMs = Date.now() - started;
      const exit = await withTimeout(server.exited, 10_000, 'exit after SIGKILL');
      assert.equal(exit.signal, 'SIGKILL');
      await withTimeout(Promise.all(workers), 30_000, 'in-flight requests to settle');

      assert.deepEqual(otherStatuses, [], 'every registration answered before the kill was a 201');
      assert.ok(acknowledged.length >= TARGET);
      assert.ok(inFlightAtKill > 0, `requests were in flight at the kill (${inFlightAtKill})`);
      assert.equal(new Set(acknowledged).size, acknowledged.length);

      restarted = await startServer(dir, flags);
      const store = await createSqliteStore({ path: join(dir, 'gatehouse.db') });
      let found = 0;
      const missing: string[] = [];
      try {
        for (const email of acknowledged) {
          const user = await store.users.findByEmail(email);
          if (user?.email === email) found++;
          else missing.push(email);
        }
      } finally {
        await store.close();
      }
      assert.deepEqual(missing, [], `${missing.length} of ${acknowledged.length} acknowledged registrations lost after kill -9`);
      assert.equal(found, acknowledged.length);

      // The restarted server itself reads them: one logs in.
      const probe = acknowledged[Math.floor(acknowledged.length / 2)]!;
      const login = await request(restarted.base, 'POST', '/auth/login', { email: probe, password: PASSWORD });
      assert.equal(login.status, 200, login.text);
      assert.equal(userOf(login).email, probe);
      t.diagnostic(
        `${acknowledged.length} acknowledged in ${loadMs} ms, ${inFlightAtKill} in flight at the kill, all ${found} found after restart`,
      );

      assert.deepEqual(await stop(restarted), { code: 0, signal: null }, describeProc(restarted));
    } finally {
      await kill(server);
      if (restarted) await kill(restarted);
      removeDir(dir);
    }
  });

  describe('graceful shutdown on SIGTERM', () => {
    it('finishes a request that is in flight when the signal arrives, then exits 0', TEST_TIMEOUT, async () => {
      const dir = tempDir();
      // At debug the server logs each request as it is routed: how the test knows one is in flight.
      const server = await startServer(dir, ['--log-level', 'debug']);
      // A keep-alive client, like a browser or a reverse proxy: the drained connection must not hold the exit.
      const agent = new http.Agent({ keepAlive: true });
      try {
        const email = uniqueEmail('drain', 0);
        const body = JSON.stringify({ email, password: PASSWORD });
        const req = http.request({
          host: '127.0.0.1',
          port: server.port,
          method: 'POST',
          path: '/auth/register',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
        });
        const response = new Promise<{ status: number; text: string; at: number }>((resolve, reject) => {
          req.on('response', (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              text += chunk;
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text, at: Date.now() }));
            res.on('error', reject);
          });
          req.on('error', reject);
        });
        // Headers and half of the body: the server has routed the request and is waiting for the rest.
        req.write(body.slice(0, Math.floor(body.length / 2)));
        await waitForOutput(server, /"msg":"incoming request"/);

        server.child.kill('SIGTERM');
        await waitForOutput(server, /"msg":"shutting down"/);
        await new Promise((resolve) => setTimeout(resolve, 200));
        assert.ok(server.running(), 'the process waits for the in-flight request');
        const bodySentAt = Date.now();
        req.end(body.slice(Math.floor(body.length / 2)));

        const answer = await withTimeout(response, 20_000, `in-flight response${describeProc(server)}`);
        assert.equal(answer.status, 201, answer.text);
        assert.equal((JSON.parse(answer.text) as { user: { email: string } }).user.email, email);
        assert.ok(answer.at >= bodySentAt);

        const exit = await withTimeout(server.exited, 15_000, `exit after draining${describeProc(server)}`);
        assert.deepEqual(exit, { code: 0, signal: null }, describeProc(server));
        assert.equal(server.stderr(), '');
      } finally {
        agent.destroy();
        await kill(server);
        removeDir(dir);
      }
    });

    it('drains queued registrations (hashing one at a time) before exiting 0', TEST_TIMEOUT, async () => {
      const dir = tempDir();
      const server = await startServer(dir, ['--hash-concurrency', '1', '--log-level', 'debug']);
      const agent = new http.Agent({ keepAlive: true });
      try {
        const COUNT = 16;
        let signalledAt = Number.POSITIVE_INFINITY;
        const answers = Array.from({ length: COUNT }, (_, i) => {
          const body = JSON.stringify({ email: uniqueEmail('queue', i), password: PASSWORD });
          return new Promise<{ status: number; at: number }>((resolve, reject) => {
            const req = http.request(
              {
                host: '127.0.0.1',
                port: server.port,
                method: 'POST',
                path: '/auth/register',
                agent,
                headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
              },
              (res) => {
                res.resume();
                res.on('end', () => resolve({ status: res.statusCode ?? 0, at: Date.now() }));
                res.on('error', reject);
              },
            );
            req.on('error', reject);
            req.end(body);
          });
        });
        // Every request routed (so none can be refused as "arrived after close"), most still queued for hashing.
        await waitForOutput(server, new RegExp(`(?:"msg":"incoming request"[\\s\\S]*?){${COUNT}}`));
        server.child.kill('SIGTERM');
        signalledAt = Date.now();

        const results = await withTimeout(Promise.all(answers), 30_000, `queued responses${describeProc(server)}`);
        assert.deepEqual(
          results.map((r) => r.status),
          Array.from({ length: COUNT }, () => 201),
        );
        const afterSignal = results.filter((r) => r.at >= signalledAt).length;
        assert.ok(afterSignal > 0, 'some registrations were answered after SIGTERM');
        const exit = await withTimeout(server.exited, 15_000, `exit after draining${describeProc(server)}`);
        assert.deepEqual(exit, { code: 0, signal: null }, describeProc(server));
      } finally {
        agent.destroy();
        await kill(server);
        removeDir(dir);
      }
    });
  });

  describe('start-up failures', () => {
    it('an out-of-range port exits non-zero at once, naming the option, without a stack trace', TEST_TIMEOUT, async () => {
      const dir = tempDir();
      const proc = startProcess(['--port', '99999', '--data-dir', join(dir, 'data')]);
      try {
        const started = Date.now();
        const exit = await withTimeout(proc.exited, 20_000, 'exit on a bad port');
        assert.notEqual(exit.code, 0, describeProc(proc));
        assert.equal(exit.signal, null);
        assert.ok(Date.now() - started < 20_000);
        assert.match(proc.stderr(), /GATEHOUSE_PORT|--port/);
        assert.match(proc.stderr(), /99999/);
        assert.doesNotMatch(proc.stderr(), STACK_FRAME);
        assert.doesNotMatch(proc.stdout(), LISTENING);
        assert.ok(!existsSync(join(dir, 'data')), 'nothing is created for a configuration that is refused');
      } finally {
        await kill(proc);
        removeDir(dir);
      }
    });

    it('a port already in use exits non-zero with "could not start", without a stack trace', TEST_TIMEOUT, async () => {
      const dirA = tempDir();
      const dirB = tempDir();
      const first = await startServer(dirA);
      let second: Proc | undefined;
      try {
        second = startProcess(['--port', String(first.port), '--host', '127.0.0.1', '--data-dir', dirB]);
        const exit = await withTimeout(second.exited, 30_000, 'exit on a busy port');
        assert.notEqual(exit.code, 0, describeProc(second));
        assert.equal(exit.signal, null);
        assert.match(second.stderr(), /could not start/);
        assert.match(second.stderr(), /EADDRINUSE|in use/i);
        assert.doesNotMatch(second.stderr(), STACK_FRAME);
        assert.doesNotMatch(second.stdout(), LISTENING);

        // The first server is unaffected.
        assert.ok(first.running());
        const health = await fetch(`${first.base}/auth/me`, { signal: AbortSignal.timeout(10_000) });
        assert.equal(health.status, 401);
        await health.arrayBuffer();
        assert.deepEqual(await stop(first), { code: 0, signal: null }, describeProc(first));
      } finally {
        await kill(first);
        if (second) await kill(second);
        removeDir(dirA);
        removeDir(dirB);
      }
    });
  });

  it('creates a missing (nested) data directory and the SQLite file in it', TEST_TIMEOUT, async () => {
    const dir = tempDir();
    const nested = join(dir, 'does', 'not', 'exist yet');
    assert.ok(!existsSync(join(dir, 'does')));
    const server = await startServer(nested);
    try {
      assert.ok(existsSync(join(nested, 'gatehouse.db')), 'gatehouse.db created in the new directory');
      const email = uniqueEmail('mkdir', 0);
      const registered = await request(server.base, 'POST', '/auth/register', { email, password: PASSWORD });
      assert.equal(registered.status, 201, registered.text);
      assert.deepEqual(await stop(server), { code: 0, signal: null }, describeProc(server));

      const store = await createSqliteStore({ path: join(nested, 'gatehouse.db') });
      try {
        assert.equal((await store.users.findByEmail(email))?.email, email);
      } finally {
        await store.close();
      }
    } finally {
      await kill(server);
      removeDir(dir);
    }
  });
});
