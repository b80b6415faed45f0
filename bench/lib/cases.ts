// Owns rounds: every case of a section is measured once per round, rounds interleaved (so slow drift in a
// noisy machine hits every case alike), and each case is summarised as the median of its rounds, its ratio
// as the median of its per-round ratios to its baseline (which must be one of the same cases).
import { log } from './options.js';
import { summarize, type Row, type Sample } from './results.js';

export interface Case {
  name: string;
  /** The row this one is divided by, or null for a baseline. */
  baseline: string | null;
  measure(round: number): Promise<Sample>;
}

export async function runRounds(cases: readonly Case[], rounds: number, beforeRound?: (round: number) => Promise<void>): Promise<Row[]> {
  const samples = new Map<string, Sample[]>(cases.map((c) => [c.name, []]));
  for (let round = 0; round < rounds; round++) {
    await beforeRound?.(round);
    for (const c of cases) {
      const sample = await c.measure(round);
      samples.get(c.name)?.push(sample);
      const ops = Math.round(sample.opsPerSec).toLocaleString('en-US');
      log(`  [${round + 1}/${rounds}] ${c.name}: ${ops} ops/s, p99 ${sample.p99Ms.toFixed(2)} ms${sample.note ? ` (${sample.note})` : ''}`);
    }
  }
  const of = (name: string) => samples.get(name) ?? [];
  return cases.map((c) => summarize(c.name, of(c.name), c.baseline === null ? undefined : { name: c.baseline, samples: of(c.baseline) }));
}
