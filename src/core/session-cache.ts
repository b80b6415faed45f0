// Owns the session-row cache of an instance that shares its sessions with others (a store with a revocation
// bus, e.g. Redis): a row read from the store is served from memory for at most `maxAgeMs`, so a burst of
// requests on one session costs one round trip. The revocation feed keeps it correct: every path that ends a
// session publishes a sid or user revocation, which drops the row here on every instance; a read that was in
// flight when any revocation arrived is not kept; while the feed is not live (revocations may have been
// missed) nothing is served from memory and everything is dropped. This instance's own writes drop what they
// change. A row is kept for less than the renewal interval (the caller's bound), so an old copy never looks
// expired while the stored row, renewed elsewhere, is not.
import type { RevocationList } from './revocation.js';
import type { SessionRecord } from './store.js';

/** Rows kept at most; past it the cache starts again empty (a burst cache needs no finer eviction). */
const MAX_ENTRIES = 10_000;

export interface SessionCache {
  /** A copy of the row as read within maxAgeMs; undefined: read the store. */
  get(id: string, now: number): SessionRecord | undefined;
  /** Reads the row through `read`, keeping a copy unless a revocation arrived meanwhile. */
  read(id: string, now: number, read: () => Promise<SessionRecord | null>): Promise<SessionRecord | null>;
  /** Drops the row, and keeps no read that is in flight now (this instance is changing or deleting it). */
  forget(id: string): void;
  close(): void;
}

export function createSessionCache(options: {
  revocations: RevocationList;
  maxAgeMs: number;
}): SessionCache {
  const { revocations, maxAgeMs } = options;
  const rows = new Map<string, { session: SessionRecord; readAt: number }>();
  /** Bumped by every revocation, own write and loss of the feed: a read that saw another epoch is not kept. */
  let epoch = 0;

  const unsubscribe = revocations.subscribe((revocation) => {
    epoch++;
    if (revocation.kind === 'sid') rows.delete(revocation.subject);
    else if (revocation.kind === 'user') {
      for (const [id, row] of rows) if (row.session.userId === revocation.subject) rows.delete(id);
    }
  });

  function live(): boolean {
    if (revocations.live) return true;
    epoch++;
    rows.clear();
    return false;
  }

  return {
    get(id, now) {
      if (!live()) return undefined;
      const row = rows.get(id);
      if (!row) return undefined;
      if (now - row.readAt >= maxAgeMs || now < row.readAt) {
        rows.delete(id);
        return undefined;
      }
      return copy(row.session);
    },
    async read(id, now, read) {
      const before = live() ? epoch : -1;
      const session = await read();
      if (session && before === epoch && live()) {
        if (rows.size >= MAX_ENTRIES) rows.clear();
        rows.set(id, { session: copy(session), readAt: now });
      }
      return session;
    },
    forget(id) {
      epoch++; // a read in flight across this write may hold the old row
      rows.delete(id);
    },
    close: () => void unsubscribe(),
  };
}

/** Callers get their own row (they may change it, and its data bag): nothing reaches the cache. */
function copy(session: SessionRecord): SessionRecord {
  return { ...session, data: session.data === null ? null : structuredClone(session.data) };
}
