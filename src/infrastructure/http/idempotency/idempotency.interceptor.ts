import { createHash } from 'node:crypto';
import { type Readable, Transform } from 'node:stream';
import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { catchError, from, map, type Observable, of, switchMap, throwError } from 'rxjs';
import { AppSettings } from '../../../config/app-settings';
import { ApiError, type ApiErrorBody, withRequestId } from '../api-error';
import { CLIENT_CLOSED_REQUEST_STATUS } from '../client-abort';
import { toApiError } from '../error-mapping';
import type { AuthenticatedRequest } from '../request-context';
import { type IdempotencyClaim, IdempotencyRepository } from './idempotency.repository';

const KEY_PATTERN = /^[A-Za-z0-9._:-]{1,200}$/;

/**
 * Every POST honours `Idempotency-Key` (through @Idempotent(), which
 * IdempotencyModule checks at start-up): the first response is stored with the
 * key and a repeat with the same body gets it again (status and body), so a
 * client retrying after a timeout never creates two orders or two events.
 * The same key with another body (for a streamed model upload: another
 * file, by its SHA-256) is 422; a repeat while the first is still
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
    if (isStream(request.body)) return this.interceptStreamed(request, reply, scope, key, next);
    const fingerprint = fingerprintOf(request, request.body === undefined ? '' : JSON.stringify(request.body));
    return from(this.repository.claim(scope, key, fingerprint, this.claimTimeoutSeconds)).pipe(
      switchMap((claim) => {
        if (claim.kind !== 'claimed') return of(this.answerFromKey(claim, fingerprint, reply));
        // Read by the request's command context (before the handler runs): order commands derive their ids from it.
        request.idempotencySeed = claim.seed;
        return next.handle().pipe(
          // Stored before the response leaves, so an immediate retry is a replay.
          switchMap((body: unknown) => from(this.repository.complete(scope, key, reply.statusCode, body)).pipe(map(() => body))),
          catchError((error: unknown) => from(this.settleFailure(scope, key, error)).pipe(switchMap(() => throwError(() => error)))),
        );
      }),
    );
  }

  /**
   * A streamed body (a model file) is part of the request: its SHA-256 is in the fingerprint, so the same
   * key with another model is 422, not the first model's answer. The handler reads the body; it is hashed
   * on the way, and the key is claimed once the last byte is read: the stream ends only after the claim,
   * so the handler has done nothing with the body yet. When the key already has an answer (or is in use),
   * the stream fails with KeyAlreadyUsed instead of ending, and that becomes the answer.
   */
  private interceptStreamed(request: AuthenticatedRequest, reply: FastifyReply, scope: string, key: string, next: CallHandler): Observable<unknown> {
    const source = request.body as Readable;
    const hash = createHash('sha256');
    let claim: Promise<IdempotencyClaim> | undefined;
    let handlerDone = false;
    const hashed = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        callback(null, chunk);
      },
      flush: (callback) => {
        // A handler that refused the request before reading it drains the rest: no claim for that.
        if (handlerDone) return callback();
        const fingerprint = fingerprintOf(request, `sha256:${hash.digest('hex')}`);
        claim = this.repository.claim(scope, key, fingerprint, this.claimTimeoutSeconds);
        claim.then(
          (result) => callback(result.kind === 'claimed' ? null : new KeyAlreadyUsed(result, fingerprint)),
          (error: Error) => callback(error),
        );
      },
    });
    source.on('error', (error) => hashed.destroy(error));
    // The handler's reader sees the failure (KeyAlreadyUsed, a claim error) through its own listener and the
    // answer comes from catchError below; a reader that already let go must not turn it into an uncaught
    // 'error' event, which would end the process.
    hashed.on('error', () => undefined);
    request.body = source.pipe(hashed);
    return next.handle().pipe(
      switchMap(async (body: unknown) => {
        handlerDone = true;
        // Not claimed: the handler answered without reading the body, so there is nothing to remember.
        if ((await claim)?.kind === 'claimed') await this.repository.complete(scope, key, reply.statusCode, body);
        return body;
      }),
      catchError(async (error: unknown) => {
        handlerDone = true;
        if (error instanceof KeyAlreadyUsed) return this.answerFromKey(error.claim, error.fingerprint, reply);
        if ((await claim?.catch(() => undefined))?.kind === 'claimed') await this.settleFailure(scope, key, error);
        throw error;
      }),
    );
  }

  /** The answer to a request whose key is taken: the stored answer, 422 for another request, 409 while the first runs. */
  private answerFromKey(claim: Exclude<IdempotencyClaim, { kind: 'claimed' }>, fingerprint: string, reply: FastifyReply): unknown {
    if (claim.fingerprint !== fingerprint) {
      throw new ApiError(422, 'IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was already used for a different request');
    }
    if (claim.kind === 'in_flight') {
      throw new ApiError(409, 'IDEMPOTENT_REQUEST_IN_PROGRESS', 'the first request with this Idempotency-Key is still running', undefined, {
        'retry-after': '1',
      });
    }
    void reply.status(claim.statusCode).header('idempotent-replayed', 'true');
    // A stored refusal is the first answer, told with the id of the request asking now (its X-Request-Id).
    if (claim.statusCode >= 400 && claim.response && typeof claim.response === 'object') return withRequestId(claim.response as ApiErrorBody, reply.request.id);
    return claim.response;
  }

  /** A final refusal is stored as the key's answer; one that asks for a retry releases the key. */
  private async settleFailure(scope: string, key: string, error: unknown): Promise<void> {
    const apiError = toApiError(error);
    if (isRetryable(apiError)) await this.repository.release(scope, key);
    else await this.repository.complete(scope, key, apiError.status, apiError.toBody());
  }
}

/** Ends a streamed request whose key already has an answer, or is in use (see interceptStreamed). */
class KeyAlreadyUsed extends Error {
  constructor(
    readonly claim: Exclude<IdempotencyClaim, { kind: 'claimed' }>,
    readonly fingerprint: string,
  ) {
    super('the Idempotency-Key of this request is already used');
  }
}

/** 409 codes that mean "the same request may succeed if sent again", not "this request is refused". */
const RETRYABLE_CONFLICTS = new Set(['CONCURRENT_MODIFICATION']);

/** Answers that tell the client to retry: storing them would answer every retry with "retry". */
function isRetryable(error: ApiError): boolean {
  // A request its client abandoned mid-body (499) did not run: it releases the key for the retry too.
  return (
    error.status >= 500 ||
    error.status === CLIENT_CLOSED_REQUEST_STATUS ||
    error.status === 429 ||
    error.status === 408 ||
    (error.status === 409 && RETRYABLE_CONFLICTS.has(error.code))
  );
}

/** SHA-256 of method, path with query, and body (the JSON, or the SHA-256 of a streamed body). */
function fingerprintOf(request: FastifyRequest, body: string): string {
  return createHash('sha256').update(`${request.method} ${request.url}\n${body}`).digest('hex');
}

function isStream(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { pipe?: unknown }).pipe === 'function';
}
