import { randomUUID } from 'node:crypto';
import { jsonEvent, KurrentDBClient } from '@kurrent/kurrentdb-client';
import { type DroppedEvent, KurrentDbEventStore } from '../src/infrastructure/event-store/kurrentdb/kurrentdb-event-store';
import { collector, describeEventStoreContract, newEvent, newStream, readAllAfter } from './contract/event-store.contract';
import { until } from './support/until';

/**
 * The contract against a real KurrentDB server (docs/OPERATIONS.md, "KurrentDB
 * before going live"), e.g.
 *   docker run --rm -p 2113:2113 docker.kurrent.io/kurrent-latest/kurrentdb:25.1.1 --insecure --run-projections=None
 *   EVENTSTORE_URL='kurrentdb://localhost:2113?tls=false' npm test -- test/event-store.kurrentdb.int.spec.ts
 * The contract's streams are fresh `order-<uuid>` names and its global reads
 * look only at them, so a shared server with other data is fine.
 * Without EVENTSTORE_URL the suite is skipped, and says so.
 */
const url = process.env.EVENTSTORE_URL;

if (url) {
  describeEventStoreContract('kurrentdb', async () => {
    const store = new KurrentDbEventStore({ connectionString: url });
    await store.ping();
    return { store, cleanup: () => store.close() };
  });

  describe('KurrentDbEventStore on a real server: events of other writers', () => {
    const dropped: DroppedEvent[] = [];
    let store: KurrentDbEventStore;
    let raw: KurrentDBClient;

    beforeAll(() => {
      store = new KurrentDbEventStore({ connectionString: url, onEventDropped: (event) => dropped.push(event) });
      raw = KurrentDBClient.connectionString(url);
    });
    afterAll(async () => {
      await store.close();
      await raw.dispose();
    });

    it('reads and subscribes past a foreign stream and an order- event without our metadata', async () => {
      const start = await store.headPosition();
      const received = collector();
      const subscription = store.subscribeToAll({ fromPosition: start }, received.handler);
      const foreignStream = `foreign-${randomUUID()}`;
      const intruded = newStream();
      await raw.appendToStream(foreignStream, jsonEvent({ type: 'Foreign', data: { x: 1 } }));
      await raw.appendToStream(intruded, jsonEvent({ type: 'OrderInitiated', data: { x: 1 } }));
      const ours = newStream();
      const event = newEvent();
      await store.append(ours, [event], 'no_stream');

      try {
        await until(() => received.ownIds(new Set([ours])).length === 1, 'our event after the foreign ones', { timeoutMs: 10_000, intervalMs: 5 });
      } finally {
        await subscription.stop();
      }

      const read = await readAllAfter(store, start);
      expect(read.some((recorded) => recorded.streamId === foreignStream || recorded.streamId === intruded)).toBe(false);
      expect(read.map((recorded) => recorded.id)).toContain(event.id);
      expect(received.events.some((recorded) => recorded.streamId === intruded)).toBe(false);
      expect(received.errors).toEqual([]);
      expect(dropped.some((entry) => entry.streamId === intruded && entry.reason === 'no_metadata')).toBe(true);
    });
  });
} else {
  console.warn('KurrentDB contract skipped: EVENTSTORE_URL is not set (no KurrentDB server on this machine; docs/OPERATIONS.md says how to run it)');
  it.skip('KurrentDB contract skipped: EVENTSTORE_URL is not set (no KurrentDB server on this machine)', () => undefined);
}
