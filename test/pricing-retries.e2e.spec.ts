import { EventStore } from '../src/infrastructure/event-store/event-store.port';
import { PricingMetrics } from '../src/modules/pricing/pricing-metrics';
import { submittedOrder } from './support/orders';
import { awaitPricingOutcome } from './support/pricing-helpers';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Every calculation here is made slow (PRICING_TEST_DELAY_MS, refused in
 * production) past a short PRICING_TIMEOUT_S: each attempt is stopped,
 * recorded, retried with backoff, and the third one gives up.
 */
describe('pricing retries and the hard time limit', () => {
  let app: TestApp;
  let customer: string;

  beforeAll(async () => {
    app = await startTestApp({ PRICING_TIMEOUT_S: '0.5', PRICING_TEST_DELAY_MS: '30000', PRICING_RETRY_DELAY_S: '0' });
    customer = await app.token('customer', 'cust-r1');
  });
  afterAll(async () => {
    await app?.close();
  });

  it('stops each calculation at the limit, records 3 attempts, then cancels with a reason and a dead letter', async () => {
    const started = Date.now();
    const id = await submittedOrder(app, customer);
    const order = await awaitPricingOutcome(app, customer, id, 45_000);
    const elapsedMs = Date.now() - started;

    expect(order.status).toBe('CANCELLED');
    expect(order.cancellation).toMatchObject({ reasonCode: 'PRICING_FAILED', cancelledBy: 'pricing' });
    expect(order.cancellation!.reason).toMatch(/after 3 attempts \(the calculation took longer than 0.5 s and was stopped\)/);
    // Terminated, not awaited: three 30 s calculations finished long before 90 s (a sanity bound, not a speed target).
    expect(elapsedMs).toBeLessThan(30_000);

    const events = await app.app.get(EventStore).readStream(`order-${id}`);
    const attempts = events.filter((event) => event.type === 'PricingAttemptFailed').map((event) => event.data as Record<string, unknown>);
    expect(attempts.map(({ attempt, code, willRetry }) => ({ attempt, code, willRetry }))).toEqual([
      { attempt: 1, code: 'PRICING_TIMEOUT', willRetry: true },
      { attempt: 2, code: 'PRICING_TIMEOUT', willRetry: true },
      { attempt: 3, code: 'PRICING_TIMEOUT', willRetry: false },
    ]);
    expect(attempts[0]!.nextRetryAt).toEqual(expect.any(String));
    expect(attempts[2]!.nextRetryAt).toBeNull();
    expect(events.slice(-2).map((event) => event.type)).toEqual(['PricingFailed', 'OrderCancelled']);
    expect(events.filter((event) => event.type === 'PriceCalculated')).toHaveLength(0);

    const support = await app.token('support', 'support-1');
    const letters = (await (await app.request('/api/support/pricing/dead-letters', { token: support })).json()) as { items: Array<Record<string, unknown>> };
    expect(letters.items).toEqual([expect.objectContaining({ orderId: id, code: 'PRICING_TIMEOUT', attempts: 3 })]);

    const metrics = await app.app.get(PricingMetrics).snapshot();
    expect(metrics).toMatchObject({ attempts: 3, timeouts: 3, deadLetters: 1, openDeadLetters: 1, outcomes: { retry: 2, failed: 1 } });
    expect((metrics.calculationSeconds as { count: number }).count).toBe(3);
  });
});
