// Owns the client side of a Server-Sent Events stream over fetch: parsing `id`/`event`/`data` fields, and
// reconnecting with backoff and Last-Event-ID (the resume cursor) until closed. No dependency: ~the spec's
// parsing rules for the fields Gatehouse sends.

export interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
}

export interface SseOptions {
  url: string;
  headers?: Record<string, string>;
  onEvent(event: SseEvent): void;
  /** Called on every connection failure or drop (the client reconnects by itself). */
  onError?(error: unknown): void;
  /** Called when a connection is (re)established. */
  onOpen?(): void;
  fetch?: typeof fetch;
  /**
   * Abandons a connection (and reconnects) after this long without a byte: a half-open connection, e.g. after
   * a NAT or firewall drop, is otherwise silent until the fetch's own body timeout (minutes). Off by default.
   */
  idleTimeoutMs?: number;
  /** First retry delay; doubles up to maxRetryMs. */
  retryMs?: number;
  maxRetryMs?: number;
}

export interface SseConnection {
  close(): void;
}

export function connectSse(options: SseOptions): SseConnection {
  const doFetch = options.fetch ?? fetch;
  const baseRetry = options.retryMs ?? 250;
  const maxRetry = options.maxRetryMs ?? 5_000;
  let lastEventId: string | undefined;
  let closed = false;
  let controller = new AbortController();
  let retry = baseRetry;
  let idleTimer: ReturnType<typeof setTimeout> | undefined;

  /** (Re)starts the silence countdown for the current connection. */
  function heard(): void {
    if (options.idleTimeoutMs === undefined) return;
    clearTimeout(idleTimer);
    const current = controller;
    idleTimer = setTimeout(() => current.abort(new Error('revocation feed went silent')), options.idleTimeoutMs);
    idleTimer.unref();
  }

  async function readStream(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    let event: SseEvent = { id: undefined, event: 'message', data: '' };
    let hasData = false;
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
      heard();
      buffer += decoder.decode(chunk, { stream: true });
      let newline: number;
      while ((newline = buffer.search(/\r\n|\n|\r/)) !== -1) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
        if (line === '') {
          if (hasData) {
            if (event.id !== undefined) lastEventId = event.id;
            options.onEvent({ ...event, data: event.data.replace(/\n$/, '') });
          }
          event = { id: undefined, event: 'message', data: '' };
          hasData = false;
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') {
          event.data += `${value}\n`;
          hasData = true;
        } else if (field === 'event') event.event = value;
        else if (field === 'id') event.id = value;
      }
    }
  }

  async function loop(): Promise<void> {
    while (!closed) {
      try {
        const headers: Record<string, string> = { accept: 'text/event-stream', ...options.headers };
        if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
        heard();
        const response = await doFetch(options.url, { headers, signal: controller.signal });
        if (!response.ok || !response.body) throw new Error(`revocation feed answered ${response.status}`);
        retry = baseRetry;
        options.onOpen?.();
        await readStream(response.body);
        if (!closed) throw new Error('revocation feed closed the stream');
      } catch (error) {
        clearTimeout(idleTimer);
        if (closed) return;
        options.onError?.(error);
        await new Promise((resolve) => setTimeout(resolve, retry).unref());
        retry = Math.min(retry * 2, maxRetry);
        controller = new AbortController();
      }
    }
  }

  void loop();
  return {
    close() {
      closed = true;
      clearTimeout(idleTimer);
      controller.abort();
    },
  };
}
