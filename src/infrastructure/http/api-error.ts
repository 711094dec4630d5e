/**
 * The one error shape of the HTTP API: `{ code, message, details?, requestId }`.
 * Anything that should reach a client as a 4xx is an ApiError (or is mapped
 * to one in error-mapping.ts); everything else becomes a bare 500.
 */
export interface ApiErrorBody {
  code: string;
  message: string;
  details?: Record<string, unknown>;
  /** The request's id (also its X-Request-Id header): what a person quotes to support. */
  requestId?: string;
}

/** The body as it is sent: with the id of the request it answers. */
export function withRequestId(body: ApiErrorBody, requestId: string | undefined): ApiErrorBody {
  return requestId === undefined ? body : { ...body, requestId };
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
    /** Extra response headers, e.g. Retry-After. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }

  toBody(): ApiErrorBody {
    return this.details === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, details: this.details };
  }
}

export const badRequest = (code: string, message: string, details?: Record<string, unknown>) => new ApiError(400, code, message, details);
export const unauthorized = (code: string, message: string) => new ApiError(401, code, message);
export const forbidden = (code: string, message: string) => new ApiError(403, code, message);
export const notFound = (code: string, message: string, details?: Record<string, unknown>) => new ApiError(404, code, message, details);
export const conflict = (code: string, message: string, details?: Record<string, unknown>) => new ApiError(409, code, message, details);
export const unprocessable = (code: string, message: string, details?: Record<string, unknown>) => new ApiError(422, code, message, details);
