import { KurrentDbEventStore } from '../src/infrastructure/event-store/kurrentdb/kurrentdb-event-store';
import { describeEventStoreContract } from './contract/event-store.contract';

/**
 * The contract against a real KurrentDB / EventStoreDB server, e.g.
 *   docker run -p 2113:2113 docker.kurrent.io/kurrent-latest/kurrentdb --insecure --run-projections=All
 *   EVENTSTORE_URL='kurrentdb://localhost:2113?tls=false' npm test -- test/event-store.kurrentdb.int.spec.ts
 * The contract's streams are fresh `order-<uuid>` names and its global reads
 * look only at them, so a shared server with other data is fine.
 */
const url = process.env.EVENTSTORE_URL;

if (url) {
  describeEventStoreContract('kurrentdb', async () => {
    const store = new KurrentDbEventStore({ connectionString: url });
    await store.ping();
    return { store, cleanup: () => store.close() };
  });
} else {
  console.warn('KurrentDB contract skipped: EVENTSTORE_URL is not set (no KurrentDB server on this machine)');
  it.skip('KurrentDB contract skipped: EVENTSTORE_URL is not set (no KurrentDB server on this machine)', () => undefined);
}
