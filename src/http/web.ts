// Owns the HTTP core's side of the Web's Request and Response, for fetch-style frameworks (Hono): a request
// body read up to the body limit (the rest is never buffered), an HttpResponse as a Response with its list of
// Set-Cookie headers, and an HttpStream (the revocation feed) as a streamed Response that stops its
// subscription when the client goes.
import { GatehouseError } from '../core/errors.js';
import type { HttpResponse, HttpStream, StreamSink } from './types.js';

const tooLarge = () => new GatehouseError('payload_too_large', 'The body is too large.');

/** Throws `payload_too_large` for a body over `limitBytes`. */
export function checkBodySize(size: number, limitBytes: number): void {
  if (size > limitBytes) throw tooLarge();
}

/**
 * The body's bytes, at most `limitBytes`: a larger declared Content-Length is refused unread, and reading stops
 * at the first byte past the limit. The reader is released, not cancelled: cancelling would destroy the
 * connection before the 413 could be sent (the server drains or closes it after the answer).
 */
export async function readBodyBytes(request: Request, limitBytes: number): Promise<Uint8Array> {
  const declared = request.headers.get('content-length');
  if (declared !== null) checkBodySize(Number(declared), limitBytes);
  if (request.body === null) return new Uint8Array(0);
  const reader: ReadableStreamDefaultReader<Uint8Array> = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const read = () =>
    reader.read().catch((error: unknown) => {
      // The client went away mid-body: its request, not a fault of the server.
      throw new GatehouseError('invalid_request', 'The body did not arrive whole.', { cause: error });
    });
  try {
    for (let next = await read(); !next.done; next = await read()) {
      size += next.value.byteLength;
      checkBodySize(size, limitBytes);
      chunks.push(next.value);
    }
  } finally {
    reader.releaseLock();
  }
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Headers for a Response: `base` first, then the answer's own (which win); lists (Set-Cookie) appended. */
function headersOf(base: Readonly<Record<string, string>>, own: Readonly<Record<string, string | string[]>>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries({ ...base, ...own })) {
    if (typeof value === 'string') headers.set(name, value);
    else for (const item of value) headers.append(name, item);
  }
  return headers;
}

/** An answer of the HTTP core as a Response, with `base` headers under its own. */
export function toWebResponse(response: HttpResponse, base: Readonly<Record<string, string>> = {}): Response {
  return new Response(response.body ?? null, { status: response.status, headers: headersOf(base, response.headers) });
}

/**
 * A stream answer as a streamed Response: `base` headers under its own, then whatever `open` writes, until the
 * stream ends it (the engine closing, the feed's instance no longer live) or the client goes (the body is
 * cancelled, which stops the subscription). A failing `open` goes to `onFault` and ends the body.
 */
export function toWebStream(stream: HttpStream, base: Readonly<Record<string, string>>, onFault: (error: unknown) => void): Response {
  const encoder = new TextEncoder();
  let open = true;
  let stop = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const sink: StreamSink = {
        write: (chunk) => {
          if (open) controller.enqueue(encoder.encode(chunk));
        },
        end: () => {
          if (!open) return;
          open = false;
          controller.close();
        },
      };
      try {
        stop = stream.open(sink);
      } catch (error) {
        onFault(error);
        sink.end();
      }
    },
    cancel() {
      open = false;
      stop();
    },
  });
  return new Response(body, { status: stream.status, headers: headersOf(base, stream.headers) });
}
