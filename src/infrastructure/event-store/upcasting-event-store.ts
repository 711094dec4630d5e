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
} from './event-store.port';

/** Takes a stored event to the shape readers expect; returns the same object when there is nothing to do. */
export type EventUpcaster = (event: RecordedEvent) => RecordedEvent;

/**
 * A decorator around whichever adapter was chosen: every event that leaves
 * the store (readStream, readAll, subscribeToAll) goes through `upcast`, so
 * the command handler, the projector, support's history and every other
 * consumer read the current version of each event, whatever version it was
 * written in. Appends pass through untouched: they are written in the
 * current version. The store itself stays generic; the order kernel's chain
 * is plugged in where the adapter is picked (event-store.module.ts).
 */
export class UpcastingEventStore extends EventStore {
  readonly adapterName: string;

  constructor(
    private readonly inner: EventStore,
    private readonly upcast: EventUpcaster,
  ) {
    super();
    this.adapterName = inner.adapterName;
  }

  append(streamId: string, events: readonly NewEvent[], expectedRevision: ExpectedRevision): Promise<AppendResult> {
    return this.inner.append(streamId, events, expectedRevision);
  }

  async readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return (await this.inner.readStream(streamId, options)).map(this.upcast);
  }

  async readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return (await this.inner.readAll(options)).map(this.upcast);
  }

  subscribeToAll(options: SubscribeOptions, handler: SubscriptionHandler): Subscription {
    const upcast = this.upcast;
    return this.inner.subscribeToAll(options, {
      onEvents: (events) => handler.onEvents(events.map(upcast)),
      ...(handler.onCaughtUp ? { onCaughtUp: (position: bigint | undefined) => handler.onCaughtUp!(position) } : {}),
      ...(handler.onError ? { onError: (error: unknown) => handler.onError!(error) } : {}),
    });
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
