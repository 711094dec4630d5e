import { setTimeout as sleep } from 'node:timers/promises';
import { EventStore } from '../src/infrastructure/event-store/event-store.port';
import { DashboardPageCache } from '../src/modules/mes/dashboard/dashboard-page-cache';
import { Projector } from '../src/projections/runtime/projector';
import type { OrderStatus } from '../src/shared/order-lifecycle/statuses';
import { approvedOrder, uploadedOrder } from './support/orders';
import { startTestApp, type TestApp } from './support/test-app';
import { until } from './support/until';

interface Item {
  id: string;
  status: string;
  statusChangedAt: string;
  operatorRef: string | null;
  position: string;
}
interface DashboardPage {
  items: Item[];
  nextCursor: string | null;
  /** Every status, zero included. */
  counts: Record<OrderStatus, number>;
}
interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

/** Reads server-sent events from a fetch response, one parsed event at a time. */
class SseReader {
  private buffer = '';
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  constructor(response: Response) {
    this.reader = response.body!.getReader();
  }
  async next(timeoutMs = 10_000): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        const event: SseEvent = { event: 'message', data: '' };
        for (const line of block.split('\n')) {
          const [field, ...rest] = line.split(':');
          const value = rest.join(':').replace(/^ /, '');
          if (field === 'id') event.id = value;
          else if (field === 'event') event.event = value;
          else if (field === 'data') event.data += value;
        }
        if (block.split('\n').some((line) => line.startsWith('event:') || line.startsWith('data:'))) return event;
        continue;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error('no server-sent event in time');
      const chunk = await Promise.race([this.reader.read(), sleep(remaining).then(() => null)]);
      if (chunk === null) continue;
      if (chunk.done) throw new Error('stream ended');
      this.buffer += this.decoder.decode(chunk.value, { stream: true });
    }
  }
  /** The next `order` event about `orderId` (skipping counts and other orders). */
  async nextOrder(orderId: string): Promise<{ id: string; item: Item }> {
    for (;;) {
      const event = await this.next();
      if (event.event !== 'order') continue;
      const item = JSON.parse(event.data) as Item;
      if (item.id === orderId) return { id: event.id!, item };
    }
  }
  async close(): Promise<void> {
    await this.reader.cancel().catch(() => undefined);
  }
}

describe('MES dashboard over HTTP', () => {
  let app: TestApp;
  let customer: string;
  let seller: string;
  let operator: string;
  const readers: SseReader[] = [];

  beforeAll(async () => {
    app = await startTestApp();
    [customer, seller, operator] = await Promise.all([app.token('customer', 'cust-1'), app.token('seller', 'seller-1'), app.token('operator', 'op-7')]);
  });
  afterEach(async () => {
    await Promise.all(readers.splice(0).map((reader) => reader.close()));
  });
  afterAll(async () => {
    await app?.close();
  });

  const post = (path: string, token: string, json?: unknown) => app.request(path, { method: 'POST', token, ...(json === undefined ? {} : { json }) });

  const uploaded = () => uploadedOrder(app, customer);
  /** Approved for manufacturing; priced by the pricing worker, or by hand if it has not yet. */
  const approved = () => approvedOrder(app, { customer, seller });

  async function dashboard(query = ''): Promise<DashboardPage> {
    const response = await app.request(`/api/mes/orders${query}`, { token: operator });
    expect(response.status).toBe(200);
    return (await response.json()) as DashboardPage;
  }

  async function stream(headers: Record<string, string> = {}, query = ''): Promise<SseReader> {
    const response = await app.request(`/api/mes/orders/stream${query}`, { headers, ...(query.includes('access_token') ? {} : { token: operator }) });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = new SseReader(response);
    readers.push(reader);
    return reader;
  }

  it('lists orders oldest-waiting first with counts, filters by statuses and search, and pages by keyset', async () => {
    const waiting = [await uploaded(), await uploaded(), await uploaded()];
    const ready = [await approved(), await approved()];
    // Until the last approval is projected: an order on its way to approval also shows as FILE_UPLOADED for a while.
    const page = await until(async () => {
      const found = await dashboard('?status=FILE_UPLOADED,MANUFACTURING_APPROVED');
      return found.items.length === 5 && found.counts.MANUFACTURING_APPROVED === 2 ? found : undefined;
    });
    // Oldest waiting first: by the time each entered its status.
    const times = page.items.map((item) => item.statusChangedAt);
    expect(times).toEqual([...times].sort());
    expect(new Set(page.items.map((item) => item.id))).toEqual(new Set([...waiting, ...ready]));
    expect(page.counts).toMatchObject({ FILE_UPLOADED: 3, MANUFACTURING_APPROVED: 2, SHIPPED: 0 });
    expect(Object.keys(page.counts)).toHaveLength(11);

    expect((await dashboard('?status=FILE_UPLOADED')).items.map((item) => item.id)).toEqual(waiting);
    expect((await dashboard(`?status=MANUFACTURING_APPROVED&status=FILE_UPLOADED&q=${ready[1]!.slice(0, 8)}`)).items.map((item) => item.id)).toEqual([ready[1]]);

    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const next: DashboardPage = await dashboard(`?status=FILE_UPLOADED,MANUFACTURING_APPROVED&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(next.items.length).toBeLessThanOrEqual(2);
      expect(next.counts.FILE_UPLOADED).toBe(3);
      paged.push(...next.items.map((item) => item.id));
      cursor = next.nextCursor;
    } while (cursor);
    expect(paged).toEqual(page.items.map((item) => item.id));
  });

  it('answers bad parameters with 400s and other roles with 403', async () => {
    for (const [query, code] of [
      ['?status=BAKED', 'INVALID_STATUS'],
      ['?limit=1000', 'INVALID_LIMIT'],
      ['?cursor=%%%', 'INVALID_CURSOR'],
      [`?q=${'x'.repeat(101)}`, 'INVALID_SEARCH'],
    ] as const) {
      const response = await app.request(`/api/mes/orders${query}`, { token: operator });
      expect({ query, status: response.status, code: ((await response.json()) as { code: string }).code }).toEqual({ query, status: 400, code });
    }
    expect((await app.request('/api/mes/orders', { token: customer })).status).toBe(403);
    expect((await app.request('/api/mes/orders/stream', { token: seller })).status).toBe(403);
    expect((await app.request('/api/mes/orders/stream')).status).toBe(401);
    expect((await app.request('/api/mes/orders/stream?access_token=forged')).status).toBe(401);
    expect((await app.request('/api/mes/orders/stream', { token: operator, headers: { 'last-event-id': 'abc' } })).status).toBe(400);
  });

  it('streams order changes live, and replays what was missed after Last-Event-ID', async () => {
    const live = await stream();
    const hello = await live.next();
    expect(hello.event).toBe('hello');
    const id = await approved();
    const seen = await live.nextOrder(id);
    let last = seen;
    while (last.item.status !== 'MANUFACTURING_APPROVED') last = await live.nextOrder(id);

    expect((await post(`/api/mes/orders/${id}/start`, operator)).status).toBe(200);
    const started = await live.nextOrder(id);
    expect(started.item).toMatchObject({ status: 'MANUFACTURING_STARTED', operatorRef: 'op-7' });
    await live.close();

    // Away: the order moves on. Back with the last id seen: the change is replayed first.
    expect((await post(`/api/mes/orders/${id}/complete`, operator)).status).toBe(200);
    await until(async () => ((await dashboard('?status=MANUFACTURING_COMPLETED')).items.some((item) => item.id === id) ? true : undefined));
    // As EventSource does: a stream ticket in the URL, never the operator's token.
    const ticket = await app.request('/api/mes/orders/stream-ticket', { method: 'POST', token: await app.token('operator', 'op-7') });
    const resumed = await stream({ 'last-event-id': started.id }, `?access_token=${((await ticket.json()) as { ticket: string }).ticket}`);
    const replayed = await resumed.nextOrder(id);
    expect(replayed.item.status).toBe('MANUFACTURING_COMPLETED');
    expect(BigInt(replayed.id)).toBeGreaterThan(BigInt(started.id));
  });

  it('answers a repeated page from memory, and never with a page older than a change the stream announced', async () => {
    const pages = app.app.get(DashboardPageCache);
    const live = await stream();
    expect((await live.next()).event).toBe('hello');
    const id = await approved();
    let seen = await live.nextOrder(id);
    while (seen.item.status !== 'MANUFACTURING_APPROVED') seen = await live.nextOrder(id);
    const query = '?status=MANUFACTURING_APPROVED,MANUFACTURING_STARTED&limit=200';

    const before = await dashboard(query);
    expect(before.items.find((item) => item.id === id)?.status).toBe('MANUFACTURING_APPROVED');
    const hitsBefore = pages.stats().hits;
    for (let i = 0; i < 3; i++) expect(await dashboard(query)).toEqual(before);
    expect(pages.stats().hits).toBeGreaterThan(hitsBefore);

    expect((await post(`/api/mes/orders/${id}/start`, operator)).status).toBe(200);
    // The stream's event follows the projector's commit notification, which clears the cache first.
    expect((await live.nextOrder(id)).item.status).toBe('MANUFACTURING_STARTED');
    const after = await dashboard(query);
    expect(after.items.find((item) => item.id === id)).toMatchObject({ status: 'MANUFACTURING_STARTED', operatorRef: 'op-7' });
    expect(after.counts.MANUFACTURING_STARTED).toBe(before.counts.MANUFACTURING_STARTED + 1);
    expect(after.counts.MANUFACTURING_APPROVED).toBe(before.counts.MANUFACTURING_APPROVED - 1);
  });

  it('reports projection lag in readiness, and is not ready when the read models fall behind the limit', async () => {
    const ready = await app.request('/health/ready');
    expect(ready.status).toBe(200);
    expect(JSON.stringify(await ready.json())).toContain('projections');

    const lagging = await startTestApp({ PROJECTION_MAX_LAG_SECONDS: '0.3' });
    try {
      await lagging.app.get(Projector).stop();
      const created = await lagging.request('/api/shop/orders', { method: 'POST', token: customer, json: { material: 'GOLD_750' } });
      expect(created.status).toBe(201);
      // The store's head is its visible head: on a shared server another app's open transaction can hold it back a while.
      await until(async () => (await lagging.app.get(EventStore).headPosition()) !== undefined, 'the order in the event store', 30_000);
      const behind = await until(
        async () => {
          const response = await lagging.request('/health/ready');
          return response.status === 503 ? response : undefined;
        },
        'readiness to report the projection behind',
        30_000,
      );
      expect(JSON.stringify(await behind.json())).toMatch(/behind the event store/);
    } finally {
      await lagging.close();
    }
  });
});
