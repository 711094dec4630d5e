import { randomUUID } from 'node:crypto';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { AuthenticatedRequest } from '../../infrastructure/http/request-context';
import { activeTraceparent } from '../../infrastructure/observability/tracing/event-trace';
import type { CommandContext } from './command-context';

// Here, not in infrastructure/http: the command context belongs to the commands, and infrastructure imports nothing above it.
const ID = /^[A-Za-z0-9._:-]{1,100}$/;
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** The metadata of the events a request's command appends: actor, correlation, causation, request id, trace. */
export function commandContextOf(request: AuthenticatedRequest): CommandContext {
  const principal = request.principal;
  if (!principal || !request.actingRole) throw new Error('commandContextOf needs an authenticated request');
  const header = (name: string): string | undefined => {
    const value = request.headers[name];
    return typeof value === 'string' ? value : undefined;
  };
  const correlation = header('x-correlation-id');
  // The active span (the HTTP server span when tracing is on) is the parent consumers should continue;
  // without tracing, a well-formed incoming traceparent is carried through unchanged.
  const incoming = header('traceparent');
  const traceparent = activeTraceparent() ?? (incoming && TRACEPARENT.test(incoming) ? incoming : undefined);
  return {
    actor: { role: request.actingRole, id: principal.id },
    correlationId: correlation && ID.test(correlation) ? correlation : randomUUID(),
    // request.id is the request id (request-id.ts): the caller's sane X-Request-Id or a new UUID.
    causationId: request.id,
    requestId: request.id,
    ...(traceparent ? { traceparent } : {}),
    // Set by IdempotencyInterceptor once it has claimed the request's Idempotency-Key.
    ...(request.idempotencySeed ? { idempotencySeed: request.idempotencySeed } : {}),
  };
}

export const RequestCommandContext = createParamDecorator((_data: unknown, context: ExecutionContext): CommandContext =>
  commandContextOf(context.switchToHttp().getRequest<AuthenticatedRequest>()),
);
