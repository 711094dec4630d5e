import { randomUUID } from 'node:crypto';
import { EventStore } from '../src/infrastructure/event-store/event-store.port';
import { approvedOrder, createdOrder, submittedOrder } from './support/orders';
import { startTestApp, type TestApp } from './support/test-app';
import { until } from './support/until';

/**
 * Real stuck situations, built through the API: an order left in
 * MANUFACTURING_STARTED past its (shortened) SLA, a submitted order the
 * pricing queue never heard of, and support's audited retry.
 */
describe('support: diagnosis and stuck orders over HTTP', () => {
  let app: TestApp;
  let customer: string;
  let seller: string;
  let operator: string;
  let support: string;

  beforeAll(async () => {
    // The pricing worker is stopped in this app: orders stay SUBMITTED until the test prices them by hand.
    app = await startTestApp({ ORDER_SLA: 'MANUFACTURING_STARTED=1s,SUBMITTED=1s', PRICING_WORKER_ENABLED: 'false' });
    [customer, seller, operator, support] = await Promise.all([
      app.token('customer', 'cust-d'),
      app.token('seller', 'seller-d'),
      app.token('operator', 'op-d'),
      app.token('support', 'support-d'),
    ]);
  });
  afterAll(async () => {
    await app?.close();
  });

  const post = (path: string, token: string, json: unknown = {}) => app.request(path, { method: 'POST', token, json });
  const get = async <T>(path: string, token = support): Promise<{ status: number; body: T }> => {
    const response = await app.request(path, { token });
    return { status: response.status, body: (await response.json()) as T };
  };

  it('names the operator as owner of an order left in MANUFACTURING_STARTED past its SLA, and lists it as stuck', async () => {
    const id = await approvedOrder(app, { customer, seller });
    expect((await post(`/api/mes/orders/${id}/start`, operator)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_200));

    const { status, body } = await get<{ status: string; overdue: boolean; waitingFor: { owner: string }; summary: string; anomalies: Array<{ code: string }> }>(
      `/api/support/orders/${id}/diagnosis`,
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'MANUFACTURING_STARTED', overdue: true, waitingFor: { owner: 'operator' } });
    expect(body.summary).toMatch(/^MANUFACTURING_STARTED for \d+ s, \d+ s past its SLA of 1 s; waiting for the operator to complete manufacturing/);

    const stuck = await until(async () => {
      const list = await get<{ orders: Array<{ orderId: string; status: string; waitingFor: { owner: string }; overdueMs: number }>; counts: Record<string, number> }>(
        '/api/support/orders/stuck',
      );
      return list.body.orders.some((order) => order.orderId === id) ? list.body : undefined;
    }, 'the order to appear in the stuck list');
    const entry = stuck.orders.find((order) => order.orderId === id)!;
    expect(entry).toMatchObject({ status: 'MANUFACTURING_STARTED', waitingFor: { owner: 'operator' } });
    expect(entry.overdueMs).toBeGreaterThan(0);
    expect(stuck.counts.MANUFACTURING_STARTED).toBeGreaterThanOrEqual(1);
    const overdue = stuck.orders.map((order) => order.overdueMs);
    expect(overdue).toEqual([...overdue].sort((a, b) => b - a));
  });

  it('says a submitted order is overdue because the pricing queue has no job for it when the pricing worker is stopped', async () => {
    const id = await submittedOrder(app, customer);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const { body } = await get<{ status: string; overdue: boolean; waitingFor: { owner: string }; anomalies: Array<{ code: string }>; pricing: unknown }>(
      `/api/support/orders/${id}/diagnosis`,
    );
    expect(body).toMatchObject({ status: 'SUBMITTED', overdue: true, waitingFor: { owner: 'pricing' }, pricing: null });
    expect(body.anomalies.map((anomaly) => anomaly.code)).toEqual(['PRICING_JOB_MISSING']);
  });

  it('records a support retry of pricing as an event with the engineer id', async () => {
    const id = await submittedOrder(app, customer);
    const retried = await post(`/api/support/orders/${id}/retry-pricing`, support);
    expect(retried.status).toBe(202);
    const events = await app.app.get(EventStore).readStream(`order-${id}`);
    const retry = events.find((event) => event.type === 'PricingRetryRequested');
    expect(retry).toMatchObject({ data: { requestedBy: 'support-d' }, metadata: { actor: { role: 'support', id: 'support-d' } } });
  });

  it('refuses retry-pricing for an order that is not waiting for pricing', async () => {
    const id = await createdOrder(app, customer);
    const response = await post(`/api/support/orders/${id}/retry-pricing`, support);
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ code: 'ILLEGAL_TRANSITION', details: { currentStatus: 'INITIATED' } });
  });

  it('answers diagnosis and stuck for support and admin only, and checks its inputs', async () => {
    const id = await submittedOrder(app, customer);
    expect((await get(`/api/support/orders/${id}/diagnosis`, customer)).status).toBe(403);
    expect((await get(`/api/support/orders/${id}/diagnosis`, await app.token('admin', 'admin-d'))).status).toBe(200);
    expect((await get('/api/support/orders/stuck', operator)).status).toBe(403);
    expect((await get(`/api/support/orders/${randomUUID()}/diagnosis`)).status).toBe(404);
    expect((await get('/api/support/orders/stuck?limit=0')).body).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((await get('/api/support/orders/stuck?limit=9999')).status).toBe(400);
  });
});

describe('support: diagnosis of orders the pricing engine is working on or gave up on', () => {
  let app: TestApp;
  let customer: string;
  let support: string;

  beforeAll(async () => {
    // Every calculation takes 30 s against a 0.5 s limit: each attempt is stopped, three in all, then the order is cancelled.
    app = await startTestApp({ ORDER_SLA: 'SUBMITTED=1s', PRICING_TIMEOUT_S: '0.5', PRICING_TEST_DELAY_MS: '30000', PRICING_RETRY_DELAY_S: '1' });
    [customer, support] = await Promise.all([app.token('customer', 'cust-p'), app.token('support', 'support-p')]);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('shows the pricing job while it retries, then the cancellation with the pricing failure', async () => {
    const id = await submittedOrder(app, customer);

    type Diagnosis = {
      status: string;
      pricing: { state: string; attempt: number } | null;
      anomalies: Array<{ code: string }>;
      summary: string;
      lastPricingFailure: { code: string } | null;
    };
    const diagnosis = async () => (await (await app.request(`/api/support/orders/${id}/diagnosis`, { token: support })).json()) as Diagnosis;
    const seenWhileSubmitted: Diagnosis[] = [];
    const deadline = Date.now() + 30_000;
    let last = await diagnosis();
    while (last.status === 'SUBMITTED' && Date.now() < deadline) {
      seenWhileSubmitted.push(last);
      await new Promise((resolve) => setTimeout(resolve, 200));
      last = await diagnosis();
    }
    expect(seenWhileSubmitted.some((seen) => seen.pricing !== null && ['created', 'active', 'retry'].includes(seen.pricing.state))).toBe(true);
    expect(seenWhileSubmitted.some((seen) => seen.pricing?.state === 'retry' && seen.pricing.attempt >= 1)).toBe(true);
    // A moment after the submission the job may not be enqueued yet; that is not an anomaly.
    expect(seenWhileSubmitted.flatMap((seen) => seen.anomalies.map((anomaly) => anomaly.code))).toEqual([]);
    expect(last).toMatchObject({ status: 'CANCELLED', lastPricingFailure: { code: 'PRICING_TIMEOUT' } });
    expect(last.summary).toMatch(/^cancelled \(PRICING_FAILED\)/);
  }, 45_000);
});
