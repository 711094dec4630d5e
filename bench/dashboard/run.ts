/**
 * Dashboard benchmark (`npm run bench:dashboard`): seeds BENCH_ORDERS orders
 * (default 1,000,000) across the statuses THROUGH the event store and the
 * app's projector (never into the read model directly), then measures:
 *
 * - first page of the MES dashboard over HTTP at 50 concurrent connections
 *   (p50/p99), next to the same SQL (page + counts) run directly on a pool
 *   of the app's size at the same concurrency: the HTTP stack's overhead;
 * - freshness: an operator command sent over HTTP until its change arrives
 *   on the SSE stream (p99; conservative: includes the command itself);
 * - rebuild: `projections:rebuild`'s replay-and-swap, in events per second.
 *
 * Uses DATABASE_URL's server when set, else an embedded PostgreSQL.
 * Writes its section of docs/BENCHMARKS.md.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client, Pool } from 'pg';
import { createApp } from '../../src/app.factory';
import { AppSettings } from '../../src/config/app-settings';
import { loadConfig } from '../../src/config/config';
import { JwtService } from '../../src/infrastructure/auth/jwt.service';
import type { NewEvent } from '../../src/infrastructure/event-store/event-store.port';
import { PostgresEventStore } from '../../src/infrastructure/event-store/postgres/postgres-event-store';
import { DASHBOARD_PAGE, STATUS_COUNTS } from '../../src/modules/mes/dashboard/dashboard.queries';
import { allReadModels } from '../../src/projections/read-models';
import { rebuildReadModels } from '../../src/projections/rebuild/rebuild';
import { createBenchDatabase, startBenchServer } from '../support/bench-database';
import { machineLine, writeBenchmarkSection } from '../support/benchmarks-doc';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 1_000_000);
const CONNECTIONS = 50;
const RUN_MS = Number(process.env.BENCH_RUN_MS ?? 10_000);
const FRESHNESS_SAMPLES = Number(process.env.BENCH_FRESHNESS_SAMPLES ?? 300);
const SEED_CONCURRENCY = 16;
const SECRET = 'bench-secret-bench-secret-bench-secret-0123456789';
/** What an operator opens: the factory's statuses, oldest waiting first. */
const FIRST_PAGE = '/api/mes/orders?status=MANUFACTURING_APPROVED,MANUFACTURING_STARTED,MANUFACTURING_COMPLETED,PACKAGING&limit=50';
const FIRST_PAGE_STATUSES = ['MANUFACTURING_APPROVED', 'MANUFACTURING_STARTED', 'MANUFACTURING_COMPLETED', 'PACKAGING'];

async function main(): Promise<void> {
  const server = await startBenchServer();
  const database = await createBenchDatabase(server.url, 'dashboard', { migrate: true });
  const store = new PostgresEventStore({ connectionString: database.url, poolSize: SEED_CONCURRENCY, logger: { warn: () => undefined } });
  let app: NestFastifyApplication | undefined;
  try {
    console.log(`seeding ${ORDERS} orders through the event store (${server.label})...`);
    const seedStarted = performance.now();
    const { events, approved } = await seed(store);
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    console.log(`  ${events} events in ${seedSeconds.toFixed(0)} s`);

    const config = loadConfig({ NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', DATA_DIR: await mkdtemp(join(tmpdir(), 'alexandrite-bench-')), LOG_LEVEL: 'silent', LOG_FORMAT: 'json' });
    const catchUpStarted = performance.now();
    app = await createApp(new AppSettings(config, database.url, SECRET, SECRET));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.getHttpServer().address();
    const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    await untilProjected(database.url);
    const catchUpSeconds = (performance.now() - catchUpStarted) / 1000;
    console.log(`  projector caught up in ${catchUpSeconds.toFixed(0)} s (${Math.round(events / catchUpSeconds)} events/s)`);

    const token = await JwtService.sign(SECRET, 'op-bench', ['operator'], 3600);
    console.log(`first page at ${CONNECTIONS} connections for ${RUN_MS / 1000} s, over HTTP and as direct SQL...`);
    const http = await closedLoop(async () => {
      const response = await fetch(`${baseUrl}${FIRST_PAGE}`, { headers: { authorization: `Bearer ${token}` } });
      if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
      await response.arrayBuffer();
    });
    const pool = new Pool({ connectionString: database.url, max: config.database.poolSize });
    const sql = await closedLoop(async () => {
      await Promise.all([
        pool.query({ ...DASHBOARD_PAGE, values: [FIRST_PAGE_STATUSES, '-infinity', '00000000-0000-0000-0000-000000000000', 51, null, null] }),
        pool.query({ ...STATUS_COUNTS, values: [] }),
      ]);
    });
    await pool.end();

    console.log(`freshness: ${FRESHNESS_SAMPLES} start commands, each until it shows on the SSE stream...`);
    const freshness = await measureFreshness(baseUrl, token, approved.slice(0, FRESHNESS_SAMPLES));

    console.log('rebuild...');
    const rebuild = await rebuildReadModels({ connectionString: database.url, eventStore: store, readModels: allReadModels() });

    const p = (values: number[], q: number) => percentile(values, q).toFixed(1);
    const markdown = `
## Dashboard (\`npm run bench:dashboard\`)

${ORDERS.toLocaleString('en')} orders (${events.toLocaleString('en')} events) seeded through the event store and projected by the app's projector${ORDERS < 1_000_000 ? ` (BENCH_ORDERS=${ORDERS}; the default is 1,000,000)` : ''}. Seed ${seedSeconds.toFixed(0)} s; projector catch-up ${Math.round(events / catchUpSeconds).toLocaleString('en')} events/s.

| measure | p50 | p99 | requests/s | target |
| --- | --- | --- | --- | --- |
| first page over HTTP, ${CONNECTIONS} connections | ${p(http.latencies, 50)} ms | ${p(http.latencies, 99)} ms | ${Math.round(http.perSecond)} | p99 < 15 ms |
| same SQL directly (page + counts), ${CONNECTIONS} callers, pool ${config.database.poolSize} | ${p(sql.latencies, 50)} ms | ${p(sql.latencies, 99)} ms | ${Math.round(sql.perSecond)} | baseline |
| freshness: command sent to change on the SSE stream (${freshness.length} commands) | ${p(freshness, 50)} ms | ${p(freshness, 99)} ms | | p99 < 100 ms |

Rebuild (\`projections:rebuild\` into fresh tables, then swap): ${rebuild.events.toLocaleString('en')} events in ${(rebuild.elapsedMs / 1000).toFixed(1)} s, **${Math.round(rebuild.eventsPerSecond).toLocaleString('en')} events/s** (target ≥ 20,000).

Page: \`GET ${FIRST_PAGE}\`. Closed loop: at ${CONNECTIONS} connections the latency is ${CONNECTIONS} / throughput, and the load generator shares the app's process and cores. ${server.label} PostgreSQL; ${machineLine()}.
`;
    console.log(markdown);
    console.log(`written to ${writeBenchmarkSection('dashboard', markdown)}`);
  } finally {
    await app?.close();
    await store.close();
    await database.drop();
    await server.stop();
  }
}

/** Orders spread over the statuses; every fifth one waits in MANUFACTURING_APPROVED (the freshness test starts them). */
async function seed(store: PostgresEventStore): Promise<{ events: number; approved: string[] }> {
  let next = 0;
  let events = 0;
  const approved: string[] = [];
  const started = Date.now();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= ORDERS) return;
      const orderId = randomUUID();
      const list = orderEvents(orderId, i);
      if (list.at(-1)!.type === 'ManufacturingApproved') approved.push(orderId);
      await store.append(`order-${orderId}`, list, 'no_stream');
      events += list.length;
      if (i > 0 && i % 50_000 === 0) console.log(`  ${i} orders, ${Math.round(events / ((Date.now() - started) / 1000))} events/s`);
    }
  };
  await Promise.all(Array.from({ length: SEED_CONCURRENCY }, worker));
  return { events, approved };
}

const STEPS = ['ModelUploaded', 'OrderSubmitted', 'PriceCalculated', 'ManufacturingApproved', 'ManufacturingStarted', 'ManufacturingCompleted', 'PackagingStarted', 'OrderShipped', 'OrderClosed'];

function orderEvents(orderId: string, i: number): NewEvent[] {
  // 0..9 steps after OrderInitiated; a fifth stop at ManufacturingApproved (4 steps).
  // None stops at SUBMITTED: the pricing worker would try to price a model that does not exist.
  const steps = i % 5 === 0 ? 4 : i % 10 === 2 ? 3 : i % 10;
  const at = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
  const submissionId = randomUUID();
  const envelope = (type: string, data: unknown): NewEvent => ({
    id: randomUUID(),
    type,
    data,
    metadata: { correlationId: randomUUID(), causationId: null, actor: { role: 'system', id: 'bench' }, occurredAt: at, schemaVersion: 1 },
  });
  const list = [envelope('OrderInitiated', { orderId, customerRef: `cust-${i % 50_000}`, channel: 'shop', partnerId: null, material: 'GOLD_750' })];
  for (const type of STEPS.slice(0, steps)) {
    const data: Record<string, unknown> =
      type === 'ModelUploaded' ? { blobKey: 'bench', sha256: 'bench', sizeBytes: 684, format: 'stl-binary', source: 'upload', catalogItemId: null, triangleCount: 12 }
      : type === 'OrderSubmitted' ? { submissionId }
      : type === 'PriceCalculated' ? { submissionId, currency: 'EUR', total: 250, breakdown: { material: 'GOLD_750', massGrams: 5, volumeMm3: 300, surfaceAreaMm2: 400, materialCost: 220, labourCost: 30, minimumApplied: false, lines: [] } }
      : type === 'ManufacturingApproved' ? { approvedVia: 'seller' }
      : type === 'OrderShipped' ? { operatorRef: 'op-1', trackingNumber: `TRK-${i}` }
      : type === 'OrderClosed' ? { closedVia: 'carrier', deliveredAt: at }
      : { operatorRef: 'op-1' };
    list.push(envelope(type, data));
  }
  return list;
}

async function untilProjected(url: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ position: string }>('SELECT max(position)::text AS position FROM event_store.events');
    for (;;) {
      const checkpoint = await client.query<{ position: string | null }>(`SELECT position::text FROM projection_checkpoints WHERE projection = 'read-models'`);
      if (checkpoint.rows[0]?.position === rows[0]!.position) return;
      await sleep(500);
    }
  } finally {
    await client.end();
  }
}

/** CONNECTIONS callers in a closed loop for RUN_MS (after a 1 s warm-up); latencies in ms. */
async function closedLoop(call: () => Promise<void>): Promise<{ latencies: number[]; perSecond: number }> {
  const warmUpEnd = performance.now() + 1_000;
  while (performance.now() < warmUpEnd) await Promise.all(Array.from({ length: CONNECTIONS }, call));
  const latencies: number[] = [];
  const started = performance.now();
  const end = started + RUN_MS;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        await call();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { latencies, perSecond: latencies.length / ((performance.now() - started) / 1000) };
}

/** One command at a time: POST start, then wait for the order's MANUFACTURING_STARTED on the stream. */
async function measureFreshness(baseUrl: string, token: string, orderIds: string[]): Promise<number[]> {
  const controller = new AbortController();
  const response = await fetch(`${baseUrl}/api/mes/orders/stream`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const seen = new Map<string, number>();
  const waiters = new Map<string, () => void>();
  let buffer = '';
  const pump = (async () => {
    for (;;) {
      const chunk = await reader.read().catch(() => ({ done: true as const, value: undefined }));
      if (chunk.done) return;
      buffer += decoder.decode(chunk.value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (!block.includes('event: order')) continue;
        const data = JSON.parse(block.slice(block.indexOf('data: ') + 6)) as { id: string; status: string };
        if (data.status !== 'MANUFACTURING_STARTED') continue;
        seen.set(data.id, performance.now());
        waiters.get(data.id)?.();
      }
    }
  })();
  const samples: number[] = [];
  for (const id of orderIds) {
    const visible = new Promise<void>((resolve) => waiters.set(id, resolve));
    const t0 = performance.now();
    const posted = await fetch(`${baseUrl}/api/mes/orders/${id}/start`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    if (posted.status !== 200) throw new Error(`start ${id}: HTTP ${posted.status}`);
    await Promise.race([visible, sleep(10_000).then(() => { throw new Error(`order ${id} never showed on the stream`); })]);
    samples.push(seen.get(id)! - t0);
  }
  controller.abort();
  await pump;
  return samples;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}





main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
