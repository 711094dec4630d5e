import { applyDecorators, UseInterceptors } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { IdempotencyInterceptor } from './idempotency.interceptor';

/**
 * Put on every POST route: it honours `Idempotency-Key` (IdempotencyInterceptor).
 * Route by route rather than global, because Nest builds an interceptor chain
 * for every request of every route once any global interceptor exists, and
 * that chain was half the CPU of a cached dashboard page. IdempotencyModule
 * refuses to start when a POST route lacks it.
 */
export const Idempotent = (): MethodDecorator =>
  applyDecorators(
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'A retry with the same key and body (for a model file: the same file) gets the first answer again, also when the first attempt was cut short (nothing runs twice); another body is 422. Keys are kept 24 h (IDEMPOTENCY_RETENTION_HOURS).',
    }),
  );
