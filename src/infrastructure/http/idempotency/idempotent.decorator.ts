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
      description: 'A retry with the same key and body gets the first answer again (and nothing runs twice); another body is 422.',
    }),
  );
