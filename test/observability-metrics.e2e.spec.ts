import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { METRICS_CACHE_MS } from '../src/infrastructure/observability/metrics/metrics-server';
import { parsePrometheusText, type Sample } from '../src/infrastructure/observability/metrics/prometheus-text';
import { startTestApp, type TestApp } from './support/test-app';
import { until } from './support/until';

describe('GET /metrics on the metrics listener', () => {
  let app: TestApp;
  let customer: string;

  beforeAll(async () => {
    // A tight anonymous budget, so one test can provoke a 429 on a public route.
    // INITIATED's SLA is one second here, so the stuck-orders gauge has something to count.
    app = await startTestApp({ RATE_LIMIT_ANONYMOUS_RPS: '1', RATE_LIMIT_ANONYMOUS_BURST: '0', ORDER_SLA: 'INITIATED=1s' });
    customer = await app.token('customer', 'cust-metrics');
  });
  afterAll(async () => {
    await app?.close();
  });

  let lastScrape = 0;
  /** A scrape that sees what happened before it: past the collection cache of the previous one. */
  const scrape = async (): Promise<Sample[]> => {
    await sleep(Math.max(0, lastScrape + METRICS_CACHE_MS + 20 - Date.now()));
    const response = await app.metrics();
    lastScrape = Date.now();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    return parsePrometheusText(await response.text());
  };
  const value = (samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined =>
    samples.find((sample) => sample.name === name && Object.entries(labels).every(([key, wanted]) => sample.labels[key] === wanted))?.value;

  it('is not served on the public listener, and its own listener serves nothing else', async () => {
    const customerToken = await app.token('customer', 'cust-metrics-404');
    for (const response of [await app.request('/metrics'), await app.request('/metrics', { token: customerToken })]) {
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain('process_cpu');
    }
    const metricsUrl = new URL((await app.metrics()).url);
    expect(metricsUrl.port).not.toBe(new URL(app.baseUrl).port);
    expect((await fetch(new URL('/api/shop/catalog', metricsUrl))).status).toBe(404);
    expect((await fetch(metricsUrl, { method: 'POST' })).status).toBe(404);
  });

  it('collects at most once a second however many scrape at once', async () => {
    await sleep(METRICS_CACHE_MS + 20);
    const first = await (await app.metrics()).text();
    // A request in between changes the counters, but the scrapes within the second share one collection.
    expect((await app.request('/api/shop/catalog')).status).toBeLessThan(500);
    const together = await Promise.all(Array.from({ length: 16 }, async () => (await app.metrics()).text()));
    expect(new Set([first, ...together]).size).toBe(1);
    await sleep(METRICS_CACHE_MS + 20);
    expect(await (await app.metrics()).text()).not.toBe(first);
    lastScrape = Date.now();
  });

  it('serves the process metrics (CPU, memory, event-loop lag, handles)', async () => {
    const samples = await scrape();
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_active_handles_total',
    ]) {
      expect({ name, present: value(samples, name) !== undefined }).toEqual({ name, present: true });
    }
  });

  it('counts requests per route template and status class, never per raw URL, and not its own scrapes', async () => {
    const created = await app.request('/api/shop/orders', { method: 'POST', token: customer, json: { material: 'GOLD_750' } });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    expect((await app.request(`/api/shop/orders/${id}`, { token: customer })).status).toBe(200);
    expect((await app.request(`/api/shop/orders/${randomUUID()}`, { token: customer })).status).toBe(404);
    expect((await app.request(`/api/shop/orders/${id}`)).status).toBe(401);
    expect((await app.request(`/no/such/${id}`)).status).toBe(404);

    const samples = await scrape();
    const route = '/api/shop/orders/:id';
    expect(value(samples, 'http_requests_total', { method: 'POST', route: '/api/shop/orders', status_class: '2xx', module: 'shop' })).toBe(1);
    expect(value(samples, 'http_requests_total', { method: 'GET', route, status_class: '2xx' })).toBe(1);
    expect(value(samples, 'http_requests_total', { method: 'GET', route, status_class: '4xx' })).toBe(2);
    expect(value(samples, 'http_requests_total', { route: 'unmatched', status_class: '4xx' })).toBeGreaterThanOrEqual(1);
    expect(value(samples, 'http_request_duration_seconds_count', { method: 'GET', route, status_class: '2xx' })).toBe(1);
    expect(value(samples, 'http_request_duration_seconds_bucket', { method: 'GET', route, status_class: '2xx', le: '+Inf' })).toBe(1);

    const httpSamples = samples.filter((sample) => sample.name.startsWith('http_request'));
    expect(httpSamples.some((sample) => Object.values(sample.labels).some((label) => label.includes(id)))).toBe(false);
    expect(httpSamples.some((sample) => sample.labels.route === '/metrics')).toBe(false);
    // The probe of the public listener's /metrics is an unknown route there, like any other.
    expect(value(samples, 'http_requests_total', { route: 'unmatched', status_class: '4xx' })).toBeGreaterThanOrEqual(1);
  });

  it('counts lifecycle transitions by event type, times appends, and shows orders per status from the read model', async () => {
    const created = await app.request('/api/shop/orders', { method: 'POST', token: customer, json: { material: 'SILVER_925' } });
    expect(created.status).toBe(201);

    let samples = await scrape();
    expect(value(samples, 'alexandrite_order_events_total', { type: 'OrderInitiated' })).toBeGreaterThanOrEqual(1);
    expect(value(samples, 'alexandrite_event_store_append_duration_seconds_count', { adapter: 'postgres', outcome: 'ok' })).toBeGreaterThanOrEqual(1);

    // The projector applies the events asynchronously; the gauge follows the read model.
    const twoInitiated = async (name: string): Promise<true | undefined> => {
      if ((value(samples, name, { status: 'INITIATED' }) ?? 0) >= 2) return true;
      samples = await scrape();
      return undefined;
    };
    await until(() => twoInitiated('alexandrite_orders'), 'two INITIATED orders in the gauge', { timeoutMs: 20_000, intervalMs: 100 });
    expect(value(samples, 'alexandrite_orders', { status: 'INITIATED' })).toBe(2);
    expect(value(samples, 'alexandrite_orders', { status: 'SHIPPED' })).toBe(0);
    expect(value(samples, 'alexandrite_orders_stuck', { status: 'SHIPPED' })).toBe(0);
    await until(() => twoInitiated('alexandrite_orders_stuck'), 'two INITIATED orders stuck', { timeoutMs: 20_000, intervalMs: 250 });
    expect(value(samples, 'alexandrite_orders_stuck', { status: 'INITIATED' })).toBe(2);
    expect(value(samples, 'alexandrite_order_status_oldest_age_seconds', { status: 'INITIATED' })).toBeGreaterThanOrEqual(1);
    expect(value(samples, 'alexandrite_projection_lag_events')).toBeDefined();
    expect(value(samples, 'alexandrite_projection_leader')).toBe(1);
  });

  it("exposes the pricing engine's figures and counts rate-limit rejections without client addresses", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await app.request('/api/shop/catalog')).status);
    expect(statuses).toContain(429);

    const samples = await scrape();
    expect(value(samples, 'alexandrite_rate_limit_rejections_total', { scope: 'ip', api_key_id: 'anonymous' })).toBeGreaterThanOrEqual(1);
    expect(samples.some((sample) => Object.values(sample.labels).includes('127.0.0.1'))).toBe(false);
    for (const name of [
      'alexandrite_pricing_attempts_total',
      'alexandrite_pricing_queue_depth',
      'alexandrite_pricing_dead_letters_open',
      'alexandrite_pricing_duration_seconds_count',
    ]) {
      expect({ name, present: value(samples, name) !== undefined }).toEqual({ name, present: true });
    }
    expect(value(samples, 'alexandrite_pricing_outcomes_total', { outcome: 'priced' })).toBeDefined();
  });
});
