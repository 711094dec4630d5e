import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { migrateDatabase } from '../src/infrastructure/database/data-source';
import type { NewEvent, RecordedEvent } from '../src/infrastructure/event-store/event-store.port';
import { PostgresEventStore } from '../src/infrastructure/event-store/postgres/postgres-event-store';
import { OrdersCurrentReadModel } from '../src/projections/read-models/orders-current/orders-current.read-model';
import { Projector, type ProjectorObserver, type ProjectorRole } from '../src/projections/runtime/projector';
import type { ApplyResult, ReadModel, SqlClient } from '../src/projections/runtime/read-model';
import { createTestDatabase, type TestDatabase } from './support/test-database';

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

const initiated = (orderId: string, customerRef = 'cust-1') =>
  envelope('OrderInitiated', { orderId, customerRef, channel: 'shop', partnerId: null, material: 'GOLD_750' });
const uploaded = () =>
  envelope('ModelUploaded', { blobKey: 'k', sha256: 'x', sizeBytes: 1, format: 'stl-binary', source: 'upload', catalogItemId: null, triangleCount: 12 });

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

class RecordingObserver implements ProjectorObserver {
  role: ProjectorRole = 'starting';
  events = 0;
  roleChanged(role: ProjectorRole): void {
    this.role = role;
  }
  batchApplied(batch: { events: number }): void {
    this.events += batch.events;
  }
  caughtUp(): void {}
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe('projector runtime (PostgreSQL)', () => {
  let database: TestDatabase;
  let store: PostgresEventStore;
  let sql: Client;
  const projectors: Projector[] = [];

  beforeEach(async () => {
    database = await createTestDatabase('projections');
    await migrateDatabase(database.url);
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
    return waitFor(`the projector to reach the head ${String(head)}`, async () => ((await checkpoint()) === head ? head : undefined)).catch(async (error: unknown) => {
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

  it('keeps exactly one leader, and a standby takes over when the leader dies', async () => {
    const observerA = new RecordingObserver();
    const observerB = new RecordingObserver();
    const a = projector([new OrdersCurrentReadModel(), new EventLogReadModel()], observerA);
    a.start();
    await waitFor('A to lead', () => observerA.role === 'leader');
    projector([new OrdersCurrentReadModel(), new EventLogReadModel()], observerB).start();
    await waitFor('B to stand by', () => observerB.role === 'standby');

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
    await waitFor('B to lead', () => observerB.role === 'leader');
    await caughtUp();
    expect(observerB.events).toBe(20);
    await expectExactlyOnce([...first, ...second]);
  });
});
