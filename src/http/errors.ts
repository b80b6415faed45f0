// Owns turning any failure into the SPEC's error body: GatehouseErrors keep their code, framework errors are
// mapped by status, and anything else is a 500 whose detail goes to the log only, never to the client.
import { GatehouseError, type ErrorCode } from '../core/errors.js';
import { json, type HttpResponse } from './types.js';

export function errorBody(code: ErrorCode, message: string): { error: { code: ErrorCode; message: string } } {
  return { error: { code, message } };
}

const FRAMEWORK_CODES: Record<number, [ErrorCode, string]> = {
  400: ['invalid_request', 'The request is malformed.'],
  404: ['not_found', 'Not found.'],
  413: ['payload_too_large', 'The body is too large.'],
  415: ['unsupported_media_type', 'The body must be JSON (Content-Type: application/json).'],
};

/** The response for `error`, and whether it is a server fault that should be logged as one. */
export function errorResponse(error: unknown): { response: HttpResponse; fault: boolean } {
  if (error instanceof GatehouseError) {
    const headers: Record<string, string> = {};
    if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
    return { response: json(error.status, errorBody(error.code, error.message), headers), fault: error.status >= 500 };
  }
  const status = statusOf(error);
  if (status !== undefined && status >= 400 && status < 500) {
    const known = FRAMEWORK_CODES[status];
    const [code, message] = known ?? ['invalid_request', 'The request is malformed.'];
    return { response: json(known ? status : 400, errorBody(code, message)), fault: false };
  }
  return { response: json(500, errorBody('internal_error', 'Internal error.')), fault: true };
}

function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' ? status : undefined;
}
