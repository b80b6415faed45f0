// Owns the soak run's series: every interval, the answered requests per second of each kind (from the
// tally's running counts) and each server's resident memory (VmRSS of its node process, from /proc) and V8
// heap in use and longest event-loop delay over the interval (gatehouse_nodejs_heap_size_used_bytes and
// gatehouse_nodejs_eventloop_lag_max_seconds from its /metrics, which only this sampler scrapes: prom-client
// resets the delay histogram at each scrape).
import { readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { KINDS, type Kind, type Tally } from './truth.js';

export interface WatchedServer {
  name: string;
  url: string;
  /** The node process (not a `taskset` wrapper). */
  pid: number;
}

export interface SeriesPoint {
  /** Seconds since the traffic began, at the end of the interval. */
  t: number;
  /** Answered requests per second over the interval, per kind and in all. */
  rps: Record<Kind, number>;
  total: number;
  /** Per server name; null when it could not be read. */
  rssMiB: Record<string, number | null>;
  heapMiB: Record<string, number | null>;
  /** The longest event-loop delay of each server over the interval, in ms (a stall past 1 s makes Redis
   * commands and the revocation bus's heartbeat time out: 503 until it is back). */
  lagMaxMs: Record<string, number | null>;
}

const MIB = 1024 * 1024;
const round = (value: number, digits: number) => Number(value.toFixed(digits));

/** The pid of the node process behind a child: the child itself, or the one process it forked (taskset execs
 * node in place, so this is normally the child's own pid). Node is recognised by its executable. */
export function nodePid(pid: number): number {
  const node = realpathSync(process.execPath);
  const isNode = (p: number) => {
    try {
      return readlinkSync(`/proc/${p}/exe`) === node;
    } catch {
      return false;
    }
  };
  if (isNode(pid)) return pid;
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
    const child = children.find(isNode);
    if (child !== undefined) return child;
  } catch {
    // no /proc children list: fall through
  }
  throw new Error(`process ${pid} is not ${node} and has no child that is`);
}

export function rssMiB(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** The value of one unlabelled gauge in Prometheus text, or null. */
function gauge(text: string, name: string): number | null {
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text);
  return match ? Number(match[1]) : null;
}

async function scrape(url: string): Promise<{ heapMiB: number | null; lagMaxMs: number | null }> {
  try {
    const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) });
    const text = await response.text();
    const heap = gauge(text, 'gatehouse_nodejs_heap_size_used_bytes');
    const lag = gauge(text, 'gatehouse_nodejs_eventloop_lag_max_seconds');
    return { heapMiB: heap === null ? null : round(heap / MIB, 1), lagMaxMs: lag === null ? null : round(lag * 1000, 1) };
  } catch {
    return { heapMiB: null, lagMaxMs: null };
  }
}

/** Samples every `intervalSeconds` from now until stop(), which returns the points of the whole intervals. */
export function startSampler(tally: Tally, servers: readonly WatchedServer[], intervalSeconds: number, startedAt: number): { stop(): Promise<SeriesPoint[]> } {
  const points: SeriesPoint[] = [];
  let last = { at: startedAt, answered: { ...tally.answered } };
  let pending: Promise<void> = Promise.resolve();

  const tick = () => {
    const now = performance.now();
    const seconds = (now - last.at) / 1000;
    const rps = Object.fromEntries(KINDS.map((k) => [k, round((tally.answered[k] - last.answered[k]) / seconds, 1)])) as Record<Kind, number>;
    const total = round(KINDS.reduce((sum, k) => sum + tally.answered[k] - last.answered[k], 0) / seconds, 1);
    last = { at: now, answered: { ...tally.answered } };
    const rss = Object.fromEntries(servers.map((s) => [s.name, rssOrNull(s.pid)]));
    pending = pending.then(async () => {
      const scraped = await Promise.all(servers.map(async (s) => [s.name, await scrape(s.url)] as const));
      points.push({
        t: round((now - startedAt) / 1000, 1),
        rps,
        total,
        rssMiB: rss,
        heapMiB: Object.fromEntries(scraped.map(([name, m]) => [name, m.heapMiB])),
        lagMaxMs: Object.fromEntries(scraped.map(([name, m]) => [name, m.lagMaxMs])),
      });
    });
  };
  const rssOrNull = (pid: number) => {
    const value = rssMiB(pid);
    return value === null ? null : round(value, 1);
  };
  const timer = setInterval(tick, intervalSeconds * 1000);
  return {
    async stop() {
      clearInterval(timer);
      await pending;
      return points;
    },
  };
}
