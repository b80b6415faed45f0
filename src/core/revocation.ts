// Owns the revocation fast path: an in-memory view of every live revocation (denied access tokens by jti,
// ended sessions/families by sid, per-user logout-all cut-offs), checked on every bearer request without
// I/O. The store is the source of truth: the view is loaded from it at start and written through on revoke,
// so a restart forgets nothing; entries leave when the tokens they cover have expired. With several instances
// (a RevocationBus), each revocation is also published, the others' are applied as they arrive, and the view
// is not `live` (callers fail closed) from a lost subscription until the store has been re-read. A publish can
// fail after the store write, and another process (the CLI, an instance without a bus on the same database) may
// write one: every engine's view also reads what is new in the store every RECONCILE_MS, so such a revocation
// still reaches all of them within that bound.
import type { RevocationBus, RevocationRecord, RevocationStore } from './store.js';

/**
 * How often a revocation feed sends a heartbeat: the feed (http/) sends at this pace, and a verifier (verify/)
 * treats three missed in a row as a dead connection.
 */
export const HEARTBEAT_MS = 5_000;

export interface RevocationList {
  /** Adds the store's live revocations to the view (telling subscribers about the ones it lacked). */
  load(now: number): Promise<void>;
  /**
   * Writes each revocation to the store and the view, in order, then publishes them all to the other
   * instances. A store failure throws at once; a failed publish is thrown only after every publish was tried
   * (the store holds them all: the others catch up within RECONCILE_MS).
   */
  revoke(...revocations: RevocationRecord[]): Promise<void>;
  /** Replaces the view with `revocations` (a snapshot from elsewhere, e.g. the feed). */
  reset(revocations: readonly RevocationRecord[]): void;
  /** Applies a revocation already stored elsewhere (another instance, the feed) to the view only. */
  apply(revocation: RevocationRecord): void;
  /** True when an access token with these claims must be refused. `iat` in seconds. */
  isRevoked(token: { jti: string; sid: string; sub: string; iat: number }, now: number): boolean;
  /** Drops entries whose tokens have all expired. */
  prune(now: number): void;
  /** Every live entry (for a feed's snapshot). */
  snapshot(now: number): RevocationRecord[];
  /** Calls `listener` for every revocation revoked or applied from now on; returns the unsubscribe. */
  subscribe(listener: (revocation: RevocationRecord) => void): () => void;
  readonly size: number;
  /** False while revocations from other instances may have been missed (see RevocationBus). */
  readonly live: boolean;
  /** Stops listening to the bus (and reading the store). */
  close(): Promise<void>;
}

/** How soon to try re-reading the store again when that failed after a re-subscription. */
const RELOAD_RETRY_MS = 500;
/**
 * With a bus, how often the view reads what is new in the store: the longest a revocation whose publish failed
 * takes (plus one read) to reach the other instances.
 */
export const RECONCILE_MS = 5_000;

export interface RevocationSync {
  /** Other instances' revocations, live (none: a single instance, which still reconciles with the store). */
  bus?: RevocationBus;
  clock: () => number;
  /** Default RECONCILE_MS. */
  reconcileMs?: number;
}

export function createRevocationList(store: RevocationStore, sync?: RevocationSync): RevocationList {
  const views = { jti: new Map<string, RevocationRecord>(), sid: new Map<string, RevocationRecord>(), user: new Map<string, RevocationRecord>() };

  const listeners = new Set<(revocation: RevocationRecord) => void>();

  function merge(r: RevocationRecord): void {
    const existing = views[r.kind].get(r.subject);
    views[r.kind].set(r.subject, existing ? { ...r, revokedAt: Math.max(r.revokedAt, existing.revokedAt), expiresAt: Math.max(r.expiresAt, existing.expiresAt) } : r);
  }

  function live(view: Map<string, RevocationRecord>, subject: string, now: number): RevocationRecord | undefined {
    const entry = view.get(subject);
    return entry && entry.expiresAt > now ? entry : undefined;
  }

  function apply(r: RevocationRecord): void {
    merge(r);
    for (const listener of listeners) listener(r);
  }

  /** True when the view already holds `r` or something at least as strong. */
  function covers(r: RevocationRecord): boolean {
    const existing = views[r.kind].get(r.subject);
    return existing !== undefined && existing.revokedAt >= r.revokedAt && existing.expiresAt >= r.expiresAt;
  }

  /** Where the last read of the store's changes left off; null: read everything. */
  let cursor: number | null = null;

  async function catchUp(from: number | null, now: number): Promise<void> {
    const changes = await store.changes(from, now);
    for (const r of changes.revocations) if (!covers(r)) apply(r);
    cursor = changes.cursor;
  }

  const load = (now: number) => catchUp(null, now);

  // Each (re)subscription re-reads the store; only the latest one may declare the view live again.
  const bus = sync?.bus;
  let listening = bus === undefined;
  let generation = 0;
  let retry: ReturnType<typeof setTimeout> | undefined;
  const subscription = bus?.start({
    revocation: apply,
    live(up) {
      const current = ++generation;
      listening = false;
      clearTimeout(retry);
      if (!up || !sync) return;
      const reload = () => {
        load(sync.clock()).then(
          () => { if (current === generation) listening = true; },
          () => {
            if (current === generation) retry = setTimeout(reload, RELOAD_RETRY_MS).unref();
          },
        );
      };
      reload();
    },
  });

  // A store that does not answer is tried again at the next tick; the bus still carries revocations meanwhile.
  let reconciling = false;
  const reconciler = sync && setInterval(() => {
    if (reconciling) return;
    reconciling = true;
    catchUp(cursor, sync.clock()).catch(() => {}).finally(() => (reconciling = false));
  }, sync.reconcileMs ?? RECONCILE_MS);
  reconciler?.unref();

  function reset(records: readonly RevocationRecord[]): void {
    for (const view of Object.values(views)) view.clear();
    for (const record of records) merge(record);
  }

  return {
    load,
    reset,
    async revoke(...revocations) {
      for (const revocation of revocations) {
        await store.add(revocation);
        apply(revocation);
      }
      if (!bus) return;
      const published = await Promise.allSettled(revocations.map((revocation) => bus.publish(revocation)));
      const failed = published.find((result) => result.status === 'rejected');
      if (failed) throw failed.reason;
    },
    apply,
    isRevoked({ jti, sid, sub, iat }, now) {
      if (live(views.jti, jti, now) || live(views.sid, sid, now)) return true;
      const cutoff = live(views.user, sub, now);
      // iat has one-second resolution: tokens from the cut-off's own second are not refused here (a login
      // right after logout-all must work); logout-all also revokes every sid it ended, which covers them.
      return cutoff !== undefined && iat < Math.floor(cutoff.revokedAt / 1000);
    },
    prune(now) {
      for (const view of Object.values(views)) {
        for (const [subject, entry] of view) if (entry.expiresAt <= now) view.delete(subject);
      }
    },
    snapshot(now) {
      return Object.values(views).flatMap((view) => [...view.values()].filter((entry) => entry.expiresAt > now));
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    get size() {
      return views.jti.size + views.sid.size + views.user.size;
    },
    get live() {
      return listening;
    },
    async close() {
      clearTimeout(retry);
      clearInterval(reconciler);
      await subscription?.stop();
    },
  };
}
