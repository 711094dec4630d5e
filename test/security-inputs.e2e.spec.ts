import { startTestApp, type TestApp } from './support/test-app';

describe('hardened inputs and security headers', () => {
  let app: TestApp;
  let customer: string;

  beforeAll(async () => {
    app = await startTestApp({ CORS_ORIGINS: 'https://shop.example.com', MAX_JSON_BYTES: '4096' });
    customer = await app.token('customer', 'cust-inputs');
  });
  afterAll(async () => {
    await app?.close();
  });

  it('sends security headers on API answers, errors included', async () => {
    for (const response of [await app.request('/api/shop/catalog'), await app.request('/api/shop/orders'), await app.request('/no/such/route')]) {
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(response.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(response.headers.get('x-powered-by')).toBeNull();
    }
  });

  it('allows cross-origin calls only from the configured origins', async () => {
    const preflight = (origin: string) =>
      app.request('/api/shop/orders', {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,idempotency-key' },
      });
    const allowed = await preflight('https://shop.example.com');
    expect(allowed.status).toBeLessThan(300);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
    expect(allowed.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('idempotency-key');
    const foreign = await preflight('https://evil.example.com');
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    const simple = await app.request('/api/shop/catalog', { headers: { origin: 'https://shop.example.com' } });
    expect(simple.headers.get('access-control-expose-headers')?.toLowerCase()).toContain('ratelimit-remaining');
  });

  it('refuses unknown fields and wrong types instead of ignoring or coercing them', async () => {
    const unknown = await app.request('/api/shop/orders', { method: 'POST', token: customer, json: { material: 'GOLD_750', price: 1 } });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: { fields: [{ field: 'price' }] } });
    const wrongType = await app.request('/api/shop/orders', { method: 'POST', token: customer, json: { material: 750 } });
    expect(wrongType.status).toBe(400);
    const prototype = await app.request('/api/shop/orders', {
      method: 'POST',
      token: customer,
      body: '{"material":"GOLD_750","__proto__":{"admin":true}}',
      headers: { 'content-type': 'application/json' },
    });
    expect(prototype.status).toBe(400);
  });

  it('limits JSON bodies and refuses unknown content types with a code', async () => {
    const huge = await app.request('/api/shop/orders', { method: 'POST', token: customer, json: { material: 'GOLD_750', padding: 'x'.repeat(10_000) } });
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    const xml = await app.request('/api/shop/orders', { method: 'POST', token: customer, body: '<material/>', headers: { 'content-type': 'application/xml' } });
    expect(xml.status).toBe(415);
    expect(await xml.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
  });
});

/**
 * Inputs a hostile probe sent (issue 24): some reached the database or
 * overflowed the stack and came back as 500; each is now a 4xx with a code,
 * with or without an Idempotency-Key, and the app stays ready. Models that
 * cannot be read are refused at upload, not found out at pricing.
 */
describe('inputs a hostile probe sent', () => {
  let app: TestApp;
  let customer: string;

  beforeAll(async () => {
    app = await startTestApp({ PRICING_WORKER_ENABLED: 'false' });
    customer = await app.token('customer', 'cust-hostile');
  });
  afterAll(async () => {
    await app?.close();
  });

  const post = (path: string, token: string, body: string, key?: string) =>
    app.request(path, { method: 'POST', token, body, headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) } });

  it('refuses a deeply nested JSON body with 400 BODY_TOO_DEEP, with an Idempotency-Key too', async () => {
    const deep = `{"material":"GOLD_750","x":${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
    for (const key of [undefined, 'deep-body-1']) {
      const response = await post('/api/shop/orders', customer, deep, key);
      const { code } = (await response.json()) as { code: string };
      expect({ key, status: response.status, code }).toEqual({ key, status: 400, code: 'BODY_TOO_DEEP' });
    }
    expect((await app.request('/health/ready')).status).toBe(200);
  });

  it('refuses a lone UTF-16 surrogate in a string field with 400 INVALID_UNICODE, in values and in keys', async () => {
    const created = await app.request('/api/shop/orders', { method: 'POST', token: customer, json: { material: 'GOLD_750' } });
    const { id } = (await created.json()) as { id: string };
    for (const [body, key] of [
      ['{"reason":"changed my mind \\ud800"}', undefined],
      ['{"reason":"\\udc00"}', 'lone-surrogate-1'],
      ['{"reason":"ok","\\ud83d":1}', undefined],
    ] as const) {
      const response = await post(`/api/shop/orders/${id}/cancel`, customer, body, key);
      const { code } = (await response.json()) as { code: string };
      expect({ body, status: response.status, code }).toEqual({ body, status: 400, code: 'INVALID_UNICODE' });
    }
    // A well-formed pair (an emoji) is text like any other.
    const emoji = await post(`/api/shop/orders/${id}/cancel`, customer, '{"reason":"\\ud83d\\udc8e no longer needed"}');
    expect(emoji.status).toBe(200);
  });

  it('refuses with 401 a token whose `sub` holds a NUL, another control character or a lone surrogate, with an Idempotency-Key too', async () => {
    for (const sub of ['cust\u0000nul', 'cust\u0001ctl', 'cust\nnewline', 'cust\ud800lone']) {
      const token = await app.token('customer', sub);
      for (const key of [undefined, 'nul-sub-1']) {
        const response = await post('/api/shop/orders', token, '{"material":"GOLD_750"}', key);
        const { code } = (await response.json()) as { code: string };
        expect({ sub, key, status: response.status, code }).toEqual({ sub, key, status: 401, code: 'INVALID_TOKEN' });
      }
    }
    expect((await app.request('/health/ready')).status).toBe(200);
  });

  it('refuses at upload, with 422, an OBJ whose faces refer to vertex 0 or to vertices not defined', async () => {
    const created = await app.request('/api/shop/orders', { method: 'POST', token: customer, json: { material: 'GOLD_750' } });
    const { id } = (await created.json()) as { id: string };
    const tetrahedron = 'v 0 0 0\nv 10 0 0\nv 0 10 0\nv 0 0 10\n';
    const upload = (obj: string) => app.request(`/api/shop/orders/${id}/model`, { method: 'PUT', token: customer, body: obj, headers: { 'content-type': 'model/stl' } });
    for (const [faces, problem] of [
      ['f 0 3 2\nf 1 2 4\nf 2 3 4\nf 1 4 3\n', /line 5: .*vertex 0/],
      ['f 1 3 2\nf 1 2 4\nf 2 3 4\nf 1 4 9\n', /line 8: .*vertex 9.*4/],
      ['f 1 3 2\nf 1 2 4\nf 2/1/1 3/1/1 4/1/1\nf -1 -5 -2\n', /line 8: .*vertex -5.*4/],
      ['f 1 3 2\nf 1 2 4\nf 2 3 4\nf 1 4 3 99999999999999999999\n', /line 8: .*vertex 99999999999999999999/],
    ] as const) {
      const response = await upload(tetrahedron + faces);
      const body = (await response.json()) as { code: string; message: string };
      expect({ faces, status: response.status, code: body.code }).toEqual({ faces, status: 422, code: 'INVALID_VERTEX_INDEX' });
      expect(body.message).toMatch(problem);
    }
    // Negative indices count back from the last vertex; texture and normal indices after a slash are skipped.
    const valid = await upload(`${tetrahedron}f -4 -2 -3\nf 1 2 4\nf 2//1 3//1 4//1\nf 1 4 3\n`);
    expect(valid.status).toBe(200);
    const order = (await (await app.request(`/api/shop/orders/${id}`, { token: customer })).json()) as { status: string; revision: number };
    // The refused uploads left no event: the valid one is the order's second.
    expect(order).toMatchObject({ status: 'FILE_UPLOADED', revision: 1 });
  });
});
