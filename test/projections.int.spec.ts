import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { migrateDatabase } from '../src/infrastructure/database/data-source';
import { findFreePort } from '../src/infrastructure/database/free-port';
import { ALL_MIGRATIONS } from '../src/migrations';
import type { NewEvent, RecordedEvent } from '../src/infrastructure/event-store/event-store.port';
import { PostgresEventStore } from '../src/infrastructure/event-store/postgres/postgres-event-store';
import { OrdersCurrentReadModel } from '../src/projections/read-models/orders-current/orders-current.read-model';
import { rebuildReadModels } from '../src/projections/rebuild/rebuild';
import { Projector, type ProjectorObserver, type ProjectorRole } from '../src/projections/runtime/projector';
import type { ApplyResult, ReadModel, SqlClient } from '../src/projections/runtime/read-model';
import { startTcpForwarder } from './support/tcp-forwarder';
import { createTestDatabase, type TestDatabase } from './support/test-database';
import { until } from './support/until';

/**
 * The projector against a real PostgreSQL: exactly-once effect across a
 * crash in the middle of a batch, and leader failover between two projector
 * instances sharing one database.
 */

const quiet = { warn: () => undefined, log: () => undefined };

function envelope(type: string, data: unknown, occurredAt = new Date().toISOString()): NewEvent {
  return {
    id: randomUUID(),
    type,
    data,
    metadata: { correlationId: randomUUID(), causationId: null, actor: { role: 'customer', id: 'cust-1' }, occurredAt, schemaVersion: 1 },
  };
}

const initiated = (orderId: string, customerRef = 'cust-1', occurredAt?: string) =>
  envelope('OrderInitiated', { orderId, customerRef, channel: 'shop', partnerId: null, material: 'GOLD_750' }, occurredAt);
const uploaded = () => envelope('ModelUploaded', { blobKey: 'k', sha256: 'x', sizeBytes: 1, format: 'stl-binary', source: 'upload', catalogItemId: null, triangleCount: 12 });

/**
 * Records every event it is given into its own table, in the projector's
 * transaction: a row per (position) that must end up exactly once.
 */
class EventLogReadModel implements ReadModel {
  readonly name = 'test-event-log';
  readonly tables = ['test_event_log'] as const;
  async createTables(client: SqlClient): Promise<void> {
    await client.query('CREATE TABLE IF NOT EXISTS test_event_log (position bigint NOT NULL)');
  }
  async createIndexes(): Promise<void> {}
  async apply(client: SqlClient, events: readonly RecordedEvent[]): Promise<ApplyResult> {
    await client.query('INSERT INTO test_event_log (position) SELECT unnest($1::bigint[])', [events.map((event) => String(event.position))]);
    return { rowsChanged: events.length };
  }
}

/** Kills its own connection (as a crashed process would lose it) once, after the other read models wrote their part of the batch. */
class CrashOnceReadModel implements ReadModel {
  readonly name = 'test-crash';
  readonly tables = [] as const;
  crashes = 0;
  constructor(private armed: (events: readonly RecordedEvent[]) => boolean) {}
  async createTables(): Promise<void> {}
  async createIndexes(): Promise<void> {}
  async apply(client: SqlClient, events: readonly RecordedEvent[]): Promise<ApplyResult> {
    if (this.armed(events)) {
      this.armed = () => false;
      this.crashes += 1;
      await client.query('SELECT pg_terminate_backend(pg_backend_pid())');
    }
    return { rowsChanged: 0 };
  }
}

/** Fails on chosen events as a read model's bug would (a TypeError), and on any batch once as the world would (a serialization failure). */
class FailingReadModel implements ReadModel {
  readonly name = 'test-failing';
  readonly tables = [] as const;
  transientFailures = 0;
  constructor(
    private readonly poison: Set<bigint>,
    private transientOnce: (events: readonly RecordedEvent[]) => boolean = () => false,
  ) {}
  async createTables(): Promise<void> {}
  async createIndexes(): Promise<void> {}
  async apply(_client: SqlClient, events: readonly RecordedEvent[]): Promise<ApplyResult> {
    if (this.transientOnce(events)) {
      this.transientOnce = () => false;
      this.transientFailures += 1;
      throw Object.assign(new Error('could not serialize access due to concurrent update'), { code: '40001' });
    }
    const bad = events.find((event) => this.poison.has(event.position));
    if (bad) throw new TypeError(`Cannot read properties of undefined (reading 'x') at ${String(bad.position)}`);
    return { rowsChanged: 0 };
  }
}

class RecordingObserver implements ProjectorObserver {
  role: ProjectorRole = 'starting';
  events = 0;
  parked: bigint[] = [];
  failures = 0;
  roleChanged(role: ProjectorRole): void {
    this.role = role;
  }
  batchApplied(batch: { events: number }): void {
    this.events += batch.events;
  }
  caughtUp(): void {}
  eventParked(parked: { event: RecordedEvent }): void {
    this.parked.push(parked.event.position);
  }
  batchFailed(): void {
    this.failures += 1;
  }
}

describe('projector runtime (PostgreSQL)', () => {
  let database: TestDatabase;
  let store: PostgresEventStore;
  let sql: Client;
  const projectors: Projector[] = [];

  beforeEach(async () => {
    database = await createTestDatabase('projections');
    await migrateDatabase(database.url, ALL_MIGRATIONS);
    store = new PostgresEventStore({ connectionString: database.url, poolSize: 4, pollIntervalMs: 200, logger: quiet });
    sql = new Client({ connectionString: database.url });
    await sql.connect();
    await new EventLogReadModel().createTables(sql);
  });
  afterEach(async () => {
    await Promise.all(projectors.splice(0).map((projector) => projector.stop()));
    await sql.end();
    await store.close();
    await database.drop();
  });

  function projector(readModels: ReadModel[], observer = new RecordingObserver(), batchSize = 100): Projector {
    const created = new Projector({ connectionString: database.url, eventStore: store, readModels, standbyRetryMs: 100, batchSize, observer, logger: quiet });
    projectors.push(created);
    return created;
  }

  async function appendOrders(count: number, withUpload = true): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i += 1) {
      const orderId = randomUUID();
      ids.push(orderId);
      await store.append(`order-${orderId}`, withUpload ? [initiated(orderId), uploaded()] : [initiated(orderId)], 'no_stream');
    }
    return ids;
  }

  async function checkpoint(): Promise<bigint | null> {
    const { rows } = await sql.query<{ position: string | null }>(`SELECT position::text AS position FROM projection_checkpoints WHERE projection = 'read-models'`);
    return rows[0]?.position == null ? null : BigInt(rows[0].position);
  }

  async function caughtUp(): Promise<bigint> {
    // Every append has returned, so every event is committed: the true head (headPosition stops below open transactions).
    const { rows } = await sql.query<{ position: string }>('SELECT max(position)::text AS position FROM event_store.events');
    const head = BigInt(rows[0]!.position);
    return until(async () => ((await checkpoint()) === head ? head : undefined), `the projector to reach the head ${String(head)}`, 20_000).catch(async (error: unknown) => {
      throw new Error(`${String(error)}; checkpoint ${String(await checkpoint())}`);
    });
  }

  /** Every event applied exactly once: the log has each position once, and the counts match the rows. */
  async function expectExactlyOnce(orderIds: string[]): Promise<void> {
    const all = await store.readAll({ limit: 100_000 });
    const log = await sql.query<{ position: string; times: string }>('SELECT position::text, count(*)::text AS times FROM test_event_log GROUP BY position ORDER BY position');
    expect(log.rows.filter((row) => row.times !== '1')).toEqual([]);
    expect(log.rows.map((row) => row.position)).toEqual(all.map((event) => String(event.position)));
    const rows = await sql.query<{ order_id: string; status: string; revision: string }>('SELECT order_id::text, status, revision::text FROM orders_current ORDER BY order_id');
    expect(rows.rows).toEqual([...orderIds].sort().map((id) => ({ order_id: id, status: 'FILE_UPLOADED', revision: '1' })));
    const counts = await sql.query<{ status: string; count: string }>('SELECT status, count::text FROM order_status_counts WHERE count <> 0 ORDER BY status');
    expect(counts.rows).toEqual([{ status: 'FILE_UPLOADED', count: String(orderIds.length) }]);
  }

  it('applies catch-up in batches, then follows live appends', async () => {
    const before = await appendOrders(30);
    const observer = new RecordingObserver();
    projector([new OrdersCurrentReadModel(), new EventLogReadModel()], observer, 25).start();
    await caughtUp();
    // 60 events at 25 per batch: catch-up came in batches, not one event per transaction.
    const batches = await sql.query<{ n: string }>('SELECT count(*)::text AS n FROM test_event_log');
    expect(batches.rows[0]?.n).toBe('60');
    const after = await appendOrders(5);
    await caughtUp();
    await expectExactlyOnce([...before, ...after]);
    expect(observer.role).toBe('leader');
    expect(observer.events).toBe(70);
  });

  it('keeps trying through a proxy that accepts connections while no server is behind it (a Service during a failover)', async () => {
    const orderIds = await appendOrders(5);
    // Nothing listens on `dead`: the forwarder accepts each connection, then closes it, as a Service with no endpoint does.
    const dead = await findFreePort();
    const forwarder = await startTcpForwarder(dead);
    try {
      const url = new URL(database.url);
      const serverPort = Number(url.port || 5432);
      url.port = String(forwarder.port);
      const created = new Projector({
        connectionString: url.toString(),
        eventStore: store,
        readModels: [new OrdersCurrentReadModel(), new EventLogReadModel()],
        standbyRetryMs: 100,
        logger: quiet,
      });
      projectors.push(created);
      created.start();
      await sleep(600);
      forwarder.switchTo(serverPort);
      await caughtUp();
      await expectExactlyOnce(orderIds);
    } finally {
      // Bounded: the fault this test guards against also kept stop() waiting for ever.
      await Promise.race([Promise.all(projectors.splice(0).map((projector) => projector.stop())), sleep(5_000)]);
      await forwarder.close();
    }
  });

  it('lands every event exactly once when the connection dies in the middle of a batch', async () => {
    const first = await appendOrders(40);
    // Crash inside the transaction of the second catch-up batch, after orders_current and the log were written.
    let batchesSeen = 0;
    const crash = new CrashOnceReadModel(() => ++batchesSeen === 2);
    projector([new OrdersCurrentReadModel(), new EventLogReadModel(), crash], new RecordingObserver(), 30).start();
    await caughtUp();
    expect(crash.crashes).toBe(1);
    const second = await appendOrders(3);
    await caughtUp();
    await expectExactlyOnce([...first, ...second]);
  });

  it('resumes from its checkpoint after a restart without re-applying anything', async () => {
    const first = await appendOrders(10);
    const one = projector([new OrdersCurrentReadModel(), new EventLogReadModel()]);
    one.start();
    await caughtUp();
    await one.stop();
    const second = await appendOrders(10);
    projector([new OrdersCurrentReadModel(), new EventLogReadModel()]).start();
    await caughtUp();
    await expectExactlyOnce([...first, ...second]);
  });

  it("refuses a checkpoint of another event store or past the head (it would skip or repeat events), until a rebuild makes it this store's", async () => {
    const first = await appendOrders(3);
    const one = projector([new OrdersCurrentReadModel()]);
    one.start();
    const head = await caughtUp();
    await one.stop();
    const tag = async () =>
      (await sql.query<{ event_store: string | null }>(`SELECT event_store FROM projection_checkpoints WHERE projection = 'read-models'`)).rows[0]?.event_store;
    expect(await tag()).toBe('postgres');

    // The site switched stores: the row says another store recorded this position.
    await sql.query(`UPDATE projection_checkpoints SET event_store = 'kurrentdb'`);
    const second = await appendOrders(2);
    const warnings: string[] = [];
    const refusing = new Projector({
      connectionString: database.url,
      eventStore: store,
      readModels: [new OrdersCurrentReadModel()],
      standbyRetryMs: 100,
      logger: { log: () => undefined, warn: (message) => void warnings.push(message) },
    });
    projectors.push(refusing);
    refusing.start();
    await until(() => warnings.find((message) => message.includes("recorded on the 'kurrentdb' event store, but this app now runs on 'postgres'")), 'the refusal', 20_000);
    expect(await checkpoint()).toBe(head);

    // This store's tag, but a position it never reached (a restored or different store).
    await sql.query(`UPDATE projection_checkpoints SET event_store = 'postgres', position = position + 1000000000000`);
    await until(() => warnings.find((message) => message.includes('lies past the newest event')), 'the refusal past the head', 20_000);
    expect(await checkpoint()).toBe(head + 1_000_000_000_000n);

    // The remedy: a rebuild from this store resets the checkpoint and its tag; the projector then resumes by itself.
    await rebuildReadModels({ connectionString: database.url, eventStore: store, readModels: [new OrdersCurrentReadModel()] });
    expect(await tag()).toBe('postgres');
    await caughtUp();
    const rows = await sql.query<{ count: string }>('SELECT count(*)::text AS count FROM orders_current');
    expect(rows.rows[0]!.count).toBe(String(first.length + second.length));
  });

  it('parks poison events (an unreadable event, a value PostgreSQL refuses, a read model that throws) and applies every other event exactly once', async () => {
    const good = await appendOrders(20);
    // An event whose metadata is not an object: the read model names it (UnprocessableEventError).
    const unreadable = (await store.append(`order-${good[3]}`, [{ ...envelope('OrderSubmitted', { submissionId: randomUUID() }), metadata: null as never }], 1n)).position;
    // A date JavaScript reads and PostgreSQL refuses (SQLSTATE 22008): found by splitting the batch.
    const invalidDateOrder = randomUUID();
    const invalidDate = (await store.append(`order-${invalidDateOrder}`, [initiated(invalidDateOrder, 'cust-1', '2025-02-30T10:00:00Z')], 'no_stream')).position;
    const more = await appendOrders(20);
    // An event another read model cannot apply (a TypeError in its code).
    const { rows } = await sql.query<{ position: string }>(`SELECT position::text AS position FROM event_store.events WHERE stream_id = $1 AND stream_revision = 1`, [
      `order-${more[7]}`,
    ]);
    const thrown = BigInt(rows[0]!.position);
    const observer = new RecordingObserver();
    projector([new OrdersCurrentReadModel(), new EventLogReadModel(), new FailingReadModel(new Set([thrown]))], observer, 30).start();
    await caughtUp();

    expect(observer.parked.sort()).toEqual([unreadable, invalidDate, thrown].sort());
    expect(observer.failures).toBe(0);
    const parked = await sql.query<{ position: string; stream_id: string; event_type: string; error: string; state: string }>(
      `SELECT position::text AS position, stream_id, event_type, error, state FROM parked_events WHERE consumer = 'read-models' ORDER BY position`,
    );
    expect(parked.rows).toEqual(
      [
        { position: String(unreadable), stream_id: `order-${good[3]}`, event_type: 'OrderSubmitted', error: expect.stringMatching(/metadata must be an object/), state: 'parked' },
        {
          position: String(invalidDate),
          stream_id: `order-${invalidDateOrder}`,
          event_type: 'OrderInitiated',
          error: expect.stringMatching(/out of range.*SQLSTATE 22008/),
          state: 'parked',
        },
        { position: String(thrown), stream_id: `order-${more[7]}`, event_type: 'ModelUploaded', error: expect.stringMatching(/Cannot read properties/), state: 'parked' },
      ].sort((a, b) => (BigInt(a.position) < BigInt(b.position) ? -1 : 1)),
    );
    // Everything else landed once; the parked events left nothing behind (their slice was rolled back).
    const all = await store.readAll({ limit: 100_000 });
    const log = await sql.query<{ position: string; times: string }>('SELECT position::text, count(*)::text AS times FROM test_event_log GROUP BY position ORDER BY position');
    expect(log.rows.filter((row) => row.times !== '1')).toEqual([]);
    expect(log.rows.map((row) => row.position)).toEqual(
      all.map((event) => String(event.position)).filter((position) => ![unreadable, invalidDate, thrown].map(String).includes(position)),
    );
    const statuses = await sql.query<{ order_id: string; status: string }>('SELECT order_id::text, status FROM orders_current ORDER BY order_id');
    expect(statuses.rows).toHaveLength(40);
    expect(statuses.rows.find((row) => row.order_id === good[3])?.status).toBe('FILE_UPLOADED');
    expect(statuses.rows.find((row) => row.order_id === more[7])?.status).toBe('INITIATED');
  });

  it('retries a batch that failed for a reason that is not an event (a serialization failure) instead of parking anything', async () => {
    const orders = await appendOrders(10);
    const failing = new FailingReadModel(new Set(), (events) => events.length > 0);
    const observer = new RecordingObserver();
    projector([new OrdersCurrentReadModel(), new EventLogReadModel(), failing], observer, 30).start();
    await caughtUp();
    expect(failing.transientFailures).toBe(1);
    expect(observer.failures).toBe(1);
    expect(observer.parked).toEqual([]);
    expect((await sql.query('SELECT 1 FROM parked_events')).rowCount).toBe(0);
    await expectExactlyOnce(orders);
  });

  it('keeps exactly one leader, and a standby takes over when the leader dies', async () => {
    const observerA = new RecordingObserver();
    const observerB = new RecordingObserver();
    const a = projector([new OrdersCurrentReadModel(), new EventLogReadModel()], observerA);
    a.start();
    await until(() => observerA.role === 'leader', 'A to lead', 20_000);
    projector([new OrdersCurrentReadModel(), new EventLogReadModel()], observerB).start();
    await until(() => observerB.role === 'standby', 'B to stand by', 20_000);

    const first = await appendOrders(10);
    await caughtUp();
    expect(observerA.events).toBe(20);
    expect(observerB.events).toBe(0);
    expect(observerB.role).toBe('standby');

    // A "dies": its connection (and with it the session's advisory lock) goes, and it never comes back.
    const { rows } = await sql.query<{ pid: number }>(
      `SELECT l.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND a.datname = current_database() AND a.application_name = 'alexandrite-projector'`,
    );
    expect(rows).toHaveLength(1);
    await sql.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
    await a.stop();

    const second = await appendOrders(10);
    await until(() => observerB.role === 'leader', 'B to lead', 20_000);
    await caughtUp();
    expect(observerB.events).toBe(20);
    await expectExactlyOnce([...first, ...second]);
  });
});
