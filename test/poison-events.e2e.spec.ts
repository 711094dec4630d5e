import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { EventStore, type EventMetadata, type NewEvent } from '../src/infrastructure/event-store/event-store.port';
import { withUpcasting } from '../src/infrastructure/event-store/event-store.module';
import { PostgresEventStore } from '../src/infrastructure/event-store/postgres/postgres-event-store';
import { METRICS_CACHE_MS } from '../src/infrastructure/observability/metrics/metrics-server';
import { parsePrometheusText, type Sample } from '../src/infrastructure/observability/metrics/prometheus-text';
import { allReadModels } from '../src/projections/read-models';
import { rebuildReadModels } from '../src/projections/rebuild/rebuild';
import { createdOrder, submittedOrder, uploadedOrder } from './support/orders';
import { awaitPricingOutcome } from './support/pricing-helpers';
import { boxStl } from './support/stl';
import { startTestApp, type TestApp } from './support/test-app';
import { until } from './support/until';

/**
 * Issue 24, items 2 and 3: one event a consumer cannot apply (written by a
 * bad producer or old code, straight into the event store here) must not
 * stop the projector or the pricing subscriber. It is parked with its
 * position, stream, type and error; the consumer carries on; readiness stays
 * green; support sees it in the order's history and diagnosis and can retry
 * or skip it; reading the order answers a clear 409, never a 500.
 */

interface ParkedEvent {
  consumer: string;
  position: string;
  streamId: string;
  orderId: string | null;
  revision: number;
  eventId: string;
  eventType: string;
  error: string;
  state: 'parked' | 'resolved' | 'skipped';
  attempts: number;
  parkedAt: string;
  resolvedAt: string | null;
  resolvedBy: string | null;
}

const actorMetadata = (): EventMetadata => ({
  correlationId: randomUUID(),
  causationId: null,
  actor: { role: 'system', id: 'old-producer' },
  occurredAt: new Date().toISOString(),
  schemaVersion: 1,
});

function badEvent(type: string, data: unknown, metadata: unknown = actorMetadata()): NewEvent {
  return { id: randomUUID(), type, data, metadata: metadata as EventMetadata };
}

/** A scrape of the metrics listener that sees what happened before it (past the one-second collection cache). */
async function scrape(app: TestApp): Promise<Sample[]> {
  await new Promise((resolve) => setTimeout(resolve, METRICS_CACHE_MS + 20));
  const response = await app.metrics();
  expect(response.status).toBe(200);
  return parsePrometheusText(await response.text());
}

const metric = (samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined =>
  samples.find((sample) => sample.name === name && Object.entries(labels).every(([key, wanted]) => sample.labels[key] === wanted))?.value;

describe('a poison event in the projector', () => {
  let app: TestApp;
  let sql: Client;
  let customer: string;
  let seller: string;
  let support: string;
  /** Order A: a PriceCalculated whose total is not a number (and no breakdown). */
  let orderA: string;
  let positionA: bigint;
  /** Order B: a ModelUploaded whose metadata is not an object. */
  let orderB: string;
  let positionB: bigint;

  beforeAll(async () => {
    // Readiness turns red after 3 s of lag here, so a stalled projector shows within the test.
    app = await startTestApp({ PRICING_WORKER_ENABLED: 'false', PROJECTION_MAX_LAG_SECONDS: '3' });
    sql = new Client({ connectionString: app.database.url });
    await sql.connect();
    [customer, seller, support] = await Promise.all([app.token('customer', 'cust-poison'), app.token('seller', 'seller-poison'), app.token('support', 'support-poison')]);
    const store = app.app.get(EventStore);

    orderA = await submittedOrder(app, customer);
    const submissionId = ((await store.readStream(`order-${orderA}`)).at(-1)!.data as { submissionId: string }).submissionId;
    positionA = (await store.append(`order-${orderA}`, [badEvent('PriceCalculated', { submissionId, currency: 'EUR', total: 'not-a-number' })], 2n)).position;

    orderB = await createdOrder(app, customer);
    positionB = (
      await store.append(
        `order-${orderB}`,
        [badEvent('ModelUploaded', { blobKey: 'k', sha256: 'x', sizeBytes: 1, format: 'stl-binary', source: 'upload', catalogItemId: null, triangleCount: 12 }, 'not an object')],
        0n,
      )
    ).position;
  });
  afterAll(async () => {
    await sql?.end();
    await app?.close();
  });

  const get = async <T>(path: string, token = support): Promise<{ status: number; body: T }> => {
    const response = await app.request(path, { token });
    return { status: response.status, body: (await response.json()) as T };
  };
  const post = async <T>(path: string, token = support): Promise<{ status: number; body: T }> => {
    const response = await app.request(path, { method: 'POST', token, headers: { 'idempotency-key': randomUUID() } });
    return { status: response.status, body: (await response.json()) as T };
  };
  const crmList = async () => (await get<{ items: Array<{ id: string; status: string; price: { total: number } | null }> }>('/api/crm/orders?limit=100', seller)).body.items;

  it('keeps projecting: an order created after the poison events reaches the lists', async () => {
    const orderC = await createdOrder(app, customer);
    await until(async () => ((await crmList()).some((item) => item.id === orderC) ? true : undefined), 'order C in the CRM list', 10_000);
  });

  it('stays ready: the projection is not behind, and readiness says how many events are parked', async () => {
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    const ready = await get<{ details: { projections: { status: string; eventsBehind: number; parkedEvents: number } } }>('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.details.projections).toMatchObject({ status: 'up', eventsBehind: 0, parkedEvents: 2 });
  });

  it('parks each poison event with its position, stream, revision, type and error, in the support API and the metrics', async () => {
    const { status, body } = await get<{ items: ParkedEvent[] }>('/api/support/parked-events?consumer=read-models');
    expect(status).toBe(200);
    const byPosition = new Map(body.items.map((item) => [item.position, item]));
    expect(byPosition.get(String(positionA))).toMatchObject({
      consumer: 'read-models',
      streamId: `order-${orderA}`,
      orderId: orderA,
      revision: 3,
      eventType: 'PriceCalculated',
      state: 'parked',
      error: expect.stringMatching(/total/),
    });
    expect(byPosition.get(String(positionB))).toMatchObject({
      streamId: `order-${orderB}`,
      revision: 1,
      eventType: 'ModelUploaded',
      state: 'parked',
      error: expect.stringMatching(/metadata/),
    });
    const samples = await scrape(app);
    expect(metric(samples, 'alexandrite_events_parked', { consumer: 'read-models' })).toBe(2);
    expect(metric(samples, 'alexandrite_events_parked_total', { consumer: 'read-models' })).toBe(2);
  });

  it('answers reads and commands on a poisoned order with 409 ORDER_STREAM_CORRUPT naming the position, never 500', async () => {
    const read = await get<{ code: string; message: string; details: Record<string, unknown> }>(`/api/shop/orders/${orderA}`, customer);
    expect(read.status).toBe(409);
    expect(read.body).toMatchObject({ code: 'ORDER_STREAM_CORRUPT', details: { orderId: orderA, position: String(positionA), revision: 3, eventType: 'PriceCalculated' } });
    const cancel = await app.request(`/api/shop/orders/${orderB}/cancel`, { method: 'POST', token: customer, json: {} });
    expect(cancel.status).toBe(409);
    expect(await cancel.json()).toMatchObject({ code: 'ORDER_STREAM_CORRUPT', details: { position: String(positionB) } });
    // Support's retry-pricing is refused the same way, instead of a 202 that does nothing.
    const retry = await post<{ code: string }>(`/api/support/orders/${orderA}/retry-pricing`);
    expect(retry).toMatchObject({ status: 409, body: { code: 'ORDER_STREAM_CORRUPT' } });
  });

  it("shows the poison event in support's history, state and diagnosis", async () => {
    const history = await get<{ corrupt: boolean; events: Array<{ revision: number; type: string; problem: string | null }> }>(`/api/support/orders/${orderA}/history`);
    expect(history.status).toBe(200);
    expect(history.body.corrupt).toBe(true);
    expect(history.body.events.map((event) => [event.revision, event.type, event.problem === null])).toEqual([
      [0, 'OrderInitiated', true],
      [1, 'ModelUploaded', true],
      [2, 'OrderSubmitted', true],
      [3, 'PriceCalculated', false],
    ]);
    const historyB = await get<{ events: Array<{ problem: string | null; actor: unknown }> }>(`/api/support/orders/${orderB}/history`);
    expect(historyB.status).toBe(200);
    expect(historyB.body.events[1]!.problem).toMatch(/metadata/);

    const state = await get<{ state: { status: string }; skippedEvents: Array<{ revision: number }> }>(`/api/support/orders/${orderA}/state?revision=3`);
    expect(state.status).toBe(200);
    expect(state.body).toMatchObject({ state: { status: 'SUBMITTED' }, skippedEvents: [{ revision: 3 }] });

    const diagnosis = await get<{ status: string; anomalies: Array<{ code: string; message: string }>; parkedEvents: ParkedEvent[]; summary: string }>(
      `/api/support/orders/${orderA}/diagnosis`,
    );
    expect(diagnosis.status).toBe(200);
    expect(diagnosis.body.anomalies.map((anomaly) => anomaly.code)).toEqual(expect.arrayContaining(['ORDER_STREAM_CORRUPT', 'EVENT_PARKED']));
    expect(diagnosis.body.parkedEvents).toEqual([expect.objectContaining({ consumer: 'read-models', position: String(positionA), state: 'parked' })]);
    expect(diagnosis.body.summary).toMatch(String(positionA));
  });

  it('lets support retry a parked event once it can be applied, and skip one that never will', async () => {
    // Still broken: the retry fails again, says why, and counts the attempt.
    const again = await post<{ code: string; details: { error: string } }>(`/api/support/parked-events/read-models/${positionA}/retry`);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'PARKED_EVENT_STILL_FAILING', details: { error: expect.stringMatching(/total/) } });

    // The fix (here: the event repaired in place, as an upcaster would read it) makes the retry succeed.
    const breakdown = { material: 'GOLD_750', massGrams: 1, volumeMm3: 100, surfaceAreaMm2: 100, materialCost: 90, labourCost: 10, minimumApplied: false, lines: [] };
    await sql.query(`UPDATE event_store.events SET data = data || jsonb_build_object('total', 123.45, 'breakdown', $2::jsonb) WHERE position = $1`, [
      String(positionA),
      JSON.stringify(breakdown),
    ]);
    const retried = await post<ParkedEvent>(`/api/support/parked-events/read-models/${positionA}/retry`);
    expect(retried).toMatchObject({ status: 200, body: { state: 'resolved', resolvedBy: 'support-poison', attempts: 2 } });
    expect((await crmList()).find((item) => item.id === orderA)).toMatchObject({ status: 'PRICE_CALCULATED', price: { total: 123.45 } });
    expect((await get<{ status: string }>(`/api/shop/orders/${orderA}`, customer)).body.status).toBe('PRICE_CALCULATED');

    const skipped = await post<ParkedEvent>(`/api/support/parked-events/read-models/${positionB}/skip`);
    expect(skipped).toMatchObject({ status: 200, body: { state: 'skipped', resolvedBy: 'support-poison' } });
    expect(await post(`/api/support/parked-events/read-models/${positionB}/retry`)).toMatchObject({ status: 409, body: { code: 'PARKED_EVENT_NOT_OPEN' } });
    expect(await post(`/api/support/parked-events/read-models/${positionB + 1n}/retry`)).toMatchObject({ status: 404, body: { code: 'PARKED_EVENT_NOT_FOUND' } });
    expect(await post(`/api/support/parked-events/no-such-consumer/${positionB}/skip`)).toMatchObject({ status: 404 });

    const samples = await scrape(app);
    expect(metric(samples, 'alexandrite_events_parked', { consumer: 'read-models' })).toBe(0);
    const ready = await get<{ details: { projections: { parkedEvents: number } } }>('/health/ready');
    expect(ready.body.details.projections.parkedEvents).toBe(0);
  });

  it('rebuilds past poison events (parking new ones, leaving skipped ones out) into the same read models', async () => {
    const store = app.app.get(EventStore);
    const orderD = await createdOrder(app, customer);
    const positionD = (await store.append(`order-${orderD}`, [badEvent('ManufacturingApproved', { approvedVia: 42 })], 0n)).position;
    await until(async () => {
      const { rows } = await sql.query<{ position: string }>(`SELECT position::text AS position FROM projection_checkpoints WHERE projection = 'read-models'`);
      return BigInt(rows[0]?.position ?? '0') >= positionD ? true : undefined;
    }, 'the projector past the poison event of order D');
    const snapshot = async () => ({
      orders: (await sql.query('SELECT * FROM orders_current ORDER BY order_id')).rows,
      counts: (await sql.query('SELECT status, count FROM order_status_counts WHERE count <> 0 ORDER BY status')).rows,
    });
    const live = await snapshot();
    expect(live.orders.find((row: { order_id: string }) => row.order_id === orderD)).toMatchObject({ status: 'INITIATED' });
    expect(live.orders.find((row: { order_id: string }) => row.order_id === orderB)).toMatchObject({ status: 'INITIATED' });

    const quiet = { warn: () => undefined, log: () => undefined };
    // Read through the upcasters, as the app and the rebuild CLI (createEventStore) read.
    const rebuildStore = withUpcasting(new PostgresEventStore({ connectionString: app.database.url, poolSize: 2, logger: quiet }));
    try {
      const result = await rebuildReadModels({ connectionString: app.database.url, eventStore: rebuildStore, readModels: allReadModels(), batchSize: 4 });
      expect(result.parked).toBe(1);
    } finally {
      await rebuildStore.close();
    }
    expect(await snapshot()).toEqual(live);
    const { body } = await get<{ items: ParkedEvent[] }>('/api/support/parked-events?consumer=read-models&state=all');
    expect(body.items.map((item) => [item.position, item.state]).sort()).toEqual(
      [
        [String(positionA), 'resolved'],
        [String(positionB), 'skipped'],
        [String(positionD), 'parked'],
      ].sort(),
    );
  });
});

describe('a poison event in pricing', () => {
  let app: TestApp;
  let customer: string;
  let support: string;
  let poisoned: string;
  let poisonPosition: bigint;

  beforeAll(async () => {
    app = await startTestApp({ PRICING_TIMEOUT_S: '20' });
    [customer, support] = await Promise.all([app.token('customer', 'cust-poison-pricing'), app.token('support', 'support-poison-pricing')]);
    poisoned = await uploadedOrder(app, customer);
    // An OrderSubmitted whose submission id is not a UUID (the key of the pricing job).
    poisonPosition = (await app.app.get(EventStore).append(`order-${poisoned}`, [badEvent('OrderSubmitted', { submissionId: 'not-a-uuid' })], 1n)).position;
  });
  afterAll(async () => {
    await app?.close();
  });

  const get = async <T>(path: string): Promise<{ status: number; body: T }> => {
    const response = await app.request(path, { token: support });
    return { status: response.status, body: (await response.json()) as T };
  };

  it('keeps pricing other orders', async () => {
    const id = await submittedOrder(app, customer, { model: boxStl(10, 10, 4), material: 'GOLD_750' });
    expect((await awaitPricingOutcome(app, customer, id, 15_000)).status).toBe('PRICE_CALCULATED');
  });

  it('parks the event for pricing, with metrics, readiness details and the order diagnosis saying so', async () => {
    const { body } = await get<{ items: ParkedEvent[] }>('/api/support/parked-events?consumer=pricing-jobs');
    expect(body.items).toEqual([
      expect.objectContaining({
        consumer: 'pricing-jobs',
        position: String(poisonPosition),
        orderId: poisoned,
        revision: 2,
        eventType: 'OrderSubmitted',
        state: 'parked',
        error: expect.stringMatching(/submissionId/),
      }),
    ]);

    const ready = await get<{ details: { 'pricing-subscriber': { status: string; degraded: boolean; parkedEvents: number; eventsBehind: number; checkpoint: string } } }>(
      '/health/ready',
    );
    expect(ready.status).toBe(200);
    expect(ready.body.details['pricing-subscriber']).toMatchObject({ status: 'up', degraded: true, parkedEvents: 1, eventsBehind: 0 });

    const samples = await scrape(app);
    expect(metric(samples, 'alexandrite_events_parked', { consumer: 'pricing-jobs' })).toBe(1);
    expect(metric(samples, 'alexandrite_events_parked_total', { consumer: 'pricing-jobs' })).toBe(1);
    expect(metric(samples, 'alexandrite_pricing_subscriber_lag_events')).toBe(0);
    expect(metric(samples, 'alexandrite_pricing_subscriber_lag_seconds')).toBe(0);
    expect(metric(samples, 'alexandrite_event_consumer_errors_total', { consumer: 'pricing-jobs' })).toBe(0);
    expect(metric(samples, 'alexandrite_pricing_attempts_total')).toBeGreaterThanOrEqual(1);

    const diagnosis = await get<{ anomalies: Array<{ code: string }>; parkedEvents: ParkedEvent[] }>(`/api/support/orders/${poisoned}/diagnosis`);
    expect(diagnosis.status).toBe(200);
    expect(diagnosis.body.anomalies.map((anomaly) => anomaly.code)).toEqual(expect.arrayContaining(['ORDER_STREAM_CORRUPT', 'EVENT_PARKED']));
    expect(diagnosis.body.parkedEvents.map((parked) => parked.consumer).sort()).toEqual(['pricing-jobs', 'read-models']);
  });

  it("refuses support's retry-pricing on the poisoned order with 409 instead of a 202 that does nothing", async () => {
    const retry = await app.request(`/api/support/orders/${poisoned}/retry-pricing`, { method: 'POST', token: support });
    expect(retry.status).toBe(409);
    expect(await retry.json()).toMatchObject({ code: 'ORDER_STREAM_CORRUPT', details: { position: String(poisonPosition) } });
  });

  it('lets support skip the parked pricing event; retrying it while it still fails answers 409', async () => {
    const retry = await app.request(`/api/support/parked-events/pricing-jobs/${poisonPosition}/retry`, { method: 'POST', token: support });
    expect(retry.status).toBe(409);
    expect(await retry.json()).toMatchObject({ code: 'PARKED_EVENT_STILL_FAILING' });
    const skip = await app.request(`/api/support/parked-events/pricing-jobs/${poisonPosition}/skip`, { method: 'POST', token: support });
    expect(skip.status).toBe(200);
    expect(await skip.json()).toMatchObject({ state: 'skipped', resolvedBy: 'support-poison-pricing' });
    const ready = await get<{ details: { 'pricing-subscriber': { degraded: boolean; parkedEvents: number } } }>('/health/ready');
    expect(ready.body.details['pricing-subscriber']).toMatchObject({ degraded: false, parkedEvents: 0 });
  });
});
