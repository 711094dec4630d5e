import { createHash } from 'node:crypto';
import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { catchError, from, map, type Observable, of, switchMap, throwError } from 'rxjs';
import { AppSettings } from '../../../config/app-settings';
import { ApiError } from '../api-error';
import { toApiError } from '../error-mapping';
import type { AuthenticatedRequest } from '../request-context';
import { IdempotencyRepository } from './idempotency.repository';

const KEY_PATTERN = /^[A-Za-z0-9._:-]{1,200}$/;

/**
 * Every POST honours `Idempotency-Key` (through @Idempotent(), which
 * IdempotencyModule checks at start-up): the first response is stored with the
 * key and a repeat with the same body gets it again (status and body), so a
 * client retrying after a timeout never creates two orders or two events.
 * The same key with another body is 422; a repeat while the first is still
 * running is 409. An answer that asks for a retry (5xx, 429, 408, a 409
 * concurrent change) is not stored: it releases the key, so the retry runs
 * again instead of hearing "retry" forever.
 *
 * The key and its effect are tied together through the key's seed: the order
 * commands derive the ids of what they create (order id, event ids) from it,
 * so when the first attempt's events committed but its answer was never
 * stored (the process was killed, storing the answer timed out), the retry
 * finds them and answers as the first attempt would have, instead of doing
 * it again.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly claimTimeoutSeconds: number;

  constructor(
    private readonly repository: IdempotencyRepository,
    settings: AppSettings,
  ) {
    this.claimTimeoutSeconds = settings.config.idempotency.claimTimeoutSeconds;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const header = request.headers['idempotency-key'];
    if (request.method !== 'POST' || header === undefined) return next.handle();
    const key = Array.isArray(header) ? header[0] : header;
    if (!key || !KEY_PATTERN.test(key)) {
      return throwError(() => new ApiError(400, 'INVALID_IDEMPOTENCY_KEY', 'Idempotency-Key must be 1-200 characters of [A-Za-z0-9._:-]'));
    }
    const scope = request.principal ? `${request.principal.kind}:${request.principal.id}` : `anonymous:${request.ip}`;
    const fingerprint = fingerprintOf(request);
    return from(this.repository.claim(scope, key, fingerprint, this.claimTimeoutSeconds)).pipe(
      switchMap((claim) => {
        if (claim.kind !== 'claimed' && claim.fingerprint !== fingerprint) {
          throw new ApiError(422, 'IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was already used for a different request');
        }
        if (claim.kind === 'in_flight') {
          throw new ApiError(409, 'IDEMPOTENT_REQUEST_IN_PROGRESS', 'the first request with this Idempotency-Key is still running', undefined, {
            'retry-after': '1',
          });
        }
        if (claim.kind === 'completed') {
          void reply.status(claim.statusCode).header('idempotent-replayed', 'true');
          return of(claim.response);
        }
        // Read by the request's command context (before the handler runs): order commands derive their ids from it.
        request.idempotencySeed = claim.seed;
        return next.handle().pipe(
          // Stored before the response leaves, so an immediate retry is a replay.
          switchMap((body) => from(this.repository.complete(scope, key, reply.statusCode, body)).pipe(map(() => body))),
          catchError((error: unknown) => {
            const apiError = toApiError(error);
            const settle = isRetryable(apiError) ? this.repository.release(scope, key) : this.repository.complete(scope, key, apiError.status, apiError.toBody());
            return from(settle).pipe(switchMap(() => throwError(() => error)));
          }),
        );
      }),
    );
  }
}

/** 409 codes that mean "the same request may succeed if sent again", not "this request is refused". */
const RETRYABLE_CONFLICTS = new Set(['CONCURRENT_MODIFICATION']);

/** Answers that tell the client to retry: storing them would answer every retry with "retry". */
function isRetryable(error: ApiError): boolean {
  return error.status >= 500 || error.status === 429 || error.status === 408 || (error.status === 409 && RETRYABLE_CONFLICTS.has(error.code));
}

function fingerprintOf(request: FastifyRequest): string {
  const body = request.body === undefined || isStream(request.body) ? '' : JSON.stringify(request.body);
  return createHash('sha256').update(`${request.method} ${request.url}\n${body}`).digest('hex');
}

function isStream(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { pipe?: unknown }).pipe === 'function';
}
