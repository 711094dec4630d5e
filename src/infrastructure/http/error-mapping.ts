import { HttpException } from '@nestjs/common';
import { isDatabaseUnavailable, isStatementTimeout } from '../database/connection-errors';
import { EventStoreUnavailableError } from '../event-store/event-store.port';
import { ApiError } from './api-error';
import { CLIENT_CLOSED_REQUEST, CLIENT_CLOSED_REQUEST_STATUS, isClientAbortError } from './client-abort';

/**
 * Turns any thrown value into an ApiError. Modules register translators for
 * their own typed errors (domain errors, event store conflicts) at start-up,
 * so this file does not depend on them.
 */
export type ErrorTranslator = (error: unknown) => ApiError | undefined;

const translators: ErrorTranslator[] = [];

export function registerErrorTranslator(translator: ErrorTranslator): void {
  if (!translators.includes(translator)) translators.push(translator);
}

/** Fastify's own errors (body parsing, limits) carry a code and a statusCode. */
interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  message?: string;
  validation?: unknown;
}

const FASTIFY_CODES: Record<string, { status: number; code: string; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'PAYLOAD_TOO_LARGE', message: 'request body is larger than allowed' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'unsupported Content-Type' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'EMPTY_BODY', message: 'a JSON body was declared but the body is empty' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'INVALID_CONTENT_LENGTH', message: 'Content-Length does not match the body' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'INVALID_JSON', message: 'the body is not valid JSON' },
};

const HTTP_CODES: Record<number, string> = {
  400: 'VALIDATION_FAILED',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  // Before the database check: its ECONNRESET is the client's socket.
  if (isClientAbortError(error)) {
    return new ApiError(CLIENT_CLOSED_REQUEST_STATUS, CLIENT_CLOSED_REQUEST, 'the client closed the connection before its request was complete');
  }
  for (const translate of translators) {
    const translated = translate(error);
    if (translated) return translated;
  }
  if (error instanceof HttpException) return fromHttpException(error);
  // An outage is the client's cue to retry (elsewhere or later), not a bug: 503 with a code, fast.
  if (error instanceof EventStoreUnavailableError) {
    return new ApiError(503, 'EVENT_STORE_UNAVAILABLE', 'the event store is unavailable; retry shortly', undefined, { 'retry-after': '2' });
  }
  if (isDatabaseUnavailable(error)) {
    return new ApiError(503, 'DATABASE_UNAVAILABLE', 'the database is unavailable; retry shortly', undefined, { 'retry-after': '2' });
  }
  if (isStatementTimeout(error)) {
    return new ApiError(503, 'DATABASE_TIMEOUT', 'the database did not answer in time (statement timeout); retry shortly', undefined, { 'retry-after': '2' });
  }
  const fastifyError = error as FastifyLikeError | undefined;
  if (fastifyError && typeof fastifyError === 'object') {
    const known = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
    if (known) return new ApiError(known.status, known.code, known.message);
    if (error instanceof SyntaxError && fastifyError.statusCode === 400) {
      return new ApiError(400, 'INVALID_JSON', `the body is not valid JSON: ${fastifyError.message ?? ''}`.trim());
    }
    const status = fastifyError.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return new ApiError(status, fastifyError.code ?? 'BAD_REQUEST', fastifyError.message ?? 'bad request');
    }
  }
  return new ApiError(500, 'INTERNAL_ERROR', 'unexpected error; it has been logged');
}

function fromHttpException(error: HttpException): ApiError {
  const status = error.getStatus();
  const response = error.getResponse();
  const detail = typeof response === 'object' && response !== null ? (response as { message?: unknown }).message : undefined;
  const message = typeof response === 'string' ? response : Array.isArray(detail) ? detail.join('; ') : typeof detail === 'string' ? detail : error.message;
  // Nest answers an unknown route with NotFoundException("Cannot GET /path").
  const route = status === 404 ? /^Cannot (\w+) ([^?]*)/.exec(message) : null;
  if (route) return new ApiError(404, 'ROUTE_NOT_FOUND', `no route ${route[1]} ${route[2]}`);
  if (status === 400 && /not valid JSON/i.test(message)) return new ApiError(400, 'INVALID_JSON', 'the body is not valid JSON');
  const code = HTTP_CODES[status] ?? `HTTP_${status}`;
  return new ApiError(status, code, message);
}
