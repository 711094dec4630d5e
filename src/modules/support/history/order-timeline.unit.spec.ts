import type { RecordedEvent } from '../../../infrastructure/event-store/event-store.port';
import { buildTimeline, eventsUpTo, replay, traceIdOf, unreadableOf } from './order-timeline';

const ORDER = '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f';

function event(revision: number, type: string, data: unknown, occurredAt: string): RecordedEvent {
  return {
    id: `00000000-0000-4000-8000-00000000000${revision}`,
    streamId: `order-${ORDER}`,
    revision: BigInt(revision),
    position: BigInt(1000 + revision),
    recordedAt: new Date(occurredAt),
    type,
    data,
    metadata: { correlationId: 'c', causationId: null, actor: { role: 'customer', id: 'cust-1' }, occurredAt, schemaVersion: 1 },
  };
}

const history = [
  event(0, 'OrderInitiated', { orderId: ORDER, customerRef: 'cust-1', channel: 'shop', partnerId: null, material: 'GOLD_750' }, '2026-11-23T10:00:00.000Z'),
  event(
    1,
    'ModelUploaded',
    { blobKey: 'k', format: 'stl-binary', source: 'upload', catalogItemId: null, sizeBytes: 84, sha256: 'a'.repeat(64), triangleCount: 1 },
    '2026-11-23T10:00:30.000Z',
  ),
  event(
    2,
    'ModelUploaded',
    { blobKey: 'k2', format: 'stl-binary', source: 'upload', catalogItemId: null, sizeBytes: 84, sha256: 'b'.repeat(64), triangleCount: 1 },
    '2026-11-23T10:01:00.000Z',
  ),
];

describe('order timeline', () => {
  it('measures closed periods between status changes and the current one up to now', () => {
    const timeline = buildTimeline(ORDER, history, new Date('2026-11-23T10:05:30.000Z'));
    expect(timeline.statusPeriods).toEqual([
      { status: 'INITIATED', enteredAt: '2026-11-23T10:00:00.000Z', leftAt: '2026-11-23T10:00:30.000Z', durationMs: 30_000, ongoing: false },
      // A replaced model keeps the order in FILE_UPLOADED: one period, not two.
      { status: 'FILE_UPLOADED', enteredAt: '2026-11-23T10:00:30.000Z', leftAt: null, durationMs: 300_000, ongoing: true },
    ]);
    expect(timeline.timeInStatusMs).toEqual({ INITIATED: 30_000, FILE_UPLOADED: 300_000 });
    expect(timeline.events.map((entry) => entry.statusAfter)).toEqual(['INITIATED', 'FILE_UPLOADED', 'FILE_UPLOADED']);
    expect(timeline.revision).toBe(2);
  });

  it('replays to a revision or a time with the command side evolve', () => {
    expect(replay(eventsUpTo(history, { revision: 0 })).status).toBe('INITIATED');
    expect(replay(eventsUpTo(history, { at: new Date('2026-11-23T10:00:45Z') })).model?.blobKey).toBe('k');
    expect(replay(eventsUpTo(history, { at: new Date('2026-11-23T10:01:00Z') })).model?.blobKey).toBe('k2');
    expect(eventsUpTo(history, { at: new Date('2026-11-23T09:00:00Z') })).toEqual([]);
  });

  it('lists an event it cannot read with its problem, leaves it out of the state, and does not fail on its envelope', () => {
    const poisoned = [
      ...history.slice(0, 2),
      { ...event(2, 'OrderSubmitted', { submissionId: 'not-a-uuid' }, '2026-11-23T10:01:00.000Z'), metadata: null as never },
      { ...event(3, 'PriceCalculated', { total: 'not-a-number' }, '2026-11-23T10:02:00.000Z') },
    ];
    const timeline = buildTimeline(ORDER, poisoned, new Date('2026-11-23T10:05:00.000Z'));
    expect(timeline.corrupt).toBe(true);
    expect(timeline.status).toBe('FILE_UPLOADED');
    expect(timeline.events.map((entry) => [entry.type, entry.statusAfter, entry.problem?.slice(0, 40) ?? null])).toEqual([
      ['OrderInitiated', 'INITIATED', null],
      ['ModelUploaded', 'FILE_UPLOADED', null],
      ['OrderSubmitted', 'FILE_UPLOADED', 'OrderSubmitted: metadata must be an obje'],
      ['PriceCalculated', 'FILE_UPLOADED', 'PriceCalculated: data.submissionId must '],
    ]);
    // What the envelope does not say: the store's time, and '?' for who.
    expect(timeline.events[2]).toMatchObject({ occurredAt: poisoned[2]!.recordedAt.toISOString(), actor: { role: '?', id: '?' }, traceId: null });
    expect(replay(poisoned).status).toBe('FILE_UPLOADED');
    expect(unreadableOf(poisoned).map((entry) => [entry.revision, entry.type])).toEqual([
      [2, 'OrderSubmitted'],
      [3, 'PriceCalculated'],
    ]);
    expect(buildTimeline(ORDER, history, new Date()).corrupt).toBe(false);
  });

  it('takes the trace id out of a W3C traceparent and ignores anything else', () => {
    expect(traceIdOf('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(traceIdOf('garbage')).toBeNull();
    expect(traceIdOf(undefined)).toBeNull();
  });
});
