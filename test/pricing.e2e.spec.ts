import { EventStore } from '../src/infrastructure/event-store/event-store.port';
import { submittedOrder } from './support/orders';
import { awaitPricingOutcome, openBoxStl } from './support/pricing-helpers';
import { boxStl } from './support/stl';
import { startTestApp, type TestApp } from './support/test-app';

describe('pricing over HTTP', () => {
  let app: TestApp;
  let customer: string;
  let admin: string;

  beforeAll(async () => {
    app = await startTestApp({ PRICING_TIMEOUT_S: '20' });
    [customer, admin] = await Promise.all([app.token('customer', 'cust-p1'), app.token('admin', 'admin-1')]);
  });
  afterAll(async () => {
    await app?.close();
  });

  const history = async (id: string) =>
    (await app.app.get(EventStore).readStream(`order-${id}`)).map((event) => ({ type: event.type, data: event.data as Record<string, unknown>, actor: event.metadata.actor }));

  it('prices a submitted valid model by itself, with the full breakdown, exactly once', async () => {
    const id = await submittedOrder(app, customer, { model: boxStl(10, 10, 4), material: 'GOLD_750' });
    const order = await awaitPricingOutcome(app, customer, id);
    expect(order.status).toBe('PRICE_CALCULATED');
    // 10 x 10 x 4 mm box: 400 mm³ of gold 750 at 15.5 g/cm³ = 6.2 g.
    expect(order.price).toMatchObject({
      currency: 'EUR',
      breakdown: { material: 'GOLD_750', volumeMm3: 400, surfaceAreaMm2: 360, massGrams: 6.2, materialCost: 359.6, minimumApplied: false },
    });
    const lines = (order.price!.breakdown.lines as Array<{ amount: number }>).map((line) => Math.round(line.amount * 100));
    expect(lines.reduce((a, b) => a + b, 0)).toBe(Math.round(order.price!.total * 100));

    const events = await history(id);
    expect(events.filter((event) => event.type === 'PriceCalculated')).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ type: 'PriceCalculated', actor: { role: 'pricing', id: 'pricing-worker' } });
  });

  it('cancels an order whose model is not watertight, with a reason the customer can act on', async () => {
    const id = await submittedOrder(app, customer, { model: openBoxStl(), material: 'SILVER_925' });
    const order = await awaitPricingOutcome(app, customer, id);
    expect(order.status).toBe('CANCELLED');
    expect(order.cancellation).toMatchObject({ reasonCode: 'PRICING_FAILED', cancelledBy: 'pricing' });
    expect(order.cancellation!.reason).toMatch(/3 open edges/);
    expect(order.cancellation!.reason).toMatch(/repair the model/);
    const types = (await history(id)).map((event) => event.type);
    expect(types.slice(-2)).toEqual(['PricingFailed', 'OrderCancelled']);
    expect(types).not.toContain('PricingAttemptFailed'); // an invalid model is not retried

    const support = await app.token('support', 'support-1');
    const letters = await app.request('/api/support/pricing/dead-letters', { token: support });
    expect(letters.status).toBe(200);
    const { items } = (await letters.json()) as { items: Array<{ orderId: string; code: string; jobId: string }> };
    const letter = items.find((item) => item.orderId === id);
    expect(letter).toMatchObject({ code: 'OPEN_EDGES' });
    // The order was cancelled: the lifecycle refuses a retry, and says why.
    const retry = await app.request(`/api/support/pricing/dead-letters/${letter!.jobId}/retry`, { method: 'POST', token: support });
    expect(retry.status).toBe(409);
    expect(await retry.json()).toMatchObject({ code: 'ILLEGAL_TRANSITION', details: { currentStatus: 'CANCELLED' } });
  });

  it('prices every catalogue piece', async () => {
    const catalog = (await (await app.request('/api/shop/catalog')).json()) as { items: Array<{ id: string }> };
    expect(catalog.items.length).toBeGreaterThan(0);
    for (const item of catalog.items) {
      const created = await app.request('/api/shop/orders', { method: 'POST', token: customer, json: { material: 'SILVER_925' } });
      const { id } = (await created.json()) as { id: string };
      expect((await app.request(`/api/shop/orders/${id}/model/from-catalog`, { method: 'POST', token: customer, json: { catalogItemId: item.id } })).status).toBe(200);
      expect((await app.request(`/api/shop/orders/${id}/submit`, { method: 'POST', token: customer })).status).toBe(202);
      const order = await awaitPricingOutcome(app, customer, id);
      expect({ item: item.id, status: order.status, cancellation: order.cancellation }).toEqual({ item: item.id, status: 'PRICE_CALCULATED', cancellation: null });
    }
  });

  it('lets admins edit the price list, and new calculations use it', async () => {
    const list = await app.request('/api/admin/materials', { token: admin });
    expect(list.status).toBe(200);
    const { items } = (await list.json()) as { items: Array<{ code: string; densityGramsPerCm3: number; currency: string }> };
    expect(items.map((item) => item.code)).toEqual(expect.arrayContaining(['GOLD_585', 'GOLD_750', 'SILVER_925', 'PLATINUM_950']));
    expect(items.find((item) => item.code === 'PLATINUM_950')).toMatchObject({ densityGramsPerCm3: 20.7, currency: 'EUR' });

    const platinum = {
      name: 'Platinum 950',
      densityGramsPerCm3: 20.7,
      pricePerGramMinor: 10_000,
      currency: 'EUR',
      labourPerCm2Minor: 0,
      setupFeeMinor: 0,
      minimumPriceMinor: 0,
      active: true,
    };
    const put = await app.request('/api/admin/materials/PLATINUM_950', { method: 'PUT', token: admin, json: platinum });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ code: 'PLATINUM_950', pricePerGramMinor: 10_000, updatedBy: 'admin-1' });

    const id = await submittedOrder(app, customer, { model: boxStl(10, 10, 10), material: 'PLATINUM_950' });
    const order = await awaitPricingOutcome(app, customer, id);
    // 1 cm³ x 20.7 g/cm³ x 100.00 EUR/g, no labour.
    expect(order.price).toMatchObject({ total: 2070, breakdown: { massGrams: 20.7, materialCost: 2070, labourCost: 0 } });
  });

  it('answers bad price list edits with 4xx codes, and only admins may edit', async () => {
    const good = {
      name: 'Palladium 500',
      densityGramsPerCm3: 11.8,
      pricePerGramMinor: 3000,
      currency: 'EUR',
      labourPerCm2Minor: 100,
      setupFeeMinor: 2000,
      minimumPriceMinor: 9900,
      active: true,
    };
    expect((await app.request('/api/admin/materials/PALLADIUM_500', { method: 'PUT', token: customer, json: good })).status).toBe(403);
    const created = await app.request('/api/admin/materials/PALLADIUM_500', { method: 'PUT', token: admin, json: good });
    expect(created.status).toBe(201);
    const badCode = await app.request('/api/admin/materials/palladium', { method: 'PUT', token: admin, json: good });
    expect(badCode.status).toBe(422);
    expect(await badCode.json()).toMatchObject({ code: 'INVALID_MATERIAL_PRICE' });
    const badBody = await app.request('/api/admin/materials/PALLADIUM_500', { method: 'PUT', token: admin, json: { ...good, pricePerGramMinor: 12.5 } });
    expect(badBody.status).toBe(400);
    expect(await badBody.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((await app.request('/api/admin/materials/NOPE_1', { token: admin })).status).toBe(404);
  });

  it('lets customers order a material as soon as an admin adds it, and no longer once it is withdrawn', async () => {
    const rhodium = {
      name: 'Rhodium-plated silver',
      densityGramsPerCm3: 10.4,
      pricePerGramMinor: 250,
      currency: 'EUR',
      labourPerCm2Minor: 50,
      setupFeeMinor: 1500,
      minimumPriceMinor: 4900,
      active: true,
    };
    const refusedBefore = await app.request('/api/shop/orders', { method: 'POST', token: customer, json: { material: 'SILVER_925_RH' } });
    expect(refusedBefore.status).toBe(422);
    expect((await app.request('/api/admin/materials/SILVER_925_RH', { method: 'PUT', token: admin, json: rhodium })).status).toBe(201);

    const id = await submittedOrder(app, customer, { model: boxStl(10, 10, 10), material: 'SILVER_925_RH' });
    expect((await awaitPricingOutcome(app, customer, id)).price).toMatchObject({ currency: 'EUR', breakdown: { material: 'SILVER_925_RH' } });

    expect((await app.request('/api/admin/materials/SILVER_925_RH', { method: 'PUT', token: admin, json: { ...rhodium, active: false } })).status).toBe(200);
    const refusedAfter = await app.request('/api/shop/orders', { method: 'POST', token: customer, json: { material: 'SILVER_925_RH' } });
    expect(refusedAfter.status).toBe(422);
    expect(await refusedAfter.json()).toMatchObject({ code: 'UNKNOWN_MATERIAL', details: { known: expect.not.arrayContaining(['SILVER_925_RH']) } });
  });
});

describe('pricing with the deployment jewellery limits', () => {
  let app: TestApp;
  let customer: string;

  beforeAll(async () => {
    app = await startTestApp({ MODEL_MAX_DIMENSION_MM: '5', MODEL_MAX_TRIANGLES: '1000' });
    customer = await app.token('customer', 'cust-limits');
  });
  afterAll(async () => {
    await app?.close();
  });

  it('cancels a model larger than MODEL_MAX_DIMENSION_MM with the size and the limit in the reason', async () => {
    const id = await submittedOrder(app, customer, { model: boxStl(10, 4, 4) });
    const order = await awaitPricingOutcome(app, customer, id);
    expect(order.status).toBe('CANCELLED');
    expect(order.cancellation!.reason).toMatch(/10 × 4 × 4 mm exceeds the 5 mm maximum/);
  });

  it('prices a model within the limits', async () => {
    const id = await submittedOrder(app, customer, { model: boxStl(4, 4, 4) });
    expect((await awaitPricingOutcome(app, customer, id)).status).toBe('PRICE_CALCULATED');
  });
});
