// Owns "where the time goes": runs `gatehouse serve` under `node --cpu-prof` on the server core, loads one
// protected route with autocannon (50 connections) from this process, stops the server so the profile is
// written, and prints the top self-time functions and the share of each part of the stack, counting only
// the samples taken during the measured load (start-up, log-in and warm-up left out).
//   node --import tsx bench/profile.ts [token|session|hybrid] [/auth/verify|/auth/me] [seconds]
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { login, register, startGatehouse, uniqueEmail, type Mode } from './lib/gatehouse.js';
import { runLoad } from './lib/load.js';
import { pinSelfToClientCore } from './lib/processes.js';
import { removeScratch } from './lib/tmp.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}

interface CpuProfile {
  /** Microseconds on the monotonic clock process.hrtime reads too. */
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  /** Microseconds since the previous sample. */
  timeDeltas: number[];
}

const [mode = 'token', path = '/auth/verify', seconds = '10'] = process.argv.slice(2) as [Mode?, string?, string?];
const root = process.cwd();

/** `src/core/tokens.ts`, `node_modules/jose`, `node:internal`, … — where a function lives. */
function where(url: string): string {
  if (url === '') return '(native / VM)';
  if (url.startsWith('node:')) return 'node: internals';
  const local = url.replace('file://', '').replace(`${root}/`, '');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(local);
  return pkg ? `node_modules/${pkg[1] ?? ''}` : local;
}

/** Self time per function and per place, from the samples taken between `from` and `to` (µs, monotonic). */
function summarize(profile: CpuProfile, from: number, to: number): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfByFunction = new Map<string, number>();
  const selfByPlace = new Map<string, number>();
  let total = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const micros = profile.timeDeltas[i] ?? 0;
    at += micros;
    if (!node || at < from || at > to) return;
    const { functionName, url } = node.callFrame;
    if (functionName === '(idle)') return;
    const place = where(url);
    const key = `${functionName || '(anonymous)'} | ${place}`;
    selfByFunction.set(key, (selfByFunction.get(key) ?? 0) + micros);
    selfByPlace.set(place, (selfByPlace.get(place) ?? 0) + micros);
    total += micros;
  });
  const top = (map: Map<string, number>, n: number) =>
    [...map].sort((a, b) => b[1] - a[1]).slice(0, n).map(([name, us]) => `| ${(100 * us / total).toFixed(1)}% | ${name} |`);
  process.stdout.write(`\nProfile: ${(total / 1e6).toFixed(1)} s busy on the main thread during the load (idle left out; shares are of busy time)\n\n`);
  process.stdout.write(`| self | function | where |\n|---:|---|---|\n${top(selfByFunction, 25).join('\n')}\n\n`);
  process.stdout.write(`| self | where |\n|---:|---|\n${top(selfByPlace, 15).join('\n')}\n`);
}

pinSelfToClientCore();
const dir = mkdtempSync(join(tmpdir(), 'gh-bench-profile-'));
const micros = () => Number(process.hrtime.bigint() / 1000n);
let window = { from: 0, to: 0 };
const server = await startGatehouse({}, ['--cpu-prof', '--cpu-prof-dir', dir]);
try {
  const email = uniqueEmail('profile');
  await register(server.url, email);
  const headers = await login(server.url, email, mode);
  await runLoad({ url: `${server.url}${path}`, headers, seconds: 3 }); // warm-up
  const from = micros();
  const sample = await runLoad({ url: `${server.url}${path}`, headers, seconds: Number(seconds) });
  window = { from, to: micros() };
  process.stdout.write(`${mode} ${path}: ${Math.round(sample.opsPerSec)} req/s, p99 ${sample.p99Ms} ms${sample.note ? ` (${sample.note})` : ''}\n`);
} finally {
  await server.stop();
  removeScratch();
}
// One file per thread; the main thread's is thread 0 (tsx's loader hooks run on a thread of their own).
const file = readdirSync(dir).find((f) => /\.0\.\d+\.cpuprofile$/.test(f));
if (!file) throw new Error(`no profile written in ${dir}`);
process.stdout.write(`profile: ${join(dir, file)} (open it in Chrome DevTools → Performance)\n`);
summarize(JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile, window.from, window.to);
