import { createPartnerKey } from './support/partner-keys';
import { boxStl } from './support/stl';
import { startTestApp, type TestApp } from './support/test-app';
import { until } from './support/until';

interface Item {
  id: string;
  status: string;
  channel: string;
  updatedAt: string;
  revision: number;
}
interface Page {
  items: Item[];
  nextCursor: string | null;
}

/** GET /api/partner/v1/orders: a partner's own orders as a feed of changes, keyset-paged. */
describe('partner order list', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ PRICING_WORKER_ENABLED: 'false' });
  });
  afterAll(async () => {
    await app?.close();
  });

  const call = (key: string, path: string, init: RequestInit & { json?: unknown } = {}) =>
    app.request(`/api/partner/v1/orders${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), 'x-api-key': key } });
  const list = async (key: string, query = ''): Promise<Page> => {
    const response = await call(key, query);
    expect(response.status).toBe(200);
    return (await response.json()) as Page;
  };
  const start = async (key: string): Promise<string> => {
    const response = await call(key, '', { method: 'POST', json: { material: 'GOLD_750' } });
    expect(response.status).toBe(201);
    return ((await response.json()) as { id: string }).id;
  };
  /** Every page of a listing, following nextCursor. */
  const all = async (key: string, query: string): Promise<Item[]> => {
    const items: Item[] = [];
    let page = await list(key, query);
    items.push(...page.items);
    while (page.nextCursor) {
      page = await list(key, `${query}${query ? '&' : '?'}cursor=${page.nextCursor}`);
      items.push(...page.items);
    }
    return items;
  };

  it("lists only the partner's own orders, oldest change first, across pages", async () => {
    const mine = await createPartnerKey(app, 'list-partner-a');
    const theirs = await createPartnerKey(app, 'list-partner-b');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await start(mine.key));
    const other = await start(theirs.key);
    await until(async () => ((await list(mine.key)).items.length === 5 ? true : undefined), 'the orders in the read model');

    const items = await all(mine.key, '?limit=2');
    expect(items.map((item) => item.id)).toEqual(ids);
    expect(items.every((item) => item.channel === 'partner' && item.status === 'INITIATED')).toBe(true);
    expect(items.map((item) => item.id)).not.toContain(other);
    expect((await list(theirs.key)).items.map((item) => item.id)).toEqual([other]);
    // updatedAt is exact and increasing, so a client can resume from the last one it saw.
    const times = items.map((item) => item.updatedAt);
    expect([...times].sort()).toEqual(times);
  });

  it('filters by status and by updatedAfter, and a changed order moves to the end of the feed', async () => {
    const { key } = await createPartnerKey(app, 'list-partner-c');
    const first = await start(key);
    const second = await start(key);
    await until(async () => ((await list(key)).items.length === 2 ? true : undefined), 'the orders in the read model');
    const [, beforeChange] = (await list(key)).items;

    const upload = await call(key, `/${first}/model`, { method: 'PUT', body: boxStl(), headers: { 'content-type': 'model/stl' } });
    expect(upload.status).toBe(200);
    await until(async () => ((await list(key, '?status=FILE_UPLOADED')).items.length === 1 ? true : undefined), 'the upload in the read model');

    expect((await list(key, '?status=FILE_UPLOADED')).items.map((item) => item.id)).toEqual([first]);
    expect((await list(key, '?status=INITIATED,FILE_UPLOADED')).items.map((item) => item.id)).toEqual([second, first]);
    // Only what changed after the last time seen: the upload.
    const changed = await list(key, `?updatedAfter=${encodeURIComponent(beforeChange!.updatedAt)}`);
    expect(changed.items.map((item) => [item.id, item.status])).toEqual([[first, 'FILE_UPLOADED']]);
    expect((await list(key, `?updatedAfter=${encodeURIComponent(changed.items[0]!.updatedAt)}`)).items).toEqual([]);
  });

  it.each([
    ['?status=SHIPPED_SOMEWHERE', 'INVALID_STATUS'],
    ['?updatedAfter=yesterday', 'INVALID_UPDATED_AFTER'],
    ['?updatedAfter=2026-12-01T08:00:00', 'INVALID_UPDATED_AFTER'],
    ['?cursor=not-a-cursor', 'INVALID_CURSOR'],
    ['?limit=0', 'INVALID_LIMIT'],
    ['?updated_after=2026-12-01T08:00:00Z', 'UNKNOWN_QUERY_PARAMETER'],
  ])('answers %s with 400 %s and the request id', async (query, code) => {
    const { key } = await createPartnerKey(app, `list-partner-bad-${code}`);
    const response = await call(key, query);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { code: string; message: string; requestId: string };
    expect(body.code).toBe(code);
    expect(body.requestId).toBe(response.headers.get('x-request-id'));
  });

  it('is refused without a partner key', async () => {
    expect((await app.request('/api/partner/v1/orders')).status).toBe(401);
    const customer = await app.token('customer', 'cust-1');
    expect((await app.request('/api/partner/v1/orders', { token: customer })).status).toBe(403);
  });
});
