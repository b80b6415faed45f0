// The shared test kit: where this checkout is (wherever it was cloned), a free loopback port, and waiting for
// a condition with a deadline. Every test that needs one of these takes it from here.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

/** The root of this checkout, with a trailing slash. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/**
 * Calls `probe` every `everyMs` until it returns something other than `undefined` or `false`, and resolves with
 * that; throws, naming `what`, after `timeoutMs`.
 */
export async function until<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  { timeoutMs = 5000, everyMs = 10 }: { timeoutMs?: number; everyMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Fresh temporary folders (`make()`), all removed by `removeAll()` (call it from `after`). */
export function tempDirs(prefix: string): { make(): string; removeAll(): void } {
  const dirs: string[] = [];
  return {
    make() {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(dir);
      return dir;
    },
    removeAll() {
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A login that opened (a session or a family): fails the test when it stopped at the second-factor step. */
export function opened<R extends object>(result: R): Exclude<R, { mfaRequired: true }> {
  if ('mfaRequired' in result) throw new Error('the login asked for a second factor');
  return result as Exclude<R, { mfaRequired: true }>;
}
