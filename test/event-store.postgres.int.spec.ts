import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { migrateDatabase } from '../src/infrastructure/database/data-source';
import { ALL_MIGRATIONS } from '../src/migrations';
import { EventStoreUnavailableError, type NewEvent, type Subscription } from '../src/infrastructure/event-store/event-store.port';
import { DuplicateEventIdError, TooManyEventsError } from '../src/infrastructure/event-store/postgres/postgres-errors';
import { PostgresEventStore } from '../src/infrastructure/event-store/postgres/postgres-event-store';
import { collector, type Collector, describeEventStoreContract, newEvent, newStream, readAllAfter } from './contract/event-store.contract';
import { createTestDatabase, type TestDatabase } from './support/test-database';
import { until } from './support/until';
import { closedPort } from './support/ports';

const quietLogger = () => {
  const warnings: string[] = [];
  return { warnings, warn: (message: string) => void warnings.push(message) };
};

async function migratedDatabase(label: string): Promise<TestDatabase> {
  const database = await createTestDatabase(label);
  await migrateDatabase(database.url, ALL_MIGRATIONS);
  return database;
}

describeEventStoreContract('postgres', async () => {
  const database = await migratedDatabase('event_store_contract');
  const store = new PostgresEventStore({ connectionString: database.url, poolSize: 12, logger: quietLogger() });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await database.drop();
    },
  };
});

describe('PostgresEventStore', () => {
  let database: TestDatabase;
  let store: PostgresEventStore;
  let logger: ReturnType<typeof quietLogger>;
  /** Sessions playing "another request's transaction". */
  const sessions: Client[] = [];
  const subscriptions: Subscription[] = [];

  beforeAll(async () => {
    database = await migratedDatabase('event_store_pg');
    logger = quietLogger();
    // No fallback poll within a test: deliveries must come from notifications and the retry backoff.
    store = new PostgresEventStore({ connectionString: database.url, poolSize: 6, pollIntervalMs: 60_000, logger });
  });
  afterEach(async () => {
    await Promise.all(subscriptions.splice(0).map((subscription) => subscription.stop()));
    await Promise.all(sessions.splice(0).map((session) => session.end()));
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
  });

  async function session(): Promise<Client> {
    const client = new Client({ connectionString: database.url });
    await client.connect();
    sessions.push(client);
    return client;
  }

  /** A subscription from the current head that has caught up. */
  async function liveCollector(): Promise<Collector> {
    const received = collector();
    subscriptions.push(store.subscribeToAll({ fromPosition: await store.headPosition() }, received.handler));
    await until(() => received.caughtUps > 0, 'the subscription to catch up', { timeoutMs: 5_000, intervalMs: 5 });
    return received;
  }

  it('reports no head on an empty store, then the position of the first event', async () => {
    const empty = await migratedDatabase('event_store_empty');
    const fresh = new PostgresEventStore({ connectionString: empty.url, poolSize: 2 });
    try {
      expect(await fresh.headPosition()).toBeUndefined();
      expect(await fresh.readAll()).toEqual([]);

      const result = await fresh.append(newStream(), [newEvent()], 'no_stream');

      expect(await fresh.headPosition()).toBe(result.position);
    } finally {
      await fresh.close();
      await empty.drop();
    }
  });

  it('holds back an event committed before an older transaction, then delivers both in order, skipping none', async () => {
    const received = await liveCollector();
    const start = received.events.at(-1)?.position ?? (await store.headPosition());
    const older = await session();
    const [streamA, streamB] = [newStream(), newStream()];
    const eventA = newEvent();
    const eventB = newEvent();

    await older.query('BEGIN');
    const positionA = await appendInSession(older, streamA, [eventA]);
    const resultB = await store.append(streamB, [eventB], 'no_stream');
    await sleep(300);

    // B is committed, yet must wait: A's transaction (a lower xid) could still commit below it.
    expect(resultB.position).toBeGreaterThan(positionA);
    expect(received.events.map((event) => event.id)).not.toContain(eventB.id);
    expect((await readAllAfter(store, start)).map((event) => event.id)).not.toContain(eventB.id);
    expect((await store.headPosition()) ?? -1n).toBeLessThan(positionA);

    await older.query('COMMIT');
    await until(() => received.events.length >= 2, 'both events', { timeoutMs: 5_000, intervalMs: 5 });

    expect(received.events.map((event) => event.id)).toEqual([eventA.id, eventB.id]);
    expect(received.events.map((event) => event.position)).toEqual([positionA, resultB.position]);
    expect((await readAllAfter(store, start)).map((event) => event.id)).toEqual([eventA.id, eventB.id]);
  });

  it('delivers soon after an older transaction aborts, though an abort sends no notification', async () => {
    const received = await liveCollector();
    const older = await session();
    const [streamA, streamB] = [newStream(), newStream()];
    const eventB = newEvent();
    await older.query('BEGIN');
    await appendInSession(older, streamA, [newEvent()]);
    await store.append(streamB, [eventB], 'no_stream');
    await sleep(300);
    expect(received.events).toEqual([]);

    const abortedAt = performance.now();
    await older.query('ROLLBACK');
    await until(() => received.events.length === 1, 'the event after the aborted transaction', { timeoutMs: 5_000, intervalMs: 5 });

    // The retry backoff tops out at 40 ms; the fallback poll (60 s here) plays no part.
    expect(performance.now() - abortedAt).toBeLessThan(1_000);
    expect(received.events[0]!.id).toBe(eventB.id);
    expect(await store.readStream(streamA)).toEqual([]);
  });

  it('refuses more than 4096 events in one append, and accepts 4096 at consecutive positions', async () => {
    const stream = newStream();
    const tooMany = Array.from({ length: 4097 }, () => newEvent());

    await expect(store.append(stream, tooMany, 'no_stream')).rejects.toBeInstanceOf(TooManyEventsError);
    expect(await store.readStream(stream)).toEqual([]);

    const result = await store.append(stream, tooMany.slice(0, 4096), 'no_stream');
    expect(result.nextExpectedRevision).toBe(4095n);
    const positions = (await store.readStream(stream)).map((event) => event.position);
    expect(positions[4095]! - positions[0]!).toBe(4095n);
    expect(positions[0]! % 4096n).toBe(0n);
  });

  it('refuses the append that would take one transaction past 4096 events', async () => {
    const client = await session();
    await client.query('BEGIN');
    await appendInSession(
      client,
      newStream(),
      Array.from({ length: 4000 }, () => newEvent()),
    );

    await expect(
      appendInSession(
        client,
        newStream(),
        Array.from({ length: 97 }, () => newEvent()),
      ),
    ).rejects.toMatchObject({
      code: 'ES413',
      message: expect.stringContaining('at most 4096 events fit in one transaction'),
    });
    await client.query('ROLLBACK');
  });

  it('gives several appends in one transaction distinct, consecutive, increasing positions', async () => {
    const client = await session();
    const [first, second] = [newStream(), newStream()];

    await client.query('BEGIN');
    const a = await appendInSession(client, first, [newEvent(), newEvent()]);
    const b = await appendInSession(client, second, [newEvent(), newEvent(), newEvent()]);
    const c = await appendInSession(client, first, [newEvent()]);
    await client.query('COMMIT');

    const positions = [...(await store.readStream(first)), ...(await store.readStream(second))].map((event) => event.position).sort((x, y) => (x < y ? -1 : 1));
    expect(positions).toEqual(Array.from({ length: 6 }, (_, index) => positions[0]! + BigInt(index)));
    expect([a, b, c]).toEqual([positions[1], positions[4], positions[5]]);
    expect((await store.readStream(first)).map((event) => event.revision)).toEqual([0n, 1n, 2n]);
  });

  it('makes a transaction that took its xid before a younger append to the stream retry (serialization failure)', async () => {
    const stream = newStream();
    await store.append(stream, [newEvent()], 'no_stream');
    const older = await session();
    await older.query('BEGIN');
    await older.query('SELECT pg_current_xact_id()'); // as if it had written something else first

    await store.append(stream, [newEvent()], 0n);

    // Appending now would put revision 2 below revision 1 in the global order.
    await expect(appendInSession(older, stream, [newEvent()])).rejects.toMatchObject({ code: '40001' });
    await older.query('ROLLBACK');
    expect(await store.readStream(stream)).toHaveLength(2);
  });

  it('refuses an event id that is already in another stream', async () => {
    const event = newEvent();
    const [first, second] = [newStream(), newStream()];
    await store.append(first, [event], 'no_stream');

    const error = await store.append(second, [event], 'no_stream').catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(DuplicateEventIdError);
    expect(error).toMatchObject({ streamId: second, existingStreamId: first });
    expect(await store.readStream(second)).toEqual([]);
  });

  it('maps the unique violation of a racing append with the same event id to DuplicateEventIdError', async () => {
    const event = newEvent();
    const racer = await session();
    await racer.query('BEGIN');
    await appendInSession(racer, newStream(), [event]);

    // Blocks on the uncommitted id until the racer commits, then hits the unique index.
    const losing = store.append(newStream(), [event], 'no_stream').catch((caught: unknown) => caught);
    await sleep(100);
    await racer.query('COMMIT');

    expect(await losing).toBeInstanceOf(DuplicateEventIdError);
  });

  it('reconnects its LISTEN connection and polls, so appends made meanwhile still arrive at once', async () => {
    const received = await liveCollector();
    const stream = newStream();
    const admin = await session();
    const [oldListener] = await listenerPids(admin);
    expect(oldListener).toBeDefined();

    await admin.query('SELECT pg_terminate_backend($1)', [oldListener]);
    await store.append(stream, [newEvent()], 'no_stream');
    await until(() => received.events.length === 1, 'the event appended while the listener was down', { timeoutMs: 3_000, intervalMs: 5 });

    await until(async () => (await listenerPids(admin)).some((pid) => pid !== oldListener), 'the LISTEN connection to come back', 5_000);
    const sentAt = performance.now();
    await store.append(stream, [newEvent()], 0n);
    await until(() => received.events.length === 2, 'the event appended after the reconnect', { timeoutMs: 3_000, intervalMs: 5 });
    expect(performance.now() - sentAt).toBeLessThan(500);
  });

  it('answers ping, and reports an unreachable server as EventStoreUnavailableError', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
    const away = new PostgresEventStore({ connectionString: `postgres://postgres@127.0.0.1:${await closedPort()}/none`, logger: quietLogger() });
    try {
      await expect(away.ping()).rejects.toBeInstanceOf(EventStoreUnavailableError);
      await expect(away.append(newStream(), [newEvent()], 'any')).rejects.toBeInstanceOf(EventStoreUnavailableError);
    } finally {
      await away.close();
    }
  });
});

/** Calls append_events in a session of the test's own, as a request's transaction would. Returns the last position. */
async function appendInSession(client: Client, streamId: string, events: NewEvent[]): Promise<bigint> {
  const { rows } = await client.query<{ last_position: string }>(
    `SELECT last_position::text AS last_position
       FROM event_store.append_events($1, -1, $2::uuid[], $3::text[], $4::jsonb[], $5::jsonb[])`,
    [
      streamId,
      events.map((event) => event.id),
      events.map((event) => event.type),
      events.map((event) => JSON.stringify(event.data)),
      events.map((event) => JSON.stringify(event.metadata)),
    ],
  );
  return BigInt(rows[0]!.last_position);
}

async function listenerPids(admin: Client): Promise<number[]> {
  const { rows } = await admin.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'alexandrite-event-store-listen'`,
  );
  return rows.map((row) => row.pid);
}
