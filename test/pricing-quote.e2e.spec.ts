import { openBoxStl } from './support/pricing-helpers';
import { createPartnerKey } from './support/partner-keys';
import { until } from './support/until';
import { boxStl } from './support/stl';
import { startTestApp, type TestApp } from './support/test-app';

const quote = (app: TestApp, apiKey: string, material: string | null, body: Buffer) =>
  app.request(`/api/partner/v1/quotes${material === null ? '' : `?material=${material}`}`, {
    method: 'POST',
    body,
    headers: { 'x-api-key': apiKey, 'content-type': 'application/octet-stream' },
  });

describe('partner quotes', () => {
  describe('a quick model', () => {
    let app: TestApp;
    let apiKey: string;

    beforeAll(async () => {
      app = await startTestApp();
      apiKey = (await createPartnerKey(app, 'quote-partner', { rps: 1000 })).key;
    });
    afterAll(async () => {
      await app?.close();
    });

    it('answers 200 with the price and breakdown, without creating an order', async () => {
      const response = await quote(app, apiKey, 'GOLD_750', boxStl(10, 10, 4));
      expect(response.status).toBe(200);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ status: 'done', material: 'GOLD_750', currency: 'EUR', breakdown: { massGrams: 6.2, volumeMm3: 400, materialCost: 359.6 } });
      expect(response.headers.get('location')).toBe(`/api/partner/v1/quotes/${body.id as string}`);
      const again = await app.request(response.headers.get('location')!, { headers: { 'x-api-key': apiKey } });
      expect(await again.json()).toEqual(body);
    });

    it('refuses an invalid model with the geometry code, and bad requests with 4xx', async () => {
      const invalid = await quote(app, apiKey, 'SILVER_925', openBoxStl());
      expect(invalid.status).toBe(422);
      expect(await invalid.json()).toMatchObject({ code: 'OPEN_EDGES', message: expect.stringMatching(/3 open edges/) });
      expect((await quote(app, apiKey, null, boxStl())).status).toBe(400);
      const unknown = await quote(app, apiKey, 'UNOBTAINIUM', boxStl());
      expect(unknown.status).toBe(422);
      expect(await unknown.json()).toMatchObject({ code: 'UNKNOWN_MATERIAL' });
      expect((await quote(app, apiKey, 'GOLD_750', Buffer.alloc(0))).status).toBe(400);
      const badId = await app.request('/api/partner/v1/quotes/not-a-uuid', { headers: { 'x-api-key': apiKey } });
      expect({ status: badId.status, body: await badId.json() }).toMatchObject({ status: 400, body: { code: 'INVALID_QUOTE_ID' } });
      const customer = await app.token('customer', 'cust-q');
      const asCustomer = await app.request('/api/partner/v1/quotes?material=GOLD_750', {
        method: 'POST',
        token: customer,
        body: boxStl(),
        headers: { 'content-type': 'model/stl' },
      });
      expect(asCustomer.status).toBe(403);
      expect((await app.request('/api/partner/v1/quotes?material=GOLD_750', { method: 'POST', body: boxStl(), headers: { 'content-type': 'model/stl' } })).status).toBe(401);
    });
  });

  describe('a slow calculation and a busy engine', () => {
    let app: TestApp;

    beforeAll(async () => {
      // One thread, each calculation made slow (test-only knob), a sync wait far shorter than it, a queue limit of 1.
      app = await startTestApp({ PRICING_THREADS: '1', PRICING_TEST_DELAY_MS: '1500', QUOTE_SYNC_WAIT_MS: '100', QUOTE_MAX_QUEUE_DEPTH: '1' });
    });
    afterAll(async () => {
      await app?.close();
    });

    it('answers 202 with a Location to poll, then 503 with Retry-After once work is waiting', async () => {
      const { key } = await createPartnerKey(app, 'slow-partner', { rps: 1000 });
      const first = await quote(app, key, 'GOLD_585', boxStl());
      expect(first.status).toBe(202);
      expect(first.headers.get('retry-after')).toBe('1');
      const location = first.headers.get('location')!;
      expect(await first.json()).toMatchObject({ status: 'pending', material: 'GOLD_585' });

      const second = await quote(app, key, 'GOLD_585', boxStl());
      expect(second.status).toBe(202); // waits for the thread
      const third = await quote(app, key, 'GOLD_585', boxStl());
      expect(third.status).toBe(503);
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await third.json()).toMatchObject({ code: 'PRICING_BUSY' });

      const other = await createPartnerKey(app, 'other-partner', { rps: 1000 });
      expect((await app.request(location, { headers: { 'x-api-key': other.key } })).status).toBe(404);

      const done = await until(
        async () => {
          const body = (await (await app.request(location, { headers: { 'x-api-key': key } })).json()) as { status: string };
          return body.status === 'pending' ? undefined : body;
        },
        'the quote to finish',
        { timeoutMs: 20_000, intervalMs: 100 },
      );
      expect(done).toMatchObject({ status: 'done', currency: 'EUR', breakdown: { material: 'GOLD_585' } });
    });
  });
});
