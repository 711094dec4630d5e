import { createHash } from 'node:crypto';
import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { catchError, from, map, type Observable, of, switchMap, throwError } from 'rxjs';
import type { Principal } from '../../auth/principal';
import { ApiError } from '../api-error';
import { toApiError } from '../error-mapping';
import { IdempotencyRepository } from './idempotency.repository';

const KEY_PATTERN = /^[A-Za-z0-9._:-]{1,200}$/;

/**
 * Every POST honours `Idempotency-Key` (through @Idempotent(), which
 * IdempotencyModule checks at start-up): the first response is stored with the
 * key and a repeat with the same body gets it again (status and body), so a
 * client retrying after a timeout never creates two orders or two events.
 * The same key with another body is 422; a repeat while the first is still
 * running is 409. Errors of ours (5xx) release the key so a retry runs again.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(private readonly repository: IdempotencyRepository) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest & { principal?: Principal }>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const header = request.headers['idempotency-key'];
    if (request.method !== 'POST' || header === undefined) return next.handle();
    const key = Array.isArray(header) ? header[0] : header;
    if (!key || !KEY_PATTERN.test(key)) {
      return throwError(() => new ApiError(400, 'INVALID_IDEMPOTENCY_KEY', 'Idempotency-Key must be 1-200 characters of [A-Za-z0-9._:-]'));
    }
    const scope = request.principal ? `${request.principal.kind}:${request.principal.id}` : `anonymous:${request.ip}`;
    const fingerprint = fingerprintOf(request);
    return from(this.repository.claim(scope, key, fingerprint)).pipe(
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
        return next.handle().pipe(
          // Stored before the response leaves, so an immediate retry is a replay.
          switchMap((body: unknown) => from(this.repository.complete(scope, key, reply.statusCode, body)).pipe(map(() => body))),
          catchError((error: unknown) => {
            const apiError = toApiError(error);
            const settle =
              apiError.status < 500
                ? this.repository.complete(scope, key, apiError.status, apiError.toBody())
                : this.repository.release(scope, key);
            return from(settle).pipe(switchMap(() => throwError(() => error)));
          }),
        );
      }),
    );
  }
}

function fingerprintOf(request: FastifyRequest): string {
  const body = request.body === undefined || isStream(request.body) ? '' : JSON.stringify(request.body);
  return createHash('sha256').update(`${request.method} ${request.url}\n${body}`).digest('hex');
}

function isStream(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { pipe?: unknown }).pipe === 'function';
}
