import { readdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { captureAppLogs, type LogCapture } from './support/log-capture';
import { createPartnerKey } from './support/partner-keys';
import { boxStl } from './support/stl';
import { startTestApp, type TestApp } from './support/test-app';
import { until } from './support/until';

/**
 * A client that disconnects mid-body (issue 24, item 15) did nothing wrong
 * on our side: it is logged at debug level as CLIENT_CLOSED_REQUEST (a
 * 499, as proxies call it) and counted apart, never an error line with a
 * stack, never DATABASE_UNAVAILABLE. An upload cut short leaves no
 * half-written blob and no handler waiting forever, and a cut-short POST
 * with an Idempotency-Key can be retried.
 */
describe('clients that disconnect in the middle of a request', () => {
  let app: TestApp;
  let logs: LogCapture;
  let customer: string;

  beforeAll(async () => {
    app = await startTestApp({ LOG_FORMAT: 'json' });
    logs = await captureAppLogs(app.app, 'debug');
    customer = await app.token('customer', 'cust-abort');
  });
  afterAll(async () => {
    logs?.restore();
    await app?.close();
  });

  /** Sends the headers and part of a body that Content-Length says is longer, then closes the connection. */
  async function sendHalfAndHangUp(method: string, path: string, headers: Record<string, string>, sent: Buffer, declaredBytes: number): Promise<void> {
    const socket = connect(Number(new URL(app.baseUrl).port), '127.0.0.1');
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const head = Object.entries({ host: '127.0.0.1', ...headers, 'content-length': String(declaredBytes) })
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    socket.write(`${method} ${path} HTTP/1.1\r\n${head}\r\n`);
    await new Promise<void>((resolve) => socket.write(sent, () => resolve()));
    // Long enough for the app to be reading the body (and, for an upload, writing the blob).
    await new Promise((resolve) => setTimeout(resolve, 300));
    socket.destroy();
  }

  const linesOf = (requestId: string) => logs.lines.filter((line) => JSON.stringify(line).includes(requestId));

  /** Waits until the app has logged the abort of this request as ours says it should, then checks nothing louder was logged. */
  async function expectLoggedAsClientClosed(requestId: string): Promise<void> {
    // The access log line of pino-http comes with the close.
    await until(async () => (linesOf(requestId).some((line) => line.msg === 'request aborted') ? true : undefined), `the access log line of ${requestId}`);
    const logged = await until(async () => (linesOf(requestId).some((line) => line.code === 'CLIENT_CLOSED_REQUEST' && line.level === 20) ? true : undefined)).catch(() => false);
    const lines = linesOf(requestId);
    expect({ logged, louder: lines.filter((line) => (line.level as number) > 20) }).toEqual({ logged: true, louder: [] });
    expect(JSON.stringify(lines)).not.toMatch(/DATABASE_UNAVAILABLE|"stack"/);
  }

  /** Waits for the counter of client-closed requests on this route (metrics are collected at most once a second). */
  async function expectCountedAsClientClosed(route: string): Promise<void> {
    await until(async () => {
      const text = await (await app.metrics()).text();
      const line = text.split('\n').find((candidate) => candidate.startsWith('alexandrite_http_client_closed_requests_total{') && candidate.includes(`route="${route}"`));
      return line && Number(line.split(' ').at(-1)) >= 1 ? true : undefined;
    }, `alexandrite_http_client_closed_requests_total for ${route}`);
  }

  it('a JSON body cut short: a debug line, no error, no DATABASE_UNAVAILABLE, counted as a client-closed request', async () => {
    await sendHalfAndHangUp(
      'POST',
      '/api/shop/orders',
      { authorization: `Bearer ${customer}`, 'content-type': 'application/json', 'x-request-id': 'abort-json-1' },
      Buffer.from(`{"material":"GOLD_750","padding":"${'x'.repeat(20_000)}`),
      100_000,
    );
    await expectLoggedAsClientClosed('abort-json-1');
    await expectCountedAsClientClosed('/api/shop/orders');
    expect((await app.request('/health/ready')).status).toBe(200);
  });

  it('a model upload cut short: the handler finishes, no blob is left half-written, the order keeps no event', async () => {
    const created = await app.request('/api/shop/orders', { method: 'POST', token: customer, json: { material: 'GOLD_750' } });
    const { id } = (await created.json()) as { id: string };
    await sendHalfAndHangUp(
      'PUT',
      `/api/shop/orders/${id}/model`,
      { authorization: `Bearer ${customer}`, 'content-type': 'model/stl', 'x-request-id': 'abort-upload-1' },
      Buffer.alloc(200_000, 7),
      1_000_000,
    );
    await expectLoggedAsClientClosed('abort-upload-1');
    await expectCountedAsClientClosed('/api/shop/orders/:id/model');
    const blobFiles = await readdir(join(app.dataDir, 'blobs'), { recursive: true }).catch(() => [] as string[]);
    // Neither the temporary file of the write nor a stored model of this order.
    expect(blobFiles.filter((name) => name.startsWith('~incoming/') || name.startsWith(`models/${id}/`))).toEqual([]);
    const order = (await (await app.request(`/api/shop/orders/${id}`, { token: customer })).json()) as { status: string; revision: number };
    expect(order).toMatchObject({ status: 'INITIATED', revision: 0 });
    // The customer simply uploads again.
    const again = await app.request(`/api/shop/orders/${id}/model`, { method: 'PUT', token: customer, body: boxStl(), headers: { 'content-type': 'model/stl' } });
    expect(again.status).toBe(200);
  });

  it('a quote POST cut short: the same Idempotency-Key runs again in full on the retry', async () => {
    const { key } = await createPartnerKey(app, 'abort-partner', { rps: 1000 });
    const model = boxStl(10, 10, 4);
    const headers = { 'x-api-key': key, 'content-type': 'application/octet-stream', 'idempotency-key': 'quote-abort-1' };
    await sendHalfAndHangUp('POST', '/api/partner/v1/quotes?material=GOLD_750', { ...headers, 'x-request-id': 'abort-quote-1' }, model.subarray(0, 300), model.length);
    await expectLoggedAsClientClosed('abort-quote-1');
    const retry = await until(async () => {
      const response = await app.request('/api/partner/v1/quotes?material=GOLD_750', { method: 'POST', body: model, headers });
      // 409 while the first attempt is still settling its key; anything else is the answer.
      return response.status === 409 ? undefined : response;
    }, 'the retry to run');
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect({ status: retry.status, body: await retry.json() }).toMatchObject({ status: 200, body: { status: 'done', material: 'GOLD_750' } });
  });
});
