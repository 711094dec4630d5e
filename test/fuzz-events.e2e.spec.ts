import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { EventStore, type EventMetadata, type NewEvent } from '../src/infrastructure/event-store/event-store.port';
import { withUpcasting } from '../src/infrastructure/event-store/event-store.module';
import { PostgresEventStore } from '../src/infrastructure/event-store/postgres/postgres-event-store';
import { allReadModels } from '../src/projections/read-models';
import { rebuildReadModels } from '../src/projections/rebuild/rebuild';
import { ORDER_EVENT_TYPES, orderEventProblem } from '../src/shared/order-lifecycle';
import { event as fixture } from '../src/shared/order-lifecycle/testing';
import { submittedOrder } from './support/orders';
import { boxStl } from './support/stl';
import { startTestApp, type TestApp } from './support/test-app';
import { until } from './support/until';
import { prng } from './support/prng';

/**
 * Malformed events written straight into the event store (as a bad producer
 * or old code would), mixed with good ones and with real traffic: wrong
 * types, missing fields, metadata that is not an object, values PostgreSQL
 * refuses, unknown event types, other streams. Whatever arrives, the
 * projector and the pricing subscriber reach the head (parking only fuzzed
 * events, and every event this version cannot read), orders created meanwhile
 * reach the lists and get priced, no read of a touched order answers 5xx,
 * readiness stays green, and a rebuild reproduces the live read models.
 * Seeded, so a failure replays exactly (FUZZ_SEED).
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261124);
const FUZZED_EVENTS = Number(process.env.FUZZ_EVENTS ?? 80);

describe('fuzzing the event consumers with malformed events', () => {
  let app: TestApp;
  let sql: Client;
  let customer: string;
  let seller: string;
  let support: string;

  beforeAll(async () => {
    app = await startTestApp({ PRICING_TIMEOUT_S: '20', PRICING_RETRY_DELAY_S: '0', PROJECTION_MAX_LAG_SECONDS: '5' });
    sql = new Client({ connectionString: app.database.url });
    await sql.connect();
    [customer, seller, support] = await Promise.all([app.token('customer', 'cust-fuzz-events'), app.token('seller', 'seller-fuzz'), app.token('support', 'support-fuzz')]);
  });
  afterAll(async () => {
    await sql?.end();
    await app?.close();
  });

  const positionOf = async (query: string, values: unknown[] = []) => BigInt((await sql.query<{ position: string | null }>(query, values)).rows[0]?.position ?? '-1');
  const storeHead = () => positionOf('SELECT max(position)::text AS position FROM event_store.events');

  it(`applies or parks ${FUZZED_EVENTS} fuzzed events and keeps serving, projecting and pricing`, async () => {
    const random = prng(SEED);
    const store = app.app.get(EventStore);

    // Orders in every early status to write into (their owner is the fuzz customer).
    const targets: string[] = [];
    for (let i = 0; i < 8; i++) {
      const created = await app.request('/api/shop/orders', { method: 'POST', token: customer, json: { material: 'GOLD_750' } });
      const { id } = (await created.json()) as { id: string };
      if (i % 2 === 1) await app.request(`/api/shop/orders/${id}/model`, { method: 'PUT', token: customer, body: boxStl(), headers: { 'content-type': 'model/stl' } });
      targets.push(id);
    }

    // Real traffic while the fuzzed events arrive: these orders must be listed and priced whatever happens.
    const realOrders: string[] = [];
    const traffic = (async () => {
      for (let i = 0; i < 5; i++) {
        realOrders.push(await submittedOrder(app, customer, { model: boxStl(10 + i, 10, 4) }));
        await sleep(50);
      }
    })();

    const fuzzed = new Map<bigint, { streamId: string; type: string; note: string }>();
    for (let i = 0; i < FUZZED_EVENTS; i++) {
      const { streamId, event, note } = fuzzedEvent(random, targets);
      const { position } = await store.append(streamId, [event], 'any');
      fuzzed.set(position, { streamId, type: event.type, note });
    }
    await traffic;

    // Both consumers reach the head: nothing stalls them.
    const head = await storeHead();
    const projected = () => positionOf(`SELECT position::text AS position FROM projection_checkpoints WHERE projection = 'read-models'`);
    const priced = () => positionOf(`SELECT position::text AS position FROM pricing_checkpoints WHERE subscriber = 'pricing-jobs'`);
    await until(async () => ((await projected()) >= head ? true : undefined), `the projector at the head ${head}`, 20_000).catch(async (error: unknown) => {
      throw new Error(`${String(error)}; at ${await projected()}`);
    });
    await until(async () => ((await priced()) >= head ? true : undefined), `the pricing subscriber at the head ${head}`, 20_000).catch(async (error: unknown) => {
      throw new Error(`${String(error)}; at ${await priced()}`);
    });

    // Parked: only fuzzed events; and every fuzzed event of an order stream this version cannot read.
    const recorded = new Map((await store.readAll({ limit: 100_000 })).map((event) => [event.position, event]));
    const parked = await sql.query<{ consumer: string; position: string; error: string }>(`SELECT consumer, position::text AS position, error FROM parked_events`);
    const parkedBy = (consumer: string) => new Set(parked.rows.filter((row) => row.consumer === consumer).map((row) => BigInt(row.position)));
    const notFuzzed = parked.rows.filter((row) => !fuzzed.has(BigInt(row.position)));
    expect(notFuzzed).toEqual([]);
    const unreadable = [...fuzzed.keys()].filter((position) => {
      const event = recorded.get(position)!;
      return event.streamId.startsWith('order-') && orderEventProblem(event) !== null;
    });
    expect(unreadable.length).toBeGreaterThan(FUZZED_EVENTS / 4);
    const readModels = parkedBy('read-models');
    expect(unreadable.filter((position) => !readModels.has(position)).map((position) => ({ position: String(position), ...fuzzed.get(position) }))).toEqual([]);
    const pricing = parkedBy('pricing-jobs');
    expect([...pricing].map((position) => recorded.get(position)!.type).filter((type) => type !== 'OrderSubmitted' && type !== 'PricingRetryRequested')).toEqual([]);
    const unreadableSubmissions = unreadable.filter((position) => recorded.get(position)!.type === 'OrderSubmitted');
    expect(unreadableSubmissions.filter((position) => !pricing.has(position))).toEqual([]);

    // The real orders reach the lists and get priced.
    const list = async () => ((await (await app.request('/api/crm/orders?limit=100', { token: seller })).json()) as { items: Array<{ id: string; status: string }> }).items;
    await until(
      async () => {
        const items = await list();
        return realOrders.every((id) => ['PRICE_CALCULATED', 'CANCELLED'].includes(items.find((item) => item.id === id)?.status ?? '')) ? true : undefined;
      },
      'the real orders priced and listed',
      30_000,
    );

    // No read of a touched order answers 5xx; a 4xx always has a code.
    const failures: string[] = [];
    for (const id of [...targets, ...realOrders]) {
      for (const [path, token] of [
        [`/api/shop/orders/${id}`, customer],
        [`/api/support/orders/${id}/history`, support],
        [`/api/support/orders/${id}/diagnosis`, support],
        [`/api/support/orders/${id}/state?revision=0`, support],
        [`/api/support/parked-events?orderId=${id}&state=all`, support],
      ] as const) {
        const response = await app.request(path, { token });
        const body = (await response.json().catch(() => null)) as { code?: unknown } | null;
        if (response.status >= 500 || (response.status >= 400 && typeof body?.code !== 'string'))
          failures.push(`${path}: ${response.status} ${JSON.stringify(body).slice(0, 200)}`);
      }
    }
    expect(failures).toEqual([]);
    const ready = await app.request('/health/ready');
    expect(ready.status).toBe(200);

    // Once pricing has settled, a rebuild (parking the same events) reproduces the live read models.
    await until(
      async () => {
        const { rows } = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM pgboss.job WHERE state IN ('created', 'retry', 'active')`);
        return rows[0]!.n === 0 && (await projected()) >= (await storeHead()) ? true : undefined;
      },
      'pricing jobs settled and projected',
      30_000,
    );
    const snapshot = async () => ({
      orders: (await sql.query('SELECT * FROM orders_current ORDER BY order_id')).rows,
      counts: (await sql.query('SELECT status, count FROM order_status_counts WHERE count <> 0 ORDER BY status')).rows,
    });
    const live = await snapshot();
    const quiet = { warn: () => undefined, log: () => undefined };
    // Read through the upcasters, as the app and the rebuild CLI (createEventStore) read.
    const rebuildStore = withUpcasting(new PostgresEventStore({ connectionString: app.database.url, poolSize: 2, logger: quiet }));
    try {
      const result = await rebuildReadModels({ connectionString: app.database.url, eventStore: rebuildStore, readModels: allReadModels(), batchSize: 16 });
      expect(result.parked).toBe(readModels.size);
    } finally {
      await rebuildStore.close();
    }
    expect(await snapshot()).toEqual(live);
  }, 180_000);
});

/** Values a bad producer puts where a field should be. */
const BAD_VALUES: readonly unknown[] = [null, 'not-a-number', '', -1, 1e15, 0.5, true, [], {}, 'x'.repeat(300), { nested: { deep: [1, 2, 3] } }, '2025-02-30T10:00:00Z'];
const BAD_METADATA: readonly unknown[] = [null, 'not an object', 42, [], {}, { occurredAt: 'yesterday' }, { occurredAt: '2025-02-30T10:00:00Z' }];
const OTHER_TYPES = ['GiftWrapped', 'orderSubmitted', ''];

function fuzzedEvent(random: () => number, targets: readonly string[]): { streamId: string; event: NewEvent; note: string } {
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const roll = random();
  const streamId = roll < 0.05 ? `misc-${randomUUID()}` : roll < 0.15 ? `order-${randomUUID()}` : `order-${pick(targets)}`;
  const type = random() < 0.08 ? pick(OTHER_TYPES) : pick(ORDER_EVENT_TYPES);
  const base = ORDER_EVENT_TYPES.includes(type as never) ? (fixture(type as (typeof ORDER_EVENT_TYPES)[number]).data as Record<string, unknown>) : { anything: 1 };
  let data: unknown = { ...base, ...(type === 'OrderSubmitted' || type === 'PriceCalculated' ? { submissionId: randomUUID() } : {}) };
  if (type === 'OrderInitiated') data = { ...(data as object), orderId: streamId.slice('order-'.length) };
  const metadata: Record<string, unknown> = {
    correlationId: randomUUID(),
    causationId: null,
    actor: { role: 'system', id: 'fuzz-producer' },
    occurredAt: new Date().toISOString(),
    schemaVersion: 1,
  };
  const notes: string[] = [];
  let meta: unknown = metadata;
  const mutation = random();
  if (mutation < 0.3) {
    const fields = Object.keys(data as object);
    const field = fields.length > 0 ? pick(fields) : 'x';
    const value = random() < 0.3 ? undefined : pick(BAD_VALUES);
    data = { ...(data as object), [field]: value };
    notes.push(`data.${field} = ${JSON.stringify(value)?.slice(0, 20)}`);
  } else if (mutation < 0.45) {
    data = pick(BAD_VALUES);
    notes.push(`data = ${JSON.stringify(data)?.slice(0, 20)}`);
  } else if (mutation < 0.65) {
    meta = pick(BAD_METADATA);
    notes.push(`metadata = ${JSON.stringify(meta)?.slice(0, 30)}`);
  } else if (mutation < 0.75) {
    meta = { ...metadata, actor: pick(BAD_VALUES) };
    notes.push('metadata.actor');
  } else if (mutation < 0.82) {
    // Readable here (JavaScript parses it) but refused by PostgreSQL (SQLSTATE 22008): found by splitting the batch.
    meta = { ...metadata, occurredAt: '2025-02-30T10:00:00Z' };
    notes.push('occurredAt PostgreSQL refuses');
  } else {
    notes.push('valid');
  }
  return { streamId, event: { id: randomUUID(), type, data: data === undefined ? null : data, metadata: meta as EventMetadata }, note: `${type} ${notes.join(', ')}` };
}
