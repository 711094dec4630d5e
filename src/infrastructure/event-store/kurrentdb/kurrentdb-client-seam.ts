import type {
  AllStreamResolvedEvent,
  AppendResult as ClientAppendResult,
  AppendToStreamOptions,
  EventData,
  ReadAllOptions as ClientReadAllOptions,
  ReadStreamOptions as ClientReadStreamOptions,
  ResolvedEvent,
  SubscribeToAllOptions,
} from '@kurrent/kurrentdb-client';

/**
 * The part of a catch-up subscription the adapter uses. The client's
 * AllStreamSubscription (a Readable) has it; a test can build one from a
 * PassThrough.
 */
export interface AllSubscriptionSource extends AsyncIterable<AllStreamResolvedEvent> {
  /** Events buffered and not read yet. */
  readonly readableLength: number;
  on(event: 'caughtUp', listener: () => void): unknown;
  unsubscribe(): Promise<void>;
}

/**
 * The calls the adapter makes on `@kurrent/kurrentdb-client`: the seam where
 * a unit test puts a fake that throws the client's real error classes, so
 * the mapping and retry logic run without a server. KurrentDBClient
 * satisfies it as it is (checked where the adapter builds one).
 */
export interface KurrentDbClientSeam {
  appendToStream(streamName: string, events: EventData[], options: AppendToStreamOptions): Promise<ClientAppendResult>;
  readStream(streamName: string, options: ClientReadStreamOptions): AsyncIterable<ResolvedEvent>;
  readAll(options: ClientReadAllOptions): AsyncIterable<AllStreamResolvedEvent>;
  subscribeToAll(options: SubscribeToAllOptions): AllSubscriptionSource;
  dispose(): Promise<void>;
}
