import { EventStore } from '../src/infrastructure/event-store/event-store.port';
import { recordPrice } from './support/orders';
import { apiKeySecretPart, createPartnerKey } from './support/partner-keys';
import { boxStl } from './support/stl';
import { startTestApp, type TestApp } from './support/test-app';

describe('partner API keys and the partner orders API', () => {
  let app: TestApp;
  let admin: string;

  beforeAll(async () => {
    app = await startTestApp({ PRICING_WORKER_ENABLED: 'false' });
    admin = await app.token('admin', 'admin-1');
  });
  afterAll(async () => {
    await app?.close();
  });

  const partner = (key: string, path: string, init: RequestInit & { json?: unknown } = {}) =>
    app.request(`/api/partner/v1/orders${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), 'x-api-key': key } });

  async function startOrder(key: string): Promise<string> {
    const response = await partner(key, '', { method: 'POST', json: { material: 'GOLD_750' } });
    expect(response.status).toBe(201);
    return ((await response.json()) as { id: string }).id;
  }

  it('creates a key (shown once), lists it without the secret and stores only a hash', async () => {
    const created = await createPartnerKey(app, 'acme-jewels', { rps: 20 });
    expect(created.key).toMatch(/^alx_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(created.key.startsWith(`alx_${created.prefix}_`)).toBe(true);
    expect(created).toMatchObject({ rps: 20, burst: 20 });

    const list = await app.request('/api/admin/api-keys', { token: admin });
    expect(list.status).toBe(200);
    const text = await list.text();
    expect(text).toContain(created.id);
    expect(text).not.toContain(created.key);
    expect(text).not.toContain(apiKeySecretPart(created.key));

    const { DataSource } = await import('typeorm');
    const stored: Array<Record<string, unknown>> = await app.app.get(DataSource).query('SELECT * FROM partner_api_keys WHERE id = $1', [created.id]);
    expect(JSON.stringify(stored)).not.toContain(apiKeySecretPart(created.key));
    expect((stored[0]?.key_hash as Buffer).length).toBe(32);

    // A second key for the same partner name joins the same partner.
    const second = await createPartnerKey(app, 'acme-jewels');
    expect(second.partnerId).toBe(created.partnerId);
  });

  it('refuses unknown, malformed and revoked keys with 401, and keys on staff routes with 403', async () => {
    const created = await createPartnerKey(app, 'revoked-partner');
    const id = await startOrder(created.key);
    const forged = `alx_${created.prefix}_${'A'.repeat(43)}`;
    for (const key of [forged, 'nonsense', `alx_000000000000_${'B'.repeat(43)}`]) {
      const response = await partner(key, `/${id}`);
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ code: 'INVALID_API_KEY' });
    }
    const staff = await app.request('/api/crm/orders', { headers: { 'x-api-key': created.key } });
    expect(staff.status).toBe(403);

    const revoke = await app.request(`/api/admin/api-keys/${created.id}/revoke`, { method: 'POST', token: admin });
    expect(revoke.status).toBe(200);
    expect((await revoke.json()) as { revokedAt: string | null }).toMatchObject({ revokedAt: expect.any(String) });
    const after = await partner(created.key, `/${id}`);
    expect(after.status).toBe(401);
    expect((await app.request(`/api/admin/api-keys/00000000-0000-4000-8000-000000000000/revoke`, { method: 'POST', token: admin })).status).toBe(404);
    const badId = await app.request('/api/admin/api-keys/not-a-uuid/revoke', { method: 'POST', token: admin });
    expect({ status: badId.status, body: await badId.json() }).toMatchObject({ status: 400, body: { code: 'INVALID_API_KEY_ID' } });
    expect((await app.request('/api/admin/api-keys', { method: 'POST', token: admin, json: { name: 'x', extra: true } })).status).toBe(400);
  });

  it('runs a partner order from creation to confirmation through the shared command path', async () => {
    const { key, partnerId } = await createPartnerKey(app, 'lifecycle-partner');
    const id = await startOrder(key);
    const model = await partner(key, `/${id}/model`, { method: 'PUT', body: boxStl(), headers: { 'content-type': 'model/stl' } });
    expect(model.status).toBe(200);
    expect(await model.json()).toMatchObject({ status: 'FILE_UPLOADED', channel: 'partner' });

    // Confirming before the price exists is an illegal transition.
    const early = await partner(key, `/${id}/confirm`, { method: 'POST' });
    expect(early.status).toBe(409);
    expect(await early.json()).toMatchObject({ code: 'ILLEGAL_TRANSITION' });

    expect((await partner(key, `/${id}/submit`, { method: 'POST' })).status).toBe(202);
    await recordPrice(app, id);
    const confirm = await partner(key, `/${id}/confirm`, { method: 'POST' });
    expect(confirm.status).toBe(200);
    expect(await confirm.json()).toMatchObject({ status: 'MANUFACTURING_APPROVED' });

    const view = await partner(key, `/${id}`);
    expect(view.status).toBe(200);
    expect(await view.json()).toMatchObject({ id, status: 'MANUFACTURING_APPROVED', channel: 'partner', price: { total: 420.5 } });

    const events = await app.app.get(EventStore).readStream(`order-${id}`);
    expect(events.map((event) => event.type)).toEqual(['OrderInitiated', 'ModelUploaded', 'OrderSubmitted', 'PriceCalculated', 'ManufacturingApproved']);
    expect(events[0]?.data).toMatchObject({ channel: 'partner', partnerId });
    expect(events[4]?.data).toEqual({ approvedVia: 'partner' });
    expect(events[4]?.metadata.actor).toEqual({ role: 'partner', id: partnerId });
    expect(JSON.stringify(events.map(({ data, metadata }) => ({ data, metadata })))).not.toContain(key);
  });

  it("shows a partner only its own orders: another partner's and shop orders answer 404", async () => {
    const a = await createPartnerKey(app, 'partner-a');
    const b = await createPartnerKey(app, 'partner-b');
    const ordersOfA = await startOrder(a.key);
    const customer = await app.token('customer', 'cust-1');
    const shopOrder = await app.request('/api/shop/orders', { method: 'POST', token: customer, json: { material: 'GOLD_750' } });
    const shopId = ((await shopOrder.json()) as { id: string }).id;

    for (const [path, init] of [
      [`/${ordersOfA}`, {}],
      [`/${ordersOfA}/submit`, { method: 'POST' }],
      [`/${ordersOfA}/confirm`, { method: 'POST' }],
      [`/${ordersOfA}/model`, { method: 'PUT', body: boxStl(), headers: { 'content-type': 'model/stl' } }],
      [`/${shopId}`, {}],
    ] as const) {
      const response = await partner(b.key, path, init);
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ code: 'ORDER_NOT_FOUND' });
    }
    // The partner's own order, and a customer cannot reach it through the shop either.
    expect((await partner(a.key, `/${ordersOfA}`)).status).toBe(200);
    expect((await app.request(`/api/shop/orders/${ordersOfA}`, { token: customer })).status).toBe(404);
    expect((await partner(a.key, '/not-a-uuid')).status).toBe(400);
  });

  it('answers 429 with Retry-After and RateLimit headers once a key spends its budget', async () => {
    const { key } = await createPartnerKey(app, 'tiny-partner', { rps: 2, burst: 1 });
    const responses = await Promise.all(Array.from({ length: 8 }, () => partner(key, '/00000000-0000-4000-8000-000000000000')));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 404).length).toBeLessThanOrEqual(3);
    const limited = responses.find((response) => response.status === 429);
    expect(limited).toBeDefined();
    expect(limited?.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(limited?.headers.get('ratelimit-limit')).toBe('2');
    expect(limited?.headers.get('ratelimit-remaining')).toBe('0');
    expect(limited?.headers.get('ratelimit-reset')).toMatch(/^\d+$/);
    expect(await limited?.json()).toMatchObject({ code: 'RATE_LIMITED' });
    // Refused in the first hook, before helmet: the headers that matter for a JSON error are its own.
    expect(limited?.headers.get('content-type')).toMatch(/^application\/json/);
    expect(limited?.headers.get('x-content-type-options')).toBe('nosniff');
    expect(limited?.headers.get('cache-control')).toBe('no-store');
    const allowed = responses.find((response) => response.status === 404);
    expect(allowed?.headers.get('ratelimit-limit')).toBe('2');
  });
});
