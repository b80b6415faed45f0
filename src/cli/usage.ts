// Owns what the command line says about itself: the commands with their arguments, finding the one a command
// line names (or saying what is missing), and the usage text, whole or for one command, with every option's
// flag, variable and default.
import { describeOptions } from '../server/config.js';
import { SECRET_FILE } from '../server/secret.js';

export interface CommandSpec {
  /** The words that name it: `['roles', 'grant']`. */
  words: readonly string[];
  /** Its positional arguments, in order: `['EMAIL', 'ROLE']`. */
  args: readonly string[];
  /** Its own flags, as the usage line shows them: `['--limit N']`. */
  flags?: readonly string[];
  summary: string;
}

export const COMMANDS = [
  { words: ['serve'], args: [], summary: 'start the server' },
  { words: ['keys', 'rotate'], args: [], summary: 'publish a new signing key now; it signs after the publish lead' },
  { words: ['keys', 'list'], args: [], summary: 'list signing keys (public data only)' },
  { words: ['roles', 'grant'], args: ['EMAIL', 'ROLE'], summary: 'give a user a role' },
  { words: ['roles', 'revoke'], args: ['EMAIL', 'ROLE'], summary: "take a role away; access tokens issued before are refused" },
  { words: ['users', 'list'], args: [], flags: ['--query TEXT', '--limit N'], summary: 'list users (email containing TEXT), by email' },
  { words: ['users', 'show'], args: ['EMAIL'], summary: 'show a user with their sessions and factors' },
  { words: ['users', 'disable'], args: ['EMAIL'], summary: 'disable a user: every session and token ends now, sign-in is refused' },
  { words: ['users', 'enable'], args: ['EMAIL'], summary: 'enable a disabled user again' },
  { words: ['users', 'delete'], args: ['EMAIL'], summary: 'delete a user with every session and token' },
  { words: ['users', 'reset-mfa'], args: ['EMAIL'], summary: 'remove a user\'s second factors (a lost authenticator): sign-in with the password alone' },
  { words: ['sessions', 'revoke'], args: ['EMAIL'], summary: "end every session and token family of a user, access tokens included" },
  { words: ['audit'], args: [], flags: ['--user EMAIL', '--limit N'], summary: 'the newest audit events (default 20), of every user or of one' },
  {
    words: ['migrate'],
    args: ['SOURCE_URL'],
    summary:
      'copy users, keys, sessions, refresh families and revocations from SOURCE_URL (e.g. sqlite:./data/gatehouse.db)\n' +
      'into GATEHOUSE_DATABASE_URL (e.g. postgres://…); rows already there are kept',
  },
] as const satisfies readonly CommandSpec[];

/** A command line that names no command, or leaves out an argument; `commands` are the ones to show usage for. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly commands: readonly CommandSpec[] = COMMANDS,
  ) {
    super(message);
  }
}

/** The commands whose name starts with these words (`['roles']` → grant and revoke). */
export function commandsUnder(words: readonly string[]): CommandSpec[] {
  return COMMANDS.filter((c) => words.every((word, i) => c.words[i] === word));
}

/** The command the positional words name and its arguments; a UsageError saying what is wrong otherwise. */
export function findCommand(positional: readonly string[]): { command: CommandSpec; args: string[] } {
  const command = COMMANDS.find((c) => c.words.every((word, i) => positional[i] === word));
  if (!command) {
    const group = commandsUnder(positional.slice(0, 1));
    if (group.length > 0 && positional.length === 1) {
      const subcommands = group.map((c) => c.words[1]).join(' or ');
      throw new UsageError(`${positional[0]}: missing the subcommand (${subcommands})`, group);
    }
    throw new UsageError(`unknown command: ${positional.join(' ')}`, group.length > 0 ? group : COMMANDS);
  }
  const args = positional.slice(command.words.length);
  const name = command.words.join(' ');
  if (args.length < command.args.length) {
    throw new UsageError(`${name}: missing ${command.args.slice(args.length).join(' and ')}`, [command]);
  }
  if (args.length > command.args.length) {
    throw new UsageError(`${name}: unexpected argument ${args.slice(command.args.length).join(' ')}`, [command]);
  }
  return { command, args };
}

/** Seconds in the largest unit that divides them exactly, as the options accept them: 900 → 15m. */
function duration(seconds: number): string {
  const unit = ([['d', 86_400], ['h', 3600], ['m', 60]] as const).find(([, size]) => seconds > 0 && seconds % size === 0);
  return unit ? `${seconds / unit[1]}${unit[0]}` : `${seconds}s`;
}

/** How a default reads in the help: derived ones in words, not as the placeholder the table holds. */
function defaultText(key: string, value: unknown): string {
  if (key === 'databaseUrl') return 'sqlite:<data dir>/gatehouse.db';
  if (key === 'secret') return `generated into <data dir>/${SECRET_FILE}`;
  if (key === 'hashConcurrency') return `the number of cores (${JSON.stringify(value)} here)`;
  if (key.endsWith('Seconds') && typeof value === 'number') return duration(value);
  if (value === null || (Array.isArray(value) && value.length === 0)) return 'none';
  if (Array.isArray(value)) return value.join(',');
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function commandLine(c: CommandSpec): string {
  return ['gatehouse', ...c.words, ...c.args, ...(c.flags ?? []).map((f) => `[${f}]`), '[options]'].join(' ');
}

export function usage(commands: readonly CommandSpec[] = COMMANDS): string {
  const width = Math.max(...commands.map((c) => commandLine(c).length)) + 2;
  const lines = commands.map((c) => {
    const [first = '', ...more] = c.summary.split('\n');
    return [`  ${commandLine(c).padEnd(width)}${first}`, ...more.map((line) => `  ${''.padEnd(width)}${line}`)].join('\n');
  });
  const options = describeOptions().map((o) => `  ${o.flag.padEnd(34)} ${o.env.padEnd(40)} default: ${defaultText(o.key, o.default)}`);
  return [
    'Usage:',
    ...lines,
    '',
    'Options, each a flag or an environment variable (flags win):',
    ...options,
    '',
    '  -h, --help                         this text',
    '',
  ].join('\n');
}
