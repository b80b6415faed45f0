// Owns the browser client's one error class: a refusal from the server (`{"error": {code, message}}`, SPEC §2) with
// its status, or an answer that is not in that format (a proxy's 502 page: code `http_error`).

export class GatehouseClientError extends Error {
  override readonly name = 'GatehouseClientError';
  readonly status: number;
  /** The server's code (`invalid_credentials`, `email_taken`, `rate_limited`, …), or `http_error`. */
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** The error a non-2xx response stands for (its body is read). */
export async function errorFrom(response: Response): Promise<GatehouseClientError> {
  let error: unknown;
  try {
    error = ((await response.json()) as { error?: unknown }).error;
  } catch {
    // not JSON
  }
  const { code, message } = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; message?: unknown };
  return typeof code === 'string'
    ? new GatehouseClientError(response.status, code, typeof message === 'string' ? message : code)
    : new GatehouseClientError(response.status, 'http_error', `HTTP ${response.status}`);
}
