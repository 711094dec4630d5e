/**
 * The event store port: the semantics every adapter (PostgreSQL, KurrentDB)
 * must keep, checked by one contract suite (test/contract/event-store.contract.ts).
 *
 * - Streams are named `order-<uuid>`; revisions start at 0 (as in KurrentDB).
 * - `append` is optimistic: a wrong expected revision throws
 *   WrongExpectedRevisionError. Appending events whose ids are all already in
 *   the stream is a no-op that succeeds (idempotent retry of the same append).
 * - Positions are unique bigints that increase in the global order. They are
 *   not dense: use them as checkpoints, not as counters.
 * - `readAll` and `subscribeToAll` deliver events in the global order and
 *   never skip an event, even when concurrent appends commit out of order.
 * - A store that cannot answer (down, failing over, too slow) throws
 *   EventStoreUnavailableError: the caller answers 503 and retries later.
 *
 * Where the adapters differ (the contract suite states it per adapter,
 * test/contract/event-store.contract.ts, EVENT_STORE_GUARANTEES):
 * - `'any'`: PostgreSQL serialises appends to a stream and never refuses
 *   one. KurrentDB turns 'any' into the revision it just read (so the id
 *   check and the append cannot be split by another writer) and re-reads
 *   when another writer got in between; after 10 such attempts
 *   (MAX_ANY_ATTEMPTS) it throws WrongExpectedRevisionError like a stale
 *   revision would. Callers already retry on it (re-decide).
 * - `appended: false`: exact on PostgreSQL (a unique event id). Best-effort
 *   on KurrentDB: a repeat is recognised among the stream's newest 1,000
 *   events; and an append whose outcome was unknown (connection lost, commit
 *   timed out) and whose events were then found reports `appended: true`,
 *   since it cannot tell its own write from a concurrent retry's. An
 *   unknown outcome whose events never show up within the checks is an
 *   EventStoreUnavailableError, and a write landing even later is possible.
 * - KurrentDB sees only `order-` streams in `readAll`, `subscribeToAll` and
 *   `headPosition`, skips events there it did not write (no metadata of
 *   ours), and refuses events of explicit transactions (shared commit
 *   positions) rather than page through them.
 */

// The actor types belong to the kernel (its rules name roles); re-exported here for the envelope's users.
import type { EventActor } from '../../shared/order-lifecycle/actors';
export type { ActorRole, EventActor } from '../../shared/order-lifecycle/actors';

export interface EventMetadata {
  correlationId: string;
  causationId: string | null;
  /** W3C traceparent of the request that appended the event, when a trace was active. */
  traceparent?: string;
  /** The HTTP request that appended the event (its X-Request-Id), when one did. */
  requestId?: string;
  actor: EventActor;
  /** ISO-8601 time the command was decided. */
  occurredAt: string;
  schemaVersion: number;
}

export interface NewEvent<TType extends string = string, TData = unknown> {
  /** Client-generated UUID; the key of idempotent appends. */
  id: string;
  type: TType;
  data: TData;
  metadata: EventMetadata;
}

export interface RecordedEvent<TType extends string = string, TData = unknown> extends NewEvent<TType, TData> {
  streamId: string;
  revision: bigint;
  position: bigint;
  recordedAt: Date;
}

/** 'no_stream': the stream must not exist; 'any': no check; bigint: the revision of the stream's last event. */
export type ExpectedRevision = 'no_stream' | 'any' | bigint;

export interface AppendResult {
  /** Revision of the stream's last event after the append. */
  nextExpectedRevision: bigint;
  /** Position of the last event appended (or already present, for a no-op). */
  position: bigint;
  /** false when every event id was already in the stream (idempotent no-op). */
  appended: boolean;
}

export interface ReadStreamOptions {
  /** Inclusive. */
  fromRevision?: bigint;
  /** Inclusive. */
  toRevision?: bigint;
  /**
   * The reader accepts an answer that may miss the newest appends (support's history): an adapter with
   * read replicas may serve it there, within their lag limit. Never for deciding a command.
   */
  mayLag?: boolean;
}

export interface ReadAllOptions {
  /** Exclusive: events after this position. Omit to start at the beginning. */
  fromPosition?: bigint;
  limit?: number;
}

export interface SubscribeOptions {
  /** Exclusive checkpoint: deliver events after this position. Omit for the beginning. */
  fromPosition?: bigint;
  /** Largest batch handed to the handler during catch-up. */
  batchSize?: number;
}

export interface SubscriptionHandler {
  /** Called with consecutive batches in global order; the next batch waits for this promise. */
  onEvents(events: readonly RecordedEvent[]): Promise<void>;
  /** Called each time the subscription has delivered everything that was committed. */
  onCaughtUp?(position: bigint | undefined): void;
  /** A handler or connection error that stopped the subscription. */
  onError?(error: unknown): void;
}

export interface Subscription {
  /** Stops delivery; resolves when the current batch, if any, has been handled. */
  stop(): Promise<void>;
}

export class WrongExpectedRevisionError extends Error {
  override readonly name = 'WrongExpectedRevisionError';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    /** -1n when the stream does not exist. */
    readonly actual: bigint,
  ) {
    super(`stream ${streamId}: expected revision ${String(expected)}, actual ${actual === -1n ? 'no stream' : String(actual)}`);
  }
}

export class EventStoreUnavailableError extends Error {
  override readonly name = 'EventStoreUnavailableError';
}

/** The port. Nest injects the adapter chosen in event-store.module.ts under this class token. */
export abstract class EventStore {
  abstract readonly adapterName: string;
  abstract append(streamId: string, events: readonly NewEvent[], expectedRevision: ExpectedRevision): Promise<AppendResult>;
  /** Events of one stream in revision order; an empty array for a stream that does not exist. */
  abstract readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  abstract readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Catch-up from `fromPosition`, then live, in global order. */
  abstract subscribeToAll(options: SubscribeOptions, handler: SubscriptionHandler): Subscription;
  /** Position of the newest event in the global order, undefined when the store is empty. */
  abstract headPosition(): Promise<bigint | undefined>;
  /** Throws when the store cannot be reached (readiness). */
  abstract ping(): Promise<void>;
  abstract close(): Promise<void>;
}
