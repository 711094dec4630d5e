import { startTestApp, type TestApp } from './support/test-app';

describe('the app over HTTP', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('is live', async () => {
    const response = await app.request('/health/live');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('is ready when the database, event store and blob storage answer', async () => {
    const response = await app.request('/health/ready');
    const body = (await response.json()) as { status: string; details: Record<string, { status: string; adapter?: string }> };
    expect(response.status).toBe(200);
    expect(body.status).toBe('ok');
    expect(body.details.database?.status).toBe('up');
    expect(body.details.eventStore).toEqual({ status: 'up', adapter: 'postgres' });
    expect(body.details.blobStorage).toEqual({ status: 'up', adapter: 'filesystem' });
  });

  it('answers an unknown route with a 404 in the error shape', async () => {
    const response = await app.request('/api/nope');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ code: 'ROUTE_NOT_FOUND', message: 'no route GET /api/nope', requestId: response.headers.get('x-request-id') });
  });

  it('serves the OpenAPI document', async () => {
    const response = await app.request('/docs/openapi.json');
    expect(response.status).toBe(200);
    const document = (await response.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/health/live', '/health/ready']));
  });
});

describe('body limits', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ MAX_JSON_BYTES: '1024' });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('answers a JSON body over MAX_JSON_BYTES with 413 in the error shape', async () => {
    const token = await app.token('customer');
    const response = await app.request('/api/shop/orders', { method: 'POST', token, json: { material: 'GOLD_750', padding: 'x'.repeat(4096) } });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });
});
