// Owns passwords: the acceptance policy (length in code points, NFKC, common-password list) and hashing
// with argon2id behind a bound on concurrent hashes, so a login flood queues instead of starving the server.
// argon2 is an optional dependency, loaded on first use (a verifying service never needs it).
import type Argon2 from 'argon2';
import { dictionary } from '@zxcvbn-ts/language-common';
import { GatehouseError } from './errors.js';
import { loadOptional } from './optional-dependency.js';

export const MAX_PASSWORD_LENGTH = 1024;

/** argon2's `argon2id` type constant. */
const ARGON2ID: typeof Argon2.argon2id = 2;

/** OWASP's argon2id recommendation: m=19 MiB, t=2, p=1. */
export const ARGON2_OPTIONS = { type: ARGON2ID, memoryCost: 19 * 1024, timeCost: 2, parallelism: 1 } as const;

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
}

let commonPasswords: Set<string> | undefined;

/** The ~50k most common passwords from @zxcvbn-ts/language-common, compared case-insensitively. */
function isCommonPassword(password: string): boolean {
  commonPasswords ??= new Set(dictionary['passwords-common']?.map((p) => p.toLowerCase()));
  return commonPasswords.has(password.toLowerCase());
}

export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

/** Returns why the (already normalised) password is refused, or null when it is acceptable. */
export function passwordProblem(password: string, minLength: number): string | null {
  const length = [...password].length;
  if (length < minLength) return `password must be at least ${minLength} characters`;
  if (length > MAX_PASSWORD_LENGTH) return `password must be at most ${MAX_PASSWORD_LENGTH} characters`;
  if (isCommonPassword(password)) return 'password is too common; choose another';
  return null;
}

let argon2Module: Promise<typeof Argon2> | undefined;

/** The argon2 binding, loaded once; names the package when it is not installed. */
export function loadArgon2(): Promise<typeof Argon2> {
  argon2Module ??= loadOptional('argon2', 'Password hashing', async () => (await import('argon2')).default);
  return argon2Module;
}

/** argon2id through the native binding, which hashes on libuv's thread pool, off the event loop. */
export function createArgon2Hasher(options: { memoryCost?: number; timeCost?: number } = {}): PasswordHasher {
  const hashOptions = { ...ARGON2_OPTIONS, ...options };
  return {
    hash: async (password) => (await loadArgon2()).hash(password, hashOptions),
    verify: async (hash, password) => (await loadArgon2()).verify(hash, password),
  };
}

/**
 * Runs at most `concurrency` hashes at once and queues at most `queueLimit` more; past that it refuses
 * with 503 `unavailable` rather than let memory and latency grow without bound.
 */
export function boundHasher(hasher: PasswordHasher, concurrency: number, queueLimit: number): PasswordHasher {
  let running = 0;
  const waiting: (() => void)[] = [];

  async function run<T>(task: () => Promise<T>): Promise<T> {
    if (running >= concurrency) {
      if (waiting.length >= queueLimit) {
        throw new GatehouseError('unavailable', 'The server is busy; try again shortly.', { retryAfterSeconds: 1 });
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
    } else {
      running++;
    }
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  }

  return {
    hash: (password) => run(() => hasher.hash(password)),
    verify: (hash, password) => run(() => hasher.verify(hash, password)),
  };
}
