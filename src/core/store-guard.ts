// Owns failing closed: wraps a store so that any failure of the backend surfaces as 503 `unavailable`
// (with the original as `cause`, for the log), never as a pass and never as an opaque 500.
import { GatehouseError } from './errors.js';
import type { RevocationBus, Store } from './store.js';

type AsyncMethods = Record<string, (...args: never[]) => Promise<unknown>>;

function guard<T extends object>(part: T, kind: string): T {
  const unavailable = (error: unknown): never => {
    if (error instanceof GatehouseError) throw error;
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
        return method.apply(part, args).catch(unavailable);
      } catch (error) {
        return Promise.resolve().then(() => unavailable(error)); // threw before returning its promise
      }
    };
  }
  return wrapped as T;
}

function guardBus(bus: RevocationBus, kind: string): RevocationBus {
  const { publish } = guard({ publish: (r: Parameters<RevocationBus['publish']>[0]) => bus.publish(r) }, kind);
  return { publish, start: (handlers) => bus.start(handlers) };
}

export function guardStore(store: Store): Store {
  return {
    kind: store.kind,
    users: guard(store.users, store.kind),
    sessions: guard(store.sessions, store.kind),
    rateLimits: guard(store.rateLimits, store.kind),
    keys: guard(store.keys, store.kind),
    refreshTokens: guard(store.refreshTokens, store.kind),
    revocations: guard(store.revocations, store.kind),
    ...(store.revocationBus && { revocationBus: guardBus(store.revocationBus, store.kind) }),
    ping: () => store.ping(),
    close: () => store.close(),
  };
}
