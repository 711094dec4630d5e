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
 * The load generators run in a worker thread (load-worker.ts), not on the
 * app's event loop. Uses DATABASE_URL's server when set, else an embedded
 * PostgreSQL. Writes its section of docs/BENCHMARKS.md.
 */
import { mkdtemp } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { createApp } from '../../src/app.factory';
import { AppSettings } from '../../src/config/app-settings';
import { loadConfig } from '../../src/config/config';
import { JwtService } from '../../src/infrastructure/auth/jwt.service';
import { DashboardPageCache } from '../../src/modules/mes/dashboard/dashboard-page-cache';
import { withUpcasting } from '../../src/infrastructure/event-store/event-store.module';
import { PostgresEventStore } from '../../src/infrastructure/event-store/postgres/postgres-event-store';
import { allReadModels } from '../../src/projections/read-models';
import { rebuildReadModels } from '../../src/projections/rebuild/rebuild';
import { createBenchDatabase, startBenchServer, withClient } from '../support/bench-database';
import { machineLine, writeBenchmarkSection } from '../support/benchmarks-doc';
import { runInWorker } from './load-worker';
import { seedOrders } from './seed';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 1_000_000);
const CONNECTIONS = 50;
const RUN_MS = Number(process.env.BENCH_RUN_MS ?? 10_000);
const FRESHNESS_SAMPLES = Number(process.env.BENCH_FRESHNESS_SAMPLES ?? 300);
const SEED_CONCURRENCY = 16;
/** Operator commands a second during the second first-page measurement. */
const CHANGES_PER_SECOND = 10;
const SECRET = 'bench-secret-bench-secret-bench-secret-0123456789';
/** What an operator opens: the factory's statuses, oldest waiting first. */
const FIRST_PAGE = '/api/mes/orders?status=MANUFACTURING_APPROVED,MANUFACTURING_STARTED,MANUFACTURING_COMPLETED,PACKAGING&limit=50';
const FIRST_PAGE_STATUSES = ['MANUFACTURING_APPROVED', 'MANUFACTURING_STARTED', 'MANUFACTURING_COMPLETED', 'PACKAGING'];

/** 1-minute load average, for the figures: the machine is shared. */
const load = () => loadavg()[0]!.toFixed(1);

async function main(): Promise<void> {
  const server = await startBenchServer();
  const database = await createBenchDatabase(server.url, 'dashboard', { migrate: true });
  const store = new PostgresEventStore({ connectionString: database.url, poolSize: SEED_CONCURRENCY, logger: { warn: () => undefined } });
  let app: NestFastifyApplication | undefined;
  try {
    console.log(`seeding ${ORDERS} orders through the event store (${server.label})...`);
    const seedStarted = performance.now();
    const seedLoad = load();
    const { events, approved } = await seedOrders(store, ORDERS, (line) => console.log(line));
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    console.log(`  ${events} events in ${seedSeconds.toFixed(0)} s`);
    // The seeded history is already priced (its PriceCalculated events say so): a live pricing subscriber
    // would be at the head. Left at 0 it turns every historic OrderSubmitted into a pg-boss job during
    // the whole measurement, which is a backlog drill, not the dashboard.
    await withClient(database.url, (client) => client.query(`INSERT INTO pricing_checkpoints (subscriber, position) SELECT 'pricing-jobs', max(position) FROM event_store.events`));

    const config = loadConfig({
      NODE_ENV: 'test',
      PORT: '0',
      METRICS_PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: await mkdtemp(join(tmpdir(), 'alexandrite-bench-')),
      LOG_LEVEL: 'silent',
      LOG_FORMAT: 'json',
    });
    const catchUpStarted = performance.now();
    app = await createApp(new AppSettings(config, database.url, SECRET, SECRET));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.getHttpServer().address();
    const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    await untilProjected(database.url);
    const catchUpSeconds = (performance.now() - catchUpStarted) / 1000;
    console.log(`  projector caught up in ${catchUpSeconds.toFixed(0)} s (${Math.round(events / catchUpSeconds)} events/s)`);
    // What autovacuum does within a minute of a bulk catch-up, done here so that neither the plans nor the
    // measurement depend on its timing: a vacuum of 5.9M fresh events running beside the load takes a core.
    await withClient(database.url, (client) => client.query('VACUUM (ANALYZE)'));

    const token = await JwtService.sign(SECRET, 'op-bench', ['operator'], 3600);
    console.log(`first page at ${CONNECTIONS} connections for ${RUN_MS / 1000} s, over HTTP and as direct SQL (load generator in a worker thread)...`);
    const pageCache = app.get(DashboardPageCache);
    const httpLoad = load();
    const cacheBefore = pageCache.stats();
    const http = await runInWorker({ mode: 'http', url: `${baseUrl}${FIRST_PAGE}`, token, connections: CONNECTIONS, runMs: RUN_MS });
    const cacheAfter = pageCache.stats();
    const hitRate = (cacheAfter.hits - cacheBefore.hits) / Math.max(1, cacheAfter.hits + cacheAfter.misses - cacheBefore.hits - cacheBefore.misses);
    // The same while the factory works: operators start orders, each change clears the cached pages.
    console.log(`first page again, while ${CHANGES_PER_SECOND} orders a second are started...`);
    const changingLoad = load();
    const toStart = approved.slice(FRESHNESS_SAMPLES);
    const cacheBeforeChanges = pageCache.stats();
    const changes = startOrdersWhile(baseUrl, token, toStart, CHANGES_PER_SECOND);
    const httpChanging = await runInWorker({ mode: 'http', url: `${baseUrl}${FIRST_PAGE}`, token, connections: CONNECTIONS, runMs: RUN_MS });
    const started = await changes.stop();
    const cacheAfterChanges = pageCache.stats();
    const changingHitRate =
      (cacheAfterChanges.hits - cacheBeforeChanges.hits) / Math.max(1, cacheAfterChanges.hits + cacheAfterChanges.misses - cacheBeforeChanges.hits - cacheBeforeChanges.misses);
    const sqlLoad = load();
    const sql = await runInWorker({
      mode: 'sql',
      databaseUrl: database.url,
      poolSize: config.database.poolSize,
      statuses: FIRST_PAGE_STATUSES,
      connections: CONNECTIONS,
      runMs: RUN_MS,
    });
    // One caller: the service time of one request, without the queue that 50 callers build on 2 cores.
    const soloLoad = load();
    const httpSolo = await runInWorker({ mode: 'http', url: `${baseUrl}${FIRST_PAGE}`, token, connections: 1, runMs: RUN_MS / 2 });
    const sqlSolo = await runInWorker({
      mode: 'sql',
      databaseUrl: database.url,
      poolSize: config.database.poolSize,
      statuses: FIRST_PAGE_STATUSES,
      connections: 1,
      runMs: RUN_MS / 2,
    });

    console.log(`freshness: ${FRESHNESS_SAMPLES} start commands, each until it shows on the SSE stream...`);
    const freshnessLoad = load();
    const freshness = (await runInWorker({ mode: 'freshness', baseUrl, token, orderIds: approved.slice(0, FRESHNESS_SAMPLES) })).latencies;

    console.log('rebuild...');
    const rebuildLoad = load();
    // Read through the upcasters (the seed writes version-1 events), as the app and the rebuild CLI read.
    const rebuild = await rebuildReadModels({ connectionString: database.url, eventStore: withUpcasting(store), readModels: allReadModels() });

    const p = (values: number[], q: number) => percentile(values, q).toFixed(1);
    const markdown = `
## Dashboard (\`npm run bench:dashboard\`)

${ORDERS.toLocaleString('en')} orders (${events.toLocaleString('en')} events) seeded through the event store and projected by the app's projector${ORDERS < 1_000_000 ? ` (BENCH_ORDERS=${ORDERS}; the default is 1,000,000)` : ''}. Seed ${seedSeconds.toFixed(0)} s (load ${seedLoad}); projector catch-up ${Math.round(events / catchUpSeconds).toLocaleString('en')} events/s.

| measure | p50 | p99 | requests/s | load avg | target |
| --- | --- | --- | --- | --- | --- |
| first page over HTTP, ${CONNECTIONS} connections (page cache hit rate ${(100 * hitRate).toFixed(1)}%) | ${p(http.latencies, 50)} ms | ${p(http.latencies, 99)} ms | ${Math.round(http.perSecond)} | ${httpLoad} | p99 < 15 ms |
| the same while ${started} orders are started over ${RUN_MS / 1000} s (hit rate ${(100 * changingHitRate).toFixed(1)}%) | ${p(httpChanging.latencies, 50)} ms | ${p(httpChanging.latencies, 99)} ms | ${Math.round(httpChanging.perSecond)} | ${changingLoad} | |
| same SQL directly (page + counts), ${CONNECTIONS} callers, pool ${config.database.poolSize} | ${p(sql.latencies, 50)} ms | ${p(sql.latencies, 99)} ms | ${Math.round(sql.perSecond)} | ${sqlLoad} | baseline |
| first page over HTTP, 1 connection | ${p(httpSolo.latencies, 50)} ms | ${p(httpSolo.latencies, 99)} ms | ${Math.round(httpSolo.perSecond)} | ${soloLoad} | |
| same SQL directly, 1 caller | ${p(sqlSolo.latencies, 50)} ms | ${p(sqlSolo.latencies, 99)} ms | ${Math.round(sqlSolo.perSecond)} | ${soloLoad} | |
| freshness: command sent to change on the SSE stream (${freshness.length} commands, one at a time) | ${p(freshness, 50)} ms | ${p(freshness, 99)} ms | | ${freshnessLoad} | p99 < 100 ms |

First page at ${CONNECTIONS} connections: p99 < 15 ms ${percentile(http.latencies, 99) < 15 ? 'met' : '**NOT met**'}. With every page a cache hit, the latency is the HTTP stack's CPU per answer on the app's one event loop: ${CONNECTIONS} callers in a closed loop wait ${CONNECTIONS} / throughput on average, and the load generator shares the 2 cores.

Rebuild (\`projections:rebuild\` into fresh tables, then swap): ${rebuild.events.toLocaleString('en')} events in ${(rebuild.elapsedMs / 1000).toFixed(1)} s, **${Math.round(rebuild.eventsPerSecond).toLocaleString('en')} events/s** (target ≥ 20,000; load ${rebuildLoad}).

Before Nest's global interceptors went (1,000,000 orders, same machine, page cache in place): p50 14.0 ms / p99 57.8 ms, 2,945 requests/s. With one global interceptor (there were two: Idempotency-Key and the order_id log binding) Nest builds an rxjs chain for every request of every route; on a cached page that was half the app's CPU, and its objects, alive in 50 requests in flight at each scavenge, were promoted: 8-16 ms GC pauses every ~75 ms, which all 50 callers waited out together. Both now apply only where needed (@Idempotent() on POST routes, a Fastify hook for order routes); at 3,000 orders the same load went from about 6,000 to 12,500 requests/s (p99 27 to 13 ms). This run also vacuums after the catch-up, where the earlier ones only analyzed. Before the page cache, the token cache and helmet built once (1,000,000 orders, same machine): first page at 50 connections p50 102 ms / p99 202 ms (469 requests/s), 1 connection p99 10.9 ms; per request, JWT verification was a fifth of the CPU and helmet's per-request set-up 7%. Earlier still, the figures before 2026-11-23 (100,000 orders: HTTP p99 224 ms, SQL p99 82 ms, freshness p99 252 ms) suffered from: the subscriptions' "anything newer, not yet visible?" probe (\`ANY_EVENT_AFTER\`) had a sequential scan as its generic plan, 70 ms at 118,000 events and 235 ms at 590,000, run by the projector and the pricing subscriber after every live poll (now a primary-key probe, < 0.1 ms; test/event-store-plans.int.spec.ts); the pricing subscriber started at position 0 and turned the whole seeded history into pg-boss jobs during the measurement; the load generator shared the app's event loop. Freshness is command (~10 ms: the POST until its append commits) + NOTIFY coalescing (~7 ms) + poll (< 1 ms) + projector transaction (~6 ms) + SSE fan-out (~1.5 ms), p50s at 20,000 orders (bench/dashboard/diagnose-freshness.ts).

Page: \`GET ${FIRST_PAGE}\`. Pages are answered from an in-process cache that every committed projector batch clears (src/modules/mes/dashboard/dashboard-page-cache.ts); the second row measures it while the read model changes. Closed loop: at ${CONNECTIONS} connections the latency is ${CONNECTIONS} / throughput, so on 2 cores the p99 is bound by CPU per request, not by waiting. The load generator runs in a worker thread (its own event loop, same 2 cores). The pricing subscriber starts at the seeded head (the history is already priced), and the database is vacuumed and analyzed after the catch-up (what autovacuum would do next, not during the measurement). Load avg: 1-minute load average when the step began (other work shares the machine). ${server.label} PostgreSQL; ${machineLine()}.
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

/** Starts one approved order every 1/rate s (over HTTP, as an operator) until stopped; resolves with how many. */
function startOrdersWhile(baseUrl: string, token: string, orderIds: string[], rate: number): { stop: () => Promise<number> } {
  let stopped = false;
  let started = 0;
  const running = (async () => {
    for (const id of orderIds) {
      if (stopped) break;
      const response = await fetch(`${baseUrl}/api/mes/orders/${id}/start`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      if (response.status === 200) started++;
      await response.arrayBuffer();
      await sleep(1000 / rate);
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await running;
      return started;
    },
  };
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

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
