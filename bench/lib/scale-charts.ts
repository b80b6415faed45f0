// Owns the scale section's image (docs/performance-scale.svg): its curves — throughput relative to the smallest
// size, login time, server and Redis memory, start-up and the bearer check against the revocations held — drawn
// with plot.ts, one chart above the other.
import type { BenchOptions } from './options.js';
import { lineChart, stackCharts, type Series } from './plot.js';

export interface Point {
  series: string;
  x: number;
  y: number;
}

export interface Curves {
  /** Ratio to the smallest size of the same setup and route (bare-route bracketed). */
  throughput: Point[];
  /** p50 of sequential logins, ms. */
  login: Point[];
  /** Server RSS and heap used, MB. */
  rss: Point[];
  /** Redis used_memory growth ÷ sessions, bytes. */
  redisPerSession: Point[];
  /** Start-up until /readyz, ms more than with no revocations. */
  startup: Point[];
  /** Bearer /auth/verify, ratio to no revocations. */
  revokedVerify: Point[];
}

function series(points: readonly Point[]): Series[] {
  const byName = new Map<string, [number, number][]>();
  for (const p of points) byName.set(p.series, [...(byName.get(p.series) ?? []), [p.x, p.y]]);
  return [...byName].map(([name, pts]) => ({ name, points: pts }));
}

/** The goal of issue 19, flat within 15%: two horizontal lines across the sizes measured. */
function goal(points: readonly Point[]): Series[] {
  const xs = points.map((p) => p.x);
  if (xs.length === 0) return [];
  const [low, high] = [Math.min(...xs), Math.max(...xs)];
  return [0.85, 1.15].map((y) => ({ name: `goal: ${y} of the smallest size`, points: [[low, y], [high, y]] }));
}

export function scaleCharts(curves: Curves, options: BenchOptions): string {
  const run = options.quick ? ' (quick run: tiny sizes)' : '';
  const charts = [
    lineChart({
      title: `Session check and /auth/me throughput as the store grows${run}`,
      xLabel: 'users and live sessions in the store',
      yLabel: 'throughput ÷ smallest size (bare-route bracketed)',
      logX: true,
      series: [...series(curves.throughput), ...goal(curves.throughput)],
    }),
    lineChart({ title: 'Login time (p50 of sequential logins)', xLabel: 'users in the store', yLabel: 'ms', logX: true, series: series(curves.login) }),
    lineChart({
      title: 'Memory',
      xLabel: 'users and live sessions in the store',
      yLabel: 'server MB',
      logX: true,
      series: series(curves.rss),
    }),
  ];
  if (curves.redisPerSession.length > 0) {
    charts.push(lineChart({ title: 'Redis memory per live session', xLabel: 'live sessions in Redis', yLabel: 'bytes per session', logX: true, series: series(curves.redisPerSession) }));
  }
  charts.push(
    lineChart({ title: 'Start-up until /readyz, above the same store with no revocations', xLabel: 'revocations in the store', yLabel: 'ms', logX: true, series: series(curves.startup) }),
    lineChart({ title: 'Bearer /auth/verify with revocations held', xLabel: 'revocations in the store', yLabel: 'throughput ÷ no revocations', logX: true, series: series(curves.revokedVerify) }),
  );
  return stackCharts(charts);
}
