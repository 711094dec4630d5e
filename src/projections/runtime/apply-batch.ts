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

export interface BatchResult {
  position: bigint;
  rowsChanged: number;
}

/**
 * Applies one batch to every read model and moves the checkpoint, in ONE
 * transaction: after a crash the batch is either wholly in the read models
 * with the checkpoint after it, or not at all and read again. NOTIFY is part
 * of the transaction, so listeners hear of exactly the committed batches (a
 * batch lost to a crash before its WAL flush is re-applied to the same rows).
 */
export async function applyBatch(
  client: SqlClient,
  projection: string,
  readModels: readonly ReadModel[],
  events: readonly RecordedEvent[],
  expected: bigint | null,
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
    let rowsChanged = 0;
    for (const model of readModels) rowsChanged += (await model.apply(client, events, '')).rowsChanged;
    await client.query({ ...SET_CHECKPOINT, values: [projection, String(last.position)] });
    await client.query({ ...NOTIFY_ORDERS_CHANGED, values: [JSON.stringify({ position: String(last.position) })] });
    await client.query('COMMIT');
    return { position: last.position, rowsChanged };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
