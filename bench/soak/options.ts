// Owns the soak run's settings: `--soak` (run only the soak), `--soak-minutes=N` per setup (30 by default, 2
// with `--quick`), `--soak-setups=sqlite,scaleout` (both by default, one after the other, or at the same time with
// `--soak-together`), and the reporting interval, which scales down with a short run.

export const SOAK_SETUPS = ['sqlite', 'scaleout'] as const;
export type SoakSetup = (typeof SOAK_SETUPS)[number];

export interface SoakOptions {
  /** Traffic per setup, in minutes (fractions allowed for a smoke run). */
  minutes: number;
  setups: readonly SoakSetup[];
  /** The setups run at the same time: their servers share the server core (less throughput each, the same checks). */
  together: boolean;
  /** One row of the throughput/RSS series per this many seconds. */
  intervalSeconds: number;
}

/** Whether `arg` is one of the soak's own command-line arguments. */
export function isSoakArg(arg: string): boolean {
  return arg === '--soak' || arg === '--soak-together' || arg.startsWith('--soak-minutes=') || arg.startsWith('--soak-setups=');
}

const value = (argv: readonly string[], name: string) => argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);

/** Null without `--soak`; throws on a bad minutes value or an unknown setup. */
export function parseSoakOptions(argv: readonly string[], quick: boolean): SoakOptions | null {
  if (!argv.includes('--soak')) return null;
  const minutesArg = value(argv, '--soak-minutes');
  const minutes = minutesArg === undefined ? (quick ? 2 : 30) : Number(minutesArg);
  if (!Number.isFinite(minutes) || minutes <= 0 || minutes > 24 * 60) {
    throw new Error(`--soak-minutes must be a number of minutes above 0 (got ${String(minutesArg)})`);
  }
  const setups = value(argv, '--soak-setups')?.split(',') ?? [...SOAK_SETUPS];
  const bad = setups.filter((s) => !(SOAK_SETUPS as readonly string[]).includes(s));
  if (bad.length > 0 || setups.length === 0) throw new Error(`--soak-setups takes ${SOAK_SETUPS.join(',')} (got ${bad.join(',')})`);
  // About 24 rows per setup, never more often than every 5 s nor less often than every 30 s.
  const intervalSeconds = Math.min(30, Math.max(5, Math.round((minutes * 60) / 24)));
  return { minutes, setups: [...new Set(setups)] as SoakSetup[], together: argv.includes('--soak-together'), intervalSeconds };
}
