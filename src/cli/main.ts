#!/usr/bin/env node
// Owns the command line: `gatehouse serve` (configuration from flags and GATEHOUSE_* variables, graceful
// shutdown on SIGTERM/SIGINT), `gatehouse keys rotate|list`, `gatehouse roles grant|revoke EMAIL ROLE`,
// `gatehouse migrate SOURCE_URL` and the administration commands (admin-commands.ts: users, sessions, audit),
// all on the same store and secret as the server; `--help` on any of them.
import { ConfigError, redactUrlPassword } from '../core/option-table.js';
import { createGatehouse } from '../core/engine.js';
import type { Gatehouse } from '../core/gatehouse.js';
import { resolveServerConfig, type ServerConfig } from '../server/config.js';
import { loadOrCreateSecret } from '../server/secret.js';
import { createServer } from '../server/server.js';
import { openSqlDatabase, openStore } from '../server/open-store.js';
import { copyDatabase } from '../stores/sql/copy.js';
import { runAdminCommand, takeFlags } from './admin-commands.js';
import { unknownVariableWarnings } from './env-check.js';
import { commandsUnder, findCommand, usage, UsageError, type CommandSpec } from './usage.js';

async function serve(config: Readonly<ServerConfig>): Promise<void> {
  const store = await openStore(config);
  const server = await createServer({ config, store, secret: loadOrCreateSecret(config) });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.log.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        server.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  try {
    await server.listen();
  } catch (error) {
    await server.close().catch(() => {});
    throw error;
  }
}

/** Runs `task` on an engine over the configured store, then closes it. */
async function withEngine<T>(config: Readonly<ServerConfig>, task: (gatehouse: Gatehouse) => Promise<T>): Promise<T> {
  const store = await openStore(config);
  try {
    const gatehouse = await createGatehouse({ store, config, secret: loadOrCreateSecret(config) });
    try {
      return await task(gatehouse);
    } finally {
      await gatehouse.close();
    }
  } finally {
    await store.close();
  }
}

async function migrate(sourceUrl: string, targetUrl: string): Promise<void> {
  if (sourceUrl === targetUrl) throw new UsageError('migrate: the source is the configured database itself', commandsUnder(['migrate']));
  const source = await openSqlDatabase(sourceUrl);
  try {
    const target = await openSqlDatabase(targetUrl);
    try {
      const counts = await copyDatabase(source, target);
      const summary = Object.entries(counts).map(([table, n]) => `${n} ${table}`).join(', ');
      process.stdout.write(`Copied ${summary} into ${redactUrlPassword(targetUrl)}.\nStart every instance with the same GATEHOUSE_SECRET as before: the signing keys are sealed under it.\n`);
    } finally {
      await target.destroy();
    }
  } finally {
    await source.destroy();
  }
}

async function roles(config: Readonly<ServerConfig>, action: 'grant' | 'revoke', email: string, role: string): Promise<number> {
  const found = await withEngine(config, (gatehouse) => (action === 'grant' ? gatehouse.grantRole(email, role) : gatehouse.revokeRole(email, role)));
  if (!found) {
    process.stderr.write(`gatehouse: no user with email ${email}\n`);
    return 1;
  }
  process.stdout.write(
    action === 'grant'
      ? `Granted ${role} to ${email}. Access tokens issued from now on carry it.\n`
      : `${email} no longer has ${role}. Access tokens issued before are refused; sessions see it on their next request.\n`,
  );
  return 0;
}

/** Runs a command; -1 means "keep running" (the server). */
async function run(args: readonly string[]): Promise<number> {
  // Arguments first, then flags: `gatehouse roles grant EMAIL ROLE --data-dir DIR`.
  const firstFlag = args.findIndex((a) => a.startsWith('-'));
  const positional = firstFlag === -1 ? args : args.slice(0, firstFlag);
  const flags = firstFlag === -1 ? [] : args.slice(firstFlag);
  if (flags.includes('--help') || flags.includes('-h')) {
    process.stdout.write(usage(commandsUnder(positional).length > 0 ? commandsUnder(positional) : undefined));
    return 0;
  }
  const { command, args: words } = findCommand(positional);
  const [first = '', second = ''] = words;
  for (const warning of unknownVariableWarnings(process.env)) process.stderr.write(`${warning}\n`);
  const spec: CommandSpec = command;
  const own = takeFlags(flags, (spec.flags ?? []).map((f) => f.split(' ')[0] ?? ''));
  const config = resolveServerConfig({ env: process.env, argv: own.rest });
  const name = command.words.join(' ');
  const admin = await runAdminCommand(name, words, own.values, (task) => withEngine(config, task));
  if (admin !== null) return admin;
  switch (name) {
    case 'serve':
      await serve(config);
      return -1;
    case 'keys rotate':
      await withEngine(config, async (gatehouse) => {
        const key = await gatehouse.rotateKeys();
        process.stdout.write(`New signing key ${key.kid}: published now, signs from ${new Date(key.activatesAt).toISOString()}.\n`);
      });
      return 0;
    case 'keys list':
      await withEngine(config, async (gatehouse) => {
        const when = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());
        for (const k of gatehouse.listKeys()) {
          process.stdout.write(`${k.kid}  created ${when(k.createdAt)}  signs from ${when(k.activatesAt)}  retired ${when(k.retiredAt)}  unpublished ${when(k.expiresAt)}\n`);
        }
      });
      return 0;
    case 'roles grant':
      return roles(config, 'grant', first, second);
    case 'roles revoke':
      return roles(config, 'revoke', first, second);
    case 'migrate':
      await migrate(first, config.databaseUrl);
      return 0;
    default:
      throw new UsageError(`unknown command: ${positional.join(' ')}`);
  }
}

/** The message and every cause under it (a migration's failing statement, a refused connection), URL passwords hidden. */
function describeError(error: unknown): string {
  let text = '';
  for (let at: unknown = error, depth = 0; at !== undefined && at !== null && depth < 5; depth++) {
    const message = at instanceof Error ? at.message : typeof at === 'string' ? at : JSON.stringify(at);
    if (message !== '' && !text.includes(message)) text = text === '' ? message : `${text}: ${message}`;
    at = at instanceof Error ? at.cause : undefined;
  }
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^:@/\s]*:)[^@/\s]*@/gi, '$1***@');
}

async function main(args: readonly string[]): Promise<number> {
  const [command] = args;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(usage());
    return command === undefined ? 1 : 0;
  }
  try {
    return await run(args);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`gatehouse: ${error.message}\n\n${usage(error.commands)}`);
      return 2;
    }
    const message = describeError(error);
    process.stderr.write(command === 'serve' ? `gatehouse: could not start: ${message}\n` : `gatehouse: ${message}\n`);
    return 1;
  }
}

void main(process.argv.slice(2)).then((code) => {
  if (code >= 0) process.exit(code);
});
