/** evolve: total, pure, and the source of every state field the handlers read. */
import { ORDER_EVENT_TYPES, EVENT_SCHEMA_VERSIONS, isOrderEventType, type OrderEvent } from './events';
import { evolve, foldOrder, initialState, type OrderEventEnvelope } from './order';
import { ORDER_STATUSES } from './statuses';
import { ORDER_ID, SUBMISSION_ID, event, historyTo, stamped } from './testing';
import { statusOfEvent } from './transitions';

describe('evolve', () => {
  it('starts from a state that does not exist', () => {
    expect(initialState()).toMatchObject({ exists: false, status: null, orderId: null, pricingAttempts: 0, price: null });
  });

  it('folds a whole lifecycle into the state the handlers and read models need', () => {
    expect(foldOrder(historyTo('CLOSED'))).toEqual({
      exists: true,
      orderId: ORDER_ID,
      status: 'CLOSED',
      customerRef: 'cust-1',
      channel: 'shop',
      partnerId: null,
      material: 'GOLD_750',
      model: { blobKey: `models/${ORDER_ID}/1.stl`, sha256: 'a'.repeat(64), sizeBytes: 684, format: 'stl-binary', source: 'upload', catalogItemId: null, triangleCount: 12 },
      submissionId: SUBMISSION_ID,
      price: event('PriceCalculated').data,
      pricingAttempts: 0,
      lastPricingFailure: null,
      pricingRetryRequests: 0,
      approvedVia: 'seller',
      operatorRef: 'op-9',
      trackingNumber: 'JJD000390007',
      carrier: { code: 'CONTRACT_CARRIER', name: 'Contract carrier' },
      cancellation: null,
      closedVia: 'carrier',
      deliveredAt: '2025-03-09T15:30:00.000Z',
      createdAt: '2025-03-01T09:00:00.000Z',
      statusChangedAt: '2025-03-01T09:09:00.000Z',
      closedAt: '2025-03-01T09:09:00.000Z',
    });
  });

  it('takes the status of each event from statusOfEvent', () => {
    for (const status of ORDER_STATUSES) {
      const history = historyTo(status);
      expect(statusOfEvent(history.at(-1)!.type)).toBe(status);
    }
    expect(['PricingAttemptFailed', 'PricingFailed', 'PricingRetryRequested'].map(statusOfEvent)).toEqual([null, null, null]);
  });

  it('records when the status changed, from the envelope time', () => {
    const state = foldOrder(historyTo('SUBMITTED'));
    expect(state).toMatchObject({ createdAt: '2025-03-01T09:00:00.000Z', statusChangedAt: '2025-03-01T09:02:00.000Z' });
  });

  it('folds bare events too, with unknown times', () => {
    const state = foldOrder(historyTo('SHIPPED').map(({ type, data }) => ({ type, data }) as OrderEvent));
    expect(state).toMatchObject({ status: 'SHIPPED', createdAt: null, statusChangedAt: null });
  });

  it('does not change the state it is given', () => {
    const before = foldOrder(historyTo('SUBMITTED'));
    const snapshot = structuredClone(before);
    evolve(before, stamped([event('PriceCalculated')])[0]!);
    expect(before).toEqual(snapshot);
  });

  it('restarts pricing bookkeeping on a new submission', () => {
    const history = [...historyTo('SUBMITTED'), ...stamped([event('PricingAttemptFailed'), event('PricingRetryRequested')], '2025-03-01T10:00:00.000Z')];
    expect(foldOrder(history)).toMatchObject({ pricingAttempts: 1, pricingRetryRequests: 1 });
    const resubmitted = foldOrder([...history, event('OrderSubmitted', { submissionId: '22222222-3333-4444-8555-666666666666' })]);
    expect(resubmitted).toMatchObject({ pricingAttempts: 0, pricingRetryRequests: 0, lastPricingFailure: null, price: null });
  });

  it('is total over every event type, whatever the state', () => {
    for (const type of ORDER_EVENT_TYPES) {
      for (const state of [initialState(), foldOrder(historyTo('CLOSED')), foldOrder(historyTo('CANCELLED'))]) {
        expect(() => evolve(state, event(type))).not.toThrow();
      }
    }
  });

  it('ignores event types a newer version wrote (forward compatibility)', () => {
    const state = foldOrder(historyTo('SUBMITTED'));
    const future = { type: 'OrderGiftWrapped', data: { paper: 'gold' }, metadata: { occurredAt: '2025-03-02T00:00:00.000Z' } } as unknown as OrderEventEnvelope;
    expect(evolve(state, future)).toBe(state);
    expect(statusOfEvent('OrderGiftWrapped')).toBeNull();
    expect(isOrderEventType('OrderGiftWrapped')).toBe(false);
  });
});

describe('event schema versions', () => {
  it('has a version for every event type: OrderShipped at 2 (it names its carrier), all others at 1', () => {
    expect(ORDER_EVENT_TYPES).toHaveLength(14);
    expect(ORDER_EVENT_TYPES.every(isOrderEventType)).toBe(true);
    expect(Object.entries(EVENT_SCHEMA_VERSIONS).filter(([, version]) => version !== 1)).toEqual([['OrderShipped', 2]]);
    expect(isOrderEventType('toString')).toBe(false);
  });
});
