#!/usr/bin/env node
// Owns the command line: `gatehouse serve [--flag value …]` resolves the configuration from flags and
// GATEHOUSE_* variables, opens the store, serves until SIGTERM/SIGINT, and shuts down gracefully.
import { ConfigError, describeOptions, resolveConfig } from '../core/config.js';
import { createServer } from '../server.js';
import { openStore } from '../stores/open.js';

const USAGE = `Usage: gatehouse serve [options]

Every option can be given as a flag or as an environment variable:
`;

function help(): string {
  const rows = describeOptions().map((o) => `  ${o.flag.padEnd(30)} ${o.env.padEnd(32)} default: ${JSON.stringify(o.default)}`);
  return `${USAGE}${rows.join('\n')}\n`;
}

async function serve(argv: readonly string[]): Promise<void> {
  const config = resolveConfig({ env: process.env, argv });
  const store = await openStore(config.databaseUrl);
  const server = await createServer({ config, store });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.app.log.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        server.app.log.error({ err: error }, 'shutdown failed');
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

async function main(args: readonly string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(help());
    return command === undefined ? 1 : 0;
  }
  if (command !== 'serve') {
    process.stderr.write(`gatehouse: unknown command ${JSON.stringify(command)}\n\n${help()}`);
    return 2;
  }
  try {
    await serve(rest);
    return -1;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    process.stderr.write(`gatehouse: could not start: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

void main(process.argv.slice(2)).then((code) => {
  if (code >= 0) process.exit(code);
});
