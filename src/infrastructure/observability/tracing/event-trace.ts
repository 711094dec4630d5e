import {
  type Attributes,
  type Context,
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  isSpanContextValid,
  type Link,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/**
 * Traces across the asynchronous steps of an order. The command side stores
 * the W3C traceparent of the request in each event's metadata; a consumer
 * (the projector, the pricing worker) starts its span from it, so one trace
 * shows HTTP -> append -> projection -> pricing.
 *
 * The W3C propagator is used directly rather than the global one, which is
 * a no-op while tracing is off: an incoming traceparent is still carried
 * into the events then, and picked up by whoever traces later.
 */
const w3c = new W3CTraceContextPropagator();
const tracer = trace.getTracer('alexandrite');

/** Larger batches link to their first traces only; a span with thousands of links helps nobody. */
const MAX_LINKS = 64;

export interface TracedEvent {
  /** Read defensively: an event written by a bad producer may carry anything here, and tracing must not fail on it. */
  metadata: { traceparent?: string | undefined } | null | undefined;
}

/** The stored traceparent of an event, when it has a string one. */
export function traceparentOf(event: TracedEvent): string | undefined {
  const metadata: unknown = event.metadata;
  const traceparent = typeof metadata === 'object' && metadata !== null ? (metadata as { traceparent?: unknown }).traceparent : undefined;
  return typeof traceparent === 'string' ? traceparent : undefined;
}

/** The traceparent of the active span, when a valid one is active. */
export function activeTraceparent(active: Context = context.active()): string | undefined {
  const spanContext = trace.getSpanContext(active);
  if (!spanContext || !isSpanContextValid(spanContext)) return undefined;
  const carrier: Record<string, string> = {};
  w3c.inject(active, carrier, defaultTextMapSetter);
  return carrier.traceparent;
}

/** A context whose parent is the span a traceparent names; undefined for a missing or malformed one. */
export function contextFromTraceparent(traceparent: string | undefined): Context | undefined {
  if (!traceparent) return undefined;
  const extracted = w3c.extract(ROOT_CONTEXT, { traceparent }, defaultTextMapGetter);
  const spanContext = trace.getSpanContext(extracted);
  return spanContext && isSpanContextValid(spanContext) ? extracted : undefined;
}

/**
 * Work caused by one event (pricing a submission): a child span in the
 * trace of the request that appended it. Without a stored traceparent it is
 * a child of whatever is active (or a new trace).
 */
export function withEventSpan<T>(name: string, event: TracedEvent, attributes: Attributes, work: (span: Span) => Promise<T>): Promise<T> {
  const parent = contextFromTraceparent(traceparentOf(event)) ?? context.active();
  return tracer.startActiveSpan(name, { kind: SpanKind.CONSUMER, attributes }, parent, (span) => runInSpan(span, work));
}

/**
 * Work over a batch of events from possibly many requests (a projector
 * batch). When they all come from one trace, the span is a child in that
 * trace (the common live case: one command, one batch); otherwise it starts
 * its own trace with a link to each request's span.
 */
export function withEventBatchSpan<T>(name: string, events: readonly TracedEvent[], attributes: Attributes, work: (span: Span) => Promise<T>): Promise<T> {
  const parents = new Map<string, Context>();
  for (const event of events) {
    const parent = contextFromTraceparent(traceparentOf(event));
    const traceId = parent && trace.getSpanContext(parent)?.traceId;
    if (parent && traceId && !parents.has(traceId)) parents.set(traceId, parent);
  }
  const all = [...parents.values()];
  if (all.length === 1) {
    return tracer.startActiveSpan(name, { kind: SpanKind.CONSUMER, attributes }, all[0] as Context, (span) => runInSpan(span, work));
  }
  const links: Link[] = all.slice(0, MAX_LINKS).map((parent) => ({ context: trace.getSpanContext(parent)! }));
  return tracer.startActiveSpan(name, { kind: SpanKind.CONSUMER, attributes, links, root: true }, (span) => runInSpan(span, work));
}

async function runInSpan<T>(span: Span, work: (span: Span) => Promise<T>): Promise<T> {
  try {
    return await work(span);
  } catch (error) {
    // The error's class only: messages can quote order data.
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'error' });
    throw error;
  } finally {
    span.end();
  }
}
