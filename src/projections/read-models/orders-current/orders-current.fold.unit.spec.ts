/**
 * The read model's fold against the kernel's `evolve`: every event type,
 * replayed through both, must leave the list row and the order state
 * agreeing on every field the row keeps. A new event type, or a change of
 * what an event does to the order, fails here until the fold follows.
 */
import type { RecordedEvent } from '../../../infrastructure/event-store/event-store.port';
import { evolve, initialState, ORDER_EVENT_TYPES, ORDER_STATUSES, type OrderEventEnvelope, type OrderState } from '../../../shared/order-lifecycle';
import { event, historyTo, ORDER_ID, stamped } from '../../../shared/order-lifecycle/testing';
import { foldOrderRow, type OrderRow } from './orders-current.fold';

const histories: Record<string, OrderEventEnvelope[]> = {
  ...Object.fromEntries(ORDER_STATUSES.map((status) => [`to ${status}`, historyTo(status)])),
  'pricing retried, then given up': [
    ...historyTo('SUBMITTED'),
    ...stamped(
      [
        event('PricingAttemptFailed'),
        event('PricingRetryRequested'),
        event('PricingAttemptFailed', { attempt: 2, willRetry: false, nextRetryAt: null }),
        event('PricingFailed'),
        event('OrderCancelled', { reasonCode: 'PRICING_FAILED', cancelledBy: 'pricing' }),
      ],
      '2025-03-01T11:00:00.000Z',
    ),
  ],
  // Each step by another operator, so a fold that skips one step's operator shows it.
  'made, packed and shipped by four operators': [
    ...historyTo('MANUFACTURING_APPROVED'),
    ...stamped(
      [
        event('ManufacturingStarted', { operatorRef: 'op-1' }),
        event('ManufacturingCompleted', { operatorRef: 'op-2' }),
        event('PackagingStarted', { operatorRef: 'op-3' }),
        event('OrderShipped', { operatorRef: 'op-4', trackingNumber: 'TRK-4' }),
        event('OrderClosed', { closedVia: 'seller', deliveredAt: null }),
      ],
      '2025-03-02T08:00:00.000Z',
    ),
  ],
  'model replaced, then cancelled': [
    ...historyTo('FILE_UPLOADED'),
    ...stamped([event('ModelUploaded', { sha256: 'b'.repeat(64) }), event('OrderCancelled')], '2025-03-01T12:00:00.000Z'),
  ],
  'an event type of a newer version in between': [
    ...historyTo('SUBMITTED'),
    { type: 'OrderGiftWrapped', data: { paper: 'gold' }, metadata: { occurredAt: '2025-03-01T13:00:00.000Z' } } as unknown as OrderEventEnvelope,
    ...stamped([event('PriceCalculated')], '2025-03-01T13:01:00.000Z'),
  ],
};

/** As the store hands it to the projector. */
function recorded(envelope: OrderEventEnvelope, index: number): RecordedEvent {
  const occurredAt = envelope.metadata!.occurredAt;
  return {
    id: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
    type: envelope.type,
    data: envelope.data,
    metadata: { correlationId: 'c', causationId: null, actor: { role: 'customer', id: 'cust-1' }, occurredAt, schemaVersion: 1 },
    streamId: `order-${ORDER_ID}`,
    revision: BigInt(index),
    position: BigInt(100 + index),
    recordedAt: new Date(occurredAt),
  };
}

/** What the row must show of the order state. */
function rowOfState(state: OrderState): Omit<OrderRow, 'revision' | 'lastPosition' | 'updatedAt'> {
  return {
    orderId: state.orderId!,
    status: state.status!,
    statusChangedAt: state.statusChangedAt!,
    createdAt: state.createdAt!,
    material: state.material!,
    priceTotal: state.price ? String(state.price.total) : null,
    currency: state.price?.currency ?? null,
    operatorRef: state.operatorRef,
    channel: state.channel!,
    customerRef: state.customerRef!,
    partnerId: state.partnerId,
    trackingNumber: state.trackingNumber,
  };
}

describe('the orders_current fold agrees with evolve', () => {
  it('replays every event type of the kernel', () => {
    const replayed = new Set(Object.values(histories).flatMap((history) => history.map((envelope) => envelope.type)));
    expect(ORDER_EVENT_TYPES.filter((type) => !replayed.has(type))).toEqual([]);
  });

  it.each(Object.entries(histories))('after each event of a history %s', (_name, history) => {
    let state = initialState();
    let row: OrderRow | undefined;
    history.forEach((envelope, index) => {
      const event = recorded(envelope, index);
      state = evolve(state, envelope);
      row = foldOrderRow(row, event);
      const { revision, lastPosition, updatedAt, ...shown } = row!;
      expect({ after: `${index}: ${envelope.type}`, row: shown }).toEqual({ after: `${index}: ${envelope.type}`, row: rowOfState(state) });
      expect({ revision, lastPosition, updatedAt }).toEqual({ revision: event.revision, lastPosition: event.position, updatedAt: event.recordedAt.toISOString() });
    });
  });
});
