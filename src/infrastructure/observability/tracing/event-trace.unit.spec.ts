import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { activeTraceparent, contextFromTraceparent, withEventBatchSpan, withEventSpan } from './event-trace';

const REQUEST_A = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const REQUEST_B = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const event = (traceparent?: string) => ({ metadata: traceparent ? { traceparent } : {} });

describe('continuing a request trace from event metadata', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });

  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(provider);
  });
  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
  });
  beforeEach(() => exporter.reset());

  it('reads the active span as a traceparent, and nothing when no span is active', async () => {
    expect(activeTraceparent()).toBeUndefined();
    await trace.getTracer('test').startActiveSpan('request', async (span) => {
      expect(activeTraceparent()).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
      span.end();
    });
  });

  it('ignores a missing or malformed traceparent', () => {
    expect(contextFromTraceparent(undefined)).toBeUndefined();
    expect(contextFromTraceparent('00-not-a-trace-01')).toBeUndefined();
    expect(contextFromTraceparent(`00-${'0'.repeat(32)}-b7ad6b7169203331-01`)).toBeUndefined();
  });

  it('starts the span of one event as a child of the stored request span, active while the work runs', async () => {
    const seen = await withEventSpan('pricing.price', event(REQUEST_A), { 'alexandrite.order_id': 'o-1' }, async () => activeTraceparent());
    const [span] = exporter.getFinishedSpans();
    expect(span?.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(span?.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    // Events appended inside carry the consumer's span, so the next consumer continues the same trace.
    expect(seen).toBe(`00-0af7651916cd43dd8448eb211c80319c-${span?.spanContext().spanId}-01`);
  });

  it('records a failure on the span and rethrows it', async () => {
    await expect(withEventSpan('pricing.price', event(REQUEST_A), {}, async () => Promise.reject(new RangeError('boom')))).rejects.toThrow('boom');
    expect(exporter.getFinishedSpans()[0]?.status).toEqual({ code: 2, message: 'RangeError' });
  });

  it('continues the one trace of a batch as a child, and links the traces of a mixed batch', async () => {
    await withEventBatchSpan('projection.apply', [event(REQUEST_A), event(REQUEST_A), event()], {}, async () => undefined);
    await withEventBatchSpan('projection.apply', [event(REQUEST_A), event(REQUEST_B), event('garbage')], {}, async () => undefined);
    const [single, mixed] = exporter.getFinishedSpans();
    expect(single?.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(single?.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(mixed?.parentSpanContext).toBeUndefined();
    expect(mixed?.links.map((link) => link.context.traceId).sort()).toEqual(['0af7651916cd43dd8448eb211c80319c', '4bf92f3577b34da6a3ce929d0e0e4736']);
  });

  it('does not fail on events whose metadata is not an object (a bad producer): they just carry no trace', async () => {
    const bad = [null, undefined, 'a string', 42, [], { traceparent: 7 }].map((metadata) => ({ metadata }) as unknown as Parameters<typeof withEventSpan>[1]);
    await withEventBatchSpan('projection.apply', [event(REQUEST_A), ...bad], {}, async () => undefined);
    expect(exporter.getFinishedSpans()[0]?.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    for (const one of bad) await expect(withEventSpan('pricing.price', one, {}, async () => 'done')).resolves.toBe('done');
  });
});
