// Owns where the server's log lines go by default: stdout, one write per turn of the event loop. pino writes each
// line as it is logged; under load a turn answers many requests, and one blocking write per line (pino's default)
// or one thread-pool write per line (its asynchronous mode, when each write finishes before the next line comes)
// cost more than the access line itself. Here the lines of a turn are joined and written once, synchronously,
// right after the turn (setImmediate); whatever is left is written when the process exits.
import { pino } from 'pino';

/** What pino needs of a destination. */
export interface LineSink {
  write(line: string): boolean;
}

/** One per file descriptor, however many servers a process makes: their lines stay in order. */
const destinations = new Map<number, LineSink>();

/** A destination over `fd` (stdout by default) that writes the lines logged during a turn of the event loop together. */
export function batchedDestination(fd = 1): LineSink {
  let sink = destinations.get(fd);
  if (!sink) destinations.set(fd, (sink = createSink(fd)));
  return sink;
}

function createSink(fd: number): LineSink {
  // pino's own synchronous writer: it retries a full pipe (EAGAIN) rather than dropping lines.
  const out = pino.destination({ dest: fd, sync: true });
  let pending = '';
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending === '') return;
    const batch = pending;
    pending = '';
    out.write(batch);
  };
  process.on('exit', flush);
  return {
    write(line) {
      pending += line;
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
      return true;
    },
  };
}
