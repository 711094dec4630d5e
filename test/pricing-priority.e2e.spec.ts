import { submittedOrder } from './support/orders';
import { awaitPricingOutcome } from './support/pricing-helpers';
import { createPartnerKey } from './support/partner-keys';
import { boxStl } from './support/stl';
import { startTestApp, type TestApp } from './support/test-app';
import { until } from './support/until';

const quote = (app: TestApp, apiKey: string, body: Buffer) =>
  app.request('/api/partner/v1/quotes?material=GOLD_750', { method: 'POST', body, headers: { 'x-api-key': apiKey, 'content-type': 'application/octet-stream' } });

const QUOTES = 20;

describe('pricing priority and time limits (issue 24, item 9)', () => {
  describe('a shop order while partner quotes are waiting', () => {
    let app: TestApp;

    beforeAll(async () => {
      // One thread, each calculation 600 ms (test-only knob), a timeout of 1 s: one wait plus a calculation exceeds it.
      app = await startTestApp({ PRICING_THREADS: '1', PRICING_TEST_DELAY_MS: '600', PRICING_TIMEOUT_S: '1', QUOTE_SYNC_WAIT_MS: '0', QUOTE_MAX_QUEUE_DEPTH: '100' });
    });
    afterAll(async () => {
      await app?.close();
    });

    it('is priced before the waiting quotes, and no calculation times out for its time in the queue', async () => {
      const { key } = await createPartnerKey(app, 'busy-partner', { rps: 1000 });
      const locations: string[] = [];
      for (let n = 0; n < QUOTES; n++) {
        const response = await quote(app, key, boxStl(10, 10, 4 + n));
        expect(response.status).toBe(202);
        locations.push(response.headers.get('location')!);
      }
      const customer = await app.token('customer', 'cust-fair');
      const orderId = await submittedOrder(app, customer);
      const order = await awaitPricingOutcome(app, customer, orderId, 30_000);
      expect(order.status).toBe('PRICE_CALCULATED');
      const statusesWhenPriced = await Promise.all(
        locations.map(async (location) => ((await (await app.request(location, { headers: { 'x-api-key': key } })).json()) as { status: string }).status),
      );
      // Shop orders go first: quotes were still waiting when the order was priced.
      expect(statusesWhenPriced.filter((status) => status === 'pending').length).toBeGreaterThanOrEqual(2);

      const finals = await until(
        async () => {
          const views = await Promise.all(
            locations.map(async (location) => (await (await app.request(location, { headers: { 'x-api-key': key } })).json()) as { status: string; error?: { code: string } }),
          );
          return views.every((view) => view.status !== 'pending') ? views : undefined;
        },
        'the quotes to finish',
        { timeoutMs: 30_000, intervalMs: 100 },
      );
      // 20 quotes of 0.6 s each, queued up to 12 s: none times out (the limit counts only its own calculation),
      // and none is reported interrupted while it still waits (past PRICING_TIMEOUT_S + 10 s after it was accepted).
      expect(finals.map((view) => view.error?.code ?? view.status)).toEqual(Array(QUOTES).fill('done'));
    }, 60_000);
  });
});
