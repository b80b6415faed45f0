// Owns the machinery behind every configuration table (the engine's in core/config.ts, the server's in
// server/config.ts): the parsers of option values, the flags each GATEHOUSE_* variable gets, resolving a table
// from options + environment + flags into values while collecting every problem, the one ConfigError that
// reports them, and how a refused value is shown (secrets never, URL passwords hidden).

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };
export type Parser<T> = (input: unknown) => Parsed<T>;

export const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const bad = (problem: string): Parsed<never> => ({ ok: false, problem });

export const MINUTE = 60;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** How one option is read: its environment variable (the flags derive from it and the key), and its parser. */
export interface OptionSpec<T> {
  env: string;
  parse: Parser<T>;
  /** How a refused input appears in the problem (default: as given). Secrets must never appear. */
  show?: (input: unknown) => unknown;
}

export type OptionTable<C> = { [K in keyof C]: OptionSpec<C[K]> };

export interface Sources<O> {
  options?: O;
  env?: Record<string, string | undefined>;
  /** Command-line flags, e.g. `['--port', '4000', '--insecure-cookies']`. */
  argv?: readonly string[];
}

export function integer(min: number, max: number): Parser<number> {
  return (input) => {
    const n = typeof input === 'string' && /^\s*-?\d+\s*$/.test(input) ? Number(input) : input;
    if (typeof n !== 'number' || !Number.isInteger(n)) return bad(`must be a whole number from ${min} to ${max}`);
    return n < min || n > max ? bad(`must be a whole number from ${min} to ${max}`) : ok(n);
  };
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: MINUTE, h: HOUR, d: DAY };

/** Durations: a number of seconds, or `30s`, `15m`, `12h`, `30d`. */
export function duration(minSeconds: number, maxSeconds: number): Parser<number> {
  return (input) => {
    let seconds: number | undefined;
    if (typeof input === 'number') seconds = input;
    else if (typeof input === 'string') {
      const match = /^\s*(\d+)\s*([smhd]?)\s*$/.exec(input);
      if (match) seconds = Number(match[1]) * (UNIT_SECONDS[match[2] || 's'] ?? 1);
    }
    if (seconds === undefined || !Number.isInteger(seconds)) {
      return bad('must be a duration such as 900, 30s, 15m, 12h or 30d');
    }
    if (seconds < minSeconds || seconds > maxSeconds) {
      return bad(`must be between ${minSeconds}s and ${maxSeconds}s`);
    }
    return ok(seconds);
  };
}

export const boolean: Parser<boolean> = (input) => {
  if (typeof input === 'boolean') return ok(input);
  if (typeof input === 'string') {
    const v = input.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return ok(true);
    if (['0', 'false', 'no', 'off', ''].includes(v)) return ok(false);
  }
  return bad('must be 1/0, true/false, yes/no or on/off');
};

export function text(options: { nullable: true; check?: (v: string) => string | undefined }): Parser<string | null>;
export function text(options: { nullable: false; check?: (v: string) => string | undefined }): Parser<string>;
export function text(options: { nullable: boolean; check?: (v: string) => string | undefined }): Parser<string | null> {
  return (input) => {
    if (input === null || input === undefined || input === '') {
      return options.nullable ? ok(null) : bad('must not be empty');
    }
    if (typeof input !== 'string') return bad('must be a string');
    const problem = options.check?.(input);
    return problem ? bad(problem) : ok(input);
  };
}

export function list<T extends string>(check: (item: string) => string | undefined): Parser<T[]> {
  return (input) => {
    const items = typeof input === 'string' ? input.split(',') : input;
    if (!Array.isArray(items) || items.some((i) => typeof i !== 'string')) return bad('must be a comma-separated list');
    const values = (items as string[]).map((i) => i.trim()).filter((i) => i !== '');
    for (const item of values) {
      const problem = check(item);
      if (problem) return bad(`${JSON.stringify(item)} ${problem}`);
    }
    return ok(values as T[]);
  };
}

/** For secrets: a refused value is never shown. */
export const redacted = (): string => '[redacted]';

/** `postgres://user:secret@host/db` → `postgres://user:***@host/db`, for messages and logs. */
export function redactUrlPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*:)[^@/]*@/i, '$1***@');
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid Gatehouse configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

/** `sessionIdleTtlSeconds` → `--session-idle-ttl-seconds`; the env name without its prefix works too (`--session-idle-ttl`). */
function flagNames(key: string, env: string): string[] {
  const fromKey = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  const fromEnv = env.replace(/^GATEHOUSE_/, '').toLowerCase().replace(/_/g, '-');
  return [...new Set([fromKey, fromEnv])];
}

/**
 * The table's values from the sources, later ones winning: defaults < options < env < argv. Never throws: the
 * caller adds its cross-checks to `problems`, then throws one ConfigError or freezes the config.
 */
export function resolveTable<C extends object>(
  table: OptionTable<C>,
  defaults: Readonly<C>,
  sources: Sources<Partial<C>>,
): { config: C; problems: string[] } {
  const keys = Object.keys(table) as (keyof C & string)[];
  const spec = (key: keyof C): OptionSpec<unknown> => table[key];
  const flags = new Map(keys.flatMap((key) => flagNames(key, spec(key).env).map((flag) => [flag, key] as const)));
  const problems: string[] = [];
  const raw = new Map<keyof C, { input: unknown; origin: string }>();

  for (const [key, input] of Object.entries(sources.options ?? {})) {
    if (!(key in table)) problems.push(`option ${key}: unknown option`);
    else if (input !== undefined) raw.set(key as keyof C, { input, origin: `option ${key}` });
  }
  for (const key of keys) {
    const input = sources.env?.[spec(key).env];
    if (input !== undefined) raw.set(key, { input, origin: spec(key).env });
  }
  const argv = sources.argv ?? [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const match = /^--([a-z0-9-]+)(?:=(.*))?$/s.exec(arg);
    const key = match ? flags.get(match[1] ?? '') : undefined;
    if (!match || !key) {
      problems.push(`${arg}: unknown flag`);
      continue;
    }
    let input = match[2];
    if (input === undefined) {
      const next = argv[i + 1];
      if (typeof defaults[key] === 'boolean' && (next === undefined || next.startsWith('--'))) input = 'true';
      else if (next === undefined) {
        problems.push(`--${match[1]}: needs a value`);
        continue;
      } else input = argv[++i];
    }
    raw.set(key, { input, origin: `--${match[1]}` });
  }

  const config: Record<string, unknown> = { ...defaults };
  for (const [key, { input, origin }] of raw) {
    const { parse, show = (value: unknown) => value } = spec(key);
    const parsed = parse(input);
    if (parsed.ok) config[key as string] = parsed.value;
    else problems.push(`${origin}: ${parsed.problem} (got ${JSON.stringify(show(input))})`);
  }
  return { config: config as C, problems };
}

/** Every option of the table with its variable, its flag (the variable's form) and its default: for `--help`. */
export function describeTable<C extends object>(table: OptionTable<C>, defaults: Readonly<C>): { key: string; env: string; flag: string; default: unknown }[] {
  return (Object.keys(table) as (keyof C & string)[]).map((key) => {
    const { env } = table[key] as OptionSpec<unknown>;
    return { key, env, flag: `--${flagNames(key, env).at(-1)}`, default: defaults[key] };
  });
}

export function deepFreeze<T>(value: T): Readonly<T> {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
