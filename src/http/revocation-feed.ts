// Owns the revocation feed: a Server-Sent Events stream that verifiers subscribe to. A new subscriber gets a
// `snapshot` of every live revocation, then each `revocation` as it happens, and a `heartbeat` every few
// seconds (while this instance's view is live) so it can tell how stale its view is. Event ids are a resume cursor (`boot:sequence`): a
// reconnect with Last-Event-ID replays what it missed, or gets a fresh snapshot when that is gone.
// Events carry token, session and user ids — never a secret.
import { randomBytes } from 'node:crypto';
import type { Gatehouse } from '../core/engine.js';
import type { RevocationRecord } from '../core/store.js';

export const HEARTBEAT_MS = 5_000;
const BUFFER_SIZE = 10_000;

export interface RevocationFeed {
  /** Starts a subscription: writes the opening events at once, then live ones; returns the unsubscribe. */
  open(lastEventId: string | undefined, write: (chunk: string) => void): () => void;
  close(): void;
}

export function createRevocationFeed(gatehouse: Gatehouse): RevocationFeed {
  const boot = randomBytes(6).toString('base64url');
  let sequence = 0;
  const buffer: { seq: number; chunk: string }[] = [];
  const writers = new Set<(chunk: string) => void>();
  const format = (event: string, id: string, data: unknown) => `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

  const unsubscribe = gatehouse.revocations.subscribe((revocation: RevocationRecord) => {
    sequence++;
    const chunk = format('revocation', `${boot}:${sequence}`, revocation);
    buffer.push({ seq: sequence, chunk });
    if (buffer.length > BUFFER_SIZE) buffer.shift();
    for (const write of writers) write(chunk);
  });
  const heartbeat = setInterval(() => {
    // An instance that may have missed other instances' revocations stays silent: its verifiers go stale and
    // fail closed (maxStalenessMs) rather than trust it.
    if (!gatehouse.revocations.live) return;
    const chunk = `event: heartbeat\ndata: ${JSON.stringify({ now: gatehouse.clock() })}\n\n`;
    for (const write of writers) write(chunk);
  }, HEARTBEAT_MS);
  heartbeat.unref();

  function replayFrom(lastEventId: string | undefined): string | null {
    const [idBoot, idSeq = ''] = (lastEventId ?? '').split(':');
    const seq = Number(idSeq);
    if (idBoot !== boot || !/^\d+$/.test(idSeq) || seq > sequence) return null;
    const oldest = buffer[0]?.seq ?? sequence + 1;
    if (seq < oldest - 1) return null;
    return buffer.filter((e) => e.seq > seq).map((e) => e.chunk).join('');
  }

  return {
    open(lastEventId, write) {
      const replay = replayFrom(lastEventId);
      write(replay ?? format('snapshot', `${boot}:${sequence}`, gatehouse.revocations.snapshot(gatehouse.clock())));
      write(`retry: 1000\nevent: heartbeat\ndata: ${JSON.stringify({ now: gatehouse.clock() })}\n\n`);
      writers.add(write);
      return () => writers.delete(write);
    },
    close() {
      clearInterval(heartbeat);
      unsubscribe();
      writers.clear();
    },
  };
}
