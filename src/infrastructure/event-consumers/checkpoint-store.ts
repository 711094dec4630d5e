/**
 * A consumer's checkpoint (projector, pricing subscriber) is a position in
 * ONE event store: a PostgreSQL position means nothing to KurrentDB and the
 * reverse. Resuming from another store's position would skip or repeat
 * events, or loop on an invalid position. So each checkpoint row records the
 * store it belongs to (its `event_store` column, the adapter's name), and a
 * consumer refuses to start on a mismatch, or when its checkpoint lies past
 * the newest event of the store (a different or restored store).
 */

export interface StoredCheckpoint {
  position: bigint | null;
  /** The adapter that recorded it; null on a row that has no position yet. */
  eventStore: string | null;
}

export interface CurrentStore {
  /** EventStore.adapterName. */
  name: string;
  /** EventStore.headPosition(). */
  head: bigint | undefined;
}

export class CheckpointStoreMismatchError extends Error {
  override readonly name = 'CheckpointStoreMismatchError';
}

const REMEDY = 'see docs/OPERATIONS.md, "KurrentDB before going live" (switching event stores)';

/** Why `checkpoint` cannot be resumed on `store`, or null when it can. */
export function checkpointProblem(consumer: string, checkpoint: StoredCheckpoint, store: CurrentStore): string | null {
  const { position, eventStore } = checkpoint;
  if (position === null) return null;
  if (eventStore !== null && eventStore !== store.name) {
    return (
      `${consumer}: its checkpoint (position ${position}) was recorded on the '${eventStore}' event store, but this app now runs on '${store.name}'; ` +
      `positions of one store mean nothing in the other, so it refuses to resume (it would skip or repeat events): ${REMEDY}`
    );
  }
  if (store.head === undefined || position > store.head) {
    return (
      `${consumer}: its checkpoint (position ${position}) lies past the newest event of the '${store.name}' event store (${store.head === undefined ? 'it is empty' : `position ${store.head}`}); ` +
      `the store is another one or lost events (restored from an older backup?), so it refuses to resume: ${REMEDY}`
    );
  }
  return null;
}

/** Throws CheckpointStoreMismatchError when the checkpoint cannot be resumed on the store. */
export function assertCheckpointBelongs(consumer: string, checkpoint: StoredCheckpoint, store: CurrentStore): void {
  const problem = checkpointProblem(consumer, checkpoint, store);
  if (problem !== null) throw new CheckpointStoreMismatchError(problem);
}
