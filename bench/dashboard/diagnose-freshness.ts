/**
 * Diagnosis only (not part of `bench:dashboard`): where a command's change
 * spends its time on the way to the SSE stream. Patches the prototypes of the
 * pipeline's pieces in this process and prints a timeline per command.
 * `npm run -s build && BENCH_ORDERS=20000 node dist/bench/dashboard/diagnose-freshness.js`
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { createApp } from '../../src/app.factory';
import { AppSettings } from '../../src/config/app-settings';
import { loadConfig } from '../../src/config/config';
import { JwtService } from '../../src/infrastructure/auth/jwt.service';
import { AppendNotifier } from '../../src/infrastructure/event-store/postgres/append-notifier';
import { PostgresEventStore } from '../../src/infrastructure/event-store/postgres/postgres-event-store';
import { MesDashboardRepository } from '../../src/modules/mes/dashboard/mes-dashboard.repository';
import { OrderChangeFeed } from '../../src/projections/runtime/order-change-feed';
import { createBenchDatabase, startBenchServer } from '../support/bench-database';
import { seedOrders } from './seed';
import { ANY_EVENT_AFTER, READ_ALL } from '../../src/infrastructure/event-store/postgres/queries';
import { CHANGES_SINCE, DASHBOARD_PAGE, LATEST_CHANGE, STATUS_COUNTS } from '../../src/modules/mes/dashboard/dashboard.queries';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 20_000);
const EXPLAIN_ONLY = process.env.DIAG_EXPLAIN_ONLY === '1';
const SAMPLES = Number(process.env.BENCH_FRESHNESS_SAMPLES ?? 40);
const SECRET = 'bench-secret-bench-secret-bench-secret-0123456789';
const log: Array<{ t: number; what: string }> = [];
const mark = (what: string) => log.push({ t: performance.now(), what });

type Method = (this: unknown, ...args: unknown[]) => unknown;

/** Wraps a prototype's method to log how long each call took (a diagnostic: these methods are not public). */
function patch(proto: object, name: string, label: (args: unknown[], result: unknown, started: number) => string | undefined): void {
  const methods = proto as Record<string, Method>;
  const original = methods[name]!;
  methods[name] = async function (this: unknown, ...args: unknown[]) {
    const started = performance.now();
    const result = await original.apply(this, args);
    const text = label(args, result, started);
    if (text) mark(text);
    return result;
  };
}

async function main(): Promise<void> {
  const server = await startBenchServer();
  const database = await createBenchDatabase(server.url, 'dashdiag', { migrate: true });
  const store = new PostgresEventStore({ connectionString: database.url, poolSize: 16, logger: { warn: () => undefined } });
  try {
    const { approved } = await seedOrders(store, ORDERS, () => undefined);
    await store.close();
    // As in run.ts: the seeded history is already priced.
    const setup = new Client({ connectionString: database.url });
    await setup.connect();
    await setup.query(`INSERT INTO pricing_checkpoints (subscriber, position) SELECT 'pricing-jobs', max(position) FROM event_store.events`);
    // What a commit costs with and without waiting for the WAL flush (applyBatch commits asynchronously).
    await setup.query('CREATE TABLE diag_commit (id int PRIMARY KEY, n int)');
    await setup.query('INSERT INTO diag_commit VALUES (1, 0)');
    for (const mode of ['on', 'off', 'on', 'off']) {
      const times: number[] = [];
      for (let i = 0; i < 200; i++) {
        const t0 = performance.now();
        await setup.query(`BEGIN; SET LOCAL synchronous_commit = ${mode}; UPDATE diag_commit SET n = n + 1; COMMIT`);
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      console.log(`commit with synchronous_commit=${mode}: p50 ${times[100]!.toFixed(2)} ms, p99 ${times[197]!.toFixed(2)} ms`);
    }
    await setup.end();
    patch(PostgresEventStore.prototype, 'append', (a, _r, s) => `append ${String(a[0]).slice(6, 14)} done (took ${(performance.now() - s).toFixed(1)})`);
    patch(
      PostgresEventStore.prototype,
      'readAfter',
      (a, r, s) => `readAfter(${String(a[0]).slice(-6)}) -> ${(r as unknown[]).length} (took ${(performance.now() - s).toFixed(1)})`,
    );
    patch(PostgresEventStore.prototype, 'hasEventsAfter', (_a, r, s) => `hasEventsAfter -> ${String(r)} (took ${(performance.now() - s).toFixed(1)})`);
    patch(AppendNotifier.prototype, 'send', () => 'NOTIFY appended sent');
    patch(MesDashboardRepository.prototype, 'changesSince', (_a, r, s) => `changesSince -> ${(r as unknown[]).length} (took ${(performance.now() - s).toFixed(1)})`);
    const feed = OrderChangeFeed.prototype as unknown as Record<'emit', Method>;
    const emit = feed.emit;
    feed.emit = function (this: unknown, position: unknown) {
      mark(`orders_changed heard ${String(position).slice(-6)}`);
      return emit.call(this, position);
    };
    const config = loadConfig({
      NODE_ENV: 'test',
      PORT: '0',
      METRICS_PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: await mkdtemp(join(tmpdir(), 'alexandrite-bench-')),
      LOG_LEVEL: 'silent',
      LOG_FORMAT: 'json',
    });
    const app = await createApp(new AppSettings(config, database.url, SECRET, SECRET));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.getHttpServer().address();
    const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const client = new Client({ connectionString: database.url });
    await client.connect();
    for (;;) {
      const { rows } = await client.query<{ done: boolean }>(
        `SELECT (SELECT max(position) FROM event_store.events) = (SELECT position FROM projection_checkpoints WHERE projection='read-models') AS done`,
      );
      if (rows[0]?.done) break;
      await sleep(300);
    }
    await sleep(2000);
    await explainPlans(client);
    if (EXPLAIN_ONLY) {
      await client.end();
      await app.close();
      // DIAG_KEEP=1: leave the database up for experiments until the process is killed.
      if (process.env.DIAG_KEEP === '1') {
        console.log(`KEEP ${database.url}`);
        await new Promise(() => undefined);
      }
      return;
    }
    const token = await JwtService.sign(SECRET, 'op-bench', ['operator'], 3600);
    const controller = new AbortController();
    const response = await fetch(`${baseUrl}/api/mes/orders/stream`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    const waiters = new Map<string, () => void>();
    let buffer = '';
    void (async () => {
      for (;;) {
        const chunk = await reader.read().catch(() => ({ done: true as const, value: undefined }));
        if (chunk.done) return;
        buffer += decoder.decode(chunk.value as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (!block.includes('event: order')) continue;
          const data = JSON.parse(block.slice(block.indexOf('data: ') + 6)) as { id: string; status: string };
          if (data.status === 'MANUFACTURING_STARTED') waiters.get(data.id)?.();
        }
      }
    })();
    const totals: number[] = [];
    for (const id of approved.slice(0, SAMPLES)) {
      log.length = 0;
      const visible = new Promise<void>((resolve) =>
        waiters.set(id, () => {
          mark('SSE arrived');
          resolve();
        }),
      );
      const t0 = performance.now();
      mark('POST sent');
      const posted = await fetch(`${baseUrl}/api/mes/orders/${id}/start`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      mark(`POST answered ${posted.status}`);
      await visible;
      totals.push(performance.now() - t0);
      const activity = await client.query(
        `SELECT application_name, state, backend_xid::text, now()-xact_start AS age, left(query,60) q FROM pg_stat_activity WHERE backend_xid IS NOT NULL`,
      );
      console.log(`--- ${id.slice(0, 8)} total ${(performance.now() - t0).toFixed(1)} ms`);
      for (const entry of log) console.log(`  +${(entry.t - t0).toFixed(1).padStart(6)}  ${entry.what}`);
      if (activity.rows.length) console.log('  xids now:', JSON.stringify(activity.rows));
      await sleep(50);
    }
    totals.sort((a, b) => a - b);
    console.log(`p50 ${totals[Math.floor(totals.length / 2)]!.toFixed(1)} p90 ${totals[Math.floor(totals.length * 0.9)]!.toFixed(1)} max ${totals.at(-1)!.toFixed(1)}`);
    controller.abort();
    await client.end();
    await app.close();
  } finally {
    await database.drop();
    await server.stop();
  }
}

void randomUUID;

/** Generic plans (what named statements get after five runs) of the hot queries, with timings. */
async function explainPlans(client: Client): Promise<void> {
  const { rows } = await client.query<{ p: string }>('SELECT max(position)::text AS p FROM event_store.events');
  const head = rows[0]!.p;
  await client.query(`SET plan_cache_mode = force_generic_plan`);
  const statements: Array<[string, string, Array<string | number | null | string[]>]> = [
    ['any_after', ANY_EVENT_AFTER.text, [head]],
    ['read_all', READ_ALL.text, [head, 1000]],
    [
      'page',
      DASHBOARD_PAGE.text,
      [['MANUFACTURING_APPROVED', 'MANUFACTURING_STARTED', 'MANUFACTURING_COMPLETED', 'PACKAGING'], '-infinity', '00000000-0000-0000-0000-000000000000', 51, null, null],
    ],
    ['counts', STATUS_COUNTS.text, []],
    ['changes', CHANGES_SINCE.text, [head, 500]],
    ['latest', LATEST_CHANGE.text, []],
  ];
  for (const [name, text, values] of statements) {
    const prepared = `diag_${name}`;
    await client.query(`PREPARE ${prepared} AS ${text}`);
    const args = values
      .map((v) => (Array.isArray(v) ? `ARRAY[${v.map((x) => `'${x}'`).join(',')}]` : v === null ? 'NULL' : typeof v === 'number' ? String(v) : `'${v}'`))
      .join(', ');
    const plan = await client.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE ${prepared}${args ? `(${args})` : ''}`);
    console.log(`=== ${name}\n${plan.rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n')}`);
  }
  await client.query(`SET plan_cache_mode = auto`);
}
main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
