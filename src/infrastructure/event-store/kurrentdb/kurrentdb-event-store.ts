/**
 * The event store on KurrentDB (formerly EventStoreDB), selected when
 * EVENTSTORE_URL is set, through `@kurrent/kurrentdb-client`.
 *
 * Mapping to the port:
 * - Positions are the $all commit position as a bigint. A KurrentDB
 *   position is (commit, prepare); since the server writes every append as
 *   one implicit transaction, commit is unique and increasing per event on
 *   current servers, and a checkpoint is resumed as {commit, prepare: commit},
 *   which is what the official clients do with a stored commit position.
 * - Revisions are KurrentDB's stream revisions (both start at 0).
 * - Metadata is the event's JSON metadata, as it is.
 * - $all reads and subscriptions exclude system events ($-types) and so only
 *   carry events appended through this port.
 *
 * Idempotency: the server detects a repeated append only on a best-effort
 * basis (reliably only with an exact expected revision, and it then answers
 * "success", so the caller cannot tell a repeat from a first write). To keep
 * the port's promise (all ids present: appended=false; some: conflict) the
 * append first reads the stream's tail; 'any' is turned into the revision
 * read there, so the server still checks atomically and nothing slips in
 * between; a WrongExpectedVersion is re-read once more, since a concurrent
 * retry of the same append may have won. That costs one read per append.
 * The tail read covers the last IDEMPOTENCY_WINDOW events, far more than an
 * order stream holds.
 */
import {
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type AppendStreamState,
  BACKWARDS,
  DeadlineExceededError,
  END,
  excludeSystemEvents,
  FORWARDS,
  jsonEvent,
  type JSONType,
  KurrentDBClient,
  NO_STREAM,
  type Position,
  type ResolvedEvent,
  START,
  StreamNotFoundError,
  UnavailableError,
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

export interface KurrentDbEventStoreOptions {
  /** e.g. `kurrentdb://admin:changeit@localhost:2113?tls=false` */
  connectionString: string;
}

const DEFAULT_READ_ALL_LIMIT = 1_000;
const DEFAULT_BATCH_SIZE = 500;
const IDEMPOTENCY_WINDOW = 1_000;
/** 'any' appends re-read and retry when another writer got in between; beyond this the stream is too hot to be fair. */
const MAX_ANY_ATTEMPTS = 10;

/** The stream as the append found it: revision of its last event (-1n: none) and which of our ids it holds. */
interface StreamTail {
  revision: bigint;
  found: Map<string, RecordedEvent>;
}

export class KurrentDbEventStore extends EventStore {
  readonly adapterName = 'kurrentdb';
  private readonly client: KurrentDBClient;
  private readonly subscriptions = new Set<KurrentDbSubscription>();

  constructor(options: KurrentDbEventStoreOptions) {
    super();
    this.client = KurrentDBClient.connectionString(options.connectionString);
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
    try {
      for await (const resolved of this.client.readStream(streamId, { fromRevision: from, direction: FORWARDS, maxCount })) {
        const event = fromResolved(resolved);
        if (event) events.push(event);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw toEventStoreError(error);
    }
    return events;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const limit = options.limit ?? DEFAULT_READ_ALL_LIMIT;
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`readAll limit must be a positive integer, got ${limit}`);
    const after = options.fromPosition;
    // A $all read from a position includes the event at it; ours is exclusive, hence one more and the filter.
    const read = this.client.readAll({
      fromPosition: after === undefined ? START : toPosition(after),
      direction: FORWARDS,
      maxCount: limit + 1,
      filter: excludeSystemEvents(),
    });
    const events: RecordedEvent[] = [];
    try {
      for await (const resolved of read) {
        const event = fromResolved(resolved);
        if (event && (after === undefined || event.position > after)) events.push(event);
        if (events.length === limit) break;
      }
    } catch (error) {
      throw toEventStoreError(error);
    }
    return events;
  }

  subscribeToAll(options: SubscribeOptions, handler: SubscriptionHandler): Subscription {
    const from = options.fromPosition;
    const source = this.client.subscribeToAll({
      fromPosition: from === undefined ? START : toPosition(from),
      filter: excludeSystemEvents(),
    });
    const subscription = new KurrentDbSubscription(source, from, options.batchSize ?? DEFAULT_BATCH_SIZE, handler);
    this.subscriptions.add(subscription);
    void subscription.finished.then(() => this.subscriptions.delete(subscription));
    return subscription;
  }

  async headPosition(): Promise<bigint | undefined> {
    try {
      for await (const resolved of this.client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 1, filter: excludeSystemEvents() })) {
        const event = fromResolved(resolved);
        if (event) return event.position;
      }
      return undefined;
    } catch (error) {
      throw toEventStoreError(error);
    }
  }

  async ping(): Promise<void> {
    try {
      // Any read answers; the newest record of $all is the cheapest one.
      for await (const _ of this.client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 1 })) break;
    } catch (error) {
      throw toEventStoreError(error);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    await this.client.dispose();
  }

  /** The stream's last revision and those of `ids` it holds, from its newest IDEMPOTENCY_WINDOW events. */
  private async readTail(streamId: string, ids: readonly string[]): Promise<StreamTail> {
    const wanted = new Set(ids);
    const tail: StreamTail = { revision: -1n, found: new Map() };
    try {
      const read = this.client.readStream(streamId, { fromRevision: END, direction: BACKWARDS, maxCount: IDEMPOTENCY_WINDOW });
      for await (const resolved of read) {
        const event = fromResolved(resolved);
        if (!event) continue;
        if (tail.revision < 0n) tail.revision = event.revision;
        if (wanted.has(event.id)) tail.found.set(event.id, event);
        if (tail.found.size === wanted.size) break;
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return tail;
      throw toEventStoreError(error);
    }
    return tail;
  }

  /** Fallback for servers that do not return the position of an append. */
  private async lastPosition(streamId: string): Promise<bigint> {
    for await (const resolved of this.client.readStream(streamId, { fromRevision: END, direction: BACKWARDS, maxCount: 1 })) {
      const event = fromResolved(resolved);
      if (event) return event.position;
    }
    throw new Error(`append to ${streamId}: the server returned no position and the stream reads back empty`);
  }
}

/**
 * Delivers a KurrentDB catch-up subscription in batches: events read so far
 * are handed over together once the stream has nothing more buffered (or the
 * batch is full), and the next batch waits for the handler. The server's
 * "caught up" signal is passed on once every event before it was handled.
 */
class KurrentDbSubscription implements Subscription {
  private stopped = false;
  private caughtUpPending = false;
  private idle = false;
  private checkpoint: bigint | undefined;
  private readonly done: Promise<void>;

  constructor(
    private readonly source: AllStreamSubscription,
    fromPosition: bigint | undefined,
    private readonly batchSize: number,
    private readonly handler: SubscriptionHandler,
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
    try {
      const iterator = this.source[Symbol.asyncIterator]();
      for (;;) {
        this.idle = batch.length === 0 && this.source.readableLength === 0;
        const next = await iterator.next();
        this.idle = false;
        if (next.done || this.stopped) break;
        const event = fromResolved(next.value);
        // The server resumes after the checkpoint already; the check guards the exclusive contract.
        if (event && (this.checkpoint === undefined || event.position > this.checkpoint)) batch.push(event);
        if (batch.length < this.batchSize && this.source.readableLength > 0) continue;
        if (batch.length > 0) await this.deliver(batch);
        batch = [];
        if (this.caughtUpPending && this.source.readableLength === 0) this.reportCaughtUp();
      }
    } catch (error) {
      if (!this.stopped) this.fail(error);
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
  const last = [...tail.found.values()].reduce((a, b) => (b.revision > a.revision ? b : a));
  return { appended: false, nextExpectedRevision: tail.revision, position: last.position };
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

function toEventStoreError(error: unknown): unknown {
  if (error instanceof UnavailableError || error instanceof DeadlineExceededError) {
    return new EventStoreUnavailableError(`event store (KurrentDB) unavailable: ${error.message}`, { cause: error });
  }
  return error;
}
