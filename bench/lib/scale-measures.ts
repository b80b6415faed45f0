// Owns the scale section's single measurements other than load: a server's memory as its /metrics reports it,
// the time of sequential logins, start-up until /readyz, and the in-process cost of the revocation list (bytes
// per entry and isRevoked per second at a given size, on the engine's own createRevocationList).
import { randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createRevocationList } from '../../src/core/revocation.js';
import type { RevocationRecord } from '../../src/core/store.js';
import { createMemoryStore } from '../../src/stores/memory/index.js';
import { PASSWORD, startGatehouse } from './gatehouse.js';
import type { ServerProcess } from './processes.js';
import { quantile, type Sample } from './results.js';
import { timed } from './timing.js';

/** 10³, 10⁵ … for powers of ten; 2,500 otherwise. */
export function sizeLabel(n: number): string {
  const exponent = Math.log10(n);
  if (n >= 100 && Number.isInteger(exponent)) return `10${[...String(exponent)].map((d) => '⁰¹²³⁴⁵⁶⁷⁸⁹'[Number(d)]).join('')}`;
  return n.toLocaleString('en-US');
}

export const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** Resident set and used V8 heap of the server, in bytes (prom-client's default metrics, prefixed gatehouse_). */
export async function serverMemory(url: string): Promise<{ rss: number; heapUsed: number }> {
  const response = await fetch(`${url}/metrics`);
  const text = await response.text();
  const metric = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { rss: metric('gatehouse_process_resident_memory_bytes'), heapUsed: metric('gatehouse_nodejs_heap_size_used_bytes') };
}

/** Milliseconds of each of `emails.length` sequential session logins (a different user each time). */
export async function loginTimes(url: string, emails: readonly string[]): Promise<number[]> {
  const times: number[] = [];
  for (const email of emails) {
    const started = performance.now();
    const response = await fetch(`${url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD, mode: 'session' }),
    });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`login ${email}: ${response.status}`);
    times.push(performance.now() - started);
  }
  return times;
}

/** Starts `gatehouse serve` and times it from spawn until /readyz answers 200 (asked every 10 ms). */
export async function timedStart(env: Record<string, string>): Promise<{ server: ServerProcess; ms: number }> {
  const started = performance.now();
  const server = await startGatehouse(env, [], { pollMs: 10 });
  return { server, ms: performance.now() - started };
}

export const summary = (values: readonly number[]) => ({ p50: quantile(values, 0.5), p99: quantile(values, 0.99) });

let collect: (() => void) | undefined;
/** A full garbage collection, available without --expose-gc (the benchmark is not started with it). */
function gc(): void {
  if (!collect) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
}

/**
 * The revocation list of src/core/revocation.ts loaded with `size` live revocations (half jti, half sid): the
 * heap it holds (after a full collection, before and after loading) and isRevoked on a token that is not revoked
 * (the common case: every lookup misses) for `seconds`.
 */
export async function revocationListCost(size: number, seconds: number): Promise<{ bytesPerEntry: number; heapBytes: number; sample: Sample }> {
  const store = createMemoryStore();
  const now = Date.now();
  for (let i = 0; i < size; i++) {
    const record: RevocationRecord = { kind: i % 2 === 0 ? 'jti' : 'sid', subject: randomBytes(16).toString('base64url'), revokedAt: now, expiresAt: now + 3_600_000 };
    await store.revocations.add(record);
  }
  gc();
  const before = process.memoryUsage().heapUsed;
  const list = createRevocationList(store.revocations);
  await list.load(now);
  gc();
  const heapBytes = process.memoryUsage().heapUsed - before;
  const tokens = Array.from({ length: 1024 }, () => ({ jti: randomBytes(16).toString('base64url'), sid: randomBytes(16).toString('base64url'), sub: 'user', iat: Math.floor(now / 1000) }));
  const sample = await timed((i) => !list.isRevoked(tokens[i & 1023] as (typeof tokens)[number], now), { seconds });
  if (list.size !== size) throw new Error(`revocation list holds ${list.size} of ${size}`);
  await list.close();
  return { bytesPerEntry: heapBytes / size, heapBytes, sample };
}
