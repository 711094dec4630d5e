import { createPartnerKey } from './support/partner-keys';
import { boxStl } from './support/stl';
import { startTestApp, type TestApp } from './support/test-app';
import { until } from './support/until';

interface View {
  id: string;
  status: string;
  revision: number;
}

/**
 * Long polling on GET /api/shop/orders/:id and GET /api/partner/v1/orders/:id:
 * `?changedAfter=<revision>&wait=<seconds>` answers once the order is past
 * that revision, or as it is when the wait is over. ETag carries the revision.
 */
describe('long polling of an order', () => {
  let app: TestApp;
  let customer: string;

  beforeAll(async () => {
    app = await startTestApp({ PRICING_WORKER_ENABLED: 'false' });
    customer = await app.token('customer', 'cust-long-poll');
  });
  afterAll(async () => {
    await app?.close();
  });

  const created = async (token = customer): Promise<string> => {
    const response = await app.request('/api/shop/orders', { method: 'POST', token, json: { material: 'GOLD_750' } });
    expect(response.status).toBe(201);
    return ((await response.json()) as { id: string }).id;
  };
  const upload = async (id: string) => {
    const response = await app.request(`/api/shop/orders/${id}/model`, { method: 'PUT', token: customer, body: boxStl(), headers: { 'content-type': 'model/stl' } });
    expect(response.status).toBe(200);
  };
  const poll = async (id: string, query: string, token = customer) => {
    const started = Date.now();
    const response = await app.request(`/api/shop/orders/${id}${query}`, { token });
    return { response, elapsedMs: Date.now() - started, body: (await response.json()) as View & { code?: string } };
  };

  it('tags the answer with the revision', async () => {
    const id = await created();
    const { response, body } = await poll(id, '');
    expect(response.status).toBe(200);
    expect(body.revision).toBe(0);
    expect(response.headers.get('etag')).toBe('"0"');
  });

  it('answers a waiting caller as soon as the order changes, with the new revision', async () => {
    const id = await created();
    const waiting = poll(id, '?changedAfter=0&wait=20');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const changedAt = Date.now();
    await upload(id);
    const { response, body, elapsedMs } = await waiting;
    expect(response.status).toBe(200);
    expect(body).toMatchObject({ id, status: 'FILE_UPLOADED', revision: 1 });
    expect(response.headers.get('etag')).toBe('"1"');
    expect(elapsedMs).toBeGreaterThanOrEqual(300);
    // Well before the 20 s wait is over: the change ended it.
    expect(Date.now() - changedAt).toBeLessThan(5_000);
  });

  it('answers at once when the caller is already behind, and as it is when nothing changes', async () => {
    const id = await created();
    await upload(id);
    const behind = await poll(id, '?changedAfter=0&wait=20');
    expect(behind.body.revision).toBe(1);
    expect(behind.elapsedMs).toBeLessThan(5_000);
    const unchanged = await poll(id, '?changedAfter=1&wait=1');
    expect(unchanged.response.status).toBe(200);
    expect(unchanged.body.revision).toBe(1);
    expect(unchanged.elapsedMs).toBeGreaterThanOrEqual(950);
  });

  it('ends every wait on the same order with one change', async () => {
    const id = await created();
    const waiting = Array.from({ length: 50 }, () => poll(id, '?changedAfter=0&wait=20'));
    await new Promise((resolve) => setTimeout(resolve, 500));
    await upload(id);
    const answers = await Promise.all(waiting);
    expect(answers.map((answer) => answer.body.revision)).toEqual(Array.from({ length: 50 }, () => 1));
    expect(Math.max(...answers.map((answer) => answer.elapsedMs))).toBeLessThan(10_000);
  });

  it("does not wait on another customer's order: 404 at once", async () => {
    const id = await created(await app.token('customer', 'someone-else'));
    const { response, elapsedMs } = await poll(id, '?changedAfter=0&wait=20');
    expect(response.status).toBe(404);
    expect(elapsedMs).toBeLessThan(5_000);
  });

  it.each([
    ['?wait=5', 'INVALID_WAIT'],
    ['?changedAfter=0&wait=31', 'INVALID_WAIT'],
    ['?changedAfter=0&wait=1.5', 'INVALID_WAIT'],
    ['?changedAfter=latest&wait=5', 'INVALID_CHANGED_AFTER'],
    ['?changedAfter=0&changedAfter=1&wait=5', 'INVALID_CHANGED_AFTER'],
  ])('answers %s with 400 %s', async (query, code) => {
    const id = await created();
    const { response, body } = await poll(id, query);
    expect(response.status).toBe(400);
    expect(body.code).toBe(code);
  });

  it('works the same for a partner', async () => {
    const { key } = await createPartnerKey(app, 'long-poll-partner');
    const partner = (path: string, init: RequestInit = {}) =>
      app.request(`/api/partner/v1/orders${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), 'x-api-key': key } });
    const started = await partner('', { method: 'POST', body: JSON.stringify({ material: 'GOLD_750' }), headers: { 'content-type': 'application/json' } });
    const { id } = (await started.json()) as { id: string };
    const waiting = partner(`/${id}?changedAfter=0&wait=20`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await partner(`/${id}/model`, { method: 'PUT', body: boxStl(), headers: { 'content-type': 'model/stl' } })).status).toBe(200);
    const answer = await waiting;
    expect(answer.status).toBe(200);
    expect(answer.headers.get('etag')).toBe('"1"');
    expect(((await answer.json()) as View).status).toBe('FILE_UPLOADED');
  });

  it('lets waiting long polls take no request slots, and bounds their number on their own', async () => {
    const bounded = await startTestApp({ PRICING_WORKER_ENABLED: 'false', HTTP_MAX_IN_FLIGHT: '2', HTTP_MAX_LONG_POLLS: '3' });
    try {
      const token = await bounded.token('customer', 'cust-bounded');
      const response = await bounded.request('/api/shop/orders', { method: 'POST', token, json: { material: 'GOLD_750' } });
      const { id } = (await response.json()) as { id: string };
      const waiting = Array.from({ length: 3 }, () => bounded.request(`/api/shop/orders/${id}?changedAfter=0&wait=3`, { token }));
      await until(async () => ((await (await bounded.metrics()).text()).includes('alexandrite_http_long_polls_open 3') ? true : undefined), 'three long polls open');
      // Three requests wait, yet the replica's two request slots are free.
      for (let i = 0; i < 3; i++) expect((await bounded.request(`/api/shop/orders/${id}`, { token })).status).toBe(200);
      const refused = await bounded.request(`/api/shop/orders/${id}?changedAfter=0&wait=3`, { token });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect((await refused.json()) as { code: string; details: { limit: string } }).toMatchObject({ code: 'OVERLOADED', details: { limit: 'long_polls' } });
      expect((await Promise.all(waiting)).map((answer) => answer.status)).toEqual([200, 200, 200]);
    } finally {
      await bounded.close();
    }
  });
});
