import { Inject, Injectable } from '@nestjs/common';
import { AppSettings } from '../../config/app-settings';
import { EventStore, type ExpectedRevision, type NewEvent, type RecordedEvent, WrongExpectedRevisionError } from '../../infrastructure/event-store/event-store.port';
import { decide, EVENT_SCHEMA_VERSIONS, evolve, initialState, type OrderCommand, type OrderEvent, orderEventProblem, type OrderState } from '../order-lifecycle';
import type { CommandContext } from './command-context';
import { eventIdsFor } from './derived-ids';
import { ConcurrentModificationError } from './order-command.errors';
import { OrderStreamCorruptError, type UnreadableEvent, unreadableEvent } from './order-stream-corrupt.error';

export const orderStreamId = (orderId: string): string => `order-${orderId}`;

export interface ExecutionResult {
  state: OrderState;
  /** Revision of the stream's last event after the command. */
  revision: bigint;
  /** The events this command appended (empty when the decision was a no-op, or a replay). */
  appended: RecordedEvent[];
  /** The command had already been applied under the same Idempotency-Key: state and revision are as right after it. */
  replayed?: boolean;
}

export interface ExecuteOptions {
  /** Runs on the loaded state before deciding; throws to refuse (NoSuchOrderError for another customer's order). */
  authorize?: (state: OrderState) => void;
}

export interface LoadOptions {
  /** Inclusive: the state as of this revision. */
  toRevision?: bigint;
  /**
   * Runs on the state before a corrupt stream is refused, so a caller who may
   * not see the order gets NoSuchOrderError rather than learning about the stream.
   */
  authorize?: (state: OrderState) => void;
}

/** The order as support sees it: every event, the state folded over the readable ones, and the unreadable ones. */
export interface InspectedOrder {
  state: OrderState;
  revision: bigint;
  events: RecordedEvent[];
  unreadable: UnreadableEvent[];
}

/**
 * The generic command handler: load the order's stream, fold it with
 * `evolve`, `decide`, append with the expected revision. On a concurrent
 * change it re-reads and re-decides (the new state may now refuse the
 * command, which is the right answer to a race), a bounded number of times,
 * then throws ConcurrentModificationError.
 *
 * Only OrderCommands (order-commands.service.ts) calls it: that service
 * stamps the commands and checks access; the build keeps everyone else out.
 *
 * Under an Idempotency-Key the event ids are derived from the key
 * (derived-ids.ts). When they are already in the stream, the first attempt
 * committed and only its answer was lost (a crash, a timeout): the command is
 * not decided again (the decider would refuse it, or do it twice), and the
 * answer is the state right after those events, as the first attempt gave it.
 */
@Injectable()
export class OrderCommandExecutor {
  private readonly retries: number;

  constructor(
    @Inject(EventStore) private readonly eventStore: EventStore,
    settings: AppSettings,
  ) {
    this.retries = settings.config.commands.retries;
  }

  async execute(orderId: string, command: OrderCommand, context: CommandContext, options: ExecuteOptions = {}): Promise<ExecutionResult> {
    const streamId = orderStreamId(orderId);
    const eventId = eventIdsFor(context, streamId, command.type);
    for (let attempt = 0; ; attempt++) {
      const { state, revision, events } = await this.load(orderId, options.authorize ? { authorize: options.authorize } : {});
      options.authorize?.(state);
      if (context.idempotencySeed) {
        const replayed = replayOf(events, eventId);
        if (replayed) return replayed;
      }
      const decided = decide(command, state);
      if (decided.length === 0) return { state, revision, appended: [] };
      const envelopes = decided.map((event, index) => this.envelope(event, command, context, eventId(index)));
      const expected: ExpectedRevision = revision < 0n ? 'no_stream' : revision;
      try {
        const result = await this.eventStore.append(streamId, envelopes, expected);
        const appended = envelopes.map((event, index) => recorded(streamId, event, revision + 1n + BigInt(index), result.position));
        return { state: appended.reduce(evolveRecorded, state), revision: result.nextExpectedRevision, appended };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
        if (attempt >= this.retries) {
          throw new ConcurrentModificationError(orderId, attempt + 1);
        }
      }
    }
  }

  /**
   * The order's current state and revision (-1n when the stream does not
   * exist). A stream with an event this version cannot read throws
   * OrderStreamCorruptError (409 ORDER_STREAM_CORRUPT), after `authorize`.
   */
  async load(orderId: string, options: LoadOptions = {}): Promise<{ state: OrderState; revision: bigint; events: RecordedEvent[] }> {
    const { state, revision, events, unreadable } = await this.inspect(orderId, options.toRevision);
    const first = unreadable[0];
    if (first) {
      options.authorize?.(state);
      throw new OrderStreamCorruptError(orderId, first);
    }
    return { state, revision, events };
  }

  /**
   * Support's read: never refuses; the state skips the unreadable events, which are listed. `mayLag`: a read
   * replica may answer (history), and an order it does not know yet is looked for on the primary.
   */
  async inspect(orderId: string, toRevision?: bigint, { mayLag = false }: { mayLag?: boolean } = {}): Promise<InspectedOrder> {
    const streamId = orderStreamId(orderId);
    const range = toRevision === undefined ? {} : { toRevision };
    let events = await this.eventStore.readStream(streamId, { ...range, mayLag });
    if (mayLag && events.length === 0) events = await this.eventStore.readStream(streamId, range);
    let state = initialState();
    const unreadable: UnreadableEvent[] = [];
    for (const event of events) {
      const problem = orderEventProblem(event);
      if (problem === null) state = evolveRecorded(state, event);
      else unreadable.push(unreadableEvent(event, problem));
    }
    const last = events.at(-1);
    return { state, revision: last ? last.revision : -1n, events, unreadable };
  }

  private envelope(event: OrderEvent, command: OrderCommand, context: CommandContext, id: string): NewEvent {
    return {
      id,
      type: event.type,
      data: event.data,
      metadata: {
        correlationId: context.correlationId,
        causationId: context.causationId,
        ...(context.traceparent ? { traceparent: context.traceparent } : {}),
        ...(context.requestId ? { requestId: context.requestId } : {}),
        actor: context.actor,
        occurredAt: command.metadata.now,
        schemaVersion: EVENT_SCHEMA_VERSIONS[event.type],
      },
    };
  }
}

export function evolveRecorded(state: OrderState, event: RecordedEvent): OrderState {
  return evolve(state, event as unknown as Parameters<typeof evolve>[1]);
}

/** The state right after the events with ids eventId(0), eventId(1), ... when the first is in the stream. */
function replayOf(events: readonly RecordedEvent[], eventId: (index: number) => string): ExecutionResult | undefined {
  const first = events.findIndex((event) => event.id === eventId(0));
  if (first < 0) return undefined;
  let last = first;
  while (last + 1 < events.length && events[last + 1]!.id === eventId(last + 1 - first)) last++;
  return { state: events.slice(0, last + 1).reduce(evolveRecorded, initialState()), revision: events[last]!.revision, appended: [], replayed: true };
}

function recorded(streamId: string, event: NewEvent, revision: bigint, lastPosition: bigint): RecordedEvent {
  // Positions of all but the last event of a batch are not returned by append; the stream read gives them.
  return { ...event, streamId, revision, position: lastPosition, recordedAt: new Date() };
}
