import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  type AppendResult,
  EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type Subscription,
  type SubscribeOptions,
  type SubscriptionHandler,
  WrongExpectedRevisionError,
} from '../event-store/event-store.port';
import { eventStoreAppendDuration, orderEventsAppended } from './metrics/event-store-metrics';

const tracer = trace.getTracer('alexandrite.event-store');

/**
 * A decorator around whichever EventStore adapter was chosen: every append
 * is timed (histogram by adapter and outcome), counted by event type when
 * it really appended (an idempotent repeat is not a new transition), and
 * traced as a child span of the request. Everything else passes through.
 */
export class InstrumentedEventStore extends EventStore {
  readonly adapterName: string;

  constructor(private readonly inner: EventStore) {
    super();
    this.adapterName = inner.adapterName;
  }

  async append(streamId: string, events: readonly NewEvent[], expectedRevision: ExpectedRevision): Promise<AppendResult> {
    // Stream ids and event types are opaque identifiers, never personal data.
    return tracer.startActiveSpan(
      'event_store.append',
      { kind: SpanKind.CLIENT, attributes: { 'alexandrite.stream_id': streamId, 'alexandrite.event_types': events.map((event) => event.type) } },
      async (span) => {
        const stopTimer = eventStoreAppendDuration.startTimer({ adapter: this.inner.adapterName });
        try {
          const result = await this.inner.append(streamId, events, expectedRevision);
          stopTimer({ outcome: 'ok' });
          if (result.appended) for (const event of events) orderEventsAppended.inc({ type: event.type });
          span.setAttribute('alexandrite.appended', result.appended);
          return result;
        } catch (error) {
          const conflict = error instanceof WrongExpectedRevisionError;
          stopTimer({ outcome: conflict ? 'conflict' : 'error' });
          // A conflict is the optimistic protocol working (the executor re-decides), not a failure.
          if (!conflict) span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'error' });
          span.setAttribute('alexandrite.outcome', conflict ? 'conflict' : 'error');
          throw error;
        } finally {
          span.end();
        }
      },
    );
  }

  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.inner.readStream(streamId, options);
  }

  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.inner.readAll(options);
  }

  subscribeToAll(options: SubscribeOptions, handler: SubscriptionHandler): Subscription {
    return this.inner.subscribeToAll(options, handler);
  }

  headPosition(): Promise<bigint | undefined> {
    return this.inner.headPosition();
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
