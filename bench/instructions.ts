// Owns "instructions per request": runs `gatehouse serve` (log level `warn`) under valgrind's callgrind with
// instrumentation off, loads one route with autocannon (50 connections) for N requests of warm-up, switches
// instrumentation on for exactly N more, and prints the instructions of every thread of the server divided by N.
// Unlike throughput, this agrees within ~1% between runs of one build, so it can see a 3% change; a start that
// lands in Node 20's slow state shows as a run ~25-35% above the others (docs/performance.md) and is run again.
//   node --import tsx bench/instructions.ts [token|session|hybrid] [/auth/verify|/auth/me] [N] [path/to/cli/main.ts]
// The last argument measures another checkout (e.g. `git worktree add /tmp/old <rev>` with node_modules linked).
// Extra server variables as JSON in BENCH_SERVER_ENV, e.g. '{"NODE_ENV":"production"}'.
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { CLI, gatehouseEnv, login, register, uniqueEmail, type Mode } from './lib/gatehouse.js';
import { CONNECTIONS } from './lib/load.js';
import { freePort } from './lib/processes.js';
import { removeScratch, scratchDir } from './lib/tmp.js';

const [mode = 'token', path = '/auth/verify', count = '20000', cli = CLI] = process.argv.slice(2) as [Mode?, string?, string?, string?];
const requests = Number(count);
const port = await freePort();
const dir = scratchDir('callgrind');
const extra = JSON.parse(process.env['BENCH_SERVER_ENV'] ?? '{}') as Record<string, string>;
const server = spawn(
  'valgrind',
  ['--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${join(dir, 'out')}`, process.execPath, '--import', 'tsx', cli, 'serve'],
  { env: { ...process.env, ...gatehouseEnv(port, { GATEHOUSE_LOG_LEVEL: 'warn', ...extra }) }, stdio: ['ignore', 'ignore', 'pipe'] },
);
let stderr = '';
server.stderr.on('data', (chunk: Buffer) => {
  stderr = (stderr + chunk.toString()).slice(-3000);
});
const exited = new Promise((resolve) => server.once('exit', resolve));
const control = (...args: string[]) => execFileSync('callgrind_control', [...args, String(server.pid)], { stdio: 'ignore' });

try {
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 300_000; // start-up under valgrind takes a minute or more
  for (;;) {
    const ready = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline || server.exitCode !== null) throw new Error(`the server did not start: ${stderr.trim()}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const email = uniqueEmail('instructions');
  await register(url, email);
  const headers = await login(url, email, mode);
  const load = () => autocannon({ url: `${url}${path}`, headers, connections: CONNECTIONS, amount: requests, timeout: 60 });
  await load();
  control('-i', 'on');
  const measured = await load();
  control('-i', 'off');
  control('-d');
  if (measured['2xx'] !== requests) throw new Error(`${requests - measured['2xx']} of ${requests} answers were not 2xx`);
  // One dump per thread group; `totals:` is what was counted while instrumentation was on.
  const total = readdirSync(dir)
    .map((file) => /^totals: (\d+)/m.exec(readFileSync(join(dir, file), 'utf8'))?.[1])
    .reduce((sum, value) => sum + Number(value ?? 0), 0);
  process.stdout.write(`${mode} ${path} (${cli}): ${(total / requests / 1000).toFixed(1)}k instructions a request\n`);
} finally {
  server.kill('SIGKILL');
  await exited;
  removeScratch();
}
