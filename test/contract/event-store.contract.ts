import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type EventMetadata,
  type EventStore,
  type NewEvent,
  type RecordedEvent,
  type SubscriptionHandler,
  WrongExpectedRevisionError,
} from '../../src/infrastructure/event-store/event-store.port';
import { until } from '../support/until';

export interface EventStoreSubject {
  store: EventStore;
  cleanup(): Promise<void>;
}

/**
 * What an adapter promises beyond the common contract. Every adapter runs
 * every test below; where they differ, the test checks the weaker promise
 * for the adapter that only makes that one, and its title says so.
 * (event-store.port.ts explains each difference.)
 */
export interface EventStoreGuarantees {
  /** 'any' never ends in WrongExpectedRevisionError, however many writers race on one stream. */
  anyNeverConflicts: boolean;
  /** A repeat of an append is a no-op (appended: false) however many events followed it; otherwise only within the newest IDEMPOTENCY_WINDOW. */
  idempotentBeyondWindow: boolean;
}

export const EVENT_STORE_GUARANTEES = {
  postgres: { anyNeverConflicts: true, idempotentBeyondWindow: true },
  // 'any' gives up after MAX_ANY_ATTEMPTS re-reads; repeats are recognised among the stream's newest 1,000 events only.
  kurrentdb: { anyNeverConflicts: false, idempotentBeyondWindow: false },
} satisfies Record<string, EventStoreGuarantees>;

/** KurrentDB's idempotency window (kurrentdb-event-store.ts), the depth the beyond-window test goes to. */
const IDEMPOTENCY_WINDOW = 1_000;

/**
 * The behaviour every EventStore adapter owes its callers (see
 * event-store.port.ts). One store serves the whole suite; every test writes
 * to streams of its own (`order-<uuid>`) and, where it reads the global
 * order, looks only at its own streams, so the suite also runs against a
 * shared KurrentDB server. Global reads are awaited with `eventually`: an
 * adapter may make a committed event visible a moment later (PostgreSQL
 * waits for older transactions), but must never skip or reorder it.
 */
export function describeEventStoreContract(name: keyof typeof EVENT_STORE_GUARANTEES, factory: () => Promise<EventStoreSubject>): void {
  const guarantees: EventStoreGuarantees = EVENT_STORE_GUARANTEES[name];
  describe(`EventStore contract: ${name}`, () => {
    let subject: EventStoreSubject;
    let store: EventStore;

    beforeAll(async () => {
      subject = await factory();
      store = subject.store;
    });
    afterAll(async () => {
      await subject?.cleanup();
    });

    describe('append and readStream', () => {
      it('appends to a new stream with no_stream; revisions start at 0', async () => {
        const stream = newStream();
        const events = [newEvent('OrderInitiated', { material: 'GOLD_750' }), newEvent('ModelUploaded', { triangles: 12 })];

        const result = await store.append(stream, events, 'no_stream');

        expect(result).toEqual({ appended: true, nextExpectedRevision: 1n, position: expect.any(BigInt) });
        const read = await store.readStream(stream);
        expect(read.map((event) => [event.revision, event.id, event.type, event.data])).toEqual([
          [0n, events[0]!.id, 'OrderInitiated', { material: 'GOLD_750' }],
          [1n, events[1]!.id, 'ModelUploaded', { triangles: 12 }],
        ]);
        expect(read.every((event) => event.streamId === stream && event.recordedAt instanceof Date)).toBe(true);
        expect(read[1]!.position).toBe(result.position);
        expect(read[0]!.position).toBeLessThan(read[1]!.position);
      });

      it('refuses a second no_stream append with the actual revision', async () => {
        const stream = newStream();
        await store.append(stream, [newEvent(), newEvent()], 'no_stream');

        const error = await store.append(stream, [newEvent()], 'no_stream').catch((caught: unknown) => caught);

        expect(error).toBeInstanceOf(WrongExpectedRevisionError);
        expect(error).toMatchObject({ streamId: stream, expected: 'no_stream', actual: 1n });
        expect(await store.readStream(stream)).toHaveLength(2);
      });

      it('appends when the expected revision matches and refuses a stale or future one', async () => {
        const stream = newStream();
        const first = await store.append(stream, [newEvent()], 'no_stream');
        expect(first.nextExpectedRevision).toBe(0n);

        const second = await store.append(stream, [newEvent(), newEvent()], 0n);
        expect(second).toMatchObject({ appended: true, nextExpectedRevision: 2n });
        expect(second.position).toBeGreaterThan(first.position);

        for (const wrong of [0n, 1n, 3n, 10n]) {
          const error = await store.append(stream, [newEvent()], wrong).catch((caught: unknown) => caught);
          expect(error).toBeInstanceOf(WrongExpectedRevisionError);
          expect(error).toMatchObject({ streamId: stream, expected: wrong, actual: 2n });
        }
        const numbered = await store.append(stream, [newEvent()], 2n);
        expect(numbered.nextExpectedRevision).toBe(3n);
        expect(await store.readStream(stream)).toHaveLength(4);
      });

      it('refuses a numbered expected revision on a missing stream, reporting -1n', async () => {
        const stream = newStream();

        const error = await store.append(stream, [newEvent()], 0n).catch((caught: unknown) => caught);

        expect(error).toBeInstanceOf(WrongExpectedRevisionError);
        expect(error).toMatchObject({ actual: -1n });
        expect(await store.readStream(stream)).toEqual([]);
      });

      it("appends with 'any' to a new and to an existing stream", async () => {
        const stream = newStream();

        const first = await store.append(stream, [newEvent()], 'any');
        const second = await store.append(stream, [newEvent(), newEvent()], 'any');

        expect(first).toMatchObject({ appended: true, nextExpectedRevision: 0n });
        expect(second).toMatchObject({ appended: true, nextExpectedRevision: 2n });
        expect((await store.readStream(stream)).map((event) => event.revision)).toEqual([0n, 1n, 2n]);
      });

      it('treats a repeat of the same event ids as a no-op, whatever the expected revision', async () => {
        const stream = newStream();
        const events = [newEvent(), newEvent()];
        const original = await store.append(stream, events, 'no_stream');
        await store.append(stream, [newEvent()], 1n);

        // The retry of the first append, with its now stale expectation, and with the others.
        for (const expected of ['no_stream', 'any', 0n, 1n, 2n, 7n] as const) {
          const repeat = await store.append(stream, events, expected);
          expect(repeat).toEqual({ appended: false, nextExpectedRevision: 2n, position: original.position });
        }
        expect(await store.readStream(stream)).toHaveLength(3);
      });

      it(
        guarantees.anyNeverConflicts
          ? "never refuses an 'any' append, however many writers race on one stream"
          : "refuses an 'any' append only with WrongExpectedRevisionError under contention (bounded attempts), never loses or doubles one",
        async () => {
          const stream = newStream();
          const contenders = Array.from({ length: 16 }, () => [newEvent()]);

          const outcomes = await Promise.allSettled(contenders.map((events) => store.append(stream, events, 'any')));

          const refused = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
          if (guarantees.anyNeverConflicts) expect(refused).toEqual([]);
          for (const reason of refused) expect(reason).toBeInstanceOf(WrongExpectedRevisionError);
          const written = contenders.filter((_, index) => outcomes[index]!.status === 'fulfilled').map((events) => events[0]!.id);
          const read = await store.readStream(stream);
          expect(read.map((event) => event.id).sort()).toEqual([...written].sort());
          expect(read.map((event) => event.revision)).toEqual(read.map((_, index) => BigInt(index)));
        },
      );

      it(
        guarantees.idempotentBeyondWindow
          ? 'treats a repeat as a no-op however many events followed it'
          : `may append a repeat again once ${IDEMPOTENCY_WINDOW} events followed it (idempotency is best-effort beyond that window)`,
        async () => {
          const stream = newStream();
          const first = newEvent();
          await store.append(stream, [first], 'no_stream');
          await store.append(
            stream,
            Array.from({ length: IDEMPOTENCY_WINDOW }, () => newEvent()),
            0n,
          );

          const repeat = await store.append(stream, [first], 'any');

          // Beyond the window the weaker promise is only "no error, and appended says what happened".
          if (guarantees.idempotentBeyondWindow) expect(repeat.appended).toBe(false);
          expect(await store.readStream(stream)).toHaveLength(IDEMPOTENCY_WINDOW + 1 + (repeat.appended ? 1 : 0));
        },
      );

      it('refuses an append that repeats only some of its event ids', async () => {
        const stream = newStream();
        const events = [newEvent(), newEvent()];
        await store.append(stream, events, 'no_stream');

        const error = await store.append(stream, [events[1]!, newEvent()], 1n).catch((caught: unknown) => caught);

        expect(error).toBeInstanceOf(WrongExpectedRevisionError);
        expect(await store.readStream(stream)).toHaveLength(2);
      });

      it('reads revision ranges inclusively, and nothing for a missing stream', async () => {
        const stream = newStream();
        // 12 events: revision 10 must sort after 9 (numbers, not text).
        await store.append(
          stream,
          Array.from({ length: 12 }, () => newEvent()),
          'no_stream',
        );
        const revisions = async (options: { fromRevision?: bigint; toRevision?: bigint }) => (await store.readStream(stream, options)).map((event) => event.revision);

        expect(await revisions({})).toEqual(Array.from({ length: 12 }, (_, index) => BigInt(index)));
        expect(await revisions({ fromRevision: 8n })).toEqual([8n, 9n, 10n, 11n]);
        expect(await revisions({ toRevision: 1n })).toEqual([0n, 1n]);
        expect(await revisions({ fromRevision: 1n, toRevision: 3n })).toEqual([1n, 2n, 3n]);
        expect(await revisions({ fromRevision: 9n, toRevision: 10n })).toEqual([9n, 10n]);
        expect(await revisions({ fromRevision: 4n, toRevision: 4n })).toEqual([4n]);
        expect(await revisions({ fromRevision: 12n })).toEqual([]);
        expect(await revisions({ fromRevision: 3n, toRevision: 2n })).toEqual([]);
        expect(await store.readStream(newStream())).toEqual([]);
      });

      it('round-trips data and metadata exactly', async () => {
        const stream = newStream();
        const metadata: EventMetadata = {
          correlationId: randomUUID(),
          causationId: null,
          traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
          actor: { role: 'partner', id: 'key_8f2a' },
          occurredAt: '2025-11-23T10:15:30.123Z',
          schemaVersion: 3,
        };
        const data = { text: 'Grüße, 金, "quotes" \\ \n', nested: { list: [1, 2.5, -3, true, null, ''], empty: {} }, big: 9007199254740991 };
        const event: NewEvent = { id: randomUUID(), type: 'PriceCalculated', data, metadata };

        await store.append(stream, [event], 'no_stream');

        const [read] = await store.readStream(stream);
        expect(read).toMatchObject({ id: event.id, type: 'PriceCalculated' });
        expect(read!.data).toStrictEqual(data);
        expect(read!.metadata).toStrictEqual(metadata);
      });

      it('lets exactly one of several concurrent appends with the same expected revision win', async () => {
        const stream = newStream();
        await store.append(stream, [newEvent()], 'no_stream');
        const contenders = Array.from({ length: 8 }, () => [newEvent(), newEvent()]);

        const outcomes = await Promise.allSettled(contenders.map((events) => store.append(stream, events, 0n)));

        const winners = outcomes.filter((outcome) => outcome.status === 'fulfilled');
        const losers = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
        expect(winners).toHaveLength(1);
        expect(losers).toHaveLength(7);
        for (const loser of losers) {
          expect(loser).toBeInstanceOf(WrongExpectedRevisionError);
          expect(loser).toMatchObject({ actual: 2n });
        }
        const winner = contenders[outcomes.findIndex((outcome) => outcome.status === 'fulfilled')]!;
        expect((await store.readStream(stream)).slice(1).map((event) => event.id)).toEqual(winner.map((event) => event.id));
      });
    });

    describe('readAll and headPosition', () => {
      it('reads the global order from an exclusive position, in pages', async () => {
        const start = await store.headPosition();
        const streams = [newStream(), newStream(), newStream()];
        const appended: string[] = [];
        for (let round = 0; round < 3; round++) {
          for (const stream of streams) {
            const events = [newEvent(), newEvent()];
            await store.append(stream, events, 'any');
            appended.push(...events.map((event) => event.id));
          }
        }
        const own = new Set(streams);

        const all = (await eventuallyReadAll(store, start, appended)).filter((event) => own.has(event.streamId));
        expect(all.map((event) => event.id)).toEqual(appended);
        expectStrictlyIncreasing(all.map((event) => event.position));

        const paged: RecordedEvent[] = [];
        let checkpoint = start;
        for (;;) {
          const page = await store.readAll({ fromPosition: checkpoint, limit: 4 });
          expect(page.length).toBeLessThanOrEqual(4);
          if (checkpoint !== undefined) expect(page.every((event) => event.position > checkpoint!)).toBe(true);
          paged.push(...page.filter((event) => own.has(event.streamId)));
          if (page.length < 4) break;
          checkpoint = page[page.length - 1]!.position;
        }
        expect(paged.map((event) => event.id)).toEqual(appended);
        expect(paged.map((event) => event.position)).toEqual(all.map((event) => event.position));

        const fromMiddle = await store.readAll({ fromPosition: all[4]!.position, limit: 1000 });
        expect(fromMiddle.filter((event) => own.has(event.streamId)).map((event) => event.id)).toEqual(appended.slice(5));
      });

      it('reports the newest position as the head', async () => {
        const result = await store.append(newStream(), [newEvent()], 'no_stream');

        await eventually(async () => {
          const head = await store.headPosition();
          expect(head).toBeDefined();
          expect(head!).toBeGreaterThanOrEqual(result.position);
        });
      });
    });

    describe('subscribeToAll', () => {
      it('delivers every event of 8 concurrent writers exactly once, in increasing position order, as readAll does', async () => {
        const WRITERS = 8;
        const APPENDS_PER_WRITER = 1_000;
        const IN_FLIGHT_PER_WRITER = 4;
        const streams = Array.from({ length: 200 }, () => newStream());
        const own = new Set(streams);
        const start = await store.headPosition();
        const received = collector({ slowHandler: true });
        const subscription = store.subscribeToAll({ fromPosition: start, batchSize: 100 }, received.handler);
        await until(() => received.caughtUps > 0, 'the subscription to catch up before the writers start', { timeoutMs: 10_000, intervalMs: 5 });

        const appendedIds: string[] = [];
        const writer = async (writerIndex: number) => {
          let next = 0;
          const lane = async () => {
            while (next < APPENDS_PER_WRITER) {
              const i = next++;
              // Writers share the streams, so appends to one stream race each other too.
              const stream = streams[(writerIndex * 131 + i * 7) % streams.length]!;
              const events = i % 10 === 0 ? [newEvent(), newEvent()] : [newEvent()];
              await store.append(stream, events, 'any');
              appendedIds.push(...events.map((event) => event.id));
            }
          };
          await Promise.all(Array.from({ length: IN_FLIGHT_PER_WRITER }, lane));
        };
        await Promise.all(Array.from({ length: WRITERS }, (_, writerIndex) => writer(writerIndex)));
        expect(appendedIds).toHaveLength(WRITERS * APPENDS_PER_WRITER * 1.1);

        await until(() => received.ownIds(own).length >= appendedIds.length, 'every appended event to arrive', { timeoutMs: 45_000, intervalMs: 5 });
        await sleep(100); // a duplicate would arrive right after
        await subscription.stop();

        expect(received.errors).toEqual([]);
        expect(received.maxConcurrentBatches).toBe(1);
        expect(received.largestBatch).toBeLessThanOrEqual(100);
        expectStrictlyIncreasing(received.events.map((event) => event.position));
        const ownEvents = received.events.filter((event) => own.has(event.streamId));
        expect(ownEvents).toHaveLength(appendedIds.length);
        expect(new Set(ownEvents.map((event) => event.id))).toEqual(new Set(appendedIds));
        expectRevisionsInOrderPerStream(ownEvents);

        const readBack = (await readAllAfter(store, start)).filter((event) => own.has(event.streamId));
        expect(readBack.map((event) => `${event.position}:${event.id}`)).toEqual(ownEvents.map((event) => `${event.position}:${event.id}`));
      }, 90_000);

      it('resumes from a checkpoint with exactly the events after it, then goes live', async () => {
        const stream = newStream();
        const events = Array.from({ length: 5 }, () => newEvent());
        for (const event of events) await store.append(stream, [event], 'any');
        const checkpoint = (await store.readStream(stream))[1]!.position;
        await eventuallyReadAll(
          store,
          checkpoint,
          events.slice(2).map((event) => event.id),
        );

        const own = new Set([stream]);
        const live = newEvent();
        const received = collector();
        const subscription = store.subscribeToAll({ fromPosition: checkpoint }, received.handler);
        try {
          await until(() => received.ownIds(own).length === 3, 'the three events after the checkpoint', { timeoutMs: 10_000, intervalMs: 5 });
          await store.append(stream, [live], 4n);
          await until(() => received.ownIds(own).length === 4, 'the live event', { timeoutMs: 10_000, intervalMs: 5 });
          await sleep(50); // a duplicate would arrive right after
        } finally {
          await subscription.stop();
        }

        expect(received.events.every((event) => event.position > checkpoint)).toBe(true);
        expect(received.ownIds(own)).toEqual([...events.slice(2), live].map((event) => event.id));
        expect(received.errors).toEqual([]);
      });

      it('delivers a live append quickly (sanity bound, not a benchmark)', async () => {
        const received = collector();
        const subscription = store.subscribeToAll({ fromPosition: await store.headPosition() }, received.handler);
        try {
          await until(() => received.caughtUps > 0, 'the subscription to catch up', { timeoutMs: 10_000, intervalMs: 5 });
          await sleep(50);
          const stream = newStream();
          const appendedAt = performance.now();

          await store.append(stream, [newEvent()], 'no_stream');
          await until(() => received.ownIds(new Set([stream])).length === 1, 'the live event', { timeoutMs: 5_000, intervalMs: 5 });

          expect(performance.now() - appendedAt).toBeLessThan(500);
        } finally {
          await subscription.stop();
        }
      });

      it('reports a failing handler through onError and delivers nothing more', async () => {
        const stream = newStream();
        const errors: unknown[] = [];
        let calls = 0;
        const subscription = store.subscribeToAll(
          { fromPosition: await store.headPosition() },
          {
            onEvents: async () => {
              calls++;
              throw new Error('projection bug');
            },
            onError: (error) => errors.push(error),
          },
        );
        try {
          await store.append(stream, [newEvent()], 'no_stream');
          await until(() => errors.length > 0, 'onError', { timeoutMs: 10_000, intervalMs: 5 });
          await store.append(stream, [newEvent()], 0n);
          await sleep(300);

          expect(errors).toEqual([new Error('projection bug')]);
          expect(calls).toBe(1);
        } finally {
          await subscription.stop();
        }
      });

      it('resolves stop() only after the batch in flight has been handled', async () => {
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        let handled = false;
        let entered = false;
        const stream = newStream();
        const subscription = store.subscribeToAll(
          { fromPosition: await store.headPosition() },
          {
            onEvents: async (events) => {
              if (!events.some((event) => event.streamId === stream)) return;
              entered = true;
              await gate;
              handled = true;
            },
          },
        );
        await store.append(stream, [newEvent()], 'no_stream');
        await until(() => entered, 'the handler to start', { timeoutMs: 10_000, intervalMs: 5 });

        let stopped = false;
        const stopping = subscription.stop().then(() => (stopped = true));
        await sleep(50);
        expect(stopped).toBe(false);
        release();
        await stopping;

        expect(handled).toBe(true);
      });
    });
  });
}

export function newStream(): string {
  return `order-${randomUUID()}`;
}

export function newEvent(type = 'TestEvent', data: unknown = { at: Date.now() }): NewEvent {
  return {
    id: randomUUID(),
    type,
    data,
    metadata: {
      correlationId: randomUUID(),
      causationId: null,
      actor: { role: 'system', id: 'contract-test' },
      occurredAt: new Date().toISOString(),
      schemaVersion: 1,
    },
  };
}

export interface Collector {
  handler: SubscriptionHandler;
  events: RecordedEvent[];
  errors: unknown[];
  readonly caughtUps: number;
  readonly maxConcurrentBatches: number;
  readonly largestBatch: number;
  ownIds(streams: ReadonlySet<string>): string[];
}

/** A handler that records what it gets; `slowHandler` yields inside onEvents so overlapping calls would show. */
export function collector(options: { slowHandler?: boolean } = {}): Collector {
  const events: RecordedEvent[] = [];
  const errors: unknown[] = [];
  let caughtUps = 0;
  let inFlight = 0;
  let maxConcurrentBatches = 0;
  let largestBatch = 0;
  return {
    events,
    errors,
    get caughtUps() {
      return caughtUps;
    },
    get maxConcurrentBatches() {
      return maxConcurrentBatches;
    },
    get largestBatch() {
      return largestBatch;
    },
    ownIds: (streams) => events.filter((event) => streams.has(event.streamId)).map((event) => event.id),
    handler: {
      onEvents: async (batch) => {
        inFlight++;
        maxConcurrentBatches = Math.max(maxConcurrentBatches, inFlight);
        largestBatch = Math.max(largestBatch, batch.length);
        if (options.slowHandler) await sleep(1);
        events.push(...batch);
        inFlight--;
      },
      onCaughtUp: () => {
        caughtUps++;
      },
      onError: (error) => errors.push(error),
    },
  };
}

/** Retries an assertion until it passes or `timeoutMs` runs out (then its last failure is thrown). */
export async function eventually(assertion: () => Promise<void>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertion();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(20);
    }
  }
}

/** Every event after `from`, paging through readAll until a short page. */
export async function readAllAfter(store: EventStore, from: bigint | undefined): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  let checkpoint = from;
  for (;;) {
    const page = await store.readAll({ fromPosition: checkpoint, limit: 1_000 });
    all.push(...page);
    if (page.length < 1_000) return all;
    checkpoint = page[page.length - 1]!.position;
  }
}

/** readAll after `from`, once it holds every one of `ids`. */
async function eventuallyReadAll(store: EventStore, from: bigint | undefined, ids: readonly string[]): Promise<RecordedEvent[]> {
  let all: RecordedEvent[] = [];
  await eventually(async () => {
    all = await readAllAfter(store, from);
    const seen = new Set(all.map((event) => event.id));
    expect(ids.filter((id) => !seen.has(id))).toEqual([]);
  });
  return all;
}

export function expectStrictlyIncreasing(positions: readonly bigint[]): void {
  const firstBreak = positions.findIndex((position, index) => index > 0 && position <= positions[index - 1]!);
  expect(firstBreak === -1 ? 'increasing' : `position ${positions[firstBreak]} after ${positions[firstBreak - 1]}`).toBe('increasing');
}

/** In the global order, each stream's events must come as revisions 0, 1, 2, ... */
function expectRevisionsInOrderPerStream(events: readonly RecordedEvent[]): void {
  const nextRevision = new Map<string, bigint>();
  const outOfOrder: string[] = [];
  for (const event of events) {
    const expected = nextRevision.get(event.streamId) ?? 0n;
    if (event.revision !== expected) outOfOrder.push(`${event.streamId}: revision ${event.revision} where ${expected} was due`);
    nextRevision.set(event.streamId, event.revision + 1n);
  }
  expect(outOfOrder).toEqual([]);
}
