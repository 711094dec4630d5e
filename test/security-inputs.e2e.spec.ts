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
