// Owns the engine's test seam: the parts a test may inspect that no caller of the engine can reach (the
// guarded store, the key ring, the revocation view, the clock), e.g. to forge a token with the real signing
// key or to watch the denylist being pruned. No package entry exports it, and nothing in src/ outside core/
// imports it: the HTTP layer, the CLI and embedding apps use the `Gatehouse` interface only.
import type { Clock, Gatehouse } from './gatehouse.js';
import type { KeyRing } from './keys.js';
import type { RevocationList } from './revocation.js';
import type { Store } from './store.js';

export interface EngineInternals {
  store: Store;
  clock: Clock;
  keys: KeyRing;
  revocations: RevocationList;
}

const registry = new WeakMap<Gatehouse, EngineInternals>();

export function registerInternals(gatehouse: Gatehouse, internals: EngineInternals): void {
  registry.set(gatehouse, internals);
}

/** For tests only. Throws for an object `createGatehouse` did not make. */
export function engineInternals(gatehouse: Gatehouse): EngineInternals {
  const internals = registry.get(gatehouse);
  if (!internals) throw new Error('engineInternals: not an engine made by createGatehouse');
  return internals;
}
