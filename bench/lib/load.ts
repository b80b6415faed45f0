// Owns HTTP load: one autocannon run (from this process, on the load-generator core) turned into a Sample
// that counts only 2xx answers as throughput, and says so when anything else came back.
import autocannon, { type Options } from 'autocannon';
import type { Sample } from './results.js';

export const CONNECTIONS = 50;

export interface Load {
  url: string;
  seconds: number;
  connections?: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  requests?: Options['requests'];
  /** Paces the whole run at this many requests per second (a probe, not a flood). */
  overallRate?: number;
  /** Stops after this many requests instead of after `seconds`. */
  amount?: number;
}

export async function runLoad(load: Load): Promise<Sample> {
  const result = await autocannon({
    url: load.url,
    connections: load.connections ?? CONNECTIONS,
    duration: load.seconds,
    pipelining: 1,
    timeout: 30,
    ...(load.method ? { method: load.method } : {}),
    ...(load.headers ? { headers: load.headers } : {}),
    ...(load.body ? { body: load.body } : {}),
    ...(load.requests ? { requests: load.requests } : {}),
    ...(load.overallRate ? { overallRate: load.overallRate } : {}),
    ...(load.amount ? { amount: load.amount } : {}),
  });
  const problems = [
    result.non2xx > 0 ? `${result.non2xx} non-2xx` : '',
    result.errors > 0 ? `${result.errors} errors` : '',
    result.timeouts > 0 ? `${result.timeouts} timeouts` : '',
  ].filter((p) => p !== '');
  return {
    opsPerSec: result['2xx'] / result.duration,
    p99Ms: result.latency.p99,
    ...(problems.length > 0 ? { note: problems.join(', ') } : {}),
  };
}
