// Owns the benchmark's settings: the full run (3 rounds of 10 s, as issue 6 measures the peers) or the
// `--quick` smoke run (1 round of 2 s), the sections to run (`--only=http,login`; `--scale` adds the long
// "cost as the data grows" section to a full run), the scale section's sizes, and where Redis is. `--soak` and its
// settings: bench/soak/options.ts.
import { isSoakArg, parseSoakOptions, type SoakOptions } from '../soak/options.js';

export const SECTIONS = ['inprocess', 'http', 'login', 'revocation', 'scale'] as const;
export type Section = (typeof SECTIONS)[number];
/** The scale section's stores: SQLite, PostgreSQL, PostgreSQL with the sessions in Redis. */
export const SCALE_STORES = ['sqlite', 'postgres', 'redis'] as const;
export type ScaleStore = (typeof SCALE_STORES)[number];
/** What runs without --only: everything but the scale section (it fills stores to 10⁶ rows: too long). */
const DEFAULT_SECTIONS: readonly Section[] = ['inprocess', 'http', 'login', 'revocation'];

export interface BenchOptions {
  quick: boolean;
  rounds: number;
  /** Length of one HTTP measurement. */
  httpSeconds: number;
  /** Load before the first measurement of each case (JIT, caches, connection pools). */
  warmupSeconds: number;
  /** Length of one in-process measurement. */
  inProcessSeconds: number;
  /** Two-instance revocation trials. */
  revocationTrials: number;
  sections: readonly Section[];
  /** Users and live sessions the scale section fills each store to, in order (it grows in place). */
  scaleSizes: readonly number[];
  /** Revocations (revoked access tokens and families) it fills the store to, in order. */
  scaleRevocations: readonly number[];
  /** Length of one scale measurement (there are ~40 per store). */
  scaleSeconds: number;
  /** `--scale-setups=sqlite,postgres,redis`: the scale section's stores (all three by default). */
  scaleSetups: readonly ScaleStore[];
  redisUrl: string;
  /** Every Redis key of this run starts with it (removed at the end). */
  redisPrefix: string;
  /** `--soak`: run only the soak run, with these settings; null otherwise. */
  soak: SoakOptions | null;
}

export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  const quick = argv.includes('--quick');
  const only = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
  const scale = argv.includes('--scale');
  const stores = argv.find((a) => a.startsWith('--scale-setups='))?.slice('--scale-setups='.length).split(',');
  const unknown = argv.filter((a) => a !== '--quick' && a !== '--scale' && !a.startsWith('--only=') && !a.startsWith('--scale-setups=') && !isSoakArg(a));
  const badSections = [
    ...(only ?? []).filter((s) => !(SECTIONS as readonly string[]).includes(s)),
    ...(stores ?? []).filter((s) => !(SCALE_STORES as readonly string[]).includes(s)),
  ];
  if (unknown.length > 0 || badSections.length > 0) {
    throw new Error(`usage: npm run bench -- [--quick] [--scale] [--scale-setups=${SCALE_STORES.join(',')}] [--only=${SECTIONS.join(',')}] [--soak [--soak-minutes=N] [--soak-setups=sqlite,scaleout] [--soak-together]] (got ${[...unknown, ...badSections].join(' ')})`);
  }
  return {
    quick,
    rounds: quick ? 1 : 3,
    httpSeconds: quick ? 2 : 10,
    warmupSeconds: quick ? 0.5 : 3,
    inProcessSeconds: quick ? 0.5 : 3,
    revocationTrials: quick ? 20 : 200,
    sections: (only as Section[] | undefined) ?? (scale ? [...DEFAULT_SECTIONS, 'scale'] : DEFAULT_SECTIONS),
    scaleSizes: quick ? [100, 1000] : [1000, 100_000, 1_000_000],
    scaleRevocations: quick ? [1000] : [1000, 10_000, 100_000],
    scaleSeconds: quick ? 0.5 : 5,
    scaleSetups: (stores as ScaleStore[] | undefined) ?? SCALE_STORES,
    redisUrl: env['BENCH_REDIS_URL'] ?? env['GATEHOUSE_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    redisPrefix: `gh-bench-${Date.now().toString(36)}:`,
    soak: parseSoakOptions(argv, quick),
  };
}

/** Progress goes to stderr; the table is the only thing on stdout. */
export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}
