import { ReadReplicas } from '../src/infrastructure/database/read-replicas/read-replicas';
import { submittedOrder } from './support/orders';
import { type PostgresServer, startPrimary, startStandby } from './support/postgres-cluster';
import { startTestApp, type TestApp } from './support/test-app';
import { until } from './support/until';

/**
 * The app with a real streaming replica (DATABASE_READ_URL). The replica's
 * replay is paused, so it is "behind" but still within the lag limit: the
 * case the lag check alone cannot catch. A change that clears the dashboard's
 * page cache must not be followed by a page read from that replica and kept.
 */
describe('read replicas in the running app', () => {
  let primary: PostgresServer;
  let standby: PostgresServer;
  let app: TestApp;
  let customer: string;
  let operator: string;

  beforeAll(async () => {
    primary = await startPrimary();
    await primary.sql('CREATE DATABASE app');
    standby = await startStandby(primary);
    app = await startTestApp(
      { DATABASE_READ_URL: standby.url('app'), READ_REPLICA_MAX_LAG_MS: '600000', PRICING_WORKER_ENABLED: 'false' },
      { database: { url: primary.url('app'), name: 'app', drop: () => Promise.resolve() } },
    );
    [customer, operator] = await Promise.all([app.token('customer', 'cust-1'), app.token('operator', 'op-1')]);
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    await standby?.stop();
    await primary?.stop();
  });

  const submitted = async (): Promise<Array<{ id: string; status: string }>> => {
    const response = await app.request('/api/mes/orders?status=SUBMITTED', { token: operator });
    expect(response.status).toBe(200);
    return ((await response.json()) as { items: Array<{ id: string; status: string }> }).items;
  };

  it('reads the lists from the replica, and never keeps a dashboard page the replica read before replaying the change', async () => {
    const id = await submittedOrder(app, customer);
    await standby.caughtUp();
    await until(async () => ((await submitted()).some((item) => item.id === id) ? true : undefined), 'the order on the dashboard');
    expect(app.app.get(ReadReplicas).status()).toEqual([expect.objectContaining({ usable: true })]);
    // The shop list is answered by the replica: it still lists the order while the primary no longer has the row.
    await standby.sql('SELECT pg_wal_replay_pause()', [], 'app');
    await primary.sql(`UPDATE orders_current SET customer_ref = 'someone-else' WHERE order_id = $1`, [id], 'app');
    const listed = await app.request('/api/shop/orders', { token: customer });
    expect(((await listed.json()) as { items: Array<{ id: string }> }).items.map((item) => item.id)).toContain(id);
    await primary.sql(`UPDATE orders_current SET customer_ref = 'cust-1' WHERE order_id = $1`, [id], 'app');

    // The page is cached now (read from the replica); the order is cancelled while the replica replays nothing.
    expect((await submitted()).map((item) => item.id)).toContain(id);
    expect((await app.request(`/api/shop/orders/${id}/cancel`, { method: 'POST', token: customer, json: { reason: 'changed my mind' } })).status).toBeLessThan(300);
    await until(
      async () => ((await primary.sql<{ status: string }>('SELECT status FROM orders_current WHERE order_id = $1', [id], 'app'))[0]?.status === 'CANCELLED' ? true : undefined),
      'the cancellation in the read model',
    );
    // Every page after the change comes from the primary (the replica has not replayed it), then from the replica again.
    await until(async () => ((await submitted()).some((item) => item.id === id) ? undefined : true), 'the dashboard to drop the cancelled order', 5_000);
    for (let i = 0; i < 5; i++) expect((await submitted()).map((item) => item.id)).not.toContain(id);
    await standby.sql('SELECT pg_wal_replay_resume()', [], 'app');
    await standby.caughtUp();
    expect((await submitted()).map((item) => item.id)).not.toContain(id);
  });

  it("answers support's history and stuck list from the replica, and finds an order the replica does not know yet", async () => {
    const support = await app.token('support', 'support-1');
    const history = async (orderId: string) => {
      const response = await app.request(`/api/support/orders/${orderId}/history`, { token: support });
      expect(response.status).toBe(200);
      return ((await response.json()) as { events: Array<{ type: string }> }).events.map((event) => event.type);
    };
    const id = await submittedOrder(app, customer);
    await standby.caughtUp();
    await standby.sql('SELECT pg_wal_replay_pause()', [], 'app');
    try {
      expect((await app.request(`/api/shop/orders/${id}/cancel`, { method: 'POST', token: customer, json: { reason: 'changed my mind' } })).status).toBeLessThan(300);
      // The replica answers, so the history does not show the cancellation yet (within the lag limit, by design).
      expect(await history(id)).not.toContain('OrderCancelled');
      // An order created after the replica stopped replaying is still found: the primary is asked.
      const fresh = await submittedOrder(app, customer);
      expect(await history(fresh)).toContain('OrderSubmitted');
      const stuck = await app.request('/api/support/orders/stuck', { token: support });
      expect(stuck.status).toBe(200);
    } finally {
      await standby.sql('SELECT pg_wal_replay_resume()', [], 'app');
    }
    await standby.caughtUp();
    expect(await history(id)).toContain('OrderCancelled');
  });
});
