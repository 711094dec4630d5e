/**
 * Copies every stream of one event store into another through the port, so
 * it works between any two adapters (PostgreSQL to PostgreSQL, PostgreSQL to
 * KurrentDB, back again).
 *
 * Order. The source is read with readAll, in its global order, one batch at
 * a time; a batch's events are grouped per stream (stream order kept) and the
 * groups appended concurrently. Every stream keeps its order and revisions;
 * the interleaving of different streams inside one batch may change, which
 * no reader of ours depends on (projections fold one stream at a time).
 *
 * Fidelity. Each group is appended with the expected revision its first
 * event had in the source (revision - 1, or no_stream for revision 0), so the
 * target holds the same revisions, and with the source's ids, types, data
 * and metadata. Positions and recordedAt are the target's own: positions are
 * per store by nature (projection checkpoints must be rebuilt after a move).
 *
 * Resuming. After each batch the source position of its last event goes to
 * the checkpoint. A run that dies between an append and the checkpoint
 * re-reads events the target already has: appending ids that are all in the
 * stream is a no-op (the port's idempotent append), and a group of which the
 * target holds only the first events (other batch boundaries) fails its
 * expected revision, is compared id by id with what the target holds, and
 * only the rest is appended. Anything else the target holds in a stream is a
 * conflict that stops the copy: the target must not have other writers.
 */
import { type EventStore, type ExpectedRevision, type NewEvent, type RecordedEvent, WrongExpectedRevisionError } from '../event-store.port';

/** Where a copy resumes: the source position of the last event copied (exclusive start of the next run). */
export interface CopyCheckpoint {
  load(): Promise<bigint | undefined>;
  save(position: bigint): Promise<void>;
}

export interface CopyProgress {
  /** Source position of the last event handled, undefined before the first batch. */
  position: bigint | undefined;
  /** Source events handled in this run. */
  events: number;
  /** Of those, appended to the target now. */
  appended: number;
  /** Of those, already in the target (an earlier, interrupted run). */
  alreadyPresent: number;
  batches: number;
  elapsedMs: number;
  /** Target position of the newest event this run appended: verification waits until the target shows it. */
  targetPosition: bigint | undefined;
}

export interface CopyResult extends CopyProgress {
  /** The checkpoint this run started after; undefined for a copy from the beginning. */
  resumedFrom: bigint | undefined;
  /** true when `signal` stopped the copy before the end of the source. */
  aborted: boolean;
}

export interface CopyEventsOptions {
  source: EventStore;
  target: EventStore;
  checkpoint?: CopyCheckpoint;
  /** Source events per readAll (and per checkpoint). At most 4096: one stream's group must fit one append. Default 1000. */
  batchSize?: number;
  /** Streams appended at once within a batch. Default 8. */
  concurrency?: number;
  /** Stops after the current batch (its checkpoint is saved). */
  signal?: AbortSignal;
  /** Before each checkpoint: make the batch's appends durable (see postgres-bulk-target.ts). */
  flushTarget?(): Promise<void>;
  /** After each batch, once its checkpoint is saved. */
  onBatch?(progress: CopyProgress): void;
}

/** The target holds something else in a stream than the source: the copy cannot continue. */
export class CopyConflictError extends Error {
  override readonly name = 'CopyConflictError';
  constructor(
    readonly streamId: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`stream ${streamId}: ${message}`, options);
  }
}

const DEFAULT_BATCH_SIZE = 1_000;
const MAX_BATCH_SIZE = 4_096;
const DEFAULT_CONCURRENCY = 8;

export async function copyEvents(options: CopyEventsOptions): Promise<CopyResult> {
  const { source, target, checkpoint, signal } = options;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    throw new RangeError(`batch size must be an integer from 1 to ${MAX_BATCH_SIZE}, got ${batchSize}`);
  }
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);

  const started = performance.now();
  const resumedFrom = await checkpoint?.load();
  const progress: CopyProgress = { position: resumedFrom, events: 0, appended: 0, alreadyPresent: 0, batches: 0, elapsedMs: 0, targetPosition: undefined };
  while (!signal?.aborted) {
    const batch = await source.readAll({ fromPosition: progress.position, limit: batchSize });
    if (batch.length === 0) break;
    await forEachLimited(groupByStream(batch), concurrency, async (events) => {
      const outcome = await copyGroup(target, events);
      progress.appended += outcome.appended;
      if (outcome.position !== undefined && (progress.targetPosition === undefined || outcome.position > progress.targetPosition)) {
        progress.targetPosition = outcome.position;
      }
      progress.alreadyPresent += events.length - outcome.appended;
    });
    progress.position = batch.at(-1)!.position;
    progress.events += batch.length;
    progress.batches += 1;
    await options.flushTarget?.();
    await checkpoint?.save(progress.position);
    progress.elapsedMs = performance.now() - started;
    options.onBatch?.({ ...progress });
  }
  progress.elapsedMs = performance.now() - started;
  return { ...progress, resumedFrom, aborted: signal?.aborted === true };
}

interface GroupOutcome {
  /** Events new to the target. */
  appended: number;
  /** Target position of the last one, when any was appended. */
  position?: bigint;
}

/** Appends one stream's consecutive events. */
async function copyGroup(target: EventStore, events: readonly RecordedEvent[]): Promise<GroupOutcome> {
  const { streamId } = events[0]!;
  assertConsecutive(events);
  try {
    const result = await target.append(streamId, events.map(toNewEvent), expectedBefore(events[0]!));
    return result.appended ? { appended: events.length, position: result.position } : { appended: 0 };
  } catch (error) {
    if (!(error instanceof WrongExpectedRevisionError)) throw error;
    return appendRemainder(target, events, error);
  }
}

/** The target is past the group's start: the part it holds must be exactly the group's head; append the rest. */
async function appendRemainder(target: EventStore, events: readonly RecordedEvent[], cause: WrongExpectedRevisionError): Promise<GroupOutcome> {
  const first = events[0]!;
  const last = events.at(-1)!;
  const held = await target.readStream(first.streamId, { fromRevision: first.revision, toRevision: last.revision });
  held.forEach((event, index) => {
    const expected = events[index]!;
    if (event.id !== expected.id || event.revision !== expected.revision) {
      throw new CopyConflictError(
        first.streamId,
        `the target holds event ${event.id} at revision ${event.revision} where the source has ${expected.id}; the target has another writer or other data`,
        { cause },
      );
    }
  });
  if (held.length === 0) {
    throw new CopyConflictError(
      first.streamId,
      `the source continues at revision ${first.revision} but the target stream is at ${cause.actual === -1n ? 'no stream' : `revision ${cause.actual}`}` +
        ' (an emptied target after a checkpoint was saved, a source stream with gaps in its revisions, or another writer)',
      { cause },
    );
  }
  const rest = events.slice(held.length);
  if (rest.length === 0) return { appended: 0 };
  const result = await target.append(first.streamId, rest.map(toNewEvent), expectedBefore(rest[0]!));
  return result.appended ? { appended: rest.length, position: result.position } : { appended: 0 };
}

function expectedBefore(event: RecordedEvent): ExpectedRevision {
  return event.revision === 0n ? 'no_stream' : event.revision - 1n;
}

/** One append writes consecutive revisions: a source stream with a hole (a truncated KurrentDB stream) cannot keep its revisions. */
function assertConsecutive(events: readonly RecordedEvent[]): void {
  for (let index = 1; index < events.length; index++) {
    if (events[index]!.revision !== events[index - 1]!.revision + 1n) {
      throw new CopyConflictError(
        events[index]!.streamId,
        `the source skips from revision ${events[index - 1]!.revision} to ${events[index]!.revision}; revisions could not be kept`,
      );
    }
  }
}

function toNewEvent(event: RecordedEvent): NewEvent {
  return { id: event.id, type: event.type, data: event.data, metadata: event.metadata };
}

/** Events per stream, in order of each stream's first appearance, each stream's events in source order. */
function groupByStream(events: readonly RecordedEvent[]): RecordedEvent[][] {
  const groups = new Map<string, RecordedEvent[]>();
  for (const event of events) {
    const group = groups.get(event.streamId);
    if (group) group.push(event);
    else groups.set(event.streamId, [event]);
  }
  return [...groups.values()];
}

/** After a failure no new item starts, and the ones running finish before the first error is thrown (nothing appends after the copy stopped). */
async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const failures: unknown[] = [];
  const worker = async () => {
    while (failures.length === 0 && next < items.length) {
      try {
        await work(items[next++]!);
      } catch (error) {
        failures.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failures.length > 0) throw failures[0];
}
