/**
 * The PostgreSQL event store (schema `event_store`, created by
 * migrations/1763900000000-EventStoreSchema.ts). Why it is built this way:
 *
 * The gap problem. A global order from a sequence or identity column hands
 * out numbers in insert order, but transactions commit in another order: a
 * reader that has seen position 7 may later find 5 committed, and a
 * subscriber that checkpointed at 7 skips 5 for ever.
 *
 * Positions from transaction ids. Every append stores its transaction id
 * (`pg_current_xact_id()`, 64-bit, never wraps) and gets
 *     position = xid * 4096 + index of the event within its transaction,
 * so positions are unique and ordered by (xid, index). Readers only return
 * events with `position < xmin * 4096`, xmin being the oldest transaction
 * still running (`pg_snapshot_xmin(pg_current_snapshot())`): every lower
 * xid has committed or aborted, so nothing can ever appear below that bound,
 * and one bigint is a complete checkpoint. (Emmett and Marten use the same
 * idea with a separate transaction-id column; folding it into the position
 * keeps checkpoints a single number.) The costs: more than 4096 events in one
 * transaction are refused, and any long writing transaction in the cluster
 * (any database) delays delivery, never order.
 *
 * Order inside a stream. Positions must also follow revisions, or a
 * projection could see revision 1 of an order before revision 0. Appends to
 * a stream are serialised, but an xid taken before waiting for that lock
 * would let the later revision carry the older xid. So append_events waits
 * for a per-stream advisory lock (which needs no xid) before it writes
 * anything; an autocommit append therefore takes its xid after the previous
 * append to the stream has ended. A caller's transaction that wrote before
 * appending already has an xid: append_events then checks the stream's last
 * position and raises a serialization failure (40001, retry) if it is newer.
 *
 * One round trip per append. Locking, reading the stream's revision (the
 * highest stream_revision of its events, an index probe), the idempotency
 * check (every id already in the stream: no-op; some: conflict), the
 * expected-revision check and the insert (unnest ... WITH ORDINALITY) all run
 * in event_store.append_events, called through a named (prepared) statement.
 * Failures come back as SQLSTATEs mapped in postgres-errors.ts.
 *
 * No NOTIFY inside the append: PostgreSQL serialises the commits of all
 * notifying transactions, which capped appends at one commit (one WAL flush)
 * at a time whatever the number of writers. The adapter notifies after
 * commit instead, one NOTIFY per few milliseconds at most (append-notifier.ts).
 *
 * Subscriptions poll the same bounded query in batches. LISTEN/NOTIFY only
 * says when to poll (see notification-listener.ts); when a notification
 * arrives while an older transaction still holds the bound back, or that
 * transaction aborts and never notifies, the subscriber retries after 5 ms,
 * doubling to 40 ms, and a fallback poll runs every `pollIntervalMs`.
 *
 * Operations note: positions depend on the cluster's transaction counter.
 * pg_upgrade and physical backups keep it; a logical dump restored into a new
 * cluster must first be given a higher next xid (pg_resetwal --next-transaction-id).
 */
import { Pool } from 'pg';
import {
  type AppendResult,
  EventStore,
  type EventMetadata,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
  type SubscriptionHandler,
} from '../event-store.port';
import { AppendNotifier } from './append-notifier';
import { NotificationListener } from './notification-listener';
import { toAppendError, toEventStoreError, TooManyEventsError } from './postgres-errors';
import { type PollSource, PostgresSubscription } from './postgres-subscription';
import { ANY_EVENT_AFTER, APPEND, type AppendRow, type EventRow, HEAD_POSITION, NOTIFY_APPENDED, PING, READ_ALL, READ_STREAM, SLOTS_PER_TRANSACTION } from './queries';

export interface EventStoreLogger {
  warn(message: string): void;
}

/** Runs a named read on a replica that keeps up, else on the primary (see infrastructure/database/read-replicas). */
export interface ReplicaReads {
  query<R extends object>(statement: { name: string; text: string }, values: unknown[]): Promise<R[]>;
}

export interface PostgresEventStoreOptions {
  connectionString: string;
  /** Connections for appends and reads; the LISTEN connection comes on top. Default 10. */
  poolSize?: number;
  /** Fallback poll of idle subscriptions, for notifications that never come. Default 1000 ms. */
  pollIntervalMs?: number;
  /** Appends finishing within this window share one NOTIFY (see append-notifier.ts). Default 5 ms. */
  notifyDelayMs?: number;
  /** PostgreSQL statement_timeout of the pool's connections; absent or 0: none. */
  statementTimeoutMs?: number;
  /** Read replicas of the same database (ReadReplicas): they answer readStream({ mayLag: true }). */
  replicaReads?: ReplicaReads;
  logger?: EventStoreLogger;
}

const DEFAULT_POOL_SIZE = 10;
const DEFAULT_POLL_INTERVAL_MS = 1_000;
const DEFAULT_NOTIFY_DELAY_MS = 5;
const DEFAULT_READ_ALL_LIMIT = 1_000;
const DEFAULT_BATCH_SIZE = 500;
/** Checkpoint meaning "before the first event": positions are never negative. */
const BEFORE_FIRST = -1n;
const LAST_REVISION = 2n ** 63n - 1n;
/** append_events' encoding of the expected revision. */
const EXPECT_ANY = '-1';
const EXPECT_NO_STREAM = '-2';

export class PostgresEventStore extends EventStore implements PollSource {
  readonly adapterName = 'postgres';
  private readonly pool: Pool;
  private readonly listener: NotificationListener;
  private readonly notifier: AppendNotifier;
  private readonly logger: EventStoreLogger;
  private readonly pollIntervalMs: number;
  private readonly replicaReads: ReplicaReads | undefined;
  private readonly subscriptions = new Set<PostgresSubscription>();
  private closed: Promise<void> | undefined;

  constructor(options: PostgresEventStoreOptions) {
    super();
    this.logger = options.logger ?? { warn: (message) => console.warn(message) };
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    this.replicaReads = options.replicaReads;
    this.pool = new Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? DEFAULT_POOL_SIZE,
      application_name: 'alexandrite-event-store',
      connectionTimeoutMillis: 5_000,
      ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
    });
    // An idle connection that dies (server restart) must not crash the process; the next query reconnects.
    this.pool.on('error', (error) => this.logger.warn(`event store pool: idle connection failed: ${String(error)}`));
    this.listener = new NotificationListener(options.connectionString, this.logger);
    this.notifier = new AppendNotifier(() => this.pool.query(NOTIFY_APPENDED), this.logger, options.notifyDelayMs ?? DEFAULT_NOTIFY_DELAY_MS);
  }

  async append(streamId: string, events: readonly NewEvent[], expectedRevision: ExpectedRevision): Promise<AppendResult> {
    assertAppendable(streamId, events);
    let row: AppendRow;
    try {
      const result = await this.pool.query<AppendRow>({
        ...APPEND,
        values: [
          streamId,
          encodeExpected(expectedRevision),
          events.map((event) => event.id),
          events.map((event) => event.type),
          events.map((event) => JSON.stringify(event.data)),
          events.map((event) => JSON.stringify(event.metadata)),
        ],
      });
      row = result.rows[0]!;
    } catch (error) {
      throw toAppendError(error, streamId, expectedRevision);
    }
    if (row.appended) this.notifier.appended();
    return { appended: row.appended, nextExpectedRevision: BigInt(row.next_revision), position: BigInt(row.last_position) };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const from = options.fromRevision ?? 0n;
    const to = options.toRevision ?? LAST_REVISION;
    if (from > to) return [];
    const values = [streamId, String(from), String(to)];
    const rows = options.mayLag && this.replicaReads ? await this.onReplica<EventRow>(READ_STREAM, values) : await this.query<EventRow>(READ_STREAM, values);
    return rows.map(toRecordedEvent);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return this.readAfter(options.fromPosition ?? BEFORE_FIRST, options.limit ?? DEFAULT_READ_ALL_LIMIT);
  }

  /** PollSource: the bounded read shared by readAll and subscriptions. */
  async readAfter(position: bigint, limit: number): Promise<RecordedEvent[]> {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`readAll limit must be a positive integer, got ${limit}`);
    const rows = await this.query<EventRow>(READ_ALL, [String(position), limit]);
    return rows.map(toRecordedEvent);
  }

  /** PollSource: is any committed event after `position`, visible yet or not? */
  async hasEventsAfter(position: bigint): Promise<boolean> {
    const [row] = await this.query<{ found: boolean }>(ANY_EVENT_AFTER, [String(position)]);
    return row?.found === true;
  }

  subscribeToAll(options: SubscribeOptions, handler: SubscriptionHandler): Subscription {
    const subscription = new PostgresSubscription(
      this,
      {
        fromPosition: options.fromPosition ?? BEFORE_FIRST,
        batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE,
        pollIntervalMs: this.pollIntervalMs,
      },
      handler,
      this.logger,
      (wake) => this.listener.add(wake),
    );
    this.subscriptions.add(subscription);
    void subscription.finished.then(() => this.subscriptions.delete(subscription));
    return subscription;
  }

  async headPosition(): Promise<bigint | undefined> {
    const [row] = await this.query<{ position: string | null }>(HEAD_POSITION, []);
    return row?.position == null ? undefined : BigInt(row.position);
  }

  async ping(): Promise<void> {
    await this.query(PING, []);
  }

  close(): Promise<void> {
    this.closed ??= this.shutDown();
    return this.closed;
  }

  private async shutDown(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    await this.listener.close();
    await this.notifier.drain();
    await this.pool.end();
  }

  private async onReplica<Row extends object>(statement: { name: string; text: string }, values: unknown[]): Promise<Row[]> {
    try {
      return await this.replicaReads!.query<Row>(statement, values);
    } catch (error) {
      throw toEventStoreError(error);
    }
  }

  private async query<Row extends object>(statement: string | { name: string; text: string }, values: unknown[]): Promise<Row[]> {
    try {
      const config = typeof statement === 'string' ? { text: statement } : statement;
      const result = await this.pool.query<Row>({ ...config, values });
      return result.rows;
    } catch (error) {
      throw toEventStoreError(error);
    }
  }
}

function assertAppendable(streamId: string, events: readonly NewEvent[]): void {
  if (events.length === 0) throw new RangeError(`append to ${streamId}: no events (skip the append when a command decides nothing)`);
  if (events.length > SLOTS_PER_TRANSACTION) throw new TooManyEventsError(streamId, `this append has ${events.length}`);
  if (new Set(events.map((event) => event.id)).size !== events.length) {
    throw new RangeError(`append to ${streamId}: the same event id appears twice in one append`);
  }
}

function encodeExpected(expected: ExpectedRevision): string {
  if (expected === 'any') return EXPECT_ANY;
  if (expected === 'no_stream') return EXPECT_NO_STREAM;
  if (expected < 0n) throw new RangeError(`expected revision must be >= 0, 'any' or 'no_stream', got ${expected}`);
  return String(expected);
}

function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    type: row.event_type,
    data: row.data,
    metadata: row.metadata as EventMetadata,
    streamId: row.stream_id,
    revision: BigInt(row.stream_revision),
    position: BigInt(row.position),
    recordedAt: row.recorded_at,
  };
}
