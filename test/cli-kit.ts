// Test kit for the `gatehouse` command as a real process: run from this checkout wherever it was cloned (never
// an absolute path), with none of the machine's GATEHOUSE_* variables, and `serve` started on a free port.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './kit.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `gatehouse ARGS` with none of this machine's GATEHOUSE_* variables, plus `env`. */
export function startCli(args: readonly string[], env: Record<string, string> = {}): ChildProcess {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('GATEHOUSE_')));
  return spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), ...args], {
    cwd: ROOT,
    env: { ...clean, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs `gatehouse ARGS` to its end. */
export function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  const child = startCli(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface RunningCliServer {
  url: string;
  /** Everything it wrote so far, stdout then stderr. */
  output(): string;
  stop(): Promise<void>;
}

/** `gatehouse serve --port 0 --data-dir DIR --log-level info`; resolves once the listening line is logged. */
export function serveCli(dir: string, env: Record<string, string> = {}): Promise<RunningCliServer> {
  const child = startCli(['serve', '--port', '0', '--data-dir', dir, '--log-level', 'info'], env);
  let stdout = '';
  let stderr = '';
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => void stop().then(() => reject(new Error(`server did not start:\n${stdout}\n${stderr}`))), 20_000);
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const url = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
      if (!url) return;
      clearTimeout(timer);
      resolve({ url, output: () => stdout + stderr, stop });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${stdout}\n${stderr}`));
    });
  });
}
