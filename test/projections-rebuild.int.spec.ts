import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { migrateDatabase } from '../src/infrastructure/database/data-source';
import { ALL_MIGRATIONS } from '../src/migrations';
import type { NewEvent } from '../src/infrastructure/event-store/event-store.port';
import { PostgresEventStore } from '../src/infrastructure/event-store/postgres/postgres-event-store';
import { allReadModels } from '../src/projections/read-models';
import { type RebuildProgress, rebuildReadModels } from '../src/projections/rebuild/rebuild';
import { Projector } from '../src/projections/runtime/projector';
import { createTestDatabase, type TestDatabase } from './support/test-database';
import { until } from './support/until';

const quiet = { warn: () => undefined, log: () => undefined };

function envelope(type: string, data: unknown): NewEvent {
  return {
    id: randomUUID(),
    type,
    data,
    metadata: { correlationId: randomUUID(), causationId: null, actor: { role: 'operator', id: 'op-1' }, occurredAt: new Date().toISOString(), schemaVersion: 1 },
  };
}

/** An order's events up to a step that depends on i, so the rows spread over several statuses. */
function orderEvents(orderId: string, i: number): NewEvent[] {
  const events = [envelope('OrderInitiated', { orderId, customerRef: `cust-${i % 7}`, channel: 'shop', partnerId: null, material: 'SILVER_925' })];
  if (i % 3 === 0) return events;
  events.push(envelope('ModelUploaded', { blobKey: 'k', sha256: 'x', sizeBytes: 1, format: 'stl-binary', source: 'upload', catalogItemId: null, triangleCount: 12 }));
  if (i % 3 === 1) return events;
  const submissionId = randomUUID();
  events.push(envelope('OrderSubmitted', { submissionId }));
  events.push(envelope('PriceCalculated', { submissionId, currency: 'EUR', total: 100 + i / 4, breakdown: {} }));
  return events;
}

describe('projections:rebuild', () => {
  let database: TestDatabase;
  let store: PostgresEventStore;
  let sql: Client;
  let projector: Projector;

  beforeAll(async () => {
    database = await createTestDatabase('projections_rebuild');
    await migrateDatabase(database.url, ALL_MIGRATIONS);
    store = new PostgresEventStore({ connectionString: database.url, poolSize: 4, pollIntervalMs: 200, logger: quiet });
    sql = new Client({ connectionString: database.url });
    await sql.connect();
    projector = new Projector({ connectionString: database.url, eventStore: store, readModels: allReadModels(), standbyRetryMs: 100, logger: quiet });
    projector.start();
  });
  afterAll(async () => {
    await projector?.stop();
    await sql?.end();
    await store?.close();
    await database?.drop();
  });

  async function append(count: number): Promise<void> {
    for (let i = 0; i < count; i += 1) {
      const orderId = randomUUID();
      await store.append(`order-${orderId}`, orderEvents(orderId, i), 'no_stream');
    }
  }

  async function caughtUp(): Promise<void> {
    const { rows } = await sql.query<{ position: string }>('SELECT max(position)::text AS position FROM event_store.events');
    await until(
      async () => {
        const checkpoint = await sql.query<{ position: string | null }>(`SELECT position::text FROM projection_checkpoints WHERE projection = 'read-models'`);
        return checkpoint.rows[0]?.position === rows[0]!.position;
      },
      'the projector to catch up',
      20_000,
    );
  }

  const snapshot = async () => ({
    orders: (await sql.query('SELECT * FROM orders_current ORDER BY order_id')).rows,
    counts: (await sql.query('SELECT status, count FROM order_status_counts WHERE count <> 0 ORDER BY status')).rows,
    indexes: (
      await sql.query(
        `SELECT indexname, regexp_replace(indexdef, '_rebuild', '', 'g') AS def FROM pg_indexes WHERE tablename IN ('orders_current', 'order_status_counts') ORDER BY indexname`,
      )
    ).rows,
  });

  it('rebuilds read models equal to the live ones row for row, while the live ones keep answering and the projector keeps going', async () => {
    await append(300);
    await caughtUp();
    const live = await snapshot();
    expect(live.orders).toHaveLength(300);

    const progress: RebuildProgress[] = [];
    // Queries during the rebuild: the dashboard keeps answering from the live tables.
    let answered = 0;
    let querying = true;
    const reader = (async () => {
      const client = new Client({ connectionString: database.url });
      await client.connect();
      while (querying) {
        const { rows } = await client.query<{ n: string }>('SELECT count(*)::text AS n FROM orders_current');
        expect(Number(rows[0]!.n)).toBeGreaterThanOrEqual(300);
        answered += 1;
      }
      await client.end();
    })();
    const result = await rebuildReadModels({ connectionString: database.url, eventStore: store, readModels: allReadModels(), batchSize: 97, onProgress: (p) => progress.push(p) });
    querying = false;
    await reader;

    expect(result.events).toBe(Number((await sql.query<{ n: string }>('SELECT count(*)::text AS n FROM event_store.events')).rows[0]!.n));
    expect(progress.length).toBeGreaterThan(3);
    expect(progress.at(-1)!.events).toBe(result.events);
    expect(answered).toBeGreaterThan(0);
    expect(await snapshot()).toEqual(live);

    // The live projector goes on from the swapped-in checkpoint into the new tables.
    await append(20);
    await caughtUp();
    const after = await snapshot();
    expect(after.orders).toHaveLength(320);
    // And a second rebuild (names and indexes as the first expects them) still matches.
    await rebuildReadModels({ connectionString: database.url, eventStore: store, readModels: allReadModels() });
    expect(await snapshot()).toEqual(after);
  });
});
