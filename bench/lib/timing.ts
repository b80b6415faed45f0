// Owns in-process timing: calling one operation back to back for a time budget (awaiting it only when it
// returns a promise) and reporting operations per second and the p99 of single calls.
import { quantile, type Sample } from './results.js';

export interface TimedOptions {
  seconds: number;
  /** Stop early after this many calls (e.g. when a pool of never-seen tokens runs out). */
  maxOps?: number;
}

/** `operation(i)` is called with i = 0, 1, 2, …; a falsy result counts as a failure and is reported. */
export async function timed(operation: (i: number) => unknown, options: TimedOptions): Promise<Sample> {
  const budget = BigInt(Math.round(options.seconds * 1e9));
  const maxOps = options.maxOps ?? Number.POSITIVE_INFINITY;
  const latencies: number[] = [];
  let failures = 0;
  const start = process.hrtime.bigint();
  let now = start;
  let i = 0;
  while (now - start < budget && i < maxOps) {
    const before = now;
    let result = operation(i);
    if (result instanceof Promise) result = await result;
    if (!result) failures++;
    now = process.hrtime.bigint();
    latencies.push(Number(now - before) / 1e6);
    i++;
  }
  const seconds = Number(now - start) / 1e9;
  return {
    opsPerSec: i / seconds,
    p99Ms: quantile(latencies, 0.99),
    ...(failures > 0 ? { note: `${failures} of ${i} calls failed` } : {}),
  };
}
