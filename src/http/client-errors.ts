// Owns the answers to requests Node's HTTP parser refuses before any route sees them: malformed framing (both
// Content-Length and Transfer-Encoding, bad chunking), headers over the limit, a request too slow to arrive.
// They get the SPEC's error body with the usual security headers, written on the raw socket, which then closes.
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { ERROR_STATUS, type ErrorCode } from '../core/errors.js';
import { errorBody } from './errors.js';

const ANSWERS: Readonly<Record<string, readonly [ErrorCode, string]>> = {
  HPE_HEADER_OVERFLOW: ['headers_too_large', 'The request headers are too large.'],
  ERR_HTTP_REQUEST_TIMEOUT: ['request_timeout', 'The request did not arrive in time.'],
};
const MALFORMED = ['invalid_request', 'The request is malformed.'] as const;

/** The raw HTTP/1.1 answer to a parser error with this `code` (e.g. `HPE_UNEXPECTED_CONTENT_LENGTH`). */
export function clientErrorAnswer(code: string | undefined, headers: Readonly<Record<string, string>>): string {
  const [errorCode, message] = (code !== undefined ? ANSWERS[code] : undefined) ?? MALFORMED;
  const status = ERROR_STATUS[errorCode];
  const body = JSON.stringify(errorBody(errorCode, message));
  const head = { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), connection: 'close' };
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${Object.entries(head).map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n${body}`;
}

/** A `clientErrorHandler` for Fastify (Node's `clientError`): answers if the socket can still take it, then closes. */
export function answerClientError(error: Error & { code?: string }, socket: Duplex, headers: Readonly<Record<string, string>>): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) socket.end(clientErrorAnswer(error.code, headers));
  else socket.destroy();
}
