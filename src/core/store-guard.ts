// Owns failing closed: wraps a store so that a failure of its backend (a connection refused or dropped, a
// timeout, a driver or database error) surfaces as 503 `unavailable` (with the original as `cause`, for the
// log), never as a pass. A broken invariant is not a backend failure: a TypeError, RangeError, an assertion
// and the like, thrown while the backend answers its ping, is a bug that a retry would not fix, so it stays a
// 500 `internal_error` (logged as a fault) rather than telling clients to try again; so is a GatehouseError
// with a client-error (4xx) meaning thrown by a store, which would otherwise blame the client.
import { GatehouseError } from './errors.js';
import type { RevocationBus, Store } from './store.js';

type AsyncMethods = Record<string, (...args: never[]) => Promise<unknown>>;

/** JavaScript's own programming errors: a wrong type, a value out of range, a name or syntax error. */
const PROGRAMMING_ERRORS = [TypeError, RangeError, ReferenceError, SyntaxError, EvalError, URIError];

/**
 * An error that is a bug when the backend is up: a programming error or a failed assertion (node:assert's
 * code). Drivers throw some of these for a closed or lost connection too (better-sqlite3: "TypeError: The
 * database connection is not open"), so the backend's ping decides which it is.
 */
export function looksLikeBug(error: unknown): boolean {
  if (PROGRAMMING_ERRORS.some((type) => error instanceof type)) return true;
  return error instanceof Error && (error as { code?: unknown }).code === 'ERR_ASSERTION';
}

async function answers(ping: () => Promise<void>): Promise<boolean> {
  try {
    await ping();
    return true;
  } catch {
    return false;
  }
}

function guard<T extends object>(part: T, kind: string, ping: () => Promise<void>): T {
  const fail = async (error: unknown): Promise<never> => {
    if (error instanceof GatehouseError) {
      // A store has no client errors to report: a 4xx from it would tell the client it erred, when the store did.
      if (error.status < 500) throw new GatehouseError('internal_error', 'Internal error.', { cause: error });
      throw error; // already a 5xx: unavailable, or internal_error
    }
    if (looksLikeBug(error) && (await answers(ping))) throw error; // a bug: 500, logged as a fault
    throw new GatehouseError('unavailable', `The ${kind} store is unavailable; try again shortly.`, {
      cause: error,
      retryAfterSeconds: 1,
    });
  };
  const wrapped: AsyncMethods = {};
  for (const [name, method] of Object.entries(part as AsyncMethods)) {
    // A rejection handler, not an async wrapper: one promise less on every store call of every request.
    wrapped[name] = (...args) => {
      try {
        return method.apply(part, args).catch(fail);
      } catch (error) {
        return fail(error); // threw before returning its promise
      }
    };
  }
  return wrapped as T;
}

function guardBus(bus: RevocationBus, kind: string, ping: () => Promise<void>): RevocationBus {
  const { publish } = guard({ publish: (r: Parameters<RevocationBus['publish']>[0]) => bus.publish(r) }, kind, ping);
  return { publish, start: (handlers) => bus.start(handlers) };
}

export function guardStore(store: Store): Store {
  const ping = () => store.ping();
  return {
    kind: store.kind,
    users: guard(store.users, store.kind, ping),
    sessions: guard(store.sessions, store.kind, ping),
    rateLimits: guard(store.rateLimits, store.kind, ping),
    keys: guard(store.keys, store.kind, ping),
    refreshTokens: guard(store.refreshTokens, store.kind, ping),
    revocations: guard(store.revocations, store.kind, ping),
    audit: guard(store.audit, store.kind, ping),
    oneTimeTokens: guard(store.oneTimeTokens, store.kind, ping),
    mfa: guard(store.mfa, store.kind, ping),
    passkeys: guard(store.passkeys, store.kind, ping),
    ...(store.revocationBus && { revocationBus: guardBus(store.revocationBus, store.kind, ping) }),
    ping,
    close: () => store.close(),
  };
}
