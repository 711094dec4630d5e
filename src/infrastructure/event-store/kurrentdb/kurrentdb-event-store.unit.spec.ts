import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AccessDeniedError,
  type AllStreamResolvedEvent,
  type AppendResult as ClientAppendResult,
  type AppendToStreamOptions,
  convertToCommandError,
  DeadlineExceededError,
  type EventData,
  type ReadAllOptions as ClientReadAllOptions,
  type ReadStreamOptions as ClientReadStreamOptions,
  type ResolvedEvent,
  StreamDeletedError,
  StreamNotFoundError,
  type SubscribeToAllOptions,
  UnavailableError,
  UnknownError,
} from '@kurrent/kurrentdb-client';
// The bridge's own converter, so the errors below are exactly those its reads throw.
import { convertBridgeError } from '@kurrent/kurrentdb-client/dist/utils/convertBridgeError';
import { toApiError } from '../../http/error-mapping';
import { EventStoreUnavailableError, type NewEvent, type RecordedEvent, WrongExpectedRevisionError } from '../event-store.port';
import type { AllSubscriptionSource, KurrentDbClientSeam } from './kurrentdb-client-seam';
import { ExplicitTransactionPositionError } from './kurrentdb-errors';
import { type DroppedEvent, KurrentDbEventStore } from './kurrentdb-event-store';
import { until } from '../../../../test/support/until';

/** What the native bridge throws for a server-side gRPC status it does not name (1.3.x reads). */
function bridgeError(name: string, message: string, metadata: Record<string, string> = {}): Error {
  return convertBridgeError(Object.assign(new Error(message), { name, metadata }));
}

/** What grpc-js reports for a failed call, through the client's own converter (appends, subscriptions). */
function grpcError(code: number, details: string): Error {
  return convertToCommandError(Object.assign(new Error(`${code} ${details}`), { code, details }));
}

const GRPC_UNAVAILABLE = 14;
const GRPC_DEADLINE_EXCEEDED = 4;

interface StoredRecord {
  streamId: string;
  id: string;
  type: string;
  revision: bigint;
  data: unknown;
  metadata: unknown;
  isJson: boolean;
  commit: bigint;
  prepare: bigint;
}

type Failure = Error | 'hang';

/**
 * A KurrentDB in memory behind the client seam: streams, $all with stream
 * prefix filters, appends with expected state; plus queues of failures the
 * next calls throw (the client's real error classes) or hangs.
 */
class FakeClient implements KurrentDbClientSeam {
  readonly log: StoredRecord[] = [];
  private nextPosition = 1_000n;
  readonly readFailures: Failure[] = [];
  /** Each entry: whether the append is written before the error is thrown. */
  readonly appendFailures: Array<{ error: Error; written: boolean; then?: () => void }> = [];
  readonly appendCalls: string[][] = [];
  readonly readStreamCalls: ClientReadStreamOptions[] = [];
  readonly readAllCalls: ClientReadAllOptions[] = [];
  readonly subscribeCalls: SubscribeToAllOptions[] = [];
  readonly sources: FakeSubscription[] = [];

  write(streamId: string, events: Array<Partial<StoredRecord> & { id: string }>, options: { explicitTransaction?: boolean } = {}): void {
    let revision = this.revisionOf(streamId);
    const commit = this.nextPosition + BigInt(events.length) * 100n;
    for (const event of events) {
      const prepare = this.nextPosition;
      this.nextPosition += 100n;
      this.log.push({
        streamId,
        type: 'TestEvent',
        data: {},
        metadata: metadataOf(),
        isJson: true,
        ...event,
        revision: ++revision,
        prepare,
        commit: options.explicitTransaction ? commit : prepare,
      });
    }
    if (options.explicitTransaction) this.nextPosition = commit + 100n;
  }

  revisionOf(streamId: string): bigint {
    return this.log.filter((record) => record.streamId === streamId).reduce((max, record) => (record.revision > max ? record.revision : max), -1n);
  }

  async appendToStream(streamName: string, events: EventData[], options: AppendToStreamOptions): Promise<ClientAppendResult> {
    this.appendCalls.push(events.map((event) => event.id));
    const failure = this.appendFailures.shift();
    failure?.then?.();
    if (failure && !failure.written) throw failure.error;
    const current = this.revisionOf(streamName);
    const expected = options.streamState;
    if ((expected === 'no_stream' && current >= 0n) || (typeof expected === 'bigint' && expected !== current)) {
      throw new Error(`fake: unexpected wrong expected version in a unit test (${String(expected)} vs ${current})`);
    }
    this.write(
      streamName,
      events.map((event) => ({ id: event.id, type: event.type, data: event.data, metadata: event.metadata })),
    );
    if (failure) throw failure.error;
    const last = this.log.at(-1)!;
    return { success: true, nextExpectedRevision: last.revision, position: { commit: last.commit, prepare: last.prepare } };
  }

  readStream(streamName: string, options: ClientReadStreamOptions): AsyncIterable<ResolvedEvent> {
    this.readStreamCalls.push(options);
    const failure = this.readFailures.shift();
    let records = this.log.filter((record) => record.streamId === streamName);
    const missing = records.length === 0;
    if (options.direction === 'backwards') records = records.reverse();
    else if (typeof options.fromRevision === 'bigint') records = records.filter((record) => record.revision >= (options.fromRevision as bigint));
    records = records.slice(0, Number(options.maxCount ?? records.length));
    return iterate(records.map(resolvedOf), failure ?? (missing ? new StreamNotFoundError(undefined, streamName) : undefined));
  }

  readAll(options: ClientReadAllOptions): AsyncIterable<AllStreamResolvedEvent> {
    this.readAllCalls.push(options);
    const failure = this.readFailures.shift();
    const prefixes = options.filter && 'prefixes' in options.filter ? options.filter.prefixes : undefined;
    let records = this.log.filter((record) => !prefixes || prefixes.some((prefix) => record.streamId.startsWith(prefix)));
    records = [...records].sort((a, b) => (a.commit === b.commit ? Number(a.prepare - b.prepare) : Number(a.commit - b.commit)));
    if (options.direction === 'backwards') records = records.reverse();
    else if (typeof options.fromPosition === 'object') {
      const from = options.fromPosition;
      records = records.filter((record) => record.commit > from.commit || (record.commit === from.commit && record.prepare >= from.prepare));
    }
    records = records.slice(0, Number(options.maxCount ?? records.length));
    return iterate(records.map(resolvedOf), failure);
  }

  subscribeToAll(options: SubscribeToAllOptions): AllSubscriptionSource {
    this.subscribeCalls.push(options);
    const source = new FakeSubscription();
    this.sources.push(source);
    return source;
  }

  async dispose(): Promise<void> {}
}

/** A subscription stream as the client's: a Readable; unsubscribe ends it, as cancelling the gRPC call does. */
class FakeSubscription extends PassThrough implements AllSubscriptionSource {
  constructor() {
    super({ objectMode: true });
  }
  async unsubscribe(): Promise<void> {
    this.end();
  }
  deliver(record: StoredRecord): void {
    this.write(resolvedOf(record));
  }
}

async function* iterate<T>(items: T[], failure: Failure | undefined): AsyncGenerator<T> {
  if (failure === 'hang') return await new Promise<never>(() => undefined);
  // The bridge fails the read on its first batch.
  if (failure) throw failure;
  for (const item of items) yield item;
}

function resolvedOf(record: StoredRecord): AllStreamResolvedEvent {
  return {
    event: {
      streamId: record.streamId,
      id: record.id,
      revision: record.revision,
      type: record.type,
      data: record.data,
      metadata: record.metadata,
      isJson: record.isJson,
      created: new Date(),
      position: { commit: record.commit, prepare: record.prepare },
    },
    commitPosition: record.commit,
  } as unknown as AllStreamResolvedEvent;
}

function metadataOf() {
  return { correlationId: randomUUID(), causationId: null, actor: { role: 'system', id: 'unit-test' }, occurredAt: new Date().toISOString(), schemaVersion: 1 };
}

function newEvent(): NewEvent {
  return { id: randomUUID(), type: 'TestEvent', data: {}, metadata: metadataOf() } as NewEvent;
}

function newStream(): string {
  return `order-${randomUUID()}`;
}

function setup(options: { readDeadlineMs?: number } = {}) {
  const client = new FakeClient();
  const dropped: DroppedEvent[] = [];
  const warnings: string[] = [];
  const store = new KurrentDbEventStore({
    client,
    readDeadlineMs: options.readDeadlineMs ?? 2_000,
    unknownOutcomeChecks: 3,
    unknownOutcomeFirstDelayMs: 5,
    onEventDropped: (event) => dropped.push(event),
    logger: { warn: (message) => warnings.push(message) },
  });
  return { client, store, dropped, warnings };
}

describe('KurrentDbEventStore (fake client with the real error classes)', () => {
  describe('read errors', () => {
    const cases: Array<[string, () => Error]> = [
      [
        'server-side Unavailable through the bridge (UnknownError)',
        () => bridgeError('ServerError', 'Unmapped gRPC error: code: The service is currently unavailable, message: Server Is Not Ready.'),
      ],
      ['server-side Internal through the bridge (UnknownError)', () => bridgeError('GrpcError', 'Unmapped gRPC error: code: Internal error, message: boom.')],
      [
        'server-side DeadlineExceeded through the bridge (UnknownError)',
        () => bridgeError('GrpcError', 'Unmapped gRPC error: code: Deadline expired before operation could complete, message: .'),
      ],
      ['a connection failure (UnavailableError)', () => bridgeError('UnavailableError', 'gRPC connection error: connection refused')],
      ['a client deadline (DeadlineExceededError)', () => bridgeError('DeadlineExceededError', 'Deadline exceeded')],
      [
        'a follower during an election (NotLeaderError)',
        () => bridgeError('NotLeaderError', 'not leader', { 'leader-endpoint-host': 'kurrentdb-1', 'leader-endpoint-port': '2113' }),
      ],
      ['wrong credentials or ACL (AccessDeniedError)', () => bridgeError('AccessDeniedError', 'Access denied error')],
      ['a deleted stream (StreamDeletedError)', () => bridgeError('StreamDeletedError', 'The resource you asked for was deleted')],
    ];

    it.each(cases)('maps %s on readStream to EventStoreUnavailableError, which answers 503', async (_, make) => {
      const { client, store } = setup();
      client.readFailures.push(make());

      const error = await store.readStream(newStream()).catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(EventStoreUnavailableError);
      expect(toApiError(error)).toMatchObject({ status: 503, code: 'EVENT_STORE_UNAVAILABLE' });
    });

    it('uses the real classes the bridge converter makes', () => {
      expect(bridgeError('GrpcError', 'Unmapped gRPC error: code: Internal error')).toBeInstanceOf(UnknownError);
      expect(bridgeError('UnavailableError', 'x')).toBeInstanceOf(UnavailableError);
      expect(bridgeError('StreamDeletedError', 'x')).toBeInstanceOf(StreamDeletedError);
      expect(bridgeError('AccessDeniedError', 'x')).toBeInstanceOf(AccessDeniedError);
      expect(grpcError(GRPC_DEADLINE_EXCEEDED, 'Deadline exceeded')).toBeInstanceOf(DeadlineExceededError);
    });

    it('maps the same errors on readAll, headPosition and ping', async () => {
      const { client, store } = setup();
      const unavailable = () => bridgeError('ServerError', 'Unmapped gRPC error: code: The service is currently unavailable, message: x');
      client.readFailures.push(unavailable(), unavailable(), unavailable());

      await expect(store.readAll()).rejects.toBeInstanceOf(EventStoreUnavailableError);
      await expect(store.headPosition()).rejects.toBeInstanceOf(EventStoreUnavailableError);
      await expect(store.ping()).rejects.toBeInstanceOf(EventStoreUnavailableError);
    });

    it('reads a missing stream as empty', async () => {
      const { store } = setup();
      expect(await store.readStream(newStream())).toEqual([]);
    });

    it('gives up a stalled read at the read deadline with a 503, instead of hanging the command', async () => {
      const { client, store } = setup({ readDeadlineMs: 50 });
      client.readFailures.push('hang');
      const started = Date.now();

      const error = await store.readStream(newStream()).catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(EventStoreUnavailableError);
      expect((error as Error).message).toMatch(/no answer within 50 ms/);
      expect(Date.now() - started).toBeLessThan(1_000);
    });

    it('reads the streams it decides on from the leader', async () => {
      const { client, store } = setup();
      const stream = newStream();
      await store.append(stream, [newEvent()], 'no_stream');
      await store.readStream(stream);
      await store.headPosition();

      expect(client.readStreamCalls.length).toBeGreaterThanOrEqual(2);
      expect(client.readStreamCalls.every((options) => options.requiresLeader === true)).toBe(true);
      expect(client.readAllCalls.at(-1)).toMatchObject({ requiresLeader: true, direction: 'backwards' });
    });
  });

  describe('appends with an unknown outcome', () => {
    it('reports success when the append was written before the connection dropped, without writing it again', async () => {
      const { client, store, warnings } = setup();
      const stream = newStream();
      const events = [newEvent(), newEvent()];
      client.appendFailures.push({ error: grpcError(GRPC_UNAVAILABLE, 'Connection dropped'), written: true });

      const result = await store.append(stream, events, 'no_stream');

      expect(result).toEqual({ appended: true, nextExpectedRevision: 1n, position: client.log.at(-1)!.commit });
      expect(client.appendCalls).toHaveLength(1);
      expect(client.log.map((record) => record.id)).toEqual(events.map((event) => event.id));
      expect(warnings.join('\n')).toMatch(/outcome was unknown/);
    });

    it('reports success when a timed-out commit shows up on a later check', async () => {
      const { client, store } = setup();
      const stream = newStream();
      const event = newEvent();
      client.appendFailures.push({ error: grpcError(GRPC_DEADLINE_EXCEEDED, 'Deadline exceeded'), written: false });
      // The server commits late: the event appears while the adapter is checking.
      setTimeout(() => client.write(stream, [{ id: event.id }]), 10);

      const result = await store.append(stream, [event], 'no_stream');

      expect(result).toMatchObject({ appended: true, nextExpectedRevision: 0n });
      expect(client.appendCalls).toHaveLength(1);
    });

    it('fails as unavailable (503) when the events never show up, without appending again', async () => {
      const { client, store } = setup();
      client.appendFailures.push({ error: new DeadlineExceededError(), written: false });

      const error = await store.append(newStream(), [newEvent()], 'any').catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(EventStoreUnavailableError);
      expect((error as Error).message).toMatch(/unknown outcome .* after 3 checks its events are not in the stream/);
      expect(client.appendCalls).toHaveLength(1);
      expect(client.log).toEqual([]);
    });

    it('fails as unavailable when the stream cannot be read back either', async () => {
      const { client, store } = setup();
      // The store goes away with the append: every check after it fails too.
      const away = () => bridgeError('UnavailableError', 'gRPC connection error: connection refused');
      client.appendFailures.push({ error: new UnavailableError(), written: false, then: () => client.readFailures.push(away(), away(), away()) });

      const error = await store.append(newStream(), [newEvent()], 'no_stream').catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(EventStoreUnavailableError);
      expect((error as Error).message).toMatch(/could not be read back/);
      expect(client.readFailures).toEqual([]);
    });

    it('maps a definite refusal (access denied) to unavailable without re-reading', async () => {
      const { client, store } = setup();
      client.appendFailures.push({ error: new AccessDeniedError(), written: false });
      const readsBefore = client.readStreamCalls.length;

      const error = await store.append(newStream(), [newEvent()], 'no_stream').catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(EventStoreUnavailableError);
      expect(client.readStreamCalls.length - readsBefore).toBe(1); // the tail read before the append only
    });
  });

  describe('$all: only our streams, only our events', () => {
    it('filters reads, the head and subscriptions by the order- stream prefix on the server', async () => {
      const { client, store } = setup();
      await store.readAll();
      await store.headPosition();
      const subscription = store.subscribeToAll({}, { onEvents: async () => undefined });
      await subscription.stop();

      for (const options of [client.readAllCalls[0], client.readAllCalls[1], client.subscribeCalls[0]]) {
        expect(options?.filter).toMatchObject({ filterOn: 'streamName', prefixes: ['order-'] });
      }
    });

    it('drops (counts, logs) order- events that are not ours, and still fills the page', async () => {
      const { client, store, dropped, warnings } = setup();
      const stream = newStream();
      client.write(stream, [{ id: randomUUID() }]);
      client.write('$projections-x', [{ id: randomUUID() }]);
      client.write(newStream(), [{ id: randomUUID(), metadata: undefined }]);
      client.write(newStream(), [{ id: randomUUID(), isJson: false, data: new Uint8Array([1]) }]);
      const ours = Array.from({ length: 4 }, () => ({ id: randomUUID() }));
      client.write(stream, ours);

      const page = await store.readAll({ limit: 3 });

      expect(page.map((event) => event.id)).toEqual([client.log[0]!.id, ours[0]!.id, ours[1]!.id]);
      expect(dropped.map((event) => event.reason)).toEqual(['no_metadata', 'not_json']);
      expect(warnings).toHaveLength(2);
      const rest = await store.readAll({ fromPosition: page.at(-1)!.position, limit: 3 });
      expect(rest.map((event) => event.id)).toEqual([ours[2]!.id, ours[3]!.id]);
    });

    it('refuses events of explicit transactions (shared commit position) instead of skipping at a page boundary', async () => {
      const { client, store } = setup();
      client.write(newStream(), [{ id: randomUUID() }, { id: randomUUID() }, { id: randomUUID() }], { explicitTransaction: true });

      await expect(store.readAll({ limit: 2 })).rejects.toBeInstanceOf(ExplicitTransactionPositionError);
    });
  });

  describe('subscriptions', () => {
    it('fails the subscription (onError) when the server ends it without stop()', async () => {
      const { client, store } = setup();
      const errors: unknown[] = [];
      const received: RecordedEvent[] = [];
      store.subscribeToAll({}, { onEvents: async (events) => void received.push(...events), onError: (error) => errors.push(error) });
      const source = client.sources[0]!;
      client.write(newStream(), [{ id: randomUUID() }]);
      source.deliver(client.log[0]!);
      source.end();

      await until(() => errors.length > 0, 'onError', { timeoutMs: 2_000, intervalMs: 5 });

      expect(received).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(EventStoreUnavailableError);
    });

    it('does not call onError when stopped', async () => {
      const { store } = setup();
      const errors: unknown[] = [];
      const subscription = store.subscribeToAll({}, { onEvents: async () => undefined, onError: (error) => errors.push(error) });

      await subscription.stop();
      await sleep(20);

      expect(errors).toEqual([]);
    });

    it('maps a transport error to EventStoreUnavailableError', async () => {
      const { client, store } = setup();
      const errors: unknown[] = [];
      store.subscribeToAll({}, { onEvents: async () => undefined, onError: (error) => errors.push(error) });
      client.sources[0]!.destroy(grpcError(GRPC_UNAVAILABLE, 'Connection dropped'));

      await until(() => errors.length > 0, 'onError', { timeoutMs: 2_000, intervalMs: 5 });

      expect(errors[0]).toBeInstanceOf(EventStoreUnavailableError);
    });

    it('skips a foreign event and delivers the next one', async () => {
      const { client, store, dropped } = setup();
      const received: RecordedEvent[] = [];
      const subscription = store.subscribeToAll({}, { onEvents: async (events) => void received.push(...events) });
      client.write(newStream(), [{ id: randomUUID(), metadata: { foreign: true } }]);
      client.write(newStream(), [{ id: randomUUID() }]);
      for (const record of client.log) client.sources[0]!.deliver(record);

      await until(() => received.length === 1, 'the next event', { timeoutMs: 2_000, intervalMs: 5 });
      await subscription.stop();

      expect(received[0]!.id).toBe(client.log[1]!.id);
      expect(dropped).toHaveLength(1);
    });

    it('fails on an explicit-transaction event rather than deliver a batch it could not resume inside', async () => {
      const { client, store } = setup();
      const errors: unknown[] = [];
      store.subscribeToAll({}, { onEvents: async () => undefined, onError: (error) => errors.push(error) });
      client.write(newStream(), [{ id: randomUUID() }, { id: randomUUID() }], { explicitTransaction: true });
      client.sources[0]!.deliver(client.log[0]!);

      await until(() => errors.length > 0, 'onError', { timeoutMs: 2_000, intervalMs: 5 });

      expect(errors[0]).toBeInstanceOf(ExplicitTransactionPositionError);
    });
  });

  it("keeps the port's conflict for a stale expected revision", async () => {
    const { store } = setup();
    const stream = newStream();
    await store.append(stream, [newEvent()], 'no_stream');

    await expect(store.append(stream, [newEvent()], 'no_stream')).rejects.toBeInstanceOf(WrongExpectedRevisionError);
  });
});
