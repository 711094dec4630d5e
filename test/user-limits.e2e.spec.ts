import { boxStl } from './support/stl';
import { startTestApp, type TestApp } from './support/test-app';
import { until } from './support/until';

/**
 * Issue 24, items 12 and 16: what one signed-in caller may hold or do.
 * Live streams are capped per operator and in all, counted in a gauge, and
 * take only the short-lived stream ticket in the URL; customers' expensive
 * commands (create, upload, submit) draw from a budget per `sub`.
 */
describe('limits per signed-in user', () => {
  let app: TestApp;
  const streams: AbortController[] = [];

  beforeAll(async () => {
    app = await startTestApp({
      MES_STREAMS_PER_USER: '2',
      MES_STREAMS_MAX: '3',
      // 1 per second plus 3 more per 10 s: a quick loop of commands is refused after about four.
      USER_COMMAND_RPS: '1',
      USER_COMMAND_BURST: '3',
      PRICING_WORKER_ENABLED: 'false',
    });
  });

  afterAll(async () => {
    for (const stream of streams) stream.abort();
    await app?.close();
  });

  async function ticket(sub: string): Promise<string> {
    const response = await app.request('/api/mes/orders/stream-ticket', { method: 'POST', token: await app.token('operator', sub) });
    expect(response.status).toBe(200);
    return ((await response.json()) as { ticket: string }).ticket;
  }

  /** Opens the stream; an open stream (200) stays open until the test closes it. */
  async function openStream(sub: string): Promise<{ status: number; body: Record<string, unknown> | undefined; retryAfter: string | null; close: () => void }> {
    const controller = new AbortController();
    streams.push(controller);
    const response = await fetch(`${app.baseUrl}/api/mes/orders/stream?access_token=${await ticket(sub)}`, { signal: controller.signal });
    const body = response.status === 200 ? undefined : ((await response.json()) as Record<string, unknown>);
    return { status: response.status, body, retryAfter: response.headers.get('retry-after'), close: () => controller.abort() };
  }

  /** Waits until the metric has `wanted` (or at least `atLeast`): a scrape may answer the text of the last second. */
  async function metricReaches(name: string, labels: Record<string, string>, check: (value: number) => boolean): Promise<void> {
    await until(
      async () => {
        const value = await metric(name, labels);
        return value !== undefined && check(value) ? true : undefined;
      },
      `${name} ${JSON.stringify(labels)}`,
    );
  }

  async function metric(name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
    const text = await (await app.metrics()).text();
    const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
    for (const line of text.split('\n')) {
      if (!line.startsWith(name) || !/[\s{]/.test(line.charAt(name.length))) continue;
      if (wanted.every((pair) => line.includes(pair))) return Number(line.split(' ').pop());
    }
    return undefined;
  }

  it('takes only the stream ticket in ?access_token=, never a full bearer token, and the ticket nowhere else', async () => {
    const operator = await app.token('operator', 'op-full');
    const refused = await fetch(`${app.baseUrl}/api/mes/orders/stream?access_token=${operator}`);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { code: string }).code).toBe('STREAM_TICKET_REQUIRED');

    const opened = await openStream('op-full');
    expect(opened.status).toBe(200);
    opened.close();

    // A ticket leaked from a URL opens a stream, and nothing else.
    const leaked = await ticket('op-full');
    const misuse = await app.request('/api/mes/orders', { token: leaked });
    expect(misuse.status).toBe(401);
    expect(((await misuse.json()) as { code: string }).code).toBe('TOKEN_PURPOSE_INVALID');
  });

  it('caps open streams per operator and in all, answers 429 TOO_MANY_STREAMS with Retry-After, and counts them in a gauge', async () => {
    await metricReaches('alexandrite_mes_streams_open', {}, (value) => value === 0);
    const first = await openStream('op-a');
    const second = await openStream('op-a');
    expect([first.status, second.status]).toEqual([200, 200]);
    const third = await openStream('op-a');
    expect(third.status).toBe(429);
    expect(third.body).toMatchObject({ code: 'TOO_MANY_STREAMS' });
    expect(third.body?.message).toEqual(expect.any(String));
    expect(Number(third.retryAfter)).toBeGreaterThanOrEqual(1);

    // Another operator still gets one, up to the cap of the replica.
    expect((await openStream('op-b')).status).toBe(200);
    const overall = await openStream('op-c');
    expect(overall.status).toBe(429);
    expect(overall.body).toMatchObject({ code: 'TOO_MANY_STREAMS' });
    await metricReaches('alexandrite_mes_streams_open', {}, (value) => value === 3);
    await metricReaches('alexandrite_rate_limit_rejections_total', { scope: 'mes-stream' }, (value) => value >= 2);

    // A closed stream frees its place.
    first.close();
    await metricReaches('alexandrite_mes_streams_open', {}, (value) => value === 2);
    expect((await openStream('op-c')).status).toBe(200);
  });

  it("limits each customer's creates, uploads and submissions: 429 USER_RATE_LIMITED with Retry-After, other customers unaffected", async () => {
    const greedy = await app.token('customer', 'greedy-customer');
    // One order through to its upload while the budget lasts.
    const created = await app.request('/api/shop/orders', { method: 'POST', token: greedy, json: { material: 'GOLD_750' } });
    expect(created.status).toBe(201);
    const orderId = ((await created.json()) as { id: string }).id;
    expect((await app.request(`/api/shop/orders/${orderId}/model`, { method: 'PUT', token: greedy, headers: { 'content-type': 'model/stl' }, body: boxStl() })).status).toBe(200);

    const statuses: number[] = [];
    let refusal: Response | undefined;
    for (let i = 0; i < 10; i++) {
      const response = await app.request('/api/shop/orders', { method: 'POST', token: greedy, json: { material: 'GOLD_750' } });
      statuses.push(response.status);
      if (response.status === 429) refusal ??= response;
      else await response.body?.cancel();
    }
    expect(statuses).toContain(429);
    expect(statuses.filter((status) => status === 201).length).toBeLessThanOrEqual(4);
    expect(refusal).toBeDefined();
    expect(Number(refusal!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body = (await refusal!.json()) as { code: string; message: string; requestId: string };
    expect(body).toMatchObject({ code: 'USER_RATE_LIMITED', message: expect.any(String), requestId: expect.any(String) });

    // Uploads and submissions draw from the same budget.
    const upload = await app.request(`/api/shop/orders/${orderId}/model`, { method: 'PUT', token: greedy, headers: { 'content-type': 'model/stl' }, body: boxStl() });
    expect(upload.status).toBe(429);
    expect(((await upload.json()) as { code: string }).code).toBe('USER_RATE_LIMITED');
    const submit = await app.request(`/api/shop/orders/${orderId}/submit`, { method: 'POST', token: greedy });
    expect(submit.status).toBe(429);

    // Reads are not limited, nor is another customer.
    expect((await app.request(`/api/shop/orders/${orderId}`, { token: greedy })).status).toBe(200);
    const other = await app.request('/api/shop/orders', { method: 'POST', token: await app.token('customer', 'patient-customer'), json: { material: 'GOLD_750' } });
    expect(other.status).toBe(201);
    await metricReaches('alexandrite_rate_limit_rejections_total', { scope: 'user' }, (value) => value >= 3);

    // After the wait it was told, the customer may go on.
    await new Promise((resolve) => setTimeout(resolve, Number(refusal!.headers.get('retry-after')) * 1000));
    const later = await until(async () => {
      const response = await app.request(`/api/shop/orders/${orderId}/submit`, { method: 'POST', token: greedy });
      return response.status === 429 ? undefined : response.status;
    });
    expect(later).toBe(202);
  });
});
