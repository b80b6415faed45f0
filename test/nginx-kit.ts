// Test kit for running a real nginx on loopback: finding the binary (with auth_request), a free port, and
// starting nginx from a config file in a throwaway prefix directory, then stopping it and removing the
// directory. Tests that use it are skipped, saying why, when nginx is not installed.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** The nginx binary, if it is installed with the auth_request module; otherwise why to skip. */
export function findNginx(): { bin?: string; skip?: string } {
  const dirs = ['/usr/sbin', '/usr/local/sbin', '/usr/local/nginx/sbin', ...(process.env['PATH'] ?? '').split(delimiter)];
  const bin = dirs.map((dir) => join(dir, 'nginx')).find((path) => existsSync(path));
  if (!bin) return { skip: 'nginx is not installed (CI installs it in .ci/run: apt-get install nginx)' };
  const version = spawnSync(bin, ['-V'], { encoding: 'utf8' });
  if (!`${version.stdout}${version.stderr}`.includes('http_auth_request')) return { skip: `${bin} lacks the auth_request module` };
  return { bin };
}

export { freePort } from './kit.js';

export interface RunningNginx {
  /** `http://127.0.0.1:<port>` */
  base: string;
  port: number;
  dir: string;
  errorLog(): string;
  stop(): Promise<void>;
}

/**
 * Starts nginx listening on `port` with `httpBlock` (the contents of an `http {}` block) inside a config
 * that keeps every file in a temp directory; resolves once `probePath` answers.
 */
export async function startNginx(bin: string, port: number, httpBlock: string, probePath = '/'): Promise<RunningNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-nginx-'));
  const config = `
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events {}
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${httpBlock}
}
`;
  writeFileSync(join(dir, 'nginx.conf'), config);
  const errorLog = () => (existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : '');
  const proc: ChildProcess = spawn(bin, ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const base = `http://127.0.0.1:${port}`;

  async function stop(): Promise<void> {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGQUIT');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  }

  const deadline = Date.now() + 10_000;
  for (;;) {
    if (proc.exitCode !== null) {
      const log = errorLog();
      await stop();
      throw new Error(`nginx exited (${proc.exitCode}): ${stderr}${log}`);
    }
    try {
      await fetch(`${base}${probePath}`);
      break;
    } catch {
      if (Date.now() > deadline) {
        const log = errorLog();
        await stop();
        throw new Error(`nginx did not answer on ${base}: ${stderr}${log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return { base, port, dir, errorLog, stop };
}
