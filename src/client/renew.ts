// Owns renewing the access token once for everyone who needs it. Callers name the credentials they saw fail (their
// stamp); all of this tab's callers share one flight, and tabs take turns under a Web Lock. The tab before us posted
// its new credentials before releasing the lock, so a turn first waits until every message posted to this tab has
// arrived (shared-state's `sync`) and reads a storage the tabs share: if the credentials were replaced meanwhile it
// spends nothing, and two tabs never present one refresh token twice. Without Web Locks it is one flight per tab.
import type { SharedState } from './shared-state.js';
import type { LockManagerLike } from './types.js';

/** Renews the credentials stamped `seen`, unless they have been replaced already; resolves once that is done. */
export type Renew = (seen: number) => Promise<void>;

export function createRenew(state: SharedState, locks: LockManagerLike | null, name: string, refresh: (seen: number) => Promise<void>): Renew {
  let flight: Promise<void> | undefined;

  const turn = async (seen: number) => {
    // The tab that held the lock before us posted its new credentials before letting go: they arrive first.
    await state.sync();
    state.reload();
    if (state.get().at === seen) await refresh(seen);
  };

  return (seen) => {
    if (state.get().at !== seen) return Promise.resolve();
    if (!flight) {
      const done = () => {
        flight = undefined;
      };
      flight = locks ? locks.request(name, () => turn(seen)).then(() => undefined) : turn(seen);
      flight.then(done, done);
    }
    return flight;
  };
}
