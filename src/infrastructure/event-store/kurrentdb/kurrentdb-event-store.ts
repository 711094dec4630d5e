/**
 * The event store on KurrentDB (formerly EventStoreDB), selected when
 * EVENTSTORE_URL is set, through `@kurrent/kurrentdb-client`. It has never
 * run against a server on our machines: docs/OPERATIONS.md ("KurrentDB
 * before going live") says how to run the contract suite against one. The
 * error mapping and retry logic are unit-tested through a fake client
 * (kurrentdb-client-seam.ts) that throws the client's real error classes.
 *
 * Mapping to the port:
 * - Positions are the $all commit position as a bigint. A KurrentDB
 *   position is (commit, prepare); every append is one implicit
 *   transaction, whose events each have commit == prepare, and a checkpoint
 *   is resumed as {commit, prepare: commit}. Events of explicit (legacy)
 *   transactions share one commit position: a page or batch boundary inside
 *   one would skip the rest, so $all reads refuse them
 *   (ExplicitTransactionPositionError) instead of skipping.
 * - Revisions are KurrentDB's stream revisions (both start at 0).
 * - $all reads, subscriptions and the head see only streams named
 *   `order-...` (a server-side stream prefix filter): events of projections,
 *   the web UI or other writers never reach the projector. An `order-`
 *   event that is not ours (not JSON, no metadata of ours) is dropped,
 *   counted and logged (onEventDropped), so it cannot wedge a consumer.
 *
 * Idempotency: the server detects a repeated append only on a best-effort
 * basis (reliably only with an exact expected revision, and it then answers
 * "success", so the caller cannot tell a repeat from a first write). To keep
 * the port's promise (all ids present: appended=false; some: conflict) the
 * append first reads the stream's tail from the leader; 'any' is turned into
 * the revision read there, so the server still checks atomically and nothing
 * slips in between; a WrongExpectedVersion is re-read once more, since a
 * concurrent retry of the same append may have won. That costs one read per
 * append. The tail read covers the last IDEMPOTENCY_WINDOW events, far more
 * than an order stream holds.
 *
 * An append whose outcome is unknown (the connection dropped, the server's
 * commit timed out) may still have been written. Deciding the command again
 * with new event ids could then double an event, so the adapter re-reads
 * the tail a few times with backoff: our ids there mean the append happened
 * (success); still absent after the last check, it fails as unavailable
 * (503) and the caller retries.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AllStreamResolvedEvent,
  type AppendStreamState,
  BACKWARDS,
  END,
  FORWARDS,
  jsonEvent,
  type JSONType,
  KurrentDBClient,
  NO_STREAM,
  type Position,
  type ResolvedEvent,
  START,
  StreamNotFoundError,
  streamNameFilter,
  WrongExpectedVersionError,
} from '@kurrent/kurrentdb-client';
import {
  type AppendResult,
  EventStore,
  type EventMetadata,
  EventStoreUnavailableError,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
  type SubscriptionHandler,
  WrongExpectedRevisionError,
} from '../event-store.port';
import type { AllSubscriptionSource, KurrentDbClientSeam } from './kurrentdb-client-seam';
import { ExplicitTransactionPositionError, isOutcomeUnknown, ReadDeadlineError, toEventStoreError } from './kurrentdb-errors';

/** Why an event of $all was not handed on. */
export type DroppedEventReason = 'not_json' | 'no_metadata';

export interface DroppedEvent {
  reason: DroppedEventReason;
  streamId: string;
  eventId: string;
  type: string;
  position: bigint;
}

export interface KurrentDbEventStoreOptions {
  /** e.g. `kurrentdb+discover://app:secret@kurrentdb.ns.svc:2113?tls=true&nodePreference=leader` */
  connectionString?: string;
  /** The client to use instead of one built from connectionString (tests pass a fake). */
  client?: KurrentDbClientSeam;
  /** Deadline of one read (stream, page of $all, head); the client sets none on reads. Default 10 s, as appends. */
  readDeadlineMs?: number;
  /** Re-reads of the tail after an append with an unknown outcome, and the first pause (doubling). Default 4 from 250 ms. */
  unknownOutcomeChecks?: number;
  unknownOutcomeFirstDelayMs?: number;
  /** An event of an `order-` stream that is not ours was skipped (count it, log it). */
  onEventDropped?: (dropped: DroppedEvent) => void;
  logger?: { warn(message: string): void };
}

/** Only our streams: everything else in $all (projections, UI, other writers) stays on the server. */
export const ORDER_STREAM_PREFIX = 'order-';
const DEFAULT_READ_ALL_LIMIT = 1_000;
const DEFAULT_BATCH_SIZE = 500;
const DEFAULT_READ_DEADLINE_MS = 10_000;
const DEFAULT_UNKNOWN_OUTCOME_CHECKS = 4;
const DEFAULT_UNKNOWN_OUTCOME_FIRST_DELAY_MS = 250;
const IDEMPOTENCY_WINDOW = 1_000;
/** 'any' appends re-read and retry when another writer got in between; beyond this the stream is too hot to be fair. */
export const MAX_ANY_ATTEMPTS = 10;

/** The stream as the append found it: revision of its last event (-1n: none) and which of our ids it holds. */
interface StreamTail {
  revision: bigint;
  found: Map<string, RecordedEvent>;
}

/** What a visitor of a read answers: false stops the read. */
type Visit<T> = (item: T) => boolean | void;

export class KurrentDbEventStore extends EventStore {
  readonly adapterName = 'kurrentdb';
  private readonly client: KurrentDbClientSeam;
  private readonly readDeadlineMs: number;
  private readonly unknownOutcomeChecks: number;
  private readonly unknownOutcomeFirstDelayMs: number;
  private readonly subscriptions = new Set<KurrentDbSubscription>();

  constructor(private readonly options: KurrentDbEventStoreOptions) {
    super();
    if (options.client) this.client = options.client;
    else if (options.connectionString) this.client = clientFor(options.connectionString);
    else throw new Error('KurrentDbEventStore needs a connectionString or a client');
    this.readDeadlineMs = options.readDeadlineMs ?? DEFAULT_READ_DEADLINE_MS;
    this.unknownOutcomeChecks = options.unknownOutcomeChecks ?? DEFAULT_UNKNOWN_OUTCOME_CHECKS;
    this.unknownOutcomeFirstDelayMs = options.unknownOutcomeFirstDelayMs ?? DEFAULT_UNKNOWN_OUTCOME_FIRST_DELAY_MS;
  }

  async append(streamId: string, events: readonly NewEvent[], expectedRevision: ExpectedRevision): Promise<AppendResult> {
    assertAppendable(streamId, events);
    const ids = events.map((event) => event.id);
    for (let attempt = 1; ; attempt++) {
      const tail = await this.readTail(streamId, ids);
      const repeated = repeatedAppend(tail, ids, streamId, expectedRevision);
      if (repeated) return repeated;
      const streamState = toStreamState(expectedRevision, tail.revision);
      if (expectedRevision !== 'any' && !stateMatches(streamState, tail.revision)) {
        throw new WrongExpectedRevisionError(streamId, expectedRevision, tail.revision);
      }
      try {
        const result = await this.client.appendToStream(streamId, events.map(toEventData), { streamState });
        const position = result.position?.commit ?? (await this.lastPosition(streamId));
        return { appended: true, nextExpectedRevision: result.nextExpectedRevision, position };
      } catch (error) {
        if (isOutcomeUnknown(error)) return this.settleUnknownOutcome(streamId, ids, expectedRevision, error);
        if (!(error instanceof WrongExpectedVersionError)) throw toEventStoreError(error);
        if (expectedRevision === 'any' && attempt < MAX_ANY_ATTEMPTS) continue;
        // A concurrent retry of this very append may have won: then it is a no-op after all.
        const after = await this.readTail(streamId, ids);
        const wonElsewhere = repeatedAppend(after, ids, streamId, expectedRevision);
        if (wonElsewhere) return wonElsewhere;
        throw new WrongExpectedRevisionError(streamId, expectedRevision, currentRevision(error.actualState));
      }
    }
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const from = options.fromRevision ?? 0n;
    if (options.toRevision !== undefined && options.toRevision < from) return [];
    const maxCount = options.toRevision === undefined ? undefined : options.toRevision - from + 1n;
    const events: RecordedEvent[] = [];
    // From the leader: commands decide on what they read here, and a follower may lag (a spurious 409, a missed repeat).
    await this.read(
      `read ${streamId}`,
      () => this.client.readStream(streamId, { fromRevision: from, direction: FORWARDS, maxCount, requiresLeader: true }),
      (resolved) => {
        const event = fromResolved(resolved);
        if (event) events.push(event);
      },
    );
    return events;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const limit = options.limit ?? DEFAULT_READ_ALL_LIMIT;
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`readAll limit must be a positive integer, got ${limit}`);
    const events: RecordedEvent[] = [];
    // Dropped events do not count towards the limit, so a short page still means the end: read on until full or at the end.
    let cursor = options.fromPosition;
    for (;;) {
      // A $all read from a position includes the event at it; ours is exclusive, hence one more and the filter.
      const wanted = limit - events.length + 1;
      let seen = 0;
      let last: bigint | undefined;
      const after = cursor;
      await this.read(
        'read $all',
        () => this.client.readAll({ fromPosition: after === undefined ? START : toPosition(after), direction: FORWARDS, maxCount: wanted, filter: orderStreams() }),
        (resolved) => {
          seen++;
          const position = allPosition(resolved);
          if (position === undefined) return true;
          last = position;
          if (after !== undefined && position <= after) return true;
          const event = this.accept(resolved, position);
          if (event) events.push(event);
          return events.length < limit;
        },
      );
      if (events.length >= limit || seen < wanted || last === undefined || last === after) return events;
      cursor = last;
    }
  }

  subscribeToAll(options: SubscribeOptions, handler: SubscriptionHandler): Subscription {
    const from = options.fromPosition;
    const source = this.client.subscribeToAll({ fromPosition: from === undefined ? START : toPosition(from), filter: orderStreams() });
    const subscription = new KurrentDbSubscription(source, from, options.batchSize ?? DEFAULT_BATCH_SIZE, handler, (resolved, position) => this.accept(resolved, position));
    this.subscriptions.add(subscription);
    void subscription.finished.then(() => this.subscriptions.delete(subscription));
    return subscription;
  }

  async headPosition(): Promise<bigint | undefined> {
    let head: bigint | undefined;
    // From the leader: a start-up check compares checkpoints with it, and a lagging follower would refuse a good one.
    await this.read(
      'read the head of $all',
      () => this.client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 1, filter: orderStreams(), requiresLeader: true }),
      (resolved) => {
        head = allPosition(resolved);
        return head === undefined;
      },
    );
    return head;
  }

  async ping(): Promise<void> {
    // Any read answers; the newest record of $all is the cheapest one.
    await this.read(
      'ping',
      () => this.client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 1 }),
      () => false,
    );
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    await this.client.dispose();
  }

  /**
   * Iterates a read under the read deadline, mapping the client's errors to
   * the port's; a missing stream reads as empty. The client takes no
   * deadline on reads (the native bridge ignores it), so a stalled read is
   * abandoned here: the bridge ends it when the server answers or the
   * connection drops.
   */
  private async read<T>(what: string, start: () => AsyncIterable<T>, visit: Visit<T>): Promise<void> {
    const deadline = Date.now() + this.readDeadlineMs;
    let iterator: AsyncIterator<T> | undefined;
    let finished = false;
    try {
      iterator = start()[Symbol.asyncIterator]();
      for (;;) {
        const next = await beforeDeadline(iterator.next(), deadline, () => new ReadDeadlineError(what, this.readDeadlineMs));
        if (next.done) {
          finished = true;
          return;
        }
        if (visit(next.value) === false) return;
      }
    } catch (error) {
      finished = error instanceof StreamNotFoundError;
      if (error instanceof StreamNotFoundError) return;
      throw toEventStoreError(error);
    } finally {
      // Cancels the rest of the read (not awaited: a pending next() would hold it).
      if (!finished && iterator?.return) void iterator.return().catch(() => undefined);
    }
  }

  /** The stream's last revision and those of `ids` it holds, from its newest IDEMPOTENCY_WINDOW events, read on the leader. */
  private async readTail(streamId: string, ids: readonly string[]): Promise<StreamTail> {
    const wanted = new Set(ids);
    const tail: StreamTail = { revision: -1n, found: new Map() };
    await this.read(
      `read the tail of ${streamId}`,
      () => this.client.readStream(streamId, { fromRevision: END, direction: BACKWARDS, maxCount: IDEMPOTENCY_WINDOW, requiresLeader: true }),
      (resolved) => {
        const event = fromResolved(resolved);
        if (!event) return true;
        if (tail.revision < 0n) tail.revision = event.revision;
        if (wanted.has(event.id)) tail.found.set(event.id, event);
        return tail.found.size < wanted.size;
      },
    );
    return tail;
  }

  /**
   * The append failed in a way that does not say whether it was written.
   * Re-reads the tail (bounded, with backoff): all our ids there, it was
   * (this call appended them); none after the last check, it fails as
   * unavailable. A write that lands even later is the documented limit.
   */
  private async settleUnknownOutcome(streamId: string, ids: readonly string[], expected: ExpectedRevision, cause: unknown): Promise<AppendResult> {
    let delay = this.unknownOutcomeFirstDelayMs;
    let lastReadError: unknown;
    for (let check = 1; check <= this.unknownOutcomeChecks; check++) {
      await sleep(delay);
      delay *= 2;
      let tail: StreamTail;
      try {
        tail = await this.readTail(streamId, ids);
      } catch (error) {
        if (!(error instanceof EventStoreUnavailableError)) throw error;
        lastReadError = error;
        continue;
      }
      lastReadError = undefined;
      if (tail.found.size === ids.length) {
        this.options.logger?.warn(`append to ${streamId}: outcome was unknown (${describe(cause)}); its events are in the stream, so it succeeded`);
        return { appended: true, nextExpectedRevision: tail.revision, position: newest(tail.found).position };
      }
      // An append is atomic: some of our ids without the others is not a retry of it.
      if (tail.found.size > 0) throw new WrongExpectedRevisionError(streamId, expected, tail.revision);
    }
    const why = lastReadError === undefined ? 'its events are not in the stream' : `the stream could not be read back (${describe(lastReadError)})`;
    throw new EventStoreUnavailableError(
      `event store (KurrentDB): append to ${streamId} failed with an unknown outcome (${describe(cause)}) and after ${this.unknownOutcomeChecks} checks ${why}`,
      { cause },
    );
  }

  /** Fallback for servers that do not return the position of an append. */
  private async lastPosition(streamId: string): Promise<bigint> {
    let position: bigint | undefined;
    await this.read(
      `read the last event of ${streamId}`,
      () => this.client.readStream(streamId, { fromRevision: END, direction: BACKWARDS, maxCount: 1, requiresLeader: true }),
      (resolved) => {
        position = fromResolved(resolved)?.position;
        return position === undefined;
      },
    );
    if (position === undefined) throw new Error(`append to ${streamId}: the server returned no position and the stream reads back empty`);
    return position;
  }

  /** An event of $all as the port's, or undefined (dropped, counted and logged) when it is not one of ours. */
  private accept(resolved: AllStreamResolvedEvent, position: bigint): RecordedEvent | undefined {
    const event = resolved.event;
    if (!event) return undefined;
    const reason: DroppedEventReason | undefined = event.isJson ? (hasOurMetadata(event.metadata) ? undefined : 'no_metadata') : 'not_json';
    if (reason === undefined) return fromResolved(resolved);
    const dropped: DroppedEvent = { reason, streamId: event.streamId, eventId: event.id, type: event.type, position };
    this.options.onEventDropped?.(dropped);
    this.options.logger?.warn(
      `KurrentDB: skipped event ${event.id} (${event.type}) at position ${position} in ${event.streamId}: ${reason === 'not_json' ? 'not JSON' : 'no metadata of ours'}; ` +
        'another writer uses an order- stream',
    );
    return undefined;
  }
}

/**
 * Delivers a KurrentDB catch-up subscription in batches: events read so far
 * are handed over together once the stream has nothing more buffered (or the
 * batch is full), and the next batch waits for the handler. The server's
 * "caught up" signal is passed on once every event before it was handled.
 * The stream ending without stop() (the server closed it) is a failure:
 * the consumer must hear of it (onError) and restart from its checkpoint.
 */
class KurrentDbSubscription implements Subscription {
  private stopped = false;
  private caughtUpPending = false;
  private idle = false;
  private checkpoint: bigint | undefined;
  private readonly done: Promise<void>;

  constructor(
    private readonly source: AllSubscriptionSource,
    fromPosition: bigint | undefined,
    private readonly batchSize: number,
    private readonly handler: SubscriptionHandler,
    private readonly accept: (resolved: AllStreamResolvedEvent, position: bigint) => RecordedEvent | undefined,
  ) {
    this.checkpoint = fromPosition;
    source.on('caughtUp', () => this.onServerCaughtUp());
    this.done = this.run();
  }

  get finished(): Promise<void> {
    return this.done;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.source.unsubscribe().catch(() => undefined);
    await this.done;
  }

  private async run(): Promise<void> {
    let batch: RecordedEvent[] = [];
    /** Position of the last record read, delivered or not: the exclusive guard. */
    let seen = this.checkpoint;
    try {
      const iterator = this.source[Symbol.asyncIterator]();
      for (;;) {
        this.idle = batch.length === 0 && this.source.readableLength === 0;
        const next = await iterator.next();
        this.idle = false;
        if (this.stopped) return;
        if (next.done) {
          if (batch.length > 0) await this.deliver(batch);
          throw new EventStoreUnavailableError('event store (KurrentDB) ended the subscription (server shutdown or leader change?); resubscribe from the checkpoint');
        }
        const position = allPosition(next.value);
        // The server resumes after the checkpoint already; the check guards the exclusive contract.
        if (position !== undefined && (seen === undefined || position > seen)) {
          seen = position;
          const event = this.accept(next.value, position);
          if (event) batch.push(event);
        }
        if (batch.length < this.batchSize && this.source.readableLength > 0) continue;
        if (batch.length > 0) await this.deliver(batch);
        batch = [];
        if (this.caughtUpPending && this.source.readableLength === 0) this.reportCaughtUp();
      }
    } catch (error) {
      if (!this.stopped) this.fail(toEventStoreError(error));
    }
  }

  private async deliver(events: RecordedEvent[]): Promise<void> {
    await this.handler.onEvents(events);
    this.checkpoint = events[events.length - 1]!.position;
  }

  private onServerCaughtUp(): void {
    // Waiting with nothing buffered means everything before the signal is handled.
    if (this.idle && this.source.readableLength === 0) this.reportCaughtUp();
    else this.caughtUpPending = true;
  }

  private reportCaughtUp(): void {
    this.caughtUpPending = false;
    if (this.stopped) return;
    try {
      this.handler.onCaughtUp?.(this.checkpoint);
    } catch (error) {
      this.fail(error);
    }
  }

  private fail(error: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    void this.source.unsubscribe().catch(() => undefined);
    try {
      this.handler.onError?.(error);
    } catch {
      // Nothing left to tell: the subscription is already stopped.
    }
  }
}

function clientFor(connectionString: string): KurrentDbClientSeam {
  const client: KurrentDbClientSeam = KurrentDBClient.connectionString(connectionString);
  return client;
}

function orderStreams() {
  return streamNameFilter({ prefixes: [ORDER_STREAM_PREFIX] });
}

/** Resolves with `promise`, or rejects with `timeout()` at `deadline` (the promise is then abandoned, its rejection swallowed). */
async function beforeDeadline<T>(promise: Promise<T>, deadline: number, timeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  promise.catch(() => undefined);
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeout()), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

function assertAppendable(streamId: string, events: readonly NewEvent[]): void {
  if (events.length === 0) throw new RangeError(`append to ${streamId}: no events (skip the append when a command decides nothing)`);
  if (new Set(events.map((event) => event.id)).size !== events.length) {
    throw new RangeError(`append to ${streamId}: the same event id appears twice in one append`);
  }
}

/** All ids already in the stream: the no-op result. Some: a conflict. None: undefined (append). */
function repeatedAppend(tail: StreamTail, ids: readonly string[], streamId: string, expected: ExpectedRevision): AppendResult | undefined {
  if (tail.found.size === 0) return undefined;
  if (tail.found.size < ids.length) throw new WrongExpectedRevisionError(streamId, expected, tail.revision);
  return { appended: false, nextExpectedRevision: tail.revision, position: newest(tail.found).position };
}

function newest(found: Map<string, RecordedEvent>): RecordedEvent {
  return [...found.values()].reduce((a, b) => (b.revision > a.revision ? b : a));
}

/** 'any' becomes the revision just read, so the server rejects a writer that got in between instead of interleaving. */
function toStreamState(expected: ExpectedRevision, tailRevision: bigint): AppendStreamState {
  if (expected === 'no_stream') return NO_STREAM;
  if (expected === 'any') return tailRevision < 0n ? NO_STREAM : tailRevision;
  if (expected < 0n) throw new RangeError(`expected revision must be >= 0, 'any' or 'no_stream', got ${expected}`);
  return expected;
}

function stateMatches(state: AppendStreamState, revision: bigint): boolean {
  return state === NO_STREAM ? revision < 0n : state === revision;
}

function currentRevision(actual: 'no_stream' | bigint): bigint {
  return actual === NO_STREAM ? -1n : actual;
}

function toPosition(position: bigint): Position {
  return { commit: position, prepare: position };
}

function toEventData(event: NewEvent) {
  return jsonEvent({
    id: event.id,
    type: event.type,
    // The port's data is any JSON value; the client's type only names the common shapes.
    data: event.data as JSONType,
    metadata: event.metadata as unknown as JSONType,
  });
}

/**
 * The port position of a $all record: its commit position, which must equal
 * its prepare position (see ExplicitTransactionPositionError). Undefined for
 * a record without an event (an unresolved link).
 */
function allPosition(resolved: AllStreamResolvedEvent): bigint | undefined {
  const event = resolved.event;
  if (!event) return undefined;
  const commit = event.position?.commit ?? resolved.commitPosition;
  if (commit === undefined) throw new Error(`KurrentDB returned event ${event.id} without a position (server older than 22.6?)`);
  const prepare = event.position?.prepare;
  if (prepare !== undefined && prepare !== commit) throw new ExplicitTransactionPositionError(event.id, event.streamId, commit, prepare);
  return commit;
}

/** Metadata as the port writes it: enough for consumers (tracing, projections) not to trip over it. */
function hasOurMetadata(metadata: unknown): boolean {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) return false;
  const { occurredAt, actor } = metadata as { occurredAt?: unknown; actor?: unknown };
  return typeof occurredAt === 'string' && typeof actor === 'object' && actor !== null;
}

/** A port event from a read or subscription, or undefined for records without an event (unresolved links). */
function fromResolved(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | undefined {
  const event = resolved.event;
  if (!event) return undefined;
  const commit = event.position?.commit ?? resolved.commitPosition;
  if (commit === undefined) throw new Error(`KurrentDB returned event ${event.id} without a position (server older than 22.6?)`);
  return {
    id: event.id,
    type: event.type,
    data: event.data,
    metadata: event.metadata as unknown as EventMetadata,
    streamId: event.streamId,
    revision: event.revision,
    position: commit,
    recordedAt: event.created,
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
