import { Client } from 'pg';
import { collector, newEvent, newStream } from '../../../../test/contract/event-store.contract';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/test-database';
import { migrateDatabase } from '../../database/data-source';
import { INFRASTRUCTURE_MIGRATIONS } from '../../database/migrations';
import type { Subscription } from '../event-store.port';
import { PostgresEventStore } from './postgres-event-store';
import { APPENDED_CHANNEL } from './queries';
import { until } from '../../../../test/support/until';

/**
 * Live delivery now that appends do not NOTIFY inside their own transaction
 * (append-notifier.ts): every append must still be followed by a NOTIFY sent
 * after its commit, whatever the coalescing.
 */
describe('PostgresEventStore notifications', () => {
  let database: TestDatabase;
  let store: PostgresEventStore;
  let listener: Client;
  let notifications = 0;
  const subscriptions: Subscription[] = [];
  const quiet = { warn: () => undefined };

  beforeAll(async () => {
    database = await createTestDatabase('event_store_notify');
    await migrateDatabase(database.url, INFRASTRUCTURE_MIGRATIONS);
    // No fallback poll: deliveries below can only come from notifications.
    store = new PostgresEventStore({ connectionString: database.url, poolSize: 8, pollIntervalMs: 60_000, logger: quiet });
    listener = new Client({ connectionString: database.url });
    await listener.connect();
    listener.on('notification', () => void notifications++);
    await listener.query(`LISTEN ${APPENDED_CHANNEL}`);
  });
  afterEach(async () => {
    await Promise.all(subscriptions.splice(0).map((subscription) => subscription.stop()));
  });
  afterAll(async () => {
    await listener.end();
    await store.close();
    await database.drop();
  });

  // With no delay, appends keep finishing while a NOTIFY is in flight: each such append needs one more after it.
  it.each([0, 5])('delivers every burst of concurrent appends live, with fewer NOTIFYs than appends (delay %i ms)', async (notifyDelayMs) => {
    const writer = new PostgresEventStore({ connectionString: database.url, poolSize: 8, notifyDelayMs, logger: quiet });
    try {
      await burstsArriveLive(writer);
    } finally {
      await writer.close();
    }
  });

  async function burstsArriveLive(writer: PostgresEventStore): Promise<void> {
    const received = collector();
    subscriptions.push(store.subscribeToAll({ fromPosition: await store.headPosition() }, received.handler));
    await until(() => received.caughtUps > 0, 'the subscription to catch up', { timeoutMs: 5_000, intervalMs: 5 });
    const streams = new Set<string>();
    const before = notifications;

    for (let burst = 1; burst <= 3; burst++) {
      // 50 appends through a pool of 8 finish in waves, some while a NOTIFY is in flight.
      await Promise.all(
        Array.from({ length: 50 }, () => {
          const stream = newStream();
          streams.add(stream);
          return writer.append(stream, [newEvent()], 'no_stream');
        }),
      );
      await until(() => received.ownIds(streams).length === burst * 50, `burst ${burst} to arrive`, { timeoutMs: 5_000, intervalMs: 5 });
    }

    expect(received.errors).toEqual([]);
    expect(notifications - before).toBeGreaterThanOrEqual(3);
    expect(notifications - before).toBeLessThan(150);
  }

  it('lets a caller that appends in its own transaction notify at commit (p_notify defaults to true)', async () => {
    const session = new Client({ connectionString: database.url });
    await session.connect();
    try {
      const event = newEvent();
      await session.query('BEGIN');
      await session.query(`SELECT * FROM event_store.append_events($1, -2, ARRAY[$2::uuid], ARRAY[$3::text], ARRAY[$4::jsonb], ARRAY[$5::jsonb])`, [
        newStream(),
        event.id,
        event.type,
        JSON.stringify(event.data),
        JSON.stringify(event.metadata),
      ]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const beforeCommit = notifications;
      await session.query('COMMIT');
      await until(() => notifications > beforeCommit, 'the notification of the commit', { timeoutMs: 5_000, intervalMs: 5 });
    } finally {
      await session.end();
    }
  });

  it('sends the pending NOTIFY when closed right after an append', async () => {
    const closing = new PostgresEventStore({ connectionString: database.url, poolSize: 2, notifyDelayMs: 60_000, logger: quiet });
    await closing.append(newStream(), [newEvent()], 'no_stream');
    const before = notifications;
    await closing.close();
    await until(() => notifications > before, 'the notification sent on close', { timeoutMs: 5_000, intervalMs: 5 });
  });
});
