// Owns the processes and their cores: the benchmark itself on the load-generator core, servers (TypeScript
// entry points under tsx) pinned to the server core with `taskset` on free loopback ports, waiting until
// one answers HTTP, and stopping it (by its own pid).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** The server core and the load-generator core. */
export const SERVER_CPU = '0';
export const CLIENT_CPU = '1';

export const HAS_TASKSET = spawnSync('taskset', ['--version']).status === 0;

const PINNED = 'GH_BENCH_PINNED';

/**
 * Makes the calling entry point run on the load-generator core: the first time, runs this same command
 * again under `taskset -c 1` and exits with its status; in that child (or without taskset), returns.
 */
export function pinSelfToClientCore(): void {
  if (!HAS_TASKSET || process.env[PINNED] !== undefined) return;
  const args = ['-c', CLIENT_CPU, process.execPath, ...process.execArgv, ...process.argv.slice(1)];
  const child = spawnSync('taskset', args, { stdio: 'inherit', env: { ...process.env, [PINNED]: '1' } });
  process.exit(child.status ?? 1);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** `node [nodeArgs] --import tsx script [scriptArgs]`, pinned to `cpu` when taskset exists. */
export function pinnedNode(cpu: string, script: string, nodeArgs: readonly string[] = [], scriptArgs: readonly string[] = []): { command: string; args: string[] } {
  const node = [...nodeArgs, '--import', 'tsx', script, ...scriptArgs];
  return HAS_TASKSET ? { command: 'taskset', args: ['-c', cpu, process.execPath, ...node] } : { command: process.execPath, args: node };
}

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export interface StartOptions {
  script: string;
  args?: readonly string[];
  env: Record<string, string>;
  port: number;
  /** A path that answers 200 once the server is up. */
  readyPath?: string;
  nodeArgs?: readonly string[];
  /** How often to ask `readyPath` while it starts (default 100 ms; the scale section times start-up with 10 ms). */
  pollMs?: number;
}

/** Starts a server on the server core and resolves once `readyPath` answers 200 (throws with its stderr otherwise). */
export async function startServer(options: StartOptions): Promise<ServerProcess> {
  const { command, args } = pinnedNode(SERVER_CPU, options.script, options.nodeArgs, options.args);
  const child = spawn(command, args, {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${options.port}`;

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      const response = await fetch(`${url}${options.readyPath ?? '/healthz'}`);
      await response.arrayBuffer();
      if (response.ok) return { url, child, stop };
    } catch {
      // not listening yet
    }
    await sleep(options.pollMs ?? 100);
  }
  await stop();
  const tail = stderr.trim().split('\n').slice(-3).join(' | ');
  throw new Error(`${options.script} did not start (exit ${String(child.exitCode)}): ${tail || 'no output'}`);
}

/** Runs a script to completion on a core (the server's unless told) and resolves with its stdout. */
export function runPinnedScript(script: string, args: readonly string[], cpu: string = SERVER_CPU): Promise<string> {
  const { command, args: argv } = pinnedNode(cpu, script, [], args);
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${script} exited ${String(code)}: ${stderr.slice(-500)}`))));
  });
}
