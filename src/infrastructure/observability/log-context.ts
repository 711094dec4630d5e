import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import type { PinoLogger } from 'nestjs-pino';

/**
 * What ties a log line to the rest of the story: the active span's ids (the
 * same trace Jaeger shows) and, where known, the order. Request lines get
 * the order from the route (order-log-context.ts); a job runs inside
 * runWithOrderLogContext.
 */

/** pino mixin: trace_id and span_id of the active span on every line written while one is active. */
export function traceIdsOfActiveSpan(): Record<string, string> {
  const spanContext = trace.getSpanContext(context.active());
  if (!spanContext || !isSpanContextValid(spanContext)) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}

let contextLogger: PinoLogger | undefined;

/** Set by LoggingModule: nestjs-pino's logger, whose context every Nest Logger line of a job then uses. */
export function useLogContextLogger(logger: PinoLogger): void {
  contextLogger = logger;
}

/** On shutdown; another app in the same process (tests) keeps its own. */
export function releaseLogContextLogger(logger: PinoLogger): void {
  if (contextLogger === logger) contextLogger = undefined;
}

/** Runs a job (a pricing attempt...) so that every log line inside it carries `order_id`. */
export function runWithOrderLogContext<T>(orderId: string, work: () => T): T {
  return contextLogger ? contextLogger.runInContext(work, { bindings: { order_id: orderId } }) : work();
}
