// Owns GATEHOUSE_SECRET for the standalone server: the configured value, or one generated on first start
// into the data directory (readable by its owner only) and read back on every later start.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerConfig } from './config.js';

export const SECRET_FILE = 'gatehouse.secret';

/** The minimum GATEHOUSE_SECRET length, which the generated file must meet too. */
const MIN_SECRET_LENGTH = 32;

/** The secret in the file; an empty or truncated file (a crash while it was written) is refused, never used. */
function readSecretFile(path: string): string {
  const secret = readFileSync(path, 'utf8').trim();
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new Error(`${path} is empty or shorter than ${MIN_SECRET_LENGTH} characters; restore it, or set GATEHOUSE_SECRET.`);
  }
  return secret;
}

export function loadOrCreateSecret(config: Pick<ServerConfig, 'secret' | 'dataDir'>): string {
  if (config.secret) return config.secret;
  const path = join(config.dataDir, SECRET_FILE);
  try {
    return readSecretFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(config.dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  try {
    writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readSecretFile(path);
    throw error;
  }
}
