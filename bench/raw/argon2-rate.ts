// Owns the raw limit of login: argon2id verifications per second with the parameters of
// src/core/password.ts, `availableParallelism()` at a time (the server's default hash concurrency), in a
// process of its own so it can be pinned to the server core. Prints one JSON Sample on stdout.
import { availableParallelism } from 'node:os';
import argon2 from 'argon2';
import { ARGON2_OPTIONS } from '../../src/core/password.js';
import { quantile } from '../lib/results.js';

const seconds = Number(process.argv[2] ?? '5');
const password = 'bench correct horse battery staple';
const hash = await argon2.hash(password, ARGON2_OPTIONS);
await argon2.verify(hash, password); // warm

const latencies: number[] = [];
const deadline = performance.now() + seconds * 1000;
const start = performance.now();

async function worker(): Promise<void> {
  while (performance.now() < deadline) {
    const before = performance.now();
    if (!(await argon2.verify(hash, password))) throw new Error('argon2 verify failed');
    latencies.push(performance.now() - before);
  }
}

await Promise.all(Array.from({ length: availableParallelism() }, worker));
const elapsed = (performance.now() - start) / 1000;
process.stdout.write(`${JSON.stringify({ opsPerSec: latencies.length / elapsed, p99Ms: quantile(latencies, 0.99) })}\n`);
