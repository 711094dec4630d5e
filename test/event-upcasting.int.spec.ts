import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { AppSettings } from '../src/config/app-settings';
import { loadConfig } from '../src/config/config';
import { migrateDatabase } from '../src/infrastructure/database/data-source';
import { createEventStore } from '../src/infrastructure/event-store/event-store.module';
import type { EventActor, EventStore, NewEvent } from '../src/infrastructure/event-store/event-store.port';
import { PostgresEventStore } from '../src/infrastructure/event-store/postgres/postgres-event-store';
import { buildTimeline } from '../src/modules/support/history/order-timeline';
import { allReadModels } from '../src/projections/read-models';
import { Projector } from '../src/projections/runtime/projector';
import type { CommandContext } from '../src/shared/order-commands/command-context';
import { OrderCommandExecutor } from '../src/shared/order-commands/order-command.executor';
import { CONTRACT_CARRIER, type OrderCommand } from '../src/shared/order-lifecycle';
import { ALL_MIGRATIONS } from '../src/migrations';
import { createTestDatabase, type TestDatabase } from './support/test-database';
import { until } from './support/until';

/**
 * OrderShipped changed shape once (v1 named no carrier, v2 names it). An
 * order shipped under v1, stored as v1 (the frozen fixture's events), and an
 * order shipped now, stored as v2, live side by side in one real PostgreSQL
 * store. Read through the store the app builds (createEventStore), both are
 * v2 for every reader: the decider closes both, the projector lists both,
 * support's history shows both; the stored rows stay as they were written.
 */

const quiet = { warn: () => undefined, log: () => undefined };
const DHL = { code: 'DHL_PARCEL', name: 'DHL Parcel' };

interface FrozenEvent extends Omit<NewEvent, 'metadata'> {
  metadata: NewEvent['metadata'];
  streamId: string;
}

describe('an old (v1) and a new (v2) OrderShipped stream, side by side', () => {
  let database: TestDatabase;
  let store: EventStore;
  let sql: Client;
  let executor: OrderCommandExecutor;
  let projector: Projector;
  let oldOrder: string;
  let newOrder: string;

  const actor = (role: EventActor['role'], id: string): CommandContext => ({ actor: { role, id }, correlationId: randomUUID(), causationId: null });
  const run = (orderId: string, command: Omit<OrderCommand, 'metadata'>, context: CommandContext) =>
    executor.execute(orderId, { ...command, metadata: { now: new Date().toISOString(), actor: context.actor } } as OrderCommand, context);

  beforeAll(async () => {
    database = await createTestDatabase('event_upcasting');
    await migrateDatabase(database.url, ALL_MIGRATIONS);
    const settings = new AppSettings(loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' }), database.url, 'unused-by-this-test-unused-by-this-test', 'unused');
    store = createEventStore(settings);
    executor = new OrderCommandExecutor(store, settings);
    sql = new Client({ connectionString: database.url });
    await sql.connect();

    // The old order: a stream written by the code of the fixture's day, up to and including its v1 OrderShipped.
    const frozen = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'events-v1.json'), 'utf8')) as Array<{ name: string; events: FrozenEvent[] }>;
    const carrierClosed = frozen.find((stream) => stream.name === 'shop order closed by the carrier')!.events;
    const untilShipped = carrierClosed.slice(0, carrierClosed.findIndex((event) => event.type === 'OrderShipped') + 1);
    oldOrder = untilShipped[0]!.streamId.slice('order-'.length);
    await store.append(
      `order-${oldOrder}`,
      untilShipped.map(({ id, type, data, metadata }) => ({ id, type, data, metadata })),
      'no_stream',
    );

    // The new order: every step decided now, shipped with a named carrier.
    newOrder = randomUUID();
    const customer = actor('customer', 'cust-v2');
    const operator = actor('operator', 'op-v2');
    await run(newOrder, { type: 'InitiateOrder', data: { orderId: newOrder, customerRef: 'cust-v2', channel: 'shop', partnerId: null, material: 'GOLD_750' } }, customer);
    await run(
      newOrder,
      { type: 'AttachModel', data: { source: 'upload', blobKey: `models/${newOrder}/1.stl`, sha256: 'a'.repeat(64), sizeBytes: 684, format: 'stl-binary', triangleCount: 12 } },
      customer,
    );
    const submitted = await run(newOrder, { type: 'SubmitOrder', data: { submissionId: randomUUID() } }, customer);
    const breakdown = { material: 'GOLD_750', massGrams: 7, volumeMm3: 470, surfaceAreaMm2: 980, materialCost: 360, labourCost: 50, minimumApplied: false, lines: [] };
    await run(newOrder, { type: 'RecordPrice', data: { submissionId: submitted.state.submissionId!, currency: 'EUR', total: 410, breakdown } }, actor('pricing', 'pricing-worker'));
    await run(newOrder, { type: 'ApproveManufacturing', data: { approvedVia: 'seller' } }, actor('seller', 'seller-v2'));
    await run(newOrder, { type: 'StartManufacturing', data: {} }, operator);
    await run(newOrder, { type: 'CompleteManufacturing', data: {} }, operator);
    await run(newOrder, { type: 'StartPackaging', data: {} }, operator);
    await run(newOrder, { type: 'ShipOrder', data: { trackingNumber: '00340434161094042557', carrier: DHL } }, operator);

    projector = new Projector({ connectionString: database.url, eventStore: store, readModels: allReadModels(), standbyRetryMs: 100, logger: quiet });
    projector.start();
  });
  afterAll(async () => {
    await projector?.stop();
    await sql?.end();
    await store?.close();
    await database?.drop();
  });

  async function storedShipped(orderId: string) {
    const { rows } = await sql.query<{ data: Record<string, unknown>; version: number }>(
      `SELECT data, (metadata->>'schemaVersion')::int AS version FROM event_store.events WHERE stream_id = $1 AND event_type = 'OrderShipped'`,
      [`order-${orderId}`],
    );
    return rows;
  }

  it('stores each OrderShipped as it was written: v1 without a carrier, v2 with one', async () => {
    expect(await storedShipped(oldOrder)).toEqual([{ data: { operatorRef: 'operator-fixture-1', trackingNumber: 'TRK-000123' }, version: 1 }]);
    expect(await storedShipped(newOrder)).toEqual([{ data: { operatorRef: 'op-v2', carrier: DHL, trackingNumber: '00340434161094042557' }, version: 2 }]);
    // The adapter alone hands out what is stored; the store the app builds hands out v2.
    const raw = new PostgresEventStore({ connectionString: database.url, poolSize: 1, logger: quiet });
    try {
      expect((await raw.readStream(`order-${oldOrder}`)).at(-1)).toMatchObject({ type: 'OrderShipped', metadata: { schemaVersion: 1 } });
    } finally {
      await raw.close();
    }
    for (const orderId of [oldOrder, newOrder]) {
      const shipped = (await store.readStream(`order-${orderId}`)).at(-1)!;
      expect(shipped).toMatchObject({ type: 'OrderShipped', data: { carrier: expect.objectContaining({ code: expect.any(String) }) }, metadata: { schemaVersion: 2 } });
      const all = await store.readAll({ limit: 1000 });
      expect(all.find((event) => event.id === shipped.id)).toEqual(shipped);
    }
  });

  it('lets the decider read both and close both', async () => {
    const before = await Promise.all([executor.load(oldOrder), executor.load(newOrder)]);
    expect(before.map(({ state }) => ({ status: state.status, carrier: state.carrier, trackingNumber: state.trackingNumber }))).toEqual([
      { status: 'SHIPPED', carrier: CONTRACT_CARRIER, trackingNumber: 'TRK-000123' },
      { status: 'SHIPPED', carrier: DHL, trackingNumber: '00340434161094042557' },
    ]);
    const carrier = actor('carrier', 'carrier-webhook');
    for (const orderId of [oldOrder, newOrder]) {
      const closed = await run(orderId, { type: 'CloseOrder', data: { closedVia: 'carrier', deliveredAt: '2026-12-04T10:00:00.000Z' } }, carrier);
      expect(closed.state).toMatchObject({ status: 'CLOSED', closedVia: 'carrier' });
    }
  });

  it('lets the projector list both, parking nothing', async () => {
    const rows = await until(async () => {
      const { rows } = await sql.query<{ order_id: string; status: string; tracking_number: string; operator_ref: string }>(
        'SELECT order_id, status, tracking_number, operator_ref FROM orders_current WHERE order_id = ANY($1::uuid[]) ORDER BY tracking_number DESC',
        [[oldOrder, newOrder]],
      );
      return rows.length === 2 && rows.every((row) => row.status === 'CLOSED') ? rows : undefined;
    }, 'both orders projected as CLOSED');
    expect(rows).toEqual([
      { order_id: oldOrder, status: 'CLOSED', tracking_number: 'TRK-000123', operator_ref: 'operator-fixture-1' },
      { order_id: newOrder, status: 'CLOSED', tracking_number: '00340434161094042557', operator_ref: 'op-v2' },
    ]);
    expect((await sql.query('SELECT * FROM parked_events')).rows).toEqual([]);
  });

  it("shows both in support's history in the current shape", async () => {
    for (const [orderId, carrier] of [
      [oldOrder, CONTRACT_CARRIER],
      [newOrder, DHL],
    ] as const) {
      const timeline = buildTimeline(orderId, await store.readStream(`order-${orderId}`), new Date());
      expect(timeline).toMatchObject({ status: 'CLOSED', corrupt: false });
      const shipped = timeline.events.find((entry) => entry.type === 'OrderShipped')!;
      expect(shipped).toMatchObject({ schemaVersion: 2, statusAfter: 'SHIPPED', data: { carrier }, problem: null });
    }
  });
});
