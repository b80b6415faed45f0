// Owns step-up (SPEC §6): the rule that a sensitive operation needs a recent enough proof of identity, and the
// checks a route guard or a verifier applies to a proof (its age, its methods). The proof itself is kept on each
// session and token family (login.ts opens it, reauthenticate.ts renews it) and carried by access tokens as
// `auth_time` and `amr`.
import type { GatehouseConfig } from './config.js';
import { GatehouseError } from './errors.js';
import type { AuthMethod, Principal } from './gatehouse.js';

export const REAUTHENTICATION_MESSAGE = 'Confirm it is you: sign in again or call POST /auth/reauthenticate.';

const reauthenticationRequired = (message = REAUTHENTICATION_MESSAGE) => new GatehouseError('reauthentication_required', message);

/**
 * Throws `reauthentication_required` unless the principal proved who they are at most `stepUpMaxAgeSeconds`
 * before `now`. Every sensitive operation calls it in core, so the library enforces it as the HTTP API does.
 */
export function requireRecentAuth(config: Pick<GatehouseConfig, 'stepUpMaxAgeSeconds'>, principal: Pick<Principal, 'authTime'>, now: number): void {
  if (now - principal.authTime > config.stepUpMaxAgeSeconds * 1000) throw reauthenticationRequired();
}

/** What a route guard or a verifier may demand of a proof (SPEC §6: "the route guard takes `{ maxAge, amr }`"). */
export interface ProofRequirement {
  /** Seconds: the proof must be at most this old. */
  maxAge?: number | undefined;
  /** The proof must include at least one of these methods (e.g. `['otp', 'hwk']`: any second factor or a passkey). */
  amr?: readonly AuthMethod[] | undefined;
}

/** Refuses an unusable requirement when the guard is built, not on the first request. */
export function checkProofRequirement(requirement: ProofRequirement): void {
  const { maxAge, amr } = requirement;
  if (maxAge !== undefined && (!Number.isFinite(maxAge) || maxAge < 0)) {
    throw new TypeError('maxAge must be a number of seconds, 0 or more');
  }
  if (amr !== undefined && (amr.length === 0 || amr.some((m) => !isAuthMethod(m)))) {
    throw new TypeError(`amr must list at least one of: ${AUTH_METHODS.join(', ')}`);
  }
}

/**
 * Whether a proof meets a requirement at `now` (epoch ms): not older than `maxAge` seconds and, when `amr` is
 * given, made with at least one of its methods. A proof from the future (clock skew) counts as age 0.
 */
export function proofSatisfies(proof: { authTime: number; amr: readonly string[] }, requirement: ProofRequirement, now: number): boolean {
  if (requirement.maxAge !== undefined && now - proof.authTime > requirement.maxAge * 1000) return false;
  if (requirement.amr !== undefined && !requirement.amr.some((m) => proof.amr.includes(m))) return false;
  return true;
}

/** Throws `reauthentication_required` unless the principal's proof meets the requirement (see `proofSatisfies`). */
export function requireProof(principal: Pick<Principal, 'authTime' | 'amr'>, requirement: ProofRequirement, now: number): void {
  if (!proofSatisfies(principal, requirement, now)) {
    throw reauthenticationRequired(
      requirement.amr === undefined
        ? REAUTHENTICATION_MESSAGE
        : `Confirm it is you with ${requirement.amr.join(' or ')}: call POST /auth/reauthenticate, or sign in again.`,
    );
  }
}

export const AUTH_METHODS: readonly AuthMethod[] = ['pwd', 'otp', 'hwk'];

export function isAuthMethod(value: unknown): value is AuthMethod {
  return typeof value === 'string' && (AUTH_METHODS as readonly string[]).includes(value);
}

/** The stored form of `amr` in SQL and Redis: space-separated, e.g. `pwd otp`. */
export const encodeAmr = (amr: readonly AuthMethod[]): string => amr.join(' ');

/** Reads the stored form back; a method this version does not know is dropped (it proves nothing here). */
export const decodeAmr = (text: string): AuthMethod[] => text.split(' ').filter(isAuthMethod);

/**
 * The proof after a reauthentication with `method` at `now`: the time is now, and the methods are the ones
 * just used plus those of the previous proof that are still recent (within the step-up max age): a password
 * confirmed right after a code keeps `otp`, an old `otp` from the morning's login is not kept.
 */
export function renewedProof(
  config: Pick<GatehouseConfig, 'stepUpMaxAgeSeconds'>,
  previous: { authTime: number; amr: readonly AuthMethod[] },
  method: AuthMethod,
  now: number,
): { authTime: number; amr: AuthMethod[] } {
  const recent = now - previous.authTime <= config.stepUpMaxAgeSeconds * 1000;
  const amr = new Set<AuthMethod>(recent ? previous.amr : []);
  amr.add(method);
  return { authTime: now, amr: AUTH_METHODS.filter((m) => amr.has(m)) };
}
