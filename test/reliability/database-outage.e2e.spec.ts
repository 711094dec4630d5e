import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { findFreePort, type RunningEmbeddedPostgres, startEmbeddedPostgres } from '../../src/infrastructure/database/embedded-postgres';
import { until } from '../support/until';
import { buildApp, call, type Replica, startReplica, token } from '../support/replica';
import { submittedOrder } from '../support/orders';
import { requestAt } from '../support/test-app';

/**
 * The app's PostgreSQL goes away and comes back while the app keeps
 * running: meanwhile requests fail fast with 503 and a code and readiness
 * is false; afterwards a new order is taken, projected and priced without
 * restarting the app (projector, pricing subscriber and pg-boss reconnect).
 */
describe('database outage and recovery', () => {
  let parent: string;
  let dataDir: string;
  let port: number;
  let server: RunningEmbeddedPostgres | undefined;
  let databaseUrl: string;
  let replica: Replica | undefined;
  const measured: Record<string, number> = {};

  const startServer = async () => {
    server = await startEmbeddedPostgres({ dataDir: join(parent, 'pg'), port, persistent: true });
    if (server.port !== port) throw new Error(`port ${port} was taken while PostgreSQL was down`);
  };

  beforeAll(async () => {
    buildApp();
    parent = await mkdtemp(join(tmpdir(), 'alexandrite-outage-'));
    // PostgreSQL runs as `postgres` when we are root: it must reach its directory.
    await chmod(parent, 0o755);
    dataDir = join(parent, 'app');
    port = await findFreePort();
    await startServer();
    const admin = new Client({ connectionString: server!.url });
    await admin.connect();
    await admin.query('CREATE DATABASE outage');
    await admin.end();
    const url = new URL(server!.url);
    url.pathname = '/outage';
    databaseUrl = url.toString();
    replica = await startReplica('replica', databaseUrl, dataDir, { PRICING_THREADS: '1', PRICING_RETRY_DELAY_S: '0' });
  }, 180_000);
  afterAll(async () => {
    await replica?.kill();
    await server?.stop().catch(() => undefined);
    if (parent) await rm(parent, { recursive: true, force: true });
  });

  const placeOrder = (baseUrl: string, customer: string): Promise<string> => submittedOrder({ request: requestAt(baseUrl) }, customer, { material: 'SILVER_925' });
  const awaitPriced = (baseUrl: string, customer: string, id: string) =>
    until(
      async () => {
        const view = await call(baseUrl, 'GET', `/api/shop/orders/${id}`, { token: customer });
        return view.status === 200 && (view.body as { status: string }).status === 'PRICE_CALCULATED' ? view.body : undefined;
      },
      `order ${id} to be priced and projected`,
      { timeoutMs: 60_000, intervalMs: 100, diagnostics: replica!.output },
    );

  it('answers 503 with a code while PostgreSQL is down and resumes by itself when it is back', async () => {
    const app = replica!;
    const customer = await token('customer', 'cust-outage');
    const before = await placeOrder(app.baseUrl, customer);
    await awaitPriced(app.baseUrl, customer, before);

    await server!.stop();
    server = undefined;

    // Fast failure with a code, not a hang or a 500 (generous bound: the pool's connect timeout is 5 s).
    for (const [method, path, json] of [
      ['GET', '/api/shop/orders', undefined],
      ['GET', `/api/shop/orders/${before}`, undefined],
      ['POST', '/api/shop/orders', { material: 'GOLD_585' }],
    ] as const) {
      const started = Date.now();
      const response = await call(app.baseUrl, method, path, { token: customer, json, timeoutMs: 20_000 });
      expect({ path, method, status: response.status }).toEqual({ path, method, status: 503 });
      expect(['DATABASE_UNAVAILABLE', 'EVENT_STORE_UNAVAILABLE']).toContain((response.body as { code: string }).code);
      measured[`${method} ${path.replace(before, ':id')}`] = Date.now() - started;
      expect(Date.now() - started).toBeLessThan(10_000);
    }
    const readiness = await call(app.baseUrl, 'GET', '/health/ready', { timeoutMs: 20_000 });
    expect(readiness.status).toBe(503);
    expect((await call(app.baseUrl, 'GET', '/health/live')).status).toBe(200);
    // Longer than the pools' connect timeout and the subscriptions' longest backoff (5 s).
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    expect(app.alive()).toBe(true);

    await startServer();
    const restarted = Date.now();
    await until(async () => ((await call(app.baseUrl, 'GET', '/health/ready')).status === 200 ? true : undefined), 'readiness after PostgreSQL is back', {
      timeoutMs: 60_000,
      intervalMs: 100,
      diagnostics: app.output,
    });

    // The same process takes, projects and prices a new order.
    const after = await placeOrder(app.baseUrl, customer);
    measured.readyAfterRestartMs = Date.now() - restarted;
    const priced = await awaitPriced(app.baseUrl, customer, after);
    measured.newOrderPricedAfterRestartMs = Date.now() - restarted;
    console.log(`[database outage] measured (ms): ${JSON.stringify(measured)}`);
    expect(priced).toMatchObject({ status: 'PRICE_CALCULATED' });
    expect(app.alive()).toBe(true);
    expect(await app.terminate()).toMatchObject({ code: 0 });
  }, 240_000);
});
