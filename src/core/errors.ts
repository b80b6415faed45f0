// Owns Gatehouse's error vocabulary: the stable code union, the one status table, and the one error class.
// Every failure the HTTP API can report is one of these codes; docs/errors.md documents each (a test keeps them in step).

export const ERROR_STATUS = {
  invalid_request: 400,
  invalid_token: 400,
  invalid_credentials: 401,
  invalid_code: 401,
  unauthenticated: 401,
  refresh_token_reused: 401,
  csrf_failed: 403,
  forbidden: 403,
  email_not_verified: 403,
  reauthentication_required: 403,
  not_found: 404,
  request_timeout: 408,
  email_taken: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  headers_too_large: 431,
  rate_limited: 429,
  internal_error: 500,
  not_configured: 501,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

export interface GatehouseErrorOptions {
  cause?: unknown;
  /** Seconds the client should wait before retrying (429, 503). */
  retryAfterSeconds?: number;
  /** Why a request was refused, for the server's log only (never sent): e.g. the Origin seen and expected. */
  detail?: Readonly<Record<string, unknown>>;
}

/** The one error class. `message` is safe to show to a client: it never carries a secret. */
export class GatehouseError extends Error {
  override readonly name = 'GatehouseError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryAfterSeconds: number | undefined;
  readonly detail: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, options: GatehouseErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.detail = options.detail;
  }
}

export function isGatehouseError(value: unknown): value is GatehouseError {
  return value instanceof GatehouseError;
}
