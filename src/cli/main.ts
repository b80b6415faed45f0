#!/usr/bin/env node
// Owns the command line: `gatehouse serve` (configuration from flags and GATEHOUSE_* variables, graceful
// shutdown on SIGTERM/SIGINT), `gatehouse keys rotate|list` and `gatehouse roles grant EMAIL ROLE`, the
// latter working on the same store and secret as the server.
import { ConfigError, describeOptions, redactUrlPassword, resolveConfig, type GatehouseConfig } from '../core/config.js';
import { createGatehouse, type Gatehouse } from '../core/engine.js';
import { loadOrCreateSecret } from '../secret.js';
import { createServer } from '../server.js';
import { openSqlDatabase, openStore } from '../stores/open.js';
import { copyDatabase } from '../stores/sql/copy.js';

const USAGE = `Usage:
  gatehouse serve [options]            start the server
  gatehouse keys rotate [options]      publish a new signing key now; it signs after the publish lead
  gatehouse keys list [options]        list signing keys (public data only)
  gatehouse roles grant EMAIL ROLE     give a user a role
  gatehouse migrate SOURCE_URL         copy users, keys, sessions, refresh families and revocations
                                       from SOURCE_URL (e.g. sqlite:./data/gatehouse.db) into
                                       GATEHOUSE_DATABASE_URL (e.g. postgres://…); rows already there are kept

Every option can be given as a flag or as an environment variable:
`;

function help(): string {
  const rows = describeOptions().map((o) => `  ${o.flag.padEnd(32)} ${o.env.padEnd(34)} default: ${JSON.stringify(o.default)}`);
  return `${USAGE}${rows.join('\n')}\n`;
}

class UsageError extends Error {}

async function serve(config: Readonly<GatehouseConfig>): Promise<void> {
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
async function withEngine(config: Readonly<GatehouseConfig>, task: (gatehouse: Gatehouse) => Promise<void>): Promise<void> {
  const store = await openStore(config);
  try {
    await task(await createGatehouse({ store, config, secret: loadOrCreateSecret(config) }));
  } finally {
    await store.close();
  }
}

async function migrate(sourceUrl: string, targetUrl: string): Promise<void> {
  if (sourceUrl === targetUrl) throw new UsageError('migrate: the source is the configured database itself');
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

async function run(command: string, args: readonly string[]): Promise<number> {
  // Arguments first, then flags: `gatehouse roles grant EMAIL ROLE --data-dir DIR`.
  const firstFlag = args.findIndex((a) => a.startsWith('--'));
  const positional = firstFlag === -1 ? args : args.slice(0, firstFlag);
  const flags = firstFlag === -1 ? [] : args.slice(firstFlag);
  const config = resolveConfig({ env: process.env, argv: flags });
  const [sub, ...rest] = positional;
  if (command === 'serve') {
    if (positional.length > 0) throw new UsageError(`serve takes no arguments: ${positional.join(' ')}`);
    await serve(config);
    return -1;
  }
  if (command === 'keys' && sub === 'rotate') {
    await withEngine(config, async (gatehouse) => {
      const key = await gatehouse.keys.rotate(gatehouse.clock());
      process.stdout.write(`New signing key ${key.kid}: published now, signs from ${new Date(key.activatesAt).toISOString()}.\n`);
    });
    return 0;
  }
  if (command === 'keys' && sub === 'list') {
    await withEngine(config, async (gatehouse) => {
      for (const k of gatehouse.keys.list()) {
        const when = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());
        process.stdout.write(`${k.kid}  created ${when(k.createdAt)}  signs from ${when(k.activatesAt)}  retired ${when(k.retiredAt)}  unpublished ${when(k.expiresAt)}\n`);
      }
    });
    return 0;
  }
  if (command === 'roles' && sub === 'grant' && rest.length === 2) {
    const [email = '', role = ''] = rest;
    let found = false;
    await withEngine(config, async (gatehouse) => {
      found = await gatehouse.grantRole(email, role);
    });
    if (!found) {
      process.stderr.write(`gatehouse: no user with email ${email}\n`);
      return 1;
    }
    process.stdout.write(`Granted ${role} to ${email}. Access tokens issued from now on carry it.\n`);
    return 0;
  }
  if (command === 'migrate' && sub !== undefined && rest.length === 0) {
    await migrate(sub, config.databaseUrl);
    return 0;
  }
  throw new UsageError(`unknown command: ${[command, ...positional].join(' ')}`);
}

async function main(args: readonly string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(help());
    return command === undefined ? 1 : 0;
  }
  try {
    return await run(command, rest);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`gatehouse: ${error.message}\n\n${help()}`);
      return 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(command === 'serve' ? `gatehouse: could not start: ${message}\n` : `gatehouse: ${message}\n`);
    return 1;
  }
}

void main(process.argv.slice(2)).then((code) => {
  if (code >= 0) process.exit(code);
});
