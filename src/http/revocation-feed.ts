// Owns the revocation feed: a Server-Sent Events stream that verifiers subscribe to, and who may read it. A new
// subscriber gets a `snapshot` of every live revocation, then each `revocation` as it happens, and a `heartbeat`
// every few seconds so it can tell how stale its view is. Only an instance whose view is live (listening to
// every other instance's revocations) serves it: one that is not refuses new subscribers (503), sends no
// heartbeat and ends its streams, so verifiers go stale and fail closed rather than trust it. Event ids are a
// resume cursor (`boot:sequence`): a reconnect with Last-Event-ID replays what it missed, or gets a fresh
// snapshot when that is gone. Events carry token, session and user ids — never a secret; still, they say who
// logged out when, so in production the feed needs GATEHOUSE_REVOCATION_FEED_TOKEN or stays closed.
import { randomBytes } from 'node:crypto';
import type { GatehouseConfig } from '../core/config.js';
import { safeEqual } from '../core/credentials.js';
import type { Gatehouse } from '../core/gatehouse.js';
import { GatehouseError } from '../core/errors.js';
import { HEARTBEAT_MS } from '../core/revocation.js';
import type { RevocationRecord } from '../core/store.js';
import type { StreamSink } from './types.js';

const BUFFER_SIZE = 10_000;

/** A subscriber's stream: `end` ends it (the subscriber reconnects, and is refused while this instance is not live). */
export type FeedSubscriber = StreamSink;

export interface RevocationFeed {
  /**
   * Throws the refusal for a would-be subscriber presenting `authorization` (the header): no or a wrong feed
   * token, a feed closed in production, or `unavailable` while this instance's view is not live.
   */
  admit(authorization: string | undefined): void;
  /**
   * Starts a subscription: writes the opening events at once, then live ones; returns the unsubscribe. Throws
   * `unavailable` (writing nothing) while this instance's view is not live.
   */
  open(lastEventId: string | undefined, subscriber: FeedSubscriber): () => void;
  /** Ends every stream and stops (also done when the engine closes). */
  close(): void;
}

/** The start-up warning for a feed that refuses everyone (production without a feed token), or null. */
export function feedWarning(config: Pick<GatehouseConfig, 'production' | 'revocationFeedToken'>): string | null {
  return config.production && config.revocationFeedToken === null
    ? 'The revocation feed (GET /auth/revocations) is closed until GATEHOUSE_REVOCATION_FEED_TOKEN is set (NODE_ENV=production); verifiers must present that token.'
    : null;
}

const notLive = () =>
  new GatehouseError('unavailable', 'This instance may have missed revocations (its revocation bus is down); try again shortly.', { retryAfterSeconds: 1 });

export function createRevocationFeed(gatehouse: Gatehouse): RevocationFeed {
  const { config, revocationFeed: source } = gatehouse;
  const boot = randomBytes(6).toString('base64url');
  let sequence = 0;
  const buffer: { seq: number; chunk: string }[] = [];
  const subscribers = new Set<FeedSubscriber>();
  const format = (event: string, id: string, data: unknown) => `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
  const heartbeatChunk = () => `event: heartbeat\ndata: ${JSON.stringify({ now: source.now() })}\n\n`;

  const unsubscribe = source.subscribe({
    revocation(revocation: RevocationRecord) {
      sequence++;
      const chunk = format('revocation', `${boot}:${sequence}`, revocation);
      buffer.push({ seq: sequence, chunk });
      if (buffer.length > BUFFER_SIZE) buffer.shift();
      for (const subscriber of subscribers) subscriber.write(chunk);
    },
    closed: () => close(),
  });
  const heartbeat = setInterval(() => {
    // An instance that may have missed other instances' revocations must not vouch for its view: its streams
    // end, and reconnects are refused until it is live again (a verifier behind a balancer may reach another).
    if (!source.live) {
      for (const subscriber of subscribers) subscriber.end();
      subscribers.clear();
      return;
    }
    const chunk = heartbeatChunk();
    for (const subscriber of subscribers) subscriber.write(chunk);
  }, HEARTBEAT_MS);
  heartbeat.unref();

  function close(): void {
    clearInterval(heartbeat);
    unsubscribe();
    const open = [...subscribers];
    subscribers.clear();
    for (const subscriber of open) subscriber.end();
  }

  function replayFrom(lastEventId: string | undefined): string | null {
    const [idBoot, idSeq = ''] = (lastEventId ?? '').split(':');
    const seq = Number(idSeq);
    if (idBoot !== boot || !/^\d+$/.test(idSeq) || seq > sequence) return null;
    const oldest = buffer[0]?.seq ?? sequence + 1;
    if (seq < oldest - 1) return null;
    return buffer.filter((e) => e.seq > seq).map((e) => e.chunk).join('');
  }

  return {
    admit(authorization) {
      const token = config.revocationFeedToken;
      if (token === null && config.production) {
        throw new GatehouseError('forbidden', 'The revocation feed is closed: set GATEHOUSE_REVOCATION_FEED_TOKEN on the server and send it as Authorization: Bearer.');
      }
      const presented = /^bearer +(\S+)$/i.exec(authorization ?? '')?.[1];
      if (token !== null && (presented === undefined || !safeEqual(presented, token))) {
        throw new GatehouseError('unauthenticated', 'The revocation feed needs its token (GATEHOUSE_REVOCATION_FEED_TOKEN) as Authorization: Bearer.');
      }
      if (!source.live) throw notLive();
    },
    open(lastEventId, subscriber) {
      if (!source.live) throw notLive();
      const replay = replayFrom(lastEventId);
      subscriber.write(replay ?? format('snapshot', `${boot}:${sequence}`, source.snapshot()));
      subscriber.write(`retry: 1000\n${heartbeatChunk()}`);
      subscribers.add(subscriber);
      return () => subscribers.delete(subscriber);
    },
    close,
  };
}
