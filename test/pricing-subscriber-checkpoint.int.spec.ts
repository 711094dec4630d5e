import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createDataSource, migrateDatabase } from '../src/infrastructure/database/data-source';
import { Database } from '../src/infrastructure/database/database';
import { CheckpointStoreMismatchError } from '../src/infrastructure/event-consumers/checkpoint-store';
import { EventConsumerMetrics } from '../src/infrastructure/event-consumers/event-consumer-metrics';
import { ParkingConsumerRegistry } from '../src/infrastructure/event-consumers/parked-events.registry';
import { PostgresEventStore } from '../src/infrastructure/event-store/postgres/postgres-event-store';
import { ReadinessRegistry } from '../src/infrastructure/health/readiness.registry';
import { PricingCheckpointsRepository } from '../src/modules/pricing/jobs/pricing-checkpoints.repository';
import { PRICING_SUBSCRIBER, PricingSubscriber } from '../src/modules/pricing/jobs/pricing-subscriber';
import { PricingMetrics } from '../src/modules/pricing/pricing-metrics';
import { ALL_MIGRATIONS } from '../src/migrations';
import { newEvent } from './contract/event-store.contract';
import { createTestDatabase, type TestDatabase } from './support/test-database';
import { until } from './support/until';

/**
 * The pricing subscriber's checkpoint belongs to one event store: started on
 * another (a site that switched to KurrentDB), or past the store's head, it
 * refuses to start rather than skip or repeat submissions.
 */
describe('PricingSubscriber checkpoint and event store', () => {
  let database: TestDatabase;
  let db: DataSource;
  let store: PostgresEventStore;
  let head: bigint;

  beforeAll(async () => {
    database = await createTestDatabase('pricing_checkpoint');
    await migrateDatabase(database.url, ALL_MIGRATIONS);
    db = await createDataSource({ url: database.url, poolSize: 2 }).initialize();
    store = new PostgresEventStore({ connectionString: database.url, poolSize: 2, logger: { warn: () => undefined } });
    // Not an order event the subscriber acts on: only the head matters here.
    head = (await store.append(`order-${randomUUID()}`, [newEvent()], 'no_stream')).position;
    // The store's head is its visible head: on a shared server another test's open transaction can hold it back a moment.
    await until(async () => (((await store.headPosition()) ?? -1n) >= head ? true : undefined), 'the append to be visible', 30_000);
  });
  afterAll(async () => {
    // Bounded, and loud about it: in one CI run of many on a shared server this clean-up outlived the hook's 60 s
    // (not reproduced alone or three at a time); the checks above are what this file tests.
    const bounded = async (step: string, work: () => Promise<unknown>) => {
      const late = setTimeout(() => console.warn(`pricing checkpoint test clean-up: ${step} still running after 15 s`), 15_000);
      await Promise.race([work(), sleep(20_000)]).finally(() => clearTimeout(late));
    };
    await bounded('closing the event store', () => store?.close() ?? Promise.resolve());
    await bounded('closing the data source', () => db?.destroy() ?? Promise.resolve());
    await bounded('dropping the database', () => database?.drop() ?? Promise.resolve());
  });

  // Queue, orders and parked events are not reached before the checkpoint check (nor with no order events after it).
  const subscriber = () =>
    new PricingSubscriber(
      store,
      new PricingCheckpointsRepository(Database.onPrimary(db)),
      null as never,
      null as never,
      null as never,
      new EventConsumerMetrics(),
      new ParkingConsumerRegistry(),
      new ReadinessRegistry(),
      new PricingMetrics(),
    );
  const setCheckpoint = (position: bigint, eventStore: string) =>
    db.query(
      `INSERT INTO pricing_checkpoints (subscriber, position, event_store) VALUES ($1, $2::bigint, $3)
       ON CONFLICT (subscriber) DO UPDATE SET position = EXCLUDED.position, event_store = EXCLUDED.event_store`,
      [PRICING_SUBSCRIBER, String(position), eventStore],
    );

  it('refuses a checkpoint recorded on another event store, naming both and the runbook', async () => {
    await setCheckpoint(head, 'kurrentdb');

    const error = await subscriber()
      .start()
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(CheckpointStoreMismatchError);
    expect((error as Error).message).toMatch(/recorded on the 'kurrentdb' event store, but this app now runs on 'postgres'.*OPERATIONS\.md/);
  });

  it('refuses a checkpoint past the head of this store', async () => {
    await setCheckpoint(head + 1n, 'postgres');

    await expect(subscriber().start()).rejects.toThrow(/lies past the newest event/);
  });

  it("starts from this store's checkpoint", async () => {
    await setCheckpoint(head, 'postgres');
    const started = subscriber();

    await started.start();
    await started.stop();
  });
});
