import { describeFailure, isPoisonFailure, UnprocessableEventError } from '../../infrastructure/event-consumers/consumer-failure';
import { PARK_EVENT, parkValues } from '../../infrastructure/event-consumers/parked-events.queries';
import type { RecordedEvent } from '../../infrastructure/event-store/event-store.port';
import { LOCK_CHECKPOINT, NOTIFY_ORDERS_CHANGED, SET_CHECKPOINT } from './checkpoint.queries';
import type { ReadModel, SqlClient } from './read-model';

/** The checkpoint is not where this projector left it: someone else applied events (a rebuild's swap). */
export class CheckpointMovedError extends Error {
  override readonly name = 'CheckpointMovedError';
  constructor(
    readonly expected: bigint | null,
    readonly actual: bigint | null,
  ) {
    super(`projection checkpoint moved: expected ${String(expected ?? 'none')}, found ${String(actual ?? 'none')}`);
  }
}

/** An event the read models could not apply, set aside (parked) so the rest could be. */
export interface ParkedFailure {
  event: RecordedEvent;
  error: string;
}

export interface BatchResult {
  position: bigint;
  rowsChanged: number;
  /** Events of the batch that were parked instead of applied (usually none). */
  parked: ParkedFailure[];
}

/**
 * Applies one batch to every read model and moves the checkpoint, in ONE
 * transaction: after a crash the batch is either wholly in the read models
 * with the checkpoint after it, or not at all and read again. NOTIFY is part
 * of the transaction, so listeners hear of exactly the committed batches (a
 * batch lost to a crash before its WAL flush is re-applied to the same rows).
 *
 * A poison event (one the read models cannot apply: see isPoisonFailure)
 * must not stop the projector. When the batch fails with such an error, it
 * is applied again in a new transaction, one slice at a time (applyIsolating):
 * the events that fail on their own are parked, in parked_events, in the same
 * transaction that applies the others and moves the checkpoint past them.
 * Any other failure (the database away, a moved checkpoint) is thrown, and
 * the same batch is tried again later.
 */
export async function applyBatch(
  client: SqlClient,
  projection: string,
  readModels: readonly ReadModel[],
  events: readonly RecordedEvent[],
  expected: bigint | null,
): Promise<BatchResult> {
  try {
    return await inBatchTransaction(client, projection, events, expected, async () => {
      let rowsChanged = 0;
      for (const model of readModels) rowsChanged += (await model.apply(client, events, '')).rowsChanged;
      return { rowsChanged, parked: [] };
    });
  } catch (error) {
    if (error instanceof CheckpointMovedError || !isPoisonFailure(error)) throw error;
  }
  return inBatchTransaction(client, projection, events, expected, () => applyIsolating(client, readModels, events, ''));
}

async function inBatchTransaction(
  client: SqlClient,
  projection: string,
  events: readonly RecordedEvent[],
  expected: bigint | null,
  work: () => Promise<{ rowsChanged: number; parked: ParkedFailure[] }>,
): Promise<BatchResult> {
  const last = events[events.length - 1];
  if (!last) throw new Error('applyBatch needs at least one event');
  // Asynchronous commit for this transaction alone: the live tail does not wait for a WAL flush per
  // batch. A crash can then lose the last batches, but always together with their checkpoint, so they
  // are simply applied again from the events (which are durable): still exactly once.
  await client.query('BEGIN; SET LOCAL synchronous_commit = off');
  try {
    const { rows } = await client.query<{ position: string | null }>({ ...LOCK_CHECKPOINT, values: [projection] });
    const actual = rows[0]?.position == null ? null : BigInt(rows[0].position);
    if (actual !== expected) throw new CheckpointMovedError(expected, actual);
    const { rowsChanged, parked } = await work();
    for (const { event, error } of parked) await client.query({ ...PARK_EVENT, values: parkValues(projection, event, error) });
    await client.query({ ...SET_CHECKPOINT, values: [projection, String(last.position)] });
    await client.query({ ...NOTIFY_ORDERS_CHANGED, values: [JSON.stringify({ position: String(last.position) })] });
    await client.query('COMMIT');
    return { position: last.position, rowsChanged, parked };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * Applies `events` inside the caller's transaction, setting aside those that
 * cannot be applied: a slice that fails is rolled back to its savepoint and
 * split (at the event the read model named, else in halves) until the
 * failing events stand alone. A batch with one poison event costs a few
 * extra statements, never a transaction per event. Failures that are not an
 * event's fault are thrown (the caller's transaction is then lost anyway).
 */
export async function applyIsolating(
  client: SqlClient,
  readModels: readonly ReadModel[],
  events: readonly RecordedEvent[],
  suffix: string,
): Promise<{ rowsChanged: number; parked: ParkedFailure[] }> {
  const parked: ParkedFailure[] = [];
  let rowsChanged = 0;
  const attempt = async (slice: readonly RecordedEvent[]): Promise<void> => {
    if (slice.length === 0) return;
    await client.query('SAVEPOINT apply_slice');
    try {
      let changed = 0;
      for (const model of readModels) changed += (await model.apply(client, slice, suffix)).rowsChanged;
      await client.query('RELEASE SAVEPOINT apply_slice');
      rowsChanged += changed;
      return;
    } catch (error) {
      if (!isPoisonFailure(error)) throw error;
      await client.query('ROLLBACK TO SAVEPOINT apply_slice');
      await client.query('RELEASE SAVEPOINT apply_slice');
      const named = error instanceof UnprocessableEventError ? slice.findIndex((event) => event.position === error.event.position) : -1;
      if (slice.length === 1 || named >= 0) {
        const at = Math.max(named, 0);
        await attempt(slice.slice(0, at));
        parked.push({ event: slice[at]!, error: describeFailure(error) });
        await attempt(slice.slice(at + 1));
        return;
      }
      const middle = Math.ceil(slice.length / 2);
      await attempt(slice.slice(0, middle));
      await attempt(slice.slice(middle));
    }
  };
  await attempt(events);
  return { rowsChanged, parked };
}
