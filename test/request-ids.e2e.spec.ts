import { captureAppLogs, type LogCapture } from './support/log-capture';
import { boxStl } from './support/stl';
import { startTestApp, type TestApp } from './support/test-app';
import { until } from './support/until';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface RequestTrail {
  requestId: string;
  orderIds: string[];
  events: Array<{ streamId: string; revision: number; position: string; type: string; orderId: string | null; occurredAt: string }>;
}

/**
 * Request ids: every answer carries X-Request-Id (the caller's when sane),
 * error bodies and events carry it, and support goes from it to exactly
 * what the request changed.
 */
describe('request ids', () => {
  let app: TestApp;
  let customer: string;
  let support: string;
  let logs: LogCapture;

  beforeAll(async () => {
    app = await startTestApp({ LOG_LEVEL: 'warn', LOG_FORMAT: 'json' });
    logs = await captureAppLogs(app.app);
    [customer, support] = await Promise.all([app.token('customer', 'cust-rid'), app.token('support', 'support-rid')]);
  });
  afterAll(async () => {
    logs?.restore();
    await app?.close();
  });

  const trailOf = (requestId: string) =>
    until(async () => {
      const response = await app.request(`/api/support/requests/${encodeURIComponent(requestId)}`, { token: support });
      return response.status === 200 ? ((await response.json()) as RequestTrail) : undefined;
    }, `the events of request ${requestId} listed`);

  it('keeps a sane caller id and puts it on the answer, the error body and the events', async () => {
    const created = await app.request('/api/shop/orders', { method: 'POST', token: customer, json: { material: 'GOLD_585' }, headers: { 'x-request-id': 'shop-checkout:42.a_b' } });
    expect(created.status).toBe(201);
    expect(created.headers.get('x-request-id')).toBe('shop-checkout:42.a_b');
    const { id } = (await created.json()) as { id: string };

    const refused = await app.request(`/api/shop/orders/${id}/submit`, { method: 'POST', token: customer, json: {}, headers: { 'x-request-id': 'submit-too-early-1' } });
    expect(refused.status).toBe(409);
    expect(refused.headers.get('x-request-id')).toBe('submit-too-early-1');
    expect(await refused.json()).toMatchObject({ code: 'ILLEGAL_TRANSITION', requestId: 'submit-too-early-1' });

    const history = (await (await app.request(`/api/support/orders/${id}/history`, { token: support })).json()) as {
      events: Array<{ type: string; requestId: string | null; causationId: string | null }>;
    };
    expect(history.events[0]).toMatchObject({ type: 'OrderInitiated', requestId: 'shop-checkout:42.a_b', causationId: 'shop-checkout:42.a_b' });

    // The request's log lines carry the same id (not a per-process req-N).
    const lines = await until(async () => {
      const found = logs.lines.filter((line) => (line.req as { id?: string } | undefined)?.id === 'submit-too-early-1');
      return found.length > 0 ? found : undefined;
    }, 'the log line of the refused submit');
    expect(lines[0]).toMatchObject({ msg: 'request completed', res: { statusCode: 409 } });
    expect(logs.lines.some((line) => /^req-\d+$/.test(String((line.req as { id?: unknown } | undefined)?.id)))).toBe(false);
  });

  it('replaces a missing or malformed id with a new UUID and never echoes the bad one', async () => {
    const bad = ['has space', 'x'.repeat(129), 'semi;colon', '<script>', 'ünïcode', ''];
    for (const value of bad) {
      const response = await app.request('/api/shop/orders', { token: customer, headers: value === '' ? {} : { 'x-request-id': value } });
      expect(response.status).toBe(200);
      const answered = response.headers.get('x-request-id');
      expect(answered).toMatch(UUID);
      expect(answered).not.toBe(value);
    }
    expect((await app.request('/api/shop/orders', { token: customer, headers: { 'x-request-id': 'y'.repeat(128) } })).headers.get('x-request-id')).toBe('y'.repeat(128));
  });

  it('puts the id on every kind of error answer: 401, 400, 404, 413 and unknown routes', async () => {
    const cases: Array<[string, RequestInit & { token?: string; json?: unknown }]> = [
      ['/api/shop/orders', {}],
      ['/api/shop/orders', { method: 'POST', token: customer, json: { material: 'GOLD_585', extra: 1 } }],
      ['/api/shop/orders/not-a-uuid', { token: customer }],
      [`/api/shop/orders/${crypto.randomUUID()}`, { token: customer }],
      ['/api/no-such-route', {}],
      [
        '/api/shop/orders',
        { method: 'POST', token: customer, headers: { 'content-type': 'application/json', 'idempotency-key': 'deep-1' }, body: '['.repeat(50) + ']'.repeat(50) },
      ],
      ['/api/shop/orders', { method: 'POST', token: customer, headers: { 'content-type': 'application/json' }, body: '{"material": ' }],
      ['/api/shop/orders', { method: 'POST', token: customer, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ material: 'x'.repeat(2_000_000) }) }],
    ];
    for (const [path, init] of cases) {
      const response = await app.request(path, init);
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      const requestId = response.headers.get('x-request-id');
      expect(requestId).toMatch(UUID);
      const body = (await response.json()) as { code: string; message: string; requestId: string };
      expect(body).toEqual(expect.objectContaining({ code: expect.any(String), message: expect.any(String), requestId }));
    }
  });

  it('leads support from a request id to exactly the events that request appended', async () => {
    const created = await app.request('/api/shop/orders', { method: 'POST', token: customer, json: { material: 'SILVER_925' } });
    const { id } = (await created.json()) as { id: string };
    const uploadId = 'upload-request-7';
    const uploaded = await app.request(`/api/shop/orders/${id}/model`, {
      method: 'PUT',
      token: customer,
      body: boxStl(),
      headers: { 'content-type': 'model/stl', 'x-request-id': uploadId },
    });
    expect(uploaded.status).toBe(200);
    const cancelled = await app.request(`/api/shop/orders/${id}/cancel`, { method: 'POST', token: customer, json: {} });
    expect(cancelled.status).toBe(200);
    const cancelId = cancelled.headers.get('x-request-id')!;

    const upload = await trailOf(uploadId);
    expect(upload).toMatchObject({ requestId: uploadId, orderIds: [id] });
    expect(upload.events.map((event) => [event.streamId, event.revision, event.type, event.orderId])).toEqual([[`order-${id}`, 1, 'ModelUploaded', id]]);
    expect(Number.isNaN(Date.parse(upload.events[0]!.occurredAt))).toBe(false);

    const cancel = await trailOf(cancelId);
    expect(cancel.events.map((event) => [event.revision, event.type])).toEqual([[2, 'OrderCancelled']]);
  });

  it('answers 404 REQUEST_NOT_FOUND for an id that changed nothing, 400 for a malformed one, and only to support and admin', async () => {
    const listed = await app.request('/api/shop/orders', { token: customer });
    const readOnly = listed.headers.get('x-request-id')!;
    const notFound = await app.request(`/api/support/requests/${readOnly}`, { token: support });
    expect(notFound.status).toBe(404);
    expect(await notFound.json()).toMatchObject({ code: 'REQUEST_NOT_FOUND', requestId: notFound.headers.get('x-request-id') });

    const malformed = await app.request(`/api/support/requests/${encodeURIComponent('bad id!')}`, { token: support });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ code: 'INVALID_REQUEST_ID' });

    const admin = await app.token('admin', 'admin-rid');
    expect((await app.request(`/api/support/requests/${readOnly}`, { token: admin })).status).toBe(404);
    expect((await app.request(`/api/support/requests/${readOnly}`, { token: customer })).status).toBe(403);
    expect((await app.request(`/api/support/requests/${readOnly}`)).status).toBe(401);
  });

  it('describes the header and the requestId field in the OpenAPI document', async () => {
    const document = (await (await app.request('/docs/openapi.json')).json()) as {
      info: { description: string };
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
      paths: Record<string, Record<string, { responses: Record<string, { headers?: Record<string, unknown> }>; parameters?: Array<{ name: string; in: string }> }>>;
    };
    expect(document.paths['/api/support/requests/{requestId}']?.get).toBeDefined();
    const errorSchema = Object.values(document.components.schemas).find((schema) => schema.properties?.code && schema.properties?.message);
    expect(errorSchema?.properties).toHaveProperty('requestId');
    const create = document.paths['/api/shop/orders']!.post!;
    expect(create.parameters?.some((parameter) => parameter.in === 'header' && parameter.name === 'X-Request-Id')).toBe(true);
    expect(create.responses['201']?.headers).toHaveProperty('X-Request-Id');
  });
});
