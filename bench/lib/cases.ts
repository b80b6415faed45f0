// Owns rounds: every case of a section is measured once per round, rounds interleaved, and each case is
// summarised as the median of its rounds, its ratio as the median of its per-round ratios to its baseline
// (which must be one of the same cases). Within a round every case is bracketed by its baseline — measured
// again right after it — and divided by the mean of the two measurements on either side: the machine's speed
// drifts over minutes (2× within a run has been seen), so a baseline measured minutes earlier is no baseline.
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
  /** Per case, per round: the mean of its baseline's measurements just before and just after it. */
  const bracketing = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  const byName = new Map(cases.map((c) => [c.name, c]));
  const measure = async (c: Case, round: number) => {
    const sample = await c.measure(round);
    samples.get(c.name)?.push(sample);
    const ops = Math.round(sample.opsPerSec).toLocaleString('en-US');
    log(`  [${round + 1}/${rounds}] ${c.name}: ${ops} ops/s, p99 ${sample.p99Ms.toFixed(2)} ms${sample.note ? ` (${sample.note})` : ''}`);
    return sample;
  };
  for (let round = 0; round < rounds; round++) {
    await beforeRound?.(round);
    const last = new Map<string, number>();
    for (const c of cases) {
      const base = c.baseline === null ? undefined : byName.get(c.baseline);
      if (!base) {
        last.set(c.name, (await measure(c, round)).opsPerSec);
        continue;
      }
      const before = last.get(base.name) ?? (await measure(base, round)).opsPerSec;
      await measure(c, round);
      const after = (await measure(base, round)).opsPerSec;
      last.set(base.name, after);
      bracketing.get(c.name)?.push((before + after) / 2);
    }
  }
  const of = (name: string) => samples.get(name) ?? [];
  return cases.map((c) =>
    summarize(c.name, of(c.name), c.baseline === null ? undefined : { name: c.baseline, opsPerSec: bracketing.get(c.name) ?? [] }),
  );
}
