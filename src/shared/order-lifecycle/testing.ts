/**
 * Test support for the order decider (not part of the public API, imported
 * by *.unit.spec.ts only): fixtures, histories that reach each status along
 * the lifecycle, and the given/when/then specification helper.
 */
import type { EventActor } from './actors';
import type { CommandMetadata, OrderCommand, OrderCommandOf, OrderCommandType } from './commands';
import { CONTRACT_CARRIER, type OrderEvent, type OrderEventOf } from './events';
import { decide, foldOrder, type OrderEventEnvelope, type OrderState } from './order';
import type { OrderStatus } from './statuses';

export const ORDER_ID = '6f1c2a70-3b7e-4d0a-9a51-0c9b7c1d2e3f';
export const SUBMISSION_ID = '9d2f6e1b-8a4c-4f3e-b5d7-1a2b3c4d5e6f';
export const OTHER_SUBMISSION_ID = '11111111-2222-4333-8444-555555555555';
export const NOW = '2025-03-01T10:00:00.000Z';
export const SHA = 'a'.repeat(64);

export const actors = {
  customer: { role: 'customer', id: 'cust-1' },
  partner: { role: 'partner', id: 'key-7' },
  seller: { role: 'seller', id: 'seller-3' },
  operator: { role: 'operator', id: 'op-9' },
  pricing: { role: 'pricing', id: 'pricing-worker' },
  support: { role: 'support', id: 'support-2' },
  carrier: { role: 'carrier', id: 'carrier-webhook' },
} as const satisfies Record<string, EventActor>;

export function meta(actor: EventActor = actors.customer, now: string = NOW): CommandMetadata {
  return { now, actor };
}

/** One valid command of each type, consistent with `historyTo` (same order id, submission, material). */
export const validCommands: { [C in OrderCommandType]: OrderCommandOf<C> } = {
  InitiateOrder: {
    type: 'InitiateOrder',
    data: { orderId: ORDER_ID, customerRef: 'cust-1', channel: 'shop', partnerId: null, material: 'GOLD_750' },
    metadata: meta(actors.customer),
  },
  AttachModel: {
    type: 'AttachModel',
    data: { source: 'upload', blobKey: `models/${ORDER_ID}/1.stl`, sha256: SHA, sizeBytes: 684, format: 'stl-binary', triangleCount: 12 },
    metadata: meta(actors.customer),
  },
  SubmitOrder: { type: 'SubmitOrder', data: { submissionId: SUBMISSION_ID }, metadata: meta(actors.customer) },
  RecordPrice: {
    type: 'RecordPrice',
    data: {
      submissionId: SUBMISSION_ID,
      currency: 'EUR',
      total: 412.5,
      breakdown: {
        material: 'GOLD_750',
        massGrams: 7.25,
        volumeMm3: 470.1,
        surfaceAreaMm2: 980.4,
        materialCost: 362.5,
        labourCost: 50,
        minimumApplied: false,
        lines: [{ label: 'polishing', amount: 0 }],
      },
    },
    metadata: meta(actors.pricing),
  },
  RecordPricingAttemptFailure: {
    type: 'RecordPricingAttemptFailure',
    data: { submissionId: SUBMISSION_ID, attempt: 1, code: 'WORKER_TIMEOUT', reason: 'pricing took longer than 30 s', willRetry: true, nextRetryAt: '2025-03-01T10:01:00.000Z' },
    metadata: meta(actors.pricing),
  },
  FailPricing: {
    type: 'FailPricing',
    data: { submissionId: SUBMISSION_ID, code: 'MODEL_NOT_WATERTIGHT', reason: 'the mesh has 3 open edges' },
    metadata: meta(actors.pricing),
  },
  RequestPricingRetry: { type: 'RequestPricingRetry', data: {}, metadata: meta(actors.support) },
  ApproveManufacturing: { type: 'ApproveManufacturing', data: { approvedVia: 'seller' }, metadata: meta(actors.seller) },
  StartManufacturing: { type: 'StartManufacturing', data: {}, metadata: meta(actors.operator) },
  CompleteManufacturing: { type: 'CompleteManufacturing', data: {}, metadata: meta(actors.operator) },
  StartPackaging: { type: 'StartPackaging', data: {}, metadata: meta(actors.operator) },
  ShipOrder: { type: 'ShipOrder', data: { trackingNumber: 'JJD000390007' }, metadata: meta(actors.operator) },
  CloseOrder: { type: 'CloseOrder', data: { closedVia: 'carrier', deliveredAt: '2025-03-09T15:30:00.000Z' }, metadata: meta(actors.carrier) },
  CancelOrder: { type: 'CancelOrder', data: { reasonCode: 'CUSTOMER_REQUEST', reason: 'changed my mind' }, metadata: meta(actors.customer) },
};

/** A valid command of `type` with some data replaced. */
export function command<C extends OrderCommandType>(type: C, data: Partial<OrderCommandOf<C>['data']> = {}, actor?: EventActor): OrderCommandOf<C> {
  const base = validCommands[type];
  return { ...base, data: { ...base.data, ...data }, metadata: actor ? meta(actor) : base.metadata };
}

/** The event `type` as the valid command of the same step decides it. */
export function event<T extends OrderEvent['type']>(type: T, data: Partial<OrderEventOf<T>['data']> = {}): OrderEventOf<T> {
  const base = HAPPY_PATH_EVENTS.find((candidate) => candidate.type === type) ?? EXTRA_EVENTS.find((candidate) => candidate.type === type);
  if (!base) throw new Error(`no fixture for ${type}`);
  return { type, data: { ...base.data, ...data } } as unknown as OrderEventOf<T>;
}

const HAPPY_PATH_EVENTS: OrderEvent[] = [
  { type: 'OrderInitiated', data: { orderId: ORDER_ID, customerRef: 'cust-1', channel: 'shop', partnerId: null, material: 'GOLD_750' } },
  {
    type: 'ModelUploaded',
    data: { blobKey: `models/${ORDER_ID}/1.stl`, sha256: SHA, sizeBytes: 684, format: 'stl-binary', source: 'upload', catalogItemId: null, triangleCount: 12 },
  },
  { type: 'OrderSubmitted', data: { submissionId: SUBMISSION_ID } },
  { type: 'PriceCalculated', data: validCommands.RecordPrice.data },
  { type: 'ManufacturingApproved', data: { approvedVia: 'seller' } },
  { type: 'ManufacturingStarted', data: { operatorRef: 'op-9' } },
  { type: 'ManufacturingCompleted', data: { operatorRef: 'op-9' } },
  { type: 'PackagingStarted', data: { operatorRef: 'op-9' } },
  { type: 'OrderShipped', data: { operatorRef: 'op-9', carrier: { ...CONTRACT_CARRIER }, trackingNumber: 'JJD000390007' } },
  { type: 'OrderClosed', data: { closedVia: 'carrier', deliveredAt: '2025-03-09T15:30:00.000Z' } },
];

const EXTRA_EVENTS: OrderEvent[] = [
  { type: 'OrderCancelled', data: { reasonCode: 'CUSTOMER_REQUEST', reason: 'changed my mind', cancelledBy: 'customer' } },
  { type: 'PricingAttemptFailed', data: validCommands.RecordPricingAttemptFailure.data },
  { type: 'PricingFailed', data: validCommands.FailPricing.data },
  { type: 'PricingRetryRequested', data: { submissionId: SUBMISSION_ID, requestedBy: 'support-2' } },
];

/** Stamps `occurredAt` one minute apart, as the store's envelopes would carry it. */
export function stamped(events: readonly OrderEvent[], start: string = '2025-03-01T09:00:00.000Z'): OrderEventEnvelope[] {
  const t0 = Date.parse(start);
  return events.map((e, i) => ({ ...e, metadata: { occurredAt: new Date(t0 + i * 60_000).toISOString() } }));
}

/** A history that brings an order to `status` along the lifecycle (CANCELLED: cancelled right after initiation). */
export function historyTo(status: OrderStatus): OrderEventEnvelope[] {
  if (status === 'CANCELLED') return stamped([HAPPY_PATH_EVENTS[0]!, event('OrderCancelled')]);
  const index = HAPPY_PATH_EVENTS.findIndex((e) => e.type === STATUS_EVENT[status]);
  return stamped(HAPPY_PATH_EVENTS.slice(0, index + 1));
}

const STATUS_EVENT: Record<Exclude<OrderStatus, 'CANCELLED'>, OrderEvent['type']> = {
  INITIATED: 'OrderInitiated',
  FILE_UPLOADED: 'ModelUploaded',
  SUBMITTED: 'OrderSubmitted',
  PRICE_CALCULATED: 'PriceCalculated',
  MANUFACTURING_APPROVED: 'ManufacturingApproved',
  MANUFACTURING_STARTED: 'ManufacturingStarted',
  MANUFACTURING_COMPLETED: 'ManufacturingCompleted',
  PACKAGING: 'PackagingStarted',
  SHIPPED: 'OrderShipped',
  CLOSED: 'OrderClosed',
};

/**
 * `given(pastEvents).when(command).then(newEvents)` or `.thenThrows(ErrorClass, expectedFields?)`.
 * `then` compares the decided events exactly; `thenThrows` returns the error for further checks.
 */
export function given(past: readonly OrderEventEnvelope[] = []) {
  const state: OrderState = foldOrder(past);
  return {
    state,
    when(cmd: OrderCommand) {
      const run = () => decide(cmd, state);
      return {
        then(expected: OrderEvent[]): OrderEvent[] {
          const decided = run();
          expect(decided).toEqual(expected);
          return decided;
        },
        thenThrows<E extends Error>(errorClass: abstract new (...args: never[]) => E, expectedFields: Partial<Record<keyof E, unknown>> = {}): E {
          let thrown: unknown;
          try {
            run();
          } catch (error) {
            thrown = error;
          }
          expect(thrown).toBeInstanceOf(errorClass);
          expect(thrown).toMatchObject(expectedFields);
          return thrown as E;
        },
      };
    },
  };
}
