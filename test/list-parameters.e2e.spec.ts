import { createPartnerKey } from './support/partner-keys';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Unknown query parameters are refused with 400 UNKNOWN_QUERY_PARAMETER, as
 * unknown body fields are: a client that sends `search=` instead of `q=` is
 * told, instead of getting the unfiltered list.
 */
describe('unknown query parameters', () => {
  let app: TestApp;
  let partnerKey: string;
  let orderId: string;

  beforeAll(async () => {
    app = await startTestApp({ PRICING_WORKER_ENABLED: 'false' });
    partnerKey = (await createPartnerKey(app, 'params-partner')).key;
    const created = await app.request('/api/shop/orders', { method: 'POST', token: await app.token('customer', 'cust-params'), json: { material: 'GOLD_750' } });
    orderId = ((await created.json()) as { id: string }).id;
  });
  afterAll(async () => {
    await app?.close();
  });

  const ask = async (path: string, role: 'customer' | 'seller' | 'operator' | 'partner') =>
    role === 'partner'
      ? app.request(path, { headers: { 'x-api-key': partnerKey } })
      : app.request(path, { token: await app.token(role, role === 'customer' ? 'cust-params' : `${role}-1`) });

  it.each([
    ['/api/mes/orders?search=abc', 'operator', 'search'],
    ['/api/mes/orders?q=abc&Limit=5', 'operator', 'Limit'],
    ['/api/crm/orders?status=SUBMITTED&sort=newest', 'seller', 'sort'],
    ['/api/shop/orders?status=SUBMITTED', 'customer', 'status'],
    ['/api/partner/v1/orders?updated_after=2026-12-01T00:00:00Z', 'partner', 'updated_after'],
  ] as const)('%s answers 400 naming %s', async (path, role, name) => {
    const response = await ask(path, role);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { code: string; message: string; details: { unknown: string[] }; requestId: string };
    expect(body).toMatchObject({ code: 'UNKNOWN_QUERY_PARAMETER', details: { unknown: [name] } });
    expect(body.message).toContain(name);
    expect(body.requestId).toBe(response.headers.get('x-request-id'));
  });

  it('refuses them on one order too, and still answers the known ones', async () => {
    expect((await ask(`/api/shop/orders/${orderId}?changedafter=0`, 'customer')).status).toBe(400);
    expect((await ask(`/api/shop/orders/${orderId}?changedAfter=0`, 'customer')).status).toBe(200);
    for (const [path, role] of [
      ['/api/mes/orders?status=SUBMITTED&q=abc&limit=5', 'operator'],
      ['/api/crm/orders?status=SUBMITTED&limit=5', 'seller'],
      ['/api/shop/orders?limit=5', 'customer'],
      ['/api/partner/v1/orders?status=SUBMITTED&limit=5', 'partner'],
    ] as const)
      expect((await ask(path, role)).status).toBe(200);
  });
});
