import { startTestApp, type TestApp } from './support/test-app';
import { until } from './support/until';
import { createdOrder } from './support/orders';

/** GET /api/shop/orders and GET /api/crm/orders over HTTP, read from the orders_current projection. */
describe('order lists over HTTP', () => {
  let app: TestApp;
  let alice: string;
  let bob: string;
  let seller: string;
  const aliceOrders: string[] = [];
  const bobOrders: string[] = [];

  interface Page {
    items: Array<{ id: string; status: string; material: string; createdAt: string }>;
    nextCursor: string | null;
  }

  beforeAll(async () => {
    app = await startTestApp();
    [alice, bob, seller] = await Promise.all([app.token('customer', 'cust-alice'), app.token('customer', 'cust-bob'), app.token('seller', 'seller-1')]);
    for (let i = 0; i < 5; i += 1) aliceOrders.push(await createdOrder(app, alice, { material: i % 2 === 0 ? 'GOLD_750' : 'SILVER_925' }));
    for (let i = 0; i < 2; i += 1) bobOrders.push(await createdOrder(app, bob, { material: 'PLATINUM_950' }));
    await app.request(`/api/shop/orders/${aliceOrders[0]}/cancel`, { method: 'POST', token: alice });
    await visible(seller, '/api/crm/orders?status=CANCELLED', 1);
  });
  afterAll(async () => {
    await app?.close();
  });

  async function get(token: string, path: string): Promise<Page> {
    const response = await app.request(path, { token });
    expect({ path, status: response.status }).toEqual({ path, status: 200 });
    return (await response.json()) as Page;
  }

  /** The projection is asynchronous: wait (generously) until `count` items are listed. */
  const visible = (token: string, path: string, count: number): Promise<Page> =>
    until(async () => {
      const page = await get(token, path);
      return page.items.length >= count ? page : undefined;
    }, `${count} items in ${path}`);

  async function all(token: string, path: string, limit: number): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const separator = path.includes('?') ? '&' : '?';
      const page: Page = await get(token, `${path}${separator}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(limit);
      ids.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
    } while (cursor);
    return ids;
  }

  it('lists only the caller’s own shop orders, newest first, page by page', async () => {
    const page = await visible(alice, '/api/shop/orders', 5);
    expect(page.items.map((item) => item.id)).toEqual([...aliceOrders].reverse());
    expect(page.items[0]).toMatchObject({ status: 'INITIATED', material: 'GOLD_750', price: null, channel: 'shop' });
    expect(page.items.find((item) => item.id === aliceOrders[0])?.status).toBe('CANCELLED');
    expect(await all(alice, '/api/shop/orders', 2)).toEqual([...aliceOrders].reverse());
    expect((await visible(bob, '/api/shop/orders', 2)).items.map((item) => item.id)).toEqual([...bobOrders].reverse());
  });

  it('lists every order for sellers, filtered by one or more statuses, with keyset pages', async () => {
    const everything = await all(seller, '/api/crm/orders', 3);
    expect(new Set(everything)).toEqual(new Set([...aliceOrders, ...bobOrders]));
    expect(everything).toHaveLength(7);
    expect(await all(seller, '/api/crm/orders?status=CANCELLED', 3)).toEqual([aliceOrders[0]]);
    expect(new Set(await all(seller, '/api/crm/orders?status=INITIATED,CANCELLED', 2))).toEqual(new Set(everything));
    expect(await all(seller, '/api/crm/orders?status=SHIPPED', 5)).toEqual([]);
  });

  it('answers bad list parameters with a 400 and a code, and the wrong role with a 403', async () => {
    const cases: Array<[string, string, number, string]> = [
      [seller, '/api/crm/orders?status=NOPE', 400, 'INVALID_STATUS'],
      [seller, '/api/crm/orders?limit=0', 400, 'INVALID_LIMIT'],
      [seller, '/api/crm/orders?limit=abc', 400, 'INVALID_LIMIT'],
      [seller, '/api/crm/orders?cursor=not-a-cursor', 400, 'INVALID_CURSOR'],
      [alice, '/api/shop/orders?cursor=%7B%7D', 400, 'INVALID_CURSOR'],
      [alice, '/api/crm/orders', 403, ''],
      [seller, '/api/shop/orders', 403, ''],
    ];
    for (const [token, path, status, code] of cases) {
      const response = await app.request(path, { token });
      const body = (await response.json()) as { code: string; message: string };
      expect({ path, status: response.status }).toEqual({ path, status });
      if (code) expect(body.code).toBe(code);
      expect(typeof body.message).toBe('string');
    }
    expect((await app.request('/api/shop/orders')).status).toBe(401);
  });
});
