// Owns passwords: the acceptance policy (length in code points, NFKC, common-password list, strength estimate with
// the account's email as guessable input: password-strength.ts) and hashing with argon2id behind a bound on
// concurrent hashes, so a login flood queues instead of starving the server, with the check that tells a hash
// made with older parameters (re-hashed at the next login). argon2 is an optional dependency, loaded on first use
// (a verifying service never needs it).
import type Argon2 from 'argon2';
import { GatehouseError } from './errors.js';
import { loadOptional } from './optional-dependency.js';
import { emailInputs, strengthEstimator } from './password-strength.js';

export const MAX_PASSWORD_LENGTH = 1024;

/** argon2's `argon2id` type constant. */
const ARGON2ID: typeof Argon2.argon2id = 2;

/** OWASP's argon2id recommendation: m=19 MiB, t=2, p=1. */
export const ARGON2_OPTIONS = { type: ARGON2ID, memoryCost: 19 * 1024, timeCost: 2, parallelism: 1 } as const;

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  /**
   * Whether a hash (one that just verified) was made with other parameters or another algorithm than `hash` uses
   * now; the engine then re-hashes the password and stores the new hash. A hasher without it is never re-hashed.
   */
  needsRehash?(hash: string): Promise<boolean>;
}

export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

export interface PasswordPolicy {
  minLength: number;
  /** The account's canonical email: it, its local part and their words count as guessable. */
  email?: string;
}

/**
 * Why the (already normalised) password is refused, as a sentence or two for the 400 message, or null when it is
 * acceptable. The one policy for every place a password is set (registration, change, reset).
 */
export async function passwordProblem(password: string, policy: PasswordPolicy): Promise<string | null> {
  const length = [...password].length;
  if (length < policy.minLength) return `password must be at least ${policy.minLength} characters.`;
  if (length > MAX_PASSWORD_LENGTH) return `password must be at most ${MAX_PASSWORD_LENGTH} characters.`;
  const estimate = await strengthEstimator().estimate(password, policy.email === undefined ? [] : emailInputs(policy.email));
  if (estimate.common) return 'password is too common; choose another.';
  if (estimate.weak) return ['password is too easy to guess.', ...estimate.feedback].join(' ');
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
    // argon2's own check compares the version and m, t, p, not the type: argon2i and argon2d hashes are old too.
    needsRehash: async (hash) => !hash.startsWith('$argon2id$') || (await loadArgon2()).needsRehash(hash, hashOptions),
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

  const bounded: PasswordHasher = {
    hash: (password) => run(() => hasher.hash(password)),
    verify: (hash, password) => run(() => hasher.verify(hash, password)),
  };
  // Reads the hash's parameters, hashes nothing: needs no slot.
  const needsRehash = hasher.needsRehash?.bind(hasher);
  if (needsRehash) bounded.needsRehash = needsRehash;
  return bounded;
}
