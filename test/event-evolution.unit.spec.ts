/**
 * Events written today must be read the same way forever. The fixture holds
 * four order streams recorded once from a real run (every event type, schema
 * version 1, as event_store.events held them) together with what the code of
 * that day folded them into: the status after each event, the order state
 * and the orders_current row. Every later version reads them through its
 * upcasters and must arrive at the same: the state may gain fields (new
 * optional fields are free), never change one. Never regenerate the fixture;
 * a new version of an event gets a fixture of its own (docs/EVENTS.md).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordedEvent } from '../src/infrastructure/event-store/event-store.port';
import { buildTimeline } from '../src/modules/support/history/order-timeline';
import { foldOrderRow, type OrderRow } from '../src/projections/read-models/orders-current/orders-current.fold';
import { CONTRACT_CARRIER, evolve, initialState, ORDER_EVENT_TYPES, orderEventProblem, type OrderEventEnvelope, upcastOrderEvent } from '../src/shared/order-lifecycle';

interface FrozenStream {
  name: string;
  events: Array<Omit<RecordedEvent, 'revision' | 'position' | 'recordedAt'> & { revision: string; position: string; recordedAt: string }>;
  expected: { statusAfter: string[]; state: Record<string, unknown>; row: Record<string, string | null> };
}

const streams = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'events-v1.json'), 'utf8')) as FrozenStream[];

/** As the adapters hand a stored row out, before the upcasters. */
const stored = (event: FrozenStream['events'][number]): RecordedEvent => ({
  ...event,
  revision: BigInt(event.revision),
  position: BigInt(event.position),
  recordedAt: new Date(event.recordedAt),
});

describe('the frozen v1 events (test/fixtures/events-v1.json)', () => {
  it('cover every event type, all written at version 1', () => {
    const events = streams.flatMap((stream) => stream.events);
    expect(new Set(events.map((event) => event.type))).toEqual(new Set(ORDER_EVENT_TYPES));
    expect(new Set(events.map((event) => event.metadata.schemaVersion))).toEqual(new Set([1]));
  });

  describe.each(streams.map((stream) => [stream.name, stream] as const))('%s', (_name, stream) => {
    const read = stream.events.map(stored).map(upcastOrderEvent);

    it('is readable by this version once upcast', () => {
      expect(read.map(orderEventProblem)).toEqual(read.map(() => null));
    });

    it('replays to the same order state (the decider)', () => {
      let state = initialState();
      const statusAfter = read.map((event) => (state = evolve(state, event as unknown as OrderEventEnvelope)).status);
      expect(statusAfter).toEqual(stream.expected.statusAfter);
      expect(state).toMatchObject(stream.expected.state);
      if (read.some((event) => event.type === 'OrderShipped')) expect(state.carrier).toEqual(CONTRACT_CARRIER);
    });

    it('replays to the same list row (the projector)', () => {
      const row = read.reduce<OrderRow | undefined>(foldOrderRow, undefined);
      expect(JSON.parse(JSON.stringify(row, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value)))).toEqual(stream.expected.row);
    });

    it('replays to the same history (support)', () => {
      const timeline = buildTimeline(stream.events[0]!.streamId.slice('order-'.length), read, new Date('2030-01-01T00:00:00.000Z'));
      expect(timeline.events.map((entry) => entry.statusAfter)).toEqual(stream.expected.statusAfter);
      expect(timeline.corrupt).toBe(false);
    });
  });
});
