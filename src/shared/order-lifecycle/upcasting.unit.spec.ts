/** The upcaster chains: pure, total, one step per version, and the one real step (OrderShipped v1 -> v2). */
import { orderEventProblem } from './event-validation';
import { CONTRACT_CARRIER, EVENT_SCHEMA_VERSIONS, ORDER_EVENT_TYPES } from './events';
import { EVENT_UPCASTERS, schemaVersionOf, upcastOrderEvent } from './upcasting';

const metadata = (schemaVersion?: unknown) => ({
  correlationId: 'c',
  causationId: null,
  actor: { role: 'operator', id: 'op-9' },
  occurredAt: '2025-03-01T09:08:00.000Z',
  ...(schemaVersion === undefined ? {} : { schemaVersion }),
});
const shippedV1 = () => ({ id: 'e-1', type: 'OrderShipped', data: { operatorRef: 'op-9', trackingNumber: 'JJD000390007' }, metadata: metadata(1), revision: 8n });

describe('upcaster chains', () => {
  it('has one step per version above 1 for every event type', () => {
    for (const type of ORDER_EVENT_TYPES) {
      expect({ type, steps: EVENT_UPCASTERS[type]?.length ?? 0 }).toEqual({ type, steps: EVENT_SCHEMA_VERSIONS[type] - 1 });
    }
  });

  it('takes OrderShipped v1 to v2: the carrier it did not name is the contract carrier', () => {
    const stored = shippedV1();
    const snapshot = structuredClone(stored);
    const read = upcastOrderEvent(stored);
    expect(read).toEqual({
      id: 'e-1',
      type: 'OrderShipped',
      data: { operatorRef: 'op-9', carrier: { code: 'CONTRACT_CARRIER', name: 'Contract carrier' }, trackingNumber: 'JJD000390007' },
      metadata: { ...metadata(2) },
      revision: 8n,
    });
    expect(stored).toEqual(snapshot);
    expect((read.data as unknown as { carrier: unknown }).carrier).not.toBe(CONTRACT_CARRIER);
  });

  it('is what makes a v1 event readable: the readers check the current shape', () => {
    expect(orderEventProblem(shippedV1())).toMatch(/data.carrier must be an object/);
    expect(orderEventProblem(upcastOrderEvent(shippedV1()))).toBeNull();
  });

  it('reads an envelope without a version as version 1 (written before versions)', () => {
    const old = { ...shippedV1(), metadata: metadata() };
    expect(schemaVersionOf(old.metadata)).toBe(1);
    expect(upcastOrderEvent(old)).toMatchObject({ data: { carrier: CONTRACT_CARRIER }, metadata: { schemaVersion: 2 } });
    expect([0, -1, 1.5, '2', null].map((version) => schemaVersionOf(metadata(version)))).toEqual([1, 1, 1, 1, 1]);
  });

  it('returns the same object when there is nothing to do', () => {
    const current = upcastOrderEvent(shippedV1());
    expect(upcastOrderEvent(current)).toBe(current);
    const newer = { ...shippedV1(), metadata: metadata(3) };
    expect(upcastOrderEvent(newer)).toBe(newer);
    const initiated = { type: 'OrderInitiated', data: { orderId: 'x' }, metadata: metadata(1) };
    expect(upcastOrderEvent(initiated)).toBe(initiated);
    const unknown = { type: 'OrderGiftWrapped', data: {}, metadata: metadata(1) };
    expect(upcastOrderEvent(unknown)).toBe(unknown);
  });

  it('leaves what it cannot read to the readers check', () => {
    for (const broken of [
      { ...shippedV1(), data: 'not an object' },
      { ...shippedV1(), data: null },
      { ...shippedV1(), metadata: 'not an object' },
    ]) {
      expect(upcastOrderEvent(broken)).toBe(broken);
      expect(orderEventProblem(broken)).not.toBeNull();
    }
  });
});
