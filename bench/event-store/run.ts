/**
 * Event store benchmark (`npm run bench:event-store`): single-event appends
 * through PostgresEventStore next to plain INSERTs of the same rows, and the
 * catch-up read rate of a subscription. Writes its section of docs/BENCHMARKS.md.
 *
 * Fairness: both sides use one database, one pool size, prepared statements,
 * autocommit, one event per statement to a new stream each time, and a table
 * with the same columns and unique indexes (position, event id, stream +
 * revision). The plain side gets its position from an identity column; the
 * event store pays for what makes it an event store: the per-stream lock and
 * revision check, the idempotency lookup, the NOTIFY (coalesced, after commit).
 * Runs alternate (store, plain, plain, store) so drift hits both sides alike.
 *
 * Uses DATABASE_URL's server when set, else an embedded PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import type { NewEvent } from '../../src/infrastructure/event-store/event-store.port';
import { PostgresEventStore } from '../../src/infrastructure/event-store/postgres/postgres-event-store';
import { createBenchDatabase, startBenchServer } from '../support/bench-database';
import { machineLine, writeBenchmarkSection } from '../support/benchmarks-doc';

const CONCURRENCIES = [1, 8, 32];
const RUN_MS = Number(process.env.BENCH_RUN_MS ?? 4_000);
const WARM_UP_MS = 1_000;
const POOL_SIZE = Math.max(...CONCURRENCIES);
const CATCH_UP_EVENTS = Number(process.env.BENCH_CATCH_UP_EVENTS ?? 100_000);
const TARGET_RATIO = 0.5;

interface Target {
  name: 'event store' | 'plain INSERT';
  appendOne(): Promise<void>;
}

interface Row {
  writers: number;
  storePerSecond: number;
  plainPerSecond: number;
}

async function main(): Promise<void> {
  const server = await startBenchServer();
  const database = await createBenchDatabase(server.url, 'event_store', { migrate: true });
  const store = new PostgresEventStore({ connectionString: database.url, poolSize: POOL_SIZE });
  const plain = new Pool({ connectionString: database.url, max: POOL_SIZE, application_name: 'bench-plain-insert' });
  try {
    await createPlainTable(plain);
    const targets: Target[] = [
      { name: 'event store', appendOne: () => store.append(`order-${randomUUID()}`, [benchEvent()], 'no_stream').then(() => undefined) },
      { name: 'plain INSERT', appendOne: () => plainInsert(plain, `order-${randomUUID()}`, benchEvent()) },
    ];
    for (const target of targets) await measure(target, POOL_SIZE, WARM_UP_MS);

    const rows: Row[] = [];
    for (const writers of CONCURRENCIES) rows.push(await compareAt(writers, targets));
    const catchUp = await measureCatchUp(store);
    const version = (await plain.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
    const markdown = renderSection(rows, catchUp, `${server.label} PostgreSQL ${version}`);
    console.log(`\n${markdown}\n`);
    console.log(`written to ${writeBenchmarkSection('event-store', markdown)}`);
  } finally {
    await store.close();
    await plain.end();
    await database.drop();
    await server.stop();
  }
}

/** Both targets at one concurrency, in the order A B B A; the figure is the mean of the two runs. */
async function compareAt(writers: number, [store, plain]: Target[]): Promise<Row> {
  const order = [store!, plain!, plain!, store!];
  const results = { 'event store': [] as number[], 'plain INSERT': [] as number[] };
  for (const target of order) {
    global.gc?.();
    const perSecond = await measure(target, writers, RUN_MS);
    results[target.name].push(perSecond);
    console.log(`${String(writers).padStart(2)} writers  ${target.name.padEnd(12)} ${Math.round(perSecond)} appends/s`);
  }
  return { writers, storePerSecond: mean(results['event store']), plainPerSecond: mean(results['plain INSERT']) };
}

/** Appends per second with `writers` loops appending back to back for `durationMs`. */
async function measure(target: Target, writers: number, durationMs: number): Promise<number> {
  let done = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  const writer = async () => {
    while (performance.now() < deadline) {
      await target.appendOne();
      done++;
    }
  };
  await Promise.all(Array.from({ length: writers }, writer));
  return done / ((performance.now() - started) / 1_000);
}

interface CatchUp {
  events: number;
  perSecond: number;
}

/** Tops the store up to CATCH_UP_EVENTS, then times a subscription from the beginning until it is caught up. */
async function measureCatchUp(store: PostgresEventStore): Promise<CatchUp> {
  let existing = 0;
  for (let page = await store.readAll({ limit: 10_000 }); page.length > 0; page = await store.readAll({ fromPosition: page.at(-1)!.position, limit: 10_000 })) {
    existing += page.length;
  }
  for (let missing = CATCH_UP_EVENTS - existing; missing > 0; missing -= 1_000) {
    await store.append(`order-${randomUUID()}`, Array.from({ length: Math.min(1_000, missing) }, benchEvent), 'no_stream');
  }
  const total = Math.max(existing, CATCH_UP_EVENTS);
  global.gc?.();
  let received = 0;
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const subscription = store.subscribeToAll(
      {},
      {
        onEvents: async (events) => {
          received += events.length;
        },
        onCaughtUp: () => {
          if (received >= total) void subscription.stop().then(resolve);
        },
        onError: reject,
      },
    );
  });
  return { events: received, perSecond: received / ((performance.now() - started) / 1_000) };
}

function renderSection(rows: Row[], catchUp: CatchUp, serverLine: string): string {
  const table = rows.map((row) => {
    const ratio = row.storePerSecond / row.plainPerSecond;
    const verdict = ratio >= TARGET_RATIO ? 'met' : 'MISSED';
    return `| ${row.writers} | ${fmt(row.storePerSecond)} | ${fmt(row.plainPerSecond)} | ${(ratio * 100).toFixed(0)}% | >= ${TARGET_RATIO * 100}%: ${verdict} |`;
  });
  return [
    '## Event store (PostgreSQL adapter)',
    '',
    `Command: \`npm run bench:event-store\` (${serverLine}, ${new Date().toISOString().slice(0, 10)})`,
    '',
    `Single-event appends to a new stream each, ${RUN_MS / 1000} s per run, runs alternated store/plain/plain/store and averaged,`,
    `pool of ${POOL_SIZE} connections on both sides. Plain INSERT: one prepared INSERT per event, autocommit, into a table`,
    'with the same columns and unique indexes, position from an identity column.',
    '',
    '| writers | event store appends/s | plain INSERTs/s | ratio | target |',
    '| --- | --- | --- | --- | --- |',
    ...table,
    '',
    `Catch-up read: a subscription from position 0 over ${fmt(catchUp.events)} events delivered ${fmt(catchUp.perSecond)} events/s (batches of 500).`,
    '',
    `Machine: ${machineLine()}`,
  ].join('\n');
}

// --- setup ------------------------------------------------------------------

async function createPlainTable(pool: Pool): Promise<void> {
  await pool.query(`
    CREATE TABLE bench_plain_events (
      position         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      transaction_id   xid8        NOT NULL DEFAULT pg_current_xact_id(),
      stream_id        text        NOT NULL,
      stream_revision  bigint      NOT NULL,
      event_id         uuid        NOT NULL UNIQUE,
      event_type       text        NOT NULL,
      data             jsonb       NOT NULL,
      metadata         jsonb       NOT NULL,
      recorded_at      timestamptz NOT NULL DEFAULT now(),
      UNIQUE (stream_id, stream_revision)
    )`);
}

const PLAIN_INSERT = {
  name: 'bench_plain_insert',
  text: `INSERT INTO bench_plain_events (stream_id, stream_revision, event_id, event_type, data, metadata)
         VALUES ($1, 0, $2, $3, $4, $5)`,
};

async function plainInsert(pool: Pool, streamId: string, event: NewEvent): Promise<void> {
  await pool.query({ ...PLAIN_INSERT, values: [streamId, event.id, event.type, JSON.stringify(event.data), JSON.stringify(event.metadata)] });
}

/** An event of realistic size: an OrderInitiated with full metadata. */
function benchEvent(): NewEvent {
  return {
    id: randomUUID(),
    type: 'OrderInitiated',
    data: { orderId: randomUUID(), customerId: 'cus_4f9a2c', material: 'GOLD_750', channel: 'shop' },
    metadata: {
      correlationId: randomUUID(),
      causationId: null,
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      actor: { role: 'customer', id: 'cus_4f9a2c' },
      occurredAt: new Date().toISOString(),
      schemaVersion: 1,
    },
  };
}

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
const fmt = (value: number) => Math.round(value).toLocaleString('en-US');

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
