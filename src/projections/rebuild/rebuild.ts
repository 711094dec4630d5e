import { Client } from 'pg';
import { isPoisonFailure } from '../../infrastructure/event-consumers/consumer-failure';
import { OPEN_POSITIONS, PARK_EVENT, parkValues, RESOLVE_POSITIONS, SKIPPED_POSITIONS } from '../../infrastructure/event-consumers/parked-events.queries';
import type { EventStore, RecordedEvent } from '../../infrastructure/event-store/event-store.port';
import { applyIsolating, type ParkedFailure } from '../runtime/apply-batch';
import { LOCK_CHECKPOINT, READ_MODELS_PROJECTION, SET_CHECKPOINT, TAG_CHECKPOINT, TRY_REBUILD_LOCK } from '../runtime/checkpoint.queries';
import type { ReadModel, SqlClient } from '../runtime/read-model';

/** Suffix of the tables a rebuild fills before it swaps them in. */
export const REBUILD_SUFFIX = '_rebuild';
/** Suffix the live tables get for the instant between the swap's renames and their drop. */
const RETIRED_SUFFIX = '_retired';
const DEFAULT_BATCH_SIZE = 5_000;

export interface RebuildProgress {
  /** Events replayed so far. */
  events: number;
  /** Position of the last event replayed. */
  position: bigint;
  /** Position of the newest event when the rebuild started (the end of the progress bar). */
  target: bigint;
  elapsedMs: number;
}

export interface RebuildOptions {
  connectionString: string;
  eventStore: EventStore;
  readModels: readonly ReadModel[];
  batchSize?: number;
  projection?: string;
  onProgress?: (progress: RebuildProgress) => void;
}

export interface RebuildResult {
  events: number;
  /** Events the read models could not apply, parked as the live projector parks them. */
  parked: number;
  /** Events support had skipped for good: left out, as the live projector left them out. */
  skipped: number;
  position: bigint | null;
  elapsedMs: number;
  eventsPerSecond: number;
}

export class RebuildAlreadyRunningError extends Error {
  override readonly name = 'RebuildAlreadyRunningError';
}

/**
 * Replays every event from position 0 into fresh tables (`<table>_rebuild`,
 * indexes created after the bulk load), then swaps them in within one
 * transaction that also moves the checkpoint. The live tables answer
 * queries the whole time; the swap takes the checkpoint row lock first, so
 * the live projector's next batch waits for it, sees the moved checkpoint
 * and resumes from there (applyBatch's CheckpointMovedError).
 *
 * Poison events are handled as the live projector handles them, so the
 * rebuilt tables equal the live ones: an event the read models cannot apply
 * is parked (parked_events, consumer = the projection) and the rebuild goes
 * on; an event support skipped is left out; a parked event that applies now
 * (the code was fixed) is marked resolved. Those rows change in the swap's
 * transaction, with the tables.
 */
export async function rebuildReadModels(options: RebuildOptions): Promise<RebuildResult> {
  const projection = options.projection ?? READ_MODELS_PROJECTION;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const started = performance.now();
  const client = new Client({ connectionString: options.connectionString, application_name: 'alexandrite-projection-rebuild' });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>(TRY_REBUILD_LOCK, [projection]);
    if (!rows[0]?.locked) throw new RebuildAlreadyRunningError('another projections:rebuild is running against this database');

    for (const model of options.readModels) {
      for (const table of model.tables) await client.query(`DROP TABLE IF EXISTS ${table}${REBUILD_SUFFIX}`);
      await model.createTables(client, REBUILD_SUFFIX);
    }

    const { rows: skippedRows } = await client.query<{ position: string }>({ ...SKIPPED_POSITIONS, values: [projection] });
    const skippedPositions = new Set(skippedRows.map((row) => BigInt(row.position)));
    const parked: ParkedFailure[] = [];
    let skipped = 0;

    /** One batch into the rebuild tables: in a transaction of its own, or (inside the swap) behind a savepoint. */
    const applyOne = async (batch: readonly RecordedEvent[], insideTransaction: boolean): Promise<void> => {
      if (insideTransaction) {
        parked.push(...(await applyIsolating(client, options.readModels, batch, REBUILD_SUFFIX)).parked);
        return;
      }
      try {
        await inTransaction(client, async () => {
          for (const model of options.readModels) await model.apply(client, batch, REBUILD_SUFFIX);
        });
      } catch (error) {
        if (!isPoisonFailure(error)) throw error;
        // A poison event in the batch: again, parking the events that fail on their own.
        await inTransaction(client, async () => {
          parked.push(...(await applyIsolating(client, options.readModels, batch, REBUILD_SUFFIX)).parked);
        });
      }
    };

    const target = (await options.eventStore.headPosition()) ?? -1n;
    let position: bigint | null = null;
    let events = 0;
    const replay = async (through: bigint | undefined, insideTransaction = false): Promise<void> => {
      for (;;) {
        const batch = await options.eventStore.readAll({ ...(position === null ? {} : { fromPosition: position }), limit: batchSize });
        if (batch.length === 0) return;
        const toApply = skippedPositions.size === 0 ? batch : batch.filter((event) => !skippedPositions.has(event.position));
        skipped += batch.length - toApply.length;
        if (toApply.length > 0) await applyOne(toApply, insideTransaction);
        position = batch[batch.length - 1]!.position;
        events += batch.length;
        options.onProgress?.({ events, position, target, elapsedMs: performance.now() - started });
        if (batch.length < batchSize || (through !== undefined && position >= through)) return;
      }
    };

    // Bulk load up to the head as it was at the start, then the indexes (cheaper than row by row).
    await replay(target);
    for (const model of options.readModels) await model.createIndexes(client, REBUILD_SUFFIX);
    // Statistics before the swap: fresh tables have none, and the dashboard's named statements would
    // otherwise be planned blind (a bitmap scan and sort of a whole status instead of the keyset index walk).
    for (const model of options.readModels) for (const table of model.tables) await client.query(`ANALYZE ${table}${REBUILD_SUFFIX}`);
    // What arrived meanwhile, still outside the lock.
    await replay(undefined);

    // The swap: the live projector waits on the checkpoint row while the last events go in and the tables change places.
    // (Those last batches go behind savepoints: a transaction of their own would commit the swap's and drop its lock.)
    await inTransaction(client, async () => {
      await client.query({ ...LOCK_CHECKPOINT, values: [projection] });
      await replay(undefined, true);
      for (const model of options.readModels) await swapTables(client, model);
      // An empty store leaves no checkpoint: the old one may be another store's (a switched store's remedy is a rebuild).
      await client.query({ ...SET_CHECKPOINT, values: [projection, position === null ? null : String(position)] });
      // The rebuilt tables and the checkpoint now come from this store.
      await client.query({ ...TAG_CHECKPOINT, values: [projection, options.eventStore.adapterName] });
      await recordParking(client, projection, parked);
    });
    const elapsedMs = performance.now() - started;
    return { events, parked: parked.length, skipped, position, elapsedMs, eventsPerSecond: events / Math.max(elapsedMs / 1000, 1e-3) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The rebuilt tables are now the live ones: what they could not apply is
 * parked, and what was parked but applied this time is resolved.
 */
async function recordParking(client: SqlClient, projection: string, parked: readonly ParkedFailure[]): Promise<void> {
  for (const { event, error } of parked) await client.query({ ...PARK_EVENT, values: parkValues(projection, event, error) });
  const stillParked = new Set(parked.map(({ event }) => event.position));
  const { rows } = await client.query<{ position: string }>({ ...OPEN_POSITIONS, values: [projection] });
  const applied = rows.map((row) => BigInt(row.position)).filter((position) => !stillParked.has(position));
  if (applied.length > 0) await client.query({ ...RESOLVE_POSITIONS, values: [projection, applied.map(String), 'rebuild'] });
}

/**
 * Live tables out, rebuilt tables in, and their indexes renamed with them
 * (index names start with their table's name, see orders-current.schema.ts),
 * so the next rebuild finds the names it expects.
 */
async function swapTables(client: SqlClient, model: ReadModel): Promise<void> {
  for (const table of model.tables) {
    await renameWithIndexes(client, table, `${table}${RETIRED_SUFFIX}`);
    await renameWithIndexes(client, `${table}${REBUILD_SUFFIX}`, table);
    await client.query(`DROP TABLE ${table}${RETIRED_SUFFIX}`);
  }
}

async function renameWithIndexes(client: SqlClient, from: string, to: string): Promise<void> {
  const { rows } = await client.query<{ name: string }>(`SELECT indexrelid::regclass::text AS name FROM pg_index WHERE indrelid = $1::regclass`, [from]);
  await client.query(`ALTER TABLE ${from} RENAME TO ${to}`);
  for (const { name } of rows) {
    // Renaming the index of a primary key renames the constraint too.
    if (name.startsWith(from)) await client.query(`ALTER INDEX ${name} RENAME TO ${to}${name.slice(from.length)}`);
  }
}

async function inTransaction(client: SqlClient, work: () => Promise<void>): Promise<void> {
  await client.query('BEGIN');
  try {
    await work();
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
