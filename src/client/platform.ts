// Owns reading the browser's facilities off globalThis, each of which may be missing (Node 20 has BroadcastChannel but
// not navigator.locks, and no document): Web Locks, BroadcastChannel, the readable CSRF cookie, the page's origin.
import type { ChannelLike, LockManagerLike } from './types.js';

interface Globals {
  navigator?: { locks?: LockManagerLike };
  BroadcastChannel?: new (name: string) => ChannelLike & { unref?(): void };
  document?: { cookie?: string };
  location?: { origin?: string };
}

const g = globalThis as unknown as Globals;

export const platformLocks = (): LockManagerLike | null => g.navigator?.locks ?? null;

/** A BroadcastChannel factory, or null. In Node the channel must not keep the process alive (`unref`). */
export function platformChannel(): ((name: string) => ChannelLike) | null {
  const Channel = g.BroadcastChannel;
  if (!Channel) return null;
  return (name) => {
    const channel = new Channel(name);
    channel.unref?.();
    return channel;
  };
}

/** The CSRF cookie the server sets readable (`__Host-gh_csrf`, or `gh_csrf` with insecure cookies), if the page sees it. */
export function csrfCookie(): string | undefined {
  return /(?:^|;\s*)(?:__Host-)?gh_csrf=([^;]+)/.exec(g.document?.cookie ?? '')?.[1];
}

/** Whether `baseUrl` is another origin than the page's (always, outside a page, for an absolute URL). */
export function isCrossOrigin(baseUrl: string): boolean {
  const page = g.location?.origin;
  try {
    return new URL(baseUrl, page).origin !== page;
  } catch {
    return false; // a relative baseUrl outside a page: fetch will say what is wrong
  }
}
