/* eslint-disable @typescript-eslint/no-require-imports -- the app's modules are required after the OpenTelemetry SDK has started, as main.ts does */
import { SpanKind } from '@opentelemetry/api';
import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { PersonalDataFilter } from '../src/infrastructure/observability/tracing/personal-data-filter';
import { captureAppLogs, type LogCapture } from './support/log-capture';
import { until } from './support/until';
import type * as EventStorePort from '../src/infrastructure/event-store/event-store.port';
import type * as Orders from './support/orders';
import type * as PricingHelpers from './support/pricing-helpers';
import type * as StlSupport from './support/stl';
import type * as TestAppSupport from './support/test-app';

type ModulePatcher = { getModuleDefinitions?: () => { name: string; patch?: (exports: unknown) => unknown }[] };

/**
 * The real app with the OpenTelemetry SDK (HTTP auto-instrumentation) and
 * an in-memory exporter: one order's trace runs from the HTTP request
 * through the event-store append to the projector's span, which continues
 * the trace from the traceparent stored in the event's metadata.
 */
describe('tracing across the asynchronous steps', () => {
  const exporter = new InMemorySpanExporter();
  let sdk: NodeSDK;
  let app: TestAppSupport.TestApp;
  let logs: LogCapture | undefined;
  let logLines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    // The same instrumentation set as src/tracing.ts, minus what would only add noise here.
    const instrumentations = getNodeAutoInstrumentations({
      '@opentelemetry/instrumentation-fs': { enabled: false },
      '@opentelemetry/instrumentation-undici': { enabled: false },
    });
    sdk = new NodeSDK({
      serviceName: 'alexandrite-test',
      spanProcessors: [new PersonalDataFilter(new SimpleSpanProcessor({ exporter }))],
      metricReaders: [],
      logRecordProcessors: [],
      instrumentations,
    });
    sdk.start();
    // Jest hands modules a stand-in for `module`, so the require hook never sees `http` being loaded;
    // patch the (process-wide) core module directly, as the hook does under plain Node.
    const http = require('node:http') as object;
    for (const instrumentation of instrumentations) {
      for (const definition of (instrumentation as ModulePatcher).getModuleDefinitions?.() ?? []) if (definition.name === 'http') definition.patch?.(http);
    }
    // Loaded after the SDK, as main.ts does with src/tracing.ts, so http and pg are instrumented.
    const { startTestApp } = require('./support/test-app') as typeof TestAppSupport;
    // Quiet while starting; request lines (level info) are captured below.
    app = await startTestApp({ LOG_LEVEL: 'warn', LOG_FORMAT: 'json' });
    // Capture what the app writes to stdout (request lines, level info).
    logs = await captureAppLogs(app.app);
    logLines = logs.lines;
  });
  afterAll(async () => {
    logs?.restore();
    await app?.close();
    await sdk?.shutdown();
  });

  const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
  const waitFor = (what: string, find: () => ReadableSpan | undefined): Promise<ReadableSpan> => until(find, what, { timeoutMs: 20_000, intervalMs: 50 });

  it('stores the server span in the event and continues its trace in the append and the projection', async () => {
    const token = await app.token('customer', 'cust-trace');
    const response = await app.request('/api/shop/orders', { method: 'POST', token, json: { material: 'GOLD_585' } });
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: string };

    const { EventStore } = require('../src/infrastructure/event-store/event-store.port') as typeof EventStorePort;
    const [initiated] = await app.app.get(EventStore).readStream(`order-${id}`);
    const traceparent = initiated?.metadata.traceparent;
    expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const [, traceId, parentSpanId] = (traceparent as string).split('-');

    const server = await waitFor('the server span', () => spans().find((span) => span.kind === SpanKind.SERVER && span.spanContext().spanId === parentSpanId));
    expect(server).toBeDefined();
    expect(server.spanContext().traceId).toBe(traceId);

    const append = spans().find((span) => span.name === 'event_store.append' && span.attributes['alexandrite.stream_id'] === `order-${id}`);
    expect(append?.spanContext().traceId).toBe(traceId);

    const projection = await waitFor('the projection span', () => spans().find((span) => span.name === 'projection.apply' && span.spanContext().traceId === traceId));
    expect(projection).toBeDefined();
    expect(projection.parentSpanContext?.spanId).toBe(parentSpanId);
  });

  it('runs the pricing of a submission as a child span of the submitting request, and records the price in that trace', async () => {
    const { submittedOrder } = require('./support/orders') as typeof Orders;
    const { awaitPricingOutcome } = require('./support/pricing-helpers') as typeof PricingHelpers;
    const { boxStl } = require('./support/stl') as typeof StlSupport;
    const { EventStore } = require('../src/infrastructure/event-store/event-store.port') as typeof EventStorePort;
    const token = await app.token('customer', 'cust-trace');
    const id = await submittedOrder(app, token, { model: boxStl(10, 10, 4), material: 'GOLD_750' });
    expect((await awaitPricingOutcome(app, token, id)).status).toBe('PRICE_CALCULATED');

    const events = await app.app.get(EventStore).readStream(`order-${id}`);
    const submitted = events.find((event) => event.type === 'OrderSubmitted');
    const [, traceId, submitSpanId] = (submitted?.metadata.traceparent ?? '').split('-');
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);

    const pricing = await waitFor('the pricing span', () => spans().find((span) => span.name === 'pricing.price' && span.attributes['alexandrite.order_id'] === id));
    expect(pricing.spanContext().traceId).toBe(traceId);
    expect(pricing.parentSpanContext?.spanId).toBe(submitSpanId);
    // The event pricing appended carries the pricing span, so later consumers continue the same trace.
    const priced = events.find((event) => event.type === 'PriceCalculated');
    expect(priced?.metadata.traceparent).toBe(`00-${traceId}-${pricing.spanContext().spanId}-01`);
  });

  it("writes JSON request lines with the trace_id and span_id of the request, and order_id on an order's routes", async () => {
    const token = await app.token('customer', 'cust-trace');
    const created = await app.request('/api/shop/orders', { method: 'POST', token, json: { material: 'GOLD_585' } });
    const { id } = (await created.json()) as { id: string };
    expect((await app.request(`/api/shop/orders/${id}`, { token })).status).toBe(200);

    const line = await waitForLine((entry) => entry.msg === 'request completed' && (entry.req as { url?: string })?.url === `/api/shop/orders/${id}`);
    expect(line).toMatchObject({ service: 'alexandrite', level: 30, order_id: id, res: { statusCode: 200 } });
    const server = spans().find((span) => span.kind === SpanKind.SERVER && span.spanContext().spanId === line.span_id);
    expect(server?.spanContext().traceId).toBe(line.trace_id);
    expect(server?.attributes['http.route'] ?? server?.attributes['url.path'] ?? server?.name).toBeDefined();

    const createdLine = logLines.find((entry) => entry.msg === 'request completed' && (entry.req as { url?: string })?.url === '/api/shop/orders');
    expect(createdLine?.trace_id).toMatch(/^[0-9a-f]{32}$/);
    // The bearer token never reaches a log line.
    expect(JSON.stringify(logLines)).not.toContain(token);
  });

  const waitForLine = (match: (entry: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> => until(() => logLines.find(match), 'the log line', 5_000);

  it('keeps personal data and secrets out of span attributes', () => {
    const attributes = JSON.stringify(spans().map((span) => span.attributes));
    expect(attributes).toContain('/api/shop/orders');
    // No subject or token; no client address, user agent or query string (dropped by the filter src/tracing.ts installs).
    expect(attributes).not.toMatch(/cust-trace|Bearer|eyJ[A-Za-z0-9_-]{10,}/);
    const names = new Set(spans().flatMap((span) => Object.keys(span.attributes)));
    expect(['client.address', 'network.peer.address', 'user_agent.original', 'url.query', 'http.user_agent', 'net.peer.ip'].filter((name) => names.has(name))).toEqual([]);
  });
});
