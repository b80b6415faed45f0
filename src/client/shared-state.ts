// Owns what this tab knows about the sign-in (the user; in token mode the tokens; the CSRF token; when to renew) and
// sharing it with the app's other tabs: kept in memory, or in the storage the app named, and handed over a
// BroadcastChannel. Each new set of credentials is stamped (a Lamport clock started from the wall clock), and a tab
// adopts only a newer stamp, so a late or stale message never brings back a spent refresh token or undoes a logout.
// A new tab asks the others for their state; `ready` waits briefly for an answer when the credentials live only in
// the other tabs' memory (token mode).
import type { ChannelLike, StorageLike, User } from './types.js';

export interface Known {
  /** Not known yet (cookie modes after a reload) when absent. */
  user?: User | null | undefined;
  access?: string | undefined;
  refresh?: string | undefined;
  csrf?: string | undefined;
  /** When to renew the access token (epoch ms, this client's clock). */
  due?: number | undefined;
  /** The current session or family id, once the server said it. */
  sid?: string | undefined;
  /** The stamp of these credentials. */
  at: number;
}

export type Fields = Omit<Known, 'at'>;

export interface SharedState {
  get(): Known;
  /** New credentials (login, refresh, logout: `{ user: null }`): stamped, kept, and handed to the other tabs. */
  share(next: Fields): void;
  /** What this tab learnt without new credentials (the user the server describes): kept, not handed over. */
  note(patch: Fields): void;
  /** Adopts newer state that a storage shared between tabs holds. */
  reload(): void;
  /** Resolves once every message other tabs posted before now has arrived here (a message this tab sends itself). */
  sync(): Promise<void>;
  onChange(listener: (user: User | null) => void): () => void;
  ready: Promise<void>;
  close(): void;
}

/** How long a new tab waits for another tab's tokens before it starts signed out. */
const ASK_WAIT_MS = 100;
/** How long `sync` waits for its own message at most (a channel that does not deliver to this tab). */
const SYNC_WAIT_MS = 250;

export function createSharedState(options: {
  key: string;
  storage: StorageLike | null;
  channel: ((name: string) => ChannelLike) | null;
  clock: () => number;
  waitForPeers: boolean;
}): SharedState {
  const { key, storage, clock } = options;
  const listeners = new Set<(user: User | null) => void>();
  let known: Known = load() ?? { at: 0 };
  let answered = () => {};

  function load(): Known | undefined {
    try {
      const raw = storage?.getItem(key);
      return raw ? (JSON.parse(raw) as Known) : undefined;
    } catch {
      return undefined; // storage disabled, or not ours
    }
  }

  function adopt(next: Known): void {
    const before = JSON.stringify(known.user ?? null);
    // A refresh from a tab that never read the user does not make this one forget it.
    known = next.user === undefined && next.at >= known.at ? { ...next, user: known.user } : next;
    try {
      storage?.setItem(key, JSON.stringify(known));
    } catch {
      // full or disabled: memory still holds it
    }
    if (JSON.stringify(known.user ?? null) === before) return;
    for (const listener of [...listeners]) {
      try {
        listener(known.user ?? null);
      } catch (error) {
        setTimeout(() => {
          throw error; // reported, without breaking the sign-in flow that changed the user
        });
      }
    }
  }

  const { channel } = options;
  const port = channel?.(key) ?? null;
  const holds = () => Boolean(known.user || known.access);
  const syncs = new Map<string, () => void>();
  let echo: ChannelLike | undefined;
  if (port) {
    port.addEventListener('message', ({ data }) => {
      const message = data as { ask?: true; state?: Known; sync?: string } | null;
      if (message?.sync) {
        syncs.get(message.sync)?.();
      } else if (message?.ask) {
        if (holds()) port.postMessage({ state: known });
      } else if (typeof message?.state?.at === 'number' && message.state.at > known.at) {
        adopt(message.state);
        answered();
      }
    });
    if (!holds()) port.postMessage({ ask: true });
  }

  const ready =
    port && options.waitForPeers && !known.access
      ? new Promise<void>((resolve) => {
          answered = resolve;
          setTimeout(resolve, ASK_WAIT_MS);
        })
      : Promise.resolve();

  return {
    get: () => known,
    share(next) {
      adopt({ ...next, at: Math.max(clock(), known.at + 1) });
      port?.postMessage({ state: known });
    },
    note(patch) {
      adopt({ ...known, ...patch });
    },
    reload() {
      const stored = load();
      if (stored && stored.at > known.at) adopt(stored);
    },
    sync() {
      if (!port || !channel) return Promise.resolve();
      // A channel delivers in order: once our own message comes back round, the ones posted before it are here.
      const id = `${clock()}-${Math.random()}`;
      return new Promise<void>((resolve) => {
        const done = () => {
          syncs.delete(id);
          resolve();
        };
        syncs.set(id, done);
        setTimeout(done, SYNC_WAIT_MS);
        (echo ??= channel(key)).postMessage({ sync: id });
      });
    },
    onChange(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    ready,
    close() {
      answered();
      port?.close();
      echo?.close();
    },
  };
}
