/**
 * events:copy benchmark (`npm run bench:events-copy`): copy time PostgreSQL
 * to PostgreSQL for the "Moving between event stores" runbook
 * (docs/OPERATIONS.md). Prints its figures; writes no file.
 *
 * The source gets BENCH_COPY_EVENTS events (default 300,000) in order streams
 * of 10 events, inserted by SQL (4,096 per transaction, as the position
 * encoding allows) round by round, so the global order interleaves every
 * stream: the copy's worst case, each batch holding one event of many streams.
 * Payloads are the size of real order events. Then the engine runs as the CLI
 * does (batch 1000, concurrency from BENCH_COPY_CONCURRENCY, default 8; asynchronous
 * commits unless BENCH_COPY_SYNCHRONOUS=1, see postgres-bulk-target.ts) and the
 * verification reads both stores.
 *
 * Uses DATABASE_URL's server when set (source and target are two databases
 * on it), else an embedded PostgreSQL.
 */
import { cpus } from 'node:os';
import { asynchronousCommitUrl, walFlusher } from '../../src/infrastructure/event-store/copy/postgres-bulk-target';
import { copyEvents } from '../../src/infrastructure/event-store/copy/copy-events';
import { verifyCopy } from '../../src/infrastructure/event-store/copy/verify-copy';
import { PostgresEventStore } from '../../src/infrastructure/event-store/postgres/postgres-event-store';
import { createBenchDatabase, startBenchServer, withClient } from '../support/bench-database';

const EVENTS = Number(process.env.BENCH_COPY_EVENTS ?? 300_000);
const EVENTS_PER_STREAM = 10;
const CONCURRENCY = Number(process.env.BENCH_COPY_CONCURRENCY ?? 8);
const PER_TRANSACTION = 4_096;

async function seed(url: string): Promise<void> {
  const streams = Math.ceil(EVENTS / EVENTS_PER_STREAM);
  await withClient(url, async (client) => {
    for (let start = 0; start < EVENTS; start += PER_TRANSACTION) {
      // Event n (0-based, global order) is revision n / streams of stream n % streams.
      await client.query(
        `INSERT INTO event_store.events (position, stream_id, stream_revision, event_id, event_type, data, metadata)
         SELECT pg_current_xact_id()::text::bigint * 4096 + (n - $1),
                'order-' || md5('bench-copy-' || (n % $3))::uuid,
                n / $3,
                gen_random_uuid(),
                CASE WHEN n / $3 = 0 THEN 'OrderInitiated' ELSE 'OrderStep' END,
                jsonb_build_object('orderId', md5('bench-copy-' || (n % $3))::uuid, 'material', 'GOLD_750', 'customerId', 'cust-' || (n % 5000),
                                   'price', jsonb_build_object('amountMinor', 123456, 'currency', 'EUR'), 'note', repeat('x', 60)),
                jsonb_build_object('correlationId', gen_random_uuid(), 'causationId', gen_random_uuid(), 'requestId', md5(n::text),
                                   'traceparent', '00-' || md5(n::text) || '-' || left(md5((n + 1)::text), 16) || '-01',
                                   'actor', jsonb_build_object('role', 'customer', 'id', 'cust-' || (n % 5000)),
                                   'occurredAt', to_char(now(), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'schemaVersion', 1)
           FROM generate_series($1::bigint, least($2::bigint, $1::bigint + ${PER_TRANSACTION}) - 1) AS n`,
        [start, EVENTS, streams],
      );
    }
    await client.query('ANALYZE event_store.events');
  });
}

async function main(): Promise<void> {
  const server = await startBenchServer();
  const sourceDb = await createBenchDatabase(server.url, 'copy_source', { migrate: true });
  const targetDb = await createBenchDatabase(server.url, 'copy_target', { migrate: true });
  const quiet = { warn: () => undefined };
  const source = new PostgresEventStore({ connectionString: sourceDb.url, poolSize: 2, logger: quiet });
  // As the CLI does by default: asynchronous commits, the WAL flushed before each checkpoint.
  const synchronous = process.env.BENCH_COPY_SYNCHRONOUS === '1';
  const target = new PostgresEventStore({
    connectionString: synchronous ? targetDb.url : asynchronousCommitUrl(targetDb.url),
    poolSize: CONCURRENCY + 1,
    logger: quiet,
  });
  const flusher = await walFlusher(targetDb.url);
  try {
    const seeding = performance.now();
    await seed(sourceDb.url);
    console.log(`seeded ${EVENTS.toLocaleString('en')} events in ${((performance.now() - seeding) / 1000).toFixed(1)} s (server: ${server.label}, ${cpus().length} cores)`);
    const cpuBefore = process.cpuUsage();
    const copied = await copyEvents({
      source,
      target,
      batchSize: 1_000,
      concurrency: CONCURRENCY,
      flushTarget: synchronous ? undefined : () => flusher.flush(),
    });
    const cpu = process.cpuUsage(cpuBefore);
    const copySeconds = copied.elapsedMs / 1000;
    console.log(
      `copy: ${copied.events.toLocaleString('en')} events in ${copySeconds.toFixed(1)} s = ${Math.round(copied.events / copySeconds).toLocaleString('en')} events/s ` +
        `(concurrency ${CONCURRENCY}, ${synchronous ? 'synchronous' : 'asynchronous'} commit, copier CPU ${((cpu.user + cpu.system) / 1e6 / copySeconds).toFixed(2)} cores)`,
    );
    const verified = await verifyCopy({ source, target, sourceUntil: copied.position });
    console.log(
      `verify: ${verified.ok ? 'OK' : 'FAILED'}, ${verified.source.streams.toLocaleString('en')} streams, ${verified.source.events.toLocaleString('en')} events in ` +
        `${(verified.elapsedMs / 1000).toFixed(1)} s = ${Math.round(verified.source.events / (verified.elapsedMs / 1000)).toLocaleString('en')} events/s per store`,
    );
    if (!verified.ok) process.exitCode = 1;
  } finally {
    await Promise.allSettled([source.close(), target.close(), flusher.close()]);
    await sourceDb.drop();
    await targetDb.drop();
    await server.stop();
  }
}

void main();
