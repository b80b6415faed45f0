// Owns the benchmark's results: the row shape written to bench/results.json, medians over rounds, ratios
// against a baseline measured in the same rounds, and the one table printed at the end.
import { writeFileSync } from 'node:fs';

/**
 * One line of bench/results.json: the median over rounds of ops/s and of p99; `ratio` is the median over
 * rounds of (this case's ops/s ÷ the baseline's ops/s in the same round).
 */
export interface Row {
  name: string;
  opsPerSec: number | null;
  p99Ms: number | null;
  /** The name of the row this one is divided by, or null. */
  baseline: string | null;
  ratio: number | null;
  /** The ratio of each round, when there were several (how noisy the machine was). */
  roundRatios?: number[];
  /** Only for latency rows (revocation propagation). */
  p50Ms?: number;
  /** Why the row has no figures (skipped), or what was odd about it (errors, non-2xx answers). */
  note?: string;
}

/** One round's figures for one case. */
export interface Sample {
  opsPerSec: number;
  p99Ms: number;
  note?: string;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The q-quantile (0..1) of unsorted values, nearest-rank. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

/**
 * Median ops/s and median p99 over the rounds of one case, and the median of its per-round ratios to
 * `baseline` (given as the baseline's ops/s beside this case, round for round). Notes from any round are kept.
 */
export function summarize(name: string, samples: readonly Sample[], baseline?: { name: string; opsPerSec: readonly number[] }): Row {
  const notes = [...new Set(samples.flatMap((s) => (s.note ? [s.note] : [])))];
  const ratios = baseline ? samples.flatMap((s, round) => {
    const base = baseline.opsPerSec[round];
    return base ? [s.opsPerSec / base] : [];
  }) : [];
  return {
    name,
    opsPerSec: median(samples.map((s) => s.opsPerSec)),
    p99Ms: median(samples.map((s) => s.p99Ms)),
    baseline: baseline?.name ?? null,
    ratio: ratios.length > 0 ? median(ratios) : null,
    ...(ratios.length > 1 ? { roundRatios: ratios.map((r) => Number(r.toFixed(3))) } : {}),
    ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
  };
}

export function skipped(name: string, reason: string, baseline: string | null = null): Row {
  return { name, opsPerSec: null, p99Ms: null, baseline, ratio: null, note: `skipped: ${reason}` };
}

const fixed = (value: number | null | undefined, digits: number) =>
  value === null || value === undefined || Number.isNaN(value) ? '-' : value.toFixed(digits);

const rate = (value: number | null) =>
  value === null || Number.isNaN(value) ? '-' : value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1);

/** A Markdown table (it reads fine in a terminal and pastes into docs/performance.md as it is). */
export function formatTable(rows: readonly Row[]): string {
  const lines = [
    '| case | ops/s | p99 ms | ratio | rounds | vs | note |',
    '|---|---:|---:|---:|---|---|---|',
    ...rows.map((r) => {
      const p99 = r.p50Ms === undefined ? fixed(r.p99Ms, 2) : `${fixed(r.p99Ms, 2)} (p50 ${fixed(r.p50Ms, 2)})`;
      const rounds = r.roundRatios?.map((x) => x.toFixed(2)).join(' ') ?? '';
      const vs = r.baseline?.replace(/^[^:]*: /, '') ?? '';
      return `| ${r.name} | ${rate(r.opsPerSec)} | ${p99} | ${fixed(r.ratio, 2)} | ${rounds} | ${vs} | ${r.note ?? ''} |`;
    }),
  ];
  return lines.join('\n');
}

export function writeResults(path: string, rows: readonly Row[]): void {
  writeFileSync(path, `${JSON.stringify(rows, null, 2)}\n`);
}
