import { randomUUID } from 'node:crypto';
import { EventStore } from '../src/infrastructure/event-store/event-store.port';
import { signCarrierPayload } from '../src/modules/crm/carrier/carrier-signature';
import { approvedOrder, awaitPriced, createdOrder, submittedOrder } from './support/orders';
import { boxAsciiStl, boxStl } from './support/stl';
import { startTestApp, TEST_CARRIER_SECRET, type TestApp } from './support/test-app';

const MAX_MODEL_BYTES = 64 * 1024;

describe('order lifecycle over HTTP', () => {
  let app: TestApp;
  let customer: string;
  let otherCustomer: string;
  let seller: string;
  let operator: string;

  beforeAll(async () => {
    // These tests record prices by hand (test/support/orders.ts); the automatic pricing worker would race them.
    app = await startTestApp({ MAX_MODEL_BYTES: String(MAX_MODEL_BYTES), PRICING_WORKER_ENABLED: 'false' });
    [customer, otherCustomer, seller, operator] = await Promise.all([
      app.token('customer', 'cust-1'),
      app.token('customer', 'cust-2'),
      app.token('seller', 'seller-9'),
      app.token('operator', 'op-7'),
    ]);
  });
  afterAll(async () => {
    await app?.close();
  });

  const post = (path: string, token: string, json?: unknown, headers?: Record<string, string>) =>
    app.request(path, { method: 'POST', token, ...(json === undefined ? {} : { json }), ...(headers ? { headers } : {}) });
  const upload = (id: string, body: Buffer | string, token = customer, contentType = 'model/stl') =>
    app.request(`/api/shop/orders/${id}/model`, { method: 'PUT', token, body, headers: { 'content-type': contentType } });
  const streamTypes = async (id: string) => (await app.app.get(EventStore).readStream(`order-${id}`)).map((event) => event.type);

  function carrierDelivered(body: Record<string, unknown>, secret = TEST_CARRIER_SECRET) {
    const raw = JSON.stringify(body);
    const timestamp = Math.floor(Date.now() / 1000);
    return app.request('/api/crm/carrier/delivered', {
      method: 'POST',
      body: raw,
      headers: { 'content-type': 'application/json', 'x-carrier-timestamp': String(timestamp), 'x-carrier-signature': signCarrierPayload(secret, timestamp, raw) },
    });
  }

  it('takes an order from INITIATED to CLOSED, every step an event in order', async () => {
    const created = await post('/api/shop/orders', customer, { material: 'GOLD_750' }, { 'x-correlation-id': 'checkout-42' });
    expect(created.status).toBe(201);
    const { id, status, revision } = (await created.json()) as { id: string; status: string; revision: number };
    expect({ status, revision }).toEqual({ status: 'INITIATED', revision: 0 });

    const uploaded = await upload(id, boxStl());
    expect(uploaded.status).toBe(200);
    expect(await uploaded.json()).toMatchObject({ id, status: 'FILE_UPLOADED', model: { format: 'stl-binary', triangleCount: 12, sizeBytes: 684 } });

    expect((await post(`/api/shop/orders/${id}/submit`, customer)).status).toBe(202);
    await awaitPriced(app, customer, id);
    const steps: Array<[string, string, unknown?]> = [
      [`/api/crm/orders/${id}/approve`, seller],
      [`/api/mes/orders/${id}/start`, operator],
      [`/api/mes/orders/${id}/complete`, operator],
      [`/api/mes/orders/${id}/package`, operator],
      [`/api/mes/orders/${id}/ship`, operator, { trackingNumber: 'TRK-1001' }],
    ];
    for (const [path, token, body] of steps) {
      const response = await post(path, token, body);
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
    }
    const delivered = await carrierDelivered({ orderId: id, trackingNumber: 'TRK-1001', deliveredAt: '2026-11-23T10:00:00Z' });
    expect(delivered.status).toBe(200);
    expect(await delivered.json()).toEqual({ orderId: id, status: 'CLOSED', alreadyClosed: false });

    const view = await app.request(`/api/shop/orders/${id}`, { token: customer });
    expect(await view.json()).toMatchObject({ id, status: 'CLOSED', trackingNumber: 'TRK-1001', price: { currency: 'EUR', total: 420.5 }, allowedActions: [] });

    const events = await app.app.get(EventStore).readStream(`order-${id}`);
    expect(events.map((event) => event.type)).toEqual([
      'OrderInitiated',
      'ModelUploaded',
      'OrderSubmitted',
      'PriceCalculated',
      'ManufacturingApproved',
      'ManufacturingStarted',
      'ManufacturingCompleted',
      'PackagingStarted',
      'OrderShipped',
      'OrderClosed',
    ]);
    expect(events.map((event) => event.revision)).toEqual(events.map((_, index) => BigInt(index)));
    expect(events.map((event) => `${event.metadata.actor.role}:${event.metadata.actor.id}`)).toEqual(
      ['customer:cust-1', 'customer:cust-1', 'customer:cust-1', 'pricing:pricing-worker', 'seller:seller-9', 'op-7', 'op-7', 'op-7', 'op-7', 'carrier:carrier-webhook'].map(
        (actor) => (actor.startsWith('op-') ? `operator:${actor}` : actor),
      ),
    );
    expect(events[0]?.metadata).toMatchObject({ correlationId: 'checkout-42', schemaVersion: 1 });
    for (const event of events) {
      expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(Date.parse(event.metadata.occurredAt)).not.toBeNaN();
    }

    // The carrier resends: a success that changes nothing.
    const again = await carrierDelivered({ orderId: id, deliveredAt: '2026-11-23T10:00:00Z' });
    expect(await again.json()).toEqual({ orderId: id, status: 'CLOSED', alreadyClosed: true });
    expect(await streamTypes(id)).toHaveLength(10);
  });

  it('cancels before manufacturing and then refuses factory steps with ILLEGAL_TRANSITION', async () => {
    const id = await submittedOrder(app, customer);
    const cancelled = await post(`/api/shop/orders/${id}/cancel`, customer, { reason: 'ordered the wrong size' });
    expect(cancelled.status).toBe(200);
    expect(await cancelled.json()).toMatchObject({ status: 'CANCELLED', cancellation: { reasonCode: 'CUSTOMER_REQUEST', reason: 'ordered the wrong size' } });
    expect(await streamTypes(id)).toEqual(['OrderInitiated', 'ModelUploaded', 'OrderSubmitted', 'OrderCancelled']);

    const refused = await post(`/api/mes/orders/${id}/start`, operator);
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ code: 'ILLEGAL_TRANSITION', details: { currentStatus: 'CANCELLED', allowed: [] } });
  });

  it('lets a seller cancel an approved order, but nobody once manufacturing started', async () => {
    const id = await approvedOrder(app, { customer, seller });
    const other = await approvedOrder(app, { customer, seller });
    expect((await post(`/api/crm/orders/${id}/cancel`, seller, { reason: 'model cannot be cast' })).status).toBe(200);
    expect((await post(`/api/mes/orders/${other}/start`, operator)).status).toBe(200);
    const late = await post(`/api/shop/orders/${other}/cancel`, customer);
    expect(late.status).toBe(409);
    expect(await late.json()).toMatchObject({ details: { currentStatus: 'MANUFACTURING_STARTED', allowed: ['CompleteManufacturing'] } });
  });

  it('lets exactly one of 20 concurrent starts win; the others get 409', async () => {
    const id = await approvedOrder(app, { customer, seller });
    const responses = await Promise.all(Array.from({ length: 20 }, () => post(`/api/mes/orders/${id}/start`, operator)));
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(19);
    const bodies = await Promise.all(responses.filter((response) => response.status === 409).map((response) => response.json()));
    for (const body of bodies) expect((body as { code: string }).code).toMatch(/ILLEGAL_TRANSITION|CONCURRENT_MODIFICATION/);
    expect((await streamTypes(id)).filter((type) => type === 'ManufacturingStarted')).toHaveLength(1);
  });

  it('replaces the model before submit, with an ASCII STL', async () => {
    const id = await createdOrder(app, customer);
    expect((await upload(id, boxStl())).status).toBe(200);
    const replaced = await upload(id, boxAsciiStl(), customer, 'application/sla');
    expect(replaced.status).toBe(200);
    expect(await replaced.json()).toMatchObject({ status: 'FILE_UPLOADED', model: { format: 'stl-ascii', triangleCount: 12 } });
    expect(await streamTypes(id)).toEqual(['OrderInitiated', 'ModelUploaded', 'ModelUploaded']);
  });

  describe('Idempotency-Key', () => {
    it('answers a retried create with the first response and creates one order', async () => {
      const key = `create-${randomUUID()}`;
      const first = await post('/api/shop/orders', customer, { material: 'SILVER_925' }, { 'idempotency-key': key });
      const second = await post('/api/shop/orders', customer, { material: 'SILVER_925' }, { 'idempotency-key': key });
      expect(first.status).toBe(201);
      expect(second.status).toBe(201);
      expect(second.headers.get('idempotent-replayed')).toBe('true');
      const [a, b] = (await Promise.all([first.json(), second.json()])) as Array<{ id: string }>;
      expect(b).toEqual(a);
      expect(await streamTypes(a!.id)).toEqual(['OrderInitiated']);
    });

    it('refuses the same key with another body with 422', async () => {
      const key = `create-${randomUUID()}`;
      expect((await post('/api/shop/orders', customer, { material: 'SILVER_925' }, { 'idempotency-key': key })).status).toBe(201);
      const reused = await post('/api/shop/orders', customer, { material: 'GOLD_585' }, { 'idempotency-key': key });
      expect(reused.status).toBe(422);
      expect(await reused.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    });

    it('replays a retried command without a second event', async () => {
      const id = await approvedOrder(app, { customer, seller });
      const key = randomUUID();
      const first = await post(`/api/mes/orders/${id}/start`, operator, undefined, { 'idempotency-key': key });
      const second = await post(`/api/mes/orders/${id}/start`, operator, undefined, { 'idempotency-key': key });
      expect([first.status, second.status]).toEqual([200, 200]);
      expect((await streamTypes(id)).filter((type) => type === 'ManufacturingStarted')).toHaveLength(1);
    });

    it('keeps keys apart per caller', async () => {
      const key = randomUUID();
      const create = (token: string) => post('/api/shop/orders', token, { material: 'GOLD_585' }, { 'idempotency-key': key });
      const answer = async (response: Response) => ({
        status: response.status,
        replayed: response.headers.get('idempotent-replayed'),
        id: ((await response.json()) as { id: string }).id,
      });
      const mine = await answer(await create(customer));
      // The same key from another caller creates that caller's own order: no replay of the first caller's answer.
      const theirs = await answer(await create(otherCustomer));
      expect(mine).toMatchObject({ status: 201, replayed: null });
      expect(theirs).toMatchObject({ status: 201, replayed: null });
      expect(theirs.id).not.toEqual(mine.id);
      expect((await app.request(`/api/shop/orders/${theirs.id}`, { token: otherCustomer })).status).toBe(200);
      expect((await app.request(`/api/shop/orders/${theirs.id}`, { token: customer })).status).toBe(404);
      // Retried, the key answers each caller with its own order.
      expect(await answer(await create(customer))).toEqual({ ...mine, replayed: 'true' });
      expect(await answer(await create(otherCustomer))).toEqual({ ...theirs, replayed: 'true' });
      expect(await streamTypes(mine.id)).toEqual(['OrderInitiated']);
      expect(await streamTypes(theirs.id)).toEqual(['OrderInitiated']);
    });
  });

  describe('bad input answers the right 4xx with a code', () => {
    let id: string;
    beforeAll(async () => {
      id = await createdOrder(app, customer);
    });

    const expectError = async (response: Response, status: number, code: string | RegExp) => {
      const body = (await response.json()) as { code: string; message: string };
      expect({ status: response.status, code: body.code }).toEqual({ status, code: typeof code === 'string' ? code : expect.stringMatching(code) });
      expect(typeof body.message).toBe('string');
      expect(JSON.stringify(body)).not.toMatch(/at .*\.(ts|js):\d+/);
    };

    it('unknown order: 404', async () => {
      await expectError(await app.request(`/api/shop/orders/${randomUUID()}`, { token: customer }), 404, 'ORDER_NOT_FOUND');
      await expectError(await post(`/api/mes/orders/${randomUUID()}/start`, operator), 404, 'ORDER_NOT_FOUND');
    });

    it('malformed UUID: 400', async () => {
      await expectError(await app.request('/api/shop/orders/not-a-uuid', { token: customer }), 400, 'INVALID_ORDER_ID');
      await expectError(await post("/api/crm/orders/1'%20OR%201=1/approve", seller), 400, 'INVALID_ORDER_ID');
    });

    it("another customer's order: 404, for reading and for commands", async () => {
      await expectError(await app.request(`/api/shop/orders/${id}`, { token: otherCustomer }), 404, 'ORDER_NOT_FOUND');
      await expectError(await post(`/api/shop/orders/${id}/cancel`, otherCustomer), 404, 'ORDER_NOT_FOUND');
      await expectError(await upload(id, boxStl(), otherCustomer), 404, 'ORDER_NOT_FOUND');
    });

    it('no credentials: 401; a bad token: 401; a wrong role: 403', async () => {
      await expectError(await app.request('/api/shop/orders', { method: 'POST', json: { material: 'GOLD_750' } }), 401, 'UNAUTHENTICATED');
      await expectError(await post('/api/shop/orders', 'not.a.token', { material: 'GOLD_750' }), 401, 'INVALID_TOKEN');
      await expectError(await post('/api/shop/orders', operator, { material: 'GOLD_750' }), 403, 'FORBIDDEN_ROLE');
      await expectError(await post(`/api/mes/orders/${id}/start`, customer), 403, 'FORBIDDEN_ROLE');
    });

    it('wrong content type for a model: 415', async () => {
      await expectError(await upload(id, 'hello', customer, 'text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    });

    it('empty model body: 400, and the order stays INITIATED with no event', async () => {
      await expectError(await upload(id, Buffer.alloc(0)), 400, 'EMPTY_BODY');
      expect(await streamTypes(id)).toEqual(['OrderInitiated']);
    });

    it('a file that is not a model: 422 with a precise code, and the customer can upload again', async () => {
      await expectError(await upload(id, Buffer.from('{"this":"is json"}')), 422, 'UNRECOGNISED_MODEL_FORMAT');
      const truncated = boxStl().subarray(0, 400);
      await expectError(await upload(id, truncated), 422, 'TRUNCATED_MODEL');
      expect(await streamTypes(id)).toEqual(['OrderInitiated']);
      expect((await upload(id, boxStl())).status).toBe(200);
    });

    it('a model over the size limit: 413, before or while reading it', async () => {
      const other = await createdOrder(app, customer);
      await expectError(await upload(other, Buffer.alloc(MAX_MODEL_BYTES + 1000, 1)), 413, 'MODEL_TOO_LARGE');
      // Without Content-Length (chunked), the limit is enforced while streaming.
      const chunked = new ReadableStream({
        start(controller) {
          for (let i = 0; i < 5; i++) controller.enqueue(new Uint8Array(MAX_MODEL_BYTES / 2));
          controller.close();
        },
      });
      const response = await fetch(`${app.baseUrl}/api/shop/orders/${other}/model`, {
        method: 'PUT',
        body: chunked,
        duplex: 'half',
        headers: { authorization: `Bearer ${customer}`, 'content-type': 'application/octet-stream' },
      });
      await expectError(response, 413, 'MODEL_TOO_LARGE');
      expect(await streamTypes(other)).toEqual(['OrderInitiated']);
    });

    it('invalid JSON, unknown fields, wrong types, unknown material: 400/422', async () => {
      const raw = await app.request('/api/shop/orders', { method: 'POST', token: customer, body: '{"material":', headers: { 'content-type': 'application/json' } });
      await expectError(raw, 400, 'INVALID_JSON');
      await expectError(await post('/api/shop/orders', customer, { material: 'GOLD_750', price: 1 }), 400, 'VALIDATION_FAILED');
      await expectError(await post('/api/shop/orders', customer, { material: 750 }), 400, 'VALIDATION_FAILED');
      await expectError(await post('/api/shop/orders', customer, {}), 400, 'VALIDATION_FAILED');
      await expectError(await post('/api/shop/orders', customer, { material: 'GOLD_999' }), 422, 'UNKNOWN_MATERIAL');
      await expectError(await post(`/api/mes/orders/${id}/ship`, operator, { trackingNumber: '' }), 400, 'VALIDATION_FAILED');
    });

    it('submit without a model: 409 with the allowed steps', async () => {
      const fresh = await createdOrder(app, customer);
      const response = await post(`/api/shop/orders/${fresh}/submit`, customer);
      expect(response.status).toBe(409);
      expect(await response.json()).toMatchObject({ code: 'ILLEGAL_TRANSITION', details: { currentStatus: 'INITIATED', allowed: ['AttachModel', 'CancelOrder'] } });
    });

    it('carrier webhook with a bad signature: 401, and nothing changes', async () => {
      const shipped = await approvedOrder(app, { customer, seller });
      for (const step of ['start', 'complete', 'package']) expect((await post(`/api/mes/orders/${shipped}/${step}`, operator)).status).toBe(200);
      expect((await post(`/api/mes/orders/${shipped}/ship`, operator, { trackingNumber: 'TRK-2' })).status).toBe(200);
      await expectError(await carrierDelivered({ orderId: shipped, deliveredAt: '2026-11-23T10:00:00Z' }, 'wrong-secret-wrong-secret'), 401, 'INVALID_SIGNATURE');
      const unsigned = await app.request('/api/crm/carrier/delivered', { method: 'POST', json: { orderId: shipped, deliveredAt: '2026-11-23T10:00:00Z' } });
      await expectError(unsigned, 401, 'MISSING_SIGNATURE');
      // The signature is checked before the body: an unsigned request learns nothing about what a valid body looks like.
      const unsignedGarbage = await app.request('/api/crm/carrier/delivered', { method: 'POST', json: { nonsense: true } });
      await expectError(unsignedGarbage, 401, 'MISSING_SIGNATURE');
      expect((await streamTypes(shipped)).at(-1)).toBe('OrderShipped');
    });
  });
});
