import { boxStl } from './support/stl';
import { startTestApp, type TestApp } from './support/test-app';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('support: order history and time travel over HTTP', () => {
  let app: TestApp;
  let customer: string;
  let support: string;
  let orderId: string;
  let createdAt: string;

  beforeAll(async () => {
    app = await startTestApp();
    [customer, support] = await Promise.all([app.token('customer', 'cust-h'), app.token('support', 'support-3')]);
    const traced = { 'x-correlation-id': 'corr-history-1', traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` };
    const created = await app.request('/api/shop/orders', { method: 'POST', token: customer, json: { material: 'SILVER_925' }, headers: traced });
    expect(created.status).toBe(201);
    orderId = ((await created.json()) as { id: string }).id;
    const uploaded = await app.request(`/api/shop/orders/${orderId}/model`, { method: 'PUT', token: customer, body: boxStl(), headers: { 'content-type': 'model/stl' } });
    expect(uploaded.status).toBe(200);
    expect((await app.request(`/api/shop/orders/${orderId}/cancel`, { method: 'POST', token: customer, json: {} })).status).toBe(200);
  });
  afterAll(async () => {
    await app?.close();
  });

  const get = (path: string, token = support) => app.request(path, { token });

  it('lists every event in order with its metadata and the time spent in each status', async () => {
    const response = await get(`/api/support/orders/${orderId}/history`);
    expect(response.status).toBe(200);
    const timeline = (await response.json()) as {
      status: string;
      revision: number;
      events: Array<{ revision: number; position: string; type: string; actor: { role: string; id: string }; correlationId: string; traceId: string | null; statusAfter: string }>;
      statusPeriods: Array<{ status: string; ongoing: boolean; durationMs: number; enteredAt: string; leftAt: string | null }>;
      timeInStatusMs: Record<string, number>;
    };
    expect(timeline.status).toBe('CANCELLED');
    expect(timeline.events.map((event) => [event.revision, event.type, event.statusAfter])).toEqual([
      [0, 'OrderInitiated', 'INITIATED'],
      [1, 'ModelUploaded', 'FILE_UPLOADED'],
      [2, 'OrderCancelled', 'CANCELLED'],
    ]);
    expect(timeline.revision).toBe(2);
    const positions = timeline.events.map((event) => BigInt(event.position));
    expect(positions[0]! < positions[1]! && positions[1]! < positions[2]!).toBe(true);
    expect(timeline.events[0]).toMatchObject({ actor: { role: 'customer', id: 'cust-h' }, correlationId: 'corr-history-1', traceId: TRACE_ID });
    expect(timeline.statusPeriods.map((period) => [period.status, period.ongoing])).toEqual([
      ['INITIATED', false],
      ['FILE_UPLOADED', false],
      ['CANCELLED', true],
    ]);
    createdAt = timeline.statusPeriods[0]!.enteredAt;
    expect(timeline.statusPeriods[0]!.leftAt).toBe(timeline.statusPeriods[1]!.enteredAt);
    expect(Object.keys(timeline.timeInStatusMs)).toEqual(['INITIATED', 'FILE_UPLOADED', 'CANCELLED']);
  });

  it('replays the state up to a revision', async () => {
    const response = await get(`/api/support/orders/${orderId}/state?revision=1`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      asOf: { revision: 1, eventType: 'ModelUploaded' },
      latestRevision: 2,
      state: { status: 'FILE_UPLOADED', material: 'SILVER_925' },
    });
  });

  it('replays the state as it was at a time', async () => {
    const now = await get(`/api/support/orders/${orderId}/state?at=${encodeURIComponent(new Date().toISOString())}`);
    expect(await now.json()).toMatchObject({ asOf: { revision: 2 }, state: { status: 'CANCELLED' } });
    const atCreation = await get(`/api/support/orders/${orderId}/state?at=${encodeURIComponent(createdAt)}`);
    expect(await atCreation.json()).toMatchObject({ asOf: { revision: 0 }, state: { status: 'INITIATED' } });
  });

  it('says when the order did not exist yet, or the revision does not exist', async () => {
    const before = await get(`/api/support/orders/${orderId}/state?at=2020-01-01T00:00:00Z`);
    expect(before.status).toBe(404);
    expect(await before.json()).toMatchObject({ code: 'ORDER_NOT_YET_CREATED', details: { createdAt } });
    const beyond = await get(`/api/support/orders/${orderId}/state?revision=3`);
    expect(beyond.status).toBe(404);
    expect(await beyond.json()).toMatchObject({ code: 'REVISION_NOT_FOUND', details: { lastRevision: 2 } });
  });

  it.each([
    ['no point', '', 'REPLAY_POINT_REQUIRED'],
    ['both points', '?revision=1&at=2026-01-01T00:00:00Z', 'AMBIGUOUS_REPLAY_POINT'],
    ['a negative revision', '?revision=-1', 'VALIDATION_FAILED'],
    ['a revision that is not a number', '?revision=abc', 'VALIDATION_FAILED'],
    ['a time that is not ISO-8601', '?at=yesterday', 'VALIDATION_FAILED'],
    ['an unknown parameter', '?revision=1&drop=table', 'VALIDATION_FAILED'],
  ])('refuses %s with 400', async (_name, query, code) => {
    const response = await get(`/api/support/orders/${orderId}/state${query}`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code });
  });

  it('answers 404 for an unknown order and 400 for an id that is not a UUID', async () => {
    expect((await get('/api/support/orders/8d5b1c1e-0f5c-4b59-9a43-6f7a0f4b8a11/history')).status).toBe(404);
    expect(await (await get('/api/support/orders/not-a-uuid/history')).json()).toMatchObject({ code: 'INVALID_ORDER_ID' });
  });

  it('is for support and admin only', async () => {
    expect((await get(`/api/support/orders/${orderId}/history`, customer)).status).toBe(403);
    expect((await get(`/api/support/orders/${orderId}/history`, await app.token('admin', 'admin-1'))).status).toBe(200);
    expect((await app.request(`/api/support/orders/${orderId}/history`)).status).toBe(401);
  });
});
