import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { boxStl } from '../support/stl';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { until } from '../support/until';
import { buildApp, call, type Replica, slowUpload, startReplica, token } from '../support/replica';
import { submittedOrder } from '../support/orders';
import { requestAt } from '../support/test-app';

/**
 * SIGTERM to a real process of the built app: readiness turns false first,
 * the request in flight completes, a running pricing calculation either
 * finishes or goes back to the queue, and the process exits 0 within
 * SHUTDOWN_GRACE_MS.
 */
describe('graceful shutdown on SIGTERM', () => {
  let database: TestDatabase;
  let dataDir: string;
  let db: Client;
  const replicas: Replica[] = [];

  beforeAll(async () => {
    buildApp();
    database = await createTestDatabase('shutdown');
    dataDir = await mkdtemp(join(tmpdir(), 'alexandrite-shutdown-'));
    db = new Client({ connectionString: database.url });
    await db.connect();
  }, 120_000);
  afterAll(async () => {
    for (const replica of replicas) await replica.kill();
    await db?.end();
    await database?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const start = async (env: Record<string, string>) => {
    const replica = await startReplica(`replica-${replicas.length + 1}`, database.url, dataDir, env);
    replicas.push(replica);
    return replica;
  };

  const createAndSubmit = (baseUrl: string, customer: string): Promise<string> => submittedOrder({ request: requestAt(baseUrl) }, customer);

  const eventTypes = async (orderId: string): Promise<string[]> => {
    const { rows } = await db.query<{ event_type: string }>('SELECT event_type FROM event_store.events WHERE stream_id = $1 ORDER BY stream_revision', [`order-${orderId}`]);
    return rows.map((row) => row.event_type);
  };
  const activePricingJob = async (orderId: string): Promise<string | undefined> => {
    const { rows } = await db.query<{ id: string }>(`SELECT id::text AS id FROM pgboss.job WHERE name = 'pricing' AND state = 'active' AND data->>'orderId' = $1`, [orderId]);
    return rows[0]?.id;
  };
  const jobState = async (jobId: string): Promise<string | undefined> => {
    const { rows } = await db.query<{ state: string }>('SELECT state::text AS state FROM pgboss.job WHERE id = $1', [jobId]);
    return rows[0]?.state;
  };

  it('turns readiness false first, finishes the request in flight and exits 0 within the grace period', async () => {
    const graceMs = 15_000;
    const replica = await start({ PRICING_WORKER_ENABLED: 'false', SHUTDOWN_GRACE_MS: String(graceMs), SHUTDOWN_READINESS_DELAY_MS: '1500' });
    const customer = await token('customer', 'cust-shutdown-1');
    const created = await call(replica.baseUrl, 'POST', '/api/shop/orders', { token: customer, json: { material: 'GOLD_750' } });
    const id = (created.body as { id: string }).id;

    const upload = slowUpload(replica.baseUrl, `/api/shop/orders/${id}/model`, customer, boxStl());
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = Date.now();
    replica.child.kill('SIGTERM');
    // Readiness says "no" while the listener still answers.
    const readiness = await until(
      async () => {
        const response = await call(replica.baseUrl, 'GET', '/health/ready');
        return response.status === 503 ? response : undefined;
      },
      'readiness to turn false',
      { timeoutMs: 5_000, intervalMs: 100, diagnostics: replica.output },
    );
    expect(JSON.stringify(readiness.body)).toContain('shutting down');
    // The request in flight gets its body only now, after the signal, and still completes.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    upload.sendRest();
    const response = await upload.response;
    expect(response.status).toBe(200);

    const code = await replica.exited;
    const ms = Date.now() - started;
    expect(code).toBe(0);
    expect(ms).toBeLessThan(graceMs);
    expect(replica.output()).toContain('shut down cleanly');
    expect(await eventTypes(id)).toEqual(['OrderInitiated', 'ModelUploaded']);
    // Nothing listens any more.
    expect((await call(replica.baseUrl, 'GET', '/health/live')).status).toBe(0);
  }, 120_000);

  it('releases the projector leadership: a standby replica leads within a standby retry or two', async () => {
    const first = await start({ PRICING_WORKER_ENABLED: 'false', PROJECTION_STANDBY_RETRY_MS: '500' });
    const second = await start({ PRICING_WORKER_ENABLED: 'false', PROJECTION_STANDBY_RETRY_MS: '500' });
    const role = async (replica: Replica) =>
      ((await call(replica.baseUrl, 'GET', '/health/ready')).body as { details?: { projections?: { role?: string } } }).details?.projections?.role;
    const roles = await Promise.all([role(first), role(second)]);
    expect(roles.sort()).toEqual(['leader', 'standby']);
    const leader = (await role(first)) === 'leader' ? first : second;
    const standby = leader === first ? second : first;
    const stopped = await leader.terminate();
    expect(stopped.code).toBe(0);
    const started = Date.now();
    // The lock is released, not left to a TCP timeout: the standby's next try wins (sanity bound only).
    await until(async () => ((await role(standby)) === 'leader' ? true : undefined), 'the standby to lead', { timeoutMs: 10_000, intervalMs: 100, diagnostics: standby.output });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await standby.terminate()).toMatchObject({ code: 0 });
  }, 120_000);

  it('ends open server-sent event streams at once instead of waiting out the HTTP drain', async () => {
    const graceMs = 20_000;
    const replica = await start({ PRICING_WORKER_ENABLED: 'false', SHUTDOWN_GRACE_MS: String(graceMs) });
    const stream = await fetch(`${replica.baseUrl}/api/mes/orders/stream`, { headers: { authorization: `Bearer ${await token('operator', 'op-shutdown')}` } });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    await reader.read();
    const ended = (async () => {
      for (;;) if ((await reader.read().catch(() => ({ done: true }))).done) return Date.now();
    })();
    const signalled = Date.now();
    const { code, ms } = await replica.terminate();
    expect(code).toBe(0);
    // Well inside the drain's bound (40% of the grace period), which an open stream would otherwise use up.
    expect(ms).toBeLessThan(graceMs * 0.4);
    expect((await ended) - signalled).toBeLessThan(graceMs * 0.4);
  }, 120_000);

  it('lets a running pricing calculation finish before exiting', async () => {
    const replica = await start({ PRICING_THREADS: '1', PRICING_TEST_DELAY_MS: '3000', PRICING_TIMEOUT_S: '20', SHUTDOWN_GRACE_MS: '20000' });
    const customer = await token('customer', 'cust-shutdown-2');
    const id = await createAndSubmit(replica.baseUrl, customer);
    const jobId = await until(() => activePricingJob(id), 'the calculation to start', { timeoutMs: 30_000, intervalMs: 100, diagnostics: replica.output });

    const { code, ms } = await replica.terminate();
    expect(code).toBe(0);
    expect(ms).toBeLessThan(20_000);
    expect(await eventTypes(id)).toEqual(['OrderInitiated', 'ModelUploaded', 'OrderSubmitted', 'PriceCalculated']);
    expect(await jobState(jobId)).toBe('completed');
  }, 120_000);

  it('hands a calculation longer than the grace period back to the queue, where another process prices it', async () => {
    const graceMs = 5_000;
    const replica = await start({ PRICING_THREADS: '1', PRICING_TEST_DELAY_MS: '60000', PRICING_TIMEOUT_S: '90', PRICING_RETRY_DELAY_S: '0', SHUTDOWN_GRACE_MS: String(graceMs) });
    const customer = await token('customer', 'cust-shutdown-3');
    const id = await createAndSubmit(replica.baseUrl, customer);
    const jobId = await until(() => activePricingJob(id), 'the calculation to start', { timeoutMs: 30_000, intervalMs: 100, diagnostics: replica.output });

    const { code, ms } = await replica.terminate();
    expect(code).toBe(0);
    expect(ms).toBeLessThan(graceMs + 1_000);
    // Back in the queue at once (not left "active" until it expires).
    expect(['retry', 'created']).toContain(await jobState(jobId));
    expect(await eventTypes(id)).not.toContain('PriceCalculated');

    const next = await start({ PRICING_THREADS: '1', PRICING_RETRY_DELAY_S: '0' });
    await until(async () => ((await eventTypes(id)).includes('PriceCalculated') ? true : undefined), 'the other process to price the order', {
      timeoutMs: 60_000,
      intervalMs: 100,
      diagnostics: next.output,
    });
    const types = await eventTypes(id);
    expect(types.filter((type) => type === 'PriceCalculated')).toHaveLength(1);
    expect(await next.terminate()).toMatchObject({ code: 0 });
  }, 180_000);
});
