// Owns the benchmark's settings: the full run (3 rounds of 10 s, as issue 6 measures the peers) or the
// `--quick` smoke run (1 round of 2 s), the sections to run (`--only=http,login`), and where Redis is.

export const SECTIONS = ['inprocess', 'http', 'login', 'revocation'] as const;
export type Section = (typeof SECTIONS)[number];

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
  redisUrl: string;
  /** Every Redis key of this run starts with it (removed at the end). */
  redisPrefix: string;
}

export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  const quick = argv.includes('--quick');
  const only = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
  const unknown = argv.filter((a) => a !== '--quick' && !a.startsWith('--only='));
  const badSections = (only ?? []).filter((s) => !(SECTIONS as readonly string[]).includes(s));
  if (unknown.length > 0 || badSections.length > 0) {
    throw new Error(`usage: npm run bench -- [--quick] [--only=${SECTIONS.join(',')}] (got ${[...unknown, ...badSections].join(' ')})`);
  }
  return {
    quick,
    rounds: quick ? 1 : 3,
    httpSeconds: quick ? 2 : 10,
    warmupSeconds: quick ? 0.5 : 3,
    inProcessSeconds: quick ? 0.5 : 3,
    revocationTrials: quick ? 20 : 200,
    sections: (only as Section[] | undefined) ?? SECTIONS,
    redisUrl: env['BENCH_REDIS_URL'] ?? env['GATEHOUSE_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    redisPrefix: `gh-bench-${Date.now().toString(36)}:`,
  };
}

/** Progress goes to stderr; the table is the only thing on stdout. */
export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}
